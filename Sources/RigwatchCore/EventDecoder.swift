/// Decodes kernel records (`bpf/events.h`) from bytes, in place: the buffer is
/// read directly and only the exec strings are copied out.

public enum DecodeError: Error, Equatable, CustomStringConvertible {
    case tooShort(have: Int, need: Int)
    case sizeMismatch(declared: Int, actual: Int)
    case unknownKind(UInt16)
    case unsupportedABI(UInt32)
    case badExecLengths(argsLen: Int, room: Int)
    case unknownCredSyscall(UInt32)
    case unknownAddressFamily(UInt16)
    case unknownProtocol(UInt16)
    case tooManyGPUProcesses(count: Int, max: Int)
    case badGPUSampleSize(processes: Int, size: Int, expected: Int)
    /// A fixed-size kind whose record is longer than its struct.
    case tooLong(kind: String, have: Int, expected: Int)
    /// A kind the record's ABI version did not have yet.
    case kindNotInABI(kind: UInt16, version: UInt32)
    case unknownFileOperation(UInt32)
    case unknownFileFlags(UInt32)
    case unknownTamperOperation(UInt32)
    case unknownIntegrityProblem(UInt32)
    /// A fixed path field without its terminating NUL.
    case unterminatedPath(field: String, capacity: Int)

    public var description: String {
        switch self {
        case .tooShort(let have, let need): return "record too short: \(have) bytes, need \(need)"
        case .sizeMismatch(let declared, let actual): return "record declares \(declared) bytes but holds \(actual)"
        case .unknownKind(let k): return "unknown event kind \(k)"
        case .unsupportedABI(let v):
            return "event ABI version \(v) not supported (this build reads \(KernelABI.oldestVersion) to \(KernelABI.version))"
        case .badExecLengths(let argsLen, let room): return "exec record args_len \(argsLen) exceeds its \(room) bytes"
        case .unknownCredSyscall(let s): return "unknown credential syscall \(s)"
        case .unknownAddressFamily(let f): return "unknown address family \(f)"
        case .unknownProtocol(let p): return "unknown transport protocol \(p)"
        case .tooManyGPUProcesses(let count, let max): return "GPU sample lists \(count) processes, at most \(max) fit"
        case .badGPUSampleSize(let processes, let size, let expected):
            return "GPU sample with \(processes) processes is \(size) bytes, expected \(expected)"
        case .tooLong(let kind, let have, let expected): return "\(kind) record too long: \(have) bytes, expected \(expected)"
        case .kindNotInABI(let kind, let version): return "event kind \(kind) does not exist in ABI version \(version)"
        case .unknownFileOperation(let op): return "unknown file_change op \(op)"
        case .unknownFileFlags(let bits): return "unknown file_change flags 0x\(String(bits, radix: 16))"
        case .unknownTamperOperation(let op): return "unknown tamper op \(op)"
        case .unknownIntegrityProblem(let p): return "unknown integrity problem \(p)"
        case .unterminatedPath(let field, let capacity): return "file_change \(field) has no NUL within its \(capacity) bytes"
        }
    }
}

/// Unaligned little-endian reads from a record.
struct RecordReader {
    let base: UnsafeRawBufferPointer

    @inline(__always) func u16(_ offset: Int) -> UInt16 { base.loadUnaligned(fromByteOffset: offset, as: UInt16.self) }
    @inline(__always) func u32(_ offset: Int) -> UInt32 { base.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
    @inline(__always) func i32(_ offset: Int) -> Int32 { base.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
    @inline(__always) func u64(_ offset: Int) -> UInt64 { base.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }

    /// 16 network-order bytes; an IPv4 address keeps only its first 4.
    func address(_ offset: Int, family: IPAddress.Family) -> IPAddress {
        IPAddress(family: family, high: UInt64(bigEndian: u64(offset)), low: UInt64(bigEndian: u64(offset + 8)))
    }

    func ids(_ offset: Int) -> CredIds {
        CredIds(uid: u32(offset), euid: u32(offset + 4), suid: u32(offset + 8), fsuid: u32(offset + 12),
                gid: u32(offset + 16), egid: u32(offset + 20), sgid: u32(offset + 24), fsgid: u32(offset + 28))
    }
}

public enum EventDecoder {
    /// The kind and declared size of the record at the start of `bytes`, without validating the rest.
    public static func peek(_ bytes: UnsafeRawBufferPointer) -> (kind: UInt16, size: Int)? {
        guard bytes.count >= 4 else { return nil }
        let r = RecordReader(base: bytes)
        return (r.u16(0), Int(r.u16(2)))
    }

    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> Event {
        do {
            return try bytes.withUnsafeBytes { try decode($0) }
        } catch let error as DecodeError {
            throw error
        } catch {
            fatalError("unreachable: decode throws only DecodeError")
        }
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> Event {
        guard bytes.count >= KernelABI.headerSize else {
            throw .tooShort(have: bytes.count, need: KernelABI.headerSize)
        }
        let r = RecordReader(base: bytes)
        let kind = r.u16(0)
        let size = Int(r.u16(2))
        guard size == bytes.count else { throw .sizeMismatch(declared: size, actual: bytes.count) }
        let abi = r.u32(4)
        guard abi >= KernelABI.oldestVersion && abi <= KernelABI.version else { throw .unsupportedABI(abi) }
        guard abi >= KernelABI.firstVersion(ofKind: kind) else { throw .kindNotInABI(kind: kind, version: abi) }
        let header = decodeHeader(r)

        switch kind {
        case KernelABI.kindExec:
            return .exec(try decodeExec(r, header: header, size: size))
        case KernelABI.kindCred:
            guard size >= KernelABI.credSize else { throw .tooShort(have: size, need: KernelABI.credSize) }
            guard let syscall = CredSyscall(rawValue: r.u32(72)) else { throw .unknownCredSyscall(r.u32(72)) }
            return .cred(CredEvent(header: header, syscall: syscall, result: r.i32(76),
                                   requested: [r.u32(80), r.u32(84), r.u32(88)],
                                   before: r.ids(96), after: r.ids(128)))
        case KernelABI.kindFork:
            guard size >= KernelABI.forkSize else { throw .tooShort(have: size, need: KernelABI.forkSize) }
            return .fork(ForkEvent(header: header, childPid: r.u32(72), childTgid: r.u32(76)))
        case KernelABI.kindExit:
            guard size >= KernelABI.exitSize else { throw .tooShort(have: size, need: KernelABI.exitSize) }
            return .exit(ExitEvent(header: header, exitCode: r.i32(72), signal: r.u32(76)))
        case KernelABI.kindDrops:
            guard size >= KernelABI.dropsSize else { throw .tooShort(have: size, need: KernelABI.dropsSize) }
            return .drops(DropsEvent(timestampNs: header.timestampNs, lost: r.u64(72), total: r.u64(80)))
        case KernelABI.kindConnect:
            guard size >= KernelABI.connectSize else { throw .tooShort(have: size, need: KernelABI.connectSize) }
            let (family, proto) = try familyAndProtocol(r)
            return .connect(ConnectEvent(header: header, proto: proto,
                                         source: r.address(80, family: family), sourcePort: r.u16(76),
                                         destination: r.address(96, family: family), destinationPort: r.u16(78)))
        case KernelABI.kindNetBytes:
            guard size >= KernelABI.netBytesSize else { throw .tooShort(have: size, need: KernelABI.netBytesSize) }
            let (family, proto) = try familyAndProtocol(r)
            return .netBytes(NetBytesEvent(header: header, proto: proto, destination: r.address(80, family: family),
                                           destinationPort: r.u16(76), bytes: r.u64(96), sends: r.u64(104),
                                           firstNs: r.u64(112), lastNs: r.u64(120)))
        case KernelABI.kindGPUSample:
            return .gpuSample(try decodeGPUSample(r, size: size))
        case KernelABI.kindFileChange:
            try exactSize(size, KernelABI.fileChangeSize, kind: "file_change")
            return .fileChange(try decodeFileChange(r, header: header))
        case KernelABI.kindTamper:
            try exactSize(size, KernelABI.tamperSize, kind: "tamper")
            guard let op = TamperEvent.Operation(rawValue: r.u32(72)) else { throw .unknownTamperOperation(r.u32(72)) }
            return .tamper(TamperEvent(header: header, operation: op, targetPid: r.u32(76),
                                       argument: Int64(bitPattern: r.u64(80)), result: r.i32(88)))
        case KernelABI.kindIntegrity:
            try exactSize(size, KernelABI.integritySize, kind: "integrity")
            guard let problem = IntegrityEvent.Problem(rawValue: r.u32(72)) else { throw .unknownIntegrityProblem(r.u32(72)) }
            // NUL-padded; a name filling the field keeps no NUL, like the GPU uuid.
            let start = KernelABI.integrityNameOffset
            let name = UnsafeRawBufferPointer(rebasing: r.base[start..<(start + KernelABI.integrityNameLength)])
            let nameLen = name.firstIndex(of: 0) ?? name.count
            return .integrity(IntegrityEvent(timestampNs: header.timestampNs, problem: problem,
                                             name: String(decoding: name[..<nameLen], as: UTF8.self),
                                             expected: r.u32(76), found: r.u32(80)))
        default:
            throw .unknownKind(kind)
        }
    }

    /// The newer kinds are fixed-size: a record of another size is corrupt, not a
    /// longer future layout (that would come with a new ABI version).
    static func exactSize(_ size: Int, _ expected: Int, kind: String) throws(DecodeError) {
        guard size >= expected else { throw .tooShort(have: size, need: expected) }
        guard size == expected else { throw .tooLong(kind: kind, have: size, expected: expected) }
    }

    /// `rw_file_change`: op and flags must be ones this ABI defines (unknown flag bits
    /// could not be carried through JSON), and each path must end in a NUL within its field.
    static func decodeFileChange(_ r: RecordReader, header: EventHeader) throws(DecodeError) -> FileChangeEvent {
        guard let op = FileChangeEvent.Operation(rawValue: r.u32(72)) else { throw .unknownFileOperation(r.u32(72)) }
        let flags = FileChangeEvent.Flags(rawValue: r.u32(76))
        guard FileChangeEvent.Flags.known.isSuperset(of: flags) else {
            throw .unknownFileFlags(flags.subtracting(.known).rawValue)
        }
        return FileChangeEvent(header: header, operation: op, flags: flags, openFlags: r.u32(80), result: r.i32(84),
                               mountNamespace: r.u32(88),
                               pathBytes: try path(r, at: KernelABI.fileChangePathOffset, field: "path"),
                               path2Bytes: try path(r, at: KernelABI.fileChangePath2Offset, field: "path2"))
    }

    /// The bytes of a NUL-terminated path field, without the NUL.
    static func path(_ r: RecordReader, at start: Int, field: String) throws(DecodeError) -> [UInt8] {
        let region = UnsafeRawBufferPointer(rebasing: r.base[start..<(start + KernelABI.pathCapacity)])
        guard let end = region.firstIndex(of: 0) else { throw .unterminatedPath(field: field, capacity: KernelABI.pathCapacity) }
        return Array(region[..<end])
    }

    /// `rw_gpu_sample`: nprocs must fit the array and match the record size exactly.
    static func decodeGPUSample(_ r: RecordReader, size: Int) throws(DecodeError) -> GPUSampleEvent {
        let fixed = KernelABI.gpuSampleFixedSize
        guard size >= fixed else { throw .tooShort(have: size, need: fixed) }
        let count = Int(r.u32(112))
        guard count <= KernelABI.gpuMaxProcesses else {
            throw .tooManyGPUProcesses(count: count, max: KernelABI.gpuMaxProcesses)
        }
        let expected = fixed + count * KernelABI.gpuProcessSize
        guard size == expected else { throw .badGPUSampleSize(processes: count, size: size, expected: expected) }
        let uuidStart = fixed - KernelABI.gpuUUIDLength
        let uuidRegion = UnsafeRawBufferPointer(rebasing: r.base[uuidStart..<fixed])
        let uuidLen = uuidRegion.firstIndex(of: 0) ?? uuidRegion.count
        var processes: [GPUSampleEvent.Process] = []
        processes.reserveCapacity(count)
        for i in 0..<count {
            let at = fixed + i * KernelABI.gpuProcessSize
            processes.append(GPUSampleEvent.Process(pid: r.u32(at), usedMemoryBytes: r.u64(at + 8)))
        }
        return GPUSampleEvent(timestampNs: r.u64(8), gpuIndex: r.u32(72), flags: GPUSampleEvent.Flags(rawValue: r.u32(76)),
                              utilGPU: r.u32(80), utilMemory: r.u32(84), temperatureC: r.u32(88),
                              powerMilliwatts: r.u32(92), memoryUsedBytes: r.u64(96), memoryTotalBytes: r.u64(104),
                              uuid: String(decoding: uuidRegion[..<uuidLen], as: UTF8.self), processes: processes)
    }

    /// The `family` and `protocol` fields that start both network payloads (offsets 72 and 74).
    static func familyAndProtocol(_ r: RecordReader) throws(DecodeError) -> (IPAddress.Family, NetProtocol) {
        guard let family = IPAddress.Family(kernelValue: r.u16(72)) else { throw .unknownAddressFamily(r.u16(72)) }
        guard let proto = NetProtocol(rawValue: r.u16(74)) else { throw .unknownProtocol(r.u16(74)) }
        return (family, proto)
    }

    static func decodeHeader(_ r: RecordReader) -> EventHeader {
        EventHeader(timestampNs: r.u64(8), pid: r.u32(16), tgid: r.u32(20), ppid: r.u32(24),
                    uid: r.u32(28), euid: r.u32(32), gid: r.u32(36), egid: r.u32(40),
                    lineageUid: r.u32(44), cgroupId: r.u64(48),
                    comm: Comm(low: r.u64(56), high: r.u64(64)),
                    // An older record reads as its current-version equivalent (the layouts of
                    // its kinds did not change), so re-encoding writes the current version and
                    // the event equals its JSON Lines form, which carries no version.
                    abiVersion: KernelABI.version)
    }

    static func decodeExec(_ r: RecordReader, header: EventHeader, size: Int) throws(DecodeError) -> ExecEvent {
        let fixed = KernelABI.execFixedSize
        guard size >= fixed else { throw .tooShort(have: size, need: fixed) }
        let argsLen = Int(r.u32(84))
        guard argsLen == size - fixed, argsLen <= KernelABI.argsMax else {
            throw .badExecLengths(argsLen: argsLen, room: size - fixed)
        }
        let nameStart = KernelABI.execFilenameOffset
        let nameRegion = UnsafeRawBufferPointer(rebasing: r.base[nameStart..<(nameStart + KernelABI.filenameCapacity)])
        let nameLen = nameRegion.firstIndex(of: 0) ?? nameRegion.count
        return ExecEvent(header: header, loginUid: r.u32(72), flags: ExecEvent.Flags(rawValue: r.u32(76)),
                         argc: r.u32(80), oldPid: r.u32(88),
                         filename: Array(nameRegion[..<nameLen]),
                         args: Array(r.base[fixed..<(fixed + argsLen)]))
    }
}

// SPDX-License-Identifier: Apache-2.0
/// Decodes kernel records (`bpf/events.h`) from bytes, in place: the buffer is
/// read directly and only the exec strings are copied out. Every offset, size and
/// value comes from the C types (`ABIOffsets`, `KernelABI`), none is written here.

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
    case unknownEnforceAction(UInt32)
    case unknownEnforceStage(UInt32)
    case unknownChildClass(UInt32)
    case unknownIntegrityProblem(UInt32)
    /// A fixed path field without its terminating NUL.
    case unterminatedPath(field: String, capacity: Int)
    /// A unix_connect path field without its terminating NUL.
    case unterminatedUnixPath(field: String)
    /// A first payload claiming more bytes than its field holds.
    case badPayloadLength(Int)

    public var description: String {
        switch self {
        case .tooShort(let have, let need): return "record too short: \(have) bytes, need \(need)"
        case .sizeMismatch(let declared, let actual): return "record declares \(declared) bytes but holds \(actual)"
        case .unknownKind(let k): return "unknown event kind \(k)"
        case .unsupportedABI(let v):
            return
                "event ABI version \(v) not supported (this build reads \(KernelABI.oldestVersion) to \(KernelABI.version))"
        case .badExecLengths(let argsLen, let room): return "exec record args_len \(argsLen) exceeds its \(room) bytes"
        case .unknownCredSyscall(let s): return "unknown credential syscall \(s)"
        case .unknownAddressFamily(let f): return "unknown address family \(f)"
        case .unknownProtocol(let p): return "unknown transport protocol \(p)"
        case .tooManyGPUProcesses(let count, let max): return "GPU sample lists \(count) processes, at most \(max) fit"
        case .badGPUSampleSize(let processes, let size, let expected):
            return "GPU sample with \(processes) processes is \(size) bytes, expected \(expected)"
        case .tooLong(let kind, let have, let expected):
            return "\(kind) record too long: \(have) bytes, expected \(expected)"
        case .kindNotInABI(let kind, let version): return "event kind \(kind) does not exist in ABI version \(version)"
        case .unknownFileOperation(let op): return "unknown file_change op \(op)"
        case .unknownFileFlags(let bits): return "unknown file_change flags 0x\(String(bits, radix: 16))"
        case .unknownTamperOperation(let op): return "unknown tamper op \(op)"
        case .unknownEnforceAction(let a): return "unknown enforce action \(a)"
        case .unknownEnforceStage(let s): return "unknown enforce stage \(s)"
        case .unknownChildClass(let c): return "unknown child class \(c)"
        case .unknownIntegrityProblem(let p): return "unknown integrity problem \(p)"
        case .unterminatedPath(let field, let capacity):
            return "file_change \(field) has no NUL within its \(capacity) bytes"
        case .unterminatedUnixPath(let field):
            return "unix_connect \(field) has no NUL within its \(KernelABI.unixPathCapacity) bytes"
        case .badPayloadLength(let n):
            return "first_payload len \(n) exceeds its \(KernelABI.payloadPrefix) bytes"
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
        IPAddress(
            family: family, high: UInt64(bigEndian: u64(offset)),
            low: UInt64(bigEndian: u64(offset + MemoryLayout<UInt64>.size)))
    }

    /// The `struct rw_ids` at `offset`.
    func ids(_ offset: Int) -> CredIds {
        typealias I = ABIOffsets.Ids
        return CredIds(
            uid: u32(offset + I.uid), euid: u32(offset + I.euid), suid: u32(offset + I.suid),
            fsuid: u32(offset + I.fsuid), gid: u32(offset + I.gid), egid: u32(offset + I.egid),
            sgid: u32(offset + I.sgid), fsgid: u32(offset + I.fsgid))
    }
}

public enum EventDecoder {
    /// The kind and declared size of the record at the start of `bytes`, without validating the rest.
    public static func peek(_ bytes: UnsafeRawBufferPointer) -> (kind: UInt16, size: Int)? {
        guard bytes.count >= KernelABI.kindAndSizeBytes else { return nil }
        let r = RecordReader(base: bytes)
        return (r.u16(ABIOffsets.Header.kind), Int(r.u16(ABIOffsets.Header.size)))
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
        let kind = r.u16(ABIOffsets.Header.kind)
        let size = Int(r.u16(ABIOffsets.Header.size))
        guard size == bytes.count else { throw .sizeMismatch(declared: size, actual: bytes.count) }
        let abi = r.u32(ABIOffsets.Header.abiVersion)
        guard abi >= KernelABI.oldestVersion && abi <= KernelABI.version else { throw .unsupportedABI(abi) }
        guard abi >= KernelABI.firstVersion(ofKind: kind) else { throw .kindNotInABI(kind: kind, version: abi) }
        let header = decodeHeader(r)

        switch kind {
        case KernelABI.kindExec:
            return .exec(try decodeExec(r, header: header, size: size))
        case KernelABI.kindEnforce:
            return .enforce(try decodeEnforce(r, header: header, size: size))
        case KernelABI.kindCred:
            guard size >= KernelABI.credSize else { throw .tooShort(have: size, need: KernelABI.credSize) }
            typealias C = ABIOffsets.Cred
            guard let syscall = CredSyscall(rawValue: r.u32(C.syscall)) else {
                throw .unknownCredSyscall(r.u32(C.syscall))
            }
            return .cred(
                CredEvent(
                    header: header, syscall: syscall, result: r.i32(C.ret),
                    requested: [r.u32(C.requested0), r.u32(C.requested1), r.u32(C.requested2)],
                    before: r.ids(C.before), after: r.ids(C.after)))
        case KernelABI.kindFork:
            guard size >= KernelABI.forkSize else { throw .tooShort(have: size, need: KernelABI.forkSize) }
            return .fork(
                ForkEvent(
                    header: header, childPid: r.u32(ABIOffsets.Fork.childPid),
                    childTgid: r.u32(ABIOffsets.Fork.childTgid)))
        case KernelABI.kindExit:
            guard size >= KernelABI.exitSize else { throw .tooShort(have: size, need: KernelABI.exitSize) }
            return .exit(
                ExitEvent(
                    header: header, exitCode: r.i32(ABIOffsets.Exit.exitCode),
                    signal: r.u32(ABIOffsets.Exit.signal)))
        case KernelABI.kindDrops:
            guard size >= KernelABI.dropsSize else { throw .tooShort(have: size, need: KernelABI.dropsSize) }
            return .drops(
                DropsEvent(
                    timestampNs: header.timestampNs, lost: r.u64(ABIOffsets.Drops.lost),
                    total: r.u64(ABIOffsets.Drops.total)))
        case KernelABI.kindConnect:
            guard size >= KernelABI.connectSize else { throw .tooShort(have: size, need: KernelABI.connectSize) }
            typealias C = ABIOffsets.Connect
            let (family, proto) = try familyAndProtocol(r, family: C.family, protocol: C.protocol)
            return .connect(
                ConnectEvent(
                    header: header, proto: proto,
                    source: r.address(C.saddr, family: family), sourcePort: r.u16(C.sport),
                    destination: r.address(C.daddr, family: family), destinationPort: r.u16(C.dport)))
        case KernelABI.kindNetBytes:
            guard size >= KernelABI.netBytesSize else { throw .tooShort(have: size, need: KernelABI.netBytesSize) }
            typealias N = ABIOffsets.NetBytes
            let (family, proto) = try familyAndProtocol(r, family: N.family, protocol: N.protocol)
            return .netBytes(
                NetBytesEvent(
                    header: header, proto: proto, destination: r.address(N.daddr, family: family),
                    destinationPort: r.u16(N.dport), bytes: r.u64(N.bytes), sends: r.u64(N.sends),
                    firstNs: r.u64(N.firstNs), lastNs: r.u64(N.lastNs)))
        case KernelABI.kindGPUSample:
            return .gpuSample(try decodeGPUSample(r, size: size))
        case KernelABI.kindFileChange:
            try exactSize(size, KernelABI.fileChangeSize, kind: "file_change")
            return .fileChange(try decodeFileChange(r, header: header))
        case KernelABI.kindTamper:
            try exactSize(size, KernelABI.tamperSize, kind: "tamper")
            typealias T = ABIOffsets.Tamper
            guard let op = TamperEvent.Operation(rawValue: r.u32(T.op)) else {
                throw .unknownTamperOperation(r.u32(T.op))
            }
            return .tamper(
                TamperEvent(
                    header: header, operation: op, targetPid: r.u32(T.targetPid),
                    argument: Int64(bitPattern: r.u64(T.arg)), result: r.i32(T.result),
                    // Reserved (0) before ABI version 3.
                    denied: r.u32(T.flags) & KernelABI.tamperDenied != 0))
        case KernelABI.kindIntegrity:
            try exactSize(size, KernelABI.integritySize, kind: "integrity")
            typealias I = ABIOffsets.Integrity
            guard let problem = IntegrityEvent.Problem(rawValue: r.u32(I.problem)) else {
                throw .unknownIntegrityProblem(r.u32(I.problem))
            }
            // NUL-padded; a name filling the field keeps no NUL, like the GPU uuid.
            let start = KernelABI.integrityNameOffset
            let name = UnsafeRawBufferPointer(rebasing: r.base[start..<(start + KernelABI.integrityNameLength)])
            let nameLen = name.firstIndex(of: 0) ?? name.count
            return .integrity(
                IntegrityEvent(
                    timestampNs: header.timestampNs, problem: problem,
                    name: String(decoding: name[..<nameLen], as: UTF8.self),
                    expected: r.u32(I.expected), found: r.u32(I.found)))
        case KernelABI.kindFirstPayload:
            try exactSize(size, KernelABI.firstPayloadSize, kind: "first_payload")
            return .firstPayload(try decodeFirstPayload(r, header: header))
        case KernelABI.kindUnixConnect:
            try exactSize(size, KernelABI.unixConnectSize, kind: "unix_connect")
            return .unixConnect(
                UnixConnectEvent(
                    header: header, result: r.i32(ABIOffsets.UnixConnect.ret),
                    pathBytes: try unixPath(r, at: KernelABI.unixConnectPathOffset, field: "path"),
                    peerBytes: try unixPath(r, at: KernelABI.unixConnectPeerOffset, field: "peer")))
        case KernelABI.kindAuth:
            try exactSize(size, KernelABI.authSize, kind: "auth")
            typealias A = ABIOffsets.Auth
            func text(_ field: (Int, Int)) -> String {
                let region = UnsafeRawBufferPointer(rebasing: r.base[field.0..<(field.0 + field.1)])
                return String(decoding: region[..<(region.firstIndex(of: 0) ?? region.count)], as: UTF8.self)
            }
            return .auth(
                AuthEvent(
                    timestampNs: header.timestampNs, pid: header.tgid, uid: header.uid, auid: r.u32(A.auid),
                    ses: r.u32(A.ses), recordType: r.u16(A.recordType), op: text(A.op), acct: text(A.acct),
                    exe: text(A.exe), hostname: text(A.hostname), addr: text(A.addr), terminal: text(A.terminal),
                    success: r.u16(A.success) != 0))
        default:
            throw .unknownKind(kind)
        }
    }

    static func decodeFirstPayload(_ r: RecordReader, header: EventHeader) throws(DecodeError) -> FirstPayloadEvent {
        typealias P = ABIOffsets.FirstPayload
        let (family, proto) = try familyAndProtocol(r, family: P.family, protocol: P.protocol)
        let len = Int(r.u32(P.len))
        guard len <= KernelABI.payloadPrefix else { throw .badPayloadLength(len) }
        let start = KernelABI.firstPayloadDataOffset
        return FirstPayloadEvent(
            header: header, proto: proto, source: r.address(P.saddr, family: family), sourcePort: r.u16(P.sport),
            destination: r.address(P.daddr, family: family), destinationPort: r.u16(P.dport),
            data: Array(r.base[start..<(start + len)]), sendLength: r.u32(P.sendLen),
            fault: r.u32(P.flags) & KernelABI.payloadFault != 0)
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
        typealias F = ABIOffsets.FileChange
        guard let op = FileChangeEvent.Operation(rawValue: r.u32(F.op)) else {
            throw .unknownFileOperation(r.u32(F.op))
        }
        let flags = FileChangeEvent.Flags(rawValue: r.u32(F.flags))
        guard FileChangeEvent.Flags.known.isSuperset(of: flags) else {
            throw .unknownFileFlags(flags.subtracting(.known).rawValue)
        }
        return FileChangeEvent(
            header: header, operation: op, flags: flags, openFlags: r.u32(F.openFlags),
            result: r.i32(F.ret), mountNamespace: r.u32(F.mntns),
            pathBytes: try path(r, at: KernelABI.fileChangePathOffset, field: "path"),
            path2Bytes: try path(r, at: KernelABI.fileChangePath2Offset, field: "path2"))
    }

    /// The bytes of a NUL-terminated path field, without the NUL.
    static func path(_ r: RecordReader, at start: Int, field: String) throws(DecodeError) -> [UInt8] {
        let region = UnsafeRawBufferPointer(rebasing: r.base[start..<(start + KernelABI.pathCapacity)])
        guard let end = region.firstIndex(of: 0) else {
            throw .unterminatedPath(field: field, capacity: KernelABI.pathCapacity)
        }
        return Array(region[..<end])
    }

    /// The bytes of a NUL-terminated `rw_unix_connect` path field, without the NUL.
    static func unixPath(_ r: RecordReader, at start: Int, field: String) throws(DecodeError) -> [UInt8] {
        let region = UnsafeRawBufferPointer(rebasing: r.base[start..<(start + KernelABI.unixPathCapacity)])
        guard let end = region.firstIndex(of: 0) else { throw .unterminatedUnixPath(field: field) }
        return Array(region[..<end])
    }

    /// `rw_gpu_sample`: nprocs must fit the array and match the record size exactly.
    static func decodeGPUSample(_ r: RecordReader, size: Int) throws(DecodeError) -> GPUSampleEvent {
        let fixed = KernelABI.gpuSampleFixedSize
        guard size >= fixed else { throw .tooShort(have: size, need: fixed) }
        typealias G = ABIOffsets.GPUSample
        let count = Int(r.u32(G.nprocs))
        guard count <= KernelABI.gpuMaxProcesses else {
            throw .tooManyGPUProcesses(count: count, max: KernelABI.gpuMaxProcesses)
        }
        let expected = fixed + count * KernelABI.gpuProcessSize
        guard size == expected else { throw .badGPUSampleSize(processes: count, size: size, expected: expected) }
        let uuidRegion = UnsafeRawBufferPointer(rebasing: r.base[G.uuid..<(G.uuid + KernelABI.gpuUUIDLength)])
        let uuidLen = uuidRegion.firstIndex(of: 0) ?? uuidRegion.count
        var processes: [GPUSampleEvent.Process] = []
        processes.reserveCapacity(count)
        for i in 0..<count {
            let at = fixed + i * KernelABI.gpuProcessSize
            processes.append(
                GPUSampleEvent.Process(
                    pid: r.u32(at + ABIOffsets.GPUProcess.pid),
                    usedMemoryBytes: r.u64(at + ABIOffsets.GPUProcess.usedMemoryBytes)))
        }
        return GPUSampleEvent(
            timestampNs: r.u64(ABIOffsets.Header.timestampNs), gpuIndex: r.u32(G.gpuIndex),
            flags: GPUSampleEvent.Flags(rawValue: r.u32(G.flags)),
            utilGPU: r.u32(G.utilGPU), utilMemory: r.u32(G.utilMemory), temperatureC: r.u32(G.temperatureC),
            powerMilliwatts: r.u32(G.powerMilliwatts), memoryUsedBytes: r.u64(G.memoryUsedBytes),
            memoryTotalBytes: r.u64(G.memoryTotalBytes),
            uuid: String(decoding: uuidRegion[..<uuidLen], as: UTF8.self), processes: processes)
    }

    /// The `family` and `protocol` fields of a network payload (`rw_connect`, `rw_net_bytes`).
    @inline(__always)
    static func familyAndProtocol(
        _ r: RecordReader, family familyAt: Int, protocol protocolAt: Int
    )
        throws(DecodeError) -> (IPAddress.Family, NetProtocol)
    {
        guard let family = IPAddress.Family(kernelValue: r.u16(familyAt)) else {
            throw .unknownAddressFamily(r.u16(familyAt))
        }
        guard let proto = NetProtocol(rawValue: r.u16(protocolAt)) else { throw .unknownProtocol(r.u16(protocolAt)) }
        return (family, proto)
    }

    static func decodeHeader(_ r: RecordReader) -> EventHeader {
        typealias H = ABIOffsets.Header
        return EventHeader(
            timestampNs: r.u64(H.timestampNs), pid: r.u32(H.pid), tgid: r.u32(H.tgid), ppid: r.u32(H.ppid),
            uid: r.u32(H.uid), euid: r.u32(H.euid), gid: r.u32(H.gid), egid: r.u32(H.egid),
            lineageUid: r.u32(H.lineageUid), cgroupId: r.u64(H.cgroupId),
            // `comm` read as two integers (Comm's inline form), first 8 bytes then the rest.
            comm: Comm(low: r.u64(H.comm), high: r.u64(H.comm + MemoryLayout<UInt64>.size)),
            // An older record reads as its current-version equivalent (the layouts of
            // its kinds did not change), so re-encoding writes the current version and
            // the event equals its JSON Lines form, which carries no version.
            abiVersion: KernelABI.version)
    }

    static func decodeEnforce(_ r: RecordReader, header: EventHeader, size: Int) throws(DecodeError) -> EnforceEvent {
        typealias E = ABIOffsets.Enforce
        let fixed = E.args
        guard size >= fixed else { throw .tooShort(have: size, need: fixed) }
        let argsLen = Int(r.u32(E.argsLen))
        guard argsLen == size - fixed, argsLen <= KernelABI.argsMax else {
            throw .badExecLengths(argsLen: argsLen, room: size - fixed)
        }
        guard let action = EnforceEvent.Action(rawValue: r.u32(E.action)) else {
            throw .unknownEnforceAction(r.u32(E.action))
        }
        let nameRegion = UnsafeRawBufferPointer(
            rebasing: r.base[E.filename..<(E.filename + KernelABI.filenameCapacity)])
        let nameLen = nameRegion.firstIndex(of: 0) ?? nameRegion.count
        let rule = r.i32(E.rule)
        guard let stage = EnforceEvent.Stage(rawValue: r.u32(E.stage)) else {
            throw .unknownEnforceStage(r.u32(E.stage))
        }
        let classValue = r.u32(E.childClass)
        let childClass = EnforceEvent.ChildClass(rawValue: classValue)
        guard classValue == EnforceEvent.ChildClass.ordinaryValue || childClass != nil else {
            throw .unknownChildClass(classValue)
        }
        let exec = ExecEvent(
            header: header, loginUid: noLineage, flags: ExecEvent.Flags(rawValue: r.u32(E.flags)),
            argc: r.u32(E.argc), oldPid: header.tgid, filename: Array(nameRegion[..<nameLen]),
            args: Array(r.base[fixed..<(fixed + argsLen)]))
        return EnforceEvent(
            action: action, stage: stage, childClass: childClass, rule: rule < 0 ? nil : UInt32(rule),
            half: r.u32(E.half), exec: exec)
    }

    static func decodeExec(_ r: RecordReader, header: EventHeader, size: Int) throws(DecodeError) -> ExecEvent {
        let fixed = KernelABI.execFixedSize
        guard size >= fixed else { throw .tooShort(have: size, need: fixed) }
        typealias E = ABIOffsets.Exec
        let argsLen = Int(r.u32(E.argsLen))
        guard argsLen == size - fixed, argsLen <= KernelABI.argsMax else {
            throw .badExecLengths(argsLen: argsLen, room: size - fixed)
        }
        let nameStart = E.filename
        let nameRegion = UnsafeRawBufferPointer(rebasing: r.base[nameStart..<(nameStart + KernelABI.filenameCapacity)])
        let nameLen = nameRegion.firstIndex(of: 0) ?? nameRegion.count
        return ExecEvent(
            header: header, loginUid: r.u32(E.loginUid), flags: ExecEvent.Flags(rawValue: r.u32(E.flags)),
            argc: r.u32(E.argc), oldPid: r.u32(E.oldPid),
            filename: Array(nameRegion[..<nameLen]),
            args: Array(r.base[fixed..<(fixed + argsLen)]))
    }
}

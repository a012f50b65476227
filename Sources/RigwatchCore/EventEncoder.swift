/// Encodes events back into kernel record bytes (`bpf/events.h` layout): the
/// inverse of `EventDecoder`, used by trace files and tests.
public enum EventEncoder {
    public static func encode(_ event: Event) -> [UInt8] {
        var w = RecordWriter()
        switch event {
        case .exec(let e):
            let args = e.args.prefix(KernelABI.argsMax)
            w.header(e.header, kind: KernelABI.kindExec, size: KernelABI.execFixedSize + args.count)
            w.u32(e.loginUid); w.u32(e.flags.rawValue); w.u32(e.argc); w.u32(UInt32(args.count))
            w.u32(e.oldPid); w.u32(0)
            var name = Array(e.filename.prefix(KernelABI.filenameCapacity - 1))
            name += [UInt8](repeating: 0, count: KernelABI.filenameCapacity - name.count)
            w.bytes.append(contentsOf: name)
            w.bytes.append(contentsOf: args)
        case .cred(let e):
            w.header(e.header, kind: KernelABI.kindCred, size: KernelABI.credSize)
            w.u32(e.syscall.rawValue); w.u32(UInt32(bitPattern: e.result))
            for i in 0..<3 { w.u32(i < e.requested.count ? e.requested[i] : 0xffff_ffff) }
            w.u32(0)
            for v in e.before.values { w.u32(v) }
            for v in e.after.values { w.u32(v) }
        case .fork(let e):
            w.header(e.header, kind: KernelABI.kindFork, size: KernelABI.forkSize)
            w.u32(e.childPid); w.u32(e.childTgid)
        case .exit(let e):
            w.header(e.header, kind: KernelABI.kindExit, size: KernelABI.exitSize)
            w.u32(UInt32(bitPattern: e.exitCode)); w.u32(e.signal)
        case .drops(let e):
            w.header(e.header, kind: KernelABI.kindDrops, size: KernelABI.dropsSize)
            w.u64(e.lost); w.u64(e.total)
        case .connect(let e):
            w.header(e.header, kind: KernelABI.kindConnect, size: KernelABI.connectSize)
            w.u16(e.destination.family.kernelValue); w.u16(e.proto.rawValue)
            w.u16(e.sourcePort); w.u16(e.destinationPort)
            w.address(e.source); w.address(e.destination)
        case .netBytes(let e):
            w.header(e.header, kind: KernelABI.kindNetBytes, size: KernelABI.netBytesSize)
            w.u16(e.destination.family.kernelValue); w.u16(e.proto.rawValue)
            w.u16(e.destinationPort); w.u16(0)
            w.address(e.destination)
            w.u64(e.bytes); w.u64(e.sends); w.u64(e.firstNs); w.u64(e.lastNs)
        case .gpuSample(let e):
            let processes = e.processes.prefix(KernelABI.gpuMaxProcesses)
            w.header(e.header, kind: KernelABI.kindGPUSample,
                     size: KernelABI.gpuSampleFixedSize + processes.count * KernelABI.gpuProcessSize)
            // Processes cut here are marked, as the sampler marks the ones the driver listed beyond the array.
            let flags = processes.count < e.processes.count ? e.flags.union(.processesTruncated) : e.flags
            w.u32(e.gpuIndex); w.u32(flags.rawValue); w.u32(e.utilGPU); w.u32(e.utilMemory)
            w.u32(e.temperatureC); w.u32(e.powerMilliwatts); w.u64(e.memoryUsedBytes); w.u64(e.memoryTotalBytes)
            w.u32(UInt32(processes.count)); w.u32(0)
            // NUL-padded; a UUID of exactly the field's length keeps no NUL, as in C.
            var uuid = Array(e.uuid.utf8.prefix(KernelABI.gpuUUIDLength))
            uuid += [UInt8](repeating: 0, count: KernelABI.gpuUUIDLength - uuid.count)
            w.bytes.append(contentsOf: uuid)
            for p in processes { w.u32(p.pid); w.u32(0); w.u64(p.usedMemoryBytes) }
        case .fileChange(let e):
            w.header(e.header, kind: KernelABI.kindFileChange, size: KernelABI.fileChangeSize)
            // Paths cut here are marked, as the kernel marks the ones it cuts.
            var flags = e.flags
            if e.pathBytes.count >= KernelABI.pathCapacity { flags.insert(.pathTruncated) }
            if e.path2Bytes.count >= KernelABI.pathCapacity { flags.insert(.path2Truncated) }
            w.u32(e.operation.rawValue); w.u32(flags.rawValue); w.u32(e.openFlags)
            w.u32(UInt32(bitPattern: e.result)); w.u32(e.mountNamespace); w.u32(0)
            w.path(e.pathBytes)
            w.path(e.path2Bytes)
        case .tamper(let e):
            w.header(e.header, kind: KernelABI.kindTamper, size: KernelABI.tamperSize)
            w.u32(e.operation.rawValue); w.u32(e.targetPid)
            w.u64(UInt64(bitPattern: e.argument)); w.u32(UInt32(bitPattern: e.result)); w.u32(0)
        case .integrity(let e):
            w.header(e.header, kind: KernelABI.kindIntegrity, size: KernelABI.integritySize)
            w.u32(e.problem.rawValue); w.u32(e.expected); w.u32(e.found); w.u32(0)
            // NUL-padded; a name of exactly the field's length keeps no NUL, as in C.
            var name = Array(e.name.utf8.prefix(KernelABI.integrityNameLength))
            name += [UInt8](repeating: 0, count: KernelABI.integrityNameLength - name.count)
            w.bytes.append(contentsOf: name)
        }
        return w.bytes
    }
}

struct RecordWriter {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(512) }

    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }

    /// The 16 network-order bytes of an address, as `rw_connect`/`rw_net_bytes` hold them.
    mutating func address(_ a: IPAddress) {
        withUnsafeBytes(of: a.high.bigEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: a.low.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// A `char[RW_PATH_LEN]` path field: cut to leave room for its NUL (the kernel
    /// cuts the same way), then NUL-padded.
    mutating func path(_ path: [UInt8]) {
        let kept = path.prefix(KernelABI.pathCapacity - 1)
        bytes.append(contentsOf: kept)
        bytes.append(contentsOf: repeatElement(0, count: KernelABI.pathCapacity - kept.count))
    }

    mutating func header(_ h: EventHeader, kind: UInt16, size: Int) {
        u16(kind); u16(UInt16(size)); u32(h.abiVersion); u64(h.timestampNs)
        u32(h.pid); u32(h.tgid); u32(h.ppid); u32(h.uid); u32(h.euid); u32(h.gid); u32(h.egid)
        u32(h.lineageUid); u64(h.cgroupId); u64(h.comm.low); u64(h.comm.high)
    }
}

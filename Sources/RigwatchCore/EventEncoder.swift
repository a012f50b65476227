// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI

/// Encodes events back into kernel record bytes (`bpf/events.h` layout): the
/// inverse of `EventDecoder`, used by trace files and tests. Each record is built
/// in its C struct (zero-initialized, so reserved fields and unused bytes are 0),
/// so the fields land where C puts them and a field renamed there stops this file
/// compiling; no offset is written here.
public enum EventEncoder {
    public static func encode(_ event: Event) -> [UInt8] {
        switch event {
        case .exec(let e):
            var r = rw_exec()
            let args = e.args.prefix(KernelABI.argsMax)
            r.hdr = header(e.header, kind: KernelABI.kindExec, size: KernelABI.execFixedSize + args.count)
            r.loginuid = e.loginUid
            r.flags = e.flags.rawValue
            r.argc = e.argc
            r.args_len = UInt32(args.count)
            r.old_pid = e.oldPid
            // NUL-terminated: the kernel keeps at most RW_FILENAME_LEN - 1 bytes.
            fill(&r.filename, e.filename.prefix(KernelABI.filenameCapacity - 1))
            fill(&r.args, args)
            return bytes(of: &r, count: r.hdr.size)
        case .cred(let e):
            var r = rw_cred()
            r.hdr = header(e.header, kind: KernelABI.kindCred, size: KernelABI.credSize)
            r.syscall = e.syscall.rawValue
            r.ret = e.result
            func requested(_ i: Int) -> UInt32 { i < e.requested.count ? e.requested[i] : 0xffff_ffff }
            r.requested = (requested(0), requested(1), requested(2))
            r.before = ids(e.before)
            r.after = ids(e.after)
            return bytes(of: &r, count: r.hdr.size)
        case .fork(let e):
            var r = rw_fork()
            r.hdr = header(e.header, kind: KernelABI.kindFork, size: KernelABI.forkSize)
            r.child_pid = e.childPid
            r.child_tgid = e.childTgid
            return bytes(of: &r, count: r.hdr.size)
        case .exit(let e):
            var r = rw_exit()
            r.hdr = header(e.header, kind: KernelABI.kindExit, size: KernelABI.exitSize)
            r.exit_code = e.exitCode
            r.signal = e.signal
            return bytes(of: &r, count: r.hdr.size)
        case .drops(let e):
            var r = rw_drops()
            r.hdr = header(e.header, kind: KernelABI.kindDrops, size: KernelABI.dropsSize)
            r.lost = e.lost
            r.total = e.total
            return bytes(of: &r, count: r.hdr.size)
        case .connect(let e):
            var r = rw_connect()
            r.hdr = header(e.header, kind: KernelABI.kindConnect, size: KernelABI.connectSize)
            r.family = e.destination.family.kernelValue
            r.protocol = e.proto.rawValue
            r.sport = e.sourcePort
            r.dport = e.destinationPort
            address(&r.saddr, e.source)
            address(&r.daddr, e.destination)
            return bytes(of: &r, count: r.hdr.size)
        case .netBytes(let e):
            var r = rw_net_bytes()
            r.hdr = header(e.header, kind: KernelABI.kindNetBytes, size: KernelABI.netBytesSize)
            r.family = e.destination.family.kernelValue
            r.protocol = e.proto.rawValue
            r.dport = e.destinationPort
            address(&r.daddr, e.destination)
            r.bytes = e.bytes
            r.sends = e.sends
            r.first_ns = e.firstNs
            r.last_ns = e.lastNs
            return bytes(of: &r, count: r.hdr.size)
        case .gpuSample(let e):
            var r = rw_gpu_sample()
            let processes = e.processes.prefix(KernelABI.gpuMaxProcesses)
            r.hdr = header(
                e.header, kind: KernelABI.kindGPUSample,
                size: KernelABI.gpuSampleFixedSize + processes.count * KernelABI.gpuProcessSize)
            // Processes cut here are marked, as the sampler marks the ones the driver listed beyond the array.
            let flags = processes.count < e.processes.count ? e.flags.union(.processesTruncated) : e.flags
            r.gpu_index = e.gpuIndex
            r.flags = flags.rawValue
            r.util_gpu = e.utilGPU
            r.util_memory = e.utilMemory
            r.temperature_c = e.temperatureC
            r.power_mw = e.powerMilliwatts
            r.memory_used_bytes = e.memoryUsedBytes
            r.memory_total_bytes = e.memoryTotalBytes
            r.nprocs = UInt32(processes.count)
            // NUL-padded; a UUID of exactly the field's length keeps no NUL, as in C.
            fill(&r.uuid, e.uuid.utf8.prefix(KernelABI.gpuUUIDLength))
            withUnsafeMutableBytes(of: &r.procs) { procs in
                for (i, p) in processes.enumerated() {
                    procs.storeBytes(
                        of: rw_gpu_process(pid: p.pid, reserved: 0, used_memory_bytes: p.usedMemoryBytes),
                        toByteOffset: i * KernelABI.gpuProcessSize, as: rw_gpu_process.self)
                }
            }
            return bytes(of: &r, count: r.hdr.size)
        case .fileChange(let e):
            var r = rw_file_change()
            r.hdr = header(e.header, kind: KernelABI.kindFileChange, size: KernelABI.fileChangeSize)
            // Paths cut here are marked, as the kernel marks the ones it cuts.
            var flags = e.flags
            if e.pathBytes.count >= KernelABI.pathCapacity { flags.insert(.pathTruncated) }
            if e.path2Bytes.count >= KernelABI.pathCapacity { flags.insert(.path2Truncated) }
            r.op = e.operation.rawValue
            r.flags = flags.rawValue
            r.open_flags = e.openFlags
            r.ret = e.result
            r.mntns = e.mountNamespace
            // Cut to leave room for the NUL (the kernel cuts the same way), then NUL-padded.
            fill(&r.path, e.pathBytes.prefix(KernelABI.pathCapacity - 1))
            fill(&r.path2, e.path2Bytes.prefix(KernelABI.pathCapacity - 1))
            return bytes(of: &r, count: r.hdr.size)
        case .enforce(let e):
            var r = rw_enforce()
            let args = e.exec.args.prefix(KernelABI.argsMax)
            r.hdr = header(e.header, kind: KernelABI.kindEnforce, size: ABIOffsets.Enforce.args + args.count)
            r.action = e.action.rawValue
            r.rule = e.rule.map { Int32(bitPattern: $0) } ?? -1
            r.argc = e.exec.argc
            r.args_len = UInt32(args.count)
            r.flags = e.exec.flags.rawValue
            r.half = e.half
            r.stage = e.stage.rawValue
            r.child_class = e.childClass?.rawValue ?? EnforceEvent.ChildClass.ordinaryValue
            fill(&r.filename, e.exec.filename.prefix(KernelABI.filenameCapacity - 1))
            fill(&r.args, args)
            return bytes(of: &r, count: r.hdr.size)
        case .tamper(let e):
            var r = rw_tamper()
            r.hdr = header(e.header, kind: KernelABI.kindTamper, size: KernelABI.tamperSize)
            r.op = e.operation.rawValue
            r.target_pid = e.targetPid
            r.arg = e.argument
            r.result = e.result
            r.flags = e.denied ? KernelABI.tamperDenied : 0
            return bytes(of: &r, count: r.hdr.size)
        case .integrity(let e):
            var r = rw_integrity()
            r.hdr = header(e.header, kind: KernelABI.kindIntegrity, size: KernelABI.integritySize)
            r.problem = e.problem.rawValue
            r.expected = e.expected
            r.found = e.found
            // NUL-padded; a name of exactly the field's length keeps no NUL, as in C.
            fill(&r.name, e.name.utf8.prefix(KernelABI.integrityNameLength))
            return bytes(of: &r, count: r.hdr.size)
        case .firstPayload(let e):
            var r = rw_first_payload()
            r.hdr = header(e.header, kind: KernelABI.kindFirstPayload, size: KernelABI.firstPayloadSize)
            let data = e.data.prefix(KernelABI.payloadPrefix)
            r.family = e.destination.family.kernelValue
            r.protocol = e.proto.rawValue
            r.sport = e.sourcePort
            r.dport = e.destinationPort
            address(&r.saddr, e.source)
            address(&r.daddr, e.destination)
            r.len = UInt32(data.count)
            r.send_len = e.sendLength
            r.flags = e.fault ? KernelABI.payloadFault : 0
            fill(&r.data, data)
            return bytes(of: &r, count: r.hdr.size)
        case .unixConnect(let e):
            var r = rw_unix_connect()
            r.hdr = header(e.header, kind: KernelABI.kindUnixConnect, size: KernelABI.unixConnectSize)
            r.ret = e.result
            // NUL-terminated, as the kernel writes them.
            fill(&r.path, e.pathBytes.prefix(KernelABI.unixPathCapacity - 1))
            fill(&r.peer, e.peerBytes.prefix(KernelABI.unixPathCapacity - 1))
            return bytes(of: &r, count: r.hdr.size)
        case .auth(let e):
            var r = rw_auth()
            r.hdr = header(e.header, kind: KernelABI.kindAuth, size: KernelABI.authSize)
            r.auid = e.auid
            r.ses = e.ses
            r.record_type = e.recordType
            r.success = e.success ? 1 : 0
            // NUL-padded; a value of exactly the field's length keeps no NUL (cut to fit).
            fill(&r.op, e.op.utf8.prefix(ABIOffsets.Auth.op.1))
            fill(&r.acct, e.acct.utf8.prefix(ABIOffsets.Auth.acct.1))
            fill(&r.exe, e.exe.utf8.prefix(ABIOffsets.Auth.exe.1))
            fill(&r.hostname, e.hostname.utf8.prefix(ABIOffsets.Auth.hostname.1))
            fill(&r.addr, e.addr.utf8.prefix(ABIOffsets.Auth.addr.1))
            fill(&r.terminal, e.terminal.utf8.prefix(ABIOffsets.Auth.terminal.1))
            return bytes(of: &r, count: r.hdr.size)
        }
    }

    /// The first `count` bytes (the header's `size`) of a record struct: a variable-size
    /// record (exec, GPU sample) stops after its last used entry.
    private static func bytes<Record>(of record: inout Record, count: UInt16) -> [UInt8] {
        withUnsafeBytes(of: &record) { Array($0[..<Int(count)]) }
    }

    private static func header(_ h: EventHeader, kind: UInt16, size: Int) -> rw_header {
        var r = rw_header()
        r.kind = kind
        r.size = UInt16(size)
        r.abi_version = h.abiVersion
        r.timestamp_ns = h.timestampNs
        r.pid = h.pid
        r.tgid = h.tgid
        r.ppid = h.ppid
        r.uid = h.uid
        r.euid = h.euid
        r.gid = h.gid
        r.egid = h.egid
        r.lineage_uid = h.lineageUid
        r.cgroup_id = h.cgroupId
        // Comm's two integers are the comm bytes in memory order.
        withUnsafeMutableBytes(of: &r.comm) { comm in
            comm.storeBytes(of: h.comm.low, toByteOffset: 0, as: UInt64.self)
            comm.storeBytes(of: h.comm.high, toByteOffset: MemoryLayout<UInt64>.size, as: UInt64.self)
        }
        return r
    }

    private static func ids(_ i: CredIds) -> rw_ids {
        rw_ids(
            uid: i.uid, euid: i.euid, suid: i.suid, fsuid: i.fsuid, gid: i.gid, egid: i.egid, sgid: i.sgid,
            fsgid: i.fsgid)
    }

    /// The 16 network-order bytes of an address, as `rw_connect`/`rw_net_bytes` hold them.
    private static func address<Field>(_ field: inout Field, _ a: IPAddress) {
        withUnsafeMutableBytes(of: &field) { raw in
            precondition(raw.count == 2 * MemoryLayout<UInt64>.size, "an address field holds 16 bytes")
            raw.storeBytes(of: a.high.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: a.low.bigEndian, toByteOffset: MemoryLayout<UInt64>.size, as: UInt64.self)
        }
    }

    /// Copies `content` to the start of a (zeroed) C array field; the rest stays 0.
    private static func fill<Field, Content: Collection<UInt8>>(_ field: inout Field, _ content: Content) {
        withUnsafeMutableBytes(of: &field) { raw in
            precondition(content.count <= raw.count, "content longer than its field")
            raw.copyBytes(from: content)
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI
import XCTest

@testable import RigwatchCore

/// The decoder and encoder take every offset, size and value from the C types of
/// `bpf/events.h`. These tests hold them to what the C compiler itself says
/// (`rw_abi_fields()`, offsetof/sizeof in Sources/CRigwatchABI/abi_layout.c): a C
/// field that moves, grows, or is added without Swift accounting for it fails here,
/// and a C field renamed or removed stops `ABIOffsets` or the encoder compiling.
final class ABILayoutTests: XCTestCase {
    struct CField {
        var offset: Int
        var size: Int
    }

    /// "struct.field" -> offset and size, as C computes them.
    static let cFields: [(name: String, field: CField)] = {
        var count = 0
        guard let table = rw_abi_fields(&count) else { return [] }
        return (0..<count).map { i in
            (String(cString: table[i].name), CField(offset: table[i].offset, size: table[i].size))
        }
    }()

    static let cStructs: [String: Int] = {
        var count = 0
        guard let table = rw_abi_structs(&count) else { return [:] }
        return Dictionary(
            uniqueKeysWithValues: (0..<count).map { i in (String(cString: table[i].name), table[i].size) })
    }()

    /// Every field C lists, with where Swift reads it and how many bytes it reads
    /// there; nil for the fields Swift never reads (reserved, zero on encode).
    static let swiftFields: [String: (offset: Int, width: Int)?] = {
        typealias H = ABIOffsets.Header
        let u16 = 2
        let u32 = 4
        let u64 = 8
        let addr = 16
        // A record's header is where the decoder reads it: at the start.
        let header: (offset: Int, width: Int) = (0, KernelABI.headerSize)
        return [
            "rw_header.kind": (H.kind, u16), "rw_header.size": (H.size, u16),
            "rw_header.abi_version": (H.abiVersion, u32), "rw_header.timestamp_ns": (H.timestampNs, u64),
            "rw_header.pid": (H.pid, u32), "rw_header.tgid": (H.tgid, u32), "rw_header.ppid": (H.ppid, u32),
            "rw_header.uid": (H.uid, u32), "rw_header.euid": (H.euid, u32), "rw_header.gid": (H.gid, u32),
            "rw_header.egid": (H.egid, u32), "rw_header.lineage_uid": (H.lineageUid, u32),
            "rw_header.cgroup_id": (H.cgroupId, u64), "rw_header.comm": (H.comm, MemoryLayout<Comm>.size),

            "rw_exec.hdr": header, "rw_exec.loginuid": (ABIOffsets.Exec.loginUid, u32),
            "rw_exec.flags": (ABIOffsets.Exec.flags, u32), "rw_exec.argc": (ABIOffsets.Exec.argc, u32),
            "rw_exec.args_len": (ABIOffsets.Exec.argsLen, u32), "rw_exec.old_pid": (ABIOffsets.Exec.oldPid, u32),
            "rw_exec.reserved": nil,
            "rw_exec.filename": (ABIOffsets.Exec.filename, KernelABI.filenameCapacity),
            "rw_exec.args": (ABIOffsets.Exec.args, KernelABI.argsMax),

            "rw_ids.uid": (ABIOffsets.Ids.uid, u32), "rw_ids.euid": (ABIOffsets.Ids.euid, u32),
            "rw_ids.suid": (ABIOffsets.Ids.suid, u32), "rw_ids.fsuid": (ABIOffsets.Ids.fsuid, u32),
            "rw_ids.gid": (ABIOffsets.Ids.gid, u32), "rw_ids.egid": (ABIOffsets.Ids.egid, u32),
            "rw_ids.sgid": (ABIOffsets.Ids.sgid, u32), "rw_ids.fsgid": (ABIOffsets.Ids.fsgid, u32),

            "rw_cred.hdr": header, "rw_cred.syscall": (ABIOffsets.Cred.syscall, u32),
            "rw_cred.ret": (ABIOffsets.Cred.ret, u32), "rw_cred.requested": (ABIOffsets.Cred.requested0, 3 * u32),
            "rw_cred.reserved": nil, "rw_cred.before": (ABIOffsets.Cred.before, MemoryLayout<rw_ids>.size),
            "rw_cred.after": (ABIOffsets.Cred.after, MemoryLayout<rw_ids>.size),

            "rw_fork.hdr": header, "rw_fork.child_pid": (ABIOffsets.Fork.childPid, u32),
            "rw_fork.child_tgid": (ABIOffsets.Fork.childTgid, u32),

            "rw_exit.hdr": header, "rw_exit.exit_code": (ABIOffsets.Exit.exitCode, u32),
            "rw_exit.signal": (ABIOffsets.Exit.signal, u32),

            "rw_drops.hdr": header, "rw_drops.lost": (ABIOffsets.Drops.lost, u64),
            "rw_drops.total": (ABIOffsets.Drops.total, u64),

            "rw_connect.hdr": header, "rw_connect.family": (ABIOffsets.Connect.family, u16),
            "rw_connect.protocol": (ABIOffsets.Connect.protocol, u16),
            "rw_connect.sport": (ABIOffsets.Connect.sport, u16),
            "rw_connect.dport": (ABIOffsets.Connect.dport, u16), "rw_connect.saddr": (ABIOffsets.Connect.saddr, addr),
            "rw_connect.daddr": (ABIOffsets.Connect.daddr, addr),

            "rw_net_bytes.hdr": header, "rw_net_bytes.family": (ABIOffsets.NetBytes.family, u16),
            "rw_net_bytes.protocol": (ABIOffsets.NetBytes.protocol, u16),
            "rw_net_bytes.dport": (ABIOffsets.NetBytes.dport, u16), "rw_net_bytes.reserved": nil,
            "rw_net_bytes.daddr": (ABIOffsets.NetBytes.daddr, addr),
            "rw_net_bytes.bytes": (ABIOffsets.NetBytes.bytes, u64),
            "rw_net_bytes.sends": (ABIOffsets.NetBytes.sends, u64),
            "rw_net_bytes.first_ns": (ABIOffsets.NetBytes.firstNs, u64),
            "rw_net_bytes.last_ns": (ABIOffsets.NetBytes.lastNs, u64),

            "rw_gpu_process.pid": (ABIOffsets.GPUProcess.pid, u32), "rw_gpu_process.reserved": nil,
            "rw_gpu_process.used_memory_bytes": (ABIOffsets.GPUProcess.usedMemoryBytes, u64),

            "rw_gpu_sample.hdr": header, "rw_gpu_sample.gpu_index": (ABIOffsets.GPUSample.gpuIndex, u32),
            "rw_gpu_sample.flags": (ABIOffsets.GPUSample.flags, u32),
            "rw_gpu_sample.util_gpu": (ABIOffsets.GPUSample.utilGPU, u32),
            "rw_gpu_sample.util_memory": (ABIOffsets.GPUSample.utilMemory, u32),
            "rw_gpu_sample.temperature_c": (ABIOffsets.GPUSample.temperatureC, u32),
            "rw_gpu_sample.power_mw": (ABIOffsets.GPUSample.powerMilliwatts, u32),
            "rw_gpu_sample.memory_used_bytes": (ABIOffsets.GPUSample.memoryUsedBytes, u64),
            "rw_gpu_sample.memory_total_bytes": (ABIOffsets.GPUSample.memoryTotalBytes, u64),
            "rw_gpu_sample.nprocs": (ABIOffsets.GPUSample.nprocs, u32), "rw_gpu_sample.reserved": nil,
            "rw_gpu_sample.uuid": (ABIOffsets.GPUSample.uuid, KernelABI.gpuUUIDLength),
            "rw_gpu_sample.procs": (KernelABI.gpuSampleFixedSize, KernelABI.gpuMaxProcesses * KernelABI.gpuProcessSize),

            "rw_file_change.hdr": header, "rw_file_change.op": (ABIOffsets.FileChange.op, u32),
            "rw_file_change.flags": (ABIOffsets.FileChange.flags, u32),
            "rw_file_change.open_flags": (ABIOffsets.FileChange.openFlags, u32),
            "rw_file_change.ret": (ABIOffsets.FileChange.ret, u32),
            "rw_file_change.mntns": (ABIOffsets.FileChange.mntns, u32),
            "rw_file_change.reserved": nil,
            "rw_file_change.path": (KernelABI.fileChangePathOffset, KernelABI.pathCapacity),
            "rw_file_change.path2": (KernelABI.fileChangePath2Offset, KernelABI.pathCapacity),

            "rw_tamper.hdr": header, "rw_tamper.op": (ABIOffsets.Tamper.op, u32),
            "rw_tamper.target_pid": (ABIOffsets.Tamper.targetPid, u32), "rw_tamper.arg": (ABIOffsets.Tamper.arg, u64),
            "rw_tamper.result": (ABIOffsets.Tamper.result, u32), "rw_tamper.flags": (ABIOffsets.Tamper.flags, u32),

            "rw_integrity.hdr": header, "rw_integrity.problem": (ABIOffsets.Integrity.problem, u32),
            "rw_integrity.expected": (ABIOffsets.Integrity.expected, u32),
            "rw_integrity.found": (ABIOffsets.Integrity.found, u32), "rw_integrity.reserved": nil,
            "rw_integrity.name": (KernelABI.integrityNameOffset, KernelABI.integrityNameLength),

            "rw_auth.hdr": header, "rw_auth.auid": (ABIOffsets.Auth.auid, u32),
            "rw_auth.ses": (ABIOffsets.Auth.ses, u32), "rw_auth.record_type": (ABIOffsets.Auth.recordType, u16),
            "rw_auth.success": (ABIOffsets.Auth.success, u16), "rw_auth.reserved": nil,
            "rw_auth.op": ABIOffsets.Auth.op, "rw_auth.acct": ABIOffsets.Auth.acct,
            "rw_auth.exe": ABIOffsets.Auth.exe, "rw_auth.hostname": ABIOffsets.Auth.hostname,
            "rw_auth.addr": ABIOffsets.Auth.addr, "rw_auth.terminal": ABIOffsets.Auth.terminal,
        ]
    }()

    /// The C table lists every byte of each struct: its fields, by offset, follow one
    /// another without gaps or overlap and end at sizeof. A field added to events.h
    /// and not to abi_layout.c breaks this (and so cannot slip past the next test).
    func testTheCTableCoversEveryFieldOfEveryStruct() {
        XCTAssertFalse(Self.cFields.isEmpty)
        XCTAssertEqual(Set(Self.cFields.map(\.name)).count, Self.cFields.count, "a field listed twice")
        let byStruct = Dictionary(grouping: Self.cFields) { String($0.name.prefix { $0 != "." }) }
        XCTAssertEqual(Set(byStruct.keys), Set(Self.cStructs.keys))
        for (name, fields) in byStruct {
            var end = 0
            for f in fields.sorted(by: { $0.field.offset < $1.field.offset }) {
                XCTAssertEqual(f.field.offset, end, "\(f.name): a gap or overlap before it")
                end = f.field.offset + f.field.size
            }
            XCTAssertEqual(end, Self.cStructs[name], "\(name): fields do not reach its end")
        }
    }

    /// Every field C has is one Swift reads at C's offset and width, or one Swift
    /// names as not read; and Swift names no field C does not have.
    func testSwiftReadsEachFieldWhereCPutsIt() {
        let cNames = Set(Self.cFields.map(\.name))
        XCTAssertEqual(Set(Self.swiftFields.keys).subtracting(cNames), [], "Swift reads fields C does not list")
        for (name, c) in Self.cFields {
            guard let entry = Self.swiftFields[name] else {
                XCTFail(
                    "\(name) (offset \(c.offset), \(c.size) bytes) is in events.h but neither decoded nor marked unused"
                )
                continue
            }
            guard let swift = entry else { continue }
            XCTAssertEqual(swift.offset, c.offset, "\(name): offset")
            XCTAssertEqual(swift.width, c.size, "\(name): bytes read")
        }
    }

    func testRecordSizesAreTheCStructSizes() {
        let s = Self.cStructs
        XCTAssertEqual(KernelABI.headerSize, s["rw_header"])
        XCTAssertEqual(KernelABI.credSize, s["rw_cred"])
        XCTAssertEqual(KernelABI.forkSize, s["rw_fork"])
        XCTAssertEqual(KernelABI.exitSize, s["rw_exit"])
        XCTAssertEqual(KernelABI.dropsSize, s["rw_drops"])
        XCTAssertEqual(KernelABI.connectSize, s["rw_connect"])
        XCTAssertEqual(KernelABI.netBytesSize, s["rw_net_bytes"])
        XCTAssertEqual(KernelABI.fileChangeSize, s["rw_file_change"])
        XCTAssertEqual(KernelABI.tamperSize, s["rw_tamper"])
        XCTAssertEqual(KernelABI.integritySize, s["rw_integrity"])
        XCTAssertEqual(KernelABI.authSize, s["rw_auth"])
        XCTAssertEqual(KernelABI.gpuProcessSize, s["rw_gpu_process"])
        XCTAssertEqual(MemoryLayout<rw_gpu_process>.stride, KernelABI.gpuProcessSize, "entries are packed")
        XCTAssertEqual(KernelABI.execFixedSize + KernelABI.argsMax, s["rw_exec"])
        XCTAssertEqual(
            KernelABI.gpuSampleFixedSize + KernelABI.gpuMaxProcesses * KernelABI.gpuProcessSize, s["rw_gpu_sample"])
        XCTAssertEqual(KernelABI.kindAndSizeBytes, ABIOffsets.Header.abiVersion, "kind and size frame the record")
        XCTAssertEqual(KernelABI.maxRecordSize, 0xffff)
        // Comm holds a comm in two words; the three requested ids are consecutive.
        XCTAssertEqual(Comm.length, MemoryLayout<Comm>.size)
        XCTAssertEqual(ABIOffsets.Cred.requested1, ABIOffsets.Cred.requested0 + 4)
        XCTAssertEqual(ABIOffsets.Cred.requested2, ABIOffsets.Cred.requested0 + 8)
    }

    func testEnumAndFlagValuesAreTheCValues() {
        XCTAssertEqual(noLineage, RW_NO_LINEAGE)
        XCTAssertEqual(
            [
                KernelABI.kindExec, KernelABI.kindCred, KernelABI.kindFork, KernelABI.kindExit,
                KernelABI.kindConnect, KernelABI.kindFileChange, KernelABI.kindTamper, KernelABI.kindDrops,
                KernelABI.kindNetBytes, KernelABI.kindGPUSample, KernelABI.kindIntegrity,
            ].map(UInt32.init),
            [
                RW_EVENT_EXEC, RW_EVENT_CRED, RW_EVENT_FORK, RW_EVENT_EXIT, RW_EVENT_CONNECT, RW_EVENT_FILE_CHANGE,
                RW_EVENT_TAMPER, RW_EVENT_DROPS, RW_EVENT_NET_BYTES, RW_EVENT_GPU_SAMPLE, RW_EVENT_INTEGRITY,
            ].map(\.rawValue))
        XCTAssertEqual(
            CredSyscall.allCases.map(\.rawValue),
            [
                RW_SYS_SETUID, RW_SYS_SETREUID, RW_SYS_SETRESUID, RW_SYS_SETFSUID,
                RW_SYS_SETGID, RW_SYS_SETREGID, RW_SYS_SETRESGID, RW_SYS_SETFSGID,
            ].map(\.rawValue))
        for c in CredSyscall.allCases { XCTAssertEqual(CredSyscall(rawValue: c.rawValue), c) }
        XCTAssertNil(CredSyscall(rawValue: 0))
        XCTAssertEqual(
            [ExecEvent.Flags.setuid, .setgid, .argsTruncated, .argsFault, .filenameTruncated, .script].map(\.rawValue),
            [
                RW_EXEC_SETUID, RW_EXEC_SETGID, RW_EXEC_ARGS_TRUNC, RW_EXEC_ARGS_FAULT, RW_EXEC_FNAME_TRUNC,
                RW_EXEC_SCRIPT,
            ])
        XCTAssertEqual(
            [GPUSampleEvent.Flags.fromNVML, .fromNvidiaSMI, .processesTruncated].map(\.rawValue),
            [RW_GPU_FROM_NVML, RW_GPU_FROM_NVIDIA_SMI, RW_GPU_PROCS_TRUNC])
        XCTAssertEqual(IPAddress.Family.ipv4.kernelValue, UInt16(RW_AF_INET))
        XCTAssertEqual(IPAddress.Family.ipv6.kernelValue, UInt16(RW_AF_INET6))
        XCTAssertEqual(IPAddress.Family(kernelValue: UInt16(RW_AF_INET6)), .ipv6)
        XCTAssertEqual(NetProtocol.tcp.rawValue, UInt16(RW_IPPROTO_TCP))
        XCTAssertEqual(NetProtocol.udp.rawValue, UInt16(RW_IPPROTO_UDP))
        XCTAssertEqual(NetProtocol(rawValue: UInt16(RW_IPPROTO_UDP)), .udp)
        XCTAssertNil(NetProtocol(rawValue: 0))
        for op in FileChangeEvent.Operation.allCases {
            XCTAssertEqual(FileChangeEvent.Operation(rawValue: op.rawValue), op)
        }
        for op in TamperEvent.Operation.allCases { XCTAssertEqual(TamperEvent.Operation(rawValue: op.rawValue), op) }
        for p in IntegrityEvent.Problem.allCases { XCTAssertEqual(IntegrityEvent.Problem(rawValue: p.rawValue), p) }
    }

    // MARK: The encoder's bytes seen through the C structs

    /// `bytes` laid over a zeroed C struct, as the BPF program or a C reader sees them.
    private func view<T>(_ bytes: [UInt8], as: T.Type, zero: T) -> T {
        var value = zero
        withUnsafeMutableBytes(of: &value) { raw in
            XCTAssertLessThanOrEqual(bytes.count, raw.count)
            raw.copyBytes(from: bytes.prefix(raw.count))
        }
        return value
    }

    private func string<T>(_ field: T) -> String {
        var f = field
        return withUnsafeBytes(of: &f) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// Every header field distinct, so one read from its neighbour's place shows.
    private let header = EventHeader(
        timestampNs: 0x0102_0304_0506_0708, pid: 11, tgid: 12, ppid: 13, uid: 14, euid: 15,
        gid: 16, egid: 17, lineageUid: 18, cgroupId: 0x1112_1314_1516_1718, comm: Comm("comm-name"))

    private func checkHeader(
        _ h: rw_header, kind: rw_event_kind, size: Int, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(UInt32(h.kind), kind.rawValue, file: file, line: line)
        XCTAssertEqual(Int(h.size), size, file: file, line: line)
        XCTAssertEqual(h.abi_version, UInt32(RW_ABI_VERSION), file: file, line: line)
        XCTAssertEqual(h.timestamp_ns, 0x0102_0304_0506_0708, file: file, line: line)
        XCTAssertEqual(
            [h.pid, h.tgid, h.ppid, h.uid, h.euid, h.gid, h.egid, h.lineage_uid], Array(11...18), file: file, line: line
        )
        XCTAssertEqual(h.cgroup_id, 0x1112_1314_1516_1718, file: file, line: line)
        XCTAssertEqual(string(h.comm), "comm-name", file: file, line: line)
    }

    /// Encodes `event`, checks the C view with `check`, and decodes the bytes back to `event`.
    private func roundTrip<T>(
        _ event: Event, as type: T.Type, zero: T, _ check: (T, Int) -> Void,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let bytes = EventEncoder.encode(event)
        check(view(bytes, as: type, zero: zero), bytes.count)
        XCTAssertEqual(try EventDecoder.decode(bytes), event, file: file, line: line)
    }

    func testEveryKindEncodesIntoItsCStructAndDecodesBack() throws {
        let args = ExecEvent.joinArgs(["/bin/tool", "--flag", "value"])
        try roundTrip(
            .exec(
                ExecEvent(
                    header: header, loginUid: 21, flags: [.setuid, .argsTruncated], argc: 22, oldPid: 23,
                    filename: Array("/bin/tool".utf8), args: args)), as: rw_exec.self, zero: rw_exec()
        ) { c, n in
            checkHeader(c.hdr, kind: RW_EVENT_EXEC, size: n)
            XCTAssertEqual(n, MemoryLayout<rw_exec>.offset(of: \rw_exec.args)! + args.count)
            XCTAssertEqual(
                [c.loginuid, c.argc, c.args_len, c.old_pid, c.reserved], [21, 22, UInt32(args.count), 23, 0])
            XCTAssertEqual(c.flags, RW_EXEC_SETUID | RW_EXEC_ARGS_TRUNC)
            XCTAssertEqual(string(c.filename), "/bin/tool")
            var a = c.args
            XCTAssertEqual(withUnsafeBytes(of: &a) { Array($0.prefix(args.count)) }, args)
        }
        try roundTrip(
            .cred(
                CredEvent(
                    header: header, syscall: .setresgid, result: -13, requested: [31, 32, 33],
                    before: CredIds(values: Array(41...48)), after: CredIds(values: Array(51...58)))),
            as: rw_cred.self, zero: rw_cred()
        ) { c, n in
            checkHeader(c.hdr, kind: RW_EVENT_CRED, size: n)
            XCTAssertEqual(c.syscall, RW_SYS_SETRESGID.rawValue)
            XCTAssertEqual(c.ret, -13)
            XCTAssertEqual([c.requested.0, c.requested.1, c.requested.2, c.reserved], [31, 32, 33, 0])
            let b = c.before
            let a = c.after
            XCTAssertEqual([b.uid, b.euid, b.suid, b.fsuid, b.gid, b.egid, b.sgid, b.fsgid], Array(41...48))
            XCTAssertEqual([a.uid, a.euid, a.suid, a.fsuid, a.gid, a.egid, a.sgid, a.fsgid], Array(51...58))
        }
        try roundTrip(.fork(ForkEvent(header: header, childPid: 61, childTgid: 62)), as: rw_fork.self, zero: rw_fork())
        { c, n in
            checkHeader(c.hdr, kind: RW_EVENT_FORK, size: n)
            XCTAssertEqual([c.child_pid, c.child_tgid], [61, 62])
        }
        try roundTrip(.exit(ExitEvent(header: header, exitCode: -1, signal: 9)), as: rw_exit.self, zero: rw_exit()) {
            c, n in
            checkHeader(c.hdr, kind: RW_EVENT_EXIT, size: n)
            XCTAssertEqual(c.exit_code, -1)
            XCTAssertEqual(c.signal, 9)
        }
        try roundTrip(
            .drops(DropsEvent(timestampNs: 0x0102_0304_0506_0708, lost: 71, total: 72)),
            as: rw_drops.self, zero: rw_drops()
        ) { c, n in
            XCTAssertEqual(UInt32(c.hdr.kind), RW_EVENT_DROPS.rawValue)
            XCTAssertEqual(Int(c.hdr.size), n)
            XCTAssertEqual(c.hdr.timestamp_ns, 0x0102_0304_0506_0708)
            XCTAssertEqual([c.lost, c.total], [71, 72])
        }
        let v6src = try XCTUnwrap(IPAddress("2001:db8::1"))
        let v6dst = try XCTUnwrap(IPAddress("2001:db8:ffff::2"))
        try roundTrip(
            .connect(
                ConnectEvent(
                    header: header, proto: .tcp, source: v6src, sourcePort: 81,
                    destination: v6dst, destinationPort: 82)), as: rw_connect.self, zero: rw_connect()
        ) { c, n in
            checkHeader(c.hdr, kind: RW_EVENT_CONNECT, size: n)
            XCTAssertEqual(c.family, UInt16(RW_AF_INET6))
            XCTAssertEqual(c.protocol, UInt16(RW_IPPROTO_TCP))
            XCTAssertEqual([c.sport, c.dport], [81, 82])
            var s = c.saddr
            var d = c.daddr
            XCTAssertEqual(withUnsafeBytes(of: &s) { Array($0) }, v6src.rawBytes)
            XCTAssertEqual(withUnsafeBytes(of: &d) { Array($0) }, v6dst.rawBytes)
        }
        let v4 = try XCTUnwrap(IPAddress("198.51.100.7"))
        try roundTrip(
            .netBytes(
                NetBytesEvent(
                    header: header, proto: .udp, destination: v4, destinationPort: 91, bytes: 92,
                    sends: 93, firstNs: 94, lastNs: 95)), as: rw_net_bytes.self, zero: rw_net_bytes()
        ) { c, n in
            checkHeader(c.hdr, kind: RW_EVENT_NET_BYTES, size: n)
            XCTAssertEqual(c.family, UInt16(RW_AF_INET))
            XCTAssertEqual(c.protocol, UInt16(RW_IPPROTO_UDP))
            XCTAssertEqual([c.dport, c.reserved], [91, 0])
            var d = c.daddr
            XCTAssertEqual(withUnsafeBytes(of: &d) { Array($0) }, v4.rawBytes)
            XCTAssertEqual([c.bytes, c.sends, c.first_ns, c.last_ns], [92, 93, 94, 95])
        }
        var gpu = GPUSampleEvent(
            timestampNs: 0x0102_0304_0506_0708, gpuIndex: 101, utilGPU: 102, utilMemory: 103,
            temperatureC: 104, powerMilliwatts: 105, memoryUsedBytes: 106, memoryTotalBytes: 107,
            uuid: "GPU-abc", processes: [.init(pid: 108, usedMemoryBytes: 109), .init(pid: 110, usedMemoryBytes: 111)])
        gpu.source = .nvml
        try roundTrip(.gpuSample(gpu), as: rw_gpu_sample.self, zero: rw_gpu_sample()) { c, n in
            XCTAssertEqual(UInt32(c.hdr.kind), RW_EVENT_GPU_SAMPLE.rawValue)
            XCTAssertEqual(Int(c.hdr.size), n)
            XCTAssertEqual(
                n, MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.procs)! + 2 * MemoryLayout<rw_gpu_process>.size
            )
            XCTAssertEqual(c.hdr.lineage_uid, RW_NO_LINEAGE)
            XCTAssertEqual(
                [c.gpu_index, c.util_gpu, c.util_memory, c.temperature_c, c.power_mw, c.nprocs, c.reserved],
                [101, 102, 103, 104, 105, 2, 0])
            XCTAssertEqual(c.flags, RW_GPU_FROM_NVML)
            XCTAssertEqual([c.memory_used_bytes, c.memory_total_bytes], [106, 107])
            XCTAssertEqual(string(c.uuid), "GPU-abc")
            XCTAssertEqual([c.procs.0.pid, c.procs.1.pid, c.procs.0.reserved], [108, 110, 0])
            XCTAssertEqual(
                [c.procs.0.used_memory_bytes, c.procs.1.used_memory_bytes, c.procs.2.used_memory_bytes], [109, 111, 0])
        }
        try roundTrip(
            .fileChange(
                FileChangeEvent(
                    header: header, operation: .rename, flags: [.fromString], openFlags: 121,
                    result: -122, mountNamespace: 123, path: "/etc/a", path2: "/etc/b")),
            as: rw_file_change.self, zero: rw_file_change()
        ) { c, n in
            checkHeader(c.hdr, kind: RW_EVENT_FILE_CHANGE, size: n)
            XCTAssertEqual(c.op, RW_FILE_RENAME.rawValue)
            XCTAssertEqual(c.flags, RW_FILE_FROM_STRING)
            XCTAssertEqual([c.open_flags, c.mntns, c.reserved], [121, 123, 0])
            XCTAssertEqual(c.ret, -122)
            XCTAssertEqual(string(c.path), "/etc/a")
            XCTAssertEqual(string(c.path2), "/etc/b")
        }
        try roundTrip(
            .tamper(TamperEvent(header: header, operation: .vmWrite, targetPid: 131, argument: -132, result: 133)),
            as: rw_tamper.self, zero: rw_tamper()
        ) { c, n in
            checkHeader(c.hdr, kind: RW_EVENT_TAMPER, size: n)
            XCTAssertEqual(c.op, RW_TAMPER_VM_WRITE.rawValue)
            XCTAssertEqual(c.target_pid, 131)
            XCTAssertEqual(c.arg, -132)
            XCTAssertEqual(c.result, 133)
            XCTAssertEqual(c.flags, 0)
        }
        try roundTrip(
            .tamper(
                TamperEvent(header: header, operation: .signal, targetPid: 134, argument: 9, result: 0, denied: true)),
            as: rw_tamper.self, zero: rw_tamper()
        ) { c, _ in
            XCTAssertEqual(c.op, RW_TAMPER_SIGNAL.rawValue)
            XCTAssertEqual(c.flags, RW_TAMPER_DENIED)
        }
        try roundTrip(
            .integrity(
                IntegrityEvent(
                    timestampNs: 0x0102_0304_0506_0708, problem: .linkDetached, name: "handle_exec",
                    expected: 141, found: 142)), as: rw_integrity.self, zero: rw_integrity()
        ) { c, n in
            XCTAssertEqual(UInt32(c.hdr.kind), RW_EVENT_INTEGRITY.rawValue)
            XCTAssertEqual(Int(c.hdr.size), n)
            XCTAssertEqual(c.problem, RW_INTEGRITY_LINK_DETACHED.rawValue)
            XCTAssertEqual([c.expected, c.found, c.reserved], [141, 142, 0])
            XCTAssertEqual(string(c.name), "handle_exec")
        }
        try roundTrip(
            .auth(
                AuthEvent(
                    timestampNs: 0x0102_0304_0506_0708, pid: 151, uid: 152, auid: 153, ses: 154, recordType: 1100,
                    op: "PAM:authentication", acct: "rwtestauth", exe: "/usr/bin/su", hostname: "h",
                    addr: "192.0.2.7", terminal: "/dev/pts/1", success: false)), as: rw_auth.self, zero: rw_auth()
        ) { c, n in
            XCTAssertEqual(UInt32(c.hdr.kind), RW_EVENT_AUTH.rawValue)
            XCTAssertEqual(n, MemoryLayout<rw_auth>.size)
            XCTAssertEqual(
                [c.hdr.pid, c.hdr.tgid, c.hdr.uid, c.hdr.euid, c.hdr.lineage_uid], [151, 151, 152, 152, RW_NO_LINEAGE])
            XCTAssertEqual([c.auid, c.ses, c.reserved], [153, 154, 0])
            XCTAssertEqual([c.record_type, c.success], [1100, 0])
            XCTAssertEqual(
                [string(c.op), string(c.acct), string(c.exe), string(c.hostname), string(c.addr), string(c.terminal)],
                ["PAM:authentication", "rwtestauth", "/usr/bin/su", "h", "192.0.2.7", "/dev/pts/1"])
        }
    }
}

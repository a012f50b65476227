// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// Rebuilds events and the trace header from parsed JSON objects, the inverse of
/// `EventFormat.json` and `TraceJSONL.headerLine`. Every field the writer always
/// emits is required; unknown fields are ignored so newer writers stay readable.
struct JSONFields {
    let fields: JSONObject
    let line: Int
    /// Prefix for nested fields in error messages ("before.", "watched_users[2].").
    let path: String

    init(_ fields: JSONObject, line: Int, path: String = "") {
        self.fields = fields
        self.line = line
        self.path = path
    }

    // MARK: Events

    /// Format 2 names the process `pid` and the thread `tid`; format 1 used the
    /// kernel's names (`pid` the thread, `tgid` the process). A line with `tid` is
    /// format 2, so files without a header line read either way.
    var isFormat1: Bool { fields["tid"] == nil && fields["tgid"] != nil }

    func event() throws(TraceError) -> Event {
        let type = try string("type")
        switch type {
        case "exec": return .exec(try exec())
        case "cred": return .cred(try cred())
        case "fork":
            let child =
                isFormat1
                ? (thread: try u32("child_pid"), process: try u32("child_tgid"))
                : (thread: try u32("child_tid"), process: try u32("child_pid"))
            return .fork(ForkEvent(header: try eventHeader(), childPid: child.thread, childTgid: child.process))
        case "exit":
            return .exit(
                ExitEvent(header: try eventHeader(), exitCode: try i32("exit_code"), signal: try u32("signal")))
        case "drops":
            // No process: EventFormat writes only the time and the counts.
            return .drops(DropsEvent(timestampNs: try u64("ts_ns"), lost: try u64("lost"), total: try u64("total")))
        case "connect": return .connect(try connect())
        case "net_bytes": return .netBytes(try netBytes())
        case "gpu_sample": return .gpuSample(try gpuSample())
        case "file_change": return .fileChange(try fileChange())
        case "tamper": return .tamper(try tamper())
        case "integrity": return .integrity(try integrity())
        case "first_payload": return .firstPayload(try firstPayload())
        case "unix_connect": return .unixConnect(try unixConnect())
        case "auth": return .auth(try auth())
        case "enforce": return .enforce(try enforce())
        case TraceJSONL.headerType:
            throw bad("type", "a trace_header must be the first line")
        default:
            throw .unknownEventType(line: line, type: type)
        }
    }

    func eventHeader() throws(TraceError) -> EventHeader {
        let lineage: UInt32
        if case .null = try value("lineage_uid") { lineage = noLineage } else { lineage = try u32("lineage_uid") }
        // The kernel keeps 15 bytes of comm and stops at a NUL; do the same.
        var comm = (low: UInt64(0), high: UInt64(0))
        for (i, byte) in try string("comm").utf8.prefix(15).prefix(while: { $0 != 0 }).enumerated() {
            if i < 8 {
                comm.low |= UInt64(byte) << (8 * UInt64(i))
            } else {
                comm.high |= UInt64(byte) << (8 * UInt64(i - 8))
            }
        }
        return EventHeader(
            timestampNs: try u64("ts_ns"), pid: try u32(isFormat1 ? "pid" : "tid"),
            tgid: try u32(isFormat1 ? "tgid" : "pid"), ppid: try u32("ppid"),
            uid: try u32("uid"), euid: try u32("euid"), gid: try u32("gid"), egid: try u32("egid"),
            lineageUid: lineage, cgroupId: try u64("cgroup_id"),
            comm: Comm(low: comm.low, high: comm.high))
    }

    func enforce() throws(TraceError) -> EnforceEvent {
        let name = try string("action")
        guard let action = EnforceEvent.Action(name: name) else {
            throw bad(
                "action",
                "unknown action \"\(name)\" (known: \(EnforceEvent.Action.allCases.map(\.name).joined(separator: ", ")))"
            )
        }
        let stageName = try string("stage")
        guard let stage = EnforceEvent.Stage(name: stageName) else {
            throw bad("stage", "unknown stage \"\(stageName)\" (known: entry, child)")
        }
        var childClass: EnforceEvent.ChildClass?
        if case .null = try value("child_class") {
            childClass = nil
        } else {
            let className = try string("child_class")
            guard let c = EnforceEvent.ChildClass(name: className) else {
                throw bad(
                    "child_class",
                    "unknown class \"\(className)\" (known: \(EnforceEvent.ChildClass.allCases.map(\.name).joined(separator: ", ")))"
                )
            }
            childClass = c
        }
        let rule: UInt32?
        if case .null = try value("rule") { rule = nil } else { rule = try u32("rule") }
        return EnforceEvent(
            action: action, stage: stage, childClass: childClass, rule: rule, half: try u32("half"), exec: try exec())
    }

    func exec() throws(TraceError) -> ExecEvent {
        let header = try eventHeader()
        let filename: [UInt8]
        if fields["filename_hex"] != nil {
            filename = try hex("filename_hex")
        } else {
            filename = Array(try string("filename").utf8)
        }
        let nameField = fields["filename_hex"] != nil ? "filename_hex" : "filename"
        guard !filename.contains(0) else { throw bad(nameField, "contains a NUL byte") }
        guard filename.count < KernelABI.filenameCapacity else {
            throw bad(
                nameField, "is \(filename.count) bytes; the kernel keeps at most \(KernelABI.filenameCapacity - 1)")
        }

        let argsLen = Int(try u32("args_len"))
        guard argsLen <= KernelABI.argsMax else {
            throw bad("args_len", "\(argsLen) exceeds the capture limit \(KernelABI.argsMax)")
        }
        let args: [UInt8]
        if fields["args_hex"] != nil {
            args = try hex("args_hex")
            guard args.count == argsLen else {
                throw bad("args_len", "is \(argsLen) but args_hex holds \(args.count) bytes")
            }
        } else {
            let argv = try strings("argv")
            let joined = ExecEvent.joinArgs(argv)
            // Only a truncated last argument may lack its NUL.
            let cut = joined.count - argsLen
            guard cut == 0 || (cut == 1 && !argv.isEmpty) else {
                throw bad("args_len", "is \(argsLen) but argv holds \(joined.count) bytes with its NULs")
            }
            args = Array(joined.prefix(argsLen))
        }

        var flags = ExecEvent.Flags()
        for (i, name) in try strings("flags").enumerated() {
            guard let flag = EventFormat.flagTable.first(where: { $0.1 == name })?.0 else {
                throw bad(
                    "flags[\(i)]",
                    "unknown flag \"\(name)\" (known: \(EventFormat.flagTable.map(\.1).joined(separator: ", ")))")
            }
            flags.insert(flag)
        }
        return ExecEvent(
            header: header, loginUid: try u32("login_uid"), flags: flags, argc: try u32("argc"),
            oldPid: try u32(isFormat1 ? "old_pid" : "old_tid"), filename: filename, args: args)
    }

    func cred() throws(TraceError) -> CredEvent {
        let header = try eventHeader()
        let name = try string("syscall")
        guard let syscall = CredSyscall(name: name) else {
            throw bad(
                "syscall",
                "unknown syscall \"\(name)\" (known: \(CredSyscall.allCases.map(\.name).joined(separator: ", ")))")
        }
        guard case .array(let items) = try value("requested") else { throw wrongType("requested", "an array of 3 ids") }
        guard items.count == 3 else { throw bad("requested", "holds \(items.count) ids, expected 3") }
        var requested: [UInt32] = []
        for (i, item) in items.enumerated() {
            requested.append(
                UInt32(try unsigned(item, "requested[\(i)]", max: UInt64(UInt32.max), "an unsigned 32-bit integer")))
        }
        return CredEvent(
            header: header, syscall: syscall, result: try i32("result"), requested: requested,
            before: try object("before").credIds(), after: try object("after").credIds())
    }

    func credIds() throws(TraceError) -> CredIds {
        CredIds(
            uid: try u32("uid"), euid: try u32("euid"), suid: try u32("suid"), fsuid: try u32("fsuid"),
            gid: try u32("gid"), egid: try u32("egid"), sgid: try u32("sgid"), fsgid: try u32("fsgid"))
    }

    func connect() throws(TraceError) -> ConnectEvent {
        let header = try eventHeader()
        let family = try addressFamily()
        return ConnectEvent(
            header: header, proto: try transport(), source: try address("saddr", family: family),
            sourcePort: try u16("sport"), destination: try address("daddr", family: family),
            destinationPort: try u16("dport"))
    }

    func netBytes() throws(TraceError) -> NetBytesEvent {
        let header = try eventHeader()
        let family = try addressFamily()
        return NetBytesEvent(
            header: header, proto: try transport(), destination: try address("daddr", family: family),
            destinationPort: try u16("dport"), bytes: try u64("bytes"), sends: try u64("sends"),
            firstNs: try u64("first_ns"), lastNs: try u64("last_ns"))
    }

    /// A GPU sample: no process header, only the time, the GPU and its compute processes.
    func gpuSample() throws(TraceError) -> GPUSampleEvent {
        let uuid = try string("uuid")
        guard !uuid.utf8.contains(0) else { throw bad("uuid", "contains a NUL byte") }
        guard uuid.utf8.count <= KernelABI.gpuUUIDLength else {
            throw bad("uuid", "is \(uuid.utf8.count) bytes; the record holds at most \(KernelABI.gpuUUIDLength)")
        }
        let sourceName = try string("source")
        guard let source = GPUSampleEvent.Source(rawValue: sourceName) else {
            let known = GPUSampleEvent.Source.allCases.map(\.rawValue).joined(separator: ", ")
            throw bad("source", "unknown source \"\(sourceName)\" (known: \(known))")
        }
        guard case .array(let items) = try value("processes") else {
            throw wrongType("processes", "an array of objects")
        }
        guard items.count <= KernelABI.gpuMaxProcesses else {
            throw bad(
                "processes", "holds \(items.count) processes; a record holds at most \(KernelABI.gpuMaxProcesses)")
        }
        var processes: [GPUSampleEvent.Process] = []
        for (i, item) in items.enumerated() {
            guard case .object(let entry) = item else { throw wrongType("processes[\(i)]", "an object", found: item) }
            let fields = JSONFields(entry, line: line, path: "\(path)processes[\(i)].")
            processes.append(
                GPUSampleEvent.Process(pid: try fields.u32("pid"), usedMemoryBytes: try fields.u64("used_memory_bytes"))
            )
        }
        var sample = GPUSampleEvent(
            timestampNs: try u64("ts_ns"), gpuIndex: try u32("gpu_index"), utilGPU: try u32("util_gpu"),
            utilMemory: try u32("util_memory"), temperatureC: try u32("temperature_c"),
            powerMilliwatts: try u32("power_mw"), memoryUsedBytes: try u64("memory_used_bytes"),
            memoryTotalBytes: try u64("memory_total_bytes"), uuid: uuid, processes: processes,
            procsTruncated: try bool("procs_truncated"))
        sample.source = source
        return sample
    }

    func addressFamily() throws(TraceError) -> IPAddress.Family {
        let name = try string("family")
        guard let family = IPAddress.Family(name: name) else {
            throw bad("family", "unknown family \"\(name)\" (known: ipv4, ipv6)")
        }
        return family
    }

    func transport() throws(TraceError) -> NetProtocol {
        let name = try string("protocol")
        guard let proto = NetProtocol(name: name) else {
            throw bad("protocol", "unknown protocol \"\(name)\" (known: tcp, udp)")
        }
        return proto
    }

    /// An address in its text form, of the record's family (an IPv4-mapped address is IPv6).
    func address(_ name: String, family: IPAddress.Family) throws(TraceError) -> IPAddress {
        let text = try string(name)
        guard let address = IPAddress(text) else { throw bad(name, "\"\(text)\" is not an IPv4 or IPv6 address") }
        guard address.family == family else {
            throw bad(
                name,
                "\"\(text)\" is not an \(family == .ipv4 ? "IPv4" : "IPv6") address, as family \"\(family.name)\" requires"
            )
        }
        return address
    }

    // MARK: Header

    /// The header line; every field is optional so hand-written files can set only
    /// what they need (usually watched_users).
    func traceHeader() throws(TraceError) -> TraceHeader {
        var header = TraceHeader()
        if fields["format_version"] != nil {
            let version = try u32("format_version")
            guard TraceJSONL.readableVersions.contains(version) else {
                throw bad(
                    "format_version",
                    "version \(version) is not supported (this build reads versions \(TraceJSONL.readableVersions.lowerBound) to \(TraceJSONL.formatVersion))"
                )
            }
        }
        if fields["host"] != nil { header.hostName = try string("host") }
        if fields["kernel"] != nil { header.kernelRelease = try string("kernel") }
        if fields["boot_offset_ns"] != nil { header.bootOffsetNs = try i64("boot_offset_ns") }
        if fields["sensor_version"] != nil { header.sensorVersion = try string("sensor_version") }
        if fields["start_wall_ns"] != nil { header.startWallNs = try i64("start_wall_ns") }
        if fields["watched_users"] != nil {
            guard case .array(let items) = try value("watched_users") else {
                throw wrongType("watched_users", "an array")
            }
            for (i, item) in items.enumerated() {
                guard case .object(let user) = item else {
                    throw wrongType("watched_users[\(i)]", "an object", found: item)
                }
                let fields = JSONFields(user, line: line, path: "\(path)watched_users[\(i)].")
                header.watchedUsers.append(WatchedUser(uid: try fields.u32("uid"), name: try fields.string("name")))
            }
        }
        return header
    }

    // MARK: Typed access

    func value(_ name: String) throws(TraceError) -> JSONValue {
        guard let v = fields[name] else { throw .missingField(line: line, field: path + name) }
        return v
    }

    func string(_ name: String) throws(TraceError) -> String {
        guard case .string(let s) = try value(name) else { throw wrongType(name, "a string") }
        return s
    }

    func strings(_ name: String) throws(TraceError) -> [String] {
        guard case .array(let items) = try value(name) else { throw wrongType(name, "an array of strings") }
        var out: [String] = []
        out.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else { throw wrongType("\(name)[\(i)]", "a string", found: item) }
            out.append(s)
        }
        return out
    }

    func bool(_ name: String) throws(TraceError) -> Bool {
        guard case .bool(let b) = try value(name) else { throw wrongType(name, "true or false") }
        return b
    }

    func hex(_ name: String) throws(TraceError) -> [UInt8] {
        guard let bytes = bytesFromHex(try string(name)) else { throw bad(name, "is not a hex string") }
        return bytes
    }

    func object(_ name: String) throws(TraceError) -> JSONFields {
        guard case .object(let inner) = try value(name) else { throw wrongType(name, "an object") }
        return JSONFields(inner, line: line, path: path + name + ".")
    }

    func u32(_ name: String) throws(TraceError) -> UInt32 {
        UInt32(try unsigned(try value(name), name, max: UInt64(UInt32.max), "an unsigned 32-bit integer"))
    }

    func u16(_ name: String) throws(TraceError) -> UInt16 {
        UInt16(try unsigned(try value(name), name, max: UInt64(UInt16.max), "an unsigned 16-bit integer"))
    }

    func u64(_ name: String) throws(TraceError) -> UInt64 {
        try unsigned(try value(name), name, max: UInt64.max, "an unsigned 64-bit integer")
    }

    func i32(_ name: String) throws(TraceError) -> Int32 {
        Int32(try signed(try value(name), name, bits: 32))
    }

    func i64(_ name: String) throws(TraceError) -> Int64 {
        try signed(try value(name), name, bits: 64)
    }

    private func unsigned(_ v: JSONValue, _ name: String, max: UInt64, _ what: String) throws(TraceError) -> UInt64 {
        switch v {
        case .integer(let negative, let magnitude):
            guard !negative || magnitude == 0, magnitude <= max else {
                throw bad(name, "\(negative ? "-" : "")\(magnitude) is out of range for \(what) (0...\(max))")
            }
            return magnitude
        case .otherNumber(let text):
            throw bad(name, "\(text) is not \(what)")
        default:
            throw wrongType(name, what, found: v)
        }
    }

    private func signed(_ v: JSONValue, _ name: String, bits: Int) throws(TraceError) -> Int64 {
        let what = "a signed \(bits)-bit integer"
        switch v {
        case .integer(let negative, let magnitude):
            let limit = UInt64(1) << UInt64(bits - 1)
            guard negative ? magnitude <= limit : magnitude < limit else {
                throw bad(name, "\(negative ? "-" : "")\(magnitude) is out of range for \(what)")
            }
            return negative ? Int64(bitPattern: 0 &- magnitude) : Int64(magnitude)
        case .otherNumber(let text):
            throw bad(name, "\(text) is not \(what)")
        default:
            throw wrongType(name, what, found: v)
        }
    }

    func bad(_ name: String, _ reason: String) -> TraceError {
        .badField(line: line, field: path + name, reason: reason)
    }

    func wrongType(_ name: String, _ expected: String, found: JSONValue? = nil) -> TraceError {
        let actual = found ?? fields[name] ?? .null
        return bad(name, "expected \(expected), found \(actual.typeName)")
    }
}

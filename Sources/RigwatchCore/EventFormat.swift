// SPDX-License-Identifier: Apache-2.0
/// Renders events as one line of JSON or text. Field names are documented in
/// README.md ("Event fields") and are also what trace JSON Lines files use.
public enum EventFormat {
    /// One JSON object: `type`, the wall-clock `time` and `host`, then the event's own fields.
    public static func json(_ event: Event, origin: LineOrigin) -> String {
        var w = JSONWriter()
        w.field("type", event.kindName)
        w.field("time", origin.time(ofBootNs: event.header.timestampNs))
        w.field("host", origin.host)
        if case .drops(let e) = event {
            // No process: only the time and the counts.
            w.field("ts_ns", e.timestampNs)
            w.field("lost", e.lost)
            w.field("total", e.total)
            return w.finish()
        }
        if case .gpuSample(let e) = event {
            gpuSample(e, into: &w)
            return w.finish()
        }
        if case .integrity(let e) = event {
            integrityFields(e, into: &w)
            return w.finish()
        }
        if case .auth(let e) = event {
            authFields(e, into: &w)
            return w.finish()
        }
        header(event.header, into: &w)
        switch event {
        case .enforce(let e):
            w.field("action", e.action.name)
            if let rule = e.rule { w.field("rule", rule) } else { w.field("rule", raw: "null") }
            w.field("half", e.half)
            w.field("stage", e.stage.name)
            if let c = e.childClass { w.field("child_class", c.name) } else { w.field("child_class", raw: "null") }
            execFields(e.exec, into: &w)
        case .exec(let e):
            execFields(e, into: &w)
        case .cred(let e):
            w.field("syscall", e.syscall.name)
            w.field("result", e.result)
            w.field("requested", numbers: e.requested)
            w.field("before", raw: ids(e.before))
            w.field("after", raw: ids(e.after))
        case .fork(let e):
            w.field("child_pid", e.childTgid)
            w.field("child_tid", e.childPid)
        case .exit(let e):
            w.field("exit_code", e.exitCode)
            w.field("signal", e.signal)
        case .drops, .gpuSample, .integrity, .auth:
            break  // written above: they have their own fields
        case .connect(let e):
            w.field("family", e.destination.family.name)
            w.field("protocol", e.proto.name)
            w.field("saddr", e.source.description)
            w.field("sport", e.sourcePort)
            w.field("daddr", e.destination.description)
            w.field("dport", e.destinationPort)
        case .netBytes(let e):
            w.field("family", e.destination.family.name)
            w.field("protocol", e.proto.name)
            w.field("daddr", e.destination.description)
            w.field("dport", e.destinationPort)
            w.field("bytes", e.bytes)
            w.field("sends", e.sends)
            w.field("first_ns", e.firstNs)
            w.field("last_ns", e.lastNs)
        case .fileChange(let e):
            fileChangeFields(e, into: &w)
        case .tamper(let e):
            tamperFields(e, into: &w)
        case .firstPayload(let e):
            firstPayloadFields(e, into: &w)
        case .unixConnect(let e):
            unixConnectFields(e, into: &w)
        }
        return w.finish()
    }

    /// A GPU sample has no process header: the time, the GPU and its compute processes.
    static func gpuSample(_ e: GPUSampleEvent, into w: inout JSONWriter) {
        w.field("ts_ns", e.timestampNs)
        w.field("gpu_index", e.gpuIndex)
        w.field("uuid", e.uuid)
        w.field("source", e.source.rawValue)
        w.field("util_gpu", e.utilGPU)
        w.field("util_memory", e.utilMemory)
        w.field("temperature_c", e.temperatureC)
        w.field("power_mw", e.powerMilliwatts)
        w.field("memory_used_bytes", e.memoryUsedBytes)
        w.field("memory_total_bytes", e.memoryTotalBytes)
        var list = "["
        for (i, p) in e.processes.enumerated() {
            var item = JSONWriter()
            item.field("pid", p.pid)
            item.field("used_memory_bytes", p.usedMemoryBytes)
            list += (i > 0 ? "," : "") + item.finish()
        }
        w.field("processes", raw: list + "]")
        w.field("procs_truncated", e.procsTruncated)
    }

    /// `pid` is the process (the kernel's tgid) and `tid` the thread, as in Falco,
    /// Tetragon and ECS; trace JSON before format 2 wrote the kernel's names.
    static func header(_ h: EventHeader, into w: inout JSONWriter) {
        w.field("ts_ns", h.timestampNs)
        w.field("pid", h.tgid)
        w.field("tid", h.pid)
        w.field("ppid", h.ppid)
        w.field("uid", h.uid)
        w.field("euid", h.euid)
        w.field("gid", h.gid)
        w.field("egid", h.egid)
        if h.hasLineage { w.field("lineage_uid", h.lineageUid) } else { w.nullField("lineage_uid") }
        w.field("cgroup_id", h.cgroupId)
        w.field("comm", h.comm.description)
    }

    static func ids(_ ids: CredIds) -> String {
        var w = JSONWriter()
        w.field("uid", ids.uid)
        w.field("euid", ids.euid)
        w.field("suid", ids.suid)
        w.field("fsuid", ids.fsuid)
        w.field("gid", ids.gid)
        w.field("egid", ids.egid)
        w.field("sgid", ids.sgid)
        w.field("fsgid", ids.fsgid)
        return w.finish()
    }

    public static let flagTable: [(ExecEvent.Flags, String)] = [
        (.setuid, "setuid"), (.setgid, "setgid"), (.argsTruncated, "args_truncated"),
        (.argsFault, "args_fault"), (.filenameTruncated, "filename_truncated"), (.script, "script"),
    ]

    /// An exec's fields; an enforce line carries the same for the command it judged.
    static func execFields(_ e: ExecEvent, into w: inout JSONWriter) {
        w.field("filename", e.path)
        if !isValidUTF8(e.filename) { w.field("filename_hex", hexString(e.filename)) }
        w.field("argv", strings: e.argv)
        w.field("argc", e.argc)
        w.field("args_len", e.args.count)
        if !isValidUTF8(e.args) { w.field("args_hex", hexString(e.args)) }
        w.field("login_uid", e.loginUid)
        w.field("old_tid", e.oldPid)
        w.field("flags", strings: flagNames(e.flags))
    }

    public static func flagNames(_ flags: ExecEvent.Flags) -> [String] {
        flagTable.compactMap { flags.contains($0.0) ? $0.1 : nil }
    }

    /// One human-readable line: the wall-clock time and host, as syslog writes them, then the event.
    public static func text(_ event: Event, origin: LineOrigin) -> String {
        let h = event.header
        let stamp = "\(origin.time(ofBootNs: h.timestampNs)) \(origin.host)"
        if case .drops(let e) = event {
            return "\(stamp) drops lost=\(e.lost) total=\(e.total)"
        }
        if case .gpuSample(let e) = event {
            let pids = e.processes.map { "\($0.pid):\($0.usedMemoryBytes >> 20)MiB" }.joined(separator: ",")
            return
                "\(stamp) gpu_sample gpu=\(e.gpuIndex) source=\(e.source.rawValue) util=\(e.utilGPU)% "
                + "mem_util=\(e.utilMemory)% temp=\(e.temperatureC)C power=\(e.powerMilliwatts)mW "
                + "mem=\(e.memoryUsedBytes >> 20)/\(e.memoryTotalBytes >> 20)MiB procs=[\(pids)]"
                + (e.procsTruncated ? " procs_truncated" : "") + (e.uuid.isEmpty ? "" : " uuid=\(e.uuid)")
        }
        if case .integrity(let e) = event {
            return "\(stamp) \(integrityText(e))"
        }
        if case .auth(let e) = event {
            return "\(stamp) \(authText(e))"
        }
        let lineage = h.hasLineage ? " lineage=\(h.lineageUid)" : ""
        let prefix =
            "\(stamp) \(event.kindName) pid=\(h.tgid) ppid=\(h.ppid) uid=\(h.uid) euid=\(h.euid)\(lineage) comm=\(h.comm)"
        switch event {
        case .enforce(let e):
            let rule = e.rule.map { " rule=\($0)" } ?? ""
            let child = e.childClass.map { " child=\($0.name)" } ?? ""
            let argv = ShellWord.commandLine(e.exec.args)
            return "\(prefix) \(e.action.name)\(rule)\(child) \(ShellWord.quote(e.exec.filename)) argv=[\(argv)]"
        case .exec(let e):
            let argv = ShellWord.commandLine(e.args)
            let flags = flagNames(e.flags)
            return "\(prefix) \(ShellWord.quote(e.filename)) argv=[\(argv)]"
                + (flags.isEmpty ? "" : " flags=\(flags.joined(separator: ","))")
        case .cred(let e):
            return
                "\(prefix) \(e.syscall.name)(\(e.requested.map(idText).joined(separator: ","))) = \(e.result) uid \(e.before.uid)->\(e.after.uid) euid \(e.before.euid)->\(e.after.euid)"
        case .fork(let e):
            return "\(prefix) child=\(e.childTgid)"
        case .exit(let e):
            return "\(prefix) " + (e.signal != 0 ? "signal=\(e.signal)" : "code=\(e.exitCode)")
        case .drops, .gpuSample, .integrity, .auth:
            return prefix  // returned above
        case .connect(let e):
            return
                "\(prefix) \(e.proto.name) \(e.source.withPort(e.sourcePort)) -> \(e.destination.withPort(e.destinationPort))"
        case .netBytes(let e):
            let span = Double(e.lastNs >= e.firstNs ? e.lastNs - e.firstNs : 0) / 1e9
            return
                "\(prefix) \(e.proto.name) -> \(e.destination.withPort(e.destinationPort)) bytes=\(e.bytes) sends=\(e.sends) span=\(formatSeconds(span))s"
        case .fileChange(let e):
            return "\(prefix) \(fileChangeText(e))"
        case .tamper(let e):
            return "\(prefix) \(tamperText(e))"
        case .firstPayload(let e):
            return "\(prefix) \(firstPayloadText(e))"
        case .unixConnect(let e):
            return "\(prefix) \(unixConnectText(e))"
        }
    }

    static func idText(_ id: UInt32) -> String { id == 0xffff_ffff ? "-1" : String(id) }

    static func formatSeconds(_ s: Double) -> String {
        let whole = UInt64(s)
        let micros = UInt64((s - Double(whole)) * 1e6)
        let frac = String(micros)
        return "\(whole).\(String(repeating: "0", count: max(0, 6 - frac.count)))\(frac)"
    }

    /// Quotes an argument for display when it is not plainly safe, so spaces and
    /// quotes in argv stay visible in text output.
    /// A word as `ShellWord` writes it (bash-readable, nothing hidden).
    public static func shellQuote(_ s: String) -> String { ShellWord.quote(Array(s.utf8)) }
}

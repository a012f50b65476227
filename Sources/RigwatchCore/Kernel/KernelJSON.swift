// SPDX-License-Identifier: Apache-2.0
/// `check-kernel --json`'s pieces, written with the one JSON writer: sets as sorted
/// arrays and the attach map keyed by probe name, so the output is stable. Facts
/// also read back (a captured host's facts can be fed to the planner).
extension KernelFacts {
    public var json: String {
        var w = JSONWriter()
        w.field("release", release)
        w.field("btf", btf)
        if let btfError { w.field("btf_error", btfError) }
        w.field("ring_buffer", ringBuffer)
        w.field("helpers", strings: helpers.sorted())
        w.field("prog_types", strings: progTypes.sorted())
        w.field("btf_trace_events", strings: btfTraceEvents.sorted())
        w.field("btf_funcs", strings: btfFuncs.sorted())
        if let tracefs { w.field("tracefs", tracefs) }
        w.field("tracepoints", strings: tracepoints.sorted())
        var probes = JSONWriter()
        for (probe, result) in attach.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            var r = JSONWriter()
            r.field("errno", result.errno)
            r.field("message", result.message)
            probes.field(probe.rawValue, raw: r.finish())
        }
        w.field("attach", raw: probes.finish())
        if let kprobeEvents { w.field("kprobe_events", kprobeEvents) }
        if let lsm { w.field("lsm", strings: lsm) }
        if let cgroupV2Root { w.field("cgroup_v2_root", cgroupV2Root) }
        return w.finish()
    }

    /// Reads what `json` wrote; nil when a required key is missing or mistyped
    /// (unknown attach probes are ignored, as a newer sensor may probe more).
    public init?(json value: JSONValue) {
        guard let release = value["release"]?.string, let btf = value["btf"]?.bool,
            let ringBuffer = value["ring_buffer"]?.bool, let helpers = Self.names(value["helpers"]),
            let progTypes = Self.names(value["prog_types"]), let events = Self.names(value["btf_trace_events"]),
            let funcs = Self.names(value["btf_funcs"]), let tracepoints = Self.names(value["tracepoints"]),
            case .object(let probes)? = value["attach"]
        else { return nil }
        var attach: [AttachProbe: AttachResult] = [:]
        for (name, result) in probes {
            guard let probe = AttachProbe(rawValue: name) else { continue }
            guard let errno = result["errno"]?.int64.flatMap({ Int32(exactly: $0) }),
                let message = result["message"]?.string
            else { return nil }
            attach[probe] = AttachResult(errno: errno, message: message)
        }
        self.init(
            release: release, btf: btf, btfError: value["btf_error"]?.string, ringBuffer: ringBuffer,
            helpers: helpers, progTypes: progTypes, btfTraceEvents: events, btfFuncs: funcs,
            tracefs: value["tracefs"]?.string, tracepoints: tracepoints, attach: attach,
            kprobeEvents: value["kprobe_events"]?.bool, lsm: value["lsm"]?.array?.compactMap(\.string),
            cgroupV2Root: value["cgroup_v2_root"]?.string)
    }

    private static func names(_ value: JSONValue?) -> Set<String>? {
        guard let list = value?.array else { return nil }
        let names = list.compactMap(\.string)
        return names.count == list.count ? Set(names) : nil
    }
}

extension FeaturePlan.Choice {
    public var json: String {
        var w = JSONWriter()
        w.field("feature", feature)
        w.field("required", required)
        w.field("active", active)
        if let rung { w.field("rung", rung) }
        if let hook { w.field("hook", hook) }
        w.field("label", label)
        w.field("forced", forced)
        w.field("programs", strings: programs)
        w.field(
            "left_out",
            raw: "["
                + leftOut.map { l in
                    var o = JSONWriter()
                    o.field("program", l.program)
                    o.field("reason", l.reason)
                    return o.finish()
                }.joined(separator: ",") + "]")
        w.field(
            "skipped",
            raw: "["
                + skipped.map { s in
                    var o = JSONWriter()
                    o.field("rung", s.rung)
                    o.field("reason", s.reason)
                    if let detail = s.detail { o.field("detail", detail) }
                    return o.finish()
                }.joined(separator: ",") + "]")
        if let offReason { w.field("off_reason", offReason) }
        if let note { w.field("note", note) }
        return w.finish()
    }
}

extension FeaturePlan.Problem {
    public var json: String {
        var w = JSONWriter()
        w.field("kind", kind.rawValue)
        w.field("message", message)
        return w.finish()
    }
}

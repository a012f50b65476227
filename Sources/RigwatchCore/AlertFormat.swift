// SPDX-License-Identifier: Apache-2.0
/// Renders alerts as one JSON line (`"type":"alert"`) or one text line.
public enum AlertFormat {
    public static func json(_ alert: Alert) -> String {
        var w = JSONWriter()
        w.field("type", "alert")
        w.field("id", alert.id)
        w.field("rule", alert.rule)
        w.field("severity", alert.severity.rawValue)
        w.field("title", alert.title)
        w.field("ts_ns", alert.eventTimeNs)
        if let subject = alert.subject { w.field("subject", raw: process(subject)) } else { w.nullField("subject") }
        w.field("chain", raw: "[" + alert.chain.dropFirst().map(process).joined(separator: ",") + "]")
        var evidence = JSONWriter()
        for (key, value) in alert.evidence { evidence.field(key, value) }
        w.field("evidence", raw: evidence.finish())
        w.field("dedup_key", alert.dedupKey)
        return w.finish()
    }

    public static func processJSON(_ p: ProcessSummary) -> String { process(p) }

    static func process(_ p: ProcessSummary) -> String {
        var w = JSONWriter()
        w.field("pid", p.pid)
        w.field("ppid", p.ppid)
        w.field("exe", p.exe)
        w.field("argv", strings: p.argv)
        if let bytes = p.exeBytes { w.field("exe_hex", hexString(bytes)) }
        if let bytes = p.argsBytes { w.field("args_hex", hexString(bytes)) }
        w.field("uid", p.uid)
        w.field("euid", p.euid)
        w.field("gid", p.gid)
        w.field("egid", p.egid)
        if p.lineageUid != noLineage { w.field("lineage_uid", p.lineageUid) } else { w.nullField("lineage_uid") }
        w.field("cgroup_id", p.cgroupId)
        w.field("comm", p.comm)
        return w.finish()
    }

    public static func text(_ alert: Alert) -> String {
        var line =
            "\(EventFormat.formatSeconds(Double(alert.eventTimeNs) / 1e9)) ALERT [\(alert.severity.rawValue)] \(alert.rule): \(alert.title)"
        if let s = alert.subject {
            line +=
                " | pid=\(s.pid) uid=\(s.uid) euid=\(s.euid) \(s.exeWord) argv=[\(s.commandLine)]"
        }
        if !alert.evidence.isEmpty {
            line += " | " + alert.evidence.map { "\($0.0)=\(EventFormat.shellQuote($0.1))" }.joined(separator: " ")
        }
        return line
    }
}

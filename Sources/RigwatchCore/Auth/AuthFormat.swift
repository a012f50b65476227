// SPDX-License-Identifier: Apache-2.0
extension EventFormat {
    /// An auth record has no process header: the writer's pid and ids, then the record.
    static func authFields(_ e: AuthEvent, into w: inout JSONWriter) {
        w.field("ts_ns", e.timestampNs)
        w.field("pid", e.pid)
        w.field("uid", e.uid)
        w.field("auid", e.auid)
        w.field("ses", e.ses)
        w.field("record_type", e.typeName)
        w.field("op", e.op)
        w.field("acct", e.acct)
        w.field("exe", e.exe)
        w.field("service", e.service)
        w.field("hostname", e.hostname)
        w.field("addr", e.addr)
        w.field("terminal", e.terminal)
        w.field("res", e.resultName)
    }

    static func authText(_ e: AuthEvent) -> String {
        func word(_ s: String) -> String { s.isEmpty ? "?" : ShellWord.quote(Array(s.utf8)) }
        return "auth \(e.typeName) pid=\(e.pid) uid=\(e.uid) op=\(word(e.op)) acct=\(word(e.acct)) "
            + "service=\(word(e.service)) addr=\(word(e.addr)) terminal=\(word(e.terminal)) res=\(e.resultName)"
    }
}

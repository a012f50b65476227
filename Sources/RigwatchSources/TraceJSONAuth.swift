// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

extension JSONFields {
    /// An auth line (`EventFormat.authFields`): `service` is derived from `exe` and not read.
    func auth() throws(TraceError) -> AuthEvent {
        let typeName = try string("record_type")
        guard let type = AuthRecordType.type(named: typeName), AuthRecordType.isAuth(type) else {
            let known = AuthRecordType.names.values.sorted().joined(separator: ", ")
            throw bad("record_type", "unknown record type \"\(typeName)\" (known: \(known))")
        }
        let res = try string("res")
        guard res == "success" || res == "failed" else { throw bad("res", "is \"\(res)\", not success or failed") }
        func text(_ name: String, max: Int) throws(TraceError) -> String {
            let s = try string(name)
            guard !s.utf8.contains(0) else { throw bad(name, "contains a NUL byte") }
            guard s.utf8.count <= max else {
                throw bad(name, "is \(s.utf8.count) bytes; the record holds at most \(max)")
            }
            return s
        }
        typealias A = ABIOffsets.Auth
        return AuthEvent(
            timestampNs: try u64("ts_ns"), pid: try u32("pid"), uid: try u32("uid"), auid: try u32("auid"),
            ses: try u32("ses"), recordType: type, op: try text("op", max: A.op.1),
            acct: try text("acct", max: A.acct.1), exe: try text("exe", max: A.exe.1),
            hostname: try text("hostname", max: A.hostname.1), addr: try text("addr", max: A.addr.1),
            terminal: try text("terminal", max: A.terminal.1), success: res == "success")
    }
}

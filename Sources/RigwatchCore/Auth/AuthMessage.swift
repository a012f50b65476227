// SPDX-License-Identifier: Apache-2.0
/// Parses the audit records PAM writes through libaudit, as the multicast group
/// delivers them:
///
///     audit(1796195087.797:753): pid=28998 uid=995 auid=4294967295 ses=4294967295
///     msg='op=PAM:authentication grantors=? acct="rwtestx" exe="/usr/bin/su"
///     hostname=? addr=? terminal=/dev/pts/0 res=failed'
///
/// The fields inside `msg='…'` are parsed with the outer ones (`AuditRecord`);
/// libaudit writes `acct` and `exe` quoted, or hex when they hold spaces or quotes.
public enum AuthMessage {
    /// The event, or nil for a type rigwatch does not keep. `wallMinusBootNs`
    /// moves the record's wall time onto CLOCK_BOOTTIME, as the other events use.
    public static func parse(type: UInt16, _ text: [UInt8], wallMinusBootNs: Int64 = 0) throws -> AuthEvent? {
        guard AuthRecordType.isAuth(type) else { return nil }
        let record = try AuditRecord.parse(type: type, unwrapped(type: type, text))
        let wallNs = record.seconds &* 1_000_000_000 &+ record.milliseconds &* 1_000_000
        let bootNs = wallMinusBootNs >= 0 ? wallNs &- UInt64(wallMinusBootNs) : wallNs &+ UInt64(-wallMinusBootNs)
        func number(_ key: String) throws -> UInt32 {
            let n = try record.decimal(key)
            guard n <= UInt64(UInt32.max) else { throw AuditParseError("type \(type): \(key) out of range") }
            return UInt32(n)
        }
        func value(_ key: String, untrusted: Bool) throws -> String {
            guard let f = record.field(key), !f.value.isEmpty, !(f.value.elementsEqual("?".utf8)) else { return "" }
            if untrusted, let bytes = try record.untrustedString(key) { return String(decoding: bytes, as: UTF8.self) }
            return String(decoding: f.value, as: UTF8.self)
        }
        let res = record.field("res").map { String(decoding: $0.value, as: UTF8.self) }
        guard let res else { throw AuditParseError("serial \(record.serial) type \(type): no res field") }
        return AuthEvent(
            timestampNs: bootNs, pid: try number("pid"), uid: try number("uid"),
            auid: record.field("auid") == nil ? AuthEvent.unset : try number("auid"),
            ses: record.field("ses") == nil ? AuthEvent.unset : try number("ses"),
            recordType: type, op: try value("op", untrusted: false), acct: try value("acct", untrusted: true),
            exe: try value("exe", untrusted: true), hostname: try value("hostname", untrusted: false),
            addr: try value("addr", untrusted: false), terminal: try value("terminal", untrusted: false),
            success: res == "success" || res == "1")
    }

    /// The record with `msg='` and its closing quote removed, so its fields read as outer ones.
    static func unwrapped(type: UInt16, _ text: [UInt8]) throws -> [UInt8] {
        let opener = Array("msg='".utf8)
        guard let start = firstIndex(of: opener, in: text) else { return text }
        let inner = start + opener.count
        guard let close = text[inner...].lastIndex(of: 39) else {
            throw AuditParseError("type \(type): unterminated msg='…' (record cut short?)")
        }
        return Array(text[..<start]) + Array(text[inner..<close]) + Array(text[(close + 1)...])
    }

    static func firstIndex(of needle: [UInt8], in text: [UInt8]) -> Int? {
        guard text.count >= needle.count else { return nil }
        for i in 0...(text.count - needle.count) where text[i] == needle[0] {
            if text[i..<(i + needle.count)].elementsEqual(needle) { return i }
        }
        return nil
    }
}

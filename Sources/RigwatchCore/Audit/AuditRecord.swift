// SPDX-License-Identifier: Apache-2.0
/// One audit record as the kernel sends it over netlink: a message type number and
/// text like `audit(1732530000.123:456): arch=c000003e syscall=59 … comm="echo"`.
/// Parsing is byte-based and never traps: a record cut short is an `AuditParseError`.

public struct AuditParseError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Record types rigwatch reads (linux/audit.h).
public enum AuditRecordType {
    public static let syscall: UInt16 = 1300
    public static let path: UInt16 = 1302
    public static let cwd: UInt16 = 1307
    public static let execve: UInt16 = 1309
    public static let eoe: UInt16 = 1320
    public static let bprmFcaps: UInt16 = 1321
    public static let proctitle: UInt16 = 1327

    /// Types that belong to a syscall event; every other type is ignored.
    public static func isSyscallPart(_ type: UInt16) -> Bool {
        switch type {
        case syscall, path, cwd, execve, eoe, bprmFcaps, proctitle: return true
        default: return false
        }
    }
}

public struct AuditField {
    public var key: ArraySlice<UInt8>
    public var value: ArraySlice<UInt8>
    /// The value was written in double quotes (a plain string); otherwise it is a
    /// number, a bare word, or (for untrusted strings) hex.
    public var quoted: Bool
}

public struct AuditRecord {
    public var type: UInt16
    /// Wall-clock time the syscall entered the kernel.
    public var seconds: UInt64
    public var milliseconds: UInt64
    /// Event serial: every record of one event shares it.
    public var serial: UInt64
    public var fields: [AuditField]

    /// Parses only the `audit(sec.ms:serial): ` prefix (for records whose fields rigwatch never reads).
    public static func parseHeader(type: UInt16, _ text: [UInt8]) throws -> (record: AuditRecord, bodyStart: Int) {
        var i = 0
        func expect(_ literal: String) throws {
            for b in literal.utf8 {
                guard i < text.count, text[i] == b else {
                    throw AuditParseError("type \(type): malformed header, expected \"\(literal)\" at byte \(i)")
                }
                i += 1
            }
        }
        func number(_ what: String) throws -> UInt64 {
            let start = i
            var n: UInt64 = 0
            while i < text.count, text[i] >= 48, text[i] <= 57, i - start < 19 {
                n = n * 10 + UInt64(text[i] - 48)
                i += 1
            }
            guard i > start else {
                throw AuditParseError("type \(type): malformed header, no \(what) at byte \(start)")
            }
            return n
        }
        try expect("audit(")
        let seconds = try number("seconds")
        try expect(".")
        let millis = try number("milliseconds")
        try expect(":")
        let serial = try number("serial")
        try expect("):")
        return (AuditRecord(type: type, seconds: seconds, milliseconds: millis, serial: serial, fields: []), i)
    }

    /// Parses the header and every `key=value` field.
    public static func parse(type: UInt16, _ text: [UInt8]) throws -> AuditRecord {
        var (record, i) = try parseHeader(type: type, text)
        let space: UInt8 = 32
        let equals: UInt8 = 61
        let quote: UInt8 = 34
        while true {
            while i < text.count, text[i] == space { i += 1 }
            if i >= text.count { break }
            let keyStart = i
            while i < text.count, text[i] != equals, text[i] != space { i += 1 }
            let key = text[keyStart..<i]
            guard i < text.count, text[i] == equals else {
                throw AuditParseError(
                    "serial \(record.serial) type \(type): field \"\(String(decoding: key, as: UTF8.self))\" has no value (record cut short?)"
                )
            }
            i += 1
            if i < text.count, text[i] == quote {
                let valueStart = i + 1
                guard let end = text[valueStart...].firstIndex(of: quote) else {
                    throw AuditParseError(
                        "serial \(record.serial) type \(type): unterminated quoted value of \(String(decoding: key, as: UTF8.self)) (record cut short?)"
                    )
                }
                record.fields.append(AuditField(key: key, value: text[valueStart..<end], quoted: true))
                i = end + 1
            } else {
                let valueStart = i
                while i < text.count, text[i] != space { i += 1 }
                record.fields.append(AuditField(key: key, value: text[valueStart..<i], quoted: false))
            }
        }
        return record
    }

    public func field(_ key: String) -> AuditField? {
        fields.first { $0.key.elementsEqual(key.utf8) }
    }

    /// A required field, or an error naming what is missing.
    public func require(_ key: String) throws -> AuditField {
        guard let f = field(key) else {
            throw AuditParseError("serial \(serial) type \(type): no \(key) field (record cut short?)")
        }
        return f
    }

    public func decimal(_ key: String) throws -> UInt64 {
        guard let n = AuditValue.decimal(try require(key).value) else {
            throw AuditParseError("serial \(serial) type \(type): \(key) is not a number")
        }
        return n
    }

    public func signedDecimal(_ key: String) throws -> Int64 {
        let v = try require(key).value
        if v.first == 45, let n = AuditValue.decimal(v.dropFirst()), n <= UInt64(Int64.max) { return -Int64(n) }
        guard let n = AuditValue.decimal(v), n <= UInt64(Int64.max) else {
            throw AuditParseError("serial \(serial) type \(type): \(key) is not a number")
        }
        return Int64(n)
    }

    public func hexNumber(_ key: String) throws -> UInt64 {
        guard let n = AuditValue.hexNumber(try require(key).value) else {
            throw AuditParseError("serial \(serial) type \(type): \(key) is not a hex number")
        }
        return n
    }

    /// An untrusted string (comm, exe, name, argv): quoted text, or hex when it holds
    /// spaces, quotes, control or non-ASCII bytes. nil for `(null)`.
    public func untrustedString(_ key: String) throws -> [UInt8]? {
        try AuditValue.untrusted(try require(key), serial: serial)
    }
}

enum AuditValue {
    static func decimal(_ v: ArraySlice<UInt8>) -> UInt64? {
        guard !v.isEmpty, v.count <= 20 else { return nil }
        var n: UInt64 = 0
        for b in v {
            guard b >= 48, b <= 57 else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(b - 48))
            if o1 || o2 { return nil }
            n = s
        }
        return n
    }

    static func hexDigit(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: return b - 48
        case 65...70: return b - 55
        case 97...102: return b - 87
        default: return nil
        }
    }

    static func hexNumber(_ v: ArraySlice<UInt8>) -> UInt64? {
        guard !v.isEmpty, v.count <= 16 else { return nil }
        var n: UInt64 = 0
        for b in v {
            guard let d = hexDigit(b) else { return nil }
            n = n << 4 | UInt64(d)
        }
        return n
    }

    static func untrusted(_ f: AuditField, serial: UInt64) throws -> [UInt8]? {
        if f.quoted { return Array(f.value) }
        if f.value.elementsEqual("(null)".utf8) { return nil }
        guard f.value.count % 2 == 0 else {
            throw AuditParseError(
                "serial \(serial): \(String(decoding: f.key, as: UTF8.self)) has an odd number of hex digits (record cut short?)"
            )
        }
        var out: [UInt8] = []
        out.reserveCapacity(f.value.count / 2)
        var i = f.value.startIndex
        while i < f.value.endIndex {
            guard let hi = hexDigit(f.value[i]), let lo = hexDigit(f.value[i + 1]) else {
                throw AuditParseError(
                    "serial \(serial): \(String(decoding: f.key, as: UTF8.self)) is neither quoted nor hex")
            }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}

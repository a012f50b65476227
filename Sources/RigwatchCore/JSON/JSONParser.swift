// SPDX-License-Identifier: Apache-2.0
/// A parsed JSON value. Integers keep their exact magnitude so u64 ids and
/// timestamps survive (a Double would round them above 2^53).
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(negative: Bool, magnitude: UInt64)
    /// A number with a fraction or exponent, or too large for 64 bits; kept as text.
    case otherNumber(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer, .otherNumber: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

public struct JSONSyntaxError: Error, Equatable {
    /// 1-based byte column.
    public var column: Int
    public var reason: String
}

/// A strict RFC 8259 parser: the one JSON reader for what rigwatch wrote itself (trace
/// lines, spooled alerts). Written here rather than using JSONSerialization so that u64
/// values are exact, strings come back byte for byte (Foundation drops a leading U+FEFF),
/// errors have a column, and hostile input (deep nesting, bad escapes, invalid UTF-8)
/// ends in an error, never a crash.
public struct JSONParser {
    public static let maxDepth = 32

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    public static func parse(_ line: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: line)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.position == line.count else { throw parser.fail("unexpected text after the value") }
        return value
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private func fail(_ reason: String) -> JSONSyntaxError { JSONSyntaxError(column: position + 1, reason: reason) }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipSpace() {
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d { position += 1 }
    }

    private mutating func expect(_ c: UInt8) throws(JSONSyntaxError) {
        guard current == c else { throw fail("expected '\(Character(Unicode.Scalar(c)))'") }
        position += 1
    }

    private mutating func literal(_ word: String, _ value: JSONValue) throws(JSONSyntaxError) -> JSONValue {
        for c in word.utf8 {
            guard current == c else { throw fail("invalid literal (expected \(word))") }
            position += 1
        }
        return value
    }

    private mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < Self.maxDepth else { throw fail("nested deeper than \(Self.maxDepth) levels") }
        guard let c = current else { throw fail("unexpected end of line") }
        switch c {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("unexpected character")
        }
    }

    private mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        position += 1
        var members = JSONObject()
        skipSpace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipSpace()
            let keyColumn = position
            guard current == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let key = try string()
            skipSpace()
            try expect(UInt8(ascii: ":"))
            skipSpace()
            let member = try value(depth: depth + 1)
            guard members.insert(member, forKey: key) else {
                throw JSONSyntaxError(column: keyColumn + 1, reason: "duplicate key \"\(key)\"")
            }
            skipSpace()
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "}"))
            return .object(members)
        }
    }

    private mutating func array(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        position += 1
        var elements: [JSONValue] = []
        skipSpace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipSpace()
            elements.append(try value(depth: depth + 1))
            skipSpace()
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "]"))
            return .array(elements)
        }
    }

    private mutating func number() throws(JSONSyntaxError) -> JSONValue {
        let start = position
        let negative = current == UInt8(ascii: "-")
        if negative { position += 1 }
        var magnitude: UInt64 = 0
        var overflow = false
        guard let first = current, first >= 0x30, first <= 0x39 else { throw fail("expected a digit") }
        if first == 0x30 {
            position += 1
        } else {
            while let d = current, d >= 0x30, d <= 0x39 {
                let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(UInt64(d - 0x30))
                overflow = overflow || o1 || o2
                magnitude = sum
                position += 1
            }
        }
        var integral = true
        if current == UInt8(ascii: ".") {
            integral = false
            position += 1
            try digits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integral = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            try digits()
        }
        if integral && !overflow { return .integer(negative: negative, magnitude: magnitude) }
        return .otherNumber(String(decoding: bytes[start..<position], as: UTF8.self))
    }

    private mutating func digits() throws(JSONSyntaxError) {
        guard let d = current, d >= 0x30, d <= 0x39 else { throw fail("expected a digit") }
        while let d = current, d >= 0x30, d <= 0x39 { position += 1 }
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        let start = position
        position += 1
        var out: [UInt8] = []
        var plainRun = position  // bytes copied in runs, escapes handled one by one
        while true {
            guard let c = current else {
                position = start
                throw fail("unterminated string")
            }
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { throw fail("control character in a string") }
            if c != UInt8(ascii: "\\") {
                position += 1
                continue
            }
            out.append(contentsOf: bytes[plainRun..<position])
            position += 1
            guard let e = current else { throw fail("unterminated escape") }
            position += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"): try unicodeEscape(into: &out)
            default:
                position -= 2
                throw fail("invalid escape")
            }
            plainRun = position
        }
        out.append(contentsOf: bytes[plainRun..<position])
        position += 1
        guard isValidUTF8(out) else {
            position = start
            throw fail("string is not valid UTF-8")
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `\uXXXX`, joining a surrogate pair into one scalar; lone surrogates are errors.
    private mutating func unicodeEscape(into out: inout [UInt8]) throws(JSONSyntaxError) {
        var value = try hex4()
        if value >= 0xd800 && value <= 0xdbff {
            guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u")
            else {
                throw fail("high surrogate not followed by a low surrogate")
            }
            position += 2
            let low = try hex4()
            guard low >= 0xdc00 && low <= 0xdfff else { throw fail("high surrogate not followed by a low surrogate") }
            value = 0x10000 + ((value - 0xd800) << 10) + (low - 0xdc00)
        } else if value >= 0xdc00 && value <= 0xdfff {
            throw fail("lone low surrogate")
        }
        guard let scalar = Unicode.Scalar(value) else { throw fail("invalid unicode escape") }
        out.append(contentsOf: String(Character(scalar)).utf8)
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let c = current else { throw fail("short unicode escape") }
            let nibble: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit in a unicode escape")
            }
            value = value << 4 | nibble
            position += 1
        }
        return value
    }
}

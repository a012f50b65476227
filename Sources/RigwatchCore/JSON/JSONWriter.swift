// SPDX-License-Identifier: Apache-2.0
/// Builds one JSON object as text, field by field, escaping every string.
/// Used for JSON Lines output; no Foundation, no intermediate dictionaries.
public struct JSONWriter {
    public private(set) var text: String
    private var first = true

    public init() {
        text = "{"
        text.reserveCapacity(256)
    }

    private mutating func key(_ name: String) {
        if !first { text.append(",") }
        first = false
        text.append("\"")
        text.append(name)
        text.append("\":")
    }

    public mutating func field(_ name: String, _ value: String) {
        key(name)
        JSONWriter.appendString(value, to: &text)
    }

    public mutating func field<T: BinaryInteger>(_ name: String, _ value: T) {
        key(name)
        text.append(String(value))
    }

    public mutating func field(_ name: String, _ value: Double) {
        key(name)
        text.append(value.isFinite ? String(value) : "null")
    }

    public mutating func field(_ name: String, _ value: Bool) {
        key(name)
        text.append(value ? "true" : "false")
    }

    public mutating func nullField(_ name: String) {
        key(name)
        text.append("null")
    }

    public mutating func field(_ name: String, strings: [String]) {
        key(name)
        text.append("[")
        for (i, s) in strings.enumerated() {
            if i > 0 { text.append(",") }
            JSONWriter.appendString(s, to: &text)
        }
        text.append("]")
    }

    public mutating func field<T: BinaryInteger>(_ name: String, numbers: [T]) {
        key(name)
        text.append("[")
        text.append(numbers.map { String($0) }.joined(separator: ","))
        text.append("]")
    }

    /// A nested object or array already rendered as JSON.
    public mutating func field(_ name: String, raw: String) {
        key(name)
        text.append(raw)
    }

    public func finish() -> String { text + "}" }

    /// Appends `s` as a JSON string literal: quotes, backslashes and every control
    /// character escaped, so argv with quotes or newlines stays one valid line.
    public static func appendString(_ s: String, to out: inout String) {
        out.append("\"")
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case "\u{2028}": out.append("\\u2028")
            case "\u{2029}": out.append("\\u2029")
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    let hex = String(scalar.value, radix: 16)
                    out.append("\\u")
                    out.append(String(repeating: "0", count: 4 - hex.count))
                    out.append(hex)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append("\"")
    }

    public static func quoted(_ s: String) -> String {
        var out = ""
        appendString(s, to: &out)
        return out
    }
}

/// Lowercase hex of bytes, for values that are not valid UTF-8.
public func hexString(_ bytes: [UInt8]) -> String {
    let digits: [Character] = Array("0123456789abcdef")
    var s = ""
    s.reserveCapacity(bytes.count * 2)
    for b in bytes {
        s.append(digits[Int(b >> 4)])
        s.append(digits[Int(b & 0xf)])
    }
    return s
}

/// Bytes of a hex string, or nil when it is not one.
public func bytesFromHex(_ hex: String) -> [UInt8]? {
    let chars = Array(hex.utf8)
    guard chars.count % 2 == 0 else { return nil }
    func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
    var out: [UInt8] = []
    out.reserveCapacity(chars.count / 2)
    var i = 0
    while i < chars.count {
        guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
        out.append(hi << 4 | lo)
        i += 2
    }
    return out
}

/// True when the bytes decode as UTF-8 without replacement.
public func isValidUTF8(_ bytes: [UInt8]) -> Bool {
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue: continue
        case .emptyInput: return true
        case .error: return false
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
/// Reading parsed values without a schema: nil when absent or of another type (or
/// out of range), so a caller says in its own words what it expected.
extension JSONValue {
    /// Parses one JSON text (a whole buffer).
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        do {
            return try bytes.withUnsafeBufferPointer { (buffer) throws(JSONSyntaxError) -> JSONValue in
                try JSONParser.parse(buffer)
            }
        }
    }

    public subscript(_ key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var uint64: UInt64? {
        if case .integer(let negative, let magnitude) = self, !negative || magnitude == 0 { return magnitude }
        return nil
    }

    public var int64: Int64? {
        guard case .integer(let negative, let magnitude) = self else { return nil }
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    public var uint32: UInt32? { uint64.flatMap { UInt32(exactly: $0) } }

    /// Any number, as a Double (Discord's `retry_after: 1.234`).
    public var double: Double? {
        switch self {
        case .integer(let negative, let magnitude): return negative ? -Double(magnitude) : Double(magnitude)
        case .otherNumber(let text): return Double(text)
        default: return nil
        }
    }
}

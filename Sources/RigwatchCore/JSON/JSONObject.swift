// SPDX-License-Identifier: Apache-2.0
/// A parsed JSON object: its members by key, and the keys in document order, so
/// that what was written in order (alert evidence) reads back in that order.
public struct JSONObject: Equatable, Sendable, Sequence {
    public private(set) var keys: [String] = []
    private var members: [String: JSONValue] = [:]

    public init() {}

    public init(_ pairs: [(String, JSONValue)]) {
        for (key, value) in pairs { _ = insert(value, forKey: key) }
    }

    public subscript(_ key: String) -> JSONValue? { members[key] }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// Adds a member; false (and no change) when the key is already there.
    mutating func insert(_ value: JSONValue, forKey key: String) -> Bool {
        guard members[key] == nil else { return false }
        members[key] = value
        keys.append(key)
        return true
    }

    /// The members in document order.
    public func makeIterator() -> AnyIterator<(key: String, value: JSONValue)> {
        var index = 0
        return AnyIterator {
            guard index < keys.count else { return nil }
            defer { index += 1 }
            return (keys[index], members[keys[index]]!)
        }
    }

    /// Equal members; order is not part of a JSON object's value.
    public static func == (a: JSONObject, b: JSONObject) -> Bool { a.members == b.members }
}

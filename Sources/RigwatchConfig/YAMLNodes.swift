// SPDX-License-Identifier: Apache-2.0
import Yams

/// A configuration error with the file, line and column it refers to.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    /// The offending line and a caret under the column (YAML syntax errors), printed below the message.
    public var snippet: String? = nil

    public var description: String {
        "\(file):\(line):\(column): \(message)" + (snippet.map { "\n" + $0 } ?? "")
    }
}

/// Typed access to YAML nodes that reports every mistake with its position.
struct YAMLNodes {
    let file: String

    func error(_ node: Node?, _ message: String) -> ConfigError {
        ConfigError(file: file, line: (node?.mark?.line ?? 0), column: (node?.mark?.column ?? 0), message: message)
    }

    /// The pairs of a mapping, refusing keys outside `known`.
    func mapping(_ node: Node, at path: String, known: [String]?) throws -> [(String, Node)] {
        guard case .mapping(let mapping) = node else {
            throw error(node, "\(path.isEmpty ? "the configuration" : path) must be a mapping")
        }
        var pairs: [(String, Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.string, case .scalar = keyNode else {
                throw error(keyNode, "keys in \(path) must be strings")
            }
            if let known, !known.contains(key) {
                let place = path.isEmpty ? "at the top level" : "in \(path)"
                throw error(keyNode, "unknown key '\(key)' \(place) (known: \(known.joined(separator: ", ")))")
            }
            pairs.append((key, value))
        }
        return pairs
    }

    /// The pairs of a section's mapping, keys typed; `path` when the section sits
    /// in a list ("files.maintenance[2]").
    func mapping<Key: ConfigKey>(_ node: Node, _: Key.Type, at path: String? = nil) throws -> [(Key, Node)] {
        try mapping(node, at: path ?? Key.section, known: Key.names).map { name, value in
            // Unreachable: `mapping` lets only the section's names through.
            guard let key = Key(rawValue: name) else { throw error(value, "unknown key '\(name)'") }
            return (key, value)
        }
    }

    func string(_ node: Node, at path: String) throws -> String {
        // Any scalar but a plain null reads as text (a uid written as 1000 is fine as a name).
        guard case .scalar(let s) = node, !(s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string))
        else {
            throw error(node, "\(path) must be a string")
        }
        return s.string
    }

    /// A string that names a file or directory, so cannot be empty; `instead` says what to write for none.
    func nonEmptyString(_ node: Node, at path: String, instead: String? = nil) throws -> String {
        let text = try string(node, at: path)
        guard text.isEmpty else { return text }
        throw error(node, "\(path) must not be empty" + (instead.map { " (\($0))" } ?? ""))
    }

    func int(_ node: Node, at path: String, range: ClosedRange<Int>) throws -> Int {
        guard case .scalar(let s) = node, s.style == .plain, let value = Int(s.string) else {
            throw error(node, "\(path) must be an integer")
        }
        guard range.contains(value) else {
            throw error(node, "\(path) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
        return value
    }

    func bool(_ node: Node, at path: String) throws -> Bool {
        guard case .scalar(let s) = node, s.style == .plain, ["true", "false"].contains(s.string) else {
            throw error(node, "\(path) must be true or false")
        }
        return s.string == "true"
    }

    func stringList(_ node: Node, at path: String) throws -> [String] {
        guard case .sequence(let seq) = node else { throw error(node, "\(path) must be a list") }
        return try seq.enumerated().map { i, item in try string(item, at: "\(path)[\(i)]") }
    }
}

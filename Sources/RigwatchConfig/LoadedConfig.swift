// SPDX-License-Identifier: Apache-2.0
import Yams

/// A configuration with where each of its keys was written, so that the checks
/// made after parsing (a webhook file's mode, a spool directory that cannot be
/// made) name the line and column as parse errors do.
public struct LoadedConfig: Sendable {
    public struct Position: Equatable, Sendable {
        public var line: Int
        public var column: Int

        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }
    }

    /// The file; nil for the built-in defaults (no `--config`).
    public var file: String?
    public var config: SensorConfig
    /// Key path ("alerts.spool_dir", "policy.import_sudoers[0]") → where its value starts.
    public var positions: [String: Position]

    public init(file: String? = nil, config: SensorConfig = SensorConfig(), positions: [String: Position] = [:]) {
        self.file = file
        self.config = config
        self.positions = positions
    }

    /// A problem with a key's value, as parse errors read: "rw.yaml:12:14: alerts.spool_dir: MESSAGE".
    /// A key the file leaves out has its default, which is said instead of a line.
    public func problem(_ keyPath: String, _ message: String) -> String {
        guard let file, let position = positions[keyPath] else {
            return "\(file ?? "the built-in configuration"): \(keyPath) (the default): \(message)"
        }
        return ConfigError(file: file, line: position.line, column: position.column, message: "\(keyPath): \(message)")
            .description
    }

    /// Every key path in `root` with the position of its value; list items as "path[i]".
    static func positions(_ root: Node) -> [String: Position] {
        var found: [String: Position] = [:]
        func walk(_ node: Node, _ path: String) {
            switch node {
            case .mapping(let mapping):
                for (keyNode, value) in mapping {
                    guard let key = keyNode.string else { continue }
                    visit(value, path.isEmpty ? key : "\(path).\(key)")
                }
            case .sequence(let sequence):
                for (i, item) in sequence.enumerated() { visit(item, "\(path)[\(i)]") }
            default:
                break
            }
        }
        func visit(_ node: Node, _ path: String) {
            if let mark = node.mark { found[path] = Position(line: mark.line, column: mark.column) }
            walk(node, path)
        }
        walk(root, "")
        return found
    }
}

import Foundation
import RigwatchCore
import Yams

/// Parses the YAML configuration into `RigwatchConfig`: unknown keys and wrong
/// types are errors with line numbers; absent keys keep their defaults.
public enum ConfigLoader {
    public static func load(path: String) throws -> RigwatchConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: 0, column: 0, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: 0, column: 0, message: "the file is not UTF-8")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String = "<config>") throws -> RigwatchConfig {
        let nodes = YAMLNodes(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        }
        var config = RigwatchConfig()
        guard let root, root != Node("") else { return config } // an empty file is all defaults
        for (key, value) in try nodes.mapping(root, at: "", known: ["watch_users", "engine"]) {
            switch key {
            case "watch_users":
                config.watchUsers = try nodes.stringList(value, at: "watch_users")
                if config.watchUsers.isEmpty { throw nodes.error(value, "watch_users must name at least one user") }
            case "engine":
                for (k, v) in try nodes.mapping(value, at: "engine", known: ["process_table_size"]) where k == "process_table_size" {
                    config.processTableSize = try nodes.int(v, at: "engine.process_table_size", range: 16...10_000_000)
                }
            default:
                break
            }
        }
        return config
    }

    static func syntaxError(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)")
        case .composer(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, column: mark.column, message: "YAML: \(problem)")
        default:
            return ConfigError(file: file, line: 0, column: 0, message: "YAML: \(error)")
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import Yams

/// The `files:` and `tamper:` sections. Paths are checked here as the kernel
/// will take them, so a bad one is a line-numbered error at load, not a
/// surprise at attach.
extension ConfigLoader {
    static func parseFiles(_ node: Node, nodes: YAMLNodes) throws -> FilesConfig {
        var files = FilesConfig()
        for (key, value) in try nodes.mapping(node, ConfigKeys.Files.self) {
            let path = key.path
            switch key {
            case .enabled: files.enabled = try nodes.bool(value, at: path)
            case .defaultMaintenance: files.defaultMaintenance = try nodes.bool(value, at: path)
            case .paths: files.paths = try watchedPaths(value, at: path, nodes: nodes)
            case .maintenance:
                guard case .sequence(let seq) = value else {
                    throw nodes.error(value, "\(path) must be a list of rules")
                }
                files.maintenance = try seq.enumerated().map { i, item in
                    try maintenanceRule(item, at: "\(path)[\(i)]", nodes: nodes)
                }
            }
        }
        return files
    }

    /// Absolute, normalised ("/etc/cron.d/" is "/etc/cron.d"), not "/" alone, at most
    /// 127 bytes, at most 32 after duplicates are removed.
    static func watchedPaths(_ node: Node, at path: String, nodes: YAMLNodes) throws -> [String] {
        guard case .sequence(let seq) = node else {
            throw nodes.error(node, "\(path) must be a list of absolute paths")
        }
        var paths: [String] = []
        for (i, item) in seq.enumerated() {
            let raw = try nodes.string(item, at: "\(path)[\(i)]")
            let normalised: String
            do {
                normalised = try WatchedPath.validate(raw)
            } catch {
                throw nodes.error(item, "\(path)[\(i)]: \(error)")
            }
            if paths.contains(where: { $0.utf8.elementsEqual(normalised.utf8) }) { continue }
            guard paths.count < WatchedPath.maxCount else {
                throw nodes.error(item, "\(path): at most \(WatchedPath.maxCount) paths (the kernel's table)")
            }
            paths.append(normalised)
        }
        return paths
    }

    /// `{path: GLOB, program: GLOB, lineage: any|watched|unwatched, below: GLOB}`; at least a path or a program.
    static func maintenanceRule(_ node: Node, at path: String, nodes: YAMLNodes) throws -> MaintenanceRule {
        var rule = MaintenanceRule(origin: "\(nodes.file):\(node.mark?.line ?? 0)")
        for (key, value) in try nodes.mapping(node, ConfigKeys.MaintenanceRule.self, at: path) {
            let at = "\(path).\(key.rawValue)"
            switch key {
            case .path, .program, .below:
                let glob = try nodes.string(value, at: at)
                guard glob.hasPrefix("/") else {
                    throw nodes.error(value, "\(at) must be an absolute path or glob (fnmatch, '*' does not cross '/')")
                }
                switch key {
                case .path: rule.path = glob
                case .program: rule.program = glob
                default: rule.below = glob
                }
            case .lineage:
                let text = try nodes.string(value, at: at)
                guard let lineage = MaintenanceRule.Lineage(rawValue: text) else {
                    throw nodes.error(value, "\(at) must be any, watched or unwatched, not '\(text)'")
                }
                rule.lineage = lineage
            }
        }
        if rule.path == nil && rule.program == nil {
            throw nodes.error(
                node, "\(path) needs a path or a program (a rule with neither would silence every change)")
        }
        return rule
    }

    static func parseTamper(_ node: Node, nodes: YAMLNodes) throws -> TamperConfig {
        var tamper = TamperConfig()
        for (key, value) in try nodes.mapping(node, ConfigKeys.Tamper.self) {
            let path = key.path
            switch key {
            case .enabled: tamper.enabled = try nodes.bool(value, at: path)
            case .integrityCheckSeconds:
                tamper.integrityCheckSeconds = try nodes.int(value, at: path, range: 1...3600)
            }
        }
        return tamper
    }
}

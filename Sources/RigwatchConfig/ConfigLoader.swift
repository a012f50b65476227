// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import Yams

/// Parses the YAML configuration into `SensorConfig`: unknown keys and wrong
/// types are errors with line numbers; absent keys keep their defaults.
public enum ConfigLoader {
    public static func load(path: String) throws -> SensorConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: 0, column: 0, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: 0, column: 0, message: "the file is not UTF-8")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String = "<config>") throws -> SensorConfig {
        let nodes = YAMLNodes(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        }
        var config = SensorConfig()
        guard let root, root != Node("") else { return config }  // an empty file is all defaults
        for (key, value) in try nodes.mapping(
            root, at: "",
            known: [
                "watch_users", "engine", "policy", "alerts", "network", "mining", "service", "files", "tamper", "bpf",
            ])
        {
            switch key {
            case "watch_users":
                config.watchUsers = try nodes.stringList(value, at: "watch_users")
                if config.watchUsers.isEmpty { throw nodes.error(value, "watch_users must name at least one user") }
            case "engine":
                for (k, v) in try nodes.mapping(value, at: "engine", known: ["process_table_size"])
                where k == "process_table_size" {
                    config.processTableSize = try nodes.int(v, at: "engine.process_table_size", range: 16...10_000_000)
                }
            case "policy":
                config.policy = try parsePolicy(value, nodes: nodes)
            case "alerts":
                config.alerts = try parseAlerts(value, nodes: nodes)
            case "network":
                config.network = try parseNetwork(value, nodes: nodes)
            case "mining":
                config.mining = try parseMining(value, nodes: nodes)
            case "service":
                config.service = try parseService(value, nodes: nodes)
            case "files":
                config.files = try parseFiles(value, nodes: nodes)
            case "tamper":
                config.tamper = try parseTamper(value, nodes: nodes)
            case "bpf":
                config.bpf = try parseBPF(value, nodes: nodes)
            default:
                break
            }
        }
        return config
    }

    /// `bpf.hooks`: each feature's rung checked as `--bpf-hook` checks it.
    static func parseBPF(_ node: Node, nodes: YAMLNodes) throws -> BPFConfig {
        var bpf = BPFConfig()
        for (key, value) in try nodes.mapping(node, at: "bpf", known: ["hooks"]) where key == "hooks" {
            for (feature, rungNode) in try nodes.mapping(
                value, at: "bpf.hooks", known: FeatureTable.features.map(\.name))
            {
                let rung = try nodes.string(rungNode, at: "bpf.hooks.\(feature)")
                if let problem = FeaturePlanner.parseHooks(["\(feature)=\(rung)"]).problems.first {
                    let why =
                        problem.message.range(of: ": ").map { String(problem.message[$0.upperBound...]) }
                        ?? problem.message
                    throw nodes.error(rungNode, "bpf.hooks.\(feature): \(why)")
                }
                if rung == "off", FeatureTable.feature(named: feature)?.required == true {
                    throw nodes.error(rungNode, "bpf.hooks.\(feature): \(feature) is required and cannot be off")
                }
                bpf.hooks[feature] = rung
            }
        }
        return bpf
    }

    static func parseAlerts(_ node: Node, nodes: YAMLNodes) throws -> AlertsConfig {
        var alerts = AlertsConfig()
        let known = ["log_file", "spool_dir", "spool_max_bytes", "dedup_window_seconds", "storm_per_rule", "discord"]
        for (key, value) in try nodes.mapping(node, at: "alerts", known: known) {
            switch key {
            case "log_file": alerts.logFile = try nodes.string(value, at: "alerts.log_file")
            case "spool_dir": alerts.spoolDirectory = try nodes.string(value, at: "alerts.spool_dir")
            case "spool_max_bytes":
                alerts.spoolMaxBytes = try nodes.int(value, at: "alerts.spool_max_bytes", range: 4096...(1 << 40))
            case "dedup_window_seconds":
                alerts.dedupWindowSeconds = Double(
                    try nodes.int(value, at: "alerts.dedup_window_seconds", range: 1...86_400))
            case "storm_per_rule":
                alerts.stormPerRule = try nodes.int(value, at: "alerts.storm_per_rule", range: 1...10_000)
            case "discord":
                let dknown = ["webhook_file", "connect_timeout_seconds", "timeout_seconds"]
                for (k, v) in try nodes.mapping(value, at: "alerts.discord", known: dknown) {
                    switch k {
                    case "webhook_file":
                        alerts.discordWebhookFile = try nodes.string(v, at: "alerts.discord.webhook_file")
                    case "connect_timeout_seconds":
                        alerts.discordConnectTimeoutSeconds = Double(
                            try nodes.int(v, at: "alerts.discord.connect_timeout_seconds", range: 1...300))
                    case "timeout_seconds":
                        alerts.discordTimeoutSeconds = Double(
                            try nodes.int(v, at: "alerts.discord.timeout_seconds", range: 1...600))
                    default: break
                    }
                }
            default:
                break
            }
        }
        return alerts
    }

    static func parseService(_ node: Node, nodes: YAMLNodes) throws -> ServiceConfig {
        var service = ServiceConfig()
        let known = ["state_file", "state_interval_seconds", "metrics_file", "heartbeat_hours", "lock_file"]
        for (key, value) in try nodes.mapping(node, at: "service", known: known) {
            let path = "service.\(key)"
            switch key {
            case "state_file": service.stateFile = try nodes.string(value, at: path)
            case "state_interval_seconds":
                service.stateIntervalSeconds = try nodes.int(value, at: path, range: 1...3600)
            case "metrics_file": service.metricsFile = try nodes.string(value, at: path)
            case "heartbeat_hours": service.heartbeatHours = try nodes.int(value, at: path, range: 0...8760)
            case "lock_file":
                service.lockFile = try nodes.string(value, at: path)
                // Never off: the lock is what keeps two sensors from running at once.
                if !service.lockFile.hasPrefix("/") { throw nodes.error(value, "\(path) must be an absolute path") }
            default: break
            }
        }
        return service
    }

    static func parseNetwork(_ node: Node, nodes: YAMLNodes) throws -> NetworkConfig {
        var network = NetworkConfig()
        let known = ["snapshot_interval_seconds", "exfiltration", "allow_private", "watched_user_allow"]
        for (key, value) in try nodes.mapping(node, at: "network", known: known) {
            switch key {
            case "snapshot_interval_seconds":
                network.snapshotIntervalSeconds = try nodes.int(
                    value, at: "network.snapshot_interval_seconds", range: 1...3600)
            case "allow_private": network.allowPrivate = try nodes.bool(value, at: "network.allow_private")
            case "watched_user_allow":
                network.watchedUserAllow = try destinations(value, at: "network.watched_user_allow", nodes: nodes)
            case "exfiltration":
                let eknown = [
                    "window_seconds", "bytes_per_window", "sustained_bytes_per_second", "sustained_seconds", "allow",
                ]
                for (k, v) in try nodes.mapping(value, at: "network.exfiltration", known: eknown) {
                    let path = "network.exfiltration.\(k)"
                    switch k {
                    case "window_seconds":
                        network.exfiltration.windowSeconds = try nodes.int(v, at: path, range: 1...604_800)
                    case "bytes_per_window":
                        network.exfiltration.bytesPerWindow = try nodes.int(v, at: path, range: 0...(1 << 50))
                    case "sustained_bytes_per_second":
                        network.exfiltration.sustainedBytesPerSecond = try nodes.int(v, at: path, range: 0...(1 << 40))
                    case "sustained_seconds":
                        network.exfiltration.sustainedSeconds = try nodes.int(v, at: path, range: 0...86_400)
                    case "allow": network.exfiltration.allow = try destinations(v, at: path, nodes: nodes)
                    default: break
                    }
                }
            default:
                break
            }
        }
        return network
    }

    static func parseMining(_ node: Node, nodes: YAMLNodes) throws -> MiningConfig {
        var mining = MiningConfig()
        let known = [
            "enabled", "gpu_busy_percent", "gpu_busy_seconds", "gpu_interval_seconds", "quiet_seconds",
            "allowed_cgroups",
            "allowed_process_names", "extra_miner_names", "extra_pool_domains", "extra_pool_ports",
        ]
        for (key, value) in try nodes.mapping(node, at: "mining", known: known) {
            let path = "mining.\(key)"
            switch key {
            case "enabled": mining.enabled = try nodes.bool(value, at: path)
            case "gpu_busy_percent": mining.gpuBusyPercent = try nodes.int(value, at: path, range: 1...100)
            case "gpu_busy_seconds": mining.gpuBusySeconds = try nodes.int(value, at: path, range: 1...86_400)
            case "gpu_interval_seconds": mining.gpuIntervalSeconds = try nodes.int(value, at: path, range: 1...3600)
            case "quiet_seconds": mining.quietSeconds = try nodes.int(value, at: path, range: 1...604_800)
            case "allowed_cgroups":
                mining.allowedCgroups = try intList(value, at: path, range: 1...Int.max, nodes: nodes).map {
                    UInt64($0)
                }
            case "allowed_process_names":
                mining.allowedProcessNames = try nonEmptyStrings(value, at: path, nodes: nodes)
            case "extra_miner_names": mining.extraMinerNames = try nonEmptyStrings(value, at: path, nodes: nodes)
            case "extra_pool_domains":
                mining.extraPoolDomains = try nonEmptyStrings(value, at: path, nodes: nodes)
                guard case .sequence(let seq) = value else { break }
                for (i, item) in seq.enumerated() where !isHostName(mining.extraPoolDomains[i]) {
                    throw nodes.error(item, "\(path)[\(i)]: '\(mining.extraPoolDomains[i])' is not a host name")
                }
            case "extra_pool_ports":
                mining.extraPoolPorts = try intList(value, at: path, range: 1...65_535, nodes: nodes).map { UInt16($0) }
            default:
                break
            }
        }
        return mining
    }

    static func intList(_ node: Node, at path: String, range: ClosedRange<Int>, nodes: YAMLNodes) throws -> [Int] {
        guard case .sequence(let seq) = node else { throw nodes.error(node, "\(path) must be a list of integers") }
        return try seq.enumerated().map { i, item in try nodes.int(item, at: "\(path)[\(i)]", range: range) }
    }

    static func nonEmptyStrings(_ node: Node, at path: String, nodes: YAMLNodes) throws -> [String] {
        let list = try nodes.stringList(node, at: path)
        guard case .sequence(let seq) = node else { return list }
        for (i, item) in seq.enumerated() where list[i].isEmpty {
            throw nodes.error(item, "\(path)[\(i)] must not be empty")
        }
        return list
    }

    /// A list of CIDRs ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7") or host names.
    /// Anything that looks like an address must parse as one; names are checked for
    /// shape here and resolved later (NetworkSettingsBuilder).
    static func destinations(_ node: Node, at path: String, nodes: YAMLNodes) throws -> [NetworkConfig.Destination] {
        guard case .sequence(let seq) = node else {
            throw nodes.error(node, "\(path) must be a list of CIDRs or host names")
        }
        var result: [NetworkConfig.Destination] = []
        for (i, item) in seq.enumerated() {
            let text = try nodes.string(item, at: "\(path)[\(i)]")
            let origin = "\(nodes.file):\(item.mark?.line ?? 0)"
            if looksLikeAddress(text) {
                do {
                    result.append(NetworkConfig.Destination(.block(try CIDR.parse(text)), origin: origin))
                } catch {
                    throw nodes.error(item, "\(path)[\(i)]: \(error)")
                }
            } else if isHostName(text) {
                result.append(NetworkConfig.Destination(.host(text), origin: origin))
            } else {
                throw nodes.error(item, "\(path)[\(i)]: '\(text)' is neither a CIDR nor a host name")
            }
        }
        return result
    }

    /// A slash, a colon, or only digits and dots: meant as an address or block.
    static func looksLikeAddress(_ text: String) -> Bool {
        text.contains("/") || text.contains(":")
            || (!text.isEmpty && text.allSatisfy { $0 == "." || ($0.isASCII && $0.isNumber) })
    }

    /// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
    static func isHostName(_ text: String) -> Bool {
        var name = Substring(text)
        if name.hasSuffix(".") { name = name.dropLast() }
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    static func parsePolicy(_ node: Node, nodes: YAMLNodes) throws -> PolicyConfig {
        var policy = PolicyConfig()
        let known = ["name", "include_default", "import_sudoers", "rules", "abuse_rules", "merged_usr"]
        for (key, value) in try nodes.mapping(node, at: "policy", known: known) {
            switch key {
            case "name": policy.name = try nodes.string(value, at: "policy.name")
            case "include_default": policy.includeDefault = try nodes.bool(value, at: "policy.include_default")
            case "abuse_rules": policy.abuseRules = try nodes.bool(value, at: "policy.abuse_rules")
            case "import_sudoers":
                // One path or a list of paths.
                if case .sequence = value {
                    policy.importSudoers = try nodes.stringList(value, at: "policy.import_sudoers")
                } else {
                    policy.importSudoers = [try nodes.string(value, at: "policy.import_sudoers")]
                }
            case "rules":
                guard case .sequence(let seq) = value else {
                    throw nodes.error(value, "policy.rules must be a list of commands")
                }
                for (i, item) in seq.enumerated() {
                    let text = try nodes.string(item, at: "policy.rules[\(i)]")
                    policy.rules.append(PolicyConfig.Rule(text: text, origin: "\(nodes.file):\(item.mark?.line ?? 0)"))
                }
            case "merged_usr":
                let text = try nodes.string(value, at: "policy.merged_usr")
                switch text {
                case "auto": policy.mergedUsr = .auto
                case "true", "yes": policy.mergedUsr = .yes
                case "false", "no": policy.mergedUsr = .no
                default: throw nodes.error(value, "policy.merged_usr must be auto, true or false")
                }
            default:
                break
            }
        }
        return policy
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

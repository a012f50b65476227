// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import Yams

/// Parses the YAML configuration into `SensorConfig`: unknown keys and wrong
/// types are errors with line numbers; absent keys keep their defaults.
public enum ConfigLoader {
    public static func load(path: String) throws -> SensorConfig {
        try read(path: path).config
    }

    /// The file's configuration and where each key was written, for the checks
    /// made after parsing (`LoadedConfig.problem`).
    public static func read(path: String) throws -> LoadedConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: 0, column: 0, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: 0, column: 0, message: "the file is not UTF-8")
        }
        return try parseFile(text, file: path)
    }

    public static func parse(_ text: String, file: String = "<config>") throws -> SensorConfig {
        try parseFile(text, file: file).config
    }

    public static func parseFile(_ text: String, file: String = "<config>") throws -> LoadedConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw YAMLSyntaxError.configError(error, text: text, file: file)
        }
        guard let root, root != Node("") else { return LoadedConfig(file: file) }  // an empty file is all defaults
        return LoadedConfig(
            file: file, config: try parse(root, nodes: YAMLNodes(file: file)), positions: LoadedConfig.positions(root))
    }

    static func parse(_ root: Node, nodes: YAMLNodes) throws -> SensorConfig {
        var config = SensorConfig()
        for (key, value) in try nodes.mapping(root, ConfigKeys.TopLevel.self) {
            switch key {
            case .watchUsers:
                config.watchUsers = try nodes.stringList(value, at: key.path)
                if config.watchUsers.isEmpty { throw nodes.error(value, "\(key.path) must name at least one user") }
            case .engine:
                for (k, v) in try nodes.mapping(value, ConfigKeys.Engine.self) {
                    switch k {
                    case .processTableSize:
                        config.processTableSize = try nodes.int(v, at: k.path, range: 16...10_000_000)
                    }
                }
            case .policy: config.policy = try parsePolicy(value, nodes: nodes)
            case .alerts: config.alerts = try parseAlerts(value, nodes: nodes)
            case .network: config.network = try parseNetwork(value, nodes: nodes)
            case .mining: config.mining = try parseMining(value, nodes: nodes)
            case .service: config.service = try parseService(value, nodes: nodes)
            case .files: config.files = try parseFiles(value, nodes: nodes)
            case .tamper: config.tamper = try parseTamper(value, nodes: nodes)
            case .auth: config.auth = try parseAuth(value, nodes: nodes)
            case .bpf: config.bpf = try parseBPF(value, nodes: nodes)
            case .export: config.export = try parseExport(value, nodes: nodes)
            case .enforcement:
                for (k, v) in try nodes.mapping(value, ConfigKeys.Enforcement.self) {
                    switch k {
                    case .mode:
                        let text = try nodes.string(v, at: k.path)
                        guard let mode = EnforcementMode(rawValue: text) else {
                            let known = EnforcementMode.allCases.map(\.rawValue).joined(separator: ", ")
                            throw nodes.error(v, "\(k.path) must be one of \(known), not '\(text)'")
                        }
                        config.enforcementMode = mode
                    }
                }
            }
        }
        return config
    }

    /// `bpf.hooks`: each feature's rung checked as `--bpf-hook` checks it.
    static func parseBPF(_ node: Node, nodes: YAMLNodes) throws -> BPFConfig {
        var bpf = BPFConfig()
        for (key, value) in try nodes.mapping(node, ConfigKeys.BPF.self) {
            switch key {
            case .hooks:
                for (feature, rungNode) in try nodes.mapping(
                    value, at: key.path, known: FeatureTable.features.map(\.name))
                {
                    let path = "\(key.path).\(feature)"
                    let rung = try nodes.string(rungNode, at: path)
                    if let problem = FeaturePlanner.parseHooks(["\(feature)=\(rung)"]).problems.first {
                        let why =
                            problem.message.range(of: ": ").map { String(problem.message[$0.upperBound...]) }
                            ?? problem.message
                        throw nodes.error(rungNode, "\(path): \(why)")
                    }
                    if rung == "off", FeatureTable.feature(named: feature)?.required == true {
                        throw nodes.error(rungNode, "\(path): \(feature) is required and cannot be off")
                    }
                    bpf.hooks[feature] = rung
                }
            }
        }
        return bpf
    }

    static func parseExport(_ node: Node, nodes: YAMLNodes) throws -> ExportConfig {
        var export = ExportConfig()
        for (key, value) in try nodes.mapping(node, ConfigKeys.Export.self) {
            let path = key.path
            switch key {
            case .eventsFile:
                export.eventsFile = try nodes.string(value, at: path)  // empty turns the export off
                if !export.eventsFile.isEmpty, !export.eventsFile.hasPrefix("/") {
                    throw nodes.error(value, "\(path) must be an absolute path (or \"\" for no export)")
                }
            case .kinds:
                guard case .sequence(let seq) = value else { throw nodes.error(value, "\(path) must be a list") }
                export.kinds = try seq.enumerated().map { i, item in
                    let kind = try nodes.string(item, at: "\(path)[\(i)]")
                    guard Event.kindNames.contains(kind) else {
                        throw nodes.error(
                            item,
                            "\(path)[\(i)]: unknown event kind \"\(kind)\" (kinds: \(Event.kindNames.joined(separator: ", ")))"
                        )
                    }
                    return kind
                }
            case .watchedOnly: export.watchedOnly = try nodes.bool(value, at: path)
            case .maxBytes: export.maxBytes = try nodes.int(value, at: path, range: 4096...(1 << 40))
            case .keep: export.keep = try nodes.int(value, at: path, range: 0...100)
            }
        }
        return export
    }

    static func parseAlerts(_ node: Node, nodes: YAMLNodes) throws -> AlertsConfig {
        var alerts = AlertsConfig()
        for (key, value) in try nodes.mapping(node, ConfigKeys.Alerts.self) {
            let path = key.path
            switch key {
            case .logFile: alerts.logFile = try nodes.string(value, at: path)  // empty turns the log off
            case .spoolDir: alerts.spoolDirectory = try nodes.nonEmptyString(value, at: path)
            case .spoolMaxBytes: alerts.spoolMaxBytes = try nodes.int(value, at: path, range: 4096...(1 << 40))
            case .dedupWindowSeconds:
                alerts.dedupWindowSeconds = Double(try nodes.int(value, at: path, range: 1...86_400))
            case .stormPerRule: alerts.stormPerRule = try nodes.int(value, at: path, range: 1...10_000)
            case .discord: try parseDiscord(value, into: &alerts, nodes: nodes)
            }
        }
        return alerts
    }

    static func parseDiscord(_ node: Node, into alerts: inout AlertsConfig, nodes: YAMLNodes) throws {
        for (key, value) in try nodes.mapping(node, ConfigKeys.Discord.self) {
            let path = key.path
            switch key {
            case .webhookFile:
                // Empty is no file at all: `run` would fail to stat it, so say so here, with the line.
                alerts.discordWebhookFile = try nodes.nonEmptyString(
                    value, at: path, instead: "leave the key out for no webhook file")
            case .connectTimeoutSeconds:
                alerts.discordConnectTimeoutSeconds = Double(try nodes.int(value, at: path, range: 1...300))
            case .timeoutSeconds:
                alerts.discordTimeoutSeconds = Double(try nodes.int(value, at: path, range: 1...600))
            }
        }
    }

    static func parseService(_ node: Node, nodes: YAMLNodes) throws -> ServiceConfig {
        var service = ServiceConfig()
        for (key, value) in try nodes.mapping(node, ConfigKeys.Service.self) {
            let path = key.path
            switch key {
            case .stateFile: service.stateFile = try nodes.string(value, at: path)  // empty turns it off
            case .stateIntervalSeconds:
                service.stateIntervalSeconds = try nodes.int(value, at: path, range: 1...3600)
            case .metricsFile: service.metricsFile = try nodes.string(value, at: path)  // empty turns it off
            case .heartbeatHours: service.heartbeatHours = try nodes.int(value, at: path, range: 0...8760)
            case .postureCheckHours: service.postureCheckHours = try nodes.int(value, at: path, range: 0...8760)
            case .lockFile:
                service.lockFile = try nodes.string(value, at: path)
                // Never off: the lock is what keeps two sensors from running at once.
                if !service.lockFile.hasPrefix("/") { throw nodes.error(value, "\(path) must be an absolute path") }
            }
        }
        return service
    }

    static func parseNetwork(_ node: Node, nodes: YAMLNodes) throws -> NetworkConfig {
        var network = NetworkConfig()
        for (key, value) in try nodes.mapping(node, ConfigKeys.Network.self) {
            let path = key.path
            switch key {
            case .snapshotIntervalSeconds:
                network.snapshotIntervalSeconds = try nodes.int(value, at: path, range: 1...3600)
            case .allowPrivate: network.allowPrivate = try nodes.bool(value, at: path)
            case .watchedUserAllow: network.watchedUserAllow = try destinations(value, at: path, nodes: nodes)
            case .watchedUserAllowPrograms:
                guard case .sequence(let seq) = value else {
                    throw nodes.error(value, "\(path) must be a list of {program, parent} entries")
                }
                network.watchedUserAllowPrograms = try seq.enumerated().map { i, item in
                    try programAllowance(item, at: "\(path)[\(i)]", nodes: nodes)
                }
            case .trustedDestinations: network.trustedDestinations = try destinations(value, at: path, nodes: nodes)
            case .exfiltration: network.exfiltration = try parseExfiltration(value, nodes: nodes)
            }
        }
        return network
    }

    /// `{program: GLOB, parent: GLOB}`, both absolute and both required.
    static func programAllowance(_ node: Node, at path: String, nodes: YAMLNodes) throws -> ProgramAllowance {
        var program: String?
        var parent: String?
        for (key, value) in try nodes.mapping(node, ConfigKeys.ProgramAllowance.self, at: path) {
            let at = "\(path).\(key.rawValue)"
            let glob = try nodes.string(value, at: at)
            guard glob.hasPrefix("/") else {
                throw nodes.error(value, "\(at) must be an absolute path or glob (fnmatch, '*' does not cross '/')")
            }
            if key == .program { program = glob } else { parent = glob }
        }
        guard let program, let parent else {
            throw nodes.error(node, "\(path) needs a program and a parent (the parent must run as root)")
        }
        return ProgramAllowance(program: program, parent: parent, origin: "\(nodes.file):\(node.mark?.line ?? 0)")
    }

    static func parseExfiltration(_ node: Node, nodes: YAMLNodes) throws -> ExfiltrationConfig {
        var exfiltration = ExfiltrationConfig()
        for (key, value) in try nodes.mapping(node, ConfigKeys.Exfiltration.self) {
            let path = key.path
            switch key {
            case .windowSeconds: exfiltration.windowSeconds = try nodes.int(value, at: path, range: 1...604_800)
            case .bytesPerWindow: exfiltration.bytesPerWindow = try nodes.int(value, at: path, range: 0...(1 << 50))
            case .sustainedBytesPerSecond:
                exfiltration.sustainedBytesPerSecond = try nodes.int(value, at: path, range: 0...(1 << 40))
            case .sustainedSeconds: exfiltration.sustainedSeconds = try nodes.int(value, at: path, range: 0...86_400)
            case .allow: exfiltration.allow = try destinations(value, at: path, nodes: nodes)
            case .budgets: exfiltration.budgets = try budgets(value, at: path, nodes: nodes)
            }
        }
        return exfiltration
    }

    /// `[{horizon_seconds: 3600, bytes: 134217728}, …]`: both keys in every entry, each horizon once.
    static func budgets(_ node: Node, at path: String, nodes: YAMLNodes) throws -> [ByteBudget] {
        guard case .sequence(let seq) = node else {
            throw nodes.error(node, "\(path) must be a list of {horizon_seconds, bytes} entries")
        }
        var result: [ByteBudget] = []
        for (i, item) in seq.enumerated() {
            let itemPath = "\(path)[\(i)]"
            var horizon: Int?
            var bytes: Int?
            for (key, value) in try nodes.mapping(item, ConfigKeys.ExfiltrationBudget.self, at: itemPath) {
                let keyPath = "\(itemPath).\(key.rawValue)"
                switch key {
                case .horizonSeconds: horizon = try nodes.int(value, at: keyPath, range: 60...604_800)
                case .bytes: bytes = try nodes.int(value, at: keyPath, range: 1...(1 << 50))
                }
            }
            guard let horizon, let bytes else {
                throw nodes.error(item, "\(itemPath) needs both horizon_seconds and bytes")
            }
            if result.contains(where: { $0.horizonSeconds == UInt64(horizon) }) {
                throw nodes.error(
                    item, "\(itemPath): horizon_seconds \(horizon) is already given; one budget per horizon")
            }
            result.append(ByteBudget(horizonSeconds: UInt64(horizon), bytes: UInt64(bytes)))
        }
        return result
    }

    static func parseMining(_ node: Node, nodes: YAMLNodes) throws -> MiningConfig {
        var mining = MiningConfig()
        for (key, value) in try nodes.mapping(node, ConfigKeys.Mining.self) {
            let path = key.path
            switch key {
            case .enabled: mining.enabled = try nodes.bool(value, at: path)
            case .gpuBusyPercent: mining.gpuBusyPercent = try nodes.int(value, at: path, range: 1...100)
            case .gpuBusySeconds: mining.gpuBusySeconds = try nodes.int(value, at: path, range: 1...86_400)
            case .gpuIntervalSeconds: mining.gpuIntervalSeconds = try nodes.int(value, at: path, range: 1...3600)
            case .quietSeconds: mining.quietSeconds = try nodes.int(value, at: path, range: 1...604_800)
            case .allowedCgroups:
                mining.allowedCgroups = try intList(value, at: path, range: 1...Int.max, nodes: nodes).map {
                    UInt64($0)
                }
            case .allowedProcessNames:
                mining.allowedProcessNames = try nonEmptyStrings(value, at: path, nodes: nodes)
            case .extraMinerNames: mining.extraMinerNames = try nonEmptyStrings(value, at: path, nodes: nodes)
            case .extraPoolDomains:
                mining.extraPoolDomains = try nonEmptyStrings(value, at: path, nodes: nodes)
                guard case .sequence(let seq) = value else { break }
                for (i, item) in seq.enumerated() where !isHostName(mining.extraPoolDomains[i]) {
                    throw nodes.error(item, "\(path)[\(i)]: '\(mining.extraPoolDomains[i])' is not a host name")
                }
            case .extraPoolPorts:
                mining.extraPoolPorts = try intList(value, at: path, range: 1...65_535, nodes: nodes).map { UInt16($0) }
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
        for (key, value) in try nodes.mapping(node, ConfigKeys.Policy.self) {
            let path = key.path
            switch key {
            case .name: policy.name = try nodes.string(value, at: path)
            case .includeDefault: policy.includeDefault = try nodes.bool(value, at: path)
            case .abuseRules: policy.abuseRules = try nodes.bool(value, at: path)
            case .rootEquivalentGroups: policy.rootEquivalentGroups = try nonEmptyStrings(value, at: path, nodes: nodes)
            case .importSudoers:
                // One path or a list of paths; an empty one names no file.
                if case .sequence = value {
                    policy.importSudoers = try nonEmptyStrings(value, at: path, nodes: nodes)
                } else {
                    policy.importSudoers = [try nodes.nonEmptyString(value, at: path)]
                }
            case .rules:
                guard case .sequence(let seq) = value else {
                    throw nodes.error(value, "\(path) must be a list of commands")
                }
                for (i, item) in seq.enumerated() {
                    let text = try nodes.string(item, at: "\(path)[\(i)]")
                    policy.rules.append(PolicyConfig.Rule(text: text, origin: "\(nodes.file):\(item.mark?.line ?? 0)"))
                }
            case .runtimeSockets:
                let globs = try nodes.stringList(value, at: path)
                if case .sequence(let seq) = value {
                    for (i, item) in seq.enumerated() where !globs[i].hasPrefix("/") {
                        throw nodes.error(item, "\(path)[\(i)]: '\(globs[i])' must be an absolute path or glob")
                    }
                }
                policy.runtimeSockets = globs
            case .defaultChildProfiles: policy.defaultChildProfiles = try nodes.bool(value, at: path)
            case .childProfiles:
                guard case .sequence(let seq) = value else {
                    throw nodes.error(value, "\(path) must be a list of profiles ({command: CMND, allow: [CMND, …]})")
                }
                policy.childProfiles = try seq.enumerated().map { i, item in
                    try childProfile(item, at: "\(path)[\(i)]", nodes: nodes)
                }
            case .mergedUsr:
                let text = try nodes.string(value, at: path)
                switch text {
                case "auto": policy.mergedUsr = .auto
                case "true", "yes": policy.mergedUsr = .yes
                case "false", "no": policy.mergedUsr = .no
                default: throw nodes.error(value, "\(path) must be auto, true or false")
                }
            }
        }
        return policy
    }

    /// A sudoers Cmnd, as the policy will compile it: an error here has the line.
    static func checkCommand(_ text: String, _ node: Node, at path: String, nodes: YAMLNodes) throws {
        do {
            _ = try CommandSpec.parse(text, origin: path)
        } catch {
            throw nodes.error(node, "\(path): \(error.message) in '\(text)'")
        }
    }

    /// `{command: CMND, allow: [CMND, …]}`: both required, each a sudoers Cmnd.
    static func childProfile(_ node: Node, at path: String, nodes: YAMLNodes) throws -> PolicyConfig.ChildProfile {
        var command: String?
        var allow: [String]?
        var allowOrigins: [String] = []
        for (key, value) in try nodes.mapping(node, ConfigKeys.ChildProfile.self, at: path) {
            let at = "\(path).\(key.rawValue)"
            switch key {
            case .command:
                let text = try nodes.nonEmptyString(value, at: at)
                try checkCommand(text, value, at: at, nodes: nodes)
                command = text
            case .allow:
                guard case .sequence(let seq) = value else {
                    throw nodes.error(value, "\(at) must be a list of commands (sudoers Cmnd syntax)")
                }
                let list = try nonEmptyStrings(value, at: at, nodes: nodes)
                for (i, item) in seq.enumerated() { try checkCommand(list[i], item, at: "\(at)[\(i)]", nodes: nodes) }
                allow = list
                allowOrigins = seq.map { "\(nodes.file):\($0.mark?.line ?? 0)" }
            }
        }
        guard let command else {
            throw nodes.error(node, "\(path) needs a command: the allowed entries the profile applies to")
        }
        guard let allow else {
            throw nodes.error(node, "\(path) needs allow: what those entries may start as root")
        }
        return PolicyConfig.ChildProfile(
            command: command, allow: allow, origin: "\(nodes.file):\(node.mark?.line ?? 0)", allowOrigins: allowOrigins)
    }
}

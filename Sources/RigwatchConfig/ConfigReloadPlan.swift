// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// What a reload (SIGHUP) does with a newly read configuration, key by key.
///
/// Most keys change live. A few are fixed for the life of the process: they size
/// the engine's tables, name files held open, decide which detectors exist, or are
/// the lock that identifies the instance. For those the running value stays and the
/// change is reported as taking a restart, so the operator is never left guessing.
/// Pure: the CLI builds and applies what the plan's `config` says.
public struct ConfigReloadPlan: Equatable, Sendable {
    /// One key whose value differs between the running and the new configuration.
    public struct Change: Equatable, Sendable, CustomStringConvertible {
        public var key: String
        public var before: String
        public var after: String

        public var description: String { "\(key) \(before) → \(after)" }
    }

    /// The configuration to run with: the new one, restart-only keys kept as they run.
    public private(set) var config: SensorConfig
    /// Live keys that change now.
    public private(set) var applied: [Change] = []
    /// Restart-only keys whose new value waits for the next start.
    public private(set) var needsRestart: [Change] = []

    /// `commandLine`: keys the command line overrides (e.g. `watch_users` with
    /// `--watch-user`); their values in the file do not matter and are not reported.
    public init(running: SensorConfig, loaded: SensorConfig, commandLine: Set<String> = []) {
        config = loaded
        for field in Self.restartOnly {
            if !commandLine.contains(field.key), let change = field.change(running, loaded) {
                needsRestart.append(change)
            }
            field.keep(&config, running)
        }
        for field in Self.live {
            if let change = field.change(running, loaded) { applied.append(change) }
        }
    }

    /// The keys that take a restart, for documentation and tests.
    public static var restartOnlyKeys: [String] { restartOnly.map(\.key) }

    /// The keys that change live, for documentation and tests.
    public static var liveKeys: [String] { live.map(\.key) }

    // MARK: - The keys

    struct Field: Sendable {
        let key: String
        let value: @Sendable (SensorConfig) -> String
        /// Copies the running value into the new configuration (restart-only keys).
        let keep: @Sendable (inout SensorConfig, SensorConfig) -> Void

        init(
            _ key: some ConfigKey, _ value: @escaping @Sendable (SensorConfig) -> String,
            keep: @escaping @Sendable (inout SensorConfig, SensorConfig) -> Void = { _, _ in }
        ) {
            self.key = key.path
            self.value = value
            self.keep = keep
        }

        func change(_ a: SensorConfig, _ b: SensorConfig) -> Change? {
            let before = value(a)
            let after = value(b)
            return before == after ? nil : Change(key: key, before: before, after: after)
        }
    }

    /// Restart-only: the process table is sized at start; network snapshots are timed
    /// by the sensor loop; the mining detector and GPU sampler exist or not from the start;
    /// the alert log and the spool are open files; the lock identifies this instance.
    static let restartOnly: [Field] = [
        Field(ConfigKeys.TopLevel.watchUsers, { list($0.watchUsers) }, keep: { $0.watchUsers = $1.watchUsers }),
        Field(
            ConfigKeys.Engine.processTableSize, { "\($0.processTableSize)" },
            keep: { $0.processTableSize = $1.processTableSize }),
        Field(
            ConfigKeys.Network.snapshotIntervalSeconds, { "\($0.network.snapshotIntervalSeconds)" },
            keep: { $0.network.snapshotIntervalSeconds = $1.network.snapshotIntervalSeconds }),
        Field(ConfigKeys.Mining.enabled, { "\($0.mining.enabled)" }, keep: { $0.mining.enabled = $1.mining.enabled }),
        Field(ConfigKeys.Alerts.logFile, { text($0.alerts.logFile) }, keep: { $0.alerts.logFile = $1.alerts.logFile }),
        Field(
            ConfigKeys.Alerts.spoolDir, { text($0.alerts.spoolDirectory) },
            keep: { $0.alerts.spoolDirectory = $1.alerts.spoolDirectory }),
        Field(
            ConfigKeys.Alerts.spoolMaxBytes, { "\($0.alerts.spoolMaxBytes)" },
            keep: { $0.alerts.spoolMaxBytes = $1.alerts.spoolMaxBytes }),
        Field(
            ConfigKeys.Service.lockFile, { text($0.service.lockFile) },
            keep: { $0.service.lockFile = $1.service.lockFile }),
        // Whether the file-change and tamper detectors exist, and the self-check's timer.
        Field(ConfigKeys.Files.enabled, { "\($0.files.enabled)" }, keep: { $0.files.enabled = $1.files.enabled }),
        Field(ConfigKeys.Tamper.enabled, { "\($0.tamper.enabled)" }, keep: { $0.tamper.enabled = $1.tamper.enabled }),
        Field(
            ConfigKeys.Tamper.integrityCheckSeconds, { "\($0.tamper.integrityCheckSeconds)" },
            keep: { $0.tamper.integrityCheckSeconds = $1.tamper.integrityCheckSeconds }),
        // Whether the multicast reader exists.
        Field(ConfigKeys.Auth.enabled, { "\($0.auth.enabled)" }, keep: { $0.auth.enabled = $1.auth.enabled }),
        // The feature plan is made once, when the programs load.
        Field(
            ConfigKeys.BPF.hooks, { list($0.bpf.hooks.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }) },
            keep: { $0.bpf.hooks = $1.bpf.hooks }),
    ]

    static let live: [Field] = [
        Field(ConfigKeys.Auth.failures, { "\($0.auth.failures)" }),
        Field(ConfigKeys.Auth.windowSeconds, { "\($0.auth.windowSeconds)" }),
        Field(
            ConfigKeys.Auth.allowedAddresses,
            { list($0.auth.allowedAddresses.sorted { $0.key < $1.key }.map { "\($0.key)=\(list($0.value))" }) }),
        Field(ConfigKeys.Policy.name, { $0.policy.name.map(text) ?? "(from the sources)" }),
        Field(ConfigKeys.Policy.includeDefault, { "\($0.policy.includeDefault)" }),
        Field(ConfigKeys.Policy.importSudoers, { list($0.policy.importSudoers) }),
        Field(ConfigKeys.Policy.rules, { list($0.policy.rules.map(\.text)) }),
        Field(ConfigKeys.Policy.abuseRules, { "\($0.policy.abuseRules)" }),
        Field(ConfigKeys.Policy.mergedUsr, { $0.policy.mergedUsr.rawValue }),
        Field(ConfigKeys.Policy.runtimeSockets, { list($0.policy.runtimeSockets) }),
        Field(ConfigKeys.Policy.defaultChildProfiles, { "\($0.policy.defaultChildProfiles)" }),
        Field(
            ConfigKeys.Policy.childProfiles,
            { list($0.policy.childProfiles.map { "{command: \($0.command), allow: \(list($0.allow))}" }) }),
        Field(ConfigKeys.Policy.rootEquivalentGroups, { list($0.policy.rootEquivalentGroups) }),
        Field(ConfigKeys.Network.allowPrivate, { "\($0.network.allowPrivate)" }),
        Field(ConfigKeys.Network.watchedUserAllow, { destinations($0.network.watchedUserAllow) }),
        Field(
            ConfigKeys.Network.watchedUserAllowPrograms,
            { list($0.network.watchedUserAllowPrograms.map { "{program: \($0.program), parent: \($0.parent)}" }) }),
        Field(ConfigKeys.Network.trustedDestinations, { destinations($0.network.trustedDestinations) }),
        Field(ConfigKeys.Exfiltration.windowSeconds, { "\($0.network.exfiltration.windowSeconds)" }),
        Field(ConfigKeys.Exfiltration.bytesPerWindow, { "\($0.network.exfiltration.bytesPerWindow)" }),
        Field(
            ConfigKeys.Exfiltration.sustainedBytesPerSecond, { "\($0.network.exfiltration.sustainedBytesPerSecond)" }),
        Field(ConfigKeys.Exfiltration.sustainedSeconds, { "\($0.network.exfiltration.sustainedSeconds)" }),
        Field(ConfigKeys.Exfiltration.allow, { destinations($0.network.exfiltration.allow) }),
        Field(ConfigKeys.Exfiltration.budgets, { list($0.network.exfiltration.budgets.map(\.description)) }),
        Field(ConfigKeys.Mining.gpuIntervalSeconds, { "\($0.mining.gpuIntervalSeconds)" }),
        Field(ConfigKeys.Mining.gpuBusyPercent, { "\($0.mining.gpuBusyPercent)" }),
        Field(ConfigKeys.Mining.gpuBusySeconds, { "\($0.mining.gpuBusySeconds)" }),
        Field(ConfigKeys.Mining.quietSeconds, { "\($0.mining.quietSeconds)" }),
        Field(ConfigKeys.Mining.allowedCgroups, { list($0.mining.allowedCgroups.map(String.init)) }),
        Field(ConfigKeys.Mining.allowedProcessNames, { list($0.mining.allowedProcessNames) }),
        Field(ConfigKeys.Mining.extraMinerNames, { list($0.mining.extraMinerNames) }),
        Field(ConfigKeys.Mining.extraPoolDomains, { list($0.mining.extraPoolDomains) }),
        Field(ConfigKeys.Mining.extraPoolPorts, { list($0.mining.extraPoolPorts.map(String.init)) }),
        Field(ConfigKeys.Alerts.dedupWindowSeconds, { number($0.alerts.dedupWindowSeconds) }),
        Field(ConfigKeys.Alerts.stormPerRule, { "\($0.alerts.stormPerRule)" }),
        Field(ConfigKeys.Discord.webhookFile, { $0.alerts.discordWebhookFile.map(text) ?? "none" }),
        Field(ConfigKeys.Discord.connectTimeoutSeconds, { number($0.alerts.discordConnectTimeoutSeconds) }),
        Field(ConfigKeys.Discord.timeoutSeconds, { number($0.alerts.discordTimeoutSeconds) }),
        Field(ConfigKeys.Service.stateFile, { text($0.service.stateFile) }),
        Field(ConfigKeys.Service.stateIntervalSeconds, { "\($0.service.stateIntervalSeconds)" }),
        Field(ConfigKeys.Service.metricsFile, { text($0.service.metricsFile) }),
        Field(ConfigKeys.Service.heartbeatHours, { "\($0.service.heartbeatHours)" }),
        Field(ConfigKeys.Service.postureCheckHours, { "\($0.service.postureCheckHours)" }),
        Field(ConfigKeys.Files.paths, { list($0.files.paths) }),
        Field(ConfigKeys.Files.defaultMaintenance, { "\($0.files.defaultMaintenance)" }),
        Field(ConfigKeys.Files.maintenance, { list($0.files.maintenance.map(maintenanceText)) }),
        Field(ConfigKeys.Export.eventsFile, { text($0.export.eventsFile) }),
        Field(ConfigKeys.Export.kinds, { list($0.export.kinds) }),
        Field(ConfigKeys.Export.watchedOnly, { "\($0.export.watchedOnly)" }),
        Field(ConfigKeys.Export.maxBytes, { "\($0.export.maxBytes)" }),
        Field(ConfigKeys.Export.keep, { "\($0.export.keep)" }),
        Field(ConfigKeys.Enforcement.mode, { $0.enforcementMode.rawValue }),
    ]

    static func maintenanceText(_ rule: MaintenanceRule) -> String {
        "{path: \(rule.path ?? "any"), program: \(rule.program ?? "any"), lineage: \(rule.lineage.rawValue)"
            + (rule.below.map { ", below: \($0)}" } ?? "}")
    }

    static func list(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

    /// Empty strings (a file turned off) stay visible.
    static func text(_ s: String) -> String { s.isEmpty ? "\"\"" : s }

    static func number(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)" }

    static func destinations(_ list: [NetworkConfig.Destination]) -> String {
        Self.list(
            list.map {
                switch $0.target {
                case .block(let cidr): return "\(cidr)"
                case .host(let name): return name
                }
            })
    }
}

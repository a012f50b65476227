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

    // MARK: - The keys

    struct Field: Sendable {
        let key: String
        let value: @Sendable (SensorConfig) -> String
        /// Copies the running value into the new configuration (restart-only keys).
        let keep: @Sendable (inout SensorConfig, SensorConfig) -> Void

        init(
            _ key: String, _ value: @escaping @Sendable (SensorConfig) -> String,
            keep: @escaping @Sendable (inout SensorConfig, SensorConfig) -> Void = { _, _ in }
        ) {
            self.key = key
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
        Field("watch_users", { list($0.watchUsers) }, keep: { $0.watchUsers = $1.watchUsers }),
        Field(
            "engine.process_table_size", { "\($0.processTableSize)" },
            keep: { $0.processTableSize = $1.processTableSize }),
        Field(
            "network.snapshot_interval_seconds", { "\($0.network.snapshotIntervalSeconds)" },
            keep: { $0.network.snapshotIntervalSeconds = $1.network.snapshotIntervalSeconds }),
        Field("mining.enabled", { "\($0.mining.enabled)" }, keep: { $0.mining.enabled = $1.mining.enabled }),
        Field("alerts.log_file", { text($0.alerts.logFile) }, keep: { $0.alerts.logFile = $1.alerts.logFile }),
        Field(
            "alerts.spool_dir", { text($0.alerts.spoolDirectory) },
            keep: { $0.alerts.spoolDirectory = $1.alerts.spoolDirectory }),
        Field(
            "alerts.spool_max_bytes", { "\($0.alerts.spoolMaxBytes)" },
            keep: { $0.alerts.spoolMaxBytes = $1.alerts.spoolMaxBytes }),
        Field("service.lock_file", { text($0.service.lockFile) }, keep: { $0.service.lockFile = $1.service.lockFile }),
        // Whether the file-change and tamper detectors exist, and the self-check's timer.
        Field("files.enabled", { "\($0.files.enabled)" }, keep: { $0.files.enabled = $1.files.enabled }),
        Field("tamper.enabled", { "\($0.tamper.enabled)" }, keep: { $0.tamper.enabled = $1.tamper.enabled }),
        Field(
            "tamper.integrity_check_seconds", { "\($0.tamper.integrityCheckSeconds)" },
            keep: { $0.tamper.integrityCheckSeconds = $1.tamper.integrityCheckSeconds }),
        // The feature plan is made once, when the programs load.
        Field(
            "bpf.hooks", { list($0.bpf.hooks.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }) },
            keep: { $0.bpf.hooks = $1.bpf.hooks }),
    ]

    static let live: [Field] = [
        Field("policy.name", { $0.policy.name.map(text) ?? "(from the sources)" }),
        Field("policy.include_default", { "\($0.policy.includeDefault)" }),
        Field("policy.import_sudoers", { list($0.policy.importSudoers) }),
        Field("policy.rules", { list($0.policy.rules.map(\.text)) }),
        Field("policy.abuse_rules", { "\($0.policy.abuseRules)" }),
        Field("policy.merged_usr", { $0.policy.mergedUsr.rawValue }),
        Field("network.allow_private", { "\($0.network.allowPrivate)" }),
        Field("network.watched_user_allow", { destinations($0.network.watchedUserAllow) }),
        Field("network.exfiltration.window_seconds", { "\($0.network.exfiltration.windowSeconds)" }),
        Field("network.exfiltration.bytes_per_window", { "\($0.network.exfiltration.bytesPerWindow)" }),
        Field(
            "network.exfiltration.sustained_bytes_per_second", { "\($0.network.exfiltration.sustainedBytesPerSecond)" }),
        Field("network.exfiltration.sustained_seconds", { "\($0.network.exfiltration.sustainedSeconds)" }),
        Field("network.exfiltration.allow", { destinations($0.network.exfiltration.allow) }),
        Field("mining.gpu_interval_seconds", { "\($0.mining.gpuIntervalSeconds)" }),
        Field("mining.gpu_busy_percent", { "\($0.mining.gpuBusyPercent)" }),
        Field("mining.gpu_busy_seconds", { "\($0.mining.gpuBusySeconds)" }),
        Field("mining.quiet_seconds", { "\($0.mining.quietSeconds)" }),
        Field("mining.allowed_cgroups", { list($0.mining.allowedCgroups.map(String.init)) }),
        Field("mining.allowed_process_names", { list($0.mining.allowedProcessNames) }),
        Field("mining.extra_miner_names", { list($0.mining.extraMinerNames) }),
        Field("mining.extra_pool_domains", { list($0.mining.extraPoolDomains) }),
        Field("mining.extra_pool_ports", { list($0.mining.extraPoolPorts.map(String.init)) }),
        Field("alerts.dedup_window_seconds", { number($0.alerts.dedupWindowSeconds) }),
        Field("alerts.storm_per_rule", { "\($0.alerts.stormPerRule)" }),
        Field("alerts.discord.webhook_file", { $0.alerts.discordWebhookFile.map(text) ?? "none" }),
        Field("alerts.discord.connect_timeout_seconds", { number($0.alerts.discordConnectTimeoutSeconds) }),
        Field("alerts.discord.timeout_seconds", { number($0.alerts.discordTimeoutSeconds) }),
        Field("service.state_file", { text($0.service.stateFile) }),
        Field("service.state_interval_seconds", { "\($0.service.stateIntervalSeconds)" }),
        Field("service.metrics_file", { text($0.service.metricsFile) }),
        Field("service.heartbeat_hours", { "\($0.service.heartbeatHours)" }),
        Field("files.paths", { list($0.files.paths) }),
        Field("files.default_maintenance", { "\($0.files.defaultMaintenance)" }),
        Field("files.maintenance", { list($0.files.maintenance.map(maintenanceText)) }),
    ]

    static func maintenanceText(_ rule: MaintenanceRule) -> String {
        "{path: \(rule.path ?? "any"), program: \(rule.program ?? "any"), lineage: \(rule.lineage.rawValue)}"
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

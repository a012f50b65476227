// SPDX-License-Identifier: Apache-2.0
/// One section's keys. The raw value is the key's YAML name; the loader's
/// known-key lists, its error paths and the reload plan's fields all come from
/// here, so each name is spelled once. Case order is the order errors list them in.
public protocol ConfigKey: RawRepresentable, CaseIterable, Sendable where RawValue == String {
    /// The dotted path of the mapping the keys sit in: "alerts.discord"; "" at the top level.
    static var section: String { get }
}

extension ConfigKey {
    /// The path errors and the reload plan name the key by: "alerts.dedup_window_seconds".
    public var path: String { Self.section.isEmpty ? rawValue : "\(Self.section).\(rawValue)" }

    /// The YAML names, in case order: the section's known keys.
    public static var names: [String] { allCases.map(\.rawValue) }

    /// Every key's path, in case order.
    public static var paths: [String] { allCases.map(\.path) }
}

/// Every key of the configuration file, section by section.
public enum ConfigKeys {
    public enum TopLevel: String, ConfigKey {
        case watchUsers = "watch_users"
        case engine, policy, alerts, network, mining, service, files, tamper, auth, bpf, export, enforcement
        public static var section: String { "" }
    }

    public enum Engine: String, ConfigKey {
        case processTableSize = "process_table_size"
        public static var section: String { TopLevel.engine.path }
    }

    public enum Policy: String, ConfigKey {
        case name
        case includeDefault = "include_default"
        case importSudoers = "import_sudoers"
        case rules
        case abuseRules = "abuse_rules"
        case mergedUsr = "merged_usr"
        case runtimeSockets = "runtime_sockets"
        case defaultChildProfiles = "default_child_profiles"
        case childProfiles = "child_profiles"
        case rootEquivalentGroups = "root_equivalent_groups"
        public static var section: String { TopLevel.policy.path }
    }

    /// The keys of one profile in the `policy.child_profiles` list; errors name them by
    /// the profile's index ("policy.child_profiles[1].allow").
    public enum ChildProfile: String, ConfigKey {
        case command, allow
        public static var section: String { Policy.childProfiles.path + "[]" }
    }

    public enum Alerts: String, ConfigKey {
        case logFile = "log_file"
        case spoolDir = "spool_dir"
        case spoolMaxBytes = "spool_max_bytes"
        case dedupWindowSeconds = "dedup_window_seconds"
        case stormPerRule = "storm_per_rule"
        case discord
        public static var section: String { TopLevel.alerts.path }
    }

    public enum Discord: String, ConfigKey {
        case webhookFile = "webhook_file"
        case connectTimeoutSeconds = "connect_timeout_seconds"
        case timeoutSeconds = "timeout_seconds"
        public static var section: String { Alerts.discord.path }
    }

    public enum Network: String, ConfigKey {
        case snapshotIntervalSeconds = "snapshot_interval_seconds"
        case exfiltration
        case allowPrivate = "allow_private"
        case watchedUserAllow = "watched_user_allow"
        case watchedUserAllowPrograms = "watched_user_allow_programs"
        case trustedDestinations = "trusted_destinations"
        public static var section: String { TopLevel.network.path }
    }

    /// The keys of one entry of the `network.watched_user_allow_programs` list.
    public enum ProgramAllowance: String, ConfigKey {
        case program, parent
        public static var section: String { Network.watchedUserAllowPrograms.path + "[]" }
    }

    public enum Exfiltration: String, ConfigKey {
        case windowSeconds = "window_seconds"
        case bytesPerWindow = "bytes_per_window"
        case sustainedBytesPerSecond = "sustained_bytes_per_second"
        case sustainedSeconds = "sustained_seconds"
        case allow
        case budgets
        public static var section: String { Network.exfiltration.path }
    }

    /// The keys of one entry of the `network.exfiltration.budgets` list; errors name
    /// them by the entry's index ("network.exfiltration.budgets[1].bytes").
    public enum ExfiltrationBudget: String, ConfigKey {
        case horizonSeconds = "horizon_seconds"
        case bytes
        public static var section: String { Exfiltration.budgets.path + "[]" }
    }

    public enum Mining: String, ConfigKey {
        case enabled
        case gpuBusyPercent = "gpu_busy_percent"
        case gpuBusySeconds = "gpu_busy_seconds"
        case gpuIntervalSeconds = "gpu_interval_seconds"
        case quietSeconds = "quiet_seconds"
        case allowedCgroups = "allowed_cgroups"
        case allowedProcessNames = "allowed_process_names"
        case extraMinerNames = "extra_miner_names"
        case extraPoolDomains = "extra_pool_domains"
        case extraPoolPorts = "extra_pool_ports"
        public static var section: String { TopLevel.mining.path }
    }

    public enum Service: String, ConfigKey {
        case stateFile = "state_file"
        case stateIntervalSeconds = "state_interval_seconds"
        case metricsFile = "metrics_file"
        case heartbeatHours = "heartbeat_hours"
        case postureCheckHours = "posture_check_hours"
        case lockFile = "lock_file"
        public static var section: String { TopLevel.service.path }
    }

    public enum Files: String, ConfigKey {
        case enabled, paths
        case defaultMaintenance = "default_maintenance"
        case maintenance
        public static var section: String { TopLevel.files.path }
    }

    /// The keys of one rule in the `files.maintenance` list; errors name them by
    /// the rule's index ("files.maintenance[2].lineage"), not by `path`.
    public enum MaintenanceRule: String, ConfigKey {
        case path, program, lineage, below
        public static var section: String { Files.maintenance.path + "[]" }
    }

    public enum Tamper: String, ConfigKey {
        case enabled
        case integrityCheckSeconds = "integrity_check_seconds"
        public static var section: String { TopLevel.tamper.path }
    }

    public enum Auth: String, ConfigKey {
        case enabled, failures
        case windowSeconds = "window_seconds"
        case allowedAddresses = "allowed_addresses"
        public static var section: String { TopLevel.auth.path }
    }

    public enum Enforcement: String, ConfigKey {
        case mode
        public static var section: String { TopLevel.enforcement.path }
    }

    /// `bpf.hooks` holds one key per feature, named by the feature table.
    public enum BPF: String, ConfigKey {
        case hooks
        public static var section: String { TopLevel.bpf.path }
    }

    public enum Export: String, ConfigKey {
        case eventsFile = "events_file"
        case kinds
        case watchedOnly = "watched_only"
        case maxBytes = "max_bytes"
        case keep
        public static var section: String { TopLevel.export.path }
    }

    /// Every section whose keys are fixed names (not the rules of a list).
    static var sections: [any ConfigKey.Type] {
        [
            TopLevel.self, Engine.self, Policy.self, Alerts.self, Discord.self, Network.self, Exfiltration.self,
            Mining.self, Service.self, Files.self, Tamper.self, Auth.self, BPF.self, Export.self,
            Enforcement.self,
        ]
    }

    /// The path of every key that holds a value rather than a section: what a
    /// reload must classify as live or restart-only. A list's items and the
    /// features under `bpf.hooks` belong to the key that holds them.
    public static var valuePaths: [String] {
        let sectionPaths = Set(sections.map { $0.section })
        return sections.flatMap { $0.paths }.filter { !sectionPaths.contains($0) }
    }
}

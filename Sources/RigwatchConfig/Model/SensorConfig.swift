// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// The whole configuration as plain values (parsed from YAML by SensorConfig).
/// Every key is optional; these defaults are documented in README.md.
public struct SensorConfig: Equatable, Sendable {
    /// Users whose process lineage is watched (names or numeric uids).
    public var watchUsers: [String] = ["vastai_kaalia"]
    /// Bound on the engine's process table.
    public var processTableSize: Int = 65_536
    public var policy = PolicyConfig()
    public var alerts = AlertsConfig()
    public var network = NetworkConfig()
    public var mining = MiningConfig()
    public var service = ServiceConfig()
    public var files = FilesConfig()
    public var tamper = TamperConfig()
    public var auth = AuthConfig()
    public var bpf = BPFConfig()
    public var export = ExportConfig()
    /// `enforcement.mode` (off): audit or deny judge the watched lineages' root execs in
    /// the kernel (see EnforcementMode); live on reload.
    public var enforcementMode = EnforcementMode.off

    public init() {}
}

/// `bpf:` — the BPF source.
public struct BPFConfig: Equatable, Sendable {
    /// `hooks` ({}): feature → forced rung or `off`, as `--bpf-hook FEATURE=RUNG`
    /// (which wins per feature). Checked against the feature table when parsed.
    public var hooks: [String: String] = [:]

    public init() {}
}

/// `service:` — health of the running sensor: state file, metrics, heartbeat.
public struct ServiceConfig: Equatable, Sendable {
    /// `state_file` (/var/lib/rigwatch/state.json): read by `rigwatch status`; empty turns it off.
    public var stateFile = "/var/lib/rigwatch/state.json"
    /// `state_interval_seconds` (5): how often the state file and the metrics file are rewritten.
    public var stateIntervalSeconds = 5
    /// `metrics_file` (/var/lib/prometheus/node-exporter/rigwatch.prom): Prometheus textfile; empty turns it off.
    public var metricsFile = "/var/lib/prometheus/node-exporter/rigwatch.prom"
    /// `heartbeat_hours` (0 = off): a `sensor-heartbeat` alert every N hours, and `sensor-stopping` on a clean stop.
    public var heartbeatHours = 0
    /// `posture_check_hours` (24; 0 = off): the `check-host` checks at start and every N hours,
    /// a `host-posture` alert for each finding (low and above) not seen in the run before. On by
    /// default: a host left in the state the whitelist was meant to fix should say so unasked.
    public var postureCheckHours = 24
    /// `lock_file` (/run/rigwatch/rigwatch.lock): held (flock) by the running sensor, so a second `run` refuses to start.
    public var lockFile = "/run/rigwatch/rigwatch.lock"

    public init() {}
}

/// `mining:` — the GPU sampler and the crypto-mining detector.
public struct MiningConfig: Equatable, Sendable {
    /// `enabled` (true): false turns the detector and the GPU sampler off.
    public var enabled = true
    /// `gpu_busy_percent` (80): GPU utilization counted as busy.
    public var gpuBusyPercent = 80
    /// `gpu_busy_seconds` (60): how long busy, with nothing allowed running, before it is a signal.
    public var gpuBusySeconds = 60
    /// `gpu_interval_seconds` (2): the GPU sampler's interval.
    public var gpuIntervalSeconds = 2
    /// `quiet_seconds` (600): an incident with no new signal for this long is over.
    public var quietSeconds = 600
    /// `allowed_cgroups` ([]): cgroup ids of containers whose GPU use is legitimate.
    public var allowedCgroups: [UInt64] = []
    /// `allowed_process_names` ([]): process names (exe basename or comm) whose GPU use is legitimate.
    public var allowedProcessNames: [String] = []
    /// `extra_miner_names`, `extra_pool_domains`, `extra_pool_ports` ([]): added to the built-in signatures.
    public var extraMinerNames: [String] = []
    public var extraPoolDomains: [String] = []
    public var extraPoolPorts: [UInt16] = []

    public init() {}

    /// The detector's settings, or nil when mining detection is off.
    public var settings: MiningSettings? {
        guard enabled else { return nil }
        let signatures = MiningSignatures.standard.extended(
            minerNames: extraMinerNames, poolDomains: extraPoolDomains,
            poolPorts: extraPoolPorts)
        return MiningSettings(
            busyPercent: UInt32(clamping: gpuBusyPercent), busySeconds: UInt64(clamping: gpuBusySeconds),
            allowedCgroups: allowedCgroups, allowedProcessNames: allowedProcessNames,
            signatures: signatures, quietSeconds: UInt64(clamping: quietSeconds))
    }
}

/// `network:` — outbound connections and bytes sent (exfiltration detectors).
public struct NetworkConfig: Equatable, Sendable {
    /// `snapshot_interval_seconds` (5): how often the kernel byte map is read and reset.
    public var snapshotIntervalSeconds = 5
    /// `exfiltration:` thresholds and allowlist.
    public var exfiltration = ExfiltrationConfig()
    /// `allow_private` (true): RFC 1918, 100.64/10, link-local and fc00::/7 destinations are not judged.
    public var allowPrivate = true
    /// `watched_user_allow` ([]): where the watched users' processes may connect (CIDRs or host names).
    public var watchedUserAllow: [Destination] = []
    /// `watched_user_allow_programs` (apt's fetch methods below a root apt-get or apt): programs
    /// whose connects are not judged by destination; a list given replaces the defaults.
    public var watchedUserAllowPrograms: [ProgramAllowance] = ProgramAllowance.defaults
    /// `trusted_destinations` ([]): peers no network detector counts or judges (the host's LAN
    /// peers, say); the only way to keep private and CGNAT destinations out of the budgets.
    public var trustedDestinations: [Destination] = []

    /// One allowlist entry: an address block, or a host name resolved when the settings are built.
    public struct Destination: Equatable, Sendable {
        public enum Target: Equatable, Sendable {
            case block(CIDR)
            case host(String)
        }

        public var target: Target
        /// Where it was written ("file:line"), for warnings about names that do not resolve.
        public var origin: String

        public init(_ target: Target, origin: String) {
            self.target = target
            self.origin = origin
        }
    }

    public init() {}
}

/// `network.exfiltration:` — either threshold raises the alert; 0 turns one off.
public struct ExfiltrationConfig: Equatable, Sendable {
    /// `window_seconds` (600): the sliding window, and the least time between alerts of one subject and destination.
    public var windowSeconds = 600
    /// `bytes_per_window` (1073741824 = 1 GiB) to one destination within a window.
    public var bytesPerWindow = 1 << 30
    /// `sustained_bytes_per_second` (20000000) kept up for ...
    public var sustainedBytesPerSecond = 20_000_000
    /// ... `sustained_seconds` (60).
    public var sustainedSeconds = 60
    /// `allow` ([]): destinations never counted (CIDRs or host names).
    public var allow: [NetworkConfig.Destination] = []
    /// `budgets` (1 h: 128 MiB, 24 h: 512 MiB): long-horizon byte budgets per watched
    /// lineage and destination block; `[]` turns them off.
    public var budgets: [ByteBudget] = ByteBudget.defaults

    public init() {}
}

/// `alerts:` — where alerts go.
public struct AlertsConfig: Equatable, Sendable {
    /// JSON Lines alert log (every alert, 0600).
    public var logFile = "/var/log/rigwatch/alerts.jsonl"
    /// Durable delivery queue (0700 directory, 0600 files).
    public var spoolDirectory = "/var/lib/rigwatch/spool"
    public var spoolMaxBytes = 64 << 20
    /// Repeats of one dedup key within this window become one message.
    public var dedupWindowSeconds: Double = 60
    /// Distinct alerts of one rule sent individually per window; the rest are summarised.
    public var stormPerRule = 20
    /// File holding the Discord webhook URL (root-owned, 0600); RIGWATCH_DISCORD_WEBHOOK wins.
    public var discordWebhookFile: String?
    public var discordConnectTimeoutSeconds: Double = 5
    public var discordTimeoutSeconds: Double = 15

    public init() {}
}

/// `policy:` — the whitelist for the watched users' privileged execs.
public struct PolicyConfig: Equatable, Sendable {
    public enum MergedUsr: String, Equatable, Sendable {
        /// Detect from the host (/bin is a symlink to usr/bin).
        case auto
        case yes
        case no
    }

    /// Name shown in alerts; default: derived from the sources.
    public var name: String?
    /// Include the built-in default policy (the Vast.ai profile).
    public var includeDefault = true
    /// sudoers files to import unchanged (rules for the watched users only).
    public var importSudoers: [String] = []
    /// Extra rules in sudoers Cmnd syntax, each with where it was written ("file:line").
    public var rules: [Rule] = []
    /// Argument-abuse rules on every privileged exec in a watched lineage.
    public var abuseRules = true
    /// /bin and /usr/bin name the same files (sudo matches them by inode).
    public var mergedUsr = MergedUsr.auto
    /// Globs of container runtimes' API sockets: a watched lineage connecting to one
    /// is root-equivalent (`root-equivalent-runtime-socket`). Empty: the check is off.
    public var runtimeSockets = RuntimeSocketSettings.defaultPaths
    /// The built-in child profiles (`DefaultChildProfiles`): what the daemon's allowed commands start.
    public var defaultChildProfiles = true
    /// More child profiles, added to the built-in ones.
    public var childProfiles: [ChildProfile] = []

    /// What an allowed entry matching `command` may start as root (sudoers Cmnd syntax, each).
    public struct ChildProfile: Equatable, Sendable {
        public var command: String
        public var allow: [String]
        /// "file:line" of the profile, and of each `allow` item.
        public var origin: String
        public var allowOrigins: [String]
        public init(command: String, allow: [String], origin: String, allowOrigins: [String]? = nil) {
            self.command = command
            self.allow = allow
            self.origin = origin
            self.allowOrigins = allowOrigins ?? allow.map { _ in origin }
        }
    }
    /// `root_equivalent_groups`: groups whose new members are reported (`root-equivalent-group`).
    public var rootEquivalentGroups = RootEquivalentSettings.defaultGroups

    public struct Rule: Equatable, Sendable {
        public var text: String
        public var origin: String
        public init(text: String, origin: String) {
            self.text = text
            self.origin = origin
        }
    }

    public init() {}
}

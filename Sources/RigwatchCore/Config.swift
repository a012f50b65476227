/// The whole configuration as plain values (parsed from YAML by RigwatchConfig).
/// Every key is optional; these defaults are documented in README.md.
public struct RigwatchConfig: Equatable, Sendable {
    /// Users whose process lineage is watched (names or numeric uids).
    public var watchUsers: [String] = ["vastai_kaalia"]
    /// Bound on the engine's process table.
    public var processTableSize: Int = 65_536
    public var policy = PolicyConfig()
    public var alerts = AlertsConfig()

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

    public struct Rule: Equatable, Sendable {
        public var text: String
        public var origin: String
        public init(text: String, origin: String) { self.text = text; self.origin = origin }
    }

    public init() {}
}

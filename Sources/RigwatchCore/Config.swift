/// The whole configuration as plain values (parsed from YAML by RigwatchConfig).
/// Every key is optional; these defaults are documented in README.md.
public struct RigwatchConfig: Equatable, Sendable {
    /// Users whose process lineage is watched (names or numeric uids).
    public var watchUsers: [String] = ["vastai_kaalia"]
    /// Bound on the engine's process table.
    public var processTableSize: Int = 65_536
    public var policy = PolicyConfig()

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

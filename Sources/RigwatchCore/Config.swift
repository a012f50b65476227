/// The whole configuration as plain values (parsed from YAML by RigwatchConfig).
/// Every key is optional; these defaults are documented in README.md.
public struct RigwatchConfig: Equatable, Sendable {
    /// Users whose process lineage is watched (names or numeric uids).
    public var watchUsers: [String] = ["vastai_kaalia"]
    /// Bound on the engine's process table.
    public var processTableSize: Int = 65_536

    public init() {}
}

// SPDX-License-Identifier: Apache-2.0
/// The whitelist for each watched user, compiled. Rules are kept in the order
/// default policy, imported sudoers file, config rules, so that a later `!cmd`
/// (last match wins, as in sudo) can take back an earlier allow.
///
/// `@unchecked Sendable`: immutable after `init` (it holds `CompiledPolicy`s, which
/// are too); a reload swaps in a new set.
public final class PolicySet: @unchecked Sendable {
    public let name: String
    /// What the allowed entries may start as root (`ChildProfile`).
    public let childProfiles: ChildProfileSet
    /// How paths are canonicalised (the merged-/usr aliases), for every user's rules.
    public let canon: PathCanon
    private let byUid: [UInt32: CompiledPolicy]
    private let empty: CompiledPolicy

    /// Without `childProfiles`, the built-in ones (`DefaultChildProfiles`) and the default path classes.
    public init(
        name: String, rulesByUid: [UInt32: [CommandSpec]], canon: PathCanon, childProfiles: ChildProfileSet? = nil
    ) {
        self.name = name
        self.childProfiles = childProfiles ?? .defaults(canon: canon)
        self.canon = canon
        byUid = rulesByUid.mapValues { CompiledPolicy(name: name, rules: $0, canon: canon) }
        empty = CompiledPolicy(name: name, rules: [], canon: canon)
    }

    /// The policy for a lineage; a watched user without rules may run nothing as root.
    public func policy(for uid: UInt32) -> CompiledPolicy { byUid[uid] ?? empty }

    /// Rules compiled, over all users.
    public var ruleCount: Int { byUid.values.reduce(0) { $0 + $1.ruleCount } }

    public var users: [UInt32] { byUid.keys.sorted() }

    /// The built-in policy for each watched user.
    public static func defaultPolicy(watched: [WatchedUser], canon: PathCanon) -> PolicySet {
        PolicySet(
            name: DefaultPolicyData.name,
            rulesByUid: Dictionary(uniqueKeysWithValues: watched.map { ($0.uid, defaultRules(canon: canon)) }),
            canon: canon)
    }

    /// The default policy's rules. They are written for vastai_kaalia and apply to every watched user.
    public static func defaultRules(canon: PathCanon) -> [CommandSpec] {
        let parser = SudoersParser(file: DefaultPolicyData.fileName, canon: canon)
        let profile = WatchedUser(uid: 0, name: "vastai_kaalia")
        // The embedded text is tested to parse; a failure here is a build defect.
        guard let rules = try? parser.parse(DefaultPolicyData.sudoers, users: [profile])["vastai_kaalia"] else {
            preconditionFailure("the embedded default policy does not parse")
        }
        return rules
    }
}

// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI

/// The whitelist as the kernel's matcher holds it (bpf/lib/policy_match.h): the
/// same rules as each user's `CompiledPolicy`, in the order sudo reads them, as map
/// entries for one policy half. Exact paths and directories become hash keys, ALL
/// the set's highest ALL rule, command globs and argument patterns bit-parallel NFAs
/// (`KernelGlob`). The child profiles and path classes (`ChildProfileSet`) become
/// rule sets of their own (`enum rw_policy_role`, bpf/lib/child_profile.h). What the
/// kernel's tables cannot hold is named in `undecidable`: when such a rule could
/// decide an exec, the kernel lets it run and the detector judges it, as it judges
/// everything.
public struct KernelPolicy {
    public var rules: [(index: UInt32, rule: rw_policy_rule)] = []
    public var globs: [(index: UInt32, glob: rw_policy_glob)] = []
    public var paths: [(key: rw_policy_key, list: rw_policy_list)] = []
    public var sets: [(user: rw_policy_user, set: rw_policy_set)] = []
    public var aliases: [rw_policy_alias] = []
    /// Global rule index -> the user and the index in that user's rules.
    public var owners: [UInt32: (uid: UInt32, rule: Int)] = [:]
    /// What stays with the detector, one line each: "uid 1001: rule text (origin): why".
    public var undecidable: [String] = []

    public static let rulesPerHalf = Int(RW_POLICY_RULES_MAX)
    public static let globsPerHalf = Int(RW_POLICY_GLOBS_MAX)
    public static let profilesMax = Int(RW_POLICY_PROFILES_MAX)

    /// One rule as the kernel's tables take it. Path-class prefixes are globs whose
    /// `*` crosses '/' (a prefix at any depth); a whitelist's command globs do not.
    struct Rule {
        var spec: CommandSpec
        var commandPathname = true
    }

    /// One rule set of a half: its key, what alerts and notes call it, its rules.
    struct RuleSet {
        var user: rw_policy_user
        var label: String
        var rules: [Rule]
    }

    /// Every rule set of `half`, in table order: the watched users', then the child
    /// profiles' and the path classes'.
    static func ruleSets(_ policies: PolicySet, half: UInt32) -> [RuleSet] {
        func key(_ role: rw_policy_role, _ id: UInt32) -> rw_policy_user {
            rw_policy_user(half: half, uid: id, role: role.rawValue)
        }
        var result = policies.users.map { uid in
            RuleSet(
                user: key(RW_POLICY_ROLE_USER, uid), label: "uid \(uid)",
                rules: policies.policy(for: uid).rules.map { Rule(spec: $0) })
        }
        let children = policies.childProfiles
        let profiles = children.profiles.prefix(profilesMax)
        result.append(
            RuleSet(
                user: key(RW_POLICY_ROLE_PROFILED, 0), label: "child profiles",
                rules: profiles.map { p in
                    var command = p.command
                    command.arguments = .any  // which paths any profile names: the arguments are each profile's
                    command.negated = false
                    return Rule(spec: command)
                }))
        for (i, p) in profiles.enumerated() {
            result.append(
                RuleSet(
                    user: key(RW_POLICY_ROLE_PROFILE_ENTRY, UInt32(i)), label: "child profile \(p.command.text)",
                    rules: [Rule(spec: p.command)]))
        }
        for (i, p) in profiles.enumerated() {
            result.append(
                RuleSet(
                    user: key(RW_POLICY_ROLE_PROFILE_ALLOW, UInt32(i)), label: "child profile \(p.command.text)",
                    rules: p.allow.map { Rule(spec: $0) }))
        }
        let classes = children.classes
        func prefixRule(_ prefix: String, negated: Bool) -> Rule {
            let literal = Array(prefix.utf8).flatMap { b -> [UInt8] in
                b == 0x2a || b == 0x3f || b == 0x5b || b == 0x5c ? [0x5c, b] : [b]
            }
            return Rule(
                spec: CommandSpec(
                    negated: negated, command: .glob(literal + [0x2a]), arguments: .any, text: prefix,
                    origin: "path classes"),
                commandPathname: false)
        }
        // Writable prefixes after the system ones: the last match wins, as the class check puts them first.
        result.append(
            RuleSet(
                user: key(RW_POLICY_ROLE_PATH_CLASS, 0), label: "path classes",
                rules: classes.systemPrefixes.map { prefixRule($0, negated: false) }
                    + classes.writablePrefixes.map { prefixRule($0, negated: true) }))
        result.append(
            RuleSet(
                user: key(RW_POLICY_ROLE_NAME_CLASS, 0), label: "shell and interpreter names",
                rules: (classes.shells + classes.interpreters).map { name in
                    let bytes = [UInt8(ascii: "/")] + Array(name.utf8)
                    let isGlob = name.utf8.contains { $0 == 0x2a || $0 == 0x3f || $0 == 0x5b || $0 == 0x5c }
                    return Rule(
                        spec: CommandSpec(
                            negated: false, command: isGlob ? .glob(bytes) : .path(bytes), arguments: .any,
                            text: name, origin: "path classes"))
                }))
        return result
    }

    /// Where each rule set starts in `half`'s rule table (global index), in table
    /// order; nil for a set whose rules no longer fit (it overflows).
    private static func placements(_ sets: [RuleSet], half: UInt32) -> [Int?] {
        var used = 0
        return sets.map { set in
            guard used + set.rules.count <= rulesPerHalf else { return nil }
            defer { used += set.rules.count }
            return Int(half) * rulesPerHalf + used
        }
    }

    public init(policies: PolicySet, half: UInt32) {
        let globBase = Int(half) * Self.globsPerHalf
        // One entry per distinct pattern: users sharing the default rules share their NFAs.
        var globIndex: [GlobID: Int32] = [:]
        let ruleSets = Self.ruleSets(policies, half: half)
        let tooManyProfiles = policies.childProfiles.profiles.count > Self.profilesMax
        for (ordinal, (ruleSet, ruleBase)) in zip(ruleSets, Self.placements(ruleSets, half: half)).enumerated() {
            let label = ruleSet.label
            let setNumber = half << 16 | UInt32(ordinal)
            var set = rw_policy_set()
            set.set = setNumber
            set.all_rule = -1
            if ruleSet.user.role == RW_POLICY_ROLE_PROFILED.rawValue && tooManyProfiles {
                set.overflow = 1
                undecidable.append(
                    "\(label): \(policies.childProfiles.profiles.count) profiles: more than \(Self.profilesMax)")
                sets.append((ruleSet.user, set))
                continue
            }
            guard let ruleBase else {
                set.overflow = 1
                undecidable.append("\(label): \(ruleSet.rules.count) rules: more than the kernel's table holds")
                sets.append((ruleSet.user, set))
                continue
            }
            var byKey: [[UInt8]: [UInt32]] = [:]
            var commandGlobs: [UInt32] = []
            for (i, input) in ruleSet.rules.enumerated() {
                let spec = input.spec
                let index = UInt32(ruleBase + i)
                if ruleSet.user.role == RW_POLICY_ROLE_USER.rawValue { owners[index] = (ruleSet.user.uid, i) }
                var rule = rw_policy_rule()
                rule.negated = spec.negated ? 1 : 0
                rule.args_glob = -1
                rule.command_glob = -1
                func undecidable(_ why: String) {
                    rule.undecidable = 1
                    self.undecidable.append("\(label): \(spec.text) (\(spec.origin)): \(why)")
                }
                func addGlob(_ pattern: [UInt8], pathname: Bool) -> Int32? {
                    let id = GlobID(pattern: pattern, pathname: pathname)
                    if let at = globIndex[id] { return at }
                    guard globs.count < Self.globsPerHalf else {
                        undecidable("more patterns than the kernel's table holds (\(Self.globsPerHalf))")
                        return nil
                    }
                    guard let glob = KernelGlob.compile(pattern, pathname: pathname) else {
                        undecidable(
                            "pattern too big for the kernel (\(KernelGlob.maxAtoms) atoms, \(RW_GLOB_CLASSES) byte classes)"
                        )
                        return nil
                    }
                    let at = UInt32(globBase + globs.count)
                    globs.append((at, glob))
                    globIndex[id] = Int32(at)
                    return Int32(at)
                }
                switch spec.arguments {
                case .any: rule.args = UInt8(RW_POLICY_ARGS_ANY.rawValue)
                case .none: rule.args = UInt8(RW_POLICY_ARGS_NONE.rawValue)
                case .pattern(let p):
                    rule.args = UInt8(RW_POLICY_ARGS_PATTERN.rawValue)
                    if let at = addGlob(p, pathname: false) { rule.args_glob = at }
                }
                switch spec.command {
                case .path(let p), .directory(let p):
                    if p.count >= KernelABI.filenameCapacity {
                        undecidable("path longer than \(KernelABI.filenameCapacity - 1) bytes")
                    } else {
                        byKey[p, default: []].append(index)
                    }
                case .glob(let p):
                    if rule.undecidable == 0, let at = addGlob(p, pathname: input.commandPathname) {
                        rule.command_glob = at
                    }
                    commandGlobs.append(index)
                case .all:
                    set.all_rule = Int32(index)
                }
                rules.append((index, rule))
            }
            let globsHighestFirst = Array(commandGlobs.reversed())
            if globsHighestFirst.count > Int(RW_POLICY_SET_GLOBS) {
                set.overflow = 1
                undecidable.append(
                    "\(label): \(globsHighestFirst.count) command globs: more than \(RW_POLICY_SET_GLOBS)")
            }
            set.glob_count = UInt32(min(globsHighestFirst.count, Int(RW_POLICY_SET_GLOBS)))
            Self.fill(&set.globs, globsHighestFirst.prefix(Int(RW_POLICY_SET_GLOBS)))
            sets.append((ruleSet.user, set))
            for (path, indices) in byKey.sorted(by: { $0.value[0] < $1.value[0] }) {
                var key = rw_policy_key()
                key.set = setNumber
                key.len = UInt32(path.count)
                Self.fillBytes(&key.path, path)
                var list = rw_policy_list()
                let highestFirst = Array(indices.reversed())
                list.count = UInt32(min(highestFirst.count, Int(RW_POLICY_LIST_MAX)))
                if highestFirst.count > Int(RW_POLICY_LIST_MAX) {
                    list.overflow = 1
                    let shown = String(decoding: path, as: UTF8.self)
                    undecidable.append(
                        "\(label): \(highestFirst.count) rules for \(shown): more than \(RW_POLICY_LIST_MAX)")
                }
                Self.fill(&list.rules, highestFirst.prefix(Int(RW_POLICY_LIST_MAX)))
                paths.append((key, list))
            }
        }
        for (alias, target) in policies.canon.aliases.prefix(Int(RW_POLICY_ALIASES))
        where alias.count <= Int(RW_POLICY_ALIAS_LEN) && target.count <= Int(RW_POLICY_ALIAS_LEN) {
            var a = rw_policy_alias()
            a.alias_len = UInt32(alias.count)
            a.target_len = UInt32(target.count)
            Self.fillBytes(&a.alias, alias)
            Self.fillBytes(&a.target, target)
            aliases.append(a)
        }
    }

    /// The user and the index in that user's rules of a global rule index in `half`,
    /// without compiling anything (for alerts on what the kernel decided).
    public static func owner(of index: UInt32, in policies: PolicySet, half: UInt32) -> (uid: UInt32, rule: Int)? {
        let sets = ruleSets(policies, half: half)
        for case (let set, let base?) in zip(sets, placements(sets, half: half))
        where set.user.role == RW_POLICY_ROLE_USER.rawValue && Int(index) >= base
            && Int(index) < base + set.rules.count
        {
            return (set.user.uid, Int(index) - base)
        }
        return nil
    }

    private struct GlobID: Hashable {
        var pattern: [UInt8]
        var pathname: Bool
    }

    private static func fill<Field>(_ field: inout Field, _ values: some Collection<UInt32>) {
        withUnsafeMutableBytes(of: &field) { raw in
            let words = raw.bindMemory(to: UInt32.self)
            precondition(values.count <= words.count, "more values than the field holds")
            for (i, v) in values.enumerated() { words[i] = v }
        }
    }

    private static func fillBytes<Field>(_ field: inout Field, _ bytes: [UInt8]) {
        withUnsafeMutableBytes(of: &field) { raw in
            precondition(bytes.count <= raw.count, "more bytes than the field holds")
            raw.copyBytes(from: bytes)
        }
    }
}

/// A glob as the kernel's NFA (`struct rw_policy_glob`), tokenised exactly as
/// `FNMatch.matches` reads it: runs of `*`, `?`, bracket expressions (their byte
/// sets computed with `FNMatch.bracket` itself), `\` escapes and literal bytes.
public enum KernelGlob {
    /// Atoms a pattern may have: one NFA state each, plus the start.
    public static let maxAtoms = Int(RW_GLOB_STATES) - 1
    /// 64-bit words of one state set.
    static let words = Int(RW_GLOB_WORDS)

    public static func compile(_ pattern: [UInt8], pathname: Bool) -> rw_policy_glob? {
        var accept = [[UInt64]](repeating: [UInt64](repeating: 0, count: words), count: 256)
        var star = [UInt64](repeating: 0, count: words)
        var atoms = 0
        func set(_ bits: inout [UInt64], _ state: Int) { bits[state >> 6] |= 1 << UInt64(state & 63) }
        func addAtom(_ matches: (UInt8) -> Bool) -> Bool {
            atoms += 1
            guard atoms <= maxAtoms else { return false }
            for b in 0...255 where matches(UInt8(b)) { set(&accept[b], atoms) }
            return true
        }
        let slash: UInt8 = 0x2f
        return pattern.withUnsafeBufferPointer { p -> rw_policy_glob? in
            let m = p.count
            var i = 0
            while i < m {
                let c = p[i]
                var ok = true
                switch c {
                case 0x2a:  // '*'
                    while i < m && p[i] == 0x2a { i += 1 }
                    set(&star, atoms)
                    continue
                case 0x3f:  // '?'
                    ok = addAtom { !(pathname && $0 == slash) }
                    i += 1
                case 0x5b:  // '['
                    if let (_, next) = FNMatch.bracket(p, at: i, byte: 0, pathname: pathname) {
                        let start = i
                        ok = addAtom { FNMatch.bracket(p, at: start, byte: $0, pathname: pathname)?.0 == true }
                        i = next
                    } else {
                        ok = addAtom { $0 == 0x5b }  // unterminated: a literal '['
                        i += 1
                    }
                case 0x5c:  // '\\' quotes the next byte; a trailing one is itself
                    let literal = i + 1 < m ? p[i + 1] : 0x5c
                    ok = addAtom { $0 == literal }
                    i += i + 1 < m ? 2 : 1
                default:
                    ok = addAtom { $0 == c }
                    i += 1
                }
                if !ok { return nil }
            }
            // Bytes with the same accept bits form one class.
            var classOf: [[UInt64]: UInt8] = [:]
            var classes: [[UInt64]] = []
            var g = rw_policy_glob()
            var byteClass = [UInt8](repeating: 0, count: 256)
            for b in 0..<256 {
                if let k = classOf[accept[b]] {
                    byteClass[b] = k
                    continue
                }
                guard classes.count < Int(RW_GLOB_CLASSES) else { return nil }
                classOf[accept[b]] = UInt8(classes.count)
                byteClass[b] = UInt8(classes.count)
                classes.append(accept[b])
            }
            withUnsafeMutableBytes(of: &g.byte_class) { $0.copyBytes(from: byteClass) }
            withUnsafeMutableBytes(of: &g.accept) { raw in
                let slots = raw.bindMemory(to: UInt64.self)
                for (k, bits) in classes.enumerated() {
                    for w in 0..<words { slots[k * words + w] = bits[w] }
                }
            }
            withUnsafeMutableBytes(of: &g.star) { raw in
                let slots = raw.bindMemory(to: UInt64.self)
                for w in 0..<words { slots[w] = star[w] }
            }
            g.final_state = UInt32(atoms)
            g.pathname = pathname ? 1 : 0
            return g
        }
    }

    /// The NFA run in Swift, as the kernel runs it: for tests of the compiler alone.
    public static func matches(_ g: rw_policy_glob, _ subject: [UInt8], nulAsSpace: Bool) -> Bool {
        var g = g
        var d = [UInt64](repeating: 0, count: words)
        d[0] = 1
        let classes = withUnsafeBytes(of: &g.byte_class) { Array($0) }
        let star = withUnsafeBytes(of: &g.star) { Array($0.bindMemory(to: UInt64.self)) }
        return withUnsafeBytes(of: &g.accept) { raw in
            let slots = raw.bindMemory(to: UInt64.self)
            for var c in subject {
                if nulAsSpace && c == 0 { c = 0x20 }
                let k = Int(classes[Int(c)])
                let stars = !(g.pathname != 0 && c == 0x2f)
                var carry: UInt64 = 0
                var live: UInt64 = 0
                for w in 0..<words {
                    var n = ((d[w] << 1) | carry) & slots[k * words + w]
                    if stars { n |= d[w] & star[w] }
                    carry = d[w] >> 63
                    d[w] = n
                    live |= n
                }
                if live == 0 { return false }
            }
            let f = Int(g.final_state)
            return (d[f >> 6] >> UInt64(f & 63)) & 1 == 1
        }
    }
}

/// The kernel's policy maps, by the names bpf/lib/policy_match.h gives them.
public enum KernelPolicyMap: String, Sendable, CaseIterable {
    case rules = "policy_rules"
    case globs = "policy_globs"
    case paths = "policy_paths"
    case sets = "policy_sets"
    case aliases = "policy_aliases"
}

/// Where a policy half is written: the sensor's maps, or a test object's.
public protocol KernelPolicyMaps {
    func update(_ map: KernelPolicyMap, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws
}

extension KernelPolicy {
    /// Writes every entry of this half: rules and patterns before the keys and sets
    /// that name them, so a lookup never finds a rule not yet written.
    public func write(to maps: some KernelPolicyMaps) throws {
        func put<K: BitwiseCopyable, V: BitwiseCopyable>(_ map: KernelPolicyMap, _ key: K, _ value: V) throws {
            var k = key
            var v = value
            try withUnsafeBytes(of: &k) { kb in try withUnsafeBytes(of: &v) { try maps.update(map, key: kb, value: $0) }
            }
        }
        for (i, alias) in aliases.enumerated() { try put(.aliases, UInt32(i), alias) }
        for (index, glob) in globs { try put(.globs, index, glob) }
        for (index, rule) in rules { try put(.rules, index, rule) }
        for (key, list) in paths { try put(.paths, key, list) }
        for (user, set) in sets { try put(.sets, user, set) }
    }
}

// SPDX-License-Identifier: Apache-2.0
/// What an allowed root command may start: for the entries its `command` matches
/// (a sudoers Cmnd, matched like a whitelist rule against the entry's exe and argv),
/// the programs in `allow` (sudoers Cmnds too: path globs, argument patterns, `!`,
/// `ALL`) may run anywhere below it even when they are a shell, an interpreter or
/// outside the system directories (`RootChildClass`). Every profile whose command
/// matches an entry applies to it, so the configuration can add to a default one.
public struct ChildProfile: Equatable, Sendable {
    public var command: CommandSpec
    public var allow: [CommandSpec]
    /// Where it came from: "default (…)" or "file:line".
    public var origin: String

    public init(command: CommandSpec, allow: [CommandSpec], origin: String) {
        self.command = command
        self.allow = allow
        self.origin = origin
    }
}

/// The child profiles in force and the path classes, compiled. Immutable; a reload
/// builds a new set (it travels in `PolicySet`).
///
/// `@unchecked Sendable`: holds only `CompiledPolicy`s and values, all immutable.
public final class ChildProfileSet: @unchecked Sendable {
    public let profiles: [ChildProfile]
    public let classes: RootChildClasses
    public let canon: PathCanon
    private let entryMatchers: [CompiledPolicy]
    private let allowLists: [CompiledPolicy]

    public init(profiles: [ChildProfile], classes: RootChildClasses = RootChildClasses(), canon: PathCanon) {
        self.profiles = profiles
        self.classes = classes
        self.canon = canon
        entryMatchers = profiles.map { CompiledPolicy(name: "child profile", rules: [$0.command], canon: canon) }
        allowLists = profiles.map { CompiledPolicy(name: "child profile", rules: $0.allow, canon: canon) }
    }

    /// The built-in profiles (`DefaultChildProfiles`) with the default path classes.
    public static func defaults(canon: PathCanon, classes: RootChildClasses = RootChildClasses()) -> ChildProfileSet {
        ChildProfileSet(profiles: DefaultChildProfiles.profiles(canon: canon), classes: classes, canon: canon)
    }

    /// The profiles that apply to an allowed entry, by index.
    public func profiles(forEntry e: ExecEvent) -> [Int] {
        var result: [Int] = []
        for (i, matcher) in entryMatchers.enumerated() where matcher.decide(e).isAllowed { result.append(i) }
        return result
    }

    /// Why a program started below an entry with these profiles alerts; nil when it may run.
    public func violation(_ e: ExecEvent, profiles applying: [Int]) -> (RootChildClass, String)? {
        let path = canon.canonical(e.filename)
        guard let found = classes.classify(canonicalPath: path, truncated: e.flags.contains(.filenameTruncated))
        else { return nil }
        if found.0 == .writablePath { return found }  // whoever wrote the file chose the code: never allowed
        for i in applying where allowLists[i].decide(e).isAllowed { return nil }
        return found
    }
}

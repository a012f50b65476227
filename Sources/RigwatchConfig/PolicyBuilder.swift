// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// Builds the compiled whitelist from the configuration: the default policy,
/// imported sudoers files and config rules, for each watched user. Reads the
/// files and the group database here, so the engine stays pure.
public enum PolicyBuilder {
    public struct BuildError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func build(_ config: PolicyConfig, watched: [WatchedUser]) throws -> PolicySet {
        let canon = pathCanon(config.mergedUsr)
        var rules: [UInt32: [CommandSpec]] = [:]
        for user in watched { rules[user.uid] = [] }
        var sources: [String] = []
        if config.includeDefault {
            let defaults = PolicySet.defaultRules(canon: canon)
            for user in watched { rules[user.uid, default: []] += defaults }
            sources.append("default")
        }
        for path in config.importSudoers {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                throw BuildError(description: "\(path): cannot read the sudoers file to import")
            }
            let parser = SudoersParser(file: path, canon: canon, isMember: isMember)
            let imported: [String: [CommandSpec]]
            do {
                imported = try parser.parse(text, users: watched)
            } catch {
                throw BuildError(description: error.description)
            }
            for user in watched { rules[user.uid, default: []] += imported[user.name] ?? [] }
            sources.append(path)
        }
        for rule in config.rules {
            do {
                let spec = try CommandSpec.parse(rule.text, origin: rule.origin, canon: canon)
                for user in watched { rules[user.uid, default: []].append(spec) }
            } catch {
                throw BuildError(description: "\(rule.origin): \(error.message) in '\(rule.text)'")
            }
        }
        if !config.rules.isEmpty { sources.append("config rules") }
        let name = config.name ?? (sources.isEmpty ? "empty" : sources.joined(separator: " + "))
        return PolicySet(
            name: name, rulesByUid: rules, canon: canon,
            childProfiles: try childProfiles(config, watched: watched, canon: canon))
    }

    /// The built-in child profiles (unless turned off), then the configuration's; the
    /// watched users' home directories join the writable paths.
    static func childProfiles(
        _ config: PolicyConfig, watched: [WatchedUser], canon: PathCanon
    ) throws
        -> ChildProfileSet
    {
        var profiles = config.defaultChildProfiles ? DefaultChildProfiles.profiles(canon: canon) : []
        for p in config.childProfiles {
            func parse(_ text: String, _ origin: String) throws -> CommandSpec {
                do {
                    return try CommandSpec.parse(text, origin: origin, canon: canon)
                } catch {
                    throw BuildError(description: "\(origin): \(error.message) in child profile '\(text)'")
                }
            }
            let command = try parse(p.command, p.origin)
            var allow: [CommandSpec] = []
            for (text, origin) in zip(p.allow, p.allowOrigins) { allow.append(try parse(text, origin)) }
            profiles.append(ChildProfile(command: command, allow: allow, origin: p.origin))
        }
        var classes = RootChildClasses()
        for user in watched {
            guard let pw = getpwnam(user.name), let dir = pw.pointee.pw_dir else { continue }
            let home = String(cString: dir)
            // "/" or a system directory as a home would make everything writable; those stay as they are.
            guard home.count > 1, home.hasPrefix("/"), !classes.systemPrefixes.contains(where: { home.hasPrefix($0) })
            else { continue }
            let prefix = home.hasSuffix("/") ? home : home + "/"
            if !classes.writablePrefixes.contains(prefix) { classes.writablePrefixes.append(prefix) }
        }
        return ChildProfileSet(profiles: profiles, classes: classes, canon: canon)
    }

    /// /bin → usr/bin on this host (Debian 12 and most current distributions).
    public static func pathCanon(_ setting: PolicyConfig.MergedUsr) -> PathCanon {
        switch setting {
        case .yes: return .mergedUsr
        case .no: return .identity
        case .auto:
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/bin")
            return target == "usr/bin" || target == "/usr/bin" ? .mergedUsr : .identity
        }
    }

    /// Group membership as sudo sees it: the primary group or a supplementary one.
    static func isMember(_ user: String, _ group: String) -> Bool {
        guard let gr = getgrnam(group) else { return false }
        if let pw = getpwnam(user), pw.pointee.pw_gid == gr.pointee.gr_gid { return true }
        var member = gr.pointee.gr_mem
        while let name = member?.pointee {
            if String(cString: name) == user { return true }
            member = member?.advanced(by: 1)
        }
        return false
    }
}

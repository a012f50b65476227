// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Resolves user names to uids through the system's passwd database.
public enum Users {
    public static func uid(of name: String) -> UInt32? {
        if let numeric = UInt32(name) { return numeric }
        guard let pw = getpwnam(name) else { return nil }
        return pw.pointee.pw_uid
    }

    public static func name(of uid: UInt32) -> String? {
        guard let pw = getpwuid(uid) else { return nil }
        return String(cString: pw.pointee.pw_name)
    }

    /// The user's home directory from passwd, nil when unknown.
    public static func home(of uid: UInt32) -> String? {
        guard let pw = getpwuid(uid), let dir = pw.pointee.pw_dir else { return nil }
        return String(cString: dir)
    }

    /// Who is in each of `groups` now: the group's member list, and the users whose
    /// primary group it is. A group that does not exist has no members.
    public static func members(of groups: [String]) -> [String: Set<String>] {
        var gids: [gid_t: String] = [:]
        var members: [String: Set<String>] = [:]
        for group in groups {
            guard let gr = getgrnam(group) else { continue }
            gids[gr.pointee.gr_gid] = group
            var names = Set<String>()
            if var member = gr.pointee.gr_mem {
                while let name = member.pointee {
                    names.insert(String(cString: name))
                    member += 1
                }
            }
            members[group] = names
        }
        setpwent()
        while let pw = getpwent() {
            if let group = gids[pw.pointee.pw_gid] {
                members[group, default: []].insert(String(cString: pw.pointee.pw_name))
            }
        }
        endpwent()
        return members
    }
}

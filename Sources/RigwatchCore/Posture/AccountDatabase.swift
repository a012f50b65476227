// SPDX-License-Identifier: Apache-2.0
/// The host's users and groups as `etc/passwd` and `etc/group` say (of the root
/// `check-host` looks at, not necessarily this machine's NSS): who is in which group,
/// and where each user lives. Malformed lines are skipped, as the C library does.
public struct AccountDatabase: Equatable, Sendable {
    public struct User: Equatable, Sendable {
        public var name: String
        public var uid: UInt32
        public var gid: UInt32
        public var home: String
    }

    public struct Group: Equatable, Sendable {
        public var name: String
        public var gid: UInt32
        public var members: [String]
    }

    public var users: [User]
    public var groups: [Group]

    public init(passwd: String, group: String) {
        users = passwd.split(separator: "\n").compactMap { line in
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count >= 7, !f[0].hasPrefix("#"), let uid = UInt32(f[2]), let gid = UInt32(f[3]) else {
                return nil
            }
            return User(name: String(f[0]), uid: uid, gid: gid, home: String(f[5]))
        }
        groups = group.split(separator: "\n").compactMap { line in
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count >= 4, !f[0].hasPrefix("#"), let gid = UInt32(f[2]) else { return nil }
            let members = f[3].split(separator: ",").map { $0.trimmingBlanks() }.filter { !$0.isEmpty }
            return Group(name: String(f[0]), gid: gid, members: members)
        }
    }

    public func user(named name: String) -> User? { users.first { $0.name == name } }

    /// How `user` is in `group`: "primary group" or "member", nil when not (as sudo sees it).
    public func membership(_ user: String, _ group: String) -> String? {
        guard let g = groups.first(where: { $0.name == group }) else { return nil }
        if let u = self.user(named: user), u.gid == g.gid { return "primary group" }
        return g.members.contains(user) ? "member" : nil
    }

    /// The watched users as the policy names them (uid from this passwd; an unknown
    /// name keeps uid UInt32.max, so `#uid` entries never match it).
    public func watched(_ names: [String]) -> [WatchedUser] {
        names.map { WatchedUser(uid: user(named: $0)?.uid ?? UInt32.max, name: $0) }
    }
}

// SPDX-License-Identifier: Apache-2.0
/// Who a command line adds to which groups: `usermod -a -G g1,g2 U` (and `-G`
/// without `-a`, which sets the list, and `-g G` for the primary group),
/// `gpasswd -a U G`, `gpasswd -M u1,u2 G`, `adduser U G`, `addgroup U G`,
/// `useradd -G g1 -g g2 U`, `groupmems -a U -g G`. The caller keeps the
/// root-equivalent ones.
struct GroupMembershipChange: Equatable {
    var user: String
    var groups: [String]
    /// "usermod -a -G", as the alert says how.
    var how: String

    static func of(program name: String, args: [String]) -> [GroupMembershipChange] {
        switch name {
        case "usermod", "useradd":
            let scan = CommandOptions(
                args,
                valued: [
                    "-G", "--groups", "-g", "--gid", "-d", "--home", "-c", "--comment", "-e", "--expiredate", "-f",
                    "--inactive", "-l", "--login", "-p", "--password", "-s", "--shell", "-u", "--uid", "-R", "--root",
                    "-P", "--prefix", "-Z", "--selinux-user", "-v", "--add-subuids", "-V", "--del-subuids", "-w",
                    "--add-subgids", "-W", "--del-subgids", "-k", "--skel", "-K", "--key", "-b", "--base-dir",
                ])
            guard let user = scan.operands.last else { return [] }
            let append = scan.has(["-a", "--append"])
            var changes: [GroupMembershipChange] = []
            let supplementary = scan.values(of: ["-G", "--groups"]).flatMap {
                $0.split(separator: ",").map(String.init)
            }
            if !supplementary.isEmpty {
                let how = name == "useradd" ? "useradd -G" : append ? "usermod -a -G" : "usermod -G (replaces the list)"
                changes.append(GroupMembershipChange(user: user, groups: supplementary, how: how))
            }
            let primary = scan.values(of: ["-g", "--gid"])
            if !primary.isEmpty {
                changes.append(GroupMembershipChange(user: user, groups: primary, how: "\(name) -g (primary group)"))
            }
            return changes
        case "gpasswd":
            let scan = CommandOptions(
                args,
                valued: ["-a", "--add", "-d", "--delete", "-M", "--members", "-A", "--administrators", "-Q", "--root"])
            guard let group = scan.operands.last else { return [] }
            var changes = scan.values(of: ["-a", "--add"]).map {
                GroupMembershipChange(user: $0, groups: [group], how: "gpasswd -a")
            }
            for list in scan.values(of: ["-M", "--members"]) {
                changes += list.split(separator: ",").map {
                    GroupMembershipChange(user: String($0), groups: [group], how: "gpasswd -M")
                }
            }
            return changes
        case "adduser", "addgroup":
            let scan = CommandOptions(
                args,
                valued: [
                    "--home", "--shell", "--uid", "--gid", "--ingroup", "--gecos", "--comment", "--firstuid",
                    "--lastuid", "--firstgid", "--lastgid", "--conf", "-c", "--add-extra-groups", "--extrausers",
                ])
            var changes: [GroupMembershipChange] = []
            let operands = scan.operands
            if operands.count == 2 {
                changes.append(
                    GroupMembershipChange(user: operands[0], groups: [operands[1]], how: "\(name) USER GROUP"))
            }
            if name == "adduser", let user = operands.first {
                for group in scan.values(of: ["--ingroup"]) {
                    changes.append(GroupMembershipChange(user: user, groups: [group], how: "adduser --ingroup"))
                }
            }
            return changes
        case "groupmems":
            let scan = CommandOptions(args, valued: ["-a", "--add", "-g", "--group", "-d", "--delete", "-R", "--root"])
            guard let group = scan.values(of: ["-g", "--group"]).last else { return [] }
            return scan.values(of: ["-a", "--add"]).map {
                GroupMembershipChange(user: $0, groups: [group], how: "groupmems -a")
            }
        default:
            return []
        }
    }
}

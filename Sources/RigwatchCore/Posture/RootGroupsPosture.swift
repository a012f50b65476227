// SPDX-License-Identifier: Apache-2.0
/// `check-host`'s group check: watched users who are members of a root-equivalent
/// group (`policy.root_equivalent_groups`, docker and the like), by etc/group and
/// their primary group. The live detector reports new memberships; this, standing ones.
public enum RootGroupsPosture {
    public static func check(
        watched: [String], groups: [String], accounts: AccountDatabase
    ) -> [PostureFinding] {
        var findings: [PostureFinding] = []
        for user in watched {
            for group in groups {
                guard let how = accounts.membership(user, group) else { continue }
                findings.append(
                    PostureFinding(
                        id: "root-equivalent-group", severity: .high,
                        title: "\(user) is in \(group), a root-equivalent group",
                        evidence: [("user", user), ("group", group), ("membership", how)],
                        fix:
                            "gpasswd -d \(user) \(group) unless the platform needs it (then the sensor's root-equivalent rules watch it)"
                    ))
            }
        }
        return findings
    }
}

// SPDX-License-Identifier: Apache-2.0
/// The rules the audit source installs: one per arch and syscall group, all keyed
/// `rigwatch` so exactly these can be removed. Fork-family calls give the child pid
/// (userspace lineage across a parent that exits before its child execs).
public enum AuditRules {
    public static let key = "rigwatch"
    public static let arches = ["b64", "b32"]

    /// Syscall names per group; the legacy 16-bit and *32 names exist only on 32-bit x86.
    public static func groups(arch: String) -> [[String]] {
        let exec = ["execve", "execveat"]
        var cred = ["setuid", "setreuid", "setresuid", "setfsuid", "setgid", "setregid", "setresgid", "setfsgid"]
        if arch == "b32" { cred += cred.map { $0 + "32" } }
        let fork = ["fork", "vfork", "clone", "clone3"]
        return [exec, cred, fork]
    }
}

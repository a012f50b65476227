// SPDX-License-Identifier: Apache-2.0
/// The three root-equivalent alerts share one shape: who (the watched user, the
/// ids the exec ran with), what (exe and command line), where (cgroup), then what
/// was found, one `finding` per thing (`finding`, `finding2`, …).
enum RootEquivalentAlert {
    static func make(
        rule: String, _ e: ExecEvent, title: (String, String) -> String, findings: [String],
        extra: [(String, String)] = [], context: DetectionContext
    ) -> Alert {
        let h = e.header
        let user = context.userName(h.lineageUid) ?? "uid \(h.lineageUid)"
        let commandLine = ShellWord.commandLine(e.args)
        var evidence: [(String, String)] = [
            ("user", "\(user) (uid \(h.lineageUid))"),
            ("exe", e.path),
            ("command", commandLine),
            ("euid", String(h.euid)),
            ("cgroup_id", String(h.cgroupId)),
        ]
        evidence += extra
        for (i, finding) in findings.enumerated() {
            evidence.append(("finding\(findings.count > 1 ? String(i + 1) : "")", finding))
        }
        return Alert(
            rule: rule, severity: .high, title: title(user, commandLine), eventTimeNs: h.timestampNs,
            chain: context.chain(of: h.tgid), evidence: evidence,
            dedupKey: "\(rule)|\(h.lineageUid)|\(e.path)|\(commandLine)")
    }
}

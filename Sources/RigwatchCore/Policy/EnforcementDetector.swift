// SPDX-License-Identifier: Apache-2.0
/// What the in-kernel whitelist did (`enforce` records, bpf/enforce.bpf.c): a root
/// command of a watched lineage stopped before it ran (deny mode), one deny mode
/// would have stopped (audit), or one the kernel could not decide and left to the
/// whitelist check; an unlisted entry, or a root child of an allowed entry that its
/// child profiles do not allow. The unlisted-privileged-exec alert for the same command still
/// comes from the exec itself; this one says what enforcement did about it.
public final class EnforcementDetector: Detector {
    public let name = "enforcement-denied"
    public static let auditRule = "enforcement-audit"
    public static let undecidedRule = "enforcement-undecided"
    public private(set) var policies: PolicySet

    public init(policies: PolicySet) { self.policies = policies }

    public func apply(_ settings: DetectorSettings) {
        if let policies = settings.policies { self.policies = policies }
    }

    public var observes: EventKinds { [.enforce] }

    public func observe(_ event: Event, context: DetectionContext) -> [Alert] {
        guard case .enforce(let e) = event else { return [] }
        let h = e.header
        let user = "\(context.userName(h.lineageUid) ?? "uid \(h.lineageUid)")"
        let commandLine = ShellWord.commandLine(e.exec.args)
        var evidence: [(String, String)] = [
            ("user", "\(user) (uid \(h.lineageUid))"),
            ("exe", e.exec.path),
            ("command", commandLine),
            ("action", e.action.name),
            ("rule_set", policies.name),
            ("cgroup_id", String(h.cgroupId)),
        ]
        if e.stage == .child {
            evidence.append(("stage", "child of an allowed command"))
            if let c = e.childClass { evidence.append(("child_class", c.name)) }
            if e.action != .undecided {
                evidence.append(
                    (
                        "denied_by",
                        e.childClass == .writablePath
                            ? "a writable path: no child profile can allow it"
                            : "no child profile of the allowed command above allows it"
                    ))
            }
        } else if let rule = e.rule, let owner = KernelPolicy.owner(of: rule, in: policies, half: e.half) {
            let spec = policies.policy(for: owner.uid).rules[owner.rule]
            evidence.append(("denied_by", "\(spec.text) (\(spec.origin))"))
        } else if e.action != .undecided {
            evidence.append(("denied_by", "no rule allows it"))
        }
        if e.exec.flags.contains(.argsTruncated) {
            evidence.append(("note", "argv longer than the capture: argument patterns could not match"))
        }
        // What was stopped: an unlisted command, or what an allowed one started.
        let what: String
        switch (e.stage, e.childClass) {
        case (.entry, _): what = "unlisted root command"
        case (.child, .writablePath?): what = "root child of an allowed command, from a writable path"
        case (.child, let c): what = "root child of an allowed command (\(c?.name ?? "child"), not in its profile)"
        }
        let rule: String
        let severity: Severity
        let title: String
        switch e.action {
        case .killed, .refused:
            rule = name
            severity = .high
            let how = e.action == .killed ? "killed before it ran" : "exec refused"
            title = "rigwatch stopped \(user)'s \(what) (\(how)): \(commandLine)"
        case .wouldDeny:
            rule = Self.auditRule
            severity = .medium
            title = "enforcement would stop \(user)'s \(what) (audit mode): \(commandLine)"
        case .undecided:
            rule = Self.undecidedRule
            severity = .low
            title = "enforcement could not decide \(user)'s root command in the kernel; it ran: \(commandLine)"
        }
        return [
            Alert(
                rule: rule, severity: severity, title: title, eventTimeNs: h.timestampNs,
                chain: context.chain(of: h.tgid), evidence: evidence,
                dedupKey: "\(rule)|\(h.lineageUid)|\(e.exec.path)|\(commandLine)")
        ]
    }
}

// SPDX-License-Identifier: Apache-2.0
/// The whitelist check. Every exec in a watched user's lineage that runs with
/// euid 0 is looked at. A privilege gateway (sudo, su, pkexec, doas, any
/// setuid-root binary) is not judged itself; the first privileged exec below it
/// is the entry and must match a rule. Descendants of an allowed entry are
/// covered by it, except below a wrapper (timeout, env, systemd-run, …): what a
/// wrapper runs is judged as an entry of its own, so `timeout 9 /bin/sh -c id`
/// does not hide a shell behind a whitelisted `timeout`. A covered descendant that
/// is a shell, an interpreter, outside the system directories or on a writable
/// path (`RootChildClass`) alerts once, unless the entry's child profile allows it,
/// and what runs below it is not reported again. Argument-abuse rules run on every
/// privileged exec in a watched lineage, allowed or not.
public final class PrivilegedExecDetector: Detector {
    public let name = "unlisted-privileged-exec"
    public static let abuseRule = "privileged-argument-abuse"
    public static let childRule = "unexpected-root-child"

    /// An allowed entry that is not a wrapper, shared by everything below it: the
    /// child profiles that apply to it are resolved once per profile set, when a
    /// child first needs them (most entries exit with no privileged child).
    final class CoveredEntry: Equatable {
        let exec: ExecEvent
        /// The rule that allowed it, as it was then (a reload may replace the rules).
        let rule: CommandSpec
        /// The profile set `profiles` was resolved with; a reload resolves again.
        private(set) var resolvedWith: ChildProfileSet?
        private(set) var profiles: [Int] = []

        init(exec: ExecEvent, rule: CommandSpec) {
            self.exec = exec
            self.rule = rule
        }

        func profiles(in set: ChildProfileSet) -> [Int] {
            if set !== resolvedWith {
                resolvedWith = set
                profiles = set.profiles(forEntry: exec)
            }
            return profiles
        }

        static func == (a: CoveredEntry, b: CoveredEntry) -> Bool { a === b }
    }

    enum State: Equatable {
        /// Below a gateway: the next privileged exec is an entry.
        case gateway
        /// Below an allowed entry that is a wrapper: the next exec is an entry.
        case wrapper(rule: Int)
        /// Below an allowed entry: each root exec is checked against its child profiles.
        case covered(CoveredEntry)
        /// Below an entry that matched no rule, or a child its profile did not allow (already alerted).
        case denied
    }

    public private(set) var policies: PolicySet
    public var abuse: ArgumentAbuseRules?
    private var states: [UInt32: State] = [:]
    /// Files the watched lineages wrote, which the argument rules count as untrusted.
    private var lineageWrites = LineageWrites()
    /// Decisions taken, for metrics and benchmarks.
    public private(set) var decisions = 0

    public static let gateways: Set<String> = ["sudo", "sudoedit", "su", "pkexec", "doas", "run0"]
    public static let wrappers: Set<String> = [
        "timeout", "systemd-run", "env", "nice", "ionice", "nohup", "setsid", "stdbuf", "taskset", "chrt", "xargs",
        "flock", "chroot", "unshare", "nsenter", "runuser", "setpriv", "watch", "time", "strace", "ltrace", "script",
        "numactl", "cgexec", "busybox", "capsh", "prlimit", "systemd-inhibit",
    ]

    public init(
        policies: PolicySet, abuse: ArgumentAbuseRules? = ArgumentAbuseRules()
    ) {
        self.policies = policies
        self.abuse = abuse
    }

    /// Swaps in a new policy (SIGHUP); process states are kept.
    public func replacePolicies(_ policies: PolicySet) { self.policies = policies }

    /// The new policy and argument-abuse rules; without a policy both stay.
    public func apply(_ settings: DetectorSettings) {
        guard let policies = settings.policies else { return }
        replacePolicies(policies)
        abuse = settings.abuse
    }

    public var observes: EventKinds { [.exec, .fork, .exit, .fileChange] }

    public func observe(_ event: Event, context: DetectionContext) -> [Alert] {
        switch event {
        case .fork(let e):
            if let state = states[e.header.tgid] { states[e.childTgid] = state }
            return []
        case .exit(let e):
            states.removeValue(forKey: e.header.tgid)
            return []
        case .exec(let e):
            return judge(e, context: context)
        case .fileChange(let e):
            rememberWrite(e, context: context)
            return []
        case .cred, .drops, .connect, .netBytes, .gpuSample, .tamper, .integrity, .firstPayload, .unixConnect, .auth,
            .enforce:
            return []
        }
    }

    private func judge(_ e: ExecEvent, context: DetectionContext) -> [Alert] {
        let h = e.header
        guard h.hasLineage, context.config.watchedUids.contains(h.lineageUid) else { return [] }
        let tgid = h.tgid
        let previous = states[tgid]
        guard h.euid == 0 else {
            // Dropped privileges (sudo -u other): judged again when it regains root.
            if case .covered = previous {} else if previous != .denied { states[tgid] = nil }
            return []
        }
        let gateway = e.flags.contains(.setuid) || Self.gateways.contains(Self.basename(e.filename))
        var alerts: [Alert] = []
        if !gateway, let abuse {
            let argv = e.argv
            let findings = abuse.inspect(exe: e.path, argv: argv, lineageUid: h.lineageUid, written: lineageWrites)
            if !findings.isEmpty { alerts.append(abuseAlert(e, findings, context: context)) }
            rememberDestinations(e, argv: argv)
        }
        switch previous {
        case .covered(let entry)?:
            let set = policies.childProfiles
            if let (kind, reason) = set.violation(e, profiles: entry.profiles(in: set)) {
                states[tgid] = .denied
                alerts.insert(childAlert(e, kind: kind, reason: reason, entry: entry, context: context), at: 0)
            }
            return alerts
        case .denied?:
            return alerts  // under an entry or a child already reported
        case .gateway?, .wrapper?, nil:
            if gateway {
                states[tgid] = .gateway
                return alerts
            }
        }
        decisions += 1
        let decision = policies.policy(for: h.lineageUid).decide(e)
        switch decision {
        case .allowed(let rule):
            states[tgid] =
                Self.wrappers.contains(Self.basename(e.filename))
                ? .wrapper(rule: rule)
                : .covered(CoveredEntry(exec: e, rule: policies.policy(for: h.lineageUid).rules[rule]))
        case .denied(let rule):
            states[tgid] = .denied
            alerts.insert(unlistedAlert(e, negatedRule: rule, context: context), at: 0)
        }
        return alerts
    }

    /// The files a privileged command of the lineage says it writes (`cp x /usr/local/bin/y`).
    private func rememberDestinations(_ e: ExecEvent, argv: [String]) {
        let program = lastPathComponent(e.path)
        for dest in WriteDestinations.of(program: program, args: Array(argv.dropFirst())) where dest.path.hasPrefix("/")
        {
            let how = "\(dest.how) in \(ShellWord.commandLine(e.args))"
            let path = ArgumentAbuseRules.normalize(dest.path)
            lineageWrites.record(path, lineageUid: e.header.lineageUid, how: how, directory: dest.isDirectory)
            for written in dest.writtenPaths where written != dest.path {
                lineageWrites.record(ArgumentAbuseRules.normalize(written), lineageUid: e.header.lineageUid, how: how)
            }
        }
    }

    /// The files the lineage changed, as the file-change monitor saw them.
    private func rememberWrite(_ e: FileChangeEvent, context: DetectionContext) {
        let h = e.header
        guard e.succeeded, h.hasLineage, context.config.watchedUids.contains(h.lineageUid) else { return }
        let raw = e.operation == .rename || e.operation == .link ? e.path2Bytes : e.pathBytes
        guard e.operation != .unlink else { return }
        let path = String(decoding: WatchedPath.normalise(raw), as: UTF8.self)
        lineageWrites.record(path, lineageUid: h.lineageUid, how: "\(e.operation.name) by pid \(h.tgid)")
    }

    private func userName(_ uid: UInt32, _ context: DetectionContext) -> String {
        context.userName(uid) ?? "uid \(uid)"
    }

    /// What both of this detector's alerts say first: who, what, under which rules, where.
    private func baseEvidence(_ e: ExecEvent, commandLine: String, context: DetectionContext) -> [(String, String)] {
        let h = e.header
        return [
            ("user", "\(userName(h.lineageUid, context)) (uid \(h.lineageUid))"),
            ("exe", e.path),
            ("command", commandLine),
            ("rule_set", policies.name),
            ("cgroup_id", String(h.cgroupId)),
        ]
    }

    private func unlistedAlert(_ e: ExecEvent, negatedRule: Int?, context: DetectionContext) -> Alert {
        let h = e.header
        let policy = policies.policy(for: h.lineageUid)
        let commandLine = ShellWord.commandLine(e.args)
        var evidence = baseEvidence(e, commandLine: commandLine, context: context)
        if let negatedRule {
            evidence.append(("denied_by", "\(policy.rules[negatedRule].text) (\(policy.rules[negatedRule].origin))"))
        }
        if e.flags.contains(.argsTruncated) {
            evidence.append(("note", "argv longer than the capture; arguments could not be checked"))
        }
        if let gateway = context.processes.chain(of: h.tgid).dropFirst().first(where: {
            Self.gateways.contains(Self.basename($0.filename))
        }) {
            evidence.append(("via", ShellWord.commandLine(gateway.args)))
        }
        return Alert(
            rule: name, severity: .high,
            title: "\(userName(h.lineageUid, context)) ran an unlisted command as root: \(commandLine)",
            eventTimeNs: h.timestampNs, chain: context.chain(of: h.tgid), evidence: evidence,
            dedupKey: "\(name)|\(h.lineageUid)|\(e.path)|\(commandLine)")
    }

    private func childAlert(
        _ e: ExecEvent, kind: RootChildClass, reason: String, entry: CoveredEntry, context: DetectionContext
    ) -> Alert {
        let h = e.header
        let commandLine = ShellWord.commandLine(e.args)
        let entryLine = ShellWord.commandLine(entry.exec.args)
        var evidence = baseEvidence(e, commandLine: commandLine, context: context)
        evidence.append(("class", kind.rawValue))
        evidence.append(("reason", reason))
        evidence.append(("entry", entryLine))
        evidence.append(("entry_pid", String(entry.exec.header.tgid)))
        evidence.append(("entry_rule", "\(entry.rule.text) (\(entry.rule.origin))"))
        let set = policies.childProfiles
        let applying = entry.profiles(in: set).map { "\(set.profiles[$0].command.text) (\(set.profiles[$0].origin))" }
        evidence.append(("child_profile", applying.isEmpty ? "none" : applying.joined(separator: "; ")))
        let what: String
        switch kind {
        case .shell: what = "a shell"
        case .interpreter: what = "an interpreter"
        case .writablePath: what = "a program from a writable path"
        case .outsideSystemDirectories: what = "a program outside the system directories"
        }
        return Alert(
            rule: Self.childRule, severity: .high,
            title:
                "\(userName(h.lineageUid, context))'s allowed root command \(entryLine) started \(what): \(commandLine)",
            eventTimeNs: h.timestampNs, chain: context.chain(of: h.tgid), evidence: evidence,
            dedupKey: "\(Self.childRule)|\(h.lineageUid)|\(e.path)|\(commandLine)|\(entryLine)")
    }

    private func abuseAlert(_ e: ExecEvent, _ findings: [AbuseFinding], context: DetectionContext) -> Alert {
        let h = e.header
        let commandLine = ShellWord.commandLine(e.args)
        let worst = findings.max { $0.severity < $1.severity }!
        var evidence = baseEvidence(e, commandLine: commandLine, context: context)
        for (i, f) in findings.enumerated() {
            evidence.append(
                ("finding\(findings.count > 1 ? String(i + 1) : "")", "\(f.kind.rawValue): \(f.reason) [\(f.argument)]")
            )
        }
        return Alert(
            rule: Self.abuseRule, severity: worst.severity,
            title:
                "\(userName(h.lineageUid, context)) ran a root command with dangerous arguments (\(worst.kind.rawValue)): \(commandLine)",
            eventTimeNs: h.timestampNs, chain: context.chain(of: h.tgid), evidence: evidence,
            dedupKey: "\(Self.abuseRule)|\(h.lineageUid)|\(e.path)|\(commandLine)")
    }

    /// The program name. Only privileged execs of a watched lineage get here, so the
    /// String is not built on the hot path of ordinary execs.
    static func basename(_ path: [UInt8]) -> String {
        String(decoding: lastPathComponent(path[...]), as: UTF8.self)
    }
}

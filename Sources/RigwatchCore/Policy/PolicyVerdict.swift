// SPDX-License-Identifier: Apache-2.0
/// What the sensor would say of one command run as root through sudo by a watched
/// user (`rigwatch policy test`): the whitelist's decision with the deciding rule,
/// every argument-abuse finding, and, for a wrapper, the same for what it runs (live,
/// the wrapper's child is judged as an entry of its own). The same `CompiledPolicy`
/// and `ArgumentAbuseRules` as the detector; no process tree, so child profiles and
/// the root-equivalent rules, which judge what a command starts, are not part of it.
public struct PolicyVerdict: Sendable {
    public struct Step: Sendable {
        /// The program as sudo would run it (PATH resolved) and its argv.
        public var exe: String
        public var argv: [String]
        public var decision: CompiledPolicy.Decision
        /// The deciding rule's text and origin ("file:line"), when a rule decided.
        public var rule: (text: String, origin: String)?
        public var findings: [AbuseFinding]
        /// A wrapper: the next step is what it runs.
        public var isWrapper: Bool
    }

    public var steps: [Step]

    /// Allowed at every step and no finding anywhere: the sensor would raise nothing.
    public var isClean: Bool { steps.allSatisfy { $0.decision.isAllowed && $0.findings.isEmpty } }

    /// Judges `argv` (its first word a path or a name `resolve` turns into one) and,
    /// below each wrapper, what it runs. At most 8 wrappers deep.
    public static func judge(
        argv: [String], uid: UInt32, policies: PolicySet, abuse: ArgumentAbuseRules?,
        resolve: (String) -> String
    ) -> PolicyVerdict {
        var steps: [Step] = []
        var next: [String]? = argv
        let policy = policies.policy(for: uid)
        while var words = next, let first = words.first, steps.count < 8 {
            let exe = resolve(first)
            words[0] = first.hasPrefix("/") ? first : exe
            let decision = policy.decide(exe: exe, argv: words)
            let index: Int?
            switch decision {
            case .allowed(let rule): index = rule
            case .denied(let rule): index = rule
            }
            let isWrapper = PrivilegedExecDetector.wrappers.contains(lastPathComponent(exe))
            steps.append(
                Step(
                    exe: exe, argv: words, decision: decision,
                    rule: index.map { (policy.rules[$0].text, policy.rules[$0].origin) },
                    findings: abuse?.inspect(exe: exe, argv: words, lineageUid: uid) ?? [],
                    isWrapper: isWrapper))
            // Below a denied entry nothing more is judged (the sensor reports the entry).
            next = isWrapper && decision.isAllowed ? WrappedCommand.of(words) : nil
        }
        return PolicyVerdict(steps: steps)
    }
}

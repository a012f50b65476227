// SPDX-License-Identifier: Apache-2.0
/// The `crypto-mining` alert of an incident: every signal that fired, with its evidence.
enum MiningAlert {
    static func build(
        _ incident: MiningIncident, signals: Set<MiningSignal>, previous: Set<MiningSignal>, nowNs: UInt64,
        settings: MiningSettings, context: DetectionContext, rule: String
    ) -> Alert {
        let ordered = signals.sorted()
        let severity = MiningSignal.severity(of: signals)
        let subject = incident.subject.text(context)
        var evidence: [(String, String)] = [
            ("signals", ordered.map(\.rawValue).joined(separator: ", ")),
            ("agreeing", "\(ordered.count) of \(MiningSignal.allCases.count) independent signals"),
        ]
        if !previous.isEmpty {
            let joined = ordered.filter { !previous.contains($0) }.map(\.rawValue).joined(separator: ", ")
            evidence.append(
                (
                    "escalation",
                    "\(MiningSignal.severity(of: previous).rawValue) → \(severity.rawValue): \(joined) joined"
                ))
        }
        evidence.append(("subject", subject))
        for (i, p) in incident.execs.enumerated() {
            let suffix = incident.execs.count > 1 ? String(i + 1) : ""
            evidence.append(
                ("exec_signature\(suffix)", p.hits.map { "\($0.kind.rawValue): \($0.detail)" }.joined(separator: "; ")))
            evidence.append(("process\(suffix)", "pid \(p.tgid) \(p.path)"))
            evidence.append(("command\(suffix)", p.argv.map(EventFormat.shellQuote).joined(separator: " ")))
        }
        for (i, login) in incident.stratum.enumerated() {
            let suffix = incident.stratum.count > 1 ? String(i + 1) : ""
            evidence.append(("stratum\(suffix)", login.text))
            evidence.append(("stratum_method\(suffix)", login.match.method))
            evidence.append(("stratum_destination\(suffix)", login.destination.withPort(login.port)))
            if let agent = login.match.agent { evidence.append(("stratum_agent\(suffix)", agent)) }
            if let account = login.match.login { evidence.append(("stratum_login\(suffix)", account)) }
            evidence.append(("stratum_exe\(suffix)", login.exe))
            evidence.append(("stratum_payload\(suffix)", login.payload))
        }
        for (i, c) in incident.contacts.enumerated() {
            evidence.append(("pool_connection\(incident.contacts.count > 1 ? String(i + 1) : "")", c.text))
        }
        for (i, run) in incident.gpuRuns.values.sorted(by: { $0.gpuIndex < $1.gpuIndex }).enumerated() {
            let suffix = incident.gpuRuns.count > 1 ? String(i + 1) : ""
            evidence.append(
                ("gpu\(suffix)", run.summary + ", at least \(settings.busyPercent)% for \(settings.busySeconds) s"))
            evidence.append(("gpu_reason\(suffix)", run.idleReason))
            if !run.suspects.isEmpty { evidence.append(("gpu_processes\(suffix)", run.suspectText)) }
        }
        evidence.append(("incident_start_ns", String(incident.openedNs)))

        let what: String
        if let p = incident.execs.first {
            what = programName(p)
        } else if let login = incident.stratum.first {
            what = "stratum \(login.match.method) by \(lastPathComponent(login.exe))"
        } else if let run = incident.gpuRuns.values.min(by: { $0.gpuIndex < $1.gpuIndex }) {
            what = "GPU \(run.gpuIndex) busy \(run.maxUtil)%"
        } else {
            what = "pool connection"
        }
        let title =
            previous.isEmpty
            ? "Crypto-mining suspected (\(ordered.map(\.rawValue).joined(separator: " + "))): \(what) in \(subject)"
            : "Crypto-mining escalated to \(severity.rawValue) (\(ordered.map(\.rawValue).joined(separator: " + "))): \(what) in \(subject)"
        return Alert(
            rule: rule, severity: severity, title: title, eventTimeNs: nowNs, chain: chain(incident, context: context),
            evidence: evidence, dedupKey: "\(rule)|\(incident.subject.key)|\(incident.openedNs)|\(severity.rawValue)")
    }

    /// The program's name; for a launcher (env, nice, timeout …), whose argv carries
    /// the miner's arguments and so matched first, the program it starts and the
    /// launchers: `xmrig (via nice, timeout)`. The chain is read from the exec's path,
    /// not argv[0], which the caller chooses: a miner calling itself `env` is no launcher.
    static func programName(_ p: SignatureProcess) -> String {
        let name = lastPathComponent(p.path)
        guard let launch = WrappedCommand.launch([p.path] + p.argv.dropFirst()),
            let launched = launch.argv.first.map(lastPathComponent), !launched.isEmpty
        else { return name }
        return "\(launched) (via \(launch.wrappers.joined(separator: ", ")))"
    }

    /// The miner's chain when an exec matched, else the first GPU suspect's, else the pool contact's.
    static func chain(_ incident: MiningIncident, context: DetectionContext) -> [ProcessSummary] {
        var pids = incident.execs.map(\.tgid)
        pids += incident.gpuRuns.values.sorted(by: { $0.gpuIndex < $1.gpuIndex }).flatMap {
            $0.suspects.filter { $0.subject != nil }.map(\.pid)
        }
        pids += incident.stratum.map(\.tgid)
        pids += incident.contacts.map(\.tgid)
        for pid in pids {
            let chain = context.chain(of: pid)
            if !chain.isEmpty { return chain }
        }
        return []
    }
}

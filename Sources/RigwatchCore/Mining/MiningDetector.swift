// SPDX-License-Identifier: Apache-2.0
/// Crypto-mining: three noisy signals correlated into one `crypto-mining` alert
/// per incident (per watched user's process tree, else per container).
///
/// - exec signature: a miner's name, a stratum URL, a pool host or the miner
///   options in an exec (`ExecSignatureMatcher`);
/// - pool connection: a connect or byte snapshot to a pool port, or to the port the
///   miner's argv named. Alone it is only a hint (ports like 8080 carry ordinary
///   traffic), so it never opens an incident; it joins one opened by another signal;
/// - GPU busy: utilization at or above `busyPercent` for `busySeconds` while the host
///   should be idle, or busy with a compute process of a watched lineage or of no
///   allowed container (`GPUIdleJudge`).
///
/// - stratum protocol: the first bytes of a new outbound TCP connection are a stratum
///   login (`StratumMatcher`): what only a miner sends, so it opens a high incident on
///   its own, whatever the process's name, port or arguments, and raises at once.
///
/// Severity is the number of signals that agree: 1 → low, 2 → high, 3 or more →
/// critical, a stratum login counting as two.
/// Raising: while GPU samples arrive, an incident's first alert waits up to
/// `holdSeconds` for the GPU signal, which needs `busySeconds` to mature, so a miner
/// that starts, connects and loads the GPU raises one alert; it goes out at once when
/// the GPU signal is in it or all three agree. On a host without a sampled GPU
/// (`expectGPU` false) nothing is held. After that, each signal that joins raises once more with the higher severity
/// (an escalation: the operator must learn that the GPU is busy now too). More of the
/// same signal (samples, contacts, execs) raises nothing. An incident with no new
/// observation for `quietSeconds` is over. Time comes from the events only.
public final class MiningDetector: Detector {
    public let name = "crypto-mining"
    public private(set) var settings: MiningSettings
    private var matcher: ExecSignatureMatcher
    private var prefilter: ExecPrefilter
    private var judge: GPUIdleJudge

    private var incidents: [MiningSubject: MiningIncident] = [:]
    /// Live processes whose exec matched, so a later incident of their subject carries the signature.
    private var signatureProcesses: [UInt32: SignatureProcess] = [:]
    /// Recent pool contacts per subject, for an incident that opens after them.
    private var recentContacts: [MiningSubject: [PoolContact]] = [:]
    /// The busy run of each GPU, by index.
    private var runs: [UInt32: GPUBusyRun] = [:]
    /// Incidents whose first alert waits for the GPU signal (few: one per subject).
    private var held: [MiningSubject] = []
    private var nowNs: UInt64 = 0
    /// Time of the last GPU sample seen; nil while no GPU is sampled.
    private var lastGPUSampleNs: UInt64?
    private var nextSweepNs: UInt64 = 0

    static let maxSignatureProcesses = 4096
    static let maxSubjectsRemembered = 4096
    static let contactsPerSubject = 8

    public init(settings: MiningSettings = MiningSettings()) {
        self.settings = settings
        self.matcher = ExecSignatureMatcher(signatures: settings.signatures)
        self.prefilter = ExecPrefilter(signatures: settings.signatures)
        self.judge = GPUIdleJudge(settings: settings)
    }

    /// New thresholds, allowlists and signatures (SIGHUP). Open incidents, busy runs and
    /// remembered contacts are kept and judged by the new settings from the next event on.
    /// Not thread-safe: the engine calls it between events, on its own thread.
    public func replaceSettings(_ settings: MiningSettings) {
        self.settings = settings
        matcher = ExecSignatureMatcher(signatures: settings.signatures)
        prefilter = ExecPrefilter(signatures: settings.signatures)
        judge = GPUIdleJudge(settings: settings)
    }

    public func apply(_ settings: DetectorSettings) {
        if let mining = settings.mining { replaceSettings(mining) }
    }

    /// Incidents not yet over.
    public var openIncidentCount: Int { incidents.values.filter { !isOver($0) }.count }

    private var quietNs: UInt64 { DetectorSupport.nanoseconds(settings.quietSeconds) }
    private var busyNs: UInt64 { DetectorSupport.nanoseconds(settings.busySeconds) }
    private var holdNs: UInt64 { DetectorSupport.nanoseconds(settings.holdSeconds) }
    /// Contacts are remembered long enough for a GPU signal that matures after them.
    private var contactMemoryNs: UInt64 { max(quietNs, busyNs.saturatingAdd(holdNs)) }

    public func observe(_ event: Event, context: DetectionContext) -> [Alert] {
        nowNs = max(nowNs, event.timestampNs)
        var touched: [MiningSubject] = []
        switch event {
        case .exec(let e): touched = execSeen(e, context: context)
        case .connect(let e):
            touched = contactSeen(
                e.header,
                PoolContact(
                    tgid: e.header.tgid, destination: e.destination, port: e.destinationPort,
                    proto: e.proto, firstNs: e.header.timestampNs,
                    lastNs: e.header.timestampNs, connects: 1, bytes: 0), context: context)
        case .netBytes(let e) where e.bytes > 0:
            touched = contactSeen(
                e.header,
                PoolContact(
                    tgid: e.header.tgid, destination: e.destination, port: e.destinationPort,
                    proto: e.proto, firstNs: min(e.firstNs, e.lastNs),
                    lastNs: max(e.firstNs, e.lastNs), connects: 0, bytes: e.bytes), context: context)
        case .gpuSample(let s):
            lastGPUSampleNs = s.timestampNs
            touched = gpuSampled(s, context: context)
        case .firstPayload(let e): touched = payloadSeen(e, context: context)
        case .exit(let e): signatureProcesses.removeValue(forKey: e.header.tgid)
        case .netBytes, .fork, .cred, .drops, .fileChange, .tamper, .integrity, .unixConnect, .auth, .enforce: break
        }
        var alerts: [Alert] = []
        for subject in touched { if let alert = raiseIfDue(subject, context: context) { alerts.append(alert) } }
        // Held incidents go out when their hold ends, on whatever event shows the time has come.
        if !held.isEmpty {
            for subject in held where !touched.contains(subject) {
                if let alert = raiseIfDue(subject, context: context) { alerts.append(alert) }
            }
            held.removeAll { subject in incidents[subject].map { !$0.raised.isEmpty || isOver($0) } ?? true }
        }
        sweepIfDue()
        return alerts
    }

    // MARK: Signals

    private func execSeen(_ e: ExecEvent, context: DetectionContext) -> [MiningSubject] {
        let tgid = e.header.tgid
        // Nearly every exec is no miner: the byte prefilter says so without building Strings,
        // and names the few checks that may match when one might.
        let checks = prefilter.checks(e)
        let hits =
            checks.isEmpty
            ? [] : matcher.match(path: e.path, comm: e.header.comm.description, argv: e.argv, checks: checks)
        guard !hits.isEmpty else {
            signatureProcesses.removeValue(forKey: tgid)  // it runs something else now
            return []
        }
        let subject = MiningSubject(e.header, watchedUids: context.config.watchedUids)
        let ports = Set(ExecSignatureMatcher.poolEndpoints(e.argv).map(\.port))
        let process = SignatureProcess(
            tgid: tgid, subject: subject, execNs: e.header.timestampNs, path: e.path,
            argv: e.argv, hits: hits, namedPorts: ports)
        if signatureProcesses[tgid] == nil && signatureProcesses.count >= Self.maxSignatureProcesses {
            signatureProcesses.removeValue(
                forKey: signatureProcesses.min { $0.value.execNs < $1.value.execNs }?.key ?? tgid)
        }
        signatureProcesses[tgid] = process
        openOrUpdate(subject, context: context, processes: [tgid]) { $0.add(process) }
        return [subject]
    }

    private func contactSeen(
        _ header: EventHeader, _ contact: PoolContact, context: DetectionContext
    ) -> [MiningSubject] {
        let subject = MiningSubject(header, watchedUids: context.config.watchedUids)
        let open = incidents[subject].flatMap { isOver($0) ? nil : $0 }
        let namedPorts = open?.namedPorts ?? signatureProcesses[header.tgid]?.namedPorts ?? []
        guard settings.signatures.poolPorts.contains(contact.port) || namedPorts.contains(contact.port) else {
            return []
        }
        remember(contact, for: subject)
        guard open != nil else { return [] }  // a pool port alone is only a hint
        incidents[subject]?.add(contact)
        incidents[subject]?.lastSignalNs = nowNs
        return [subject]
    }

    private func payloadSeen(_ e: FirstPayloadEvent, context: DetectionContext) -> [MiningSubject] {
        guard let match = StratumMatcher.match(e.data) else { return [] }
        let tgid = e.header.tgid
        let exe: String
        if let record = context.processes.lookup(tgid), record.execSeen {
            exe = record.path
        } else {
            exe = "\(e.header.comm) (comm; exec not seen)"
        }
        let login = StratumContact(
            tgid: tgid, destination: e.destination, port: e.destinationPort, match: match,
            timestampNs: e.header.timestampNs, exe: exe, payload: EventFormat.printable(e.data))
        let subject = MiningSubject(e.header, watchedUids: context.config.watchedUids)
        openOrUpdate(subject, context: context, processes: [tgid]) { $0.add(login) }
        return [subject]
    }

    private func gpuSampled(_ sample: GPUSampleEvent, context: DetectionContext) -> [MiningSubject] {
        let gpu = sample.gpuIndex
        guard case .suspicious(let suspects, let reason) = judge.judge(sample, context: context) else {
            runs.removeValue(forKey: gpu)
            return []
        }
        var run: GPUBusyRun
        // A sample from the past, or after a gap longer than the busy span, starts a new run.
        if let previous = runs[gpu], sample.timestampNs >= previous.lastNs,
            sample.timestampNs - previous.lastNs <= busyNs
        {
            run = previous
        } else {
            run = GPUBusyRun(sample, idleReason: reason)
        }
        run.add(sample, suspects: suspects, idleReason: reason)
        if run.durationNs >= busyNs { run.fired = true }
        runs[gpu] = run
        guard run.fired else { return [] }

        var subjects = run.subjects
        if run.chargesHost {
            // Nobody named: the open incidents and whoever reached a pool recently are the
            // likely cause; else the host itself.
            var likely = Set(incidents.values.filter { !isOver($0) && $0.subject != .host }.map(\.subject))
            likely.formUnion(
                recentContacts.filter { $0.value.contains { $0.lastNs.saturatingAdd(contactMemoryNs) >= nowNs } }.keys)
            likely.subtract(subjects)
            subjects += likely.isEmpty && subjects.isEmpty ? [.host] : likely.sorted()
        }
        for subject in subjects {
            let pids = run.suspects.filter { $0.subject == subject }.map(\.pid)
            openOrUpdate(subject, context: context, processes: pids) { $0.add(run) }
        }
        return subjects
    }

    // MARK: Incidents

    /// Applies `change` to the subject's open incident, opening one first when none is.
    /// A new incident takes in what is already known of its subject: live signature
    /// processes, recent pool contacts (and the pool-port contacts of `processes` in the
    /// engine's record), and busy GPU runs charged to it or to nobody.
    private func openOrUpdate(
        _ subject: MiningSubject, context: DetectionContext, processes: [UInt32],
        _ change: (inout MiningIncident) -> Void
    ) {
        if var incident = incidents[subject], !isOver(incident) {
            change(&incident)
            incident.lastSignalNs = nowNs
            incidents[subject] = incident
            return
        }
        var incident = MiningIncident(subject: subject, openedNs: nowNs)
        for p in signatureProcesses.values.sorted(by: { $0.execNs < $1.execNs }) where p.subject == subject {
            incident.add(p)
        }
        let ports = settings.signatures.poolPorts.union(incident.namedPorts)
        for c in recentContacts[subject] ?? [] where ports.contains(c.port) { incident.add(c) }
        for tgid in processes {
            for c in context.networkContacts.contacts(of: tgid) where ports.contains(c.port) {
                incident.add(
                    PoolContact(
                        tgid: tgid, destination: c.destination, port: c.port, proto: c.proto, firstNs: c.firstNs,
                        lastNs: c.lastNs, connects: c.connects, bytes: c.bytes), total: true)
            }
        }
        if subject != .host {
            for run in runs.values.sorted(by: { $0.gpuIndex < $1.gpuIndex })
            where run.fired && (run.subjects.contains(subject) || run.chargesHost) {
                incident.add(run)
            }
        }
        change(&incident)
        incidents[subject] = incident
        if !held.contains(subject) { held.append(subject) }
    }

    /// Whether GPU samples arrive even though none were expected.
    private var gpuSampled: Bool {
        guard let last = lastGPUSampleNs else { return false }
        return nowNs <= last.saturatingAdd(holdNs)
    }

    private func isOver(_ incident: MiningIncident) -> Bool {
        nowNs > incident.lastSignalNs.saturatingAdd(quietNs)
    }

    /// Raises the incident's first alert when it is due, or an escalation when a signal joined since the last.
    private func raiseIfDue(_ subject: MiningSubject, context: DetectionContext) -> Alert? {
        guard let incident = incidents[subject], !isOver(incident) else { return nil }
        let signals = incident.signals
        if incident.raised.isEmpty {
            let due =
                signals.contains(.gpuBusy) || signals.contains(.stratum) || signals.isSuperset(of: MiningSignal.classic)
                || nowNs >= incident.openedNs.saturatingAdd(holdNs) || !(settings.expectGPU || gpuSampled)
            guard due, !signals.isEmpty else { return nil }
        } else if signals.count <= incident.raised.count {
            return nil
        }
        let previous = incident.raised
        incidents[subject]?.raised = signals
        incidents[subject]?.alerts += 1
        return MiningAlert.build(
            incident, signals: signals, previous: previous, nowNs: nowNs, settings: settings,
            context: context, rule: name)
    }

    private func remember(_ contact: PoolContact, for subject: MiningSubject) {
        if recentContacts[subject] == nil && recentContacts.count >= Self.maxSubjectsRemembered {
            let stalest = recentContacts.min { ($0.value.last?.lastNs ?? 0) < ($1.value.last?.lastNs ?? 0) }?.key
            if let stalest { recentContacts.removeValue(forKey: stalest) }
        }
        var list = recentContacts[subject] ?? []
        if let i = list.firstIndex(where: {
            $0.tgid == contact.tgid && $0.destination == contact.destination && $0.port == contact.port
        }) {
            var merged = list.remove(at: i)
            merged.lastNs = max(merged.lastNs, contact.lastNs)
            merged.connects &+= contact.connects
            merged.bytes &+= contact.bytes
            list.append(merged)
        } else {
            if list.count >= Self.contactsPerSubject { list.removeFirst() }
            list.append(contact)
        }
        recentContacts[subject] = list
    }

    /// Forgets incidents that are over and contacts too old to join one, a few times per quiet period.
    private func sweepIfDue() {
        guard nowNs >= nextSweepNs else { return }
        nextSweepNs = nowNs.saturatingAdd(max(1_000_000_000, quietNs / 4))
        incidents = incidents.filter { !isOver($0.value) }
        let now = nowNs
        let memory = contactMemoryNs
        recentContacts = recentContacts.compactMapValues { list in
            let kept = list.filter { $0.lastNs.saturatingAdd(memory) >= now }
            return kept.isEmpty ? nil : kept
        }
    }
}

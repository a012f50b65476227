// SPDX-License-Identifier: Apache-2.0
/// "Data is leaving": many bytes, or a fast transfer kept up for long, from one
/// subject (a watched user's lineage, else a container) to one destination that is
/// not allowed; and, for the watched lineages only, more bytes to one destination
/// block than a long-horizon budget allows (`HorizonLedger`). Reads the byte
/// snapshots (`.netBytes`) only; time is the snapshot time and the send times the
/// kernel recorded, never the wall clock.
public final class ExfiltrationDetector: Detector {
    public let name = "exfiltration"
    public private(set) var settings: ExfiltrationSettings
    private var allowlist: DestinationAllowlist
    private var budgetAllowlist: DestinationAllowlist
    private var flows: [FlowKey: TransferFlow] = [:]
    private var ledger: HorizonLedger
    private var nowNs: UInt64 = 0
    private var nextSweepNs: UInt64 = 0
    /// No new "budgets full" alert before this time.
    private var trackingFullQuietUntilNs: UInt64 = 0

    /// Snapshots kept per flow; beyond it the oldest merge (a window of 10 min at
    /// one snapshot per 5 s needs 120 per port and process).
    static let maxSamplesPerFlow = 1024
    /// The least time between two "budgets full" alerts.
    static let trackingFullQuietNs: UInt64 = 3600 * 1_000_000_000

    struct FlowKey: Hashable {
        var subject: TransferSubject
        var destination: IPAddress
    }

    struct PortKey: Hashable {
        var port: UInt16
        var proto: NetProtocol
    }

    public init(settings: ExfiltrationSettings = ExfiltrationSettings()) {
        self.settings = settings
        self.allowlist = settings.allowlist
        self.budgetAllowlist = settings.budgetAllowlist
        self.ledger = HorizonLedger(budgets: settings.budgets, capacity: settings.budgetMaxTracked)
    }

    /// (subject, destination) pairs followed now.
    public var trackedCount: Int { flows.count }

    /// (lineage, destination block) pairs the budgets follow now.
    public var budgetTrackedCount: Int { ledger.count }
    var budgetEvicted: Int { ledger.evicted }
    var budgetEvictedMaxBytes: UInt64 { ledger.evictedMaxBytes }
    var budgetTrackedLimit: Int { ledger.capacity }

    /// New thresholds, budgets and allowlists (SIGHUP: host names resolved again); flows,
    /// their windows and the budgets' counters are kept (a counter whose horizon changed starts empty).
    public func replaceSettings(_ settings: ExfiltrationSettings) {
        self.settings = settings
        allowlist = settings.allowlist
        budgetAllowlist = settings.budgetAllowlist
        ledger.replaceBudgets(settings.budgets)
        ledger.capacity = max(8, settings.budgetMaxTracked)
    }

    public func apply(_ settings: DetectorSettings) {
        if let network = settings.network { replaceSettings(network.exfiltration) }
    }

    private var windowNs: UInt64 { DetectorSupport.nanoseconds(settings.windowSeconds) }

    public var observes: EventKinds { [.netBytes] }

    public func observe(_ event: Event, context: DetectionContext) -> [Alert] {
        guard case .netBytes(let e) = event, e.bytes > 0 else { return [] }
        let firstNs = min(e.firstNs, e.lastNs)
        let lastNs = max(e.firstNs, e.lastNs)
        nowNs = max(nowNs, e.header.timestampNs, lastNs)
        sweepIfDue()

        let subject = TransferSubject(e.header, watchedUids: context.config.watchedUids)
        var alerts: [Alert] = []
        if !allowlist.allows(e.destination),
            let alert = observeWindow(e, subject: subject, firstNs: firstNs, lastNs: lastNs, context: context)
        {
            alerts.append(alert)
        }
        // Renters' containers are not budgeted: their uploads are their business; the
        // watched lineages can read the host's own accounts and data.
        if case .lineage = subject, !ledger.budgets.isEmpty, !budgetAllowlist.allows(e.destination) {
            alerts += observeBudgets(e, subject: subject, lastNs: lastNs, context: context)
        }
        return alerts
    }

    private func observeWindow(
        _ e: NetBytesEvent, subject: TransferSubject, firstNs: UInt64, lastNs: UInt64, context: DetectionContext
    ) -> Alert? {
        let key = FlowKey(subject: subject, destination: e.destination)
        if flows[key] == nil && flows.count >= max(1, settings.maxTracked) { evictLeastRecent() }
        // Taken out and put back so the samples array is not copied on write.
        var flow = flows.removeValue(forKey: key) ?? TransferFlow()
        defer { flows[key] = flow }
        flow.add(
            TransferFlow.Sample(
                firstNs: firstNs, lastNs: lastNs, bytes: e.bytes, port: e.destinationPort,
                proto: e.proto, tgid: e.header.tgid),
            snapshotNs: e.header.timestampNs, sustainedRate: settings.sustainedBytesPerSecond,
            maxSamples: Self.maxSamplesPerFlow)
        flow.expire(nowNs: nowNs, windowNs: windowNs)

        let overBytes = settings.bytesPerWindow > 0 && flow.windowBytes >= settings.bytesPerWindow
        var sustained: TransferFlow.Run?
        if settings.sustainedBytesPerSecond > 0, settings.sustainedSeconds > 0, let run = flow.run,
            run.durationNs >= DetectorSupport.nanoseconds(settings.sustainedSeconds)
        {
            sustained = run
        }
        guard overBytes || sustained != nil, nowNs >= flow.quietUntilNs else { return nil }
        flow.quietUntilNs = nowNs.saturatingAdd(windowNs)
        return alert(e, key: key, flow: flow, overBytes: overBytes, sustained: sustained, context: context)
    }

    private func observeBudgets(
        _ e: NetBytesEvent, subject: TransferSubject, lastNs: UInt64, context: DetectionContext
    ) -> [Alert] {
        let key = HorizonLedger.Key(subject: subject, block: .budgetBlock(of: e.destination))
        let crossings = ledger.charge(
            key, bytes: e.bytes, sentNs: lastNs, nowNs: nowNs, address: e.destination, port: e.destinationPort,
            proto: e.proto, tgid: e.header.tgid)
        var alerts: [Alert] = []
        if !crossings.isEmpty, let entry = ledger.entries[key] {
            alerts = crossings.map { budgetAlert(e, key: key, entry: entry, crossing: $0, context: context) }
        }
        if ledger.evicted > 0, nowNs >= trackingFullQuietUntilNs {
            trackingFullQuietUntilNs = nowNs.saturatingAdd(Self.trackingFullQuietNs)
            alerts.append(trackingFullAlert(e, subject: subject, context: context))
            ledger.resetEvicted()
        }
        return alerts
    }

    private func alert(
        _ e: NetBytesEvent, key: FlowKey, flow: TransferFlow, overBytes: Bool,
        sustained: TransferFlow.Run?, context: DetectionContext
    ) -> Alert {
        let live = flow.live
        let startNs = live.map(\.firstNs).min() ?? e.firstNs
        let endNs = live.map(\.lastNs).max() ?? e.lastNs
        let durationNs = endNs > startNs ? endNs - startNs : 0
        let bytes = flow.windowBytes

        // The port that carried most of the bytes names the destination.
        var byPort: [PortKey: UInt64] = [:]
        var portOrder: [PortKey] = []
        var senders: [UInt32] = []
        for s in live {
            let port = PortKey(port: s.port, proto: s.proto)
            if byPort[port] == nil { portOrder.append(port) }
            byPort[port, default: 0] &+= s.bytes
            if !senders.contains(s.tgid) { senders.append(s.tgid) }
        }
        let main =
            portOrder.max { (byPort[$0] ?? 0) < (byPort[$1] ?? 0) } ?? PortKey(port: e.destinationPort, proto: e.proto)
        let proto = main.proto.name
        let destination = key.destination.withPort(main.port)

        let rate = durationNs > 0 ? Double(bytes) * 1e9 / Double(durationNs) : nil
        let rateText = rate.map { DetectorSupport.bytes($0) + "/s" } ?? "one burst"
        let subject = key.subject.text(context)
        var triggers: [String] = []
        if overBytes { triggers.append("bytes_per_window") }
        if sustained != nil { triggers.append("sustained_rate") }

        var evidence: [(String, String)] = [
            ("destination", destination),
            ("protocol", proto),
            ("bytes", String(bytes)),
            ("duration_seconds", DetectorSupport.seconds(durationNs)),
            ("rate_bytes_per_second", rate.map { String(UInt64($0)) } ?? "n/a"),
            ("window_seconds", String(settings.windowSeconds)),
            ("trigger", triggers.joined(separator: "+")),
        ]
        if let sustained {
            evidence.append(
                (
                    "sustained",
                    "\(sustained.bytes) bytes in \(DetectorSupport.seconds(sustained.durationNs)) s, each snapshot at least \(settings.sustainedBytesPerSecond) bytes/s"
                ))
        }
        evidence.append(("subject", subject))
        evidence.append(("cgroup_id", String(e.header.cgroupId)))
        if portOrder.count > 1 {
            evidence.append(("ports", portOrder.map { "\($0.port)/\($0.proto.name)" }.joined(separator: ", ")))
        }
        if senders.count > 1 { evidence.append(("sender_pids", senders.map(String.init).joined(separator: ", "))) }

        let title =
            "Outbound transfer: \(DetectorSupport.bytes(Double(bytes))) to \(destination)/\(proto) in "
            + "\(DetectorSupport.fixed(Double(durationNs) / 1e9, decimals: 1)) s (\(rateText)) from \(subject)"
        return Alert(
            rule: name, severity: .high, title: title, eventTimeNs: e.header.timestampNs,
            chain: DetectorSupport.chain(of: e.header, context: context), evidence: evidence,
            dedupKey: "\(name)|\(key.subject.key)|\(key.destination)")
    }

    /// Forgets flows that went quiet for a whole window, a few times per window.
    private func sweepIfDue() {
        guard nowNs >= nextSweepNs else { return }
        nextSweepNs = nowNs.saturatingAdd(Swift.max(1_000_000_000, windowNs / 4))
        let now = nowNs
        let window = windowNs
        flows = flows.filter { $0.value.lastSeenNs.saturatingAdd(window) > now || $0.value.quietUntilNs > now }
        ledger.sweep(nowNs: now)
    }

    /// Full: the least recently active eighth goes (their windows are the emptiest).
    private func evictLeastRecent() {
        let victims = flows.sorted { $0.value.lastSeenNs < $1.value.lastSeenNs }.prefix(max(1, flows.count / 8))
        for v in victims { flows.removeValue(forKey: v.key) }
    }
}

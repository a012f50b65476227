// SPDX-License-Identifier: Apache-2.0
/// "A watched user's process connected somewhere unexpected": the host daemon
/// talks to a known set of servers, so a connect from its lineage anywhere else
/// (a reverse shell, a download of tools) is worth a look. Reads `.connect` only.
public final class WatchedOutboundDetector: Detector {
    public let name = "watched-user-outbound"
    public private(set) var settings: WatchedOutboundSettings
    private var allowlist: DestinationAllowlist
    /// When each (lineage, destination) last raised an alert.
    private var alerted: [Key: UInt64] = [:]
    private var nowNs: UInt64 = 0

    struct Key: Hashable {
        var lineage: UInt32
        var destination: IPAddress
    }

    public init(settings: WatchedOutboundSettings = WatchedOutboundSettings()) {
        self.settings = settings
        self.allowlist = settings.allowlist
    }

    /// New thresholds and allowlists (SIGHUP: host names resolved again); the pairs already reported stay quiet for their window.
    public func replaceSettings(_ settings: WatchedOutboundSettings) {
        self.settings = settings
        allowlist = settings.allowlist
    }

    public func apply(_ settings: DetectorSettings) {
        if let network = settings.network { replaceSettings(network.watchedOutbound) }
    }

    private var windowNs: UInt64 { DetectorSupport.nanoseconds(settings.windowSeconds) }

    public var observes: EventKinds { [.connect] }

    public func observe(_ event: Event, context: DetectionContext) -> [Alert] {
        guard case .connect(let e) = event else { return [] }
        let h = e.header
        guard h.hasLineage, context.config.watchedUids.contains(h.lineageUid), !allowlist.allows(e.destination) else {
            return []
        }
        if coveredByProgram(h, context: context) { return [] }
        nowNs = max(nowNs, h.timestampNs)
        let key = Key(lineage: h.lineageUid, destination: e.destination)
        if let last = alerted[key], nowNs < last.saturatingAdd(windowNs) { return [] }
        if alerted[key] == nil && alerted.count >= max(1, settings.maxTracked) { makeRoom() }
        alerted[key] = nowNs

        let user = context.userName(h.lineageUid) ?? "uid \(h.lineageUid)"
        let destination = e.destination.withPort(e.destinationPort)
        let evidence: [(String, String)] = [
            ("user", "\(user) (uid \(h.lineageUid))"),
            ("destination", destination),
            ("protocol", e.proto.name),
            ("source", e.source.withPort(e.sourcePort)),
            ("comm", h.comm.description),
            ("cgroup_id", String(h.cgroupId)),
        ]
        return [
            Alert(
                rule: name, severity: .medium,
                title: "\(user)'s process \(h.comm) connected to \(destination), not on the watched users' allowlist",
                eventTimeNs: h.timestampNs, chain: DetectorSupport.chain(of: h, context: context),
                evidence: evidence, dedupKey: "\(name)|\(h.lineageUid)|\(e.destination)")
        ]
    }

    /// Whether the connecting program is one whose destinations are not the watched user's to choose.
    private func coveredByProgram(_ h: EventHeader, context: DetectionContext) -> Bool {
        guard !settings.allowPrograms.isEmpty else { return false }
        let table = context.processes
        guard let record = table.lookup(h.tgid), record.execSeen else { return false }
        let parent = table.lookup(record.ppid).flatMap { $0.execSeen ? $0 : nil }
        return settings.allowPrograms.contains {
            $0.covers(program: record.filename, parentProgram: parent?.filename, parentEuid: parent?.euid)
        }
    }

    /// Forgets pairs whose window is over; when none is, the oldest eighth.
    private func makeRoom() {
        let now = nowNs
        let window = windowNs
        alerted = alerted.filter { $0.value.saturatingAdd(window) > now }
        guard alerted.count >= max(1, settings.maxTracked) else { return }
        for victim in alerted.sorted(by: { $0.value < $1.value }).prefix(max(1, alerted.count / 8)) {
            alerted.removeValue(forKey: victim.key)
        }
    }
}

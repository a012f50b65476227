// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// The service's posture checks (`service.posture_check_hours`): when the next run
/// is due, and which findings of a run are new, as `host-posture` alerts. A finding
/// is new when the run before (in this process) did not have it (same id and
/// evidence); one that went away and came back is new again. Info findings are not
/// alerted: they are `check-host`'s to list.
public struct HostPostureAlerts: Sendable {
    public static let rule = "host-posture"

    public let intervalSeconds: Double
    /// Wall-clock seconds of the next run; the first is due at once.
    public private(set) var next: Double
    private var seen: Set<String> = []
    private var sequence = 0

    /// nil when off (0 hours).
    public init?(hours: Int, start: Double) {
        guard hours > 0 else { return nil }
        intervalSeconds = Double(hours) * 3600
        next = start
    }

    /// True when a run is due now; the next one is then an interval later. A clock
    /// set back makes the next run due an interval from now.
    public mutating func take(now: Double) -> Bool {
        if next - now > intervalSeconds { next = now + intervalSeconds }
        guard now >= next else { return false }
        next = now + intervalSeconds
        return true
    }

    /// The alerts for one run's findings not in the run before.
    public mutating func alerts(_ findings: [PostureFinding], host: String, bootNs: UInt64) -> [Alert] {
        let judged = findings.filter { $0.severity > .info }
        let keys = Set(judged.map(\.key))
        defer { seen = keys }
        return judged.filter { !seen.contains($0.key) }.map { finding in
            sequence += 1
            var alert = Alert(
                rule: Self.rule, severity: finding.severity, title: "\(host): \(finding.title)", eventTimeNs: bootNs,
                evidence: [("finding", finding.id)] + finding.evidence + [("fix", finding.fix)],
                dedupKey: "\(Self.rule):\(host):\(finding.key)")
            alert.id = "\(Self.rule)-\(sequence)"
            return alert
        }
    }
}

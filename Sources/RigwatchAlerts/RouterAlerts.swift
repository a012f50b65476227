// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// The alerts the router raises about itself: what the spool had to refuse, and
/// what it found damaged. They travel like any alert.
enum RouterAlerts {
    /// The loss a full spool caused, once there is room for it.
    static func spoolFull(lost: UInt64, spoolDirectory: String, nowNs: Int64) -> Alert {
        var alert = Alert(
            rule: "alert-spool-full", severity: .critical,
            title: "rigwatch dropped \(lost) alerts: the delivery spool was full",
            eventTimeNs: 0,
            evidence: [
                ("dropped", String(lost)), ("spool", spoolDirectory),
                ("note", "every alert is still in the local alert log"),
            ],
            dedupKey: "alert-spool-full")
        alert.id = "alert-spool-full-\(nowNs)"
        return alert
    }

    /// What opening the spool found damaged (at most 10 parts named, then a count).
    static func spoolDamaged(_ damage: [SpoolDamage], spoolDirectory: String, nowNs: Int64) -> Alert {
        let bytes = damage.compactMap(\.bytes).reduce(0) { $0 + $1.count }
        let first = damage.first.map(\.description) ?? ""
        var evidence = damage.prefix(10).enumerated().map { ("damage \($0.offset + 1)", $0.element.description) }
        if damage.count > 10 { evidence.append(("more", "\(damage.count - 10) more damaged parts")) }
        evidence += [
            ("spool", spoolDirectory),
            (
                "note",
                "every other record was kept; the alerts of a damaged record are in the local alert log but may be missing on Discord"
            ),
        ]
        var alert = Alert(
            rule: "sensor-spool-damaged", severity: .high,
            title: damage.count == 1
                ? "rigwatch skipped a damaged part of its delivery spool: \(first)"
                : "rigwatch skipped \(damage.count) damaged parts of its delivery spool (\(bytes) bytes)",
            eventTimeNs: 0, evidence: evidence, dedupKey: "sensor-spool-damaged|\(nowNs)")
        alert.id = "sensor-spool-damaged-\(nowNs)"
        return alert
    }
}

// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import RigwatchIO

/// The alert `rigwatch test-alert` sends, by itself or through the running sensor.
enum TestAlert {
    static let rule = "test-alert"

    static func make(host: String) -> Alert {
        let now = SystemClock.wallNowNs()
        var alert = Alert(
            rule: rule, severity: .info, title: "rigwatch test alert from \(host)",
            eventTimeNs: SystemClock.bootNowNs(),
            evidence: [("note", "sent by `rigwatch test-alert`; nothing is wrong")],
            dedupKey: "\(rule)|\(now)")
        alert.id = "\(rule)-\(now)"
        return alert
    }
}

// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// One alert as one human-readable line (`--format text`): the event's wall time and
/// host as the event lines write them, then the alert, words quoted as bash reads them.
public enum AlertEnvelopeText {
    public static func line(_ e: AlertEnvelope) -> String {
        let alert = e.alert
        var line =
            "\(ISOTime.format(ns: e.eventWallNs, precision: .microseconds)) \(e.host) ALERT [\(alert.severity.rawValue)] \(alert.rule): \(alert.title)"
        if let s = alert.subject {
            line += " | pid=\(s.pid) uid=\(s.uid) euid=\(s.euid) \(s.exeWord) argv=[\(s.commandLine)]"
        }
        if !alert.evidence.isEmpty {
            line += " | " + alert.evidence.map { "\($0.0)=\(EventFormat.shellQuote($0.1))" }.joined(separator: " ")
        }
        return line
    }
}

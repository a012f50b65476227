// SPDX-License-Identifier: Apache-2.0
import Foundation

/// `rigwatch status`: the verdict on a state file and the words for it.
public enum StatusReport {
    public enum Verdict: Equatable, Sendable {
        case running
        /// Stopped cleanly at this time.
        case stopped(at: Double)
        /// Not stopped cleanly, but the pid is gone or the file is too old: last updated at this time.
        case stale(since: Double, pidAlive: Bool)
        case missing

        /// 0 running, 1 stopped or stale, 2 no state file.
        public var exitCode: Int32 {
            switch self {
            case .running: return 0
            case .stopped, .stale: return 1
            case .missing: return 2
            }
        }
    }

    /// The file is fresh while younger than three intervals (at least 15 s).
    public static func maxAge(_ state: ServiceState) -> Double {
        max(15, 3 * state.intervalSeconds)
    }

    public static func verdict(_ state: ServiceState?, now: Double, pidAlive: Bool) -> Verdict {
        guard let state else { return .missing }
        if state.stopped { return .stopped(at: state.stoppedAt ?? state.updatedAt) }
        if !pidAlive || now - state.updatedAt > maxAge(state) {
            return .stale(since: state.updatedAt, pidAlive: pidAlive)
        }
        return .running
    }

    /// Whether a process with this pid exists (EPERM: it exists, owned by someone else).
    public static func pidAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    public static func text(_ state: ServiceState?, verdict: Verdict, now: Double, path: String) -> String {
        guard let state else {
            return "rigwatch: no state file at \(path) (never started, or service.state_file points elsewhere)\n"
        }
        var lines: [String] = []
        switch verdict {
        case .running:
            lines.append("rigwatch is running (pid \(state.pid)), up \(duration(now - state.startedAt))")
        case .stopped(let at):
            lines.append(
                "rigwatch is stopped since \(timestamp(at)) (\(duration(now - at)) ago)"
                    + (state.stopReason.map { ": \($0)" } ?? ""))
        case .stale(let since, let alive):
            let why =
                alive
                ? "pid \(state.pid) is alive but the state file is stale"
                : "pid \(state.pid) is gone without a clean stop"
            lines.append(
                "rigwatch is not running (stale): \(why); last update \(timestamp(since)) (\(duration(now - since)) ago)"
            )
        case .missing:
            break
        }
        func row(_ name: String, _ value: String) {
            lines.append("  " + (name + ":").padding(toLength: 20, withPad: " ", startingAt: 0) + value)
        }
        row("host", state.host)
        row("version", state.sensorVersion)
        row("pid", String(state.pid))
        row("started", timestamp(state.startedAt))
        row("uptime", duration(state.uptimeSeconds))
        row("last update", "\(timestamp(state.updatedAt)) (\(duration(max(0, now - state.updatedAt))) ago)")
        row("source", state.source)
        row("watched users", state.watchedUsers.isEmpty ? "(none)" : state.watchedUsers.joined(separator: ", "))
        if let features = state.features, !features.isEmpty {
            row("features", features[0].label)
            for feature in features.dropFirst() { lines.append(String(repeating: " ", count: 22) + feature.label) }
        }
        let kinds = state.eventsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
            separator: ", ")
        row(
            "events",
            "\(state.eventsTotal) total, \(String(format: "%.1f", state.eventsPerSecond))/s"
                + (kinds.isEmpty ? "" : " (\(kinds))"))
        row("kernel drops", String(state.kernelDroppedEvents))
        let a = state.alerts
        row(
            "alerts",
            "\(a.raised) raised, \(a.delivered) sent to Discord, \(a.spooled) spooled (\(a.spoolDepth) waiting), \(a.deliveryFailures) delivery failures"
        )
        if !state.alertsByRule.isEmpty {
            row(
                "alerts by rule",
                state.alertsByRule.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        row("last error", state.lastError ?? "none")
        return lines.joined(separator: "\n") + "\n"
    }

    static func timestamp(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    static func duration(_ seconds: Double) -> String {
        var s = Int(max(0, seconds))
        let d = s / 86_400
        s %= 86_400
        let h = s / 3600
        s %= 3600
        let m = s / 60
        s %= 60
        if d > 0 { return "\(d)d \(h)h \(m)m" }
        if h > 0 { return "\(h)h \(m)m \(s)s" }
        if m > 0 { return "\(m)m \(s)s" }
        return "\(s)s"
    }
}

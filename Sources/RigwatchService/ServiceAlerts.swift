// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// When the next heartbeat is due (wall-clock seconds, injected for tests).
public struct HeartbeatSchedule: Equatable, Sendable {
    public let intervalSeconds: Double
    public private(set) var last: Double

    /// nil when heartbeats are off (0 hours).
    public init?(hours: Int, start: Double) {
        guard hours > 0 else { return nil }
        intervalSeconds = Double(hours) * 3600
        last = start
    }

    public var next: Double { last + intervalSeconds }

    public func isDue(now: Double) -> Bool { now >= next }

    /// True when a heartbeat is due now; the schedule then starts again from `now`.
    /// A wall clock set back restarts the schedule from `now` without a heartbeat.
    public mutating func take(now: Double) -> Bool {
        if now < last {
            last = now
            return false
        }
        guard isDue(now: now) else { return false }
        last = now
        return true
    }
}

/// The sensor's own alerts about itself: alive, and stopping.
public enum ServiceAlerts {
    public static let heartbeatRule = "sensor-heartbeat"
    public static let stoppingRule = "sensor-stopping"

    /// What changed since the last heartbeat.
    public struct Since: Equatable, Sendable {
        public var uptimeSeconds: Double
        public var events: UInt64
        public var drops: UInt64
        public var alerts: UInt64
        public init(uptimeSeconds: Double, events: UInt64, drops: UInt64, alerts: UInt64) {
            self.uptimeSeconds = uptimeSeconds
            self.events = events
            self.drops = drops
            self.alerts = alerts
        }
    }

    public static func heartbeat(host: String, since: Since, bootNs: UInt64) -> Alert {
        let uptime = StatusReport.duration(since.uptimeSeconds)
        return identified(
            Alert(
                rule: heartbeatRule, severity: .info,
                title:
                    "rigwatch on \(host) is alive: up \(uptime), \(since.events) events, \(since.drops) drops, \(since.alerts) alerts since last",
                eventTimeNs: bootNs,
                evidence: [
                    ("uptime", uptime), ("events since last", String(since.events)),
                    ("kernel drops since last", String(since.drops)), ("alerts since last", String(since.alerts)),
                ],
                dedupKey: "\(heartbeatRule):\(host):\(bootNs)"), bootNs: bootNs)
    }

    public static func stopping(host: String, signal: Int32, uptimeSeconds: Double, bootNs: UInt64) -> Alert {
        identified(
            Alert(
                rule: stoppingRule, severity: .info,
                title: "rigwatch on \(host) is stopping: signal \(signal)",
                eventTimeNs: bootNs,
                evidence: [("signal", String(signal)), ("uptime", StatusReport.duration(uptimeSeconds))],
                dedupKey: "\(stoppingRule):\(host):\(bootNs)"), bootNs: bootNs)
    }

    /// Not raised by the engine, so no sequence number: the rule and the boot-clock time,
    /// unique on the host and what `rigwatch explain` looks up.
    static func identified(_ alert: Alert, bootNs: UInt64) -> Alert {
        var alert = alert
        alert.id = "\(alert.rule)-\(bootNs)"
        return alert
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchIO

/// What the running sensor says about itself in its state file (`service.state_file`),
/// rewritten atomically every `service.state_interval_seconds` and at stop; read by
/// `rigwatch status`. Times are Unix seconds.
public struct ServiceState: Codable, Equatable, Sendable {
    public struct Alerts: Codable, Equatable, Sendable {
        /// Alerts the router took in (engine, heartbeat, goodbye).
        public var raised = 0
        /// Sent to Discord.
        public var delivered = 0
        /// Written to the spool (every alert bound for Discord is spooled first).
        public var spooled = 0
        /// Waiting in the spool now.
        public var spoolDepth = 0
        public var deliveryFailures = 0

        public init() {}

        enum CodingKeys: String, CodingKey {
            case raised, delivered, spooled
            case spoolDepth = "spool_depth"
            case deliveryFailures = "delivery_failures"
        }
    }

    /// One kernel feature of the BPF source and the hook it runs on (see FeaturePlan).
    public struct Feature: Codable, Equatable, Sendable {
        /// "net-bytes".
        public var feature: String
        /// The rung ("tp_btf", "fexit", "syscalls", ...) or "off".
        public var hook: String
        /// "net-bytes: fexit/inet_sendmsg (sock_send_length absent)".
        public var label: String
        public var active: Bool

        public init(feature: String, hook: String, label: String, active: Bool) {
            self.feature = feature
            self.hook = hook
            self.label = label
            self.active = active
        }
    }

    /// The file's own format version.
    public var format = 1
    public var sensorVersion: String
    public var host: String
    public var pid: Int32
    public var startedAt: Double
    public var updatedAt: Double
    public var uptimeSeconds: Double
    /// The writer's interval: `status` calls the file stale when it is much older.
    public var intervalSeconds: Double
    /// "bpf" or "audit".
    public var source: String
    public var watchedUsers: [String]
    /// The BPF source's features and their hooks; nil with the audit source (and in
    /// files written before features were reported).
    public var features: [Feature]?
    public var eventsTotal: UInt64
    /// Over the last interval.
    public var eventsPerSecond: Double
    public var eventsByKind: [String: UInt64]
    public var kernelDroppedEvents: UInt64
    public var alerts: Alerts
    /// A Discord webhook is configured (nil in files from before it was reported).
    public var discordConfigured: Bool?
    public var alertsByRule: [String: UInt64]
    public var lastError: String?
    /// True after a clean stop; `stoppedAt` and `stopReason` say when and why.
    public var stopped: Bool
    public var stoppedAt: Double?
    public var stopReason: String?

    public init(
        sensorVersion: String, host: String, pid: Int32, startedAt: Double, updatedAt: Double,
        intervalSeconds: Double, source: String, watchedUsers: [String]
    ) {
        self.sensorVersion = sensorVersion
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
        self.updatedAt = updatedAt
        self.uptimeSeconds = max(0, updatedAt - startedAt)
        self.intervalSeconds = intervalSeconds
        self.source = source
        self.watchedUsers = watchedUsers
        eventsTotal = 0
        eventsPerSecond = 0
        eventsByKind = [:]
        kernelDroppedEvents = 0
        alerts = Alerts()
        alertsByRule = [:]
        stopped = false
    }

    enum CodingKeys: String, CodingKey {
        case format, host, pid, source, alerts, stopped, features
        case sensorVersion = "sensor_version"
        case startedAt = "started_at"
        case updatedAt = "updated_at"
        case uptimeSeconds = "uptime_seconds"
        case intervalSeconds = "interval_seconds"
        case watchedUsers = "watched_users"
        case eventsTotal = "events_total"
        case eventsPerSecond = "events_per_second"
        case eventsByKind = "events_by_kind"
        case kernelDroppedEvents = "kernel_dropped_events"
        case alertsByRule = "alerts_by_rule"
        case discordConfigured = "discord_configured"
        case lastError = "last_error"
        case stoppedAt = "stopped_at"
        case stopReason = "stop_reason"
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    public static func decode(_ data: Data) throws -> ServiceState {
        try JSONDecoder().decode(ServiceState.self, from: data)
    }

    public static func load(path: String) throws -> ServiceState {
        try decode(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    public func write(to path: String) throws {
        try AtomicFile.write(try json(), to: path, mode: 0o644)
    }
}

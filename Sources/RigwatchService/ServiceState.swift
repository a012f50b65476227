// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchIO

/// What the running sensor says about itself in its state file (`service.state_file`),
/// rewritten atomically every `service.state_interval_seconds` and at stop; read by
/// `rigwatch status`. Times are Unix seconds.
public struct ServiceState: Equatable, Sendable {
    public struct Alerts: Equatable, Sendable {
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

    }

    /// One kernel feature of the BPF source and the hook it runs on (see FeaturePlan).
    public struct Feature: Equatable, Sendable {
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

    /// One JSON object and a newline, written with the JSON writer every rigwatch
    /// file uses; keys are snake_case, optional values are left out when nil.
    public func json() -> Data {
        var w = JSONWriter()
        w.field("format", format)
        w.field("sensor_version", sensorVersion)
        w.field("host", host)
        w.field("pid", pid)
        w.field("started_at", startedAt)
        w.field("updated_at", updatedAt)
        w.field("uptime_seconds", uptimeSeconds)
        w.field("interval_seconds", intervalSeconds)
        w.field("source", source)
        w.field("watched_users", strings: watchedUsers)
        if let features {
            w.field("features", raw: "[" + features.map(\.json).joined(separator: ",") + "]")
        }
        w.field("events_total", eventsTotal)
        w.field("events_per_second", eventsPerSecond)
        w.field("events_by_kind", raw: Self.counts(eventsByKind))
        w.field("kernel_dropped_events", kernelDroppedEvents)
        w.field("alerts", raw: alerts.json)
        if let discordConfigured { w.field("discord_configured", discordConfigured) }
        w.field("alerts_by_rule", raw: Self.counts(alertsByRule))
        if let lastError { w.field("last_error", lastError) }
        w.field("stopped", stopped)
        if let stoppedAt { w.field("stopped_at", stoppedAt) }
        if let stopReason { w.field("stop_reason", stopReason) }
        return Data((w.finish() + "\n").utf8)
    }

    private static func counts(_ counts: [String: UInt64]) -> String {
        var w = JSONWriter()
        for (key, n) in counts.sorted(by: { $0.key < $1.key }) { w.field(key, n) }
        return w.finish()
    }

    /// Reads a state file with the exact JSON reader; every required key must be
    /// there with its type, and the error names the first one that is not.
    public static func decode(_ data: Data) throws -> ServiceState {
        let root: JSONValue
        do { root = try JSONValue.parse([UInt8](data)) } catch { throw StateFileError("not JSON: \(error)") }
        let r = StateReader(root)
        var state = ServiceState(
            sensorVersion: try r.string("sensor_version"), host: try r.string("host"),
            pid: try r.int32("pid"), startedAt: try r.double("started_at"), updatedAt: try r.double("updated_at"),
            intervalSeconds: try r.double("interval_seconds"), source: try r.string("source"),
            watchedUsers: try r.strings("watched_users"))
        state.format = Int(try r.int32("format"))
        state.uptimeSeconds = try r.double("uptime_seconds")
        if let features = root["features"], features != .null {
            guard let list = features.array else { throw StateFileError("features is not an array") }
            state.features = try list.map { value in
                let f = StateReader(value)
                return Feature(
                    feature: try f.string("feature"), hook: try f.string("hook"), label: try f.string("label"),
                    active: try f.bool("active"))
            }
        }
        state.eventsTotal = try r.uint64("events_total")
        state.eventsPerSecond = try r.double("events_per_second")
        state.eventsByKind = try r.counts("events_by_kind")
        state.kernelDroppedEvents = try r.uint64("kernel_dropped_events")
        let a = StateReader(try r.value("alerts"))
        state.alerts.raised = Int(try a.uint64("raised"))
        state.alerts.delivered = Int(try a.uint64("delivered"))
        state.alerts.spooled = Int(try a.uint64("spooled"))
        state.alerts.spoolDepth = Int(try a.uint64("spool_depth"))
        state.alerts.deliveryFailures = Int(try a.uint64("delivery_failures"))
        state.discordConfigured = try r.optional("discord_configured") { $0.bool }
        state.alertsByRule = try r.counts("alerts_by_rule")
        state.lastError = try r.optional("last_error") { $0.string }
        state.stopped = try r.bool("stopped")
        state.stoppedAt = try r.optional("stopped_at") { $0.double }
        state.stopReason = try r.optional("stop_reason") { $0.string }
        return state
    }

    public static func load(path: String) throws -> ServiceState {
        try decode(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    public func write(to path: String) throws {
        try AtomicFile.write(json(), to: path, mode: 0o644)
    }
}

extension ServiceState.Alerts {
    var json: String {
        var w = JSONWriter()
        w.field("raised", raised)
        w.field("delivered", delivered)
        w.field("spooled", spooled)
        w.field("spool_depth", spoolDepth)
        w.field("delivery_failures", deliveryFailures)
        return w.finish()
    }
}

extension ServiceState.Feature {
    var json: String {
        var w = JSONWriter()
        w.field("feature", feature)
        w.field("hook", hook)
        w.field("label", label)
        w.field("active", active)
        return w.finish()
    }
}

/// A state file that does not read: what was wrong, for `status` to print.
public struct StateFileError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Typed access to one object of a state file, failing with the key's name.
private struct StateReader {
    let object: JSONValue
    init(_ object: JSONValue) { self.object = object }

    func value(_ key: String) throws -> JSONValue {
        guard let v = object[key] else { throw StateFileError("\(key) is missing") }
        return v
    }

    private func typed<T>(_ key: String, _ what: String, _ get: (JSONValue) -> T?) throws -> T {
        let v = try value(key)
        guard let t = get(v) else { throw StateFileError("\(key) is \(v.typeName), not \(what)") }
        return t
    }

    func string(_ key: String) throws -> String { try typed(key, "a string") { $0.string } }
    func bool(_ key: String) throws -> Bool { try typed(key, "a boolean") { $0.bool } }
    func double(_ key: String) throws -> Double { try typed(key, "a number") { $0.double } }
    func uint64(_ key: String) throws -> UInt64 { try typed(key, "a count") { $0.uint64 } }
    func int32(_ key: String) throws -> Int32 {
        try typed(key, "an integer") { $0.int64.flatMap { Int32(exactly: $0) } }
    }
    func strings(_ key: String) throws -> [String] {
        try typed(key, "a list of strings") { v in
            v.array.flatMap { list in
                let strings = list.compactMap(\.string)
                return strings.count == list.count ? strings : nil
            }
        }
    }
    func counts(_ key: String) throws -> [String: UInt64] {
        guard case .object(let members) = try value(key) else { throw StateFileError("\(key) is not an object") }
        var out: [String: UInt64] = [:]
        for (name, v) in members {
            guard let n = v.uint64 else { throw StateFileError("\(key).\(name) is not a count") }
            out[name] = n
        }
        return out
    }
    /// Absent or null: nil; present: must have the type.
    func optional<T>(_ key: String, _ get: (JSONValue) -> T?) throws -> T? {
        guard let v = object[key], v != .null else { return nil }
        guard let t = get(v) else { throw StateFileError("\(key) is \(v.typeName)") }
        return t
    }
}

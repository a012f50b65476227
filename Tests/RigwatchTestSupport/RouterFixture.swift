// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchAlerts
import RigwatchCore

/// What the alert router's unit tests share: a temporary directory for the alert
/// log and the spool, router settings aimed at a webhook nobody listens on, a
/// router whose log lines are kept, and numbered alerts. (The router's jitter is
/// internal: tests that `@testable import` it set `jitter = { 1 }` themselves; this
/// target is built in release builds too, where nothing is testable.) Each test makes one in `setUp` and calls `remove()` in `tearDown`.
public final class RouterFixture {
    public let dir: String
    public let webhook = "http://127.0.0.1:1/api/webhooks/42/rwtest-secret-token"
    /// The router's log lines, in order.
    public var logged: [String] = []

    public init(name: String) throws {
        dir = NSTemporaryDirectory() + "rwrouter-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    public func remove() { try? FileManager.default.removeItem(atPath: dir) }

    /// Settings with the log and spool in `dir`; nil arguments keep the router's defaults.
    public func settings(
        window: Double = 60, perRule: Int = 1000, timeoutMs: Int? = nil, spoolMaxBytes: Int? = nil
    ) throws -> AlertRouter.Settings {
        var s = AlertRouter.Settings(
            host: "rwtest-host", sensorVersion: "test", logPath: dir + "/alerts.jsonl",
            spoolDirectory: dir + "/spool")
        s.webhook = try WebhookURL(webhook)
        s.dedupWindowSeconds = window
        s.perRuleLimit = perRule
        if let timeoutMs { s.totalTimeoutMs = timeoutMs }
        if let spoolMaxBytes { s.spoolMaxBytes = spoolMaxBytes }
        return s
    }

    /// A router on `clock` and `transport`, its log lines kept in `logged`.
    public func router(
        _ transport: @escaping AlertTransportFactory, _ clock: TimeSource, _ s: AlertRouter.Settings? = nil
    ) throws -> AlertRouter {
        let r = try AlertRouter(settings: s ?? settings(), clock: clock, transport: transport)
        r.onLog = { [weak self] line in self?.logged.append(line) }
        return r
    }

    /// Alert number `n`: title "alert n", id "an", its own dedup key unless given one.
    public static func alert(_ n: Int, key: String? = nil, rule: String = "unlisted-privileged-exec") -> Alert {
        var a = Alert(
            rule: rule, severity: .high, title: "alert \(n)", eventTimeNs: UInt64(n), dedupKey: key ?? "k\(n)")
        a.id = "a\(n)"
        return a
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchAlerts
import RigwatchConfig
import RigwatchCore
import RigwatchIO
import RigwatchService
import RigwatchSources

/// The periodic state-file, metrics and heartbeat work of the running sensor, from the
/// counters of the pipeline (events) and the dispatcher (alerts), read when due. Lives
/// on the poll loop's thread (records, alerts and `afterPoll` all run there), so it
/// needs no lock; `tick` is cheap when not due.
final class ServiceHealth {
    private(set) var config: ServiceConfig
    let router: AlertRouter
    let pipeline: EventPipeline
    /// Where the sensor's own alerts go, printed and counted like the engine's.
    let dispatcher: AlertDispatcher
    let host: String
    let watchedUsers: [String]
    let startedAt: Double
    var source: String
    /// Configuration loads: the start counts as a success, each SIGHUP after it.
    private(set) var lastReloadSuccessful = true
    private(set) var lastReloadSuccessAt: Double
    private(set) var reloads: (successes: UInt64, failures: UInt64) = (0, 0)
    var kernelDrops: UInt64 = 0
    private var eventsTotal: UInt64 { UInt64(pipeline.events) }
    private var alertsTotal: UInt64 { dispatcher.count }
    var lastError: String?
    /// The BPF source's features and hooks, once it is planned; nil with audit.
    private(set) var features: [ServiceState.Feature]?

    /// The plan the BPF source loaded: the state file and metrics report its features.
    func setFeatures(_ plan: FeaturePlan) {
        source = "bpf"
        features = plan.features.map {
            ServiceState.Feature(feature: $0.feature, hook: $0.rung ?? "off", label: $0.label, active: $0.active)
        }
    }

    private var lastWrite: Double
    private var lastWriteEvents: UInt64 = 0
    private var heartbeat: HeartbeatSchedule?
    private var lastBeat: (events: UInt64, drops: UInt64, alerts: UInt64) = (0, 0, 0)
    private var reported: [String: String] = [:]
    private var metricsDirMissingReported = false

    init(
        config: ServiceConfig, router: AlertRouter, pipeline: EventPipeline, dispatcher: AlertDispatcher,
        source: String, watchedUsers: [String], host: String = ProcessInfo.processInfo.hostName,
        now: Double = Date().timeIntervalSince1970
    ) {
        self.config = config
        self.router = router
        self.pipeline = pipeline
        self.dispatcher = dispatcher
        self.source = source
        self.watchedUsers = watchedUsers
        self.host = host
        startedAt = now
        lastWrite = now
        lastReloadSuccessAt = now
        heartbeat = HeartbeatSchedule(hours: config.heartbeatHours, start: now)
    }

    var heartbeatOn: Bool { config.heartbeatHours > 0 }

    /// SIGHUP: new files, interval and heartbeat from the next tick on. A changed
    /// heartbeat period counts from the last heartbeat (or from now when it was off).
    func reconfigure(_ service: ServiceConfig, now: Double = Date().timeIntervalSince1970) {
        if service.heartbeatHours != config.heartbeatHours {
            heartbeat = HeartbeatSchedule(hours: service.heartbeatHours, start: heartbeat?.last ?? now)
        }
        if service.metricsFile != config.metricsFile { metricsDirMissingReported = false }
        config = service
    }

    /// A SIGHUP's outcome, for the metrics (rigwatch_config_last_reload_successful).
    func noteReload(succeeded: Bool, now: Double = Date().timeIntervalSince1970) {
        lastReloadSuccessful = succeeded
        if succeeded {
            reloads.successes += 1
            lastReloadSuccessAt = now
        } else {
            reloads.failures += 1
        }
    }

    /// Raises one of the sensor's own alerts, printed, counted and routed like the engine's.
    func raise(_ alert: Alert) { dispatcher.consume(alert) }

    /// From `afterPoll`: the files every interval, the heartbeat when due.
    func tick(now: Double = Date().timeIntervalSince1970) {
        if var schedule = heartbeat {
            if schedule.take(now: now) {
                let since = ServiceAlerts.Since(
                    uptimeSeconds: now - startedAt, events: eventsTotal - lastBeat.events,
                    drops: kernelDrops - lastBeat.drops, alerts: alertsTotal - lastBeat.alerts)
                lastBeat = (eventsTotal, kernelDrops, alertsTotal)
                raise(ServiceAlerts.heartbeat(host: host, since: since, bootNs: SystemClock.bootNowNs()))
            }
            heartbeat = schedule
        }
        if now - lastWrite >= Double(config.stateIntervalSeconds) || now < lastWrite {
            write(now: now, stopReason: nil)
        }
    }

    /// On a clean stop with heartbeats on: the goodbye, before the router drains.
    func sayGoodbye(signal: Int32, now: Double = Date().timeIntervalSince1970) {
        guard heartbeatOn, signal != 0 else { return }
        raise(
            ServiceAlerts.stopping(
                host: host, signal: signal, uptimeSeconds: now - startedAt, bootNs: SystemClock.bootNowNs()))
    }

    /// Writes the state file and the metrics file. `stopReason` non-nil: the last write, after a clean stop.
    func write(now: Double = Date().timeIntervalSince1970, stopReason: String?) {
        let elapsed = now - lastWrite
        let stats = router.snapshot()
        var state = ServiceState(
            sensorVersion: SensorVersion.string, host: host, pid: getpid(), startedAt: startedAt,
            updatedAt: now, intervalSeconds: Double(config.stateIntervalSeconds), source: source,
            watchedUsers: watchedUsers)
        state.features = features
        state.eventsTotal = eventsTotal
        state.eventsPerSecond = elapsed > 0 ? Double(eventsTotal - lastWriteEvents) / elapsed : 0
        state.eventsByKind = pipeline.eventsByKind
        state.kernelDroppedEvents = kernelDrops
        state.alerts.raised = stats.received
        state.alerts.delivered = stats.delivered
        state.discordConfigured = router.settings.webhook != nil
        state.alerts.spooled = stats.spooled
        state.alerts.spoolDepth = stats.spoolDepth
        state.alerts.deliveryFailures = stats.deliveryFailures
        state.alertsByRule = dispatcher.byRule
        state.lastError = lastError ?? stats.lastError
        if let stopReason {
            state.stopped = true
            state.stoppedAt = now
            state.stopReason = stopReason
        }
        lastWrite = now
        lastWriteEvents = eventsTotal
        if !config.stateFile.isEmpty {
            attempt("state file") {
                try ensureDirectory(config.stateFile)
                try state.write(to: config.stateFile)
            }
        }
        if !config.metricsFile.isEmpty {
            let dir = (config.metricsFile as NSString).deletingLastPathComponent
            if !dir.isEmpty, !FileManager.default.fileExists(atPath: dir) {
                if !metricsDirMissingReported {
                    metricsDirMissingReported = true
                    Log.warning(
                        "metrics: \(dir) does not exist (is prometheus-node-exporter installed? its textfile collector reads there); metrics off until it exists"
                    )
                }
                return
            }
            var m = MetricsText.Snapshot()
            m.up = stopReason == nil
            m.startTimeSeconds = startedAt
            m.eventsByKind = pipeline.eventsByKind
            m.kernelDroppedEvents = kernelDrops
            m.version = SensorVersion.number
            m.commit = SensorVersion.commit
            m.lastReloadSuccessful = lastReloadSuccessful
            m.lastReloadSuccessSeconds = lastReloadSuccessAt
            m.reloadSuccesses = reloads.successes
            m.reloadFailures = reloads.failures
            m.alertsBySeries = dispatcher.bySeries
            m.eventsExported = pipeline.exported
            m.eventExportErrors = pipeline.exportFailures
            m.spoolDepth = stats.spoolDepth
            m.deliveryFailures = stats.deliveryFailures
            m.delivered = stats.delivered
            m.features = (features ?? []).map {
                MetricsText.Feature(name: $0.feature, hook: $0.hook, active: $0.active)
            }
            attempt("metrics file") { try MetricsText.write(m, to: config.metricsFile) }
        }
    }

    /// The state file's directory (e.g. /var/lib/rigwatch) is ours to create.
    private func ensureDirectory(_ path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        guard !dir.isEmpty, !FileManager.default.fileExists(atPath: dir) else { return }
        try FileManager.default.createDirectory(
            atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    }

    /// A failed write is logged once per distinct error, never fatal.
    private func attempt(_ what: String, _ body: () throws -> Void) {
        do {
            try body()
            reported[what] = nil
        } catch {
            let text = "\(error)"
            if reported[what] != text {
                reported[what] = text
                Log.warning("\(what): \(text)")
            }
        }
    }

    /// Which source the loop runs: BPF link or program descriptors in this process mean BPF.
    static func detectSource() -> String {
        guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return "unknown" }
        for fd in fds {
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd),
                target.hasPrefix("anon_inode:bpf-prog") || target.hasPrefix("anon_inode:bpf-link")
            {
                return "bpf"
            }
        }
        return "audit"
    }
}

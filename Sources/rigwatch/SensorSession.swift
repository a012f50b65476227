// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchAlerts
import RigwatchConfig
import RigwatchCore
import RigwatchIO
import RigwatchService
import RigwatchSources

/// `rigwatch run`: one live sensor, and the whole path of a record through it. The
/// source (`LiveSensor`: BPF or audit, one poll loop) hands each record here
/// (`RecordSink`); it is decoded, counted (`ServiceHealth`), judged and printed
/// (`EventPipeline`: engine, output), and each alert comes back here (`AlertConsumer`)
/// to be counted and submitted to the router (alert log, spool, Discord). Between
/// batches: output flush, SIGHUP reloads (`ConfigReloader`), the state file and
/// heartbeat, systemd notifications. Everything runs on the poll loop's thread
/// except the router's delivery.
final class SensorSession {
    let settings: SensorConfig
    let watched: [WatchedUser]
    let sensor: SensorOptions
    let engine: Engine
    let out = OutputWriter()
    let pipeline: EventPipeline
    let router: AlertRouter
    let health: ServiceHealth
    let reloader: ConfigReloader
    let notifier: ServiceNotifier
    let gpu: GPUSampling?
    /// The posture checks (`service.posture_check_hours`), run off the poll loop.
    let posture: HostPostureMonitor
    /// The kernel side kept in bpffs across restarts; nil pins nothing.
    var pinning: PinPolicy?
    /// Wall clock minus boot clock: an alert's event time as wall time, for the router.
    private let wallOffset: Int64
    private var malformed = 0

    /// Builds the engine, the output, the router and the health counters; logs the
    /// GPU, policy and alert-sink lines. Loads nothing into the kernel yet.
    init(
        settings: SensorConfig, watched: [WatchedUser], sensor: SensorOptions, configPath: String?,
        format: OutputFormat, printEvents: Bool
    ) throws {
        self.settings = settings
        self.watched = watched
        self.sensor = sensor
        // First: children (nvidia-smi) must inherit neither $NOTIFY_SOCKET nor the webhook.
        notifier = ServiceNotifier()
        WebhookSecret.take()
        gpu = sensor.gpuSampling(interval: Double(settings.mining.gpuIntervalSeconds))
        let hostNamespace = hostMountNamespace()
        engine = try makeEngine(
            settings, watched: watched, sensorPid: UInt32(getpid()), gpuSampled: gpu != nil,
            hostMountNamespace: hostNamespace)
        if let policy = engine.detectors(of: PrivilegedExecDetector.self).first?.policies {
            Log.info("policy \(policy.name): \(policy.ruleCount) rules for \(watched.count) watched users")
        }
        router = try makeAlertRouter(settings)
        wallOffset = SystemClock.wallOffsetNs()
        pipeline = EventPipeline(
            engine: engine, out: out, format: format, printEvents: printEvents,
            origin: LineOrigin(host: router.settings.host, bootOffsetNs: wallOffset),
            detection: .wallClock(SystemClock()))
        health = ServiceHealth(
            config: settings.service, router: router,
            source: sensor.source == .auto ? "auto" : sensor.source.rawValue, watchedUsers: watched.map(\.name))
        reloader = ConfigReloader(
            path: configPath, running: settings, engine: engine, router: router, health: health, gpu: gpu,
            watched: watched, commandLine: sensor.watchUsers.isEmpty ? [] : [ConfigKeys.TopLevel.watchUsers.path])
        reloader.hostMountNamespace = hostNamespace
        let notifier = self.notifier
        reloader.onOutcome = { notifier.status($0) }
        posture = HostPostureMonitor(settings: settings, host: router.settings.host)
        if !settings.export.eventsFile.isEmpty {
            pipeline.export = try EventExport(
                config: settings.export, watchedUids: watched.map(\.uid), origin: pipeline.origin)
            Log.info("event export: \(settings.export.summary)")
        }
        reloader.exportSlot = pipeline
        pipeline.alerts = self
        health.outlet = self
    }

    /// Starts the router, runs the sensor until the duration ends or a stop signal,
    /// then drains the router (5 s) and writes the last state file.
    func run() throws {
        router.start()
        var cleanStop = false
        defer {
            notifier.stopping()
            router.stop(drainSeconds: 5)
            let s = router.snapshot()
            Log.info("alerts: \(s.received) raised, \(s.delivered) delivered to Discord, \(s.spoolDepth) still spooled")
            if !cleanStop { health.lastError = health.lastError ?? "the sensor stopped on an error (see its log)" }
            health.write(
                stopReason: cleanStop
                    ? (Signals.lastSignal != 0 ? "signal \(Signals.lastSignal)" : "end of --duration") : nil)
        }
        try mappingSensorFailures {
            var live = LiveSensor(options: sensor, settings: settings, watchedUids: watched.map(\.uid), gpu: gpu)
            live.pinning = pinning
            reloader.sensorControl = live.control
            let result = try live.run(into: self)
            out.flush()
            cleanStop = true
            notifier.stopping()
            health.sayGoodbye(signal: Signals.lastSignal)
            out.flush()
            Log.info(
                "stopped after \(String(format: "%.1f", result.seconds))s: \(pipeline.events) events, \(result.drops) lost, \(malformed) malformed, \(pipeline.alertCount) alerts"
            )
        }
    }
}

extension SensorSession: RecordSink {
    func sourceReady(_ source: RecordSource) {
        if let plan = source.plan { health.setFeatures(plan) }
        let users = watched.map(\.name).joined(separator: ", ")
        notifier.ready(status: "watching \(watched.count) users (\(users.isEmpty ? "none" : users))")
    }

    func record(_ raw: UnsafeRawBufferPointer) {
        do {
            let event = try EventDecoder.decode(raw)
            health.countEvent(event)
            pipeline.handle(event)
        } catch {
            malformed += 1
            health.lastError = "malformed kernel record: \(error)"
            if malformed <= 10 { Log.warning("malformed kernel record skipped: \(error)") }
        }
    }

    func drops(_ drops: DropsEvent) {
        Log.warning("sensor lost \(drops.lost) events (ring buffer full; \(drops.total) in total)")
        health.kernelDrops = drops.total
        pipeline.handle(.drops(drops))
    }

    func afterPoll() {
        out.flush()
        notifier.watchdogTick()
        if Signals.shouldStop { notifier.stopping() }
        if Signals.takeReloadRequest() { reloader.reload() }
        if let failure = pipeline.export?.takeFirstFailure() { Log.warning(failure) }
        health.exportCounts = (pipeline.exported, pipeline.exportFailures)
        if Signals.takeTestAlertRequest() {
            Log.info("test alert requested (SIGUSR1)")
            raiseOwn(TestAlert.make(host: router.settings.host))
            out.flush()
        }
        if health.source == "auto" { health.source = ServiceHealth.detectSource() }
        health.tick()
        posture.tick(hours: health.config.postureCheckHours) { raiseOwn($0) }
    }
}

extension SensorSession: AlertConsumer, SensorAlertOutlet {
    func consume(_ alert: Alert) {
        health.countAlert(alert)
        router.submit(alert, eventWallNs: Int64(alert.eventTimeNs) + wallOffset)
    }

    func raiseOwn(_ alert: Alert) {
        pipeline.printAlert(alert)
        consume(alert)
    }
}

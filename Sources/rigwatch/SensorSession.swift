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
/// (`RecordSink`); it is decoded and goes down the pipeline (Core: counted, exported,
/// printed, judged), and each alert on to the dispatcher (Alerts: printed, counted,
/// submitted to the router: alert log, spool, Discord). Between batches: output flush,
/// SIGHUP reloads (`ConfigReloader`), the state file and heartbeat (`ServiceHealth`,
/// reading the pipeline's and the dispatcher's counters), systemd notifications.
/// Everything runs on the poll loop's thread except the router's delivery.
final class SensorSession {
    let settings: SensorConfig
    let watched: [WatchedUser]
    let sensor: SensorOptions
    let engine: Engine
    let out = OutputWriter()
    let pipeline: EventPipeline
    let dispatcher: AlertDispatcher
    let router: AlertRouter
    let health: ServiceHealth
    let reloader: ConfigReloader
    let notifier: ServiceNotifier
    let gpu: GPUSampling?
    /// The posture checks (`service.posture_check_hours`), run off the poll loop.
    let posture: HostPostureMonitor
    /// The kernel side kept in bpffs across restarts; nil pins nothing.
    var pinning: PinPolicy?
    private var malformed = 0
    /// `export.events_file`, when on (the pipeline's tap); swapped by a reload.
    var export: EventExport? {
        didSet { pipeline.tap = export }
    }

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
        let origin = LineOrigin(host: router.settings.host, bootOffsetNs: SystemClock.wallOffsetNs())
        dispatcher = AlertDispatcher(
            out: out, format: format, origin: origin, sensorVersion: SensorVersion.string,
            detection: .wallClock(SystemClock()), router: router)
        pipeline = EventPipeline(engine: engine, out: out, format: format, printEvents: printEvents, origin: origin)
        pipeline.alerts = dispatcher
        health = ServiceHealth(
            config: settings.service, router: router, pipeline: pipeline, dispatcher: dispatcher,
            source: sensor.source == .auto ? "auto" : sensor.source.rawValue, watchedUsers: watched.map(\.name))
        reloader = ConfigReloader(
            path: configPath, running: settings, engine: engine, router: router, health: health, gpu: gpu,
            watched: watched, commandLine: sensor.watchUsers.isEmpty ? [] : [ConfigKeys.TopLevel.watchUsers.path])
        reloader.hostMountNamespace = hostNamespace
        let notifier = self.notifier
        reloader.onOutcome = { notifier.status($0) }
        posture = HostPostureMonitor(settings: settings, host: router.settings.host)
        if !settings.export.eventsFile.isEmpty {
            export = try EventExport(config: settings.export, watchedUids: watched.map(\.uid), origin: origin)
            pipeline.tap = export  // didSet does not run in init
            Log.info("event export: \(settings.export.summary)")
        }
        reloader.exportSlot = self
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
            if let policies = engine.detectors(of: PrivilegedExecDetector.self).first?.policies {
                live.enforcement = EnforcementRequest(policies: policies, mode: settings.enforcementMode)
            }
            reloader.sensorControl = live.control
            let result = try live.run(into: self)
            out.flush()
            cleanStop = true
            notifier.stopping()
            health.sayGoodbye(signal: Signals.lastSignal)
            out.flush()
            Log.info(
                "stopped after \(String(format: "%.1f", result.seconds))s: \(pipeline.events) events, \(result.drops) lost, \(malformed) malformed, \(dispatcher.count) alerts"
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
            pipeline.handle(try EventDecoder.decode(raw))
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
        if let failure = export?.takeFirstFailure() { Log.warning(failure) }
        if Signals.takeTestAlertRequest() {
            Log.info("test alert requested (SIGUSR1)")
            dispatcher.consume(TestAlert.make(host: router.settings.host))
            out.flush()
        }
        if health.source == "auto" { health.source = ServiceHealth.detectSource() }
        health.tick()
        posture.tick(hours: health.config.postureCheckHours) { dispatcher.consume($0) }
    }
}

extension SensorSession: EventExportSlot {
    var exportOrigin: LineOrigin { pipeline.origin }
}

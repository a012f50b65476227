import ArgumentParser
import Foundation
import RigwatchAlerts
import RigwatchConfig
import RigwatchCore
import RigwatchSources

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case json, text
}

extension EventsChoice: ExpressibleByArgument {}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Load the kernel sensor, run the engine, print events and alerts."
    )

    @OptionGroup var sensor: SensorOptions
    @OptionGroup var config: ConfigOption

    @Option(help: "Output format: json (JSON Lines) or text.")
    var format: OutputFormat = .json

    @Option(help: "Print every event with the alerts (all) or the alerts alone (none).")
    var events: EventsChoice = .all

    func run() throws {
        let (settings, watched) = try sensorSetup(sensor, config)
        // One sensor per host, decided before anything is loaded, opened or written.
        let lock = try takeInstanceLock(settings.service.lockFile)
        defer { lock.release() }
        let notifier = ServiceNotifier()
        let gpu = sensor.gpuSampling(interval: Double(settings.mining.gpuIntervalSeconds))
        let hostNamespace = hostMountNamespace()
        let engine = try makeEngine(settings, watched: watched, sensorPid: UInt32(getpid()), gpuSampled: gpu != nil,
                                    hostMountNamespace: hostNamespace)
        if let policy = engine.detectors(of: PrivilegedExecDetector.self).first?.policies {
            Log.info("policy \(policy.name): \(policy.ruleCount) rules for \(watched.count) watched users")
        }
        let out = OutputWriter()
        let pipeline = EventPipeline(engine: engine, out: out, format: format, printEvents: events == .all)
        let router = try makeAlertRouter(settings)
        let wallOffset = BootClock.wallOffsetNs()
        let health = ServiceHealth(config: settings.service, router: router,
                                   source: sensor.source == .auto ? "auto" : sensor.source.rawValue, watchedUsers: watched.map(\.name))
        let reloader = ConfigReloader(path: config.path, running: settings, engine: engine, router: router, health: health, gpu: gpu,
                                      watched: watched, commandLine: sensor.watchUsers.isEmpty ? [] : ["watch_users"])
        reloader.onOutcome = { notifier.status($0) }
        reloader.hostMountNamespace = hostNamespace
        pipeline.onAlert = {
            health.countAlert($0)
            router.submit($0, eventWallNs: Int64($0.eventTimeNs) + wallOffset)
        }
        router.start()
        var cleanStop = false
        defer {
            notifier.stopping()
            router.stop(drainSeconds: 5)
            let s = router.snapshot()
            Log.info("alerts: \(s.received) raised, \(s.delivered) delivered to Discord, \(s.spoolDepth) still spooled")
            if !cleanStop { health.lastError = health.lastError ?? "the sensor stopped on an error (see its log)" }
            health.write(stopReason: cleanStop ? (Signals.lastSignal != 0 ? "signal \(Signals.lastSignal)" : "end of --duration") : nil)
        }
        var malformed = 0
        try mappingSensorFailures {
            var live = LiveSensor(options: sensor, watchedUids: watched.map(\.uid))
            live.networkInterval = Double(settings.network.snapshotIntervalSeconds)
            live.gpu = gpu
            live.configureWatching(settings)
            reloader.sensorControl = live.control
            live.onPlan = { health.setFeatures($0) }
            live.onReady = {
                let users = watched.map(\.name).joined(separator: ", ")
                notifier.ready(status: "watching \(watched.count) users (\(users.isEmpty ? "none" : users))")
            }
            let result = try live.run(
                onRecord: { raw in
                    do {
                        let event = try EventDecoder.decode(raw)
                        health.countEvent(event)
                        pipeline.handle(event)
                    } catch {
                        malformed += 1
                        health.lastError = "malformed kernel record: \(error)"
                        if malformed <= 10 { Log.warning("malformed kernel record skipped: \(error)") }
                    }
                },
                onDrops: { drops in
                    Log.warning("sensor lost \(drops.lost) events (ring buffer full; \(drops.total) in total)")
                    health.kernelDrops = drops.total
                    pipeline.handle(.drops(drops))
                },
                afterPoll: {
                    out.flush()
                    if Signals.shouldStop { notifier.stopping() }
                    if Signals.takeReloadRequest() { reloader.reload() }
                    if health.source == "auto" { health.source = ServiceHealth.detectSource() }
                    health.tick()
                })
            out.flush()
            cleanStop = true
            notifier.stopping()
            health.sayGoodbye(signal: Signals.lastSignal)
            Log.info("stopped after \(String(format: "%.1f", result.seconds))s: \(pipeline.events) events, \(result.drops) lost, \(malformed) malformed, \(pipeline.alerts) alerts")
        }
    }

    /// The instance lock, or the end of the command: exit 4 when another sensor holds
    /// it (its pid named), 2 when the lock file cannot be made.
    private func takeInstanceLock(_ path: String) throws -> InstanceLock {
        do {
            return try InstanceLock.acquire(path: path)
        } catch let held as InstanceLock.Held {
            Log.error(held.description)
            throw ExitCode(4)
        } catch {
            Log.error("\(error)")
            throw ExitCode(2)
        }
    }
}

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
        let gpu = sensor.gpuSampling(interval: Double(settings.mining.gpuIntervalSeconds))
        let engine = try makeEngine(settings, watched: watched, sensorPid: UInt32(getpid()), gpuSampled: gpu != nil)
        if let policy = engine.detectors(of: PrivilegedExecDetector.self).first?.policies {
            Log.info("policy \(policy.name): \(policy.ruleCount) rules for \(watched.count) watched users")
        }
        let out = OutputWriter()
        let pipeline = EventPipeline(engine: engine, out: out, format: format, printEvents: events == .all)
        let router = try makeAlertRouter(settings)
        let wallOffset = BootClock.wallOffsetNs()
        let health = ServiceHealth(config: settings.service, router: router,
                                   source: sensor.source == .auto ? "auto" : sensor.source.rawValue, watchedUsers: watched.map(\.name))
        pipeline.onAlert = {
            health.countAlert($0)
            router.submit($0, eventWallNs: Int64($0.eventTimeNs) + wallOffset)
        }
        router.start()
        var cleanStop = false
        defer {
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
                    if Signals.takeReloadRequest() { reload(engine, watched: watched) }
                    if health.source == "auto" { health.source = ServiceHealth.detectSource() }
                    health.tick()
                })
            out.flush()
            cleanStop = true
            health.sayGoodbye(signal: Signals.lastSignal)
            Log.info("stopped after \(String(format: "%.1f", result.seconds))s: \(pipeline.events) events, \(result.drops) lost, \(malformed) malformed, \(pipeline.alerts) alerts")
        }
    }

    /// SIGHUP: re-read the configuration and swap the policy. An invalid new
    /// configuration leaves the running policy in force.
    func reload(_ engine: Engine, watched: [WatchedUser]) {
        guard let path = config.path else {
            Log.info("SIGHUP: no --config file; the built-in policy stays")
            return
        }
        do {
            let settings = try ConfigLoader.load(path: path)
            let policies = try PolicyBuilder.build(settings.policy, watched: watched)
            for detector in engine.detectors(of: PrivilegedExecDetector.self) { detector.replacePolicies(policies) }
            // Host names in the network allowlists are resolved again on every reload.
            let network = networkSettings(settings)
            for detector in engine.detectors(of: ExfiltrationDetector.self) { detector.replaceSettings(network.exfiltration) }
            for detector in engine.detectors(of: WatchedOutboundDetector.self) { detector.replaceSettings(network.watchedOutbound) }
            if Set(settings.watchUsers) != Set(watched.map(\.name)) && sensor.watchUsers.isEmpty {
                Log.warning("SIGHUP: watch_users changed; that takes a restart")
            }
            Log.info("SIGHUP: reloaded policy \(policies.name): \(policies.ruleCount) rules")
        } catch {
            Log.error("SIGHUP: reload failed, keeping the previous policy: \(error)")
        }
    }
}

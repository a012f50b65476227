// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchAlerts
import RigwatchConfig
import RigwatchCore
import RigwatchService

/// Where a reload puts a new event export (the session), and what it is built with.
protocol EventExportSlot: AnyObject {
    var export: EventExport? { get set }
    var exportOrigin: LineOrigin { get }
}

/// SIGHUP: re-reads `--config` and applies everything that can change while the
/// sensor runs: the policy and argument-abuse rules, the network and mining
/// detectors, GPU sampling interval, alert delivery (webhook, dedup window, storm
/// limit, timeouts), and the state file, metrics file, interval and heartbeat.
/// Everything is read and built before anything is swapped, so a configuration
/// that fails anywhere (YAML, policy, webhook file, spool) leaves every running
/// setting as it was. Keys that take a restart are named (`ConfigReloadPlan`).
/// Runs on the sensor loop's thread, between events, like the engine.
final class ConfigReloader {
    let path: String?
    let engine: Engine
    let router: AlertRouter
    let health: ServiceHealth
    let gpu: GPUSampling?
    let watched: [WatchedUser]
    /// Keys set on the command line, whose file values do not matter (`--watch-user`).
    let commandLine: Set<String>
    /// What runs now (restart-only keys as they were at start).
    private(set) var running: SensorConfig
    /// One line on the outcome, for systemd's STATUS=.
    var onOutcome: ((String) -> Void)?
    /// Where new watched paths go to reach the kernel (nil: no live sensor, e.g. tests).
    var sensorControl: LiveSensorControl?
    /// The host's mount namespace, as the file-change detector was built with.
    var hostMountNamespace: UInt32?
    /// Where the event export lives (the session); nil: none to reload.
    weak var exportSlot: EventExportSlot?

    init(
        path: String?, running: SensorConfig, engine: Engine, router: AlertRouter, health: ServiceHealth,
        gpu: GPUSampling?, watched: [WatchedUser], commandLine: Set<String>
    ) {
        self.path = path
        self.running = running
        self.engine = engine
        self.router = router
        self.health = health
        self.gpu = gpu
        self.watched = watched
        self.commandLine = commandLine
    }

    func reload() {
        guard let path else {
            Log.info("SIGHUP: no --config file; the built-in configuration stays")
            return
        }
        do {
            try reload(from: path)
            health.noteReload(succeeded: true)
            onOutcome?("running; configuration reloaded")
        } catch {
            health.noteReload(succeeded: false)
            Log.error("SIGHUP: reload failed, keeping the previous configuration: \(error)")
            onOutcome?("running; reload failed, the previous configuration stays: \(error)")
        }
    }

    private func reload(from path: String) throws {
        let plan = ConfigReloadPlan(
            running: running, loaded: try ConfigLoader.load(path: path), commandLine: commandLine)
        let next = plan.config

        // 1. Build everything that can fail; nothing runs differently yet.
        // Policy errors throw; allowlist names that do not resolve are warnings.
        let detectors = try detectorSettings(
            next, watched: watched, sensorPid: UInt32(getpid()), gpuSampled: gpu != nil,
            hostMountNamespace: hostMountNamespace)
        let before = router.settings
        let delivery = try router.prepare(alertRouterSettings(next, host: before.host))
        // A changed export opens its file now: a path that does not work fails the reload.
        let exportChanged = next.export != running.export
        var newExport: EventExport?
        if exportChanged, !next.export.eventsFile.isEmpty, let slot = exportSlot {
            newExport = try EventExport(config: next.export, watchedUids: watched.map(\.uid), origin: slot.exportOrigin)
        }

        // 2. Apply: nothing below can fail.
        engine.apply(detectors)  // each detector takes its part; a part that is off stays as it runs
        if let files = detectors.files, files.watchedPaths != running.files.paths {
            sensorControl?.requestWatchedPaths(files.watchedPaths)
        }
        if let policies = detectors.policies {
            sensorControl?.requestEnforcement(EnforcementRequest(policies: policies, mode: next.enforcementMode))
        }
        gpu?.setInterval(Double(next.mining.gpuIntervalSeconds))
        router.commit(delivery)
        health.reconfigure(next.service)
        if exportChanged {
            exportSlot?.export = newExport
        } else {
            exportSlot?.export?.reopen()  // after logrotate or a move: the file the path names now
        }
        running = next

        // 3. Say what changed.
        if let policies = detectors.policies {
            Log.info("SIGHUP: reloaded policy \(policies.name): \(policies.ruleCount) rules")
        }
        if !plan.applied.isEmpty {
            Log.info("SIGHUP: applied " + plan.applied.map(\.description).joined(separator: "; "))
        }
        if delivery.settings.webhook?.value != before.webhook?.value {
            Log.info("SIGHUP: alerts now go to \(describeWebhook(delivery.settings.webhook))")
        }
        if exportChanged {
            Log.info("SIGHUP: event export now \(next.export.summary)")
        }
        for change in plan.needsRestart {
            Log.warning("SIGHUP: \(change.key) changed (\(change.before) → \(change.after)); that takes a restart")
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import RigwatchTestSupport
import XCTest

@testable import RigwatchConfig

/// SIGHUP's pure parts: which keys change live and which take a restart
/// (`ConfigReloadPlan`), the mining detector taking new settings while it runs, and
/// `Engine.apply` handing every detector its part of new settings.
final class ConfigReloadTests: XCTestCase {
    func testUnchangedConfigChangesNothing() throws {
        let running = try ConfigLoader.parse("mining:\n  extra_miner_names: [x]\n")
        let plan = ConfigReloadPlan(running: running, loaded: running)
        XCTAssertEqual(plan.config, running)
        XCTAssertEqual(plan.applied, [])
        XCTAssertEqual(plan.needsRestart, [])
    }

    func testLiveKeysApplyAndRestartOnlyKeysKeepTheRunningValue() throws {
        let running = SensorConfig()
        let loaded = try ConfigLoader.parse(
            """
            watch_users: [alice]
            engine:
              process_table_size: 1024
            network:
              snapshot_interval_seconds: 9
            mining:
              enabled: false
              extra_miner_names: [rwminer]
              quiet_seconds: 30
            alerts:
              log_file: /tmp/rw/other.jsonl
              spool_dir: /tmp/rw/spool
              spool_max_bytes: 8192
              dedup_window_seconds: 5
              storm_per_rule: 3
              discord:
                webhook_file: /etc/rigwatch/webhook
                timeout_seconds: 7
            service:
              lock_file: /tmp/rw/rigwatch.lock
              heartbeat_hours: 2
              metrics_file: ""
            """)
        let plan = ConfigReloadPlan(running: running, loaded: loaded)

        // Restart-only: the running values stay in the configuration to apply.
        XCTAssertEqual(plan.config.watchUsers, running.watchUsers)
        XCTAssertEqual(plan.config.processTableSize, running.processTableSize)
        XCTAssertEqual(plan.config.network.snapshotIntervalSeconds, running.network.snapshotIntervalSeconds)
        XCTAssertEqual(plan.config.mining.enabled, true)
        XCTAssertEqual(plan.config.alerts.logFile, running.alerts.logFile)
        XCTAssertEqual(plan.config.alerts.spoolDirectory, running.alerts.spoolDirectory)
        XCTAssertEqual(plan.config.alerts.spoolMaxBytes, running.alerts.spoolMaxBytes)
        XCTAssertEqual(plan.config.service.lockFile, running.service.lockFile)
        XCTAssertEqual(
            plan.needsRestart.map(\.description),
            [
                "watch_users [vastai_kaalia] → [alice]",
                "engine.process_table_size 65536 → 1024",
                "network.snapshot_interval_seconds 5 → 9",
                "mining.enabled true → false",
                "alerts.log_file /var/log/rigwatch/alerts.jsonl → /tmp/rw/other.jsonl",
                "alerts.spool_dir /var/lib/rigwatch/spool → /tmp/rw/spool",
                "alerts.spool_max_bytes 67108864 → 8192",
                "service.lock_file /run/rigwatch/rigwatch.lock → /tmp/rw/rigwatch.lock",
            ])

        // Live: the new values.
        XCTAssertEqual(plan.config.mining.extraMinerNames, ["rwminer"])
        XCTAssertEqual(plan.config.alerts.dedupWindowSeconds, 5)
        XCTAssertEqual(plan.config.alerts.stormPerRule, 3)
        XCTAssertEqual(plan.config.service.heartbeatHours, 2)
        XCTAssertEqual(
            plan.applied.map(\.description),
            [
                "mining.quiet_seconds 600 → 30",
                "mining.extra_miner_names [] → [rwminer]",
                "alerts.dedup_window_seconds 60 → 5",
                "alerts.storm_per_rule 20 → 3",
                "alerts.discord.webhook_file none → /etc/rigwatch/webhook",
                "alerts.discord.timeout_seconds 15 → 7",
                "service.metrics_file /var/lib/prometheus/node-exporter/rigwatch.prom → \"\"",
                "service.heartbeat_hours 0 → 2",
            ])
    }

    /// `--watch-user` on the command line: the file's watch_users does not matter.
    func testKeysSetOnTheCommandLineAreNotReported() throws {
        let loaded = try ConfigLoader.parse("watch_users: [alice]\n")
        let plan = ConfigReloadPlan(running: SensorConfig(), loaded: loaded, commandLine: ["watch_users"])
        XCTAssertEqual(plan.needsRestart, [])
        XCTAssertEqual(plan.config.watchUsers, SensorConfig().watchUsers)
    }

    func testPolicyRulesCompareByTextNotByLine() throws {
        let running = try ConfigLoader.parse("policy:\n  rules: [/usr/bin/id]\n")
        let moved = try ConfigLoader.parse("\n\npolicy:\n  rules: [/usr/bin/id]\n")
        XCTAssertNotEqual(running, moved, "origins differ")
        XCTAssertEqual(ConfigReloadPlan(running: running, loaded: moved).applied, [])
        let more = try ConfigLoader.parse("policy:\n  rules: [/usr/bin/id, \"!/usr/bin/su\"]\n")
        XCTAssertEqual(
            ConfigReloadPlan(running: running, loaded: more).applied.map(\.description),
            ["policy.rules [/usr/bin/id] → [/usr/bin/id, !/usr/bin/su]"])
    }

    /// Every configuration value is either live or restart-only: a key added to
    /// `SensorConfig` without a decision in `ConfigReloadPlan` would be silently
    /// ignored on SIGHUP (neither applied nor reported as taking a restart).
    func testEveryConfigurationKeyIsClassified() {
        /// Property paths of the leaves ("service.lockFile"); sections are the `…Config` structs.
        func leaves(_ value: Any, _ path: String) -> [String] {
            let mirror = Mirror(reflecting: value)
            guard mirror.displayStyle == .struct, String(describing: mirror.subjectType).hasSuffix("Config") else {
                return [path]
            }
            return mirror.children.flatMap {
                leaves($0.value, path.isEmpty ? $0.label ?? "?" : path + "." + ($0.label ?? "?"))
            }
        }
        let all = leaves(SensorConfig(), "")
        let keys = ConfigReloadPlan.restartOnlyKeys + ConfigReloadPlan.live.map(\.key)
        let sections = Set(keys.compactMap { $0.split(separator: ".").first.map(String.init) })
        let unclassifiedSections = all.filter {
            $0.contains(".") && !sections.contains(String($0.split(separator: ".")[0]))
        }
        XCTAssertEqual(
            all.count, keys.count,
            "configuration keys missing from ConfigReloadPlan (add each to `live`, and apply it in ConfigReloader, or to `restartOnly`); sections it does not know at all: \(unclassifiedSections)"
        )
        XCTAssertEqual(Set(keys).count, keys.count, "a key listed twice")
    }

    // MARK: Mining detector

    /// New signatures take effect from the next exec; an open incident survives the swap.
    func testMiningDetectorTakesNewSignaturesWhileRunning() throws {
        typealias S = MiningScenario
        var noGPU = MiningSettings()
        noGPU.expectGPU = false  // no GPU on this host: nothing held for a GPU signal
        let engine = S.engine(noGPU)
        let detector = try XCTUnwrap(engine.detectors(of: MiningDetector.self).first)
        let miner = ["/opt/x/rwreloadminer", "--threads", "4"]

        XCTAssertEqual(engine.consume(S.exec(500, miner, ts: 1 * S.second)), [], "unknown before the reload")

        var reloaded = try XCTUnwrap(
            try ConfigLoader.parse("mining:\n  extra_miner_names: [rwreloadminer]\n").mining.settings)
        reloaded.expectGPU = false
        detector.replaceSettings(reloaded)
        XCTAssertEqual(detector.settings.signatures.minerNames.contains("rwreloadminer"), true)

        let alerts = engine.consume(S.exec(501, miner, ts: 2 * S.second))
        XCTAssertEqual(alerts.map(\.rule), ["crypto-mining"])
        XCTAssertEqual(alerts.first?.severity, .low)
        XCTAssertEqual(detector.openIncidentCount, 1)

        // Another swap (a threshold only) keeps the incident: the same signal again raises nothing.
        var busier = reloaded
        busier.busyPercent = 95
        detector.replaceSettings(busier)
        XCTAssertEqual(detector.openIncidentCount, 1)
        XCTAssertEqual(engine.consume(S.exec(502, miner, ts: 3 * S.second)), [])
    }

    // MARK: Engine.apply

    /// One `DetectorSettings` reaches every detector through the engine (no downcasts);
    /// a nil part leaves that detector's settings as they were.
    func testEngineApplyGivesEachDetectorItsPartAndNilPartsChangeNothing() throws {
        let policies = try PolicyBuilder.build(PolicyConfig(), watched: [])
        var mining = MiningSettings()
        mining.expectGPU = false
        let engine = Engine(
            detectors: Engine.standardDetectors(
                DetectorSettings(
                    policies: policies, network: NetworkSettings(), mining: mining,
                    files: FileWatchSettings(watchedPaths: ["/etc/sudoers"]), tamper: TamperSettings())))
        let exec = try XCTUnwrap(engine.detectors(of: PrivilegedExecDetector.self).first)
        let exfiltration = try XCTUnwrap(engine.detectors(of: ExfiltrationDetector.self).first)
        let outbound = try XCTUnwrap(engine.detectors(of: WatchedOutboundDetector.self).first)
        let miner = try XCTUnwrap(engine.detectors(of: MiningDetector.self).first)
        let files = try XCTUnwrap(engine.detectors(of: FileChangeDetector.self).first)
        let tamper = try XCTUnwrap(engine.detectors(of: TamperDetector.self).first)
        XCTAssertNotNil(exec.abuse)

        var network = NetworkSettings()
        network.exfiltration.windowSeconds = 60
        network.watchedOutbound.windowSeconds = 30
        var busier = mining
        busier.busyPercent = 95
        engine.apply(
            DetectorSettings(
                policies: policies, abuse: nil, network: network, mining: busier,
                files: FileWatchSettings(watchedPaths: ["/etc/shadow"]),
                tamper: TamperSettings(repeatWindowSeconds: 5)))
        XCTAssertNil(exec.abuse)
        XCTAssertEqual(exfiltration.settings.windowSeconds, 60)
        XCTAssertEqual(outbound.settings.windowSeconds, 30)
        XCTAssertEqual(miner.settings, busier)
        XCTAssertEqual(files.settings.watchedPaths, ["/etc/shadow"])
        XCTAssertEqual(tamper.settings.repeatWindowSeconds, 5)

        engine.apply(DetectorSettings())  // every part nil (the abuse rules' default needs a policy)
        XCTAssertNil(exec.abuse)
        XCTAssertEqual(exfiltration.settings.windowSeconds, 60)
        XCTAssertEqual(outbound.settings.windowSeconds, 30)
        XCTAssertEqual(miner.settings, busier)
        XCTAssertEqual(files.settings.watchedPaths, ["/etc/shadow"])
        XCTAssertEqual(tamper.settings.repeatWindowSeconds, 5)
    }
}

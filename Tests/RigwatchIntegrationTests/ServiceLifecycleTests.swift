// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// `rigwatch run` as a service on the real kernel: SIGHUP reloads what can change
/// live and keeps the old configuration when the new one is broken; systemd hears
/// READY=1 only once the programs are attached and STOPPING=1 when the stop begins;
/// a second instance refuses to start; the metrics file parses with Prometheus's parser.
final class ServiceLifecycleTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    private var sensorEnvironment: [String: String] { SensorProcess.quietEnvironment }

    /// A program named like no miner the sensor knows: /bin/true under another name.
    private func fakeMiner(in dir: String, named name: String) throws -> String {
        let path = dir + "/" + name
        try FileManager.default.copyItem(
            atPath: URL(fileURLWithPath: "/bin/true").resolvingSymlinksInPath().path, toPath: path)
        chmod(path, 0o755)
        return path
    }

    private func alertLogRules(_ path: String) -> [String] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["rule"] as? String
        }
    }

    // MARK: SIGHUP

    /// A config with no webhook and no extra miner names; SIGHUP with a webhook file and
    /// a new miner name: the next run of that program alerts, and the alert reaches the
    /// (mock) Discord. Then a YAML error: logged with its line, and the sensor goes on
    /// with the settings it had (the miner still alerts, Discord still gets it).
    func testSighupAppliesAlertsAndMiningAndABrokenFileKeepsTheOldSettings() throws {
        let dir = try tempDir("hup")
        let mock = try MockDiscord(self)
        let webhookFile = dir + "/webhook"
        try mock.webhook.write(toFile: webhookFile, atomically: true, encoding: .utf8)
        chmod(webhookFile, 0o600)
        let miner = try fakeMiner(in: dir, named: "rwhupminer")
        let configPath = dir + "/rigwatch.yaml"
        let common = """
            alerts:
              log_file: \(dir)/alerts.jsonl
              spool_dir: \(dir)/spool
            service:
              state_file: \(dir)/state.json
              metrics_file: ""
              lock_file: \(dir)/rigwatch.lock
              posture_check_hours: 0

            """
        try common.write(toFile: configPath, atomically: true, encoding: .utf8)

        let sensor = try SensorProcess(
            ["run", "--config", configPath, "--events", "none"] + SensorProcess.noGPU, environment: sensorEnvironment)
        addTeardownBlock { if sensor.process.isRunning { sensor.stop(SIGKILL) } }
        XCTAssertEqual(try runCommand(miner, []).status, 0)
        sleep(1)
        XCTAssertEqual(
            alertLogRules(dir + "/alerts.jsonl").filter { $0 == "crypto-mining" }, [], "not a known miner yet")

        // The new file: a miner name, a webhook, a quiet period short enough for a second
        // incident, and one key that takes a restart.
        let reloaded = """
            engine:
              process_table_size: 4096
            mining:
              extra_miner_names: [rwhupminer]
              quiet_seconds: 1
            alerts:
              log_file: \(dir)/alerts.jsonl
              spool_dir: \(dir)/spool
              storm_per_rule: 5
              discord:
                webhook_file: \(webhookFile)
                timeout_seconds: 3
            service:
              state_file: \(dir)/state.json
              metrics_file: ""
              lock_file: \(dir)/rigwatch.lock
              posture_check_hours: 0

            """
        try reloaded.write(toFile: configPath, atomically: true, encoding: .utf8)
        sensor.signal(SIGHUP)
        // The restart-only warning is the reload's last line: wait for it, not an earlier one.
        try sensor.waitForStderr("that takes a restart")
        XCTAssertTrue(sensor.stderrText.contains("SIGHUP: alerts now go to"), sensor.stderrText)
        XCTAssertTrue(sensor.stderrText.contains("mining.extra_miner_names [] → [rwhupminer]"), sensor.stderrText)
        XCTAssertTrue(sensor.stderrText.contains("alerts.storm_per_rule 20 → 5"), sensor.stderrText)
        XCTAssertTrue(
            sensor.stderrText.contains("alerts.discord.webhook_file none → \(webhookFile)"), sensor.stderrText)
        XCTAssertTrue(
            sensor.stderrText.contains(
                "SIGHUP: engine.process_table_size changed (65536 → 4096); that takes a restart"), sensor.stderrText)

        // Only the miner's alerts count (signals to the sensor may raise alerts of their own).
        func minerEmbeds(_ count: Int) throws -> [[String: Any]] {
            var found: [[String: Any]] = []
            _ = try waitUntil(timeout: 15) {
                found = try mock.embeds().filter { "\($0)".contains("rwhupminer") }
                return found.count >= count
            }
            return found
        }
        XCTAssertEqual(try runCommand(miner, []).status, 0)
        XCTAssertEqual(try minerEmbeds(1).count, 1, "the mining alert reaches the webhook the reload configured")

        // A YAML error on line 5: reported with its position; nothing changes.
        let broken = "mining:\n  extra_miner_names: []\nalerts:\n  discord:\n    webhook_file: \(webhookFile): oops\n"
        try broken.write(toFile: configPath, atomically: true, encoding: .utf8)
        sensor.signal(SIGHUP)
        try sensor.waitForStderr("reload failed")
        XCTAssertTrue(
            sensor.stderrText.contains("SIGHUP: reload failed, keeping the previous configuration: \(configPath):5:"),
            sensor.stderrText)
        XCTAssertTrue(sensor.process.isRunning)

        sleep(2)  // the first incident goes quiet (quiet_seconds 1, still in force)
        XCTAssertEqual(try runCommand(miner, []).status, 0)
        let embeds = try minerEmbeds(2)
        XCTAssertEqual(
            embeds.count, 2, "the previous miner names and webhook still hold: \(embeds.map { $0["title"] ?? "" })")

        sensor.stop()
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
        XCTAssertEqual(alertLogRules(dir + "/alerts.jsonl").filter { $0 == "crypto-mining" }.count, 2)
        XCTAssertFalse(sensor.stderrText.contains("rwtest-token"), "the webhook token leaked into the log")
    }

    // MARK: sd_notify

    /// READY=1 comes with the programs attached (bpftool lists every program the sensor
    /// holds); STOPPING=1 comes after SIGTERM; after exit none of them is loaded (the
    /// explicit clean stop, `--unpin-on-exit`: otherwise they stay pinned, recording).
    func testReadyOnlyWithProgramsAttachedAndStoppingOnStop() throws {
        let dir = try tempDir("notify")
        let socketPath = dir + "/notify.sock"
        let listener = try NotifySocket(bind: socketPath)
        let config = try scratchConfig(self)
        var env = sensorEnvironment
        env["NOTIFY_SOCKET"] = socketPath

        let sensor = try SensorProcess(
            ["run", "--config", config, "--events", "none", "--unpin-on-exit"] + SensorProcess.noGPU, environment: env)
        addTeardownBlock { if sensor.process.isRunning { sensor.stop(SIGKILL) } }
        let ready = try XCTUnwrap(listener.receive(timeoutMs: 10_000), "no READY=1: \(sensor.stderrText)")
        let programs = Self.programIds(of: sensor.process.processIdentifier)
        let loaded = try Self.bpftoolPrograms()
        XCTAssertTrue(ready.split(separator: "\n").contains("READY=1"), ready)
        XCTAssertTrue(ready.contains("STATUS=watching"), ready)
        XCTAssertFalse(programs.isEmpty, "the sensor holds no BPF program")
        XCTAssertTrue(programs.isSubset(of: Set(loaded.keys)), "not loaded: \(programs.subtracting(loaded.keys))")
        let names = Set(programs.compactMap { loaded[$0] })
        XCTAssertTrue(names.isSuperset(of: ["handle_exec", "handle_fork", "handle_exit"]), "\(names)")
        XCTAssertNil(listener.receive(timeoutMs: 300), "nothing more while running")

        sensor.signal(SIGTERM)
        let stopping = try XCTUnwrap(listener.receive(timeoutMs: 10_000), "no STOPPING=1: \(sensor.stderrText)")
        XCTAssertTrue(stopping.split(separator: "\n").contains("STOPPING=1"), stopping)
        sensor.stop(SIGTERM)  // waits for the exit
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
        // The kernel frees a program once its last reference goes, after an RCU grace period.
        var left = programs
        _ = try waitUntil(timeout: 5) {
            left = programs.intersection(try Self.bpftoolPrograms().keys)
            return left.isEmpty
        }
        XCTAssertEqual(left, [], "programs still loaded after the sensor exited: \(left)")
    }

    /// Program ids a process holds, through program and link descriptors (/proc/PID/fdinfo).
    static func programIds(of pid: Int32) -> Set<Int> {
        var ids: Set<Int> = []
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        for fd in fds {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
                target.hasPrefix("anon_inode:bpf-prog") || target.hasPrefix("anon_inode:bpf_link"),
                let info = try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\(fd)", encoding: .utf8)
            else { continue }
            for line in info.split(separator: "\n") where line.hasPrefix("prog_id:") {
                if let id = Int(line.dropFirst("prog_id:".count).trimmingCharacters(in: .whitespaces)) {
                    ids.insert(id)
                }
            }
        }
        return ids
    }

    /// `bpftool prog show`: id → name of every program loaded in the kernel.
    static func bpftoolPrograms() throws -> [Int: String] {
        let r = try runCommand("/usr/sbin/bpftool", ["prog", "show", "--json"])
        guard r.status == 0, let list = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        else {
            throw SetupError("bpftool prog show failed: \(r.stderr)")
        }
        var programs: [Int: String] = [:]
        for p in list { if let id = p["id"] as? Int { programs[id] = p["name"] as? String ?? "" } }
        return programs
    }

    // MARK: One instance

    func testSecondInstanceRefusesWithTheHoldersPidAndTheFirstRunsOn() throws {
        let config = try scratchConfig(self)
        let lock = (config as NSString).deletingLastPathComponent + "/rigwatch.lock"
        let first = try SensorProcess(
            ["run", "--config", config, "--events", "none"] + SensorProcess.noGPU, environment: sensorEnvironment)
        addTeardownBlock { if first.process.isRunning { first.stop(SIGKILL) } }
        let pid = first.process.processIdentifier
        XCTAssertEqual(try String(contentsOfFile: lock, encoding: .utf8), "\(pid)\n")

        let second = try runCommand(
            Repo.rigwatchBinary, ["run", "--config", config, "--duration", "5"] + SensorProcess.noGPU)
        XCTAssertEqual(second.status, 4, second.stderr)
        XCTAssertTrue(
            second.stderr.contains("rigwatch: error: another rigwatch is already running (pid \(pid) holds \(lock))"),
            second.stderr)
        XCTAssertFalse(
            second.stderr.contains("sensor attached"), "the second one must not load anything: \(second.stderr)")
        XCTAssertTrue(first.process.isRunning)
        XCTAssertEqual(try String(contentsOfFile: lock, encoding: .utf8), "\(pid)\n", "the holder's pid stays")

        first.stop()
        XCTAssertEqual(first.status, 0, first.stderrText)
        // The lock went with the first: the next one starts.
        let third = try runCommand(
            Repo.rigwatchBinary,
            ["run", "--config", config, "--duration", "1", "--events", "none"] + SensorProcess.noGPU)
        XCTAssertEqual(third.status, 0, third.stderr)
    }

    // MARK: Metrics

    /// The textfile the live sensor writes, parsed by prometheus_client: events by kind,
    /// drops, alerts by rule, spool depth and delivery failures (Discord answers 500).
    func testLiveMetricsFileParsesWithPrometheusParser() throws {
        let python = try PrometheusParser.interpreter()
        let dir = try tempDir("metrics")
        let mock = try MockDiscord(self)
        try mock.admin("mode", #"{"mode":"status","status":500,"count":100000}"#)
        let webhookFile = dir + "/webhook"
        try mock.webhook.write(toFile: webhookFile, atomically: true, encoding: .utf8)
        chmod(webhookFile, 0o600)
        let miner = try fakeMiner(in: dir, named: "rwpromminer")
        let metricsFile = dir + "/textfile/rigwatch.prom"
        try FileManager.default.createDirectory(atPath: dir + "/textfile", withIntermediateDirectories: true)
        let config = dir + "/rigwatch.yaml"
        let configText = """
            mining:
              extra_miner_names: [rwpromminer]
            alerts:
              log_file: \(dir)/alerts.jsonl
              spool_dir: \(dir)/spool
              discord:
                webhook_file: \(webhookFile)
                timeout_seconds: 2
            service:
              state_file: \(dir)/state.json
              metrics_file: \(metricsFile)
              state_interval_seconds: 1
              lock_file: \(dir)/rigwatch.lock
              posture_check_hours: 0
            """
        try configText.write(toFile: config, atomically: true, encoding: .utf8)

        let sensor = try SensorProcess(
            ["run", "--config", config, "--events", "none"] + SensorProcess.noGPU, environment: sensorEnvironment)
        addTeardownBlock { if sensor.process.isRunning { sensor.stop(SIGKILL) } }
        XCTAssertEqual(try runCommand(miner, []).status, 0)

        var parsed: [String: Any] = [:]
        func sample(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            let families = parsed["families"] as? [[String: Any]] ?? []
            for family in families {
                for s in family["samples"] as? [[String: Any]] ?? [] where s["name"] as? String == name {
                    if (s["labels"] as? [String: String] ?? [:]) == labels {
                        return (s["value"] as? NSNumber)?.doubleValue
                    }
                }
            }
            return nil
        }
        let settled = try waitUntil(timeout: 20) {
            guard FileManager.default.fileExists(atPath: metricsFile) else { return false }
            let r = try runCommand(python, [PrometheusParser.script, metricsFile])
            XCTAssertEqual(r.status, 0, "prometheus_client refused the file: \(r.stderr)")
            parsed = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]) ?? [:]
            return (sample("rigwatch_alert_delivery_failures_total") ?? 0) >= 1
                && (sample("rigwatch_alert_spool_depth") ?? 0) >= 1
                && sample("rigwatch_alerts_total", ["rule": "crypto-mining", "severity": "low"]) == 1
        }
        XCTAssertTrue(settled, "metrics never showed the failed delivery: \(parsed)")
        XCTAssertEqual(sample("rigwatch_up"), 1)
        XCTAssertGreaterThan(sample("rigwatch_events_total", ["kind": "exec"]) ?? 0, 0)
        XCTAssertGreaterThan(sample("rigwatch_events_total", ["kind": "fork"]) ?? 0, 0)
        XCTAssertEqual(sample("rigwatch_kernel_dropped_events_total"), 0)
        XCTAssertEqual(sample("rigwatch_alerts_delivered_total"), 0)
        // build_info says what --version says: "0.1.0 (commit 0123456789ab)".
        let version = try runCommand(Repo.rigwatchBinary, ["--version"]).stdout.split(separator: " ")
        XCTAssertEqual(version.count, 3)
        let commit = String(version[2].dropLast(2))  // "0123456789ab)\n"
        XCTAssertEqual(sample("rigwatch_build_info", ["version": String(version[0]), "commit": commit]), 1)
        XCTAssertEqual(sample("rigwatch_config_last_reload_successful"), 1, "the start's load counts as a success")
        XCTAssertEqual(sample("rigwatch_config_reloads_total", ["result": "failure"]), 0)
        let families = Set((parsed["families"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
        XCTAssertEqual(
            families,
            [
                "rigwatch_up", "rigwatch_build_info", "rigwatch_start_time_seconds",
                "rigwatch_config_last_reload_successful", "rigwatch_config_last_reload_success_timestamp_seconds",
                "rigwatch_config_reloads", "rigwatch_events", "rigwatch_kernel_dropped_events",
                "rigwatch_events_exported", "rigwatch_event_export_errors",
                "rigwatch_alerts", "rigwatch_alerts_delivered", "rigwatch_alert_delivery_failures",
                "rigwatch_alert_spool_depth", "rigwatch_feature_active",
            ])
        // The BPF source's features, one sample each; the core's hook is the same on every kernel.
        XCTAssertEqual(sample("rigwatch_feature_active", ["feature": "process", "hook": "tp_btf"]), 1)
        XCTAssertEqual(
            (parsed["families"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "rigwatch_feature_active" }
                .flatMap { ($0["samples"] as? [Any])?.count }, FeatureTable.features.count)

        // A reload that fails (an unknown key) shows as 0 with its time unchanged; a good one as 1, now.
        let startLoad = sample("rigwatch_config_last_reload_success_timestamp_seconds") ?? 0
        func reload(_ text: String, successful: Double, successes: Double, failures: Double) throws -> Bool {
            try text.write(toFile: config, atomically: true, encoding: .utf8)
            sensor.signal(SIGHUP)
            return try waitUntil(timeout: 20) {
                let r = try runCommand(python, [PrometheusParser.script, metricsFile])
                parsed = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]) ?? [:]
                return sample("rigwatch_config_last_reload_successful") == successful
                    && sample("rigwatch_config_reloads_total", ["result": "success"]) == successes
                    && sample("rigwatch_config_reloads_total", ["result": "failure"]) == failures
            }
        }
        XCTAssertTrue(
            try reload(configText + "rwtest_unknown_key: 1\n", successful: 0, successes: 0, failures: 1), "\(parsed)")
        XCTAssertEqual(sample("rigwatch_config_last_reload_success_timestamp_seconds"), startLoad)
        XCTAssertTrue(try reload(configText, successful: 1, successes: 1, failures: 1), "\(parsed)")
        XCTAssertGreaterThan(sample("rigwatch_config_last_reload_success_timestamp_seconds") ?? 0, startLoad)

        sensor.stop()
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
    }
}

/// Tests/Fixtures/metrics/parse_prom.py and a python3 that can run it.
enum PrometheusParser {
    static var script: String { Repo.root + "/Tests/Fixtures/metrics/parse_prom.py" }

    /// Debian's python3 (apt's python3-prometheus-client), else python3 on PATH. None with
    /// prometheus_client: a skip here, a failure in CI (CI=true).
    static func interpreter(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
        for python in ["/usr/bin/python3"] + path where FileManager.default.isExecutableFile(atPath: python) {
            if (try? runCommand(python, ["-c", "import prometheus_client.parser"]))?.status == 0 { return python }
        }
        let message = "no python3 with prometheus_client (apt-get install python3-prometheus-client, or make deps)"
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            XCTFail(message, file: file, line: line)
            throw SetupError(message)
        }
        throw XCTSkip(message)
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchService
import RigwatchTestSupport
import XCTest

/// What the installed service relies on, with the real binary: the unit's reload
/// runs check-config first (a broken file fails it, the running sensor keeps its
/// configuration), the watchdog pings from the event loop, the webhook secret and
/// systemd's variables never reach child programs, `test-alert` goes through a
/// running sensor or reads the installed environment file, the alert log follows
/// logrotate, and `status` says why it cannot read the state file.
final class ServiceRuntimeTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    private var cleanEnvironment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        for name in ["RIGWATCH_DISCORD_WEBHOOK", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] { env[name] = nil }
        return env
    }

    /// A config of the test's own: log, spool, state, lock in `dir`, state written every second.
    private func config(_ dir: String, extra: String = "") throws -> String {
        let text = """
            watch_users: [nobody]
            alerts:
              log_file: \(dir)/alerts.jsonl
              spool_dir: \(dir)/spool
              discord:
                timeout_seconds: 3
            service:
              state_file: \(dir)/state.json
              state_interval_seconds: 1
              metrics_file: ""
              lock_file: \(dir)/rigwatch.lock
              posture_check_hours: 0
            tamper:
              enabled: false
            \(extra)
            """
        try text.write(toFile: dir + "/rigwatch.yaml", atomically: true, encoding: .utf8)
        return dir + "/rigwatch.yaml"
    }

    private func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    // MARK: The unit's reload

    /// The unit's ExecReload= lines, run in order as systemd runs them (the first
    /// failure fails the reload and the rest are not run), against a running sensor.
    func testReloadWithABrokenConfigFailsAndTheRunningSensorKeepsItsConfig() throws {
        let dir = try tempDir("reload")
        let path = try config(dir)
        var layout = InstallLayout()
        layout.binary = Repo.rigwatchBinary
        layout.config = path
        let reload = InstallPlanner.unitFile(layout).split(separator: "\n")
            .filter { $0.hasPrefix("ExecReload=") }.map { String($0.dropFirst("ExecReload=".count)) }
        XCTAssertEqual(reload, ["\(Repo.rigwatchBinary) check-config \(path)", "/bin/kill -HUP $MAINPID"])

        let sensor = try SensorProcess(
            ["run", "--config", path, "--events", "none"] + SensorProcess.noGPU, environment: cleanEnvironment)
        addTeardownBlock { if sensor.process.isRunning { sensor.stop(SIGKILL) } }
        func systemctlReload() -> Int32 {
            for command in reload {
                let expanded = command.replacingOccurrences(of: "$MAINPID", with: "\(sensor.process.processIdentifier)")
                let r = try? runCommand("/bin/sh", ["-c", expanded])
                if r?.status != 0 { return r?.status ?? -1 }
            }
            return 0
        }

        // Broken: an unknown key. The reload fails with the configuration's status; no SIGHUP reaches the sensor.
        let good = try String(contentsOfFile: path, encoding: .utf8)
        try (good + "\nno_such_key: 1\n").write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(systemctlReload(), 2)
        Thread.sleep(forTimeInterval: TestTime.scaled(1))
        XCTAssertTrue(sensor.process.isRunning)
        try sensor.waitForStderr("sensor attached")
        XCTAssertFalse(sensor.stderrText.contains("SIGHUP"), sensor.stderrText)

        // Fixed: the reload passes and the sensor reloads.
        try (good + "\nmining:\n  gpu_interval_seconds: 3\n").write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(systemctlReload(), 0)
        try sensor.waitForStderr("SIGHUP: applied mining.gpu_interval_seconds")
        sensor.stop(SIGTERM)
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
    }

    /// systemd's own reading of the unit: no unknown directive, no bad value.
    func testUnitFileVerifies() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("systemd-analyze missing") }
            throw XCTSkip("systemd-analyze missing")
        }
        let dir = try tempDir("unit")
        var layout = InstallLayout()
        layout.binary = Repo.rigwatchBinary
        let unit = dir + "/rwtest-rigwatch.service"
        try InstallPlanner.unitFile(layout).write(toFile: unit, atomically: true, encoding: .utf8)
        let r = try runCommand("/usr/bin/systemd-analyze", ["verify", "--man=no", unit])
        // --man=no: the man page comes with the package, not with a test build.
        let ours = (r.stdout + r.stderr).split(separator: "\n").filter { $0.contains("rwtest-rigwatch.service") }
        XCTAssertEqual(ours, [], r.stdout + r.stderr)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
    }

    // MARK: Watchdog and the environment children see

    func testWatchdogPingsAndChildrenInheritNeitherTheSecretNorSystemdsVariables() throws {
        let dir = try tempDir("watchdog")
        let path = try config(dir)
        let socketPath = dir + "/notify.sock"
        let listener = try NotifySocket(bind: socketPath)
        // A stand-in nvidia-smi that records the environment it was given.
        let fakeSMI = dir + "/nvidia-smi"
        try "#!/bin/sh\nenv > \(dir)/child-env.$$\nexit 9\n".write(toFile: fakeSMI, atomically: true, encoding: .utf8)
        chmod(fakeSMI, 0o755)
        var env = cleanEnvironment
        env["NOTIFY_SOCKET"] = socketPath
        env["WATCHDOG_USEC"] = "400000"
        env["RIGWATCH_DISCORD_WEBHOOK"] = "http://127.0.0.1:9/api/webhooks/1/rwtest-secret-token"
        let sensor = try SensorProcess(
            [
                "run", "--config", path, "--events", "none", "--nvml-library", "/nonexistent/rwtest-libnvidia-ml.so.1",
                "--nvidia-smi", fakeSMI,
            ], environment: env)
        addTeardownBlock { if sensor.process.isRunning { sensor.stop(SIGKILL) } }

        var messages: [String] = []
        let deadline = Date().addingTimeInterval(TestTime.scaled(3))
        while Date() < deadline, messages.filter({ $0 == "WATCHDOG=1" }).count < 4 {
            if let m = listener.receive(timeoutMs: 500) { messages.append(m) }
        }
        // READY first, then a ping at least every 200 ms (half of WATCHDOG_USEC).
        XCTAssertTrue(messages.first?.hasPrefix("READY=1") ?? false, "\(messages)")
        XCTAssertGreaterThanOrEqual(messages.filter { $0 == "WATCHDOG=1" }.count, 4, "\(messages)")
        sensor.stop(SIGTERM)
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)

        let dumps = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("child-env.") }
        XCTAssertFalse(dumps.isEmpty, "the stand-in nvidia-smi never ran: \(sensor.stderrText)")
        for dump in dumps {
            let names = Set(lines(dir + "/" + dump).map { String($0.prefix { $0 != "=" }) })
            for secret in ["RIGWATCH_DISCORD_WEBHOOK", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
                XCTAssertFalse(names.contains(secret), "\(secret) reached nvidia-smi")
            }
            XCTAssertTrue(names.contains("PATH"), "the child got an environment at all")
        }
        XCTAssertFalse(sensor.stderrText.contains("rwtest-secret-token"), "the secret was logged")
    }

    // MARK: test-alert

    func testTestAlertGoesThroughTheRunningSensor() throws {
        let mock = try MockDiscord(self)
        let dir = mock.dir
        let webhookFile = dir + "/webhook"
        try mock.webhook.write(toFile: webhookFile, atomically: true, encoding: .utf8)
        chmod(webhookFile, 0o600)
        let path = try config(dir, extra: "")
        let withWebhook = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(
            of: "    timeout_seconds: 3", with: "    timeout_seconds: 3\n    webhook_file: \(webhookFile)")
        try withWebhook.write(toFile: path, atomically: true, encoding: .utf8)
        let sensor = try SensorProcess(
            ["run", "--config", path, "--events", "none"] + SensorProcess.noGPU, environment: cleanEnvironment)
        addTeardownBlock { if sensor.process.isRunning { sensor.stop(SIGKILL) } }
        // The state file exists before test-alert reads its counters.
        _ = waitUntil(timeout: 5) { FileManager.default.fileExists(atPath: dir + "/state.json") }

        let r = try runCommand(Repo.rigwatchBinary, ["test-alert", "--config", path, "--timeout", "15"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(
            r.stdout.split(separator: "\n").map(String.init),
            [
                "handed to the running sensor (pid \(sensor.process.processIdentifier))",
                "alert log \(dir)/alerts.jsonl: written",
                "Discord: delivered by the running sensor",
            ])
        let embeds = try mock.waitForEmbeds(1, timeout: 5)
        XCTAssertEqual(embeds.count, 1)
        XCTAssertEqual(
            embeds.first?["title"] as? String, "[INFO] rigwatch test alert from \(ProcessInfo.processInfo.hostName)")
        // One sender: the standalone path (its own router) never opened the spool.
        XCTAssertFalse(r.stderr.contains("alerts: log"), r.stderr)
        sensor.stop(SIGTERM)
        XCTAssertTrue(sensor.stderrText.contains("test alert requested (SIGUSR1)"), sensor.stderrText)
    }

    func testTestAlertReadsTheInstalledEnvironmentFile() throws {
        let mock = try MockDiscord(self)
        let dir = mock.dir
        let path = try config(dir)
        let envFile = dir + "/rigwatch.env"
        try "# written by the operator\nRIGWATCH_DISCORD_WEBHOOK=\"\(mock.webhook)\"\n".write(
            toFile: envFile, atomically: true, encoding: .utf8)
        chmod(envFile, 0o644)
        var r = try runCommand(
            "/usr/bin/env",
            [
                "-u", "RIGWATCH_DISCORD_WEBHOOK", Repo.rigwatchBinary, "test-alert", "--config", path,
                "--environment-file", envFile, "--timeout", "10",
            ])
        // Readable by others: refused, like the webhook file.
        XCTAssertTrue(
            r.stderr.contains("ignoring \(envFile): it must be owned by root and readable by root only"), r.stderr)
        XCTAssertTrue(r.stdout.contains("Discord: not configured"), r.stdout)
        chmod(envFile, 0o600)
        r = try runCommand(
            "/usr/bin/env",
            [
                "-u", "RIGWATCH_DISCORD_WEBHOOK", Repo.rigwatchBinary, "test-alert", "--config", path,
                "--environment-file", envFile, "--timeout", "10",
            ])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(
            r.stdout.contains("Discord http://127.0.0.1:\(mock.port)/api/webhooks/1234567890/***: delivered"), r.stdout)
        XCTAssertEqual(try mock.waitForEmbeds(1, timeout: 5).count, 1)
    }

    /// Without --config a command reads the installed configuration (here a stand-in
    /// for /etc/rigwatch/rigwatch.yaml): test-alert writes the log that file names.
    func testCommandsDefaultToTheInstalledConfiguration() throws {
        let dir = try tempDir("default-config")
        let path = try config(dir)
        let r = try runCommand(
            "/usr/bin/env",
            [
                "-u", "RIGWATCH_DISCORD_WEBHOOK", "RIGWATCH_DEFAULT_CONFIG=\(path)", Repo.rigwatchBinary, "test-alert",
                "--environment-file", dir + "/none.env", "--timeout", "5",
            ])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("alert log \(dir)/alerts.jsonl: written"), r.stdout)
        XCTAssertEqual(lines(dir + "/alerts.jsonl").count, 1)
        // A missing default is no error: the built-in defaults apply.
        let none = try runCommand(
            "/usr/bin/env",
            [
                "RIGWATCH_DEFAULT_CONFIG=\(dir)/absent.yaml", Repo.rigwatchBinary, "status", "--state-file",
                dir + "/none.json",
            ])
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.stderr.contains("no state file at \(dir)/none.json"), none.stderr)
    }

    // MARK: The alert log follows logrotate

    func testAlertLogFollowsARotationAndReopensOnSighup() throws {
        let dir = try tempDir("rotate")
        let path = try config(dir)
        let log = dir + "/alerts.jsonl"
        let sensor = try SensorProcess(
            ["run", "--config", path, "--events", "none"] + SensorProcess.noGPU, environment: cleanEnvironment)
        addTeardownBlock { if sensor.process.isRunning { sensor.stop(SIGKILL) } }
        func testAlert() throws {
            sensor.signal(SIGUSR1)
            let before = lines(log).count
            XCTAssertTrue(waitUntil(timeout: 5) { self.lines(log).count > before }, "no alert written to \(log)")
        }
        try testAlert()
        XCTAssertEqual(lines(log).count, 1)

        // logrotate's create: rename away, then the next alert goes to a new file at the path.
        XCTAssertEqual(rename(log, log + ".1"), 0)
        try testAlert()
        XCTAssertEqual(lines(log + ".1").count, 1)
        XCTAssertEqual(lines(log).count, 1)
        var info = stat()
        XCTAssertEqual(stat(log, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)

        // postrotate's SIGHUP: the new file is there at once, before any alert.
        XCTAssertEqual(rename(log, log + ".2"), 0)
        sensor.signal(SIGHUP)
        XCTAssertTrue(waitUntil(timeout: 5) { FileManager.default.fileExists(atPath: log) }, sensor.stderrText)
        XCTAssertEqual(lines(log).count, 0)
        XCTAssertEqual(lines(log + ".2").count, 1)
        sensor.stop(SIGTERM)
    }

    // MARK: Who stopped it

    /// A TERM from another process (here `/bin/kill`, a child of the test, not the
    /// sensor's parent) is a failure, so Restart= brings the sensor back; the parent's
    /// (the service manager's, here the test's) is a clean stop.
    func testStopBySomeoneElseExitsWithFailure() throws {
        let dir = try tempDir("stranger")
        let path = try config(dir)
        let sensor = try SensorProcess(
            ["run", "--config", path, "--events", "none"] + SensorProcess.noGPU, environment: cleanEnvironment)
        addTeardownBlock { if sensor.process.isRunning { sensor.stop(SIGKILL) } }
        XCTAssertEqual(try runCommand("/bin/kill", ["-TERM", "\(sensor.process.processIdentifier)"]).status, 0)
        sensor.process.waitUntilExit()
        sensor.stop(SIGTERM)  // collects the output; the process is gone
        XCTAssertEqual(sensor.status, 1, sensor.stderrText)
        XCTAssertTrue(sensor.stderrText.contains("stopped by signal 15 from pid "), sensor.stderrText)
        XCTAssertTrue(sensor.stderrText.contains(", not by the service manager"), sensor.stderrText)

        let again = try SensorProcess(
            ["run", "--config", path, "--events", "none"] + SensorProcess.noGPU, environment: cleanEnvironment)
        again.stop(SIGTERM)
        XCTAssertEqual(again.status, 0, again.stderrText)
    }

    // MARK: status

    func testStatusAsAnotherUserSaysPermissionDenied() throws {
        let dir = try tempDir("status")
        let stateDir = dir + "/state"
        try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
        chmod(stateDir, 0o700)
        try "{}".write(toFile: stateDir + "/state.json", atomically: true, encoding: .utf8)
        let r = try runCommand(
            "/usr/bin/setpriv",
            [
                "--reuid=65534", "--regid=65534", "--clear-groups", Repo.rigwatchBinary, "status", "--state-file",
                stateDir + "/state.json",
            ])
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        XCTAssertTrue(
            r.stderr.contains(
                "cannot read \(stateDir)/state.json: Permission denied (run it as root: the state directory is root's only)"
            ),
            r.stderr)
        XCTAssertFalse(r.stderr.contains("no state file"), r.stderr)
        // Root, a missing file: the words for that.
        let missing = try runCommand(Repo.rigwatchBinary, ["status", "--state-file", dir + "/none.json"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("rigwatch: no state file at \(dir)/none.json"), missing.stderr)
    }
}

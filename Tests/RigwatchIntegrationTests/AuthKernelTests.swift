// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchTestSupport
import XCTest

/// PAM's own audit records on the real machine: `rigwatch run` reads the audit
/// multicast group while an unprivileged test user fails `su` to another test user
/// (a known password, a wrong one typed through a pseudo-terminal). Kernel auditing
/// must be on for the kernel to keep user records: the test turns it on and puts
/// the previous state back.
final class AuthKernelTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    /// `enabled` from `auditctl -s`, after turning auditing on (restored on teardown).
    private func enableAuditing() throws {
        let status = try runCommand("/usr/sbin/auditctl", ["-s"])
        guard status.status == 0,
            let line = status.stdout.split(separator: "\n").first(where: { $0.hasPrefix("enabled ") })
        else { throw XCTSkip("auditctl -s failed: \(status.stderr)") }
        let previous = String(line.dropFirst("enabled ".count))
        if previous == "2" { throw XCTSkip("audit is locked (enabled 2)") }
        if previous == "0" {
            XCTAssertEqual(try runCommand("/usr/sbin/auditctl", ["-e", "1"]).status, 0)
            addTeardownBlock { _ = try? runCommand("/usr/sbin/auditctl", ["-e", "0"]) }
        }
    }

    /// Runs `su target -c true` as `caller`, typing `password` at su's prompt; returns su's exit code.
    private func su(as caller: TestUser, to target: String, password: String) throws -> Int32 {
        let script = """
            import os, pty, sys, time
            pid, fd = pty.fork()
            if pid == 0:
                os.execv("/usr/bin/su", ["su", sys.argv[1], "-c", "true"])
            seen = b""
            end = time.time() + 10
            while b"assword" not in seen and time.time() < end:
                try:
                    seen += os.read(fd, 1024)
                except OSError:
                    break
            os.write(fd, sys.argv[2].encode() + b"\\n")
            try:
                while os.read(fd, 1024):
                    pass
            except OSError:
                pass
            _, status = os.waitpid(pid, 0)
            sys.exit(os.waitstatus_to_exitcode(status))
            """
        return try runCommand(
            "/usr/bin/setpriv", caller.asUser(["/usr/bin/python3", "-c", script, target, password])
        ).status
    }

    private struct Scene {
        var target: TestUser
        var caller: TestUser
        var config: String
    }

    /// Auditing on, the two users (the target with a known password) and a config watching the caller.
    private func scene() throws -> Scene {
        try enableAuditing()
        let target = try TestUser.create(self, suffix: "auth")
        let caller = try TestUser.create(self, suffix: "authc")
        let chpasswd = try runCommand("/bin/sh", ["-c", "echo '\(target.name):Rw-test-Pw-71' | /usr/sbin/chpasswd"])
        XCTAssertEqual(chpasswd.status, 0, chpasswd.stderr)
        let config = try scratchConfig(
            self,
            body: """
                watch_users: [\(caller.name)]
                auth:
                  failures: 3
                  window_seconds: 120
                """)
        return Scene(target: target, caller: caller, config: config)
    }

    private static let marker = "auth: reading PAM's audit records"

    private func jsonLines(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// The one brute-force alert for the target's account, its fields checked.
    private func checkBruteForceAlert(_ lines: [[String: Any]], _ s: Scene, output: String) throws {
        let alerts = lines.filter { $0["type"] as? String == "alert" && $0["rule"] as? String == "auth-brute-force" }
        XCTAssertEqual(alerts.count, 1, output)
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertEqual(alert["severity"] as? String, "high")
        XCTAssertEqual(
            alert["title"] as? String, "3 failed authentications for account \(s.target.name) within 120 s (su)")
        let evidence = try XCTUnwrap(alert["evidence"] as? [String: String])
        XCTAssertEqual(evidence["account"], s.target.name)
        XCTAssertEqual(evidence["service"], "su")
        XCTAssertEqual(evidence["exe"], "/usr/bin/su")
        XCTAssertEqual(evidence["burst_by"], "account")
        XCTAssertEqual(evidence["failures"], "3")
    }

    func testFailedSuAttemptsAreAuthEventsAndABruteForceAlert() throws {
        try failedSuAttempts(source: "bpf")
    }

    /// The audit source (rigwatch the audit pid, or beside auditd) leaves the multicast copy to the reader.
    func testTheAuditSourceReadsTheSameRecords() throws {
        try failedSuAttempts(source: "audit")
    }

    private func failedSuAttempts(source: String) throws {
        let s = try scene()
        let sensor = try SensorProcess(
            ["run", "--config", s.config, "--events", "all", "--source", source] + SensorProcess.noGPU,
            waitFor: Self.marker)
        for _ in 0..<3 {
            XCTAssertEqual(try su(as: s.caller, to: s.target.name, password: "wrong-password"), 1)
        }
        sleep(1)
        let output = sensor.stop()
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
        let lines = jsonLines(output)
        let failures = lines.filter {
            $0["type"] as? String == "auth" && $0["acct"] as? String == s.target.name
                && $0["record_type"] as? String == "USER_AUTH"
        }
        XCTAssertEqual(failures.count, 3, "\(output)\n\(sensor.stderrText)")
        for event in failures {
            XCTAssertEqual(event["exe"] as? String, "/usr/bin/su")
            XCTAssertEqual(event["service"] as? String, "su")
            XCTAssertEqual(event["res"] as? String, "failed")
            XCTAssertEqual(event["op"] as? String, "PAM:authentication")
            XCTAssertEqual(event["uid"] as? Int, Int(s.caller.uid))
        }
        try checkBruteForceAlert(lines, s, output: output)
    }

    /// `record` keeps the auth records in the binary trace; `replay` raises the same alert from it.
    func testRecordedAuthRecordsReplayIntoTheSameAlert() throws {
        let s = try scene()
        let trace = try tempDir("authtrace") + "/auth.rwtrace"
        let recorder = try SensorProcess(
            ["record", "--config", s.config, "--output", trace] + SensorProcess.noGPU, waitFor: Self.marker)
        for _ in 0..<3 {
            XCTAssertEqual(try su(as: s.caller, to: s.target.name, password: "wrong-password"), 1)
        }
        sleep(1)
        recorder.stop(SIGINT)
        XCTAssertEqual(recorder.status, 0, recorder.stderrText)
        let replay = try runCommand(Repo.rigwatchBinary, ["replay", trace, "--config", s.config, "--events", "all"])
        XCTAssertEqual(replay.status, 0, replay.stderr)
        let lines = jsonLines(replay.stdout)
        let failures = lines.filter {
            $0["type"] as? String == "auth" && $0["acct"] as? String == s.target.name
                && $0["res"] as? String == "failed"
        }
        XCTAssertEqual(failures.count, 3, replay.stdout)
        try checkBruteForceAlert(lines, s, output: replay.stdout)
    }

    /// A watched user typing wrong passwords at sudo (`-S`: from stdin, three tries).
    func testAWatchedUserFailingSudoIsAnAlert() throws {
        let s = try scene()
        let sensor = try SensorProcess(
            ["run", "--config", s.config, "--events", "all"] + SensorProcess.noGPU, waitFor: Self.marker)
        let argv = s.caller.asUser(["/usr/bin/sudo", "-S", "-k", "true"]).map { "'\($0)'" }.joined(separator: " ")
        let sudo = try runCommand(
            "/bin/sh", ["-c", "printf 'wrong-1\\nwrong-2\\nwrong-3\\n' | /usr/bin/setpriv \(argv)"])
        XCTAssertEqual(sudo.status, 1, sudo.stderr)
        sleep(1)
        let output = sensor.stop()
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
        let lines = jsonLines(output)
        let failures = lines.filter {
            $0["type"] as? String == "auth" && $0["exe"] as? String == "/usr/bin/sudo"
                && $0["record_type"] as? String == "USER_AUTH" && $0["res"] as? String == "failed"
        }
        XCTAssertEqual(failures.count, 3, "\(output)\n\(sensor.stderrText)")
        XCTAssertEqual(Set(failures.map { $0["acct"] as? String }), [s.caller.name])
        let alerts = lines.filter { $0["type"] as? String == "alert" && $0["rule"] as? String == "auth-sudo-failure" }
        XCTAssertEqual(alerts.count, 3, output)
        for alert in alerts {
            XCTAssertEqual(alert["severity"] as? String, "medium")
            XCTAssertEqual(alert["title"] as? String, "Watched account \(s.caller.name) failed sudo authentication")
            let evidence = try XCTUnwrap(alert["evidence"] as? [String: String])
            XCTAssertEqual(evidence["account"], s.caller.name)
            XCTAssertEqual(evidence["service"], "sudo")
            XCTAssertEqual(evidence["uid"], String(s.caller.uid))
        }
    }
}

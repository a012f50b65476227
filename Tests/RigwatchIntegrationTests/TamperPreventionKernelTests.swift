// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchTestSupport
import XCTest

/// Tamper prevention on the real kernel: where BPF-LSM is active (Debian 12's stock
/// kernel, in the VM) a watched user allowed `sudo kill *` can neither kill, stop nor
/// ptrace the sensor, and each refusal is an alert; root outside the watched lineages
/// still can (that is how the service manager stops it). Where it is not (this
/// host's 6.18: LSM programs do not attach), the feature is off, said so, and the
/// kill goes through as before.
final class TamperPreventionKernelTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    /// What check-kernel says of this kernel: the bpf LSM active and an LSM program attaching.
    private func bpfLSMRuns() throws -> Bool {
        let r = try runCommand(Repo.rigwatchBinary, ["check-kernel", "--json"])
        let parsed = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        let report = try XCTUnwrap(parsed as? [String: Any], r.stdout)
        let kernel = try XCTUnwrap(report["kernel"] as? [String: Any], r.stdout)
        let attach = kernel["attach"] as? [String: [String: Any]]
        let lsmAttaches = (attach?["lsm"]?["errno"] as? NSNumber)?.intValue == 0
        return lsmAttaches && (kernel["lsm"] as? [String])?.contains("bpf") == true
    }

    private func asUser(_ user: TestUser, _ script: String) throws -> CommandResult {
        try runCommand("/usr/bin/setpriv", user.asUser(["/bin/sh", "-c", script]))
    }

    func testTheWatchedLineageCannotKillStopOrTraceTheSensorWhereBPFLSMRuns() throws {
        let user = try TestUser.create(self, suffix: "prev")
        try installSudoers(
            self, name: "rwtestprev", content: "\(user.name) ALL=(root) NOPASSWD: /bin/kill *, /usr/bin/python3 *\n")
        let config = try scratchConfig(self, body: "watch_users: [\(user.name)]\n")
        let prevents = try bpfLSMRuns()
        let sensor = try SensorProcess([
            "run", "--config", config, "--events", "all", "--pin-dir", testPinDirectory(self),
        ])
        let pid = sensor.process.processIdentifier
        guard prevents else {
            XCTAssertTrue(sensor.stderrText.contains("feature tamper-prevent: off: "), sensor.stderrText)
            XCTAssertEqual(try asUser(user, "sudo -n /bin/kill -9 \(pid)").status, 0)
            sensor.process.waitUntilExit()
            XCTAssertEqual(sensor.process.terminationReason, .uncaughtSignal, "not prevented here")
            return
        }
        XCTAssertTrue(
            sensor.stderrText.contains("feature tamper-prevent: lsm/{task_kill,ptrace_access_check}"), sensor.stderrText
        )

        // The watched user, through the whitelisted sudo: refused, every way.
        for signal in ["-9", "-STOP", "-TERM"] {
            let r = try asUser(user, "sudo -n /bin/kill \(signal) \(pid)")
            XCTAssertNotEqual(r.status, 0, "kill \(signal)")
            XCTAssertTrue(r.stderr.contains("Operation not permitted"), "kill \(signal): \(r.stderr)")
        }
        // PTRACE_SEIZE (0x4206) from root in the lineage: EPERM (1).
        let seize =
            "import ctypes; libc = ctypes.CDLL(None, use_errno=True); print(libc.ptrace(0x4206, \(pid), 0, 0), ctypes.get_errno())"
        let traced = try asUser(user, "sudo -n /usr/bin/python3 -c '\(seize)'")
        XCTAssertEqual(traced.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "-1 1", traced.stderr)
        Thread.sleep(forTimeInterval: TestTime.scaled(0.5))
        XCTAssertTrue(sensor.process.isRunning, "the sensor survived: \(sensor.stderrText)")

        // Root outside the watched lineages (this test): let through, reported as before.
        _ = try sh("/bin/kill -HUP \(pid)")
        try sensor.waitForStderr("SIGHUP")
        let out = SensorOutput(sensor.stop())
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)

        let tamper = out.events("tamper")
        let denied = tamper.filter { $0["denied"] as? Bool == true }
        XCTAssertEqual(
            Set(denied.compactMap { $0["signal"] as? String }), ["SIGKILL", "SIGSTOP", "SIGTERM"], "\(tamper)")
        for event in denied where event["op"] as? String == "signal" {
            XCTAssertEqual(event["comm"] as? String, "kill")
            XCTAssertEqual((event["lineage_uid"] as? NSNumber)?.uint32Value, user.uid)
            XCTAssertEqual((event["target_pid"] as? NSNumber)?.int32Value, pid)
        }
        let ptrace = denied.filter { $0["op"] as? String == "ptrace" }
        XCTAssertEqual(ptrace.count, 1, "\(tamper)")
        XCTAssertEqual(ptrace.first?["comm"] as? String, "python3")
        // A refused signal was never generated: no report of it having been sent.
        XCTAssertEqual(tamper.filter { $0["signal"] as? String == "SIGKILL" }.count, 1, "\(tamper)")
        let hup = tamper.filter { $0["signal"] as? String == "SIGHUP" }
        XCTAssertEqual(hup.count, 1, "\(tamper)")
        XCTAssertNil(hup.first?["denied"])

        let alerts = out.alerts(rule: "sensor-tamper")
        let killAlert = alerts.first { ($0["title"] as? String)?.hasPrefix("SIGKILL to the sensor denied") == true }
        XCTAssertEqual(killAlert?["severity"] as? String, "critical", "\(alerts.map(jsonText))")
        XCTAssertTrue((killAlert?["title"] as? String)?.contains("in \(user.name)'s lineage") == true)
        XCTAssertEqual(alerts.filter { jsonText($0).contains("access denied") }.count, 1, "\(alerts.map(jsonText))")
    }
}

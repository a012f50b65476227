// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchTestSupport
import XCTest

/// Enforcement on the real kernel, through the real sudo, as a test user sudo lets
/// run anything: rigwatch's whitelist decides in the kernel. On this kernel (no
/// BPF-LSM) deny is the SIGKILL fallback, so a refused command's side effect (a file
/// it would create) must be absent; on Debian 12's stock kernel (make vm-test) the
/// same test runs there.
final class EnforcementKernelTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    private struct Setup {
        let user: TestUser
        let dir: String
        let configPath: String
    }

    private func setUp(_ suffix: String) throws -> Setup {
        let user = try TestUser.create(self, suffix: suffix)
        try installSudoers(self, name: "rwtest-\(suffix)", content: "\(user.name) ALL=(root) NOPASSWD: ALL\n")
        let dir = NSTemporaryDirectory() + "rwtest-\(suffix)-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return Setup(user: user, dir: dir, configPath: dir + "/rigwatch.yaml")
    }

    private func writeConfig(
        _ s: Setup, mode: String,
        rules: [String]? = nil, policyTail: String = ""
    ) throws {
        let rules = rules ?? ["/usr/bin/id", "/usr/bin/touch \(s.dir)/allowed", "/usr/bin/timeout *"]
        let text =
            "watch_users: [\(s.user.name)]\nenforcement:\n  mode: \(mode)\nalerts:\n  log_file: \(s.dir)/alerts.jsonl\n  spool_dir: \(s.dir)/spool\nservice:\n  state_file: \(s.dir)/state.json\n  metrics_file: \(s.dir)/rigwatch.prom\n  lock_file: \(s.dir)/rigwatch.lock\n  posture_check_hours: 0\npolicy:\n  include_default: false\n  rules:\n"
            + rules.map { "    - \"\($0)\"\n" }.joined() + policyTail
        try text.write(toFile: s.configPath, atomically: true, encoding: .utf8)
    }

    private func sudo(_ s: Setup, _ args: [String]) throws -> Int32 {
        try runCommand("/usr/bin/setpriv", s.user.asUser(["/usr/bin/sudo", "-n"] + args)).status
    }

    private func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// How deny stops a command on this kernel, as the alert says it: exec refused by
    /// BPF-LSM (Debian 12's stock kernel), or killed before it ran (no BPF-LSM).
    private func stopped(_ sensor: SensorProcess) -> String {
        sensor.stderrText.contains("feature enforce-lsm: lsm/bprm_check_security")
            ? "exec refused" : "killed before it ran"
    }

    /// The alerts of one rule, as (title, action) pairs.
    private func alerts(_ output: String, rule: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { $0.contains(#""rule":"\#(rule)""#) }.map {
            line -> String in
            guard let r = line.range(of: #""title":""#) else { return line }
            return String(line[r.upperBound...].prefix { $0 != "\"" })
        }
    }

    func testDenyKillsUnlistedEntriesBeforeTheyRunAndLetsListedOnesRun() throws {
        let s = try setUp("enf")
        try writeConfig(s, mode: "deny")
        // A pin directory of its own, removed at teardown: a deny left pinned would judge
        // later tests' users (uids are reused).
        let sensor = try SensorProcess(
            ["run", "--config", s.configPath, "--events", "none", "--pin-dir", testPinDirectory(self)])
        try sensor.waitForStderr("enforcement: deny, 3 rules in the kernel")

        XCTAssertEqual(try sudo(s, ["/usr/bin/id"]), 0)  // listed
        XCTAssertEqual(try sudo(s, ["/usr/bin/touch", s.dir + "/allowed"]), 0)  // listed, with its arguments
        XCTAssertNotEqual(try sudo(s, ["/usr/bin/touch", s.dir + "/denied"]), 0)  // other arguments
        // A wrapper is allowed; what it runs is an entry of its own.
        XCTAssertNotEqual(try sudo(s, ["/usr/bin/timeout", "9", "/usr/bin/touch", s.dir + "/wrapped"]), 0)
        XCTAssertNotEqual(
            try sudo(s, ["/usr/bin/timeout", "9", "/bin/sh", "-c", "/usr/bin/touch \(s.dir)/shell"]), 0)
        // Root outside the watched lineages (this test, an operator's shell) is never judged.
        XCTAssertEqual(try runCommand("/usr/bin/touch", [s.dir + "/operator"]).status, 0)
        sleep(1)
        let output = sensor.stop()
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)

        XCTAssertTrue(exists(s.dir + "/allowed"))
        XCTAssertTrue(exists(s.dir + "/operator"))
        XCTAssertFalse(exists(s.dir + "/denied"), "the refused touch ran")
        XCTAssertFalse(exists(s.dir + "/wrapped"), "the wrapped touch ran")
        XCTAssertFalse(exists(s.dir + "/shell"), "the wrapped shell ran")
        let name = s.user.name
        let how = stopped(sensor)
        print("enforcement: deny stopped the commands here as: \(how)")
        XCTAssertEqual(
            alerts(output, rule: "enforcement-denied"),
            [
                "rigwatch stopped \(name)'s unlisted root command (\(how)): /usr/bin/touch \(s.dir)/denied",
                "rigwatch stopped \(name)'s unlisted root command (\(how)): /usr/bin/touch \(s.dir)/wrapped",
                "rigwatch stopped \(name)'s unlisted root command (\(how)): /bin/sh -c '/usr/bin/touch \(s.dir)/shell'",
            ], output)
        let denied = try XCTUnwrap(output.split(separator: "\n").first { $0.contains(#""rule":"enforcement-denied""#) })
        let action = how == "exec refused" ? "refused" : "killed"
        XCTAssertTrue(denied.contains(#""action":"\#(action)""#), String(denied))
        XCTAssertTrue(denied.contains(#""denied_by":"no rule allows it""#), String(denied))
        XCTAssertTrue(denied.contains(#""severity":"high""#), String(denied))
    }

    /// What an allowed command starts as root is judged by its child profiles in the
    /// kernel: an ordinary system program runs, a shell outside the profile is
    /// stopped, the one the profile names runs, and a program from a writable path
    /// is stopped even where a profile names it.
    func testDenyStopsAChildOutsideItsProfile() throws {
        let s = try setUp("chl")
        let profiled = s.dir + "/p"
        try FileManager.default.createDirectory(atPath: profiled, withIntermediateDirectories: true)
        let tool = s.dir + "/tool"
        try "#!/bin/sh\n/usr/bin/touch \"$1\"\n".write(toFile: tool, atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod(tool, 0o755), 0)
        try writeConfig(
            s, mode: "deny", rules: ["/usr/bin/find *"],
            policyTail:
                "  child_profiles:\n    - command: \"/usr/bin/find \(profiled) *\"\n      allow: [\"/usr/bin/sh -c *\", \"\(tool)\"]\n"
        )
        let sensor = try SensorProcess(
            ["run", "--config", s.configPath, "--events", "none", "--pin-dir", testPinDirectory(self)])
        try sensor.waitForStderr("enforcement: deny, 1 rules in the kernel")

        func find(_ dir: String, _ command: [String]) throws {
            _ = try sudo(s, ["/usr/bin/find", dir, "-maxdepth", "0", "-exec"] + command + [";"])
        }
        try find(s.dir, ["/usr/bin/touch", s.dir + "/ordinary"])
        try find(s.dir, ["/usr/bin/sh", "-c", "/usr/bin/touch \(s.dir)/shell"])
        try find(profiled, ["/usr/bin/sh", "-c", "/usr/bin/touch \(s.dir)/profiled"])
        try find(profiled, [tool, s.dir + "/writable"])
        sleep(1)
        let output = sensor.stop()
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)

        XCTAssertTrue(exists(s.dir + "/ordinary"), "an ordinary child was stopped")
        XCTAssertFalse(exists(s.dir + "/shell"), "a shell outside the profile ran")
        XCTAssertTrue(exists(s.dir + "/profiled"), "the shell the profile names was stopped")
        XCTAssertFalse(exists(s.dir + "/writable"), "a program from a writable path ran")
        let name = s.user.name
        let how = stopped(sensor)
        XCTAssertEqual(
            alerts(output, rule: "enforcement-denied"),
            [
                "rigwatch stopped \(name)'s root child of an allowed command (shell-or-interpreter, not in its profile) (\(how)): /usr/bin/sh -c '/usr/bin/touch \(s.dir)/shell'",
                "rigwatch stopped \(name)'s root child of an allowed command, from a writable path (\(how)): \(tool) \(s.dir)/writable",
            ], output)
        let denied = output.split(separator: "\n").filter { $0.contains(#""rule":"enforcement-denied""#) }
        XCTAssertEqual(denied.count, 2, output)
        XCTAssertTrue(denied[0].contains(#""child_class":"shell-or-interpreter""#), String(denied[0]))
        XCTAssertTrue(
            denied[0].contains(#""denied_by":"no child profile of the allowed command above allows it""#),
            String(denied[0]))
        XCTAssertTrue(denied[1].contains(#""child_class":"writable-path""#), String(denied[1]))
        XCTAssertTrue(
            denied[1].contains(#""denied_by":"a writable path: no child profile can allow it""#), String(denied[1]))
    }

    func testAuditReportsWhatDenyWouldStopAndAReloadTurnsDenyOn() throws {
        let s = try setUp("aud")
        try writeConfig(s, mode: "audit")
        // A pin directory of its own, removed at teardown: a deny left pinned would judge
        // later tests' users (uids are reused).
        let sensor = try SensorProcess(
            ["run", "--config", s.configPath, "--events", "none", "--pin-dir", testPinDirectory(self)])
        try sensor.waitForStderr("enforcement: audit, 3 rules in the kernel")
        XCTAssertEqual(try sudo(s, ["/usr/bin/touch", s.dir + "/audited"]), 0)
        XCTAssertEqual(try sudo(s, ["/usr/bin/id"]), 0)

        try writeConfig(s, mode: "deny")
        sensor.signal(SIGHUP)
        try sensor.waitForStderr("enforcement: deny, 3 rules in the kernel")
        XCTAssertNotEqual(try sudo(s, ["/usr/bin/touch", s.dir + "/after-reload"]), 0)
        XCTAssertEqual(try sudo(s, ["/usr/bin/id"]), 0)

        try writeConfig(s, mode: "off")
        sensor.signal(SIGHUP)
        try sensor.waitForStderr("enforcement: off, 3 rules in the kernel")
        XCTAssertEqual(try sudo(s, ["/usr/bin/touch", s.dir + "/off"]), 0)
        sleep(1)
        let output = sensor.stop()
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)

        XCTAssertTrue(exists(s.dir + "/audited"), "audit mode stopped a command")
        XCTAssertFalse(exists(s.dir + "/after-reload"), "deny after the reload let it run")
        XCTAssertTrue(exists(s.dir + "/off"), "off still stopped a command")
        let name = s.user.name
        XCTAssertEqual(
            alerts(output, rule: "enforcement-audit"),
            ["enforcement would stop \(name)'s unlisted root command (audit mode): /usr/bin/touch \(s.dir)/audited"],
            output)
        XCTAssertEqual(
            alerts(output, rule: "enforcement-denied"),
            [
                "rigwatch stopped \(name)'s unlisted root command (\(stopped(sensor))): /usr/bin/touch \(s.dir)/after-reload"
            ],
            output)
        // The whitelist check still reports the unlisted commands that ran (a refused exec never did).
        let refused = stopped(sensor) == "exec refused"
        XCTAssertEqual(alerts(output, rule: "unlisted-privileged-exec").count, refused ? 2 : 3, output)
    }

    /// The choice for a sensor that dies: its pinned programs and maps stay, so deny
    /// goes on with the last policy while no sensor runs (killing the sensor does not
    /// lift it); `rigwatch unpin` ends it.
    func testDenyOutlivesAKilledSensorUntilUnpinned() throws {
        let s = try setUp("enfp")
        try writeConfig(s, mode: "deny")
        let pins = testPinDirectory(self)
        let sensor = try SensorProcess(["run", "--config", s.configPath, "--events", "none", "--pin-dir", pins])
        try sensor.waitForStderr("enforcement: deny, 3 rules in the kernel")
        sensor.signal(SIGKILL)
        sensor.process.waitUntilExit()
        XCTAssertEqual(sensor.process.terminationReason, .uncaughtSignal)

        XCTAssertNotEqual(try sudo(s, ["/usr/bin/touch", s.dir + "/while-down"]), 0)
        XCTAssertEqual(try sudo(s, ["/usr/bin/id"]), 0)
        XCTAssertFalse(exists(s.dir + "/while-down"), "the sensor's death lifted enforcement")

        let unpin = try runCommand(Repo.rigwatchBinary, ["unpin", "--pin-dir", pins])
        XCTAssertEqual(unpin.status, 0, unpin.stderr)
        XCTAssertEqual(try sudo(s, ["/usr/bin/touch", s.dir + "/after-unpin"]), 0)
        XCTAssertTrue(exists(s.dir + "/after-unpin"), "unpin left enforcement in place")
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchTestSupport
import XCTest

/// The whitelist on the real kernel: a test user with a sudoers rule runs
/// commands through the real sudo while `rigwatch run` watches.
final class PolicyKernelTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    func testOnlyTheUnlistedCommandAndTheWrappedShellAlert() throws {
        let user = try TestUser.create(self, suffix: "pol")
        let rules = """
            \(user.name) ALL=(root) NOPASSWD: /usr/bin/id, /usr/bin/uname -r, /usr/bin/whoami
            \(user.name) ALL=(root) NOPASSWD: /usr/bin/timeout * /usr/bin/uname -r
            """
        try installSudoers(self, name: "rwtest-pol", content: rules + "\n")
        let dir = NSTemporaryDirectory() + "rwtest-pol-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        // The config imports the same sudoers file, unchanged; no default policy.
        let config = """
            watch_users: [\(user.name)]
            policy:
              include_default: false
              import_sudoers: /etc/sudoers.d/rwtest-pol
            alerts:
              log_file: \(dir)/alerts.jsonl
              spool_dir: \(dir)/spool
            service:
              state_file: \(dir)/state.json
              metrics_file: \(dir)/rigwatch.prom
              lock_file: \(dir)/rigwatch.lock
              posture_check_hours: 0
            """
        try config.write(toFile: dir + "/rigwatch.yaml", atomically: true, encoding: .utf8)
        let check = try runCommand(Repo.rigwatchBinary, ["check-config", dir + "/rigwatch.yaml"])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(check.stdout.contains("/etc/sudoers.d/rwtest-pol: 4 compiled rules"), check.stdout)

        let sensor = try SensorProcess(["run", "--config", dir + "/rigwatch.yaml", "--events", "none"])
        func sudo(_ args: [String]) throws -> Int32 {
            try runCommand("/usr/bin/setpriv", user.asUser(["/usr/bin/sudo", "-n"] + args)).status
        }
        XCTAssertEqual(try sudo(["/usr/bin/id"]), 0)  // allowed
        XCTAssertEqual(try sudo(["/usr/bin/uname", "-r"]), 0)  // allowed
        // allowed wrapper, allowed child
        XCTAssertEqual(try sudo(["/usr/bin/timeout", "9", "/usr/bin/uname", "-r"]), 0)
        // sudo would refuse an unlisted command, so the unlisted exec happens below an allowed wrapper:
        XCTAssertEqual(
            try sudo(["/usr/bin/timeout", "9", "/bin/sh", "-c", "/usr/bin/whoami", "/usr/bin/uname", "-r"]), 0)
        sleep(1)
        let output = sensor.stop()
        let stderrText = sensor.stderrText
        XCTAssertEqual(sensor.status, 0, stderrText)

        // This test is about the policy: the stop signal's sensor-tamper alert, and file-change
        // alerts for whatever else on the host writes /etc/sudoers.d meanwhile, are not its subject.
        let alerts = output.split(separator: "\n").map(String.init).filter(Self.isPolicyAlert)
        XCTAssertEqual(alerts.count, 1, "expected exactly one alert, got:\n\(output)\nstderr:\n\(stderrText)")
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertTrue(
            alert.hasPrefix(
                #"{"type":"alert","id":"unlisted-privileged-exec-1","rule":"unlisted-privileged-exec","severity":"high","#
            ), alert)
        XCTAssertTrue(
            alert.contains(
                #""title":"\#(user.name) ran an unlisted command as root: /bin/sh -c /usr/bin/whoami /usr/bin/uname -r""#
            ), alert)
        XCTAssertTrue(
            alert.contains(
                #""exe":"/usr/bin/timeout","argv":["/usr/bin/timeout","9","/bin/sh","-c","/usr/bin/whoami","/usr/bin/uname","-r"]"#
            ), "the chain shows the wrapper: \(alert)")
        XCTAssertTrue(alert.contains(#""rule_set":"/etc/sudoers.d/rwtest-pol""#), alert)
    }

    /// The Vast situation: sudo lets the user run anything; rigwatch's whitelist
    /// decides. One allowed and one unlisted command give exactly one alert.
    /// Then SIGHUP reloads the whitelist, and an invalid one keeps the old in force.
    func testWhitelistDecidesWhatSudoAllowsAndReloadsOnSighup() throws {
        let user = try TestUser.create(self, suffix: "all")
        try installSudoers(self, name: "rwtest-all", content: "\(user.name) ALL=(root) NOPASSWD: ALL\n")
        let dir = NSTemporaryDirectory() + "rwtest-all-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let configPath = dir + "/rigwatch.yaml"
        func writeConfig(_ rules: [String]) throws {
            let text =
                "watch_users: [\(user.name)]\nalerts:\n  log_file: \(dir)/alerts.jsonl\n  spool_dir: \(dir)/spool\nservice:\n  state_file: \(dir)/state.json\n  metrics_file: \(dir)/rigwatch.prom\n  lock_file: \(dir)/rigwatch.lock\n  posture_check_hours: 0\npolicy:\n  include_default: false\n  rules:\n"
                + rules.map { "    - \"\($0)\"\n" }.joined()
            try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        }
        try writeConfig(["/usr/bin/id"])

        let sensor = try SensorProcess(["run", "--config", configPath, "--events", "none"])
        func sudo(_ args: [String]) throws {
            XCTAssertEqual(try runCommand("/usr/bin/setpriv", user.asUser(["/usr/bin/sudo", "-n"] + args)).status, 0)
        }
        try sudo(["/usr/bin/id", "-u"])
        try sudo(["/usr/bin/whoami"])

        try writeConfig(["/usr/bin/id", "/usr/bin/whoami"])
        sensor.signal(SIGHUP)
        try sensor.waitForStderr("SIGHUP: reloaded policy config rules: 2 rules")
        try sudo(["/usr/bin/whoami"])  // allowed now

        try "policy:\n  rules: [\"whoami\"]\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        sensor.signal(SIGHUP)
        try sensor.waitForStderr("reload failed")
        try sudo(["/usr/bin/whoami"])  // the previous policy still holds
        try sudo(["/usr/bin/uname", "-n"])  // and still denies what it did not list
        sleep(1)
        let output = sensor.stop()
        let stderrText = sensor.stderrText
        XCTAssertEqual(sensor.status, 0, stderrText)
        XCTAssertTrue(
            stderrText.contains(
                "SIGHUP: reload failed, keeping the previous configuration: \(configPath):2: command 'whoami' must be a fully qualified path"
            ), stderrText)

        let titles = output.split(separator: "\n").map(String.init).filter(Self.isPolicyAlert).map {
            line -> String in
            guard let r = line.range(of: #""title":""#) else { return String(line) }
            return String(line[r.upperBound...].prefix { $0 != "\"" })
        }
        XCTAssertEqual(
            titles,
            [
                "\(user.name) ran an unlisted command as root: /usr/bin/whoami",
                "\(user.name) ran an unlisted command as root: /usr/bin/uname -n",
            ], output)
    }

    /// An alert of the whitelist's own rules (not the sensor's tamper or file-change ones).
    static func isPolicyAlert(_ line: String) -> Bool {
        !line.contains(#""rule":"sensor-tamper""#) && !line.contains(#""rule":"file-change""#)
    }
}

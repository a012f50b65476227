// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchTestSupport
import XCTest

/// Child profiles on the real kernel: a test user with the community whitelist
/// (Tests/Fixtures/data/vastai-restricted.sudoers, the user's name put in) runs
/// whitelisted commands through the real sudo under the default policy, and what
/// those commands start as root is judged.
final class ChildProfileKernelTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    private var user: TestUser!
    private var dir = ""

    /// The user, its whitelist, a directory of the test's own and a config with the default policy.
    private func setUpWhitelist(extraPolicy: String = "") throws -> String {
        user = try TestUser.create(self, suffix: "cpk")
        let seed = try String(
            contentsOfFile: Repo.root + "/Tests/Fixtures/data/vastai-restricted.sudoers", encoding: .utf8)
        try installSudoers(
            self, name: "rwtest-cpk", content: seed.replacingOccurrences(of: "vastai_kaalia", with: user.name))
        dir = try tempDir("cpk")
        return try scratchConfig(
            self, body: "watch_users: [\(user.name)]\npolicy:\n  include_default: true\n" + extraPolicy)
    }

    private func sudo(_ args: [String]) throws -> CommandResult {
        try runCommand("/usr/bin/setpriv", user.asUser(["/usr/bin/sudo", "-n"] + args))
    }

    /// The whitelist's alerts (not the other detectors': apt's download from the mirror is
    /// a `watched-user-outbound`, the stop signal a `sensor-tamper`).
    private func policyAlerts(
        _ output: String,
        rules: [String] = ["unlisted-privileged-exec", "privileged-argument-abuse", "unexpected-root-child"]
    ) -> [String] {
        return output.split(separator: "\n").map(String.init).filter { line in
            rules.contains { line.contains(#""rule":"\#($0)""#) }
        }
    }

    private func logrotateConfig(_ name: String, postrotate: String) throws -> String {
        let log = "\(dir)/\(name).log"
        try "line\n".write(toFile: log, atomically: true, encoding: .utf8)
        let conf = "\(dir)/\(name).conf"
        try "\(log) {\n  rotate 1\n  missingok\n  postrotate\n    \(postrotate)\n  endscript\n}\n".write(
            toFile: conf, atomically: true, encoding: .utf8)
        chmod(conf, 0o644)
        return conf
    }

    func testLogrotatePostrotateShellAlerts() throws {
        let config = try setUpWhitelist()
        let conf = try logrotateConfig("rot", postrotate: "/usr/bin/id > /dev/null")
        let sensor = try SensorProcess(["run", "--config", config, "--events", "none"] + SensorProcess.noGPU)
        let r = try sudo(["/usr/sbin/logrotate", "--force", "-s", "\(dir)/state", conf])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/rot.log.1"), "logrotate rotated")
        sleep(1)
        let output = sensor.stop()
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
        let entry = "/usr/sbin/logrotate --force -s \(dir)/state \(conf)"
        // The config under /tmp is also an argument finding of the entry itself.
        let arguments = policyAlerts(output, rules: ["privileged-argument-abuse"])
        XCTAssertEqual(arguments.count, 1, output)
        XCTAssertTrue(
            arguments.first?.contains(
                #""title":"\#(user.name) ran a root command with dangerous arguments (untrusted-config): \#(entry)""#)
                == true, output)
        let alerts = policyAlerts(output, rules: ["unlisted-privileged-exec", "unexpected-root-child"])
        XCTAssertEqual(alerts.count, 1, output)
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertTrue(
            alert.hasPrefix(
                #"{"type":"alert","id":"unexpected-root-child-"#),
            alert)
        XCTAssertTrue(
            alert.contains(#""rule":"unexpected-root-child","severity":"high","#),
            alert)
        XCTAssertTrue(
            alert.contains(
                #""title":"\#(user.name)'s allowed root command \#(entry) started a shell: sh -c $'\\n    /usr/bin/id > /dev/null\\n' logrotate_script \#(dir)/rot.log \#(dir)/rot.log.1""#
            ), alert)
        XCTAssertTrue(
            alert.contains(
                #""exe":"/bin/sh","argv":["sh","-c","\n    /usr/bin/id > /dev/null\n","logrotate_script","\#(dir)/rot.log","\#(dir)/rot.log.1"]"#
            ), "the shell is the subject: \(alert)")
        XCTAssertTrue(alert.contains(#""class":"shell","reason":"sh""#), alert)
        XCTAssertTrue(alert.contains(#""entry":"\#(entry)""#), alert)
        XCTAssertTrue(alert.contains(#""entry_rule":"/usr/sbin/logrotate * (<default policy>:"#), alert)
        XCTAssertTrue(alert.contains(#""child_profile":"none""#), alert)
    }

    /// A tiny package whose postinst starts a shell, installed from a local file by the
    /// whitelisted `apt-get install * tshark`; removed afterwards, however the test ends.
    func testLocalPackageInstallThroughTheTsharkRuleAlerts() throws {
        let config = try setUpWhitelist()
        let package = "rwtestcpk"
        addTeardownBlock { _ = try? runCommand("/usr/bin/dpkg", ["-P", package]) }
        let root = "\(dir)/pkg"
        try FileManager.default.createDirectory(atPath: root + "/DEBIAN", withIntermediateDirectories: true)
        try """
        Package: \(package)
        Version: 1.0
        Architecture: all
        Maintainer: rigwatch tests <rwtest@localhost>
        Description: rigwatch child-profile test package

        """.write(toFile: root + "/DEBIAN/control", atomically: true, encoding: .utf8)
        try "#!/bin/sh\n/bin/sh -c 'id' > /dev/null\nexit 0\n".write(
            toFile: root + "/DEBIAN/postinst", atomically: true, encoding: .utf8)
        chmod(root + "/DEBIAN/postinst", 0o755)
        let deb = "\(dir)/\(package).deb"
        let build = try runCommand("/usr/bin/dpkg-deb", ["--root-owner-group", "--build", root, deb])
        XCTAssertEqual(build.status, 0, build.stderr)

        let sensor = try SensorProcess(["run", "--config", config, "--events", "none"] + SensorProcess.noGPU)
        let r = try sudo(["/usr/bin/apt-get", "install", "-y", deb, "tshark"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        sleep(1)
        let output = sensor.stop()
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
        // The local package file is also an argument finding: of the entry, and of the
        // dpkg run apt hands it to (below the entry, still a privileged exec with that path).
        let arguments = policyAlerts(output, rules: ["privileged-argument-abuse"])
        XCTAssertEqual(arguments.count, 2, output)
        XCTAssertTrue(
            arguments.first?.contains(
                #"(untrusted-config): /usr/bin/apt-get install -y \#(deb) tshark""#) == true, output)
        // apt picks the status pipe's descriptor number.
        XCTAssertTrue(arguments.last?.contains(#"(untrusted-config): /usr/bin/dpkg --status-fd "#) == true, output)
        XCTAssertTrue(
            arguments.last?.contains(#" --no-triggers --unpack --auto-deconfigure \#(deb)""#) == true, output)
        let alerts = policyAlerts(output, rules: ["unlisted-privileged-exec", "unexpected-root-child"])
        XCTAssertEqual(alerts.count, 1, output)
        let alert = try XCTUnwrap(alerts.first)
        let script = "/var/lib/dpkg/info/\(package).postinst"
        XCTAssertTrue(alert.contains(#""rule":"unexpected-root-child","severity":"high""#), alert)
        XCTAssertTrue(
            alert.contains(
                #""title":"\#(user.name)'s allowed root command /usr/bin/apt-get install -y \#(deb) tshark started a program outside the system directories: /bin/sh \#(script) configure ''""#
            ),
            alert)
        XCTAssertTrue(alert.contains(#""exe":"\#(script)","argv":["/bin/sh","\#(script)","configure",""]"#), alert)
        XCTAssertTrue(
            alert.contains(#""class":"outside-system-directories","reason":"not under a system directory""#), alert)
        XCTAssertTrue(alert.contains(#""entry_rule":"/usr/bin/apt-get install * tshark (<default policy>:"#), alert)
        XCTAssertTrue(
            alert.contains(#""child_profile":"/usr/bin/apt-get install * tshark (default child profile)""#), alert)
    }

    /// What the profiles allow does not alert: tshark reinstalled by the whitelisted rule
    /// (its maintainer scripts, apt's hooks, debconf), and a logrotate shell that a
    /// configured profile allows.
    func testWhatTheProfileAllowsDoesNotAlert() throws {
        let placeholder = "RWTEST_DIR"
        let config = try setUpWhitelist(
            extraPolicy: """
                  child_profiles:
                    - command: /usr/sbin/logrotate --force -s \(placeholder)/state \(placeholder)/ok.conf
                      allow: ["/bin/sh -c * logrotate_script \(placeholder)/ok.log \(placeholder)/ok.log.1"]

                """)
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: placeholder, with: dir)
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let conf = try logrotateConfig("ok", postrotate: "/usr/bin/id > /dev/null")
        let sensor = try SensorProcess(["run", "--config", config, "--events", "none"] + SensorProcess.noGPU)
        let reinstall = try sudo(["/usr/bin/apt-get", "install", "-yq", "--reinstall", "tshark"])
        XCTAssertEqual(reinstall.status, 0, reinstall.stdout + reinstall.stderr)
        let rotate = try sudo(["/usr/sbin/logrotate", "--force", "-s", "\(dir)/state", conf])
        XCTAssertEqual(rotate.status, 0, rotate.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/ok.log.1"), "logrotate rotated")
        sleep(1)
        let output = sensor.stop()
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
        XCTAssertEqual(policyAlerts(output, rules: ["unlisted-privileged-exec", "unexpected-root-child"]), [], output)
        // The profile covers what logrotate starts, not where its config lies: that config
        // is under /tmp, an argument finding of its own.
        let arguments = policyAlerts(output, rules: ["privileged-argument-abuse"])
        XCTAssertEqual(arguments.count, 1, output)
        XCTAssertTrue(
            arguments.first?.contains(#"(untrusted-config): /usr/sbin/logrotate --force -s \#(dir)/state \#(conf)""#)
                == true, output)
    }
}

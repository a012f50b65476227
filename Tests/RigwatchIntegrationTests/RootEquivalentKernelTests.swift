// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchTestSupport
import XCTest

/// Root without euid 0 and root from files the watched user controls, on the real
/// kernel: a test user with the community whitelist (its user name swapped in) as a
/// sudoers drop-in, the same file imported as the sensor's policy, and `rigwatch run`
/// watching while the user runs the commands through the real sudo (or none).
final class RootEquivalentKernelTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    private struct Scene {
        var user: TestUser
        var dir: String
        var sensor: SensorProcess
    }

    /// The user, the drop-in (the community whitelist plus `extraRules`), the config and the sensor.
    private func scene(suffix: String, extraRules: [String] = []) throws -> Scene {
        let user = try TestUser.create(self, suffix: suffix)
        let whitelist = try String(
            contentsOfFile: Repo.fixture("data/vastai-restricted.sudoers"), encoding: .utf8
        ).replacingOccurrences(of: "vastai_kaalia ALL=", with: "\(user.name) ALL=")
        let drop = "rwtest-\(suffix)"
        try installSudoers(
            self, name: drop,
            content: whitelist + extraRules.map { "\(user.name) ALL=(root) NOPASSWD: \($0)\n" }.joined())
        let dir = try tempDir(suffix)
        let config = try scratchConfig(
            self,
            body: """
                watch_users: [\(user.name)]
                policy:
                  include_default: false
                  import_sudoers: /etc/sudoers.d/\(drop)
                  root_equivalent_groups: [rwtestreqdocker, docker]
                """)
        let sensor = try SensorProcess(["run", "--config", config, "--events", "none"] + SensorProcess.noGPU)
        return Scene(user: user, dir: dir, sensor: sensor)
    }

    /// Stops the sensor and returns its alerts of `rules`, one JSON line each.
    private func alerts(_ scene: Scene, rules: [String]) throws -> [String] {
        sleep(1)
        let output = scene.sensor.stop()
        XCTAssertEqual(scene.sensor.status, 0, scene.sensor.stderrText)
        return output.split(separator: "\n").map(String.init).filter { line in
            rules.contains { line.contains(#""rule":"\#($0)""#) }
        }
    }

    private func asUser(_ scene: Scene, _ argv: [String]) throws -> CommandResult {
        try runCommand("/usr/bin/setpriv", scene.user.asUser(argv))
    }

    private static let ourRules = [
        "root-equivalent-container", "root-equivalent-group", "root-equivalent-unit", "privileged-argument-abuse",
        "unlisted-privileged-exec",
    ]

    /// (a) The watched user runs a docker client with the host's root mounted, no sudo.
    /// A stand-in `docker` (a copy of /bin/true): the client's exec is what counts.
    func testDockerClientWithAHostMountAlertsWithoutSudo() throws {
        let s = try scene(suffix: "reqa")
        try FileManager.default.createDirectory(
            atPath: s.dir + "/bin", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let docker = s.dir + "/bin/docker"
        try sh("cp /bin/true \(docker) && chmod 755 \(docker)")
        XCTAssertEqual(try asUser(s, [docker, "run", "--rm", "-v", "/:/host", "alpine", "true"]).status, 0)
        let found = try alerts(s, rules: Self.ourRules)
        XCTAssertEqual(found.count, 1, "\(found)\n\(s.sensor.stderrText)")
        let alert = try XCTUnwrap(found.first)
        XCTAssertTrue(
            alert.hasPrefix(
                #"{"type":"alert","id":"root-equivalent-container-1","rule":"root-equivalent-container","severity":"high","#
            ), alert)
        XCTAssertTrue(
            alert.contains(
                #""title":"\#(s.user.name) ran a container client with root-equivalent options: \#(docker) run --rm -v /:/host alpine true""#
            ), alert)
        XCTAssertTrue(alert.contains(#""euid":"\#(s.user.uid)""#), alert)
        XCTAssertTrue(alert.contains(#""finding":"mounts the host's root file system [-v /:/host]""#), alert)
    }

    /// (b) `sudo usermod -a -G GROUP USER`, the whitelist's docker line with a test group
    /// (this host's usermod is /usr/sbin/usermod; the community file names /usr/bin/usermod).
    func testGroupChangeOfTheWatchedUserAlerts() throws {
        _ = try? runCommand("/usr/sbin/groupdel", ["rwtestreqdocker"])
        XCTAssertEqual(try runCommand("/usr/sbin/groupadd", ["rwtestreqdocker"]).status, 0)
        addTeardownBlock { _ = try? runCommand("/usr/sbin/groupdel", ["rwtestreqdocker"]) }
        let user = "rwtestreqb"
        let s = try scene(suffix: "reqb", extraRules: ["/usr/sbin/usermod -a -G rwtestreqdocker \(user)"])
        XCTAssertEqual(
            try asUser(s, ["/usr/bin/sudo", "-n", "/usr/sbin/usermod", "-a", "-G", "rwtestreqdocker", user]).status, 0)
        let found = try alerts(s, rules: Self.ourRules)
        XCTAssertEqual(found.count, 1, "\(found)\n\(s.sensor.stderrText)")
        let alert = try XCTUnwrap(found.first)
        XCTAssertTrue(alert.contains(#""rule":"root-equivalent-group","severity":"high""#), alert)
        XCTAssertTrue(
            alert.contains(
                #""title":"\#(user)'s lineage made \#(user) root-equivalent by group membership: /usr/sbin/usermod -a -G rwtestreqdocker \#(user)""#
            ), alert)
        XCTAssertTrue(
            alert.contains(#""finding":"adds \#(user) (a watched user) to rwtestreqdocker (usermod -a -G)""#), alert)
        XCTAssertTrue(alert.contains(#""euid":"0""#), alert)
    }

    /// (c) `sudo logrotate --force CONF` with CONF in /tmp: flagged from argv by the
    /// untrusted-config rule (logrotate is whitelisted with `*`). Its own state file, so
    /// the host's /var/lib/logrotate/status is not touched; the config rotates nothing.
    func testLogrotateConfigFromTmpAlerts() throws {
        let s = try scene(suffix: "reqc")
        let conf = s.dir + "/conf"
        try "\(s.dir)/rwtest-none.log {\n    missingok\n}\n".write(toFile: conf, atomically: true, encoding: .utf8)
        _ = try asUser(s, ["/usr/bin/sudo", "-n", "/usr/sbin/logrotate", "--force", "-s", s.dir + "/state", conf])
        let found = try alerts(s, rules: Self.ourRules)
        XCTAssertEqual(found.count, 1, "\(found)\n\(s.sensor.stderrText)")
        let alert = try XCTUnwrap(found.first)
        XCTAssertTrue(alert.contains(#""rule":"privileged-argument-abuse","severity":"critical""#), alert)
        XCTAssertTrue(
            alert.contains(
                #""title":"\#(s.user.name) ran a root command with dangerous arguments (untrusted-config): /usr/sbin/logrotate --force -s \#(s.dir)/state \#(conf)""#
            ), alert)
        XCTAssertTrue(
            alert.contains(
                #""finding":"untrusted-config: logrotate config: its scripts run as root; \#(conf) is under /tmp/, which users can write [\#(conf)]""#
            ), alert)
    }

    /// (d) `sudo cp -t /etc/cron.d FILE`: a persistence write judged from argv. The
    /// community whitelist has no such line; the drop-in adds one for the test. The
    /// file is a comment (cron runs nothing from it) and is removed afterwards.
    func testCopyIntoCronDAlertsFromArgv() throws {
        let s = try scene(suffix: "reqd", extraRules: ["/usr/bin/cp -t /etc/cron.d *"])
        let name = "rwtest-reqd-\(getpid())"
        let source = s.dir + "/" + name
        try "# rwtest: no job\n".write(toFile: source, atomically: true, encoding: .utf8)
        addTeardownBlock { unlink("/etc/cron.d/\(name)") }
        XCTAssertEqual(try asUser(s, ["/usr/bin/sudo", "-n", "/usr/bin/cp", "-t", "/etc/cron.d", source]).status, 0)
        let found = try alerts(s, rules: Self.ourRules)
        XCTAssertEqual(found.count, 1, "\(found)\n\(s.sensor.stderrText)")
        let alert = try XCTUnwrap(found.first)
        XCTAssertTrue(alert.contains(#""rule":"privileged-argument-abuse","severity":"critical""#), alert)
        XCTAssertTrue(
            alert.contains(
                #""finding":"persistence-write: cp target directory /etc/cron.d is under /etc/cron.d/, where a file runs code later [/etc/cron.d]""#
            ), alert)
    }

    /// (e) A unit file written with `sudo tee` and started with `sudo systemctl start`, and a
    /// `sudo systemd-run` without `--scope`: the execs are what count (they fail here when PID 1 is
    /// not systemd). The drop-in allows all three; the file is removed afterwards.
    func testUnitTheLineageWroteAndATransientUnitAlert() throws {
        let unit = "rwtest-reqe-\(getpid())"
        let path = "/etc/systemd/system/\(unit).service"
        addTeardownBlock { unlink(path) }
        let s = try scene(
            suffix: "reqe",
            extraRules: [
                "/usr/bin/tee \(path)", "/usr/bin/systemctl start \(unit)",
                "/usr/bin/systemd-run --unit=\(unit)-run /bin/true",
            ])
        let write = try runCommand(
            "/usr/bin/setpriv",
            s.user.asUser([
                "/bin/sh", "-c",
                "printf '[Service]\\nExecStart=/bin/true\\n' | /usr/bin/sudo -n /usr/bin/tee \(path) > /dev/null",
            ]))
        XCTAssertEqual(write.status, 0, write.stderr)
        _ = try asUser(s, ["/usr/bin/sudo", "-n", "/usr/bin/systemctl", "start", unit])
        _ = try asUser(s, ["/usr/bin/sudo", "-n", "/usr/bin/systemd-run", "--unit=\(unit)-run", "/bin/true"])
        let found = try alerts(s, rules: ["root-equivalent-unit"])
        XCTAssertEqual(found.count, 2, "\(found)\n\(s.sensor.stderrText)")
        XCTAssertTrue(
            found[0].contains(
                #""title":"\#(s.user.name)'s lineage started a unit it wrote, outside its lineage: /usr/bin/systemctl start \#(unit)""#
            ), found[0])
        XCTAssertTrue(found[0].contains(#""unit":"\#(unit).service""#), found[0])
        XCTAssertTrue(
            found[0].contains(
                #""finding":"start of \#(unit).service, which this lineage wrote (\#(path): tee output in /usr/bin/tee \#(path) (pid "#
            ),
            found[0])
        XCTAssertTrue(
            found[1].contains(
                #""title":"\#(s.user.name) ran a command as a systemd unit, outside its lineage: /usr/bin/systemd-run --unit=\#(unit)-run /bin/true""#
            ), found[1])
        XCTAssertTrue(found[1].contains(#""unit":"\#(unit)-run.service","runs":"/bin/true""#), found[1])
    }
}

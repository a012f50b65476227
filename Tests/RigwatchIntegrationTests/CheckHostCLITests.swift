// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchService
import RigwatchTestSupport
import XCTest

/// `rigwatch check-host --root DIR`, the built binary on staged trees: the text
/// and JSON lines it prints and its exit status by the worst finding.
final class CheckHostCLITests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "rwtest-check-host-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let dir = self.dir
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        try "watch_users: [vastai_kaalia]\n".write(toFile: dir + "/rigwatch.yaml", atomically: true, encoding: .utf8)
    }

    func write(_ path: String, _ text: String, mode: Int = 0o644) throws {
        let real = dir + "/root" + path
        try FileManager.default.createDirectory(
            atPath: (real as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: real, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: real)
    }

    func checkHost(_ extra: [String] = []) throws -> CommandResult {
        try runCommand(
            Repo.rigwatchBinary, ["check-host", "--root", dir + "/root", "--config", dir + "/rigwatch.yaml"] + extra)
    }

    func state(running: Bool) throws -> String {
        let now = Date().timeIntervalSince1970
        var s = ServiceState(
            sensorVersion: "test", host: "rwtest-host", pid: 1, startedAt: now - 60, updatedAt: now,
            intervalSeconds: 10, source: "bpf", watchedUsers: ["vastai_kaalia"])
        if !running {
            s.stopped = true
            s.stoppedAt = now
            s.stopReason = "signal 15"
        }
        return String(decoding: s.json(), as: UTF8.self)
    }

    static let tcpHeader =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"

    /// The common part of both trees: accounts, narrow sudoers, hardened sshd, private keys.
    func stageClean() throws {
        try write("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nvastai_kaalia:x:1001:1001::/home/vastai:/bin/bash\n")
        try write("/etc/group", "vastai_kaalia:x:1001:\n")
        try write("/etc/sudoers", "root ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n", mode: 0o440)
        try write("/etc/sudoers.d/vastai", "vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/nvidia-smi -pm 1\n")
        try write("/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\n")
        try write("/etc/ssh/sshd_config.d/10-hardening.conf", "PasswordAuthentication no\nPermitRootLogin no\n")
        try write("/home/vastai/.vast_api_key", "k", mode: 0o600)
        try write("/proc/sys/kernel/core_pattern", "core\n")
        try write("/proc/sys/fs/suid_dumpable", "0\n")
        try write("/etc/security/limits.d/50-core.conf", "* hard core 0\n")
        try write(
            "/proc/net/tcp",
            Self.tcpHeader
                + "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 101 1 0\n"
        )
        try write("/var/lib/rigwatch/state.json", try state(running: true))
    }

    func testCleanTreeHasOnlyInfoAndExitsZero() throws {
        try stageClean()
        let text = try checkHost()
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertEqual(
            text.stdout,
            """
            INFO listening-all-addresses: port 22 listens on every address
              proto: tcp
              address: 0.0.0.0:22
              fix: bind it to 127.0.0.1 or firewall it unless it is meant to be public

            """)
        // Low at worst: exit 1.
        try FileManager.default.removeItem(atPath: dir + "/root/etc/security/limits.d/50-core.conf")
        let low = try checkHost(["--json"])
        XCTAssertEqual(low.status, 1, low.stderr)
        XCTAssertEqual(
            low.stdout.split(separator: "\n").first.map(String.init),
            #"{"id":"core-size-unlimited","severity":"low","title":"no hard limit keeps users' core dumps at 0","evidence":{"files":"(none)"},"fix":"add `* hard core 0` to /etc/security/limits.d/50-coredump.conf"}"#
        )
    }

    func testWeakTreeTextJSONAndExitThree() throws {
        try stageClean()
        try write("/etc/group", "vastai_kaalia:x:1001:\ndocker:x:999:vastai_kaalia\n")
        try write("/etc/sudoers.d/vastai", "vastai_kaalia ALL=(ALL) NOPASSWD:ALL\n")
        try write("/etc/ssh/sshd_config.d/10-hardening.conf", "PasswordAuthentication no\nPermitRootLogin yes\n")
        try write("/home/vastai/.vast_api_key", "k", mode: 0o644)
        try write("/proc/sys/kernel/core_pattern", "|/opt/crash/handler %p\n")
        try write(
            "/proc/net/tcp",
            Self.tcpHeader
                + "   0: 00000000:22B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1001        0 102 1 0\n"
        )
        try write("/var/lib/rigwatch/state.json", try state(running: false))
        let text = try checkHost()
        XCTAssertEqual(text.status, 3, text.stderr)
        XCTAssertEqual(
            text.stdout,
            """
            CRITICAL sudoers-nopasswd-all: vastai_kaalia may still run any command as root without a password
              user: vastai_kaalia
              entry: vastai_kaalia ALL=(ALL) NOPASSWD:ALL
              origin: /etc/sudoers.d/vastai:1
              fix: remove the ALL grant at /etc/sudoers.d/vastai:1 and import a whitelist instead (policy.import_sudoers, docs/configuration.md)
            HIGH core-pattern-pipe: core dumps are piped to a program run as root on every crash
              core_pattern: |/opt/crash/handler %p
              program: /opt/crash/handler
              fix: set kernel.core_pattern to `core` or systemd-coredump in /etc/sysctl.d/ unless you installed /opt/crash/handler yourself
            HIGH listening-risky-port: port 8888 listens on every address
              proto: tcp
              address: 0.0.0.0:8888
              service: Jupyter: runs code for anyone with the token or none
              fix: bind it to 127.0.0.1 (reach it over ssh -L) or firewall the port
            HIGH root-equivalent-group: vastai_kaalia is in docker, a root-equivalent group
              user: vastai_kaalia
              group: docker
              membership: member
              fix: gpasswd -d vastai_kaalia docker unless the platform needs it (then the sensor's root-equivalent rules watch it)
            HIGH secret-readable: a secret is readable by every user
              path: /home/vastai/.vast_api_key
              kind: Vast.ai API key
              mode: 0644
              fix: chmod 600 /home/vastai/.vast_api_key
            HIGH sensor-not-running: the rigwatch sensor is not running
              state_file: /var/lib/rigwatch/state.json
              state: stopped
              stop_reason: signal 15
              fix: systemctl enable --now rigwatch; then `rigwatch status`
            HIGH sshd-permit-root-login: sshd lets root log in with a password
              setting: PermitRootLogin yes
              source: /etc/ssh/sshd_config.d/10-hardening.conf:2
              fix: set `PermitRootLogin prohibit-password` (or no), then `systemctl reload ssh`

            """)
        let json = try checkHost(["--json"])
        XCTAssertEqual(json.status, 3, json.stderr)
        let lines = json.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 7)
        XCTAssertEqual(
            lines.first,
            #"{"id":"sudoers-nopasswd-all","severity":"critical","title":"vastai_kaalia may still run any command as root without a password","evidence":{"user":"vastai_kaalia","entry":"vastai_kaalia ALL=(ALL) NOPASSWD:ALL","origin":"/etc/sudoers.d/vastai:1"},"fix":"remove the ALL grant at /etc/sudoers.d/vastai:1 and import a whitelist instead (policy.import_sudoers, docs/configuration.md)"}"#
        )
        XCTAssertEqual(
            lines.last,
            #"{"id":"sshd-permit-root-login","severity":"high","title":"sshd lets root log in with a password","evidence":{"setting":"PermitRootLogin yes","source":"/etc/ssh/sshd_config.d/10-hardening.conf:2"},"fix":"set `PermitRootLogin prohibit-password` (or no), then `systemctl reload ssh`"}"#
        )
    }

    func testUnreadableConfigurationExitsTwo() throws {
        let r = try runCommand(
            Repo.rigwatchBinary, ["check-host", "--root", dir, "--config", dir + "/missing.yaml"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("invalid configuration"), r.stderr)
    }
}

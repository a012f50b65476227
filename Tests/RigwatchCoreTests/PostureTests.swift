// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchSources
import XCTest

/// A host tree staged under a temporary directory, read as `check-host --root` reads it.
final class StagedRoot {
    let dir: String

    init(_ test: XCTestCase) throws {
        dir = NSTemporaryDirectory() + "rwtest-posture-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let dir = self.dir
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    }

    func write(_ path: String, _ text: String, mode: Int = 0o644) throws {
        let real = dir + path
        try FileManager.default.createDirectory(
            atPath: (real as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: real, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: real)
    }

    /// What the reader gathers from the tree (as --root: no sshd -T, no socket owners).
    func inputs(watched: [String] = ["vastai_kaalia"]) -> HostPostureInputs {
        HostPostureReader(files: RootedHostFiles(root: dir), live: false).read(
            watched: watched, groups: RootEquivalentSettings.defaultGroups, canon: .identity)
    }
}

final class PostureSudoersTests: XCTestCase {
    let passwd = "root:x:0:0:root:/root:/bin/bash\nvastai_kaalia:x:1001:1001::/var/lib/vastai_kaalia:/bin/bash\n"

    func findings(_ root: StagedRoot) -> [PostureFinding] {
        let inputs = root.inputs()
        return SudoersPosture.check(inputs.sudoers, watched: inputs.watchedUsers, accounts: inputs.accounts)
    }

    func testNopasswdAllThroughIncludedirAndAGroup() throws {
        let root = try StagedRoot(self)
        try root.write("/etc/passwd", passwd)
        try root.write("/etc/group", "gpu:x:1500:vastai_kaalia\n")
        try root.write("/etc/sudoers", "root ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n", mode: 0o440)
        try root.write("/etc/sudoers.d/vastai", "# the installer's\nvastai_kaalia ALL=(ALL) NOPASSWD:ALL\n")
        try root.write("/etc/sudoers.d/gpu", "%gpu ALL=(ALL) ALL\n")
        // sudo skips names with a '.' or ending in '~'
        try root.write("/etc/sudoers.d/old.bak", "vastai_kaalia ALL=(ALL) NOPASSWD: /usr/bin/vim *\n")
        XCTAssertEqual(
            root.inputs().sudoers.map(\.path), ["/etc/sudoers", "/etc/sudoers.d/gpu", "/etc/sudoers.d/vastai"])
        XCTAssertEqual(
            findings(root),
            [
                PostureFinding(
                    id: "sudoers-all", severity: .high, title: "vastai_kaalia may still run any command as root",
                    evidence: [
                        ("user", "vastai_kaalia"), ("entry", "%gpu ALL=(ALL) ALL"), ("origin", "/etc/sudoers.d/gpu:1"),
                        ("via", "%gpu (member)"),
                    ],
                    fix:
                        "remove the ALL grant at /etc/sudoers.d/gpu:1 and import a whitelist instead (policy.import_sudoers, docs/configuration.md)"
                ),
                PostureFinding(
                    id: "sudoers-nopasswd-all", severity: .critical,
                    title: "vastai_kaalia may still run any command as root without a password",
                    evidence: [
                        ("user", "vastai_kaalia"), ("entry", "vastai_kaalia ALL=(ALL) NOPASSWD:ALL"),
                        ("origin", "/etc/sudoers.d/vastai:2"),
                    ],
                    fix:
                        "remove the ALL grant at /etc/sudoers.d/vastai:2 and import a whitelist instead (policy.import_sudoers, docs/configuration.md)"
                ),
            ])
    }

    func testRootEquivalentWhitelistEntries() throws {
        let root = try StagedRoot(self)
        try root.write("/etc/passwd", passwd)
        try root.write("/etc/sudoers", "#includedir /etc/sudoers.d\n")
        try root.write(
            "/etc/sudoers.d/vastai",
            """
            vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/timeout * /usr/bin/nvidia-smi -pm 1
            vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/vim *
            vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/tee *
            vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/python3 *
            vastai_kaalia ALL=(root) NOPASSWD: /home/vastai_kaalia/update.sh
            vastai_kaalia ALL=(root) NOPASSWD: /usr/sbin/sysctl -w kernel.core_pattern=*
            vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/docker *

            """)
        let reasons = findings(root).map { f in
            [f.id, f.severity.rawValue] + f.evidence.filter { ["origin", "reason", "example"].contains($0.0) }.map(\.1)
        }
        XCTAssertEqual(
            reasons,
            [
                [
                    "sudoers-root-equivalent-entry", "high", "/etc/sudoers.d/vastai:1",
                    "timeout starts what its wildcard names: /bin/sh, a shell (sh)",
                    "/usr/bin/timeout 1 /bin/sh -c id /usr/bin/nvidia-smi -pm 1",
                ],
                [
                    "sudoers-root-equivalent-entry", "high", "/etc/sudoers.d/vastai:2",
                    "an editor or pager (vim): it opens a shell and writes any file", "/usr/bin/vim /etc/sudoers",
                ],
                [
                    "sudoers-root-equivalent-entry", "high", "/etc/sudoers.d/vastai:3",
                    "tee output /etc/cron.d/ is under /etc/cron.d/, where a file runs code later",
                    "/usr/bin/tee -t /etc/cron.d/ /tmp/rigwatch-probe",
                ],
                [
                    "sudoers-root-equivalent-entry", "high", "/etc/sudoers.d/vastai:4",
                    "an interpreter (python[0-9]*) with any arguments runs any code", "/usr/bin/python3 -c id",
                ],
                [
                    "sudoers-root-equivalent-entry", "high", "/etc/sudoers.d/vastai:5",
                    "the program is under /home/: whoever can write it chooses what runs as root",
                    "/home/vastai_kaalia/update.sh",
                ],
                [
                    "sudoers-root-equivalent-entry", "high", "/etc/sudoers.d/vastai:6",
                    "core_pattern pipes core dumps to a program run as root",
                    "/usr/sbin/sysctl -w kernel.core_pattern=|/tmp/rigwatch-probe",
                ],
                [
                    "sudoers-root-equivalent-entry", "high", "/etc/sudoers.d/vastai:7",
                    "docker: privileged container: every device and capability, no confinement",
                    "/usr/bin/docker run --privileged -v /:/host rigwatch-probe",
                ],
            ])
    }

    func testNarrowWhitelistAndOtherUsersGiveNoFinding() throws {
        let root = try StagedRoot(self)
        try root.write("/etc/passwd", passwd + "alice:x:1000:1000::/home/alice:/bin/bash\n")
        try root.write("/etc/group", "sudo:x:27:alice\n")
        try root.write(
            "/etc/sudoers",
            """
            root ALL=(ALL:ALL) ALL
            %sudo ALL=(ALL:ALL) ALL
            alice ALL=(ALL) NOPASSWD: ALL
            vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/nvidia-smi -pm 1
            vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/cat /sys/*
            vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/docker ps *
            vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/du -d 0 -h /var/lib/docker/*
            vastai_kaalia ALL=(nobody) NOPASSWD: ALL
            @include /etc/sudoers.local

            """)
        try root.write("/etc/sudoers.local", "vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/docker ps\n")
        XCTAssertEqual(root.inputs().sudoers.map(\.path), ["/etc/sudoers", "/etc/sudoers.local"])
        XCTAssertEqual(findings(root), [])
    }

    func testAFileThatDoesNotParseIsSaidAndTheRestJudged() throws {
        let root = try StagedRoot(self)
        try root.write("/etc/passwd", passwd)
        try root.write("/etc/sudoers", "vastai_kaalia ALL = (root) NOPASSWD: FOO_ALIAS\n")
        XCTAssertEqual(
            findings(root),
            [
                PostureFinding(
                    id: "sudoers-not-judged", severity: .info, title: "a sudoers file could not be parsed",
                    evidence: [("file", "/etc/sudoers"), ("error", "/etc/sudoers:1: unknown Cmnd_Alias 'FOO_ALIAS'")],
                    fix: "check it with `visudo -c -f /etc/sudoers`; the other files were judged")
            ])
    }
}

final class PostureSSHDTests: XCTestCase {
    func testIncludedFileWinsOverLaterLinesAsInSSHD() throws {
        let root = try StagedRoot(self)
        try root.write(
            "/etc/ssh/sshd_config",
            "# Debian's order: drop-ins first\nInclude sshd_config.d/*.conf\nPasswordAuthentication no\nPermitRootLogin no\n"
        )
        try root.write(
            "/etc/ssh/sshd_config.d/50-cloud.conf",
            "PasswordAuthentication yes\nPermitRootLogin=yes\npermitemptypasswords yes\nPubkeyAuthentication no\n")
        try root.write("/etc/ssh/sshd_config.d/ignored.txt", "PermitEmptyPasswords no\n")
        let settings = try XCTUnwrap(root.inputs().sshd)
        let d = "/etc/ssh/sshd_config.d/50-cloud.conf"
        XCTAssertEqual(
            SSHDPosture.check(settings),
            [
                PostureFinding(
                    id: "sshd-password-authentication", severity: .medium,
                    title: "sshd accepts password logins (guessable from the internet)",
                    evidence: [("setting", "PasswordAuthentication yes"), ("source", d + ":1")],
                    fix:
                        "set `PasswordAuthentication no` in /etc/ssh/sshd_config.d/ (first value wins), then `systemctl reload ssh`"
                ),
                PostureFinding(
                    id: "sshd-permit-root-login", severity: .high, title: "sshd lets root log in with a password",
                    evidence: [("setting", "PermitRootLogin yes"), ("source", d + ":2")],
                    fix: "set `PermitRootLogin prohibit-password` (or no), then `systemctl reload ssh`"),
                PostureFinding(
                    id: "sshd-permit-empty-passwords", severity: .critical,
                    title: "sshd lets accounts without a password log in",
                    evidence: [("setting", "PermitEmptyPasswords yes"), ("source", d + ":3")],
                    fix: "set `PermitEmptyPasswords no`, then `systemctl reload ssh`"),
                PostureFinding(
                    id: "sshd-pubkey-authentication-off", severity: .low,
                    title: "sshd refuses public keys (only passwords or other methods remain)",
                    evidence: [("setting", "PubkeyAuthentication no"), ("source", d + ":4")],
                    fix: "set `PubkeyAuthentication yes` and log in with keys"),
            ])
    }

    func testHardenedConfigAndMatchBlocksGiveNoFinding() throws {
        let root = try StagedRoot(self)
        try root.write(
            "/etc/ssh/sshd_config",
            "PasswordAuthentication no\nMatch User backup\n  PermitRootLogin yes\n  PasswordAuthentication yes\n")
        XCTAssertEqual(SSHDPosture.check(try XCTUnwrap(root.inputs().sshd)), [])
    }

    func testUnsetPasswordAuthenticationIsSSHDsDefaultYes() {
        XCTAssertEqual(
            SSHDPosture.check(SSHDPosture.fromConfig(.init(path: "/etc/ssh/sshd_config", text: "")) { _ in [] })
                .map { $0.evidence.map(\.1) },
            [["PasswordAuthentication yes", "default"]])
    }

    func testSSHDTOutput() {
        let out = "port 22\npasswordauthentication no\npermitrootlogin without-password\npubkeyauthentication yes\n"
        XCTAssertEqual(SSHDPosture.check(SSHDPosture.fromSSHDT(out)), [])
        XCTAssertEqual(
            SSHDPosture.check(SSHDPosture.fromSSHDT("permitrootlogin yes\npasswordauthentication no\n")).map(
                \.evidence.last!.1),
            ["sshd -T"])
    }

    func testNoConfigurationNoCheck() throws {
        XCTAssertNil(try StagedRoot(self).inputs().sshd)
    }
}

final class PostureSecretsTests: XCTestCase {
    let passwd = """
        root:x:0:0:root:/root:/bin/bash
        daemon:x:1:1:daemon:/srv/daemon:/usr/sbin/nologin
        alice:x:1000:1000::/home/alice:/bin/bash
        vastai_kaalia:x:998:998::/var/lib/vastai_kaalia:/bin/bash

        """

    func testReadableSecretsInHomesAndRigwatchEnv() throws {
        let root = try StagedRoot(self)
        try root.write("/etc/passwd", passwd)
        try root.write("/var/lib/vastai_kaalia/.vast_api_key", "k", mode: 0o644)
        try root.write("/home/alice/.ssh/id_ed25519", "x", mode: 0o640)
        try root.write("/home/alice/.ssh/id_ed25519.pub", "ssh-ed25519 AAAA", mode: 0o644)
        try root.write("/home/alice/.ssh/deploy", "-----BEGIN OPENSSH PRIVATE KEY-----\n", mode: 0o604)
        try root.write("/home/alice/.ssh/config", "Host *\n", mode: 0o644)
        try root.write("/home/alice/.env", "TOKEN=x\n", mode: 0o600)
        try root.write("/root/prod.env", "TOKEN=x\n", mode: 0o644)
        try root.write("/etc/rigwatch/rigwatch.env", "RIGWATCH_DISCORD_WEBHOOK=x\n", mode: 0o640)
        // not a user's home: uid 1, not watched
        try root.write("/srv/daemon/.vast_api_key", "k", mode: 0o644)
        XCTAssertEqual(
            PostureFinding.sorted(SecretFilesPosture.check(root.inputs().secrets)),
            [
                PostureFinding(
                    id: "secret-readable", severity: .high, title: "a secret is readable by every user",
                    evidence: [("path", "/home/alice/.ssh/deploy"), ("kind", "private key"), ("mode", "0604")],
                    fix: "chmod 600 /home/alice/.ssh/deploy"),
                PostureFinding(
                    id: "secret-readable", severity: .high, title: "a secret is readable by every user",
                    evidence: [("path", "/root/prod.env"), ("kind", "environment file (.env)"), ("mode", "0644")],
                    fix: "chmod 600 /root/prod.env"),
                PostureFinding(
                    id: "secret-readable", severity: .high, title: "a secret is readable by every user",
                    evidence: [
                        ("path", "/var/lib/vastai_kaalia/.vast_api_key"), ("kind", "Vast.ai API key"), ("mode", "0644"),
                    ],
                    fix: "chmod 600 /var/lib/vastai_kaalia/.vast_api_key"),
                PostureFinding(
                    id: "secret-readable", severity: .medium, title: "a secret is readable by its group",
                    evidence: [
                        ("path", "/etc/rigwatch/rigwatch.env"), ("kind", "rigwatch environment (Discord webhook)"),
                        ("mode", "0640"),
                    ],
                    fix: "chmod 600 /etc/rigwatch/rigwatch.env"),
                PostureFinding(
                    id: "secret-readable", severity: .medium, title: "a secret is readable by its group",
                    evidence: [("path", "/home/alice/.ssh/id_ed25519"), ("kind", "SSH private key"), ("mode", "0640")],
                    fix: "chmod 600 /home/alice/.ssh/id_ed25519"),
            ])
    }

    func testSecretsKeptPrivateGiveNoFinding() throws {
        let root = try StagedRoot(self)
        try root.write("/etc/passwd", passwd)
        try root.write("/var/lib/vastai_kaalia/.vast_api_key", "k", mode: 0o600)
        try root.write("/home/alice/.ssh/id_rsa", "x", mode: 0o600)
        try root.write("/home/alice/.ssh/known_hosts", "x", mode: 0o644)
        try root.write("/etc/rigwatch/rigwatch.env", "x", mode: 0o600)
        XCTAssertEqual(root.inputs().secrets.count, 4)
        XCTAssertEqual(SecretFilesPosture.check(root.inputs().secrets), [])
    }
}

final class PostureCoreDumpTests: XCTestCase {
    func findings(_ root: StagedRoot) -> [PostureFinding] {
        let i = root.inputs()
        return CoreDumpPosture.check(corePattern: i.corePattern, suidDumpable: i.suidDumpable, limits: i.limits)
    }

    func testPipeToAProgramSuidDumpsAndNoLimit() throws {
        let root = try StagedRoot(self)
        try root.write("/proc/sys/kernel/core_pattern", "|/tmp/.x/handler %p\n")
        try root.write("/proc/sys/fs/suid_dumpable", "2\n")
        try root.write("/etc/security/limits.conf", "# * soft core 0\n@gpu hard core 0\n")
        XCTAssertEqual(
            findings(root),
            [
                PostureFinding(
                    id: "core-pattern-pipe", severity: .high,
                    title: "core dumps are piped to a program run as root on every crash",
                    evidence: [("core_pattern", "|/tmp/.x/handler %p"), ("program", "/tmp/.x/handler")],
                    fix:
                        "set kernel.core_pattern to `core` or systemd-coredump in /etc/sysctl.d/ unless you installed /tmp/.x/handler yourself"
                ),
                PostureFinding(
                    id: "suid-dumpable", severity: .low, title: "setuid programs leave core dumps",
                    evidence: [("fs.suid_dumpable", "2")],
                    fix: "echo 'fs.suid_dumpable = 0' > /etc/sysctl.d/50-coredump.conf && sysctl --system"),
                PostureFinding(
                    id: "core-size-unlimited", severity: .low, title: "no hard limit keeps users' core dumps at 0",
                    evidence: [("files", "/etc/security/limits.conf")],
                    fix: "add `* hard core 0` to /etc/security/limits.d/50-coredump.conf"),
            ])
    }

    func testSystemdCoredumpIsInfoAndALimitInLimitsD() throws {
        let root = try StagedRoot(self)
        try root.write("/proc/sys/kernel/core_pattern", "|/usr/lib/systemd/systemd-coredump %P %u %g %s %t\n")
        try root.write("/proc/sys/fs/suid_dumpable", "0\n")
        try root.write("/etc/security/limits.d/50-core.conf", "*\thard\tcore\t0\n")
        XCTAssertEqual(
            findings(root),
            [
                PostureFinding(
                    id: "core-pattern-handler", severity: .info,
                    title: "core dumps go to the distribution's crash handler",
                    evidence: [
                        ("core_pattern", "|/usr/lib/systemd/systemd-coredump %P %u %g %s %t"),
                        ("program", "/usr/lib/systemd/systemd-coredump"),
                    ],
                    fix: "nothing to do; the handler keeps dumps root-only")
            ])
    }

    func testPlainCoreFileAndLimitGiveNoFinding() throws {
        let root = try StagedRoot(self)
        try root.write("/proc/sys/kernel/core_pattern", "core\n")
        try root.write("/proc/sys/fs/suid_dumpable", "0\n")
        try root.write("/etc/security/limits.conf", "* - core 0\n")
        XCTAssertEqual(findings(root), [])
    }
}

final class PostureListeningTests: XCTestCase {
    static let header =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"

    func testEveryAddressListenersRatedByPort() throws {
        let root = try StagedRoot(self)
        try root.write(
            "/proc/net/tcp",
            Self.header
                + "   0: 00000000:22B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0\n"
                + "   1: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 4243 1 0\n"
                + "   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4244 1 0\n"
                + "   3: 00000000:0050 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 4245 1 0\n"
        )
        try root.write(
            "/proc/net/tcp6",
            Self.header
                + "   0: 00000000000000000000000000000000:0947 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4246 1 0\n"
        )
        let i = root.inputs()
        XCTAssertNil(i.socketOwners)
        XCTAssertEqual(
            PostureFinding.sorted(ListeningSocketsPosture.check(i.listeners, owners: i.socketOwners)),
            [
                PostureFinding(
                    id: "listening-risky-port", severity: .critical, title: "port 2375 listens on every address",
                    evidence: [
                        ("proto", "tcp6"), ("address", "[::]:2375"),
                        ("service", "Docker API without TLS: root on the host"),
                    ],
                    fix: "bind it to 127.0.0.1 (reach it over ssh -L) or firewall the port"),
                PostureFinding(
                    id: "listening-risky-port", severity: .high, title: "port 8888 listens on every address",
                    evidence: [
                        ("proto", "tcp"), ("address", "0.0.0.0:8888"),
                        ("service", "Jupyter: runs code for anyone with the token or none"),
                    ],
                    fix: "bind it to 127.0.0.1 (reach it over ssh -L) or firewall the port"),
                PostureFinding(
                    id: "listening-all-addresses", severity: .info, title: "port 22 listens on every address",
                    evidence: [("proto", "tcp"), ("address", "0.0.0.0:22")],
                    fix: "bind it to 127.0.0.1 or firewall it unless it is meant to be public"),
            ])
    }

    func testLoopbackListenersAndOwners() throws {
        let root = try StagedRoot(self)
        try root.write(
            "/proc/net/tcp",
            Self.header
                + "   0: 0100007F:22B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0\n"
        )
        XCTAssertEqual(ListeningSocketsPosture.check(root.inputs().listeners, owners: [:]), [])
        let l = ListeningSocketsPosture.parse(
            Self.header
                + "   0: 00000000:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 77 1 0\n",
            proto: "tcp")
        XCTAssertEqual(
            ListeningSocketsPosture.check(l, owners: [77: "pid 12 (redis-server)"]).first?.evidence.map(\.1),
            ["tcp", "0.0.0.0:6379", "pid 12 (redis-server)", "Redis: no password by default; writes files"])
    }
}

final class PostureGroupsTests: XCTestCase {
    func testWatchedUserInDockerAndSudoByPrimaryGroup() throws {
        let root = try StagedRoot(self)
        try root.write("/etc/passwd", "vastai_kaalia:x:1001:27::/var/lib/vastai_kaalia:/bin/bash\n")
        try root.write("/etc/group", "sudo:x:27:\ndocker:x:999:alice,vastai_kaalia\nvideo:x:44:vastai_kaalia\n")
        let i = root.inputs()
        XCTAssertEqual(
            RootGroupsPosture.check(watched: i.watchedUsers, groups: i.rootEquivalentGroups, accounts: i.accounts),
            [
                PostureFinding(
                    id: "root-equivalent-group", severity: .high,
                    title: "vastai_kaalia is in docker, a root-equivalent group",
                    evidence: [("user", "vastai_kaalia"), ("group", "docker"), ("membership", "member")],
                    fix:
                        "gpasswd -d vastai_kaalia docker unless the platform needs it (then the sensor's root-equivalent rules watch it)"
                ),
                PostureFinding(
                    id: "root-equivalent-group", severity: .high,
                    title: "vastai_kaalia is in sudo, a root-equivalent group",
                    evidence: [("user", "vastai_kaalia"), ("group", "sudo"), ("membership", "primary group")],
                    fix:
                        "gpasswd -d vastai_kaalia sudo unless the platform needs it (then the sensor's root-equivalent rules watch it)"
                ),
            ])
    }

    func testOrdinaryGroupsGiveNoFinding() throws {
        let root = try StagedRoot(self)
        try root.write("/etc/passwd", "vastai_kaalia:x:1001:1001::/var/lib/vastai_kaalia:/bin/bash\n")
        try root.write("/etc/group", "vastai_kaalia:x:1001:\nvideo:x:44:vastai_kaalia\ndocker:x:999:alice\n")
        let i = root.inputs()
        XCTAssertEqual(
            RootGroupsPosture.check(watched: i.watchedUsers, groups: i.rootEquivalentGroups, accounts: i.accounts), [])
    }
}

final class PostureSensorAndReportTests: XCTestCase {
    func testSensorNotRunningDroppingOrMissingFeatures() {
        XCTAssertEqual(
            SensorHealthPosture.check(.init(stateFile: "/s.json", state: .stopped(reason: "signal 15"))),
            [
                PostureFinding(
                    id: "sensor-not-running", severity: .high, title: "the rigwatch sensor is not running",
                    evidence: [("state_file", "/s.json"), ("state", "stopped"), ("stop_reason", "signal 15")],
                    fix: "systemctl enable --now rigwatch; then `rigwatch status`")
            ])
        XCTAssertEqual(
            SensorHealthPosture.check(
                .init(
                    stateFile: "/s.json", state: .running, kernelDroppedEvents: 12,
                    inactiveFeatures: ["net-bytes: off (no hook)"])),
            [
                PostureFinding(
                    id: "sensor-dropping-events", severity: .medium, title: "the sensor has lost kernel events",
                    evidence: [("state_file", "/s.json"), ("kernel_dropped_events", "12")],
                    fix: "raise --ring-buffer-size (docs/operations.md) and look for an event storm in the alert log"),
                PostureFinding(
                    id: "sensor-features-off", severity: .low, title: "sensor features are off on this kernel",
                    evidence: [("state_file", "/s.json"), ("features", "net-bytes: off (no hook)")],
                    fix: "`rigwatch check-kernel` says why; a kernel with BTF and BPF-LSM runs them all"),
            ])
        XCTAssertEqual(
            SensorHealthPosture.check(.init(stateFile: "/s.json", state: .missing)).map { $0.evidence.map(\.1) },
            [["/s.json", "no state file (never started, or service.state_file points elsewhere)"]])
    }

    func testHealthySensorGivesNoFinding() {
        XCTAssertEqual(SensorHealthPosture.check(.init(stateFile: "/s.json", state: .running)), [])
    }

    func testTextJSONAndExitStatus() {
        let f = PostureFinding(
            id: "x-y", severity: .medium, title: "a \"title\"", evidence: [("path", "/a"), ("mode", "0644")],
            fix: "chmod 600 /a")
        XCTAssertEqual(f.text, "MEDIUM x-y: a \"title\"\n  path: /a\n  mode: 0644\n  fix: chmod 600 /a")
        XCTAssertEqual(
            f.json,
            #"{"id":"x-y","severity":"medium","title":"a \"title\"","evidence":{"path":"/a","mode":"0644"},"fix":"chmod 600 /a"}"#
        )
        func with(_ s: Severity) -> PostureFinding {
            var g = f
            g.severity = s
            return g
        }
        XCTAssertEqual(PostureFinding.exitStatus([]), 0)
        XCTAssertEqual(PostureFinding.exitStatus([with(.info)]), 0)
        XCTAssertEqual(PostureFinding.exitStatus([with(.info), with(.low)]), 1)
        XCTAssertEqual(PostureFinding.exitStatus([with(.medium)]), 1)
        XCTAssertEqual(PostureFinding.exitStatus([with(.low), with(.high)]), 3)
        XCTAssertEqual(PostureFinding.exitStatus([with(.critical)]), 3)
        XCTAssertEqual(
            PostureFinding.sorted([with(.low), with(.critical), with(.info)]).map(\.severity), [.critical, .low, .info])
    }
}

/// The `HostFiles` seam with files that exist but cannot be read (a user, not root).
struct UnreadableHostFiles: HostFiles {
    var readable: [String: String]
    var unreadable: Set<String>

    func read(_ path: String) -> String? { readable[path] }
    func list(_ directory: String) -> [String]? {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        let names = (Array(readable.keys) + unreadable).filter { $0.hasPrefix(prefix) }.map {
            String($0.dropFirst(prefix.count))
        }.filter { !$0.contains("/") }
        return names.isEmpty ? nil : names.sorted()
    }
    func regularFileMode(_ path: String) -> UInt32? {
        readable[path] != nil ? 0o644 : (unreadable.contains(path) ? 0o440 : nil)
    }
    func head(_ path: String, count: Int) -> String? { readable[path].map { String($0.prefix(count)) } }
}

final class PostureUnreadableTests: XCTestCase {
    func testFilesThatCannotBeReadAreSaid() {
        let files = UnreadableHostFiles(
            readable: ["/etc/ssh/sshd_config": "Include sshd_config.d/*.conf\n"],
            unreadable: ["/etc/sudoers", "/etc/ssh/sshd_config.d/50-secret.conf"])
        let inputs = HostPostureReader(files: files, live: false).read(watched: [], groups: [], canon: .identity)
        XCTAssertEqual(inputs.unreadable, ["/etc/sudoers", "/etc/ssh/sshd_config.d/50-secret.conf"])
        XCTAssertEqual(
            HostPosture.findings(inputs).filter { $0.id == "file-not-readable" },
            ["/etc/ssh/sshd_config.d/50-secret.conf", "/etc/sudoers"].map {
                PostureFinding(
                    id: "file-not-readable", severity: .info, title: "a file the checks need could not be read",
                    evidence: [("path", $0)], fix: "run check-host as root to judge it")
            })
    }

    func testEverythingReadableSaysNothing() throws {
        let root = try StagedRoot(self)
        try root.write("/etc/sudoers", "root ALL=(ALL) ALL\n", mode: 0o440)
        try root.write("/etc/ssh/sshd_config", "PasswordAuthentication no\n")
        XCTAssertEqual(root.inputs().unreadable, [])
    }
}

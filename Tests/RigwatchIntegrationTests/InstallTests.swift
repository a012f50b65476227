// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchConfig
import RigwatchCore
import RigwatchService
import RigwatchTestSupport
import XCTest

/// `rigwatch install` / `uninstall` against a fake root directory (no systemctl is
/// run under --root), plus the pure planner. No root needed.
final class InstallTests: XCTestCase {
    /// The rigwatch binary built with these tests (beside the test bundle), else RIGWATCH_BIN or .build/debug.
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["RIGWATCH_BIN"] { return path }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "rigwatch"
        ).path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return Repo.rigwatchBinary
    }()

    var root = ""
    var fakeBinary = ""

    override func setUpWithError() throws {
        let dir = NSTemporaryDirectory() + "rwtest-install-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/root", withIntermediateDirectories: true)
        root = dir + "/root"
        fakeBinary = dir + "/fake-rigwatch"
        try Data("#!/bin/sh\necho fake rigwatch\n".utf8).write(to: URL(fileURLWithPath: fakeBinary))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    }

    @discardableResult
    func rigwatch(
        _ args: [String], status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line
    ) throws -> CommandResult {
        let r = try runCommand(Self.binary, args)
        XCTAssertEqual(
            r.status, status, "rigwatch \(args.joined(separator: " ")): \(r.stdout)\(r.stderr)", file: file, line: line)
        return r
    }

    @discardableResult
    func install(
        _ extra: [String] = [], status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line
    ) throws -> CommandResult {
        try rigwatch(
            ["install", "--root", root, "--binary", fakeBinary] + extra, status: status, file: file, line: line)
    }

    struct Node: Equatable {
        var kind: String
        var mode: UInt32
        var contents: Data?
        var mtime: Int
    }

    /// Every path under the root (relative, "/etc/..."), with kind, mode, contents and mtime (ns).
    func tree() -> [String: Node] {
        var nodes: [String: Node] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            let full = root + "/" + relative
            var st = stat()
            guard lstat(full, &st) == 0 else { continue }
            let isDir = (st.st_mode & S_IFMT) == S_IFDIR
            nodes["/" + relative] = Node(
                kind: isDir ? "dir" : "file", mode: UInt32(st.st_mode) & 0o7777,
                contents: isDir ? nil : FileManager.default.contents(atPath: full),
                mtime: st.st_mtim.tv_sec * 1_000_000_000 + st.st_mtim.tv_nsec)
        }
        return nodes
    }

    func withoutTimes(_ nodes: [String: Node]) -> [String: Node] {
        nodes.mapValues {
            var n = $0
            n.mtime = 0
            return n
        }
    }

    // MARK: - CLI against a fake root

    func testInstallCreatesExpectedFilesModesAndContents() throws {
        // The real executable (/proc/self/exe), and a webhook secret in the environment that must not leak.
        setenv("RIGWATCH_DISCORD_WEBHOOK", "https://discord.com/api/webhooks/1/sekrit-token", 1)
        defer { unsetenv("RIGWATCH_DISCORD_WEBHOOK") }
        let r = try rigwatch(["install", "--root", root])
        XCTAssertTrue(r.stdout.contains("not run"), r.stdout)  // no systemctl under --root
        let nodes = tree()
        let expected: [String: (String, UInt32)] = [
            "/usr": ("dir", 0o755), "/usr/local": ("dir", 0o755), "/usr/local/bin": ("dir", 0o755),
            "/usr/local/bin/rigwatch": ("file", 0o755),
            "/etc": ("dir", 0o755), "/etc/systemd": ("dir", 0o755), "/etc/systemd/system": ("dir", 0o755),
            "/etc/systemd/system/rigwatch.service": ("file", 0o644),
            "/etc/rigwatch": ("dir", 0o750), "/etc/rigwatch/rigwatch.yaml": ("file", 0o600),
            "/var": ("dir", 0o755), "/var/log": ("dir", 0o755), "/var/log/rigwatch": ("dir", 0o750),
            "/var/lib": ("dir", 0o755), "/var/lib/rigwatch": ("dir", 0o700),
            "/var/lib/rigwatch/install.manifest": ("file", 0o600),
        ]
        XCTAssertEqual(Set(nodes.keys), Set(expected.keys))
        for (path, (kind, mode)) in expected {
            XCTAssertEqual(nodes[path]?.kind, kind, path)
            XCTAssertEqual(nodes[path]?.mode, mode, "\(path): \(String(nodes[path]?.mode ?? 0, radix: 8))")
        }
        XCTAssertEqual(nodes["/usr/local/bin/rigwatch"]?.contents, FileManager.default.contents(atPath: Self.binary))
        let unit = String(decoding: nodes["/etc/systemd/system/rigwatch.service"]?.contents ?? Data(), as: UTF8.self)
        XCTAssertEqual(unit, InstallPlanner.unitFile())
        for line in [
            "ExecStart=/usr/local/bin/rigwatch run --config /etc/rigwatch/rigwatch.yaml --events none",
            "Restart=always", "RestartPreventExitStatus=2", "WatchdogSec=30s",
            "ExecReload=/usr/local/bin/rigwatch check-config /etc/rigwatch/rigwatch.yaml",
            "ExecReload=/bin/kill -HUP $MAINPID", "EnvironmentFile=-/etc/rigwatch/rigwatch.env",
            "LimitMEMLOCK=infinity", "ProtectSystem=full", "NoNewPrivileges=yes",
            "Type=notify", "NotifyAccess=main", "TimeoutStartSec=60s",
        ] {
            XCTAssertTrue(unit.split(separator: "\n").contains(Substring(line)), "unit lacks \(line)")
        }
        let caps = unit.split(separator: "\n").first { $0.hasPrefix("CapabilityBoundingSet=") }
        XCTAssertEqual(
            caps.map { Set($0.dropFirst("CapabilityBoundingSet=".count).split(separator: " ").map(String.init)) },
            [
                "CAP_BPF", "CAP_PERFMON", "CAP_SYS_ADMIN", "CAP_SYS_RESOURCE", "CAP_AUDIT_CONTROL", "CAP_AUDIT_READ",
                "CAP_DAC_READ_SEARCH", "CAP_SYS_PTRACE", "CAP_NET_ADMIN",
            ])
        XCTAssertFalse(unit.contains("ProtectSystem=strict"))
        for (path, node) in nodes {
            XCTAssertFalse(
                String(decoding: node.contents ?? Data(), as: UTF8.self).contains("sekrit-token"), "secret in \(path)")
            XCTAssertFalse(
                path == "/usr/local/bin/rigwatch"
                    ? false
                    : String(decoding: node.contents ?? Data(), as: UTF8.self)
                        .split(separator: "\n").contains { $0.hasPrefix("Environment=") },
                "inline Environment= in \(path)")
        }
        // The default config is valid (it is all comments: the defaults) and check-config agrees.
        XCTAssertEqual(try ConfigLoader.load(path: root + "/etc/rigwatch/rigwatch.yaml"), SensorConfig())
        try rigwatch(["check-config", root + "/etc/rigwatch/rigwatch.yaml"])
    }

    /// `make deb` stages the package this way: the three files dpkg will own, under --root.
    func testPackageLayoutStagesBinaryUnitAndConfigOnly() throws {
        let r = try install(["--layout", "package", "--no-start"])
        XCTAssertTrue(
            r.stdout.hasSuffix(
                "note: package layout: no install manifest (dpkg records these files) and no systemctl\n"),
            r.stdout)
        let nodes = tree()
        let expected: [String: (String, UInt32)] = [
            "/usr": ("dir", 0o755), "/usr/bin": ("dir", 0o755), "/usr/bin/rigwatch": ("file", 0o755),
            "/lib": ("dir", 0o755), "/lib/systemd": ("dir", 0o755), "/lib/systemd/system": ("dir", 0o755),
            "/lib/systemd/system/rigwatch.service": ("file", 0o644),
            "/etc": ("dir", 0o755), "/etc/rigwatch": ("dir", 0o750), "/etc/rigwatch/rigwatch.yaml": ("file", 0o600),
        ]
        XCTAssertEqual(Set(nodes.keys), Set(expected.keys))
        for (path, (kind, mode)) in expected {
            XCTAssertEqual(nodes[path]?.kind, kind, path)
            XCTAssertEqual(nodes[path]?.mode, mode, "\(path): \(String(nodes[path]?.mode ?? 0, radix: 8))")
        }
        XCTAssertEqual(nodes["/usr/bin/rigwatch"]?.contents, FileManager.default.contents(atPath: fakeBinary))
        XCTAssertEqual(
            nodes["/lib/systemd/system/rigwatch.service"]?.contents, Data(InstallPlanner.unitFile(.package).utf8))
        XCTAssertEqual(
            nodes["/etc/rigwatch/rigwatch.yaml"]?.contents, Data(InstallPlanner.defaultConfig(.package).utf8))
    }

    func testPackageLayoutIsRefusedOnTheLiveRoot() throws {
        for root in ["/", "//"] {
            let r = try rigwatch(["install", "--layout", "package", "--root", root, "--dry-run"], status: 2)
            XCTAssertEqual(
                r.stderr,
                "rigwatch: error: --layout package only stages the Debian package's files under --root DIR; on a host, install the package (apt install ./rigwatch_VERSION_ARCH.deb) or use the local layout\n"
            )
            XCTAssertEqual(r.stdout, "")
        }
    }

    func testInstallTwiceChangesNothing() throws {
        try install()
        let before = tree()
        let second = try install()
        XCTAssertEqual(tree(), before, "second install changed the tree (contents, modes or mtimes)")
        XCTAssertTrue(second.stdout.contains("unchanged \(root)/usr/local/bin/rigwatch"), second.stdout)
        XCTAssertTrue(second.stdout.contains("unchanged \(root)/etc/systemd/system/rigwatch.service"), second.stdout)
        XCTAssertTrue(second.stdout.contains("install: nothing to change"), second.stdout)
        XCTAssertFalse(second.stdout.contains("wrote"), second.stdout)
    }

    func testInstallRepairsModeAndUpgradesBinary() throws {
        try install()
        chmod(root + "/var/log/rigwatch", 0o777)
        try Data("#!/bin/sh\necho newer\n".utf8).write(to: URL(fileURLWithPath: fakeBinary))
        let r = try install()
        XCTAssertTrue(r.stdout.contains("set mode 0750 on \(root)/var/log/rigwatch"), r.stdout)
        XCTAssertTrue(r.stdout.contains("replaced \(root)/usr/local/bin/rigwatch"), r.stdout)
        XCTAssertEqual(tree()["/usr/local/bin/rigwatch"]?.contents, Data("#!/bin/sh\necho newer\n".utf8))
        XCTAssertEqual(tree()["/var/log/rigwatch"]?.mode, 0o750)
    }

    func testDryRunWritesNothingAndPrintsEverything() throws {
        let r = try install(["--dry-run"])
        XCTAssertEqual(tree(), [:], "dry run wrote under the root")
        for path in [
            "/usr/local/bin/rigwatch", "/etc/systemd/system/rigwatch.service", "/etc/rigwatch/rigwatch.yaml",
            "/var/log/rigwatch", "/var/lib/rigwatch", "/var/lib/rigwatch/install.manifest",
        ] {
            XCTAssertTrue(r.stdout.contains(root + path), "dry run does not name \(path):\n\(r.stdout)")
        }
        for line in InstallPlanner.unitFile().split(separator: "\n") {
            XCTAssertTrue(r.stdout.contains("  | \(line)"), "dry run lacks unit line \(line)")
        }
        XCTAssertTrue(r.stdout.contains("(0600"), r.stdout)
        // Dry run of uninstall after a real install changes nothing either.
        try install()
        let before = tree()
        let u = try rigwatch(["uninstall", "--root", root, "--dry-run", "--purge"])
        XCTAssertEqual(tree(), before)
        XCTAssertTrue(u.stdout.contains("would remove \(root)/usr/local/bin/rigwatch"), u.stdout)
    }

    func testUninstallRemovesWhatInstallAddedAndKeepsConfig() throws {
        try FileManager.default.createDirectory(atPath: root + "/etc/ssh", withIntermediateDirectories: true)
        try Data("keep me\n".utf8).write(to: URL(fileURLWithPath: root + "/etc/ssh/sshd_config"))
        let before = withoutTimes(tree())
        try install()
        // The service wrote a log: kept without --purge.
        try Data("{}\n".utf8).write(to: URL(fileURLWithPath: root + "/var/log/rigwatch/alerts.jsonl"))
        try rigwatch(["uninstall", "--root", root])
        let after = withoutTimes(tree())
        XCTAssertEqual(
            Set(after.keys).subtracting(before.keys),
            [
                "/etc/rigwatch", "/etc/rigwatch/rigwatch.yaml", "/var", "/var/log", "/var/log/rigwatch",
                "/var/log/rigwatch/alerts.jsonl", "/var/lib", "/var/lib/rigwatch", "/var/lib/rigwatch/install.manifest",
            ])
        XCTAssertEqual(after["/etc/ssh/sshd_config"], before["/etc/ssh/sshd_config"])
        XCTAssertEqual(after["/etc/rigwatch/rigwatch.yaml"]?.contents, Data(InstallPlanner.defaultConfig().utf8))
        // Uninstall again: nothing left to do; then --purge leaves the tree as it was.
        let again = try rigwatch(["uninstall", "--root", root])
        XCTAssertTrue(again.stdout.contains("uninstall: nothing to change"), again.stdout)
        try rigwatch(["uninstall", "--root", root, "--purge"])
        XCTAssertEqual(withoutTimes(tree()), before)
    }

    func testPurgeRoundTripLeavesTreeAsItWas() throws {
        try FileManager.default.createDirectory(atPath: root + "/usr/local/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/var/log", withIntermediateDirectories: true)
        let before = withoutTimes(tree())
        try install()
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/var/lib/rigwatch/state.json"))
        let r = try rigwatch(["uninstall", "--root", root, "--purge"])
        XCTAssertEqual(withoutTimes(tree()), before, r.stdout)
    }

    func testOperatorFilesAreKept() throws {
        try FileManager.default.createDirectory(atPath: root + "/etc/rigwatch", withIntermediateDirectories: true)
        let mine = Data("watch_users: [alice]\n".utf8)
        try mine.write(to: URL(fileURLWithPath: root + "/etc/rigwatch/rigwatch.yaml"))
        try Data("RIGWATCH_DISCORD_WEBHOOK=x\n".utf8).write(
            to: URL(fileURLWithPath: root + "/etc/rigwatch/rigwatch.env"))
        let r = try install()
        XCTAssertTrue(r.stdout.contains("kept \(root)/etc/rigwatch/rigwatch.yaml"), r.stdout)
        XCTAssertEqual(FileManager.default.contents(atPath: root + "/etc/rigwatch/rigwatch.yaml"), mine)
        let manifest = String(
            decoding: FileManager.default.contents(atPath: root + "/var/lib/rigwatch/install.manifest") ?? Data(),
            as: UTF8.self)
        XCTAssertFalse(manifest.contains("/etc/rigwatch"), manifest)
        try rigwatch(["uninstall", "--root", root, "--purge"])
        XCTAssertEqual(FileManager.default.contents(atPath: root + "/etc/rigwatch/rigwatch.yaml"), mine)
        XCTAssertNotNil(FileManager.default.contents(atPath: root + "/etc/rigwatch/rigwatch.env"))
        XCTAssertNil(tree()["/usr/local/bin/rigwatch"])
        XCTAssertNil(tree()["/var/lib/rigwatch"])
    }

    func testUnexpectedPathsAreErrorsAndChangeNothing() throws {
        try FileManager.default.createDirectory(
            atPath: root + "/usr/local/bin/rigwatch", withIntermediateDirectories: true)
        let before = tree()
        let r = try install(status: 2)
        XCTAssertTrue(r.stderr.contains("/usr/local/bin/rigwatch exists and is a directory"), r.stderr)
        XCTAssertEqual(tree(), before)
        try rigwatch(["install", "--root", "relative/dir"], status: 2)
        try rigwatch(["install", "--root", root + "/missing"], status: 2)
        try FileManager.default.createDirectory(atPath: root + "/var/lib/rigwatch", withIntermediateDirectories: true)
        try Data("bogus line\n".utf8).write(to: URL(fileURLWithPath: root + "/var/lib/rigwatch/install.manifest"))
        let u = try rigwatch(["uninstall", "--root", root], status: 2)
        XCTAssertTrue(u.stderr.contains("install manifest"), u.stderr)
    }

    /// Run as a real unprivileged test user (the suite itself runs as root).
    func testNotRootIsRefusedOnTheRealRoot() throws {
        try requireRoot()
        let user = try TestUser.create(self, suffix: "inst")
        let r = try runCommand("/usr/bin/setpriv", user.asUser([Repo.rigwatchBinary, "install"]))
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("must run as root"), r.stderr)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: "/var/lib/rigwatch/install.manifest"), "nothing was installed")
        let dry = try runCommand("/usr/bin/setpriv", user.asUser([Repo.rigwatchBinary, "install", "--dry-run"]))
        XCTAssertEqual(dry.status, 0, dry.stderr)
    }

    // MARK: - The pure planner

    func testPlannerSystemdCommands() {
        var options = InstallOptions(binary: [1, 2, 3])
        let fresh = InstallPlanner.install(options) { _ in .absent }
        XCTAssertEqual(fresh.errors, [])
        XCTAssertEqual(
            fresh.steps.compactMap {
                if case .run(let a) = $0 { return a }
                return nil
            },
            [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", "rigwatch.service"]])
        options.noStart = true
        let noStart = InstallPlanner.install(options) { _ in .absent }
        XCTAssertEqual(
            noStart.steps.compactMap {
                if case .run(let a) = $0 { return a }
                return nil
            }, [["systemctl", "daemon-reload"]])
        options.systemd = false
        let noSystemd = InstallPlanner.install(options) { _ in .absent }
        XCTAssertFalse(
            noSystemd.steps.contains {
                if case .run = $0 { return true }
                return false
            })
        XCTAssertTrue(
            noSystemd.steps.contains {
                if case .note(let n) = $0 { return n.contains("not run") }
                return false
            })

        // Uninstall: stop and disable first, daemon-reload last.
        let manifest = InstallManifest(entries: [
            .init(.file, "/usr/local/bin/rigwatch"), .init(.file, "/etc/systemd/system/rigwatch.service"),
        ])
        let files: [String: InstallPathState] = [
            "/var/lib/rigwatch/install.manifest": .file(mode: 0o600, contents: Array(manifest.text.utf8)),
            "/usr/local/bin/rigwatch": .file(mode: 0o755, contents: [1]),
            "/etc/systemd/system/rigwatch.service": .file(mode: 0o644, contents: [2]),
        ]
        let un = InstallPlanner.uninstall(UninstallOptions()) { files[$0] ?? .absent }
        XCTAssertEqual(un.steps.first, .run(["systemctl", "disable", "--now", "rigwatch.service"]))
        XCTAssertEqual(un.steps.last, .run(["systemctl", "daemon-reload"]))
        XCTAssertTrue(un.steps.contains(.removeFile(path: "/usr/local/bin/rigwatch")))
        XCTAssertFalse(un.steps.contains(.removeBPFPins(path: "/sys/fs/bpf/rigwatch")), "nothing pinned")

        // The pinned BPF state a stopped sensor leaves recording: removed once the service is stopped.
        var pinned = files
        pinned["/sys/fs/bpf/rigwatch"] = .directory(mode: 0o700)
        let unpinning = InstallPlanner.uninstall(UninstallOptions()) { pinned[$0] ?? .absent }
        XCTAssertEqual(
            Array(unpinning.steps.prefix(2)),
            [
                .run(["systemctl", "disable", "--now", "rigwatch.service"]),
                .removeBPFPins(path: "/sys/fs/bpf/rigwatch"),
            ])
        let noManifest = InstallPlanner.uninstall(UninstallOptions()) {
            $0 == "/sys/fs/bpf/rigwatch" ? .directory(mode: 0o700) : .absent
        }
        XCTAssertTrue(noManifest.steps.contains(.removeBPFPins(path: "/sys/fs/bpf/rigwatch")))
    }

    func testManifestParsesWhatItWrites() throws {
        let manifest = InstallManifest(entries: [
            .init(.dir, "/etc/rigwatch"), .init(.datadir, "/var/log/rigwatch"),
            .init(.file, "/usr/local/bin/rigwatch"), .init(.config, "/etc/rigwatch/rigwatch.yaml"),
        ])
        XCTAssertEqual(try InstallManifest.parse(manifest.text), manifest)
        XCTAssertThrowsError(try InstallManifest.parse("file\trelative/path\n"))
        XCTAssertThrowsError(try InstallManifest.parse("dir\t/etc/../root\n"))
        XCTAssertThrowsError(try InstallManifest.parse("link\t/x\n"))
    }

    func testDefaultConfigIsTheDefaults() throws {
        XCTAssertEqual(try ConfigLoader.parse(InstallPlanner.defaultConfig()), SensorConfig())
        // Every key is there, commented, with its default.
        let text = InstallPlanner.defaultConfig()
        for key in [
            "watch_users", "process_table_size", "include_default", "import_sudoers", "abuse_rules", "merged_usr",
            "snapshot_interval_seconds", "allow_private", "watched_user_allow", "trusted_destinations",
            "window_seconds",
            "bytes_per_window", "budgets",
            "sustained_bytes_per_second", "sustained_seconds", "gpu_interval_seconds", "gpu_busy_percent",
            "gpu_busy_seconds", "quiet_seconds", "allowed_cgroups", "allowed_process_names", "log_file", "spool_dir",
            "spool_max_bytes", "dedup_window_seconds", "storm_per_rule", "webhook_file", "connect_timeout_seconds",
            "timeout_seconds", "state_file", "metrics_file", "heartbeat_hours", "posture_check_hours", "lock_file",
        ] {
            XCTAssertTrue(
                text.contains("# \(key):") || text.contains("#   \(key):") || text.contains("#     \(key):"), key)
        }
    }
}

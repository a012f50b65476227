// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// File changes as the kernel reports them, fed through a real engine after the
/// exec events that tell the process table who the writer is.
enum FileScenario {
    static let kaalia: UInt32 = 1001
    static let hostNamespace: UInt32 = 4_026_531_841

    static func engine(_ settings: FileWatchSettings = FileWatchSettings()) -> Engine {
        Engine(
            config: EngineConfig(watchedUids: [kaalia], userNames: [kaalia: "vastai_kaalia"]),
            detectors: Engine.standardDetectors(files: settings))
    }

    /// The Vast daemon (python3 as vastai_kaalia, pid 100) runs `sudo <argv>`:
    /// sudo is 101, the command 102 (root, still in the daemon's lineage).
    static func daemonSudo(_ argv: [String]) -> [Event] {
        [
            Scenario.exec(100, ppid: 1, ts: 1, argv: ["/usr/bin/python3", "vast.py"], uid: kaalia, lineage: kaalia),
            Scenario.fork(100, ppid: 1, child: 101, ts: 2, uid: kaalia, lineage: kaalia),
            Scenario.exec(101, ppid: 100, ts: 3, argv: ["/usr/bin/sudo"] + argv, uid: kaalia, euid: 0, lineage: kaalia),
            Scenario.fork(101, ppid: 100, child: 102, ts: 4, uid: 0, lineage: kaalia),
            Scenario.exec(102, ppid: 101, ts: 5, argv: argv, uid: 0, lineage: kaalia),
        ]
    }

    /// An administrator's root shell (bash 200, no lineage) runs `argv` as 201.
    static func rootShell(_ argv: [String]) -> [Event] {
        [
            Scenario.exec(200, ppid: 1, ts: 1, argv: ["/bin/bash"]),
            Scenario.fork(200, ppid: 1, child: 201, ts: 2),
            Scenario.exec(201, ppid: 200, ts: 3, argv: argv),
        ]
    }

    static func change(
        _ tgid: UInt32, ppid: UInt32, _ op: FileChangeEvent.Operation, _ path: String, _ path2: String = "",
        ts: UInt64 = 10, uid: UInt32 = 0, lineage: UInt32 = noLineage, comm: String = "tee",
        flags: FileChangeEvent.Flags = [], openFlags: UInt32 = 0o1101, result: Int32 = 3,
        mountNamespace: UInt32 = hostNamespace
    ) -> Event {
        .fileChange(
            FileChangeEvent(
                header: Scenario.header(tgid, ppid: ppid, ts: ts, uid: uid, lineage: lineage, comm: comm),
                operation: op, flags: flags, openFlags: op == .openWrite ? openFlags : 0, result: result,
                mountNamespace: mountNamespace, path: path, path2: path2))
    }

    /// A write by the daemon's sudo child (102).
    static func daemonWrite(
        _ op: FileChangeEvent.Operation, _ path: String, _ path2: String = "", result: Int32 = 3,
        flags: FileChangeEvent.Flags = [], mountNamespace: UInt32 = hostNamespace
    ) -> Event {
        change(
            102, ppid: 101, op, path, path2, lineage: kaalia, flags: flags, result: result,
            mountNamespace: mountNamespace)
    }

    /// A write by the root shell's child (201).
    static func rootWrite(
        _ op: FileChangeEvent.Operation, _ path: String, _ path2: String = "", comm: String = "tee",
        mountNamespace: UInt32 = hostNamespace
    ) -> Event {
        change(201, ppid: 200, op, path, path2, comm: comm, mountNamespace: mountNamespace)
    }

    /// Feeds the setup (which must raise nothing), then the change; returns its alerts.
    static func run(_ engine: Engine, setup: [Event], _ change: Event) -> [Alert] {
        for e in setup { XCTAssertEqual(engine.consume(e), [], "setup raised an alert") }
        return engine.consume(change)
    }
}

final class FileChangeDetectorTests: XCTestCase {
    private typealias F = FileScenario

    private func evidence(_ alert: Alert?, _ key: String) -> String? {
        alert?.evidence.first { $0.0 == key }?.1
    }

    private func alerts(_ setup: [Event], _ change: Event, settings: FileWatchSettings = FileWatchSettings()) -> [Alert]
    {
        F.run(F.engine(settings), setup: setup, change)
    }

    // MARK: matching

    func testMatchesEqualAndBelowButNotAPrefixOfAName() {
        let setup = F.rootShell(["/usr/bin/vim", "x"])
        XCTAssertEqual(alerts(setup, F.rootWrite(.openWrite, "/etc/cron.d/evil")).count, 1)
        XCTAssertEqual(alerts(setup, F.rootWrite(.openWrite, "/etc/crontab")).count, 1)
        XCTAssertEqual(
            alerts(setup, F.rootWrite(.openWrite, "/etc/systemd/system/multi-user.target.wants/x.service")).count, 1)
        XCTAssertEqual(alerts(setup, F.rootWrite(.openWrite, "/etc/cron.dx")), [])
        XCTAssertEqual(alerts(setup, F.rootWrite(.openWrite, "/etc/crontab.bak")), [])
        XCTAssertEqual(alerts(setup, F.rootWrite(.openWrite, "/etc/sudoers.tmp")), [])
        let sudoers = alerts(setup, F.rootWrite(.openWrite, "/etc/sudoers"))
        XCTAssertEqual(sudoers.count, 1)
        XCTAssertEqual(evidence(sudoers.first, "watched"), "/etc/sudoers")
    }

    func testEveryEventIsMatchedAgainInUserspace() {
        // The kernel should never send these; if it does (stale map, a bug), nothing is raised.
        let setup = F.rootShell(["/usr/bin/vim", "x"])
        XCTAssertEqual(alerts(setup, F.rootWrite(.openWrite, "/etc/passwd")), [])
        XCTAssertEqual(alerts(setup, F.rootWrite(.openWrite, "relative/cron.d/x")), [])
        XCTAssertEqual(
            alerts(
                setup, F.rootWrite(.openWrite, "/etc/cron.d/x"),
                settings: FileWatchSettings(watchedPaths: ["/etc/sudoers"])), [])
    }

    func testNonCanonicalPathsAreNormalisedAndMatchedAgain() throws {
        let setup = F.rootShell(["/usr/bin/mv", "a", "b"])
        let hit = alerts(
            setup, F.change(201, ppid: 200, .unlink, "/etc/./cron.d/../cron.d/x", flags: [.fromString, .nonCanonical]))
        XCTAssertEqual(hit.count, 1)
        let alert = try XCTUnwrap(hit.first)
        XCTAssertEqual(evidence(alert, "path"), "/etc/cron.d/x")
        XCTAssertTrue(alert.title.contains("/etc/cron.d/x deleted"), alert.title)
        let note = try XCTUnwrap(evidence(alert, "note"))
        XCTAssertTrue(note.contains("'/etc/./cron.d/../cron.d/x' as the syscall named it"), note)
        XCTAssertTrue(note.contains("symlinked directories in them were not resolved"), note)

        XCTAssertEqual(
            alerts(
                setup, F.change(201, ppid: 200, .unlink, "/etc/cron.d/../passwd", flags: [.fromString, .nonCanonical])),
            [])
        XCTAssertEqual(
            alerts(setup, F.change(201, ppid: 200, .unlink, "/etc//sudoers", flags: [.fromString, .nonCanonical]))
                .count, 1)
        XCTAssertEqual(
            alerts(setup, F.change(201, ppid: 200, .unlink, "/etc/cron.d/x/../../cron.dx", flags: [.nonCanonical])), [])
    }

    func testNamesThatAreNotUTF8AreMatchedByTheirBytes() throws {
        let raw: [UInt8] = Array("/etc/cron.d/".utf8) + [0xff, 0x2e]
        let event = Event.fileChange(
            FileChangeEvent(
                header: Scenario.header(201, ppid: 200, ts: 10, comm: "vim"), operation: .openWrite,
                openFlags: 0o1101, result: 3, mountNamespace: F.hostNamespace, pathBytes: raw))
        let setup = F.rootShell(["/usr/bin/vim"])
        let alert = try XCTUnwrap(alerts(setup, event).first)
        XCTAssertEqual(evidence(alert, "path"), "/etc/cron.d/\u{FFFD}.")
        // '?' is one byte, as fnmatch reads it.
        XCTAssertEqual(
            alerts(setup, event, settings: FileWatchSettings(maintenance: [MaintenanceRule(path: "/etc/cron.d/?.")])),
            [])
        let outside = Event.fileChange(
            FileChangeEvent(
                header: Scenario.header(201, ppid: 200, ts: 10), operation: .openWrite,
                result: 3, pathBytes: Array("/etc/cron.d".utf8) + [0xff]))
        XCTAssertEqual(alerts(setup, outside), [])
    }

    func testFailedChangesRaiseNothing() {
        let setup = F.daemonSudo(["/usr/bin/tee", "/etc/cron.d/evil"])
        XCTAssertEqual(alerts(setup, F.daemonWrite(.openWrite, "/etc/cron.d/evil", result: -13)), [])  // EACCES
        XCTAssertEqual(alerts(setup, F.daemonWrite(.unlink, "/etc/sudoers", result: -2)), [])  // ENOENT
        // fd 0 is a success
        XCTAssertEqual(alerts(setup, F.daemonWrite(.openWrite, "/etc/cron.d/evil", result: 0)).count, 1)
    }

    // MARK: mount namespaces

    func testContainerWritesOutsideTheWatchedLineageAreSilent() throws {
        let settings = FileWatchSettings(hostMountNamespace: F.hostNamespace)
        let setup = F.rootShell(["/usr/bin/apt-get", "install", "cron"])
        XCTAssertEqual(
            alerts(setup, F.rootWrite(.openWrite, "/etc/crontab", mountNamespace: 4_026_532_999), settings: settings),
            [])
        // The host's namespace, or one the kernel could not read: judged.
        XCTAssertEqual(alerts(setup, F.rootWrite(.openWrite, "/etc/crontab"), settings: settings).count, 1)
        XCTAssertEqual(
            alerts(setup, F.rootWrite(.openWrite, "/etc/crontab", mountNamespace: 0), settings: settings).count, 1)
        // Without the host's namespace every writer is judged.
        XCTAssertEqual(alerts(setup, F.rootWrite(.openWrite, "/etc/crontab", mountNamespace: 4_026_532_999)).count, 1)
    }

    func testTheWatchedLineageInAnotherMountNamespaceStillAlerts() throws {
        // `sudo unshare -m sh -c 'echo … > /etc/cron.d/x'` writes the host's file from a private namespace.
        let settings = FileWatchSettings(hostMountNamespace: F.hostNamespace)
        let setup = F.daemonSudo(["/usr/bin/unshare", "-m", "/bin/sh"])
        let alert = try XCTUnwrap(
            alerts(
                setup, F.daemonWrite(.openWrite, "/etc/cron.d/x", mountNamespace: 4_026_532_999),
                settings: settings
            ).first)
        XCTAssertEqual(alert.severity, .high)
        XCTAssertEqual(
            evidence(alert, "mount_namespace"),
            "4026532999 (not the host's 4026531841: the path may be the writer's own mount of it)")
    }

    // MARK: maintenance

    func testVastDaemonsTeeOfItsOwnFilesIsSilent() {
        for file in MaintenanceRule.vastDaemonFiles {
            XCTAssertEqual(alerts(F.daemonSudo(["/usr/bin/tee", file]), F.daemonWrite(.openWrite, file)), [], file)
        }
        // `sudo tee -a /etc/cron.d/vastai_restart_everything`: an append is an open for writing too.
        let append = F.change(
            102, ppid: 101, .openWrite, "/etc/cron.d/vastai_restart_everything", lineage: F.kaalia, openFlags: 0o2101)
        XCTAssertEqual(
            alerts(F.daemonSudo(["/usr/bin/tee", "-a", "/etc/cron.d/vastai_restart_everything"]), append), [])
    }

    func testTheSameTeeOnAnotherCronFileAlerts() throws {
        let raised = alerts(
            F.daemonSudo(["/usr/bin/tee", "/etc/cron.d/evil"]), F.daemonWrite(.openWrite, "/etc/cron.d/evil"))
        XCTAssertEqual(raised.count, 1)
        let alert = try XCTUnwrap(raised.first)
        XCTAssertEqual(alert.rule, "file-change")
        XCTAssertEqual(alert.severity, .high)
        XCTAssertEqual(
            alert.title,
            "Watched file changed: /etc/cron.d/evil opened for writing by /usr/bin/tee (pid 102, root) in vastai_kaalia's lineage"
        )
        XCTAssertEqual(alert.chain.map(\.pid), [102, 101, 100])
        XCTAssertEqual(alert.chain.map(\.exe), ["/usr/bin/tee", "/usr/bin/sudo", "/usr/bin/python3"])
        XCTAssertEqual(alert.eventTimeNs, 10)
        XCTAssertEqual(
            alert.evidence.map(\.0),
            [
                "operation", "path", "watched", "program", "pid", "user", "lineage",
                "open_flags", "mount_namespace", "cgroup_id",
            ])
        XCTAssertEqual(evidence(alert, "operation"), "open_write")
        XCTAssertEqual(evidence(alert, "watched"), "/etc/cron.d/evil (under /etc/cron.d)")
        XCTAssertEqual(evidence(alert, "program"), "/usr/bin/tee")
        XCTAssertEqual(evidence(alert, "user"), "root (uid 0)")
        XCTAssertEqual(evidence(alert, "lineage"), "vastai_kaalia (uid 1001)")
        XCTAssertEqual(evidence(alert, "open_flags"), "O_WRONLY|O_CREAT|O_TRUNC")
        XCTAssertEqual(alert.dedupKey, "file-change|open_write|/etc/cron.d/evil||/usr/bin/tee|0|1001")
    }

    func testTheUpdatersCronFileWrittenOutsideTheDaemonsLineageAlerts() throws {
        // The built-in rule trusts the daemon's own lineage only: root tee-ing the
        // updater's cron file from elsewhere is someone else hiding in the daemon's name.
        let raised = alerts(
            F.rootShell(["/usr/bin/tee", "/etc/cron.d/vastai_kaalia_update"]),
            F.rootWrite(.openWrite, "/etc/cron.d/vastai_kaalia_update"))
        let alert = try XCTUnwrap(raised.first)
        XCTAssertEqual(raised.count, 1)
        XCTAssertEqual(alert.severity, .medium)
        XCTAssertEqual(
            alert.title,
            "Watched file changed: /etc/cron.d/vastai_kaalia_update opened for writing by /usr/bin/tee (pid 201, root) outside the watched lineages"
        )
        XCTAssertEqual(evidence(alert, "lineage"), "none")
        // And the daemon's lineage writing it with another program than tee alerts too.
        XCTAssertEqual(
            alerts(
                F.daemonSudo(["/usr/bin/cp", "/tmp/x", "/etc/cron.d/vastai_kaalia_update"]),
                F.daemonWrite(.openWrite, "/etc/cron.d/vastai_kaalia_update")
            ).count, 1)
    }

    func testPackageMaintenanceOutsideTheWatchedLineageIsSilent() {
        // dpkg unpacks cron.d/foo.dpkg-new and renames it over cron.d/foo.
        let setup = F.rootShell(["/usr/bin/dpkg", "--unpack", "foo.deb"])
        XCTAssertEqual(alerts(setup, F.rootWrite(.openWrite, "/etc/cron.d/foo.dpkg-new", comm: "dpkg")), [])
        XCTAssertEqual(
            alerts(setup, F.rootWrite(.rename, "/etc/cron.d/foo.dpkg-new", "/etc/cron.d/foo", comm: "dpkg")), [])
        // dpkg run by the watched lineage is judged.
        XCTAssertEqual(
            alerts(F.daemonSudo(["/usr/bin/dpkg", "-i", "x.deb"]), F.daemonWrite(.openWrite, "/etc/cron.d/foo")).count,
            1)
        // Without the built-in rules it alerts.
        XCTAssertEqual(
            alerts(
                setup, F.rootWrite(.openWrite, "/etc/cron.d/foo", comm: "dpkg"),
                settings: FileWatchSettings(maintenance: [])
            ).count, 1)
    }

    func testAWriterWhoseExecWasNeverSeenHasNoProgram() throws {
        // Started before the sensor: only the header's comm is known, and no program glob matches it.
        let rule = MaintenanceRule(program: "/usr/bin/dpkg")
        let raised = alerts(
            [], F.rootWrite(.openWrite, "/etc/cron.d/foo", comm: "dpkg"),
            settings: FileWatchSettings(maintenance: [rule]))
        let alert = try XCTUnwrap(raised.first)
        XCTAssertEqual(evidence(alert, "program"), "'dpkg' (program unknown: its exec was not seen)")
        XCTAssertEqual(
            alert.title,
            "Watched file changed: /etc/cron.d/foo opened for writing by 'dpkg' (pid 201, root) outside the watched lineages"
        )
        XCTAssertEqual(alert.chain.map(\.pid), [201], "the header stands in for the chain")
        XCTAssertEqual(alert.chain.first?.comm, "dpkg")
    }

    func testAForkedChildKeepsItsParentsProgram() {
        // dpkg forks (no exec) and the child writes: the same program.
        let setup = F.rootShell(["/usr/bin/dpkg", "-i", "x.deb"]) + [Scenario.fork(201, ppid: 200, child: 202, ts: 4)]
        let write = F.change(202, ppid: 201, .openWrite, "/etc/cron.d/foo", comm: "dpkg")
        XCTAssertEqual(alerts(setup, write), [])
    }

    func testRulesByPathProgramAndLineage() {
        let rules = [
            MaintenanceRule(path: "/etc/cron.d/backup-*"),
            MaintenanceRule(path: "/etc/systemd/system/*.service", program: "/usr/local/bin/deployer"),
            MaintenanceRule(path: "/root/.ssh/authorized_keys", lineage: .unwatched),
        ]
        let settings = FileWatchSettings(maintenance: rules)
        let vim = F.rootShell(["/usr/bin/vim"])
        XCTAssertEqual(alerts(vim, F.rootWrite(.openWrite, "/etc/cron.d/backup-1"), settings: settings), [])
        // FNM_PATHNAME: '*' does not cross '/'.
        XCTAssertEqual(alerts(vim, F.rootWrite(.openWrite, "/etc/cron.d/backup-1/x"), settings: settings).count, 1)
        XCTAssertEqual(
            alerts(vim, F.rootWrite(.openWrite, "/etc/systemd/system/a.service"), settings: settings).count, 1)
        let deployer = F.rootShell(["/usr/local/bin/deployer"])
        XCTAssertEqual(
            alerts(deployer, F.rootWrite(.openWrite, "/etc/systemd/system/a.service"), settings: settings), [])
        XCTAssertEqual(
            alerts(deployer, F.rootWrite(.openWrite, "/etc/systemd/system/a.timer"), settings: settings).count, 1)
        XCTAssertEqual(alerts(vim, F.rootWrite(.openWrite, "/root/.ssh/authorized_keys"), settings: settings), [])
        XCTAssertEqual(
            alerts(
                F.daemonSudo(["/usr/bin/vim"]), F.daemonWrite(.openWrite, "/root/.ssh/authorized_keys"),
                settings: settings
            ).count, 1)
    }

    func testARenameIsSilentOnlyWhenEachWatchedSideIsCovered() throws {
        let settings = FileWatchSettings(maintenance: [
            MaintenanceRule(path: "/etc/cron.d/app*", program: "/usr/bin/mv")
        ])
        let setup = F.rootShell(["/usr/bin/mv", "a", "b"])
        func rename(_ from: String, _ to: String) -> [Alert] {
            alerts(setup, F.rootWrite(.rename, from, to, comm: "mv"), settings: settings)
        }
        XCTAssertEqual(rename("/etc/cron.d/app.tmp", "/etc/cron.d/app"), [])
        XCTAssertEqual(rename("/tmp/app", "/etc/cron.d/app"), [], "the unwatched side needs no cover")
        let alert = try XCTUnwrap(rename("/etc/cron.d/app.tmp", "/etc/cron.d/evil").first)
        XCTAssertEqual(
            alert.title,
            "Watched file changed: /etc/cron.d/app.tmp renamed to /etc/cron.d/evil by /usr/bin/mv (pid 201, root) outside the watched lineages"
        )
        XCTAssertEqual(evidence(alert, "new_path"), "/etc/cron.d/evil")
        XCTAssertEqual(
            evidence(alert, "watched"), "/etc/cron.d/evil (under /etc/cron.d)", "only the side left uncovered")
        // A watched file moved away is a change of it.
        XCTAssertEqual(rename("/etc/sudoers.d/90-cloud", "/tmp/x").count, 1)
        XCTAssertEqual(rename("/tmp/evil", "/etc/cron.d/evil").count, 1)
        XCTAssertEqual(rename("/etc/cron.d/evil", "/etc/cron.d/app").count, 1)
        XCTAssertEqual(rename("/tmp/a", "/tmp/b"), [])
        // renameat2(RENAME_EXCHANGE) swaps the two: named in the alert.
        let exchange = Event.fileChange(
            FileChangeEvent(
                header: Scenario.header(201, ppid: 200, ts: 10, comm: "mv"), operation: .rename,
                openFlags: 2, result: 0, path: "/tmp/evil", path2: "/etc/sudoers"))
        XCTAssertEqual(evidence(alerts(setup, exchange).first, "rename_flags"), "RENAME_EXCHANGE")
    }

    func testUnlinkAndLinkTitles() throws {
        let setup = F.rootShell(["/usr/bin/ln", "x"])
        let unlink = try XCTUnwrap(alerts(setup, F.rootWrite(.unlink, "/etc/ld.so.preload", comm: "rm")).first)
        XCTAssertTrue(
            unlink.title.hasPrefix("Watched file changed: /etc/ld.so.preload deleted by /usr/bin/ln"), unlink.title)
        XCTAssertNil(evidence(unlink, "open_flags"))
        XCTAssertNil(evidence(unlink, "new_path"))
        let link = try XCTUnwrap(
            alerts(setup, F.rootWrite(.link, "/tmp/payload.so", "/etc/ld.so.preload", comm: "ln")).first)
        XCTAssertTrue(
            link.title.hasPrefix("Watched file changed: /etc/ld.so.preload created as a link to /tmp/payload.so by"),
            link.title)
        // A watched file given a second name elsewhere can be written through it.
        XCTAssertEqual(alerts(setup, F.rootWrite(.link, "/etc/sudoers", "/tmp/s", comm: "ln")).count, 1)
    }

    func testReplaceSettingsTakesEffectOnTheNextEvent() {
        let engine = F.engine()
        for e in F.rootShell(["/usr/bin/vim"]) { _ = engine.consume(e) }
        XCTAssertEqual(engine.consume(F.rootWrite(.openWrite, "/etc/crontab")).count, 1)
        let detector = engine.detectors(of: FileChangeDetector.self)[0]
        detector.replaceSettings(
            FileWatchSettings(maintenance: [MaintenanceRule(path: "/etc/crontab", program: "/usr/bin/vim")]))
        XCTAssertEqual(engine.consume(F.rootWrite(.openWrite, "/etc/crontab")), [])
        detector.replaceSettings(FileWatchSettings(watchedPaths: ["/etc/sudoers"]))
        XCTAssertEqual(engine.consume(F.rootWrite(.openWrite, "/etc/cron.d/x")), [])
    }

    func testOffUnlessConfigured() {
        let engine = Engine(config: EngineConfig(watchedUids: [F.kaalia]), detectors: Engine.standardDetectors())
        XCTAssertEqual(engine.consume(F.rootWrite(.openWrite, "/etc/sudoers")), [])
        XCTAssertTrue(engine.detectors(of: FileChangeDetector.self).isEmpty)
    }

    func testBuiltInRules() throws {
        let rules = MaintenanceRule.defaults
        XCTAssertEqual(rules.count, 11)
        for file in MaintenanceRule.vastDaemonFiles {
            XCTAssertTrue(
                rules.contains(
                    MaintenanceRule(
                        path: file, program: "/usr/bin/tee", lineage: .watched, origin: "built-in: Vast daemon")))
        }
        XCTAssertTrue(
            rules.contains(
                MaintenanceRule(program: "/usr/bin/dpkg", lineage: .unwatched, origin: "built-in: package maintenance"))
        )
        // Every tee target in the daemon's real command list is covered (Tests/Fixtures/data).
        let text = try String(contentsOfFile: Repo.fixture("data/vastai-daemon-sudo-commands.txt"), encoding: .utf8)
        let teeTargets = text.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: "\t").last?.split(separator: " ") ?? []
            guard words.first == "/usr/bin/tee", let target = words.last, target.hasPrefix("/") else { return nil }
            return String(target)
        }
        XCTAssertFalse(teeTargets.isEmpty)
        for target in teeTargets {
            XCTAssertTrue(
                rules.contains { $0.covers(path: target, program: "/usr/bin/tee", inWatchedLineage: true) }, target)
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
import RigwatchSources
import RigwatchTestSupport
import XCTest

@testable import RigwatchCore

/// Root without euid 0: container clients, root-equivalent groups, units run by PID 1.
final class RootEquivalentTests: XCTestCase {
    /// The engine with the whitelist (default policy) and the root-equivalent detector;
    /// `vastai_kaalia` is in docker already, as on a host where the daemon ran before.
    private func engine(
        _ tree: ProcessTree,
        settings: RootEquivalentSettings = RootEquivalentSettings(members: ["docker": ["vastai_kaalia"]]),
        abuse: ArgumentAbuseRules = ArgumentAbuseRules()
    ) -> Engine {
        let policies = PolicySet.defaultPolicy(
            watched: [.init(uid: tree.kaalia, name: "vastai_kaalia")], canon: .mergedUsr)
        return Engine(
            config: EngineConfig(watchedUids: [tree.kaalia], userNames: [tree.kaalia: "vastai_kaalia"]),
            detectors: Engine.standardDetectors(policies: policies, abuse: abuse, rootEquivalent: settings))
    }

    private func run(_ tree: ProcessTree, settings: RootEquivalentSettings? = nil) -> [Alert] {
        let e = settings.map { engine(tree, settings: $0) } ?? engine(tree)
        return tree.events.flatMap(e.consume)
    }

    /// The watched user itself (no sudo) runs `argv`.
    private func userExec(_ tree: ProcessTree, _ argv: [String], path: String? = nil) -> UInt32 {
        let child = tree.fork(tree.daemon, ppid: 1)
        tree.exec(child, ppid: tree.daemon, argv, path: path, uid: tree.kaalia)
        return child
    }

    private func evidence(_ alert: Alert?, _ key: String) -> String? { alert?.evidence.first { $0.0 == key }?.1 }

    func testDockerRunWithTheHostRootMountedAlertsWithoutSudo() throws {
        let t = ProcessTree()
        _ = userExec(
            t, ["docker", "run", "--rm", "-v", "/:/host", "alpine", "chroot", "/host", "sh"], path: "/usr/bin/docker")
        let alerts = run(t)
        XCTAssertEqual(alerts.map(\.rule), ["root-equivalent-container"])
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertEqual(alert.severity, .high)
        XCTAssertEqual(
            alert.title,
            "vastai_kaalia ran a container client with root-equivalent options: docker run --rm -v /:/host alpine chroot /host sh"
        )
        XCTAssertEqual(
            alert.evidence.map(\.0), ["user", "exe", "command", "euid", "cgroup_id", "finding"])
        XCTAssertEqual(evidence(alert, "user"), "vastai_kaalia (uid 1001)")
        XCTAssertEqual(evidence(alert, "exe"), "/usr/bin/docker")
        XCTAssertEqual(evidence(alert, "euid"), "1001")
        XCTAssertEqual(evidence(alert, "finding"), "mounts the host's root file system [-v /:/host]")
        XCTAssertEqual(alert.chain.map(\.exe), ["/usr/bin/docker", "/usr/bin/python3"])
    }

    func testContainerClientClasses() {
        func reasons(_ argv: [String]) -> [String] {
            ContainerClientArguments.findings(program: argv[0], args: Array(argv.dropFirst())).map(\.reason)
        }
        XCTAssertEqual(
            reasons([
                "docker", "-H", "unix:///run/docker.sock", "container", "run", "--privileged", "--pid=host", "-it",
                "debian",
            ]),
            ["privileged container: every device and capability, no confinement", "shares the host's pid namespace"])
        XCTAssertEqual(
            reasons(["podman", "run", "--mount", "type=bind,source=/etc,target=/x,readonly", "--net", "host", "img"]),
            ["mounts host /etc, even read-only", "shares the host's network namespace"])
        XCTAssertEqual(
            reasons([
                "nerdctl", "run", "-v", "/var/run/docker.sock:/var/run/docker.sock", "--cap-add",
                "sys_admin,NET_BIND_SERVICE", "img",
            ]),
            ["mounts host /var/run/docker.sock (/var/run)", "adds capability SYS_ADMIN"])
        XCTAssertEqual(
            reasons([
                "docker", "run", "--device", "/dev/sda", "--security-opt", "apparmor:unconfined", "--userns=host",
                "img",
            ]),
            [
                "gives the container host device /dev/sda", "turns confinement off (apparmor=unconfined)",
                "shares the host's userns namespace",
            ])
        XCTAssertEqual(
            reasons(["docker", "run", "-v", "/srv/scratch:/data", "img"]),
            ["mounts host directory /srv/scratch writable: the container's root can leave setuid files there"])
        XCTAssertEqual(
            reasons(["docker", "exec", "--privileged", "c1", "sh"]),
            ["privileged container: every device and capability, no confinement"])
        XCTAssertEqual(
            reasons([
                "ctr", "run", "--mount", "type=bind,src=/,dst=/host,options=rbind:rw", "--net-host",
                "docker.io/library/alpine:latest", "x",
            ]),
            ["mounts the host's root file system", "shares the host's network namespace"])
        XCTAssertEqual(
            reasons(["lxc", "config", "device", "add", "c1", "host", "disk", "source=/", "path=/mnt/root"]),
            ["mounts the host's root file system"])
        XCTAssertEqual(
            reasons(["lxc", "config", "set", "c1", "security.privileged", "true"]),
            ["makes the container privileged (root in it is root on the host)"])
        // Negatives: what the daemon's whitelist allows, named volumes, read-only scratch, GPUs, the container's own argv.
        XCTAssertEqual(reasons(["docker", "ps", "--format", "{{.Names}}"]), [])
        XCTAssertEqual(reasons(["docker", "inspect", "C.1234567"]), [])
        XCTAssertEqual(reasons(["docker", "logs", "-v", "C.1234567"]), [])
        XCTAssertEqual(reasons(["docker", "run", "-v", "cache:/root/.cache", "--gpus", "all", "img"]), [])
        XCTAssertEqual(reasons(["docker", "run", "-v", "/srv/models:/models:ro", "img"]), [])
        XCTAssertEqual(
            reasons(["docker", "run", "img", "--privileged", "-v", "/:/host"]), [], "the container's own arguments")
        XCTAssertEqual(reasons(["docker", "run", "--privileged=false", "img"]), [])
    }

    func testGroupChangeOfAWatchedUserAlertsAndAMemberAlreadyDoesNot() throws {
        let t = ProcessTree()
        t.sudo(["/usr/bin/usermod", "-aG", "rwtestdocker,video", "vastai_kaalia"])
        let settings = RootEquivalentSettings(groups: ["rwtestdocker"])
        let alerts = run(t, settings: settings).filter { $0.rule.hasPrefix("root-equivalent") }
        XCTAssertEqual(alerts.map(\.rule), ["root-equivalent-group"])
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertEqual(alert.severity, .high)
        XCTAssertEqual(
            alert.title,
            "vastai_kaalia's lineage made vastai_kaalia root-equivalent by group membership: /usr/bin/usermod -aG rwtestdocker,video vastai_kaalia"
        )
        XCTAssertEqual(
            evidence(alert, "finding"), "adds vastai_kaalia (a watched user) to rwtestdocker (usermod -a -G)")
        XCTAssertEqual(evidence(alert, "euid"), "0")

        // The whitelisted `usermod -a -G docker vastai_kaalia` on a host where it is a member already.
        let again = ProcessTree()
        again.sudo(["/usr/bin/usermod", "-a", "-G", "docker", "vastai_kaalia"])
        XCTAssertEqual(run(again).map(\.rule), [])
        // ... and on a host where it is not: reported, once, as the account becoming root-equivalent.
        XCTAssertEqual(run(again, settings: RootEquivalentSettings()).map(\.rule), ["root-equivalent-group"])
    }

    func testGroupChangeForms() {
        func changes(_ argv: [String]) -> [String] {
            GroupMembershipChange.of(program: argv[0], args: Array(argv.dropFirst())).map {
                "\($0.user):\($0.groups.joined(separator: ",")):\($0.how)"
            }
        }
        XCTAssertEqual(
            changes(["usermod", "-G", "docker,disk", "bob"]), ["bob:docker,disk:usermod -G (replaces the list)"])
        XCTAssertEqual(changes(["usermod", "--append", "--groups", "lxd", "bob"]), ["bob:lxd:usermod -a -G"])
        XCTAssertEqual(changes(["usermod", "-g", "0", "bob"]), ["bob:0:usermod -g (primary group)"])
        XCTAssertEqual(changes(["gpasswd", "-a", "bob", "libvirt"]), ["bob:libvirt:gpasswd -a"])
        XCTAssertEqual(changes(["gpasswd", "-M", "bob,eve", "disk"]), ["bob:disk:gpasswd -M", "eve:disk:gpasswd -M"])
        XCTAssertEqual(changes(["adduser", "bob", "sudo"]), ["bob:sudo:adduser USER GROUP"])
        XCTAssertEqual(changes(["addgroup", "bob", "docker"]), ["bob:docker:addgroup USER GROUP"])
        XCTAssertEqual(changes(["addgroup", "newgroup"]), [], "creates a group, adds nobody")
        XCTAssertEqual(changes(["useradd", "-m", "-G", "wheel", "eve"]), ["eve:wheel:useradd -G"])
        XCTAssertEqual(changes(["groupmems", "-g", "docker", "-a", "bob"]), ["bob:docker:groupmems -a"])
        XCTAssertEqual(changes(["usermod", "-s", "/bin/bash", "bob"]), [])
    }

    func testUnprivilegedGroupToolIsNotJudged() {
        // usermod without root fails; gpasswd is setuid root, so its exec runs with euid 0.
        let t = ProcessTree()
        _ = userExec(t, ["/usr/sbin/usermod", "-a", "-G", "docker", "eve"])
        XCTAssertEqual(run(t, settings: RootEquivalentSettings()).map(\.rule), [])
    }

    func testSystemdRunWithoutScopeAlertsWithWhatItRuns() throws {
        let t = ProcessTree()
        t.sudo(["/usr/bin/systemd-run", "--unit=rwtest-x", "-p", "User=root", "sh", "-c", "id > /tmp/o"])
        let alerts = run(t).filter { $0.rule == "root-equivalent-unit" }
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertEqual(alerts.count, 1)
        XCTAssertEqual(
            alert.title,
            "vastai_kaalia ran a command as a systemd unit, outside its lineage: /usr/bin/systemd-run --unit=rwtest-x -p User=root sh -c 'id > /tmp/o'"
        )
        XCTAssertEqual(
            alert.evidence.map(\.0),
            [
                "user", "exe", "command", "euid", "cgroup_id", "unit", "runs", "properties", "unit_cgroup", "note",
                "finding",
            ])
        XCTAssertEqual(evidence(alert, "unit"), "rwtest-x.service")
        XCTAssertEqual(evidence(alert, "runs"), "sh -c 'id > /tmp/o'")
        XCTAssertEqual(evidence(alert, "properties"), "User=root")
        XCTAssertEqual(evidence(alert, "unit_cgroup"), "system.slice/rwtest-x.service")
        XCTAssertEqual(
            evidence(alert, "finding"), "transient unit without --scope: PID 1 runs it as root, outside the lineage")

        // PID 1 then runs it: the first matching exec of a child of PID 1 is the unit's process.
        let e = engine(t)
        _ = t.events.flatMap(e.consume)
        func unitProcess(ppid: UInt32, ts: UInt64, cgroup: UInt64) -> Event {
            .exec(
                ExecEvent(
                    header: EventHeader(
                        timestampNs: ts, pid: 3000, tgid: 3000, ppid: ppid, uid: 0, euid: 0, gid: 0, egid: 0,
                        lineageUid: noLineage, cgroupId: cgroup, comm: Comm("sh")),
                    loginUid: noLineage, flags: [], argc: 3, oldPid: 3000, filename: Array("/usr/bin/sh".utf8),
                    args: ExecEvent.joinArgs(["/usr/bin/sh", "-c", "id > /tmp/o"])))
        }
        let now = t.events.last?.header.timestampNs ?? 0
        XCTAssertEqual(
            e.consume(unitProcess(ppid: 4000, ts: now + 1000, cgroup: 776)).map(\.rule), [], "not PID 1's child")
        let started = try XCTUnwrap(e.consume(unitProcess(ppid: 1, ts: now + 2000, cgroup: 777)).first)
        XCTAssertEqual(started.rule, "root-equivalent-unit")
        XCTAssertEqual(
            started.title, "rwtest-x.service, started by vastai_kaalia's lineage, runs: /usr/bin/sh -c 'id > /tmp/o'")
        XCTAssertEqual(evidence(started, "cgroup_id"), "777")
        XCTAssertEqual(evidence(started, "user"), "vastai_kaalia (uid 1001)")
        XCTAssertEqual(
            evidence(started, "started_by"),
            "/usr/bin/systemd-run --unit=rwtest-x -p User=root sh -c 'id > /tmp/o' (pid \(alert.subject?.pid ?? 0))")
        XCTAssertEqual(e.consume(unitProcess(ppid: 1, ts: now + 3000, cgroup: 777)).map(\.rule), [], "matched once")
        // Too late: after 10 s an exec of the same command is no longer taken for the unit's.
        let late = ProcessTree()
        late.sudo(["/usr/bin/systemd-run", "--unit=rwtest-x", "-p", "User=root", "sh", "-c", "id > /tmp/o"])
        let lateEngine = engine(late)
        _ = late.events.flatMap(lateEngine.consume)
        let lateNs = (late.events.last?.header.timestampNs ?? 0) + 10_000_001_000
        XCTAssertEqual(lateEngine.consume(unitProcess(ppid: 1, ts: lateNs, cgroup: 778)).map(\.rule), [])

        let timer = ProcessTree()
        timer.sudo(["/usr/bin/systemd-run", "--on-calendar=*:0/5", "/tmp/x"])
        let timed = try XCTUnwrap(run(timer).first { $0.rule == "root-equivalent-unit" })
        XCTAssertEqual(evidence(timed, "timer"), "--on-calendar=*:0/5")
        XCTAssertEqual(evidence(timed, "unit"), "run-u….service (named by systemd)")

        // The whitelisted scope keeps the command in the lineage: not this rule's business.
        let scope = ProcessTree()
        scope.sudo(["/usr/bin/systemd-run", "--scope", "--unit=vastai_script_updater", "sh", "-c", "true"])
        XCTAssertEqual(run(scope).filter { $0.rule == "root-equivalent-unit" }.count, 0)
        let user = ProcessTree()
        _ = userExec(user, ["/usr/bin/systemd-run", "--user", "sleep", "1"])
        XCTAssertEqual(run(user).map(\.rule), [])
    }

    private func fileChange(_ tree: ProcessTree, pid: UInt32, path: String, uid: UInt32 = 0) -> Event {
        .fileChange(
            FileChangeEvent(
                header: EventHeader(
                    timestampNs: 9_000_000, pid: pid, tgid: pid, ppid: 1, uid: uid, euid: uid, gid: uid, egid: uid,
                    lineageUid: tree.kaalia, cgroupId: 42, comm: Comm("tee")),
                operation: .openWrite, openFlags: 0o1101, path: path))
    }

    func testStartingAUnitTheLineageWroteAlerts() throws {
        let t = ProcessTree()
        let tee = t.sudo(["/usr/bin/tee", "/etc/systemd/system/rwtest-evil.service"])
        let e = engine(t)
        var alerts = t.events.flatMap(e.consume)
        alerts += e.consume(fileChange(t, pid: tee, path: "/etc/systemd/system/rwtest-evil.service"))
        let before = t.events.count
        t.sudo(["/usr/bin/systemctl", "start", "rwtest-evil"])
        alerts += t.events[before...].flatMap(e.consume)
        let units = alerts.filter { $0.rule == "root-equivalent-unit" }
        XCTAssertEqual(units.count, 1)
        let alert = try XCTUnwrap(units.first)
        XCTAssertEqual(
            alert.title,
            "vastai_kaalia's lineage started a unit it wrote, outside its lineage: /usr/bin/systemctl start rwtest-evil"
        )
        XCTAssertEqual(evidence(alert, "unit"), "rwtest-evil.service")
        XCTAssertEqual(evidence(alert, "unit_cgroup"), "system.slice/rwtest-evil.service")
        XCTAssertEqual(
            evidence(alert, "finding"),
            "start of rwtest-evil.service, which this lineage wrote (/etc/systemd/system/rwtest-evil.service: tee output in /usr/bin/tee /etc/systemd/system/rwtest-evil.service (pid \(tee)))"
        )
        // The tee itself is a persistence write, from argv.
        XCTAssertEqual(
            alerts.first { $0.rule == PrivilegedExecDetector.abuseRule }.flatMap { evidence($0, "finding") },
            "persistence-write: tee output /etc/systemd/system/rwtest-evil.service is under /etc/systemd/, where a file runs code later [/etc/systemd/system/rwtest-evil.service]"
        )
    }

    func testUnitWrittenOnlyAsAFileEventAndDropInsAndTemplates() throws {
        // Known only from the file-change event (a write the argv did not name: sh -c 'cat > …').
        let t = ProcessTree()
        let e = engine(t)
        var alerts = t.events.flatMap(e.consume)
        alerts += e.consume(fileChange(t, pid: 4242, path: "/etc/systemd/system/ssh.service.d/override.conf"))
        alerts += e.consume(fileChange(t, pid: 4242, path: "/etc/systemd/system/rwtest-w@.service"))
        let before = t.events.count
        t.sudo(["/usr/bin/systemctl", "restart", "ssh.service", "rwtest-w@1.service", "cron"])
        alerts += t.events[before...].flatMap(e.consume)
        let alert = try XCTUnwrap(alerts.first { $0.rule == "root-equivalent-unit" })
        XCTAssertEqual(evidence(alert, "unit"), "ssh.service, rwtest-w@1.service")
        XCTAssertEqual(
            evidence(alert, "finding1"),
            "restart of ssh.service, which this lineage wrote (/etc/systemd/system/ssh.service.d/override.conf: open_write by 'tee' (pid 4242))"
        )

        // A unit file linked in from elsewhere.
        let link = ProcessTree()
        link.sudo(["/usr/bin/systemctl", "enable", "--now", "/tmp/rwtest/x.service"])
        let linked = try XCTUnwrap(run(link).first { $0.rule == "root-equivalent-unit" })
        XCTAssertEqual(
            evidence(linked, "finding"), "enable of the unit file /tmp/rwtest/x.service, outside the unit directories")
    }

    func testDaemonUnitsAndGroupsDoNotAlert() {
        // The daemon's own `sudo tee` of its units (a maintenance rule) then `systemctl enable/start`.
        let t = ProcessTree()
        let tee = t.sudo(["/usr/bin/tee", "/etc/systemd/system/vastai.service"])
        let e = engine(t)
        var alerts = t.events.flatMap(e.consume)
        alerts += e.consume(fileChange(t, pid: tee, path: "/etc/systemd/system/vastai.service"))
        let before = t.events.count
        t.sudo(["/usr/bin/systemctl", "enable", "vastai"])
        t.sudo(["/usr/bin/systemctl", "start", "vastai"])
        alerts += t.events[before...].flatMap(e.consume)
        XCTAssertEqual(alerts.map(\.title), [])
    }

    /// Every command the real daemon runs (vastai-daemon-sudo-commands.txt), the wrappers' children and
    /// the file events its `tee`s make, through the whitelist, the argument rules (the watched user's
    /// home among the untrusted directories) and this detector: no alert at all.
    func testEveryDaemonCommandIsQuietUnderTheNewRules() {
        var abuse = ArgumentAbuseRules()
        abuse.untrusted = UntrustedPaths(extra: ["/var/lib/vastai_kaalia"])
        let t = ProcessTree()
        let e = engine(t, abuse: abuse)
        var alerts = t.events.flatMap(e.consume)
        var seen = t.events.count
        func feed() {
            alerts += t.events[seen...].flatMap(e.consume)
            seen = t.events.count
        }
        for argv in VastDaemonCommands.sudoArgv {
            let pid = t.sudo(argv)
            feed()
            if argv[0] == "/usr/bin/tee", let file = argv.last {
                alerts += e.consume(fileChange(t, pid: pid, path: file))
            }
        }
        for (argv, child, exe) in VastDaemonCommands.wrapped {
            let wrapper = t.sudo(argv)
            let c = t.fork(wrapper, ppid: 2001)
            t.exec(c, ppid: wrapper, child, path: exe)
            if exe == "/usr/bin/sh" {
                for (grandchild, path) in VastDaemonCommands.updateChildren {
                    let g = t.fork(c, ppid: wrapper)
                    t.exec(g, ppid: c, grandchild, path: path)
                }
            }
            feed()
        }
        XCTAssertEqual(VastDaemonCommands.sudoArgv.count, 58)
        XCTAssertEqual(alerts.map(\.title), [])
    }

    /// The trace record-root-equivalent.sh recorded on this kernel: the test user's whitelist (the
    /// community file plus the script's lines) as the policy, its test group as the root-equivalent one.
    func testRecordedTraceRaisesExactlyTheNewAlerts() throws {
        let trace = try TraceFile.read(path: Repo.fixture("traces") + "/root-equivalent.jsonl")
        let user = try XCTUnwrap(trace.header.watchedUsers.first)
        XCTAssertEqual(user.name, "rwtestrecreq")
        let text =
            try String(contentsOfFile: Repo.fixture("data/vastai-restricted.sudoers"), encoding: .utf8)
            .replacingOccurrences(of: "vastai_kaalia ALL=", with: "\(user.name) ALL=")
            + [
                "/usr/sbin/usermod -a -G rwtestrecreqg rwtestrecreq", "/usr/bin/cp -t /etc/cron.d *",
                "/usr/bin/tee /etc/systemd/system/rwtest-recreq.service", "/usr/bin/systemctl start rwtest-recreq",
                "/usr/bin/systemd-run --unit=rwtest-recreq-run /bin/true",
            ].map { "\(user.name) ALL=(root) NOPASSWD: \($0)\n" }.joined()
        let rules = try SudoersParser(file: "recorded", canon: .mergedUsr).parse(text, users: [user])
        let policies = PolicySet(name: "recorded", rulesByUid: [user.uid: rules[user.name] ?? []], canon: .mergedUsr)
        let engine = Engine(
            config: EngineConfig(watchedUsers: trace.header.watchedUsers),
            detectors: Engine.standardDetectors(
                policies: policies, rootEquivalent: RootEquivalentSettings(groups: ["rwtestrecreqg"])))
        let alerts = trace.events.flatMap(engine.consume)
        XCTAssertEqual(
            alerts.map(\.rule),
            [
                "root-equivalent-container", "root-equivalent-group", "privileged-argument-abuse",
                "privileged-argument-abuse", "privileged-argument-abuse", "root-equivalent-unit",
                "root-equivalent-unit",
            ])
        XCTAssertEqual(
            alerts.map { evidence($0, "finding") ?? evidence($0, "finding1") },
            [
                "mounts the host's root file system [-v /:/host]",
                "adds rwtestrecreq (a watched user) to rwtestrecreqg (usermod -a -G)",
                "untrusted-config: logrotate config: its scripts run as root; /tmp/rwtest-recreq/conf is under /tmp/, which users can write [/tmp/rwtest-recreq/conf]",
                "persistence-write: cp target directory /etc/cron.d is under /etc/cron.d/, where a file runs code later [/etc/cron.d]",
                "persistence-write: tee output /etc/systemd/system/rwtest-recreq.service is under /etc/systemd/, where a file runs code later [/etc/systemd/system/rwtest-recreq.service]",
                "start of rwtest-recreq.service, which this lineage wrote (/etc/systemd/system/rwtest-recreq.service: tee output in /usr/bin/tee /etc/systemd/system/rwtest-recreq.service (pid \(alerts[4].subject?.pid ?? 0)))",
                "transient unit without --scope: PID 1 runs it as root, outside the lineage",
            ])
        XCTAssertEqual(evidence(alerts[6], "unit"), "rwtest-recreq-run.service")
        XCTAssertEqual(evidence(alerts[6], "runs"), "/bin/true")
    }
}

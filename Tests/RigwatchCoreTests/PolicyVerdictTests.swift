// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import XCTest

/// `rigwatch policy test`'s judgement: the detector's own policy and argument rules
/// on one command line, and what a wrapper would run.
final class PolicyVerdictTests: XCTestCase {
    private let user = WatchedUser(uid: 1001, name: "vastai_kaalia")

    private func judge(_ argv: [String]) -> PolicyVerdict {
        let canon = PathCanon.mergedUsr
        let policies = PolicySet.defaultPolicy(watched: [user], canon: canon)
        let paths = ["nvidia-smi": "/usr/bin/nvidia-smi", "journalctl": "/usr/bin/journalctl", "id": "/usr/bin/id"]
        return PolicyVerdict.judge(
            argv: argv, uid: user.uid, policies: policies, abuse: ArgumentAbuseRules(),
            resolve: { paths[$0] ?? $0 })
    }

    private func origin(of text: String) throws -> String {
        try XCTUnwrap(PolicySet.defaultRules(canon: PathCanon.mergedUsr).last { $0.text == text }?.origin)
    }

    func testAnAllowedCommandNamesItsRuleAndLine() throws {
        let v = judge(["/usr/bin/nvidia-smi", "-pm", "1"])
        XCTAssertTrue(v.isClean)
        XCTAssertEqual(v.steps.count, 1)
        XCTAssertEqual(v.steps[0].rule?.text, "/usr/bin/nvidia-smi -pm 1")
        XCTAssertEqual(v.steps[0].rule?.origin, try origin(of: "/usr/bin/nvidia-smi -pm 1"))
        XCTAssertTrue(v.steps[0].rule?.origin.hasPrefix("<default policy>:") == true)
        XCTAssertEqual(v.steps[0].findings, [])
    }

    func testAnAllowedCommandWithADangerousArgumentIsNotClean() throws {
        let v = judge(["/usr/sbin/sysctl", "-w", "kernel.core_pattern=|/tmp/x"])
        XCTAssertFalse(v.isClean)
        XCTAssertTrue(v.steps[0].decision.isAllowed, "the whitelist allows it")
        XCTAssertEqual(v.steps[0].rule?.text, "/usr/sbin/sysctl -w kernel.core_pattern=*")
        XCTAssertEqual(v.steps[0].findings.map(\.kind), [.kernelHook])
        XCTAssertEqual(v.steps[0].findings.first?.argument, "kernel.core_pattern=|/tmp/x")
    }

    func testAnUnlistedCommandHasNoRule() {
        let v = judge(["id"])
        XCTAssertFalse(v.isClean)
        XCTAssertEqual(v.steps[0].exe, "/usr/bin/id")
        XCTAssertEqual(v.steps[0].argv, ["/usr/bin/id"])
        XCTAssertEqual(v.steps[0].decision, .denied(rule: nil))
        XCTAssertNil(v.steps[0].rule)
    }

    func testAWrapperIsJudgedWithWhatItRuns() throws {
        let v = judge(["/usr/bin/timeout", "10", "nvidia-smi", "-pm", "1"])
        XCTAssertTrue(v.isClean)
        XCTAssertEqual(v.steps.map(\.exe), ["/usr/bin/timeout", "/usr/bin/nvidia-smi"])
        XCTAssertEqual(v.steps.map(\.isWrapper), [true, false])
        XCTAssertEqual(v.steps[1].argv, ["/usr/bin/nvidia-smi", "-pm", "1"])
        XCTAssertEqual(v.steps[1].rule?.text, "/usr/bin/nvidia-smi -pm 1")

        // A wrapper the rules allow with any arguments still does not cover a shell below it.
        let canon = PathCanon.mergedUsr
        let timeoutAnything = PolicySet(
            name: "test",
            rulesByUid: [user.uid: [try CommandSpec.parse("/usr/bin/timeout *", origin: "test:1", canon: canon)]],
            canon: canon)
        let shell = PolicyVerdict.judge(
            argv: ["/usr/bin/timeout", "10", "/bin/sh", "-c", "id"], uid: user.uid, policies: timeoutAnything,
            abuse: ArgumentAbuseRules(), resolve: { $0 })
        XCTAssertFalse(shell.isClean)
        XCTAssertEqual(shell.steps.map(\.exe), ["/usr/bin/timeout", "/bin/sh"])
        XCTAssertEqual(shell.steps[0].rule?.origin, "test:1")
        XCTAssertEqual(shell.steps.map(\.decision.isAllowed), [true, false])

        // A wrapper the rules deny is the entry the sensor reports: nothing below it is judged.
        let denied = judge(["/usr/bin/timeout", "5", "id"])
        XCTAssertEqual(denied.steps.map(\.exe), ["/usr/bin/timeout"])
        XCTAssertFalse(denied.isClean)
    }

    func testWrappedCommands() {
        XCTAssertEqual(
            WrappedCommand.of(["/usr/bin/timeout", "--foreground", "3s", "journalctl", "-o", "short-precise", "-k"]),
            ["journalctl", "-o", "short-precise", "-k"])
        XCTAssertEqual(WrappedCommand.of(["timeout", "-s", "KILL", "10", "id", "-u"]), ["id", "-u"])
        XCTAssertEqual(WrappedCommand.of(["env", "-u", "HOME", "A=1", "B=2", "id"]), ["id"])
        XCTAssertEqual(WrappedCommand.of(["nice", "-n", "5", "id"]), ["id"])
        XCTAssertEqual(WrappedCommand.of(["nice", "-n5", "id"]), ["id"])
        XCTAssertEqual(WrappedCommand.of(["ionice", "-c", "3", "id"]), ["id"])
        XCTAssertNil(WrappedCommand.of(["ionice", "-p", "42"]), "changes a process, runs nothing")
        XCTAssertEqual(WrappedCommand.of(["flock", "/run/l", "-c", "id; id"]), ["/bin/sh", "-c", "id; id"])
        XCTAssertEqual(WrappedCommand.of(["flock", "-w", "3", "/run/l", "id"]), ["id"])
        XCTAssertEqual(
            WrappedCommand.of(["/usr/bin/systemd-run", "--scope", "--unit=vastai_script_updater", "sh", "-c", "x"]),
            ["sh", "-c", "x"])
        XCTAssertEqual(WrappedCommand.of(["systemd-run", "-p", "User=root", "--unit", "u", "id"]), ["id"])
        XCTAssertEqual(WrappedCommand.of(["chroot", "/srv", "id"]), ["id"])
        XCTAssertEqual(WrappedCommand.of(["taskset", "-c", "0", "id"]), ["id"], "-c is a flag: the list is positional")
        XCTAssertEqual(WrappedCommand.of(["busybox", "sh", "-c", "x"]), ["sh", "-c", "x"])
        XCTAssertEqual(WrappedCommand.of(["nohup", "--", "id"]), ["id"])
        XCTAssertNil(WrappedCommand.of(["timeout", "10"]), "no command")
        XCTAssertNil(WrappedCommand.of(["/usr/bin/id"]), "not a wrapper")
    }

    func testWrapperChainsUnwrapToTheLaunchedProgram() {
        XCTAssertEqual(
            WrappedCommand.launch(["/usr/bin/nice", "-n", "5", "timeout", "1h", "/tmp/xmrig", "-o", "p:3333"]),
            WrappedCommand.Launch(wrappers: ["nice", "timeout"], argv: ["/tmp/xmrig", "-o", "p:3333"]))
        XCTAssertEqual(
            WrappedCommand.launch(["env", "XMRIG_X=1", "./xmrig"]),
            WrappedCommand.Launch(wrappers: ["env"], argv: ["./xmrig"]))
        XCTAssertEqual(
            WrappedCommand.launch(["busybox", "nohup", "setsid", "id"]),
            WrappedCommand.Launch(wrappers: ["busybox", "nohup", "setsid"], argv: ["id"]))
        XCTAssertEqual(
            WrappedCommand.launch(["flock", "/run/l", "-c", "xmrig -o p:3333"]),
            WrappedCommand.Launch(wrappers: ["flock"], argv: ["/bin/sh", "-c", "xmrig -o p:3333"]),
            "the shell is what flock runs")
        XCTAssertEqual(
            WrappedCommand.launch(["nice", "ionice", "-p", "42"]),
            WrappedCommand.Launch(wrappers: ["nice"], argv: ["ionice", "-p", "42"]),
            "ionice -p runs nothing more: it is the program nice launched")
        XCTAssertEqual(
            WrappedCommand.launch(Array(repeating: "env", count: 12) + ["id"]),
            WrappedCommand.Launch(
                wrappers: Array(repeating: "env", count: 8), argv: Array(repeating: "env", count: 4) + ["id"]),
            "at most 8 wrappers deep")
        XCTAssertNil(WrappedCommand.launch(["/usr/bin/id", "-u"]), "not a wrapper")
        XCTAssertNil(WrappedCommand.launch(["timeout", "10"]), "runs nothing")
        XCTAssertNil(WrappedCommand.launch([]))
    }
}

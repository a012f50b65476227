// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// The built-in rules that keep the recorded daemon commands quiet
/// (RecordedDaemonTraceTests), and what they leave reported.
final class DaemonMaintenanceRuleTests: XCTestCase {
    private typealias F = FileScenario
    private typealias N = NetScenario

    private func alerts(_ events: [Event], _ engine: Engine = F.engine()) -> [Alert] {
        events.flatMap(engine.consume)
    }

    /// apt-get (102, root, below the daemon's sudo) starts dpkg (103), a postinst (104), systemctl (105).
    private func maintainerScriptSystemctl() -> [Event] {
        F.daemonSudo(["/usr/bin/apt-get", "install", "-y", "logrotate"]) + [
            Scenario.fork(102, ppid: 101, child: 103, ts: 6, lineage: F.kaalia),
            Scenario.exec(
                103, ppid: 102, ts: 7, argv: ["/usr/bin/dpkg", "--configure", "--pending"], lineage: F.kaalia),
            Scenario.fork(103, ppid: 102, child: 104, ts: 8, lineage: F.kaalia),
            Scenario.exec(104, ppid: 103, ts: 9, argv: ["/var/lib/dpkg/info/logrotate.postinst"], lineage: F.kaalia),
            Scenario.fork(104, ppid: 103, child: 105, ts: 10, lineage: F.kaalia),
            Scenario.exec(
                105, ppid: 104, ts: 11, argv: ["/usr/bin/systemctl", "preset", "logrotate.timer"], lineage: F.kaalia),
        ]
    }

    func testSystemctlBelowDpkgLinkingIntoWantsIsQuiet() {
        let link = F.change(
            105, ppid: 104, .link, "/lib/systemd/system/logrotate.timer",
            "/etc/systemd/system/timers.target.wants/logrotate.timer", ts: 12, lineage: F.kaalia, comm: "systemctl")
        XCTAssertEqual(alerts(maintainerScriptSystemctl() + [link]), [])
    }

    func testSystemctlBelowDpkgWritingAUnitFileStillAlerts() throws {
        let write = F.change(
            105, ppid: 104, .openWrite, "/etc/systemd/system/evil.service", ts: 12, lineage: F.kaalia,
            comm: "systemctl")
        let alert = try XCTUnwrap(alerts(maintainerScriptSystemctl() + [write]).first)
        XCTAssertEqual(alert.rule, "file-change")
        XCTAssertEqual(alert.evidence.first { $0.0 == "path" }?.1, "/etc/systemd/system/evil.service")
    }

    func testLineagesOwnSystemctlEnableStillAlerts() throws {
        let link = F.daemonWrite(
            .link, "/etc/systemd/system/evil.service", "/etc/systemd/system/multi-user.target.wants/evil.service")
        let found = alerts(F.daemonSudo(["/usr/bin/systemctl", "enable", "/etc/systemd/system/evil.service"]) + [link])
        XCTAssertEqual(found.count, 1)
        let alert = try XCTUnwrap(found.first)
        XCTAssertEqual(alert.rule, "file-change")
        XCTAssertEqual(alert.severity, .high)
        XCTAssertEqual(alert.evidence.first { $0.0 == "program" }?.1, "/usr/bin/systemctl")
    }

    func testBelowMatchesAnyAncestorNotTheWriter() {
        let rule = MaintenanceRule(path: "/etc/x", program: "/usr/bin/systemctl", below: "/usr/bin/dpkg")
        XCTAssertTrue(
            rule.covers(
                path: "/etc/x", program: "/usr/bin/systemctl", inWatchedLineage: true,
                ancestors: ["/usr/bin/perl", "/usr/bin/dpkg", "/usr/bin/apt-get"]))
        XCTAssertFalse(rule.covers(path: "/etc/x", program: "/usr/bin/systemctl", inWatchedLineage: true))
        XCTAssertFalse(
            rule.covers(
                path: "/etc/x", program: "/usr/bin/systemctl", inWatchedLineage: true, ancestors: ["/usr/bin/sudo"]))
        XCTAssertEqual(
            MaintenanceRule.packageUnitEnable,
            MaintenanceRule(
                path: "/etc/systemd/system/*.wants/*", program: "/usr/bin/systemctl", lineage: .any,
                below: "/usr/bin/dpkg", origin: "built-in: package maintainer scripts enabling units"))
    }

    func testDaemonsCopyOfItsLibvirtHookIsQuiet() {
        let argv = ["/usr/bin/cp", "/var/lib/vastai_kaalia/latest/qemu", "/etc/libvirt/hooks/"]
        XCTAssertEqual(alerts(F.daemonSudo(argv) + [F.daemonWrite(.openWrite, "/etc/libvirt/hooks/qemu")]), [])
        XCTAssertEqual(
            MaintenanceRule.vastLibvirtHook.map { "\($0.path ?? "") \($0.program ?? "") \($0.lineage)" },
            [
                "/etc/libvirt/hooks/qemu /usr/bin/cp watched", "/etc/libvirt/hooks/qemu /usr/bin/chmod watched",
                "/etc/libvirt/hooks/qemu /usr/bin/chown watched", "/etc/libvirt/hooks /usr/bin/mkdir watched",
            ])
    }

    func testOtherProgramWritingTheLibvirtHookStillAlerts() throws {
        let found = alerts(
            F.daemonSudo(["/usr/bin/tee", "/etc/libvirt/hooks/qemu"])
                + [F.daemonWrite(.openWrite, "/etc/libvirt/hooks/qemu")])
        let alert = try XCTUnwrap(found.first)
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(alert.evidence.first { $0.0 == "program" }?.1, "/usr/bin/tee")
        XCTAssertEqual(alert.evidence.first { $0.0 == "path" }?.1, "/etc/libvirt/hooks/qemu")
    }

    func testCpOfAnotherHookOrOutsideTheLineageStillAlerts() {
        let argv = ["/usr/bin/cp", "/var/lib/vastai_kaalia/latest/qemu", "/etc/libvirt/hooks/network"]
        XCTAssertEqual(
            alerts(F.daemonSudo(argv) + [F.daemonWrite(.openWrite, "/etc/libvirt/hooks/network")]).count, 1)
        let root = F.rootShell(["/usr/bin/cp", "/tmp/qemu", "/etc/libvirt/hooks/qemu"])
        XCTAssertEqual(
            alerts(root + [F.change(201, ppid: 200, .openWrite, "/etc/libvirt/hooks/qemu", comm: "cp")]).count, 1)
    }

    // MARK: watched-user-outbound program allowances

    /// The daemon's sudo (11) runs apt-get (12, root); apt-get starts a method (13) as _apt.
    private func aptMethod(parentEuid: UInt32 = 0, parent: String = "/usr/bin/apt-get") -> [Event] {
        [
            Scenario.exec(10, ppid: 1, ts: 1, argv: ["/bin/bash"], uid: 1001, lineage: 1001),
            Scenario.fork(10, ppid: 1, child: 12, ts: 2, uid: 1001, lineage: 1001),
            Scenario.exec(
                12, ppid: 10, ts: 3, argv: [parent, "install", "-y", "fio"], uid: parentEuid, lineage: 1001),
            Scenario.fork(12, ppid: 10, child: 13, ts: 4, uid: parentEuid, lineage: 1001),
            Scenario.exec(13, ppid: 12, ts: 5, argv: ["/usr/lib/apt/methods/http"], uid: 42, lineage: 1001),
        ]
    }

    func testAptMethodBelowRootAptGetConnectsQuietly() {
        let engine = N.engine()
        let connect = N.connect(13, to: "203.0.113.80", port: 80, ts: 10 * N.second, lineage: 1001, comm: "http")
        XCTAssertEqual(alerts(aptMethod() + [connect], engine), [])
        XCTAssertEqual(
            ProgramAllowance.defaults,
            [
                ProgramAllowance(
                    program: "/usr/lib/apt/methods/*", parent: "/usr/bin/apt-get", origin: "built-in: apt fetch methods"
                ),
                ProgramAllowance(
                    program: "/usr/lib/apt/methods/*", parent: "/usr/bin/apt", origin: "built-in: apt fetch methods"),
            ])
    }

    func testAptMethodBelowNonRootAptOrStartedByHandStillAlerts() throws {
        let connect = N.connect(13, to: "203.0.113.80", port: 80, ts: 10 * N.second, lineage: 1001, comm: "http")
        let unprivileged = alerts(aptMethod(parentEuid: 1001) + [connect], N.engine())
        XCTAssertEqual(unprivileged.map(\.rule), ["watched-user-outbound"])
        XCTAssertEqual(
            unprivileged.first?.title,
            "vastai_kaalia's process http connected to 203.0.113.80:80, not on the watched users' allowlist")
        // The method exec'd straight from the watched user's shell (its parent is bash).
        XCTAssertEqual(alerts(aptMethod(parent: "/bin/bash") + [connect], N.engine()).count, 1)
        // Allowances turned off: the root apt-get's method alerts too.
        XCTAssertEqual(
            alerts(aptMethod() + [connect], N.engine(outbound: WatchedOutboundSettings(allowPrograms: []))).count, 1)
    }
}

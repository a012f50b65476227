// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import RigwatchTestSupport
import XCTest

final class TamperDetectorTests: XCTestCase {
    static let sensorPid: UInt32 = 4000
    static let second: UInt64 = 1_000_000_000

    private func engine(_ settings: TamperSettings = TamperSettings()) -> Engine {
        Engine(
            config: EngineConfig(watchedUids: [FileScenario.kaalia], userNames: [FileScenario.kaalia: "vastai_kaalia"]),
            detectors: Engine.standardDetectors(tamper: settings))
    }

    /// A root shell (200) ran `argv` as 201, which acts on the sensor.
    private func rootActor(_ engine: Engine, _ argv: [String]) {
        for e in FileScenario.rootShell(argv) { XCTAssertEqual(engine.consume(e), []) }
    }

    private func tamper(
        _ op: TamperEvent.Operation, _ argument: Int64 = 0, by tgid: UInt32 = 201, ppid: UInt32 = 200,
        ts: UInt64 = 10 * second, uid: UInt32 = 0, lineage: UInt32 = noLineage, comm: String = "kill"
    ) -> Event {
        .tamper(
            TamperEvent(
                header: Scenario.header(tgid, ppid: ppid, ts: ts, uid: uid, lineage: lineage, comm: comm),
                operation: op, targetPid: Self.sensorPid, argument: argument))
    }

    private func integrity(
        _ problem: IntegrityEvent.Problem, _ name: String, expected: UInt32 = 0, found: UInt32 = 0,
        ts: UInt64 = 10 * second
    ) -> Event {
        .integrity(IntegrityEvent(timestampNs: ts, problem: problem, name: name, expected: expected, found: found))
    }

    private func evidence(_ alert: Alert?, _ key: String) -> String? {
        alert?.evidence.first { $0.0 == key }?.1
    }

    /// BPF-LSM prevention refused it: critical for a stopping signal or an attach, said
    /// to be denied, and a finding apart from the same signal let through.
    func testRefusedSignalsAndAttachesAreCriticalAndSayDenied() throws {
        let engine = engine()
        rootActor(engine, ["/usr/bin/kill", "-9", "4000"])
        let header = Scenario.header(
            201, ppid: 200, ts: 10 * Self.second, uid: 0, lineage: FileScenario.kaalia, comm: "kill")
        let refused = engine.consume(
            .tamper(
                TamperEvent(header: header, operation: .signal, targetPid: Self.sensorPid, argument: 9, denied: true)))
        let alert = try XCTUnwrap(refused.first)
        XCTAssertEqual(refused.count, 1)
        XCTAssertEqual(alert.severity, .critical)
        XCTAssertEqual(
            alert.title, "SIGKILL to the sensor denied by /usr/bin/kill (pid 201, root) in vastai_kaalia's lineage")
        XCTAssertEqual(evidence(alert, "signal"), "SIGKILL (9)")
        XCTAssertNil(evidence(alert, "result"), "a refused signal has no delivery result")
        XCTAssertTrue(evidence(alert, "denied")?.hasPrefix("yes: refused (EPERM)") == true)
        XCTAssertTrue(alert.dedupKey.hasSuffix("|denied"))
        let allowed = engine.consume(
            .tamper(TamperEvent(header: header, operation: .signal, targetPid: Self.sensorPid, argument: 9)))
        XCTAssertEqual(allowed.first?.severity, .high, "the same signal let through is another finding")

        let attach = engine.consume(
            .tamper(
                TamperEvent(header: header, operation: .ptrace, targetPid: Self.sensorPid, argument: 0x12, denied: true)
            ))
        XCTAssertEqual(attach.first?.severity, .critical)
        XCTAssertTrue(attach.first?.title.hasPrefix("Sensor ptrace-style access denied") == true)
        XCTAssertEqual(evidence(attach.first, "mode"), "attach, realcreds (0x12)")
    }

    func testSignalsThatStopTheSensorAreHighOthersMedium() throws {
        let cases: [(Int64, String, Severity)] = [
            (9, "SIGKILL", .high), (19, "SIGSTOP", .high), (15, "SIGTERM", .high), (2, "SIGINT", .high),
            (3, "SIGQUIT", .high),
            (1, "SIGHUP", .medium), (10, "SIGUSR1", .medium), (18, "SIGCONT", .medium), (36, "SIGRTMIN+2", .medium),
        ]
        for (number, name, severity) in cases {
            let engine = engine()
            rootActor(engine, ["/usr/bin/kill", "-\(number)", "4000"])
            let raised = engine.consume(tamper(.signal, number))
            XCTAssertEqual(raised.count, 1, name)
            let alert = try XCTUnwrap(raised.first)
            XCTAssertEqual(alert.rule, "sensor-tamper")
            XCTAssertEqual(alert.severity, severity, name)
            XCTAssertEqual(
                alert.title, "\(name) sent to the sensor by /usr/bin/kill (pid 201, root) outside the watched lineages")
            XCTAssertEqual(evidence(alert, "signal"), "\(name) (\(number))")
            XCTAssertEqual(evidence(alert, "result"), "delivered")
            XCTAssertEqual(evidence(alert, "target_pid"), "4000")
            XCTAssertEqual(evidence(alert, "actor"), "/usr/bin/kill")
            XCTAssertEqual(evidence(alert, "user"), "root (uid 0)")
            XCTAssertEqual(alert.chain.map(\.pid), [201, 200])
            XCTAssertEqual(alert.dedupKey, "sensor-tamper|signal|\(number)|/usr/bin/kill|0")
        }
    }

    func testSignalFromTheWatchedLineage() throws {
        let engine = engine()
        for e in FileScenario.daemonSudo(["/usr/bin/pkill", "-9", "rigwatch"]) { XCTAssertEqual(engine.consume(e), []) }
        let alert = try XCTUnwrap(
            engine.consume(tamper(.signal, 9, by: 102, ppid: 101, lineage: FileScenario.kaalia, comm: "pkill")).first)
        XCTAssertEqual(
            alert.title, "SIGKILL sent to the sensor by /usr/bin/pkill (pid 102, root) in vastai_kaalia's lineage")
        XCTAssertEqual(evidence(alert, "lineage"), "vastai_kaalia (uid 1001)")
        XCTAssertEqual(alert.chain.map(\.exe), ["/usr/bin/pkill", "/usr/bin/sudo", "/usr/bin/python3"])
    }

    func testSystemdsStopIsNamedAsSuch() throws {
        // PID 1 was never exec'd in the sensor's sight: its comm stands in for the program.
        let alert = try XCTUnwrap(engine().consume(tamper(.signal, 15, by: 1, ppid: 0, comm: "systemd")).first)
        XCTAssertEqual(
            alert.title, "SIGTERM sent to the sensor by 'systemd' (pid 1, root) outside the watched lineages")
        XCTAssertEqual(alert.severity, .info, "a stop, restart or reload by the service manager is operations")
        XCTAssertEqual(evidence(alert, "actor"), "'systemd' (program unknown: its exec was not seen)")
        XCTAssertEqual(
            evidence(alert, "note"), "sent by PID 1 (systemd): a service stop, restart, reload or `systemctl kill`")
    }

    func testPtraceAndMemoryAccessAreCritical() throws {
        let engine = engine()
        rootActor(engine, ["/usr/bin/gdb", "-p", "4000"])
        let ptrace = try XCTUnwrap(engine.consume(tamper(.ptrace, 16, comm: "gdb")).first)
        XCTAssertEqual(ptrace.severity, .critical)
        XCTAssertEqual(
            ptrace.title, "Sensor ptraced (PTRACE_ATTACH) by /usr/bin/gdb (pid 201, root) outside the watched lineages")
        XCTAssertEqual(evidence(ptrace, "request"), "PTRACE_ATTACH (16)")
        let seize = try XCTUnwrap(self.engine().consume(tamper(.ptrace, 0x4206)).first)
        XCTAssertEqual(evidence(seize, "request"), "PTRACE_SEIZE (16902)")

        let read = try XCTUnwrap(engine.consume(tamper(.vmRead, comm: "gdb")).first)
        XCTAssertEqual(read.severity, .critical)
        XCTAssertTrue(read.title.hasPrefix("Sensor memory read (process_vm_readv) by /usr/bin/gdb"), read.title)
        let write = try XCTUnwrap(engine.consume(tamper(.vmWrite, comm: "gdb")).first)
        XCTAssertEqual(write.severity, .critical)
        XCTAssertTrue(write.title.hasPrefix("Sensor memory written (process_vm_writev) by /usr/bin/gdb"), write.title)
        XCTAssertNil(evidence(write, "signal"))
    }

    func testADebuggersManyCallsAreOneAlertPerWindow() {
        let engine = engine(TamperSettings(repeatWindowSeconds: 60))
        rootActor(engine, ["/usr/bin/gdb", "-p", "4000"])
        var raised = 0
        for (i, request) in [Int64(16), 0x4200, 12, 2, 2, 2, 7].enumerated() {
            raised += engine.consume(tamper(.ptrace, request, ts: 10 * Self.second + UInt64(i))).count
        }
        XCTAssertEqual(raised, 1)
        // Another process, or the window over: a new alert.
        XCTAssertEqual(engine.consume(tamper(.ptrace, 16, by: 300, ts: 11 * Self.second)).count, 1)
        XCTAssertEqual(engine.consume(tamper(.ptrace, 16, ts: 71 * Self.second)).count, 1)
        // Two different signals from one process are two findings.
        XCTAssertEqual(engine.consume(tamper(.signal, 15, ts: 72 * Self.second)).count, 1)
        XCTAssertEqual(engine.consume(tamper(.signal, 9, ts: 72 * Self.second)).count, 1)
        XCTAssertEqual(engine.consume(tamper(.signal, 9, ts: 73 * Self.second)), [])
    }

    func testIntegrityProblemsAreCritical() throws {
        let engine = engine()
        let detached = try XCTUnwrap(engine.consume(integrity(.linkDetached, "handle_exec")).first)
        XCTAssertEqual(detached.rule, "sensor-tamper")
        XCTAssertEqual(detached.severity, .critical)
        XCTAssertEqual(detached.title, "Sensor tampering: BPF program handle_exec detached")
        XCTAssertEqual(detached.chain, [])
        XCTAssertEqual(evidence(detached, "program"), "handle_exec")
        XCTAssertEqual(detached.dedupKey, "sensor-tamper|link_detached|handle_exec")

        let altered = try XCTUnwrap(engine.consume(integrity(.mapAltered, "watched_uids", expected: 1, found: 2)).first)
        XCTAssertEqual(altered.severity, .critical)
        XCTAssertEqual(altered.title, "Sensor tampering: map watched_uids altered: expected 1 entries, found 2")
        XCTAssertEqual(evidence(altered, "expected_entries"), "1")
        XCTAssertEqual(evidence(altered, "found_entries"), "2")
    }

    func testAStandingIntegrityProblemDoesNotFlood() {
        let engine = engine(TamperSettings(repeatWindowSeconds: 60))
        var raised = 0
        // The self-check every 2 s for two minutes finds the same detached link.
        for i in UInt64(0)..<60 {
            raised += engine.consume(integrity(.linkDetached, "handle_exec", ts: (10 + 2 * i) * Self.second)).count
        }
        XCTAssertEqual(raised, 2, "once, then again when the window is over")
        // A different program, or the same map with other counts, is news.
        XCTAssertEqual(engine.consume(integrity(.linkDetached, "handle_fork", ts: 130 * Self.second)).count, 1)
        XCTAssertEqual(
            engine.consume(integrity(.mapAltered, "file_watch", expected: 9, found: 8, ts: 130 * Self.second)).count, 1)
        XCTAssertEqual(
            engine.consume(integrity(.mapAltered, "file_watch", expected: 9, found: 0, ts: 131 * Self.second)).count, 1)
        XCTAssertEqual(
            engine.consume(integrity(.mapAltered, "file_watch", expected: 9, found: 0, ts: 132 * Self.second)), [])
    }

    func testOffUnlessConfigured() {
        let engine = Engine(detectors: Engine.standardDetectors())
        XCTAssertEqual(engine.consume(integrity(.linkDetached, "handle_exec")), [])
        XCTAssertEqual(engine.consume(tamper(.ptrace, 16)), [])
    }
}

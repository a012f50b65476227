// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import RigwatchTestSupport
import XCTest

final class EngineTests: XCTestCase {
    func testProcessTableFollowsForkExecExit() {
        var table = ProcessTable()
        table.apply(Scenario.exec(10, ppid: 1, ts: 1, argv: ["/bin/bash"], uid: 1000, lineage: 1000))
        table.apply(Scenario.fork(10, ppid: 1, child: 11, ts: 2, uid: 1000, lineage: 1000))
        // Before its exec the child is a copy of the parent.
        XCTAssertEqual(table[11]?.path, "/bin/bash")
        XCTAssertEqual(table[11]?.execSeen, false)
        XCTAssertEqual(table[11]?.ppid, 10)
        XCTAssertEqual(table[11]?.startNs, 2)
        table.apply(
            Scenario.exec(11, ppid: 10, ts: 3, argv: ["/usr/bin/sudo", "id"], uid: 1000, euid: 0, lineage: 1000))
        XCTAssertEqual(table[11]?.argv, ["/usr/bin/sudo", "id"])
        XCTAssertEqual(table[11]?.euid, 0)
        XCTAssertEqual(table.chain(of: 11).map(\.path), ["/usr/bin/sudo", "/bin/bash"])
        table.apply(Scenario.exit(11, ppid: 10, ts: 4))
        XCTAssertNil(table[11])
        XCTAssertEqual(table.count, 1)
        // Alerts raised after an exit (byte counters are read later) still find it.
        XCTAssertEqual(table.lookup(11)?.argv, ["/usr/bin/sudo", "id"])
        XCTAssertEqual(table.chain(of: 11).map(\.path), ["/usr/bin/sudo", "/bin/bash"])
    }

    func testProcessTableIsBounded() {
        var table = ProcessTable(capacity: 100)
        for pid in UInt32(2)..<1002 {
            table.apply(Scenario.fork(1, ppid: 0, child: pid, ts: UInt64(pid)))
        }
        XCTAssertLessThanOrEqual(table.count, 100)
        XCTAssertGreaterThan(table.evicted, 0)
        XCTAssertNotNil(table[1001], "the newest process is kept")
    }

    func testRecentlyExitedMemoryIsBounded() {
        var table = ProcessTable()
        for pid in UInt32(2)..<UInt32(2 + 3000) {
            table.apply(Scenario.exec(pid, ppid: 1, ts: UInt64(pid), argv: ["/bin/p\(pid)"]))
            table.apply(Scenario.exit(pid, ppid: 1, ts: UInt64(pid) + 1))
        }
        XCTAssertEqual(table.count, 0)
        XCTAssertNil(table.lookup(2), "the oldest exits are forgotten")
        XCTAssertEqual(table.lookup(3001)?.path, "/bin/p3001")
        XCTAssertNotNil(table.lookup(UInt32(3001 - table.exitedCapacity + 1)))
        XCTAssertNil(table.lookup(UInt32(3001 - table.exitedCapacity)))
    }

    func testChainStopsOnCycles() {
        var table = ProcessTable()
        table.apply(Scenario.exec(5, ppid: 6, ts: 1, argv: ["/a"]))
        table.apply(Scenario.exec(6, ppid: 5, ts: 2, argv: ["/b"]))
        XCTAssertEqual(table.chain(of: 5).map(\.tgid), [5, 6])
    }

    func testLostEventsRaiseAnAlertWithTheCount() {
        let engine = Engine(detectors: Engine.standardDetectors())
        XCTAssertEqual(engine.consume(Scenario.exec(5, ppid: 1, ts: 1, argv: ["/bin/true"])), [])
        let alerts = engine.consume(.drops(DropsEvent(timestampNs: 9_000_000_000, lost: 42, total: 50)))
        XCTAssertEqual(alerts.count, 1)
        XCTAssertEqual(alerts[0].rule, "sensor-lost-events")
        XCTAssertEqual(alerts[0].id, "sensor-lost-events-1")
        XCTAssertEqual(alerts[0].severity, .high)
        XCTAssertEqual(alerts[0].title, "Sensor lost 42 events (ring buffer full)")
        XCTAssertEqual(alerts[0].eventTimeNs, 9_000_000_000)
        XCTAssertEqual(alerts[0].chain, [])
        XCTAssertEqual(alerts[0].evidence.map { "\($0.0)=\($0.1)" }, ["lost=42", "total_lost=50"])
        XCTAssertEqual(alerts[0].dedupKey, "sensor-lost-events")
    }

    /// Detectors see an exiting process while it is still in the table.
    func testDetectorsSeeExitingProcessBeforeRemoval() {
        final class ExitWatcher: Detector {
            let name = "exit-watcher"
            func observe(_ event: Event, context: DetectionContext) -> [Alert] {
                guard case .exit(let e) = event else { return [] }
                return [
                    Alert(
                        rule: name, severity: .info, title: "exit", eventTimeNs: e.header.timestampNs,
                        chain: context.chain(of: e.header.tgid), dedupKey: "x")
                ]
            }
        }
        let engine = Engine(detectors: [ExitWatcher()])
        _ = engine.consume(Scenario.exec(1, ppid: 0, ts: 1, argv: ["/sbin/init"]))
        _ = engine.consume(Scenario.fork(1, ppid: 0, child: 2, ts: 2))
        _ = engine.consume(Scenario.exec(2, ppid: 1, ts: 3, argv: ["/bin/sleep", "1"]))
        let alerts = engine.consume(Scenario.exit(2, ppid: 1, ts: 4))
        XCTAssertEqual(alerts.first?.chain.map(\.exe), ["/bin/sleep", "/sbin/init"])
        XCTAssertEqual(alerts.first?.subject?.argv, ["/bin/sleep", "1"])
        XCTAssertNil(engine.processes[2])
    }
}

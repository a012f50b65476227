// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchSources
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

/// The engine hands each event only to the detectors that observe its kind, in order.
final class EngineDispatchTests: XCTestCase {
    final class Recorder: Detector {
        let name: String
        let observes: EventKinds
        var seen: [String] = []
        init(_ name: String, _ observes: EventKinds) {
            self.name = name
            self.observes = observes
        }
        func observe(_ event: Event, context: DetectionContext) -> [Alert] {
            seen.append(event.kindName)
            return [Alert(rule: name, severity: .info, title: name, eventTimeNs: event.timestampNs, dedupKey: name)]
        }
    }

    final class Everything: Detector {
        let name = "everything"
        var seen: [String] = []
        func observe(_ event: Event, context: DetectionContext) -> [Alert] {
            seen.append(event.kindName)
            return []
        }
    }

    func testEachEventReachesTheDetectorsOfItsKindInOrder() {
        let execOnly = Recorder("exec-only", [.exec])
        let forkExit = Recorder("fork-exit", [.fork, .exit])
        let all = Everything()
        let engine = Engine(detectors: [forkExit, all, execOnly])
        var rules: [[String]] = []
        for e in [
            Scenario.fork(1, ppid: 0, child: 2, ts: 1), Scenario.exec(2, ppid: 1, ts: 2, argv: ["/bin/true"]),
            Scenario.exit(2, ppid: 1, ts: 3),
        ] {
            rules.append(engine.consume(e).map(\.rule))
        }
        XCTAssertEqual(rules, [["fork-exit"], ["exec-only"], ["fork-exit"]])
        XCTAssertEqual(execOnly.seen, ["exec"])
        XCTAssertEqual(forkExit.seen, ["fork", "exit"])
        XCTAssertEqual(all.seen, ["fork", "exec", "exit"], "the default observes every kind")
    }

    /// Every kind has one bit, in `Event.kindNames` order, and `.all` holds them all.
    func testKindBitsFollowTheKindNames() {
        XCTAssertEqual(EventKinds.count, Event.kindNames.count)
        XCTAssertEqual(EventKinds.all.rawValue, (1 << UInt32(Event.kindNames.count)) - 1)
        let samples: [Event] = [
            Scenario.exec(2, ppid: 1, ts: 2, argv: ["/bin/true"]), Scenario.fork(1, ppid: 0, child: 2, ts: 1),
            Scenario.exit(2, ppid: 1, ts: 3),
        ]
        for e in samples { XCTAssertEqual(Event.kindNames[e.kindIndex], e.kindName) }
        // Every event of every fixture trace, and the schema samples' kinds between them.
        var kinds: Set<String> = []
        let dir = Repo.fixture("traces")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where name.hasSuffix(".jsonl") {
            guard let trace = try? TraceFile.read(path: dir + "/" + name) else { continue }
            for e in trace.events {
                XCTAssertEqual(Event.kindNames[e.kindIndex], e.kindName, name)
                kinds.insert(e.kindName)
            }
        }
        XCTAssertGreaterThanOrEqual(kinds.count, 8, "\(kinds.sorted())")
        XCTAssertEqual(EventKinds.exec.rawValue, 1 << 0)
        XCTAssertEqual(EventKinds.auth.rawValue, 1 << 13)
    }
}

// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// Detector-style tests driven by traces in Tests/Fixtures/traces, through the
/// same reader and engine that `rigwatch replay` uses.
final class RecordedTraceTests: XCTestCase {
    static let fixtures = Repo.fixture("traces")

    /// Recorded on the real kernel by record-sudo-session.sh.
    func testRecordedSudoSessionHasTheWatchedUsersExecs() throws {
        let trace = try TraceFile.read(path: Self.fixtures + "/sudo-session.rwtrace")
        XCTAssertNil(trace.warning)
        let user = try XCTUnwrap(trace.header.watchedUsers.first { $0.name == "rwtestrec" })
        let execs = trace.events.compactMap { event -> ExecEvent? in
            if case .exec(let e) = event, e.header.lineageUid == user.uid { return e }
            return nil
        }
        XCTAssertEqual(
            execs.map(\.path), ["/bin/echo", "/usr/bin/sudo", "/usr/bin/id", "/usr/bin/sudo", "/bin/sh", "/bin/echo"])
        XCTAssertEqual(
            execs.map(\.argv),
            [
                ["/bin/echo", "hello world", "it's \"quoted\""],
                ["/usr/bin/sudo", "-n", "/usr/bin/id", "-u"],
                ["/usr/bin/id", "-u"],
                ["/usr/bin/sudo", "-n", "/bin/sh", "-c", "/bin/echo from-root-shell > /dev/null"],
                ["/bin/sh", "-c", "/bin/echo from-root-shell > /dev/null"],
                ["/bin/echo", "from-root-shell"],
            ])
        XCTAssertEqual(execs.map(\.header.euid), [user.uid, 0, 0, 0, 0, 0])
        XCTAssertEqual(execs.map { $0.flags.contains(.setuid) }, [false, true, false, true, false, false])

        // The JSON Lines form of the same recording holds the same events.
        let jsonl = try TraceFile.read(path: Self.fixtures + "/sudo-session.jsonl")
        XCTAssertEqual(jsonl.events, trace.events)
        XCTAssertEqual(jsonl.header, trace.header)
    }

    func testHandWrittenScenarioRaisesOneLostEventsAlert() throws {
        let trace = try TraceFile.read(path: Self.fixtures + "/lost-events.jsonl")
        XCTAssertEqual(trace.events.count, 5)
        let engine = Engine(
            config: EngineConfig(watchedUids: trace.header.watchedUsers.map(\.uid)),
            detectors: Engine.standardDetectors())
        let alerts = trace.events.flatMap(engine.consume)
        XCTAssertEqual(alerts.map(\.rule), ["sensor-lost-events"])
        XCTAssertEqual(alerts.first?.evidence.first?.1, "17")
    }

    /// Same trace, same engine: the same alerts, line for line.
    func testReplayIsDeterministic() throws {
        let trace = try TraceFile.read(path: Self.fixtures + "/lost-events.jsonl")
        func replay() -> (alerts: [Alert], lines: [String]) {
            let engine = Engine(detectors: Engine.standardDetectors())
            return (
                trace.events.flatMap(engine.consume),
                trace.events.map { EventFormat.json($0, origin: trace.header.origin) }
            )
        }
        let (first, second) = (replay(), replay())
        XCTAssertFalse(first.alerts.isEmpty)
        XCTAssertEqual(first.alerts, second.alerts)
        XCTAssertEqual(first.lines, second.lines)
    }
}

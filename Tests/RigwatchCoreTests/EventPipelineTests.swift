// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// The pipeline on its seams: each event counted by kind, offered to the tap, printed
/// when asked, judged; each alert handed on, in order.
final class EventPipelineTests: XCTestCase {
    /// Raises one alert per exec of /bin/alert.
    final class ExecAlerter: Detector {
        let name = "rwtest-exec"
        func observe(_ event: Event, context: DetectionContext) -> [Alert] {
            guard case .exec(let e) = event, e.path == "/bin/alert" else { return [] }
            return [Alert(rule: name, severity: .low, title: "alert", eventTimeNs: e.header.timestampNs, dedupKey: "k")]
        }
    }

    let origin = LineOrigin(host: "rwtest-host", bootOffsetNs: 1_700_000_000_000_000_000)
    let events = [
        Scenario.exec(1, ppid: 0, ts: 1_000, argv: ["/bin/alert"]),
        Scenario.fork(1, ppid: 0, child: 2, ts: 2_000),
        Scenario.exec(2, ppid: 1, ts: 3_000, argv: ["/bin/true"]),
        Scenario.exit(2, ppid: 1, ts: 4_000),
    ]

    private func pipeline(
        printEvents: Bool, format: OutputFormat = .json
    ) -> (EventPipeline, LineRecorder, AlertRecorder) {
        let out = LineRecorder()
        let alerts = AlertRecorder()
        let p = EventPipeline(
            engine: Engine(detectors: [ExecAlerter()]), out: out, format: format, printEvents: printEvents,
            origin: origin)
        p.alerts = alerts
        return (p, out, alerts)
    }

    func testEventsArePrintedCountedAndTheirAlertsHandedOn() {
        let (p, out, alerts) = pipeline(printEvents: true)
        for e in events { p.handle(e) }
        XCTAssertEqual(out.lines, events.map { EventFormat.json($0, origin: origin) })
        XCTAssertEqual(p.events, 4)
        XCTAssertEqual(p.eventsByKind, ["exec": 2, "fork": 1, "exit": 1])
        XCTAssertEqual(alerts.alerts.map(\.rule), ["rwtest-exec"])
        XCTAssertEqual(alerts.alerts.first?.eventTimeNs, 1_000)
        XCTAssertEqual(p.exported, 0)
    }

    func testWithoutPrintEventsNothingIsPrintedAndTextFormatIsTheTextLine() {
        let (quiet, quietOut, quietAlerts) = pipeline(printEvents: false)
        for e in events { quiet.handle(e) }
        XCTAssertEqual(quietOut.lines, [])
        XCTAssertEqual(quietAlerts.alerts.count, 1)
        let (text, textOut, _) = pipeline(printEvents: true, format: .text)
        text.handle(events[1])
        XCTAssertEqual(textOut.lines, [EventFormat.text(events[1], origin: origin)])
    }

    func testTheTapSeesEveryEventAndItsOutcomesAreCounted() {
        let (p, _, _) = pipeline(printEvents: false)
        let tap = EventTapRecorder(outcome: .written)
        p.tap = tap
        p.handle(events[0])
        p.handle(events[1])
        tap.outcome = .failed
        p.handle(events[2])
        tap.outcome = .filtered
        p.handle(events[3])
        XCTAssertEqual(tap.offered, events)
        XCTAssertEqual(p.exported, 2)
        XCTAssertEqual(p.exportFailures, 1)
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchAlerts
import RigwatchCore
import RigwatchIO
import RigwatchTestSupport
import XCTest

/// The dispatcher: each alert printed in the alert log's shape, counted by rule and
/// severity, and handed to the router stamped with its event's wall time.
final class AlertDispatcherTests: XCTestCase {
    let origin = LineOrigin(host: "rwtest-host", bootOffsetNs: 1_700_000_000_000_000_000)

    private func envelope(_ alert: Alert, detectedWallNs: Int64) -> AlertEnvelope {
        AlertEnvelope(
            alert: alert, host: "rwtest-host", sensorVersion: "9.9.9 (commit test)",
            eventWallNs: origin.wallNs(ofBootNs: alert.eventTimeNs), detectedWallNs: detectedWallNs)
    }

    func testPrintsCountsAndStampsWithTheEventTimeInReplay() {
        let out = LineRecorder()
        let d = AlertDispatcher(
            out: out, format: .json, origin: origin, sensorVersion: "9.9.9 (commit test)", detection: .eventTime,
            router: nil)
        var low = RouterFixture.alert(2, rule: "crypto-mining")
        low.severity = .low
        let alerts = [RouterFixture.alert(1), low, RouterFixture.alert(3)]
        for a in alerts { d.consume(a) }
        XCTAssertEqual(
            out.lines,
            alerts.map {
                AlertEnvelopeJSON.encode(envelope($0, detectedWallNs: origin.wallNs(ofBootNs: $0.eventTimeNs)))
            })
        XCTAssertEqual(d.count, 3)
        XCTAssertEqual(
            d.bySeries,
            [
                AlertSeries(rule: "unlisted-privileged-exec", severity: .high): 2,
                AlertSeries(rule: "crypto-mining", severity: .low): 1,
            ])
        XCTAssertEqual(d.byRule, ["unlisted-privileged-exec": 2, "crypto-mining": 1])
    }

    func testLiveAlertsCarryTheClocksDetectionTimeInText() {
        let out = LineRecorder()
        let clock = ManualClock(wallNs: 1_800_000_000_000_000_000)
        let d = AlertDispatcher(
            out: out, format: .text, origin: origin, sensorVersion: "9.9.9 (commit test)",
            detection: .wallClock(clock), router: nil)
        let a = RouterFixture.alert(7)
        d.consume(a)
        XCTAssertEqual(out.lines, [AlertEnvelopeText.line(envelope(a, detectedWallNs: 1_800_000_000_000_000_000))])
    }

    /// With a router, each alert reaches the alert log with the wall time of its event.
    func testAlertsReachTheRouterWithTheirEventWallTime() throws {
        let fixture = try RouterFixture(name: "dispatcher")
        defer { fixture.remove() }
        var settings = try fixture.settings()
        settings.webhook = nil
        let transport = FakeAlertTransport()
        let router = try fixture.router({ _, _, _ in transport }, SystemClock(), settings)
        let d = AlertDispatcher(
            out: LineRecorder(), format: .json, origin: origin, sensorVersion: "9.9.9 (commit test)",
            detection: .eventTime, router: router)
        router.start()
        d.consume(RouterFixture.alert(1))
        d.consume(RouterFixture.alert(2))
        router.stop(drainSeconds: 5)
        XCTAssertEqual(router.snapshot().received, 2)
        let log = try String(contentsOfFile: fixture.dir + "/alerts.jsonl", encoding: .utf8)
        let wallTimes = log.split(separator: "\n").compactMap {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["event_wall_ns"] as? NSNumber
        }
        XCTAssertEqual(wallTimes.map(\.int64Value), [origin.wallNs(ofBootNs: 1), origin.wallNs(ofBootNs: 2)])
    }
}

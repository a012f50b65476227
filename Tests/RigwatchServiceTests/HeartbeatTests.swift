// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchService
import XCTest

final class HeartbeatTests: XCTestCase {
    func testOffAtZeroHours() {
        XCTAssertNil(HeartbeatSchedule(hours: 0, start: 100))
    }

    func testDueEveryNHoursFromTheLastBeat() {
        var schedule = HeartbeatSchedule(hours: 2, start: 1000)!
        XCTAssertEqual(schedule.next, 1000 + 7200)
        XCTAssertFalse(schedule.take(now: 1000))
        XCTAssertFalse(schedule.take(now: 1000 + 7199))
        XCTAssertTrue(schedule.isDue(now: 1000 + 7200))
        XCTAssertTrue(schedule.take(now: 1000 + 7200))
        XCTAssertFalse(schedule.take(now: 1000 + 7201), "once per interval")
        XCTAssertEqual(schedule.next, 1000 + 14_400)
        // Late (the host slept): one beat, and the next interval counts from then.
        XCTAssertTrue(schedule.take(now: 50_000))
        XCTAssertFalse(schedule.take(now: 50_000 + 3600))
        XCTAssertEqual(schedule.next, 50_000 + 7200)
    }

    func testClockSetBackRestartsTheSchedule() {
        var schedule = HeartbeatSchedule(hours: 1, start: 10_000)!
        XCTAssertFalse(schedule.take(now: 5000))
        XCTAssertEqual(schedule.next, 5000 + 3600)
        XCTAssertTrue(schedule.take(now: 8600))
    }

    func testHeartbeatAlert() {
        let alert = ServiceAlerts.heartbeat(
            host: "rig-7", since: .init(uptimeSeconds: 90_061, events: 500, drops: 2, alerts: 1),
            bootNs: 42)
        XCTAssertEqual(alert.rule, "sensor-heartbeat")
        XCTAssertEqual(alert.id, "sensor-heartbeat-42", "an id explain can find")
        XCTAssertEqual(alert.severity, .info)
        XCTAssertEqual(alert.title, "rigwatch on rig-7 is alive: up 1d 1h 1m, 500 events, 2 drops, 1 alerts since last")
        XCTAssertEqual(alert.eventTimeNs, 42)
        XCTAssertEqual(
            alert.evidence.map(\.0), ["uptime", "events since last", "kernel drops since last", "alerts since last"])
        XCTAssertNotEqual(
            alert.dedupKey,
            ServiceAlerts.heartbeat(
                host: "rig-7", since: .init(uptimeSeconds: 1, events: 0, drops: 0, alerts: 0),
                bootNs: 43
            ).dedupKey, "each heartbeat is its own message")
    }

    func testGoodbyeAlert() {
        let alert = ServiceAlerts.stopping(host: "rig-7", signal: 15, uptimeSeconds: 3600, bootNs: 7)
        XCTAssertEqual(alert.rule, "sensor-stopping")
        XCTAssertEqual(alert.id, "sensor-stopping-7")
        XCTAssertEqual(alert.severity, .info)
        XCTAssertEqual(alert.title, "rigwatch on rig-7 is stopping: signal 15")
        XCTAssertEqual(alert.evidence.map(\.0), ["signal", "uptime"])
        XCTAssertEqual(alert.evidence.map(\.1), ["15", "1h 0m 0s"])
    }
}

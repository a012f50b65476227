// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import RigwatchService
import XCTest

/// The service's posture runs: at start, then every interval; an alert for each
/// finding (low and above) the run before did not have.
final class HostPostureAlertsTests: XCTestCase {
    func finding(_ id: String, _ severity: Severity, path: String = "/a") -> PostureFinding {
        PostureFinding(id: id, severity: severity, title: "t \(id)", evidence: [("path", path)], fix: "f")
    }

    func testScheduleAtStartThenEveryInterval() throws {
        XCTAssertNil(HostPostureAlerts(hours: 0, start: 100))
        var s = try XCTUnwrap(HostPostureAlerts(hours: 1, start: 100))
        XCTAssertTrue(s.take(now: 100))
        XCTAssertFalse(s.take(now: 101))
        XCTAssertFalse(s.take(now: 3699))
        XCTAssertTrue(s.take(now: 3700))
        XCTAssertEqual(s.next, 7300)
        // clock set back a day: the next run is an interval from then, not a day late
        XCTAssertFalse(s.take(now: 100 - 86_400))
        XCTAssertEqual(s.next, 100 - 86_400 + 3600)
    }

    func testOnlyNewFindingsAreAlerted() throws {
        var s = try XCTUnwrap(HostPostureAlerts(hours: 24, start: 0))
        let first = s.alerts(
            [finding("secret-readable", .high), finding("listening-all-addresses", .info)], host: "h", bootNs: 7)
        XCTAssertEqual(first.count, 1)
        let a = try XCTUnwrap(first.first)
        XCTAssertEqual(a.id, "host-posture-1")
        XCTAssertEqual(a.rule, "host-posture")
        XCTAssertEqual(a.severity, .high)
        XCTAssertEqual(a.title, "h: t secret-readable")
        XCTAssertEqual(a.eventTimeNs, 7)
        XCTAssertEqual(a.evidence.map(\.0), ["finding", "path", "fix"])
        XCTAssertEqual(a.evidence.map(\.1), ["secret-readable", "/a", "f"])
        XCTAssertEqual(a.dedupKey, "host-posture:h:secret-readable\u{1f}path=/a")
        XCTAssertNotNil(RuleCatalog.meaning["host-posture"])

        // the same finding again: nothing; a new one (other evidence): alerted
        let second = s.alerts(
            [finding("secret-readable", .high), finding("secret-readable", .medium, path: "/b")], host: "h", bootNs: 8)
        XCTAssertEqual(second.map(\.id), ["host-posture-2"])
        XCTAssertEqual(second.map(\.severity), [.medium])
        // gone, then back: new again
        XCTAssertEqual(s.alerts([], host: "h", bootNs: 9), [])
        XCTAssertEqual(
            s.alerts([finding("secret-readable", .high)], host: "h", bootNs: 10).map(\.id), ["host-posture-3"])
    }
}

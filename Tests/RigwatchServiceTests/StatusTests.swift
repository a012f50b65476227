// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchIO
import RigwatchService
import XCTest

final class StatusTests: XCTestCase {
    private func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "rwstatus-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    private func sample(updatedAt: Double = 1_700_000_100) -> ServiceState {
        var s = ServiceState(
            sensorVersion: "0.1.0", host: "rig-7", pid: 4242, startedAt: 1_700_000_000, updatedAt: updatedAt,
            intervalSeconds: 5, source: "bpf", watchedUsers: ["vastai_kaalia"])
        s.eventsTotal = 1234
        s.eventsPerSecond = 12.5
        s.eventsByKind = ["exec": 34, "fork": 1200]
        s.kernelDroppedEvents = 7
        s.alerts.raised = 3
        s.alerts.delivered = 2
        s.alerts.spooled = 3
        s.alerts.spoolDepth = 1
        s.alerts.deliveryFailures = 4
        s.alertsByRule = ["privileged-exec": 3]
        s.lastError = "Discord: HTTP 500"
        return s
    }

    func testStateFileRoundTrip() throws {
        let path = try tempDir() + "/state.json"
        var state = sample()
        try state.write(to: path)
        XCTAssertEqual(try ServiceState.load(path: path), state)
        state.stopped = true
        state.stoppedAt = 1_700_000_200
        state.stopReason = "signal 15"
        try state.write(to: path)
        XCTAssertEqual(try ServiceState.load(path: path), state)
        // The documented keys, snake_case.
        let object =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        for key in [
            "format", "sensor_version", "host", "pid", "started_at", "updated_at", "uptime_seconds", "interval_seconds",
            "source", "watched_users", "events_total", "events_per_second", "events_by_kind", "kernel_dropped_events",
            "alerts", "alerts_by_rule", "last_error", "stopped", "stopped_at", "stop_reason",
        ] {
            XCTAssertNotNil(object[key], key)
        }
        let alerts = object["alerts"] as! [String: Any]
        XCTAssertEqual(Set(alerts.keys), ["raised", "delivered", "spooled", "spool_depth", "delivery_failures"])
        XCTAssertEqual(object["uptime_seconds"] as? Double, 100)
    }

    func testADamagedStateFileNamesTheFirstBadKey() throws {
        let good = String(decoding: sample().json(), as: UTF8.self)
        func error(_ text: String) -> String {
            do {
                _ = try ServiceState.decode(Data(text.utf8))
                return "read"
            } catch { return "\(error)" }
        }
        XCTAssertEqual(error(good.replacingOccurrences(of: #""pid":4242,"#, with: "")), "pid is missing")
        XCTAssertEqual(
            error(good.replacingOccurrences(of: #""pid":4242"#, with: #""pid":"x""#)), "pid is a string, not an integer"
        )
        XCTAssertEqual(
            error(good.replacingOccurrences(of: #""exec":34"#, with: #""exec":-1"#)),
            "events_by_kind.exec is not a count")
        XCTAssertTrue(error(String(good.dropLast(3))).hasPrefix("not JSON: "), error(String(good.dropLast(3))))
        // Values older sensors wrote as integers read as numbers.
        let integral = good.replacingOccurrences(of: #""interval_seconds":5.0"#, with: #""interval_seconds":5"#)
        XCTAssertNotEqual(integral, good)
        XCTAssertEqual(try ServiceState.decode(Data(integral.utf8)).intervalSeconds, 5)
    }

    func testAtomicWriteReplacesTheFileAndLeavesNoTemporaryFile() throws {
        let dir = try tempDir()
        let path = dir + "/state.json"
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        let before = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64
        try sample().write(to: path)
        let after = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? UInt64
        XCTAssertNotEqual(before, after, "a new inode renamed over the old file, not rewritten in place")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["state.json"])
        XCTAssertEqual(try ServiceState.load(path: path).eventsTotal, 1234)
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: dir + "/missing-dir/state.json"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["state.json"])
    }

    func testExitCodesForRunningStaleStoppedAndMissing() {
        let state = sample(updatedAt: 1000)
        // Running: pid alive, updated within three intervals (at least 15 s).
        XCTAssertEqual(StatusReport.verdict(state, now: 1010, pidAlive: true), .running)
        XCTAssertEqual(StatusReport.verdict(state, now: 1010, pidAlive: true).exitCode, 0)
        // Stale: too old, or the pid is gone without a clean stop.
        XCTAssertEqual(StatusReport.verdict(state, now: 1016, pidAlive: true), .stale(since: 1000, pidAlive: true))
        XCTAssertEqual(StatusReport.verdict(state, now: 1001, pidAlive: false), .stale(since: 1000, pidAlive: false))
        XCTAssertEqual(StatusReport.verdict(state, now: 1016, pidAlive: true).exitCode, 1)
        // Stopped cleanly.
        var stopped = state
        stopped.stopped = true
        stopped.stoppedAt = 1002
        XCTAssertEqual(StatusReport.verdict(stopped, now: 5000, pidAlive: false), .stopped(at: 1002))
        XCTAssertEqual(StatusReport.verdict(stopped, now: 5000, pidAlive: false).exitCode, 1)
        // No file.
        XCTAssertEqual(StatusReport.verdict(nil, now: 1, pidAlive: false), .missing)
        XCTAssertEqual(StatusReport.verdict(nil, now: 1, pidAlive: false).exitCode, 2)
    }

    func testPidAlive() {
        XCTAssertTrue(StatusReport.pidAlive(getpid()))
        XCTAssertFalse(StatusReport.pidAlive(0))
        XCTAssertFalse(StatusReport.pidAlive(Int32.max))
    }

    func testHumanOutputNamesTheFields() {
        let state = sample(updatedAt: 1_700_000_100)
        let text = StatusReport.text(state, verdict: .running, now: 1_700_000_102, path: "/x")
        XCTAssertTrue(text.hasPrefix("rigwatch is running (pid 4242), up 1m 42s\n"), text)
        for needle in [
            "host:", "rig-7", "version:", "0.1.0", "started:", "2023-11-14T22:13:20Z", "uptime:", "1m 40s",
            "source:", "bpf", "watched users:", "vastai_kaalia",
            "events:", "1234 total, 12.5/s (exec 34, fork 1200)", "kernel drops:", "7",
            "alerts:", "3 raised, 2 sent to Discord, 3 spooled (1 waiting), 4 delivery failures",
            "alerts by rule:", "privileged-exec 3", "last error:", "Discord: HTTP 500",
        ] {
            XCTAssertTrue(text.contains(needle), "\(needle) in:\n\(text)")
        }
        var stopped = state
        stopped.stopped = true
        stopped.stoppedAt = 1_700_000_100
        stopped.stopReason = "signal 15"
        let stoppedText = StatusReport.text(
            stopped, verdict: .stopped(at: 1_700_000_100), now: 1_700_003_700, path: "/x")
        XCTAssertTrue(
            stoppedText.hasPrefix("rigwatch is stopped since 2023-11-14T22:15:00Z (1h 0m 0s ago): signal 15\n"),
            stoppedText)
        let staleText = StatusReport.text(
            state, verdict: .stale(since: 1_700_000_100, pidAlive: false), now: 1_700_000_160, path: "/x")
        XCTAssertTrue(
            staleText.hasPrefix(
                "rigwatch is not running (stale): pid 4242 is gone without a clean stop; last update 2023-11-14T22:15:00Z (1m 0s ago)"
            ), staleText)
        XCTAssertTrue(
            StatusReport.text(nil, verdict: .missing, now: 0, path: "/nope/state.json").contains(
                "no state file at /nope/state.json"))
    }
}

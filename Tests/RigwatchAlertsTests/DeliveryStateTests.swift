// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import XCTest

@testable import RigwatchAlerts

/// The small pure parts of delivery: the patience after a timeout that may have
/// been delivered, the once-per-outage lines, and the aggregator checkpoint.
final class DeliveryStateTests: XCTestCase {
    func testPatienceWaitsFourTimesTheTimeoutAtLeastAMinuteUntilAFastAnswer() {
        XCTAssertEqual(DeliveryPatience.patientTimeoutMs(normal: 15000), 60000)
        XCTAssertEqual(DeliveryPatience.patientTimeoutMs(normal: 30000), 120_000)
        XCTAssertEqual(DeliveryPatience.patientTimeoutMs(normal: 1000), 60000)
        XCTAssertEqual(DeliveryPatience.patientTimeoutMs(normal: .max), .max, "no overflow")
        var p = DeliveryPatience()
        XCTAssertEqual(p.timeoutMs(normal: 3000), 3000)
        p.timedOutAfterSending()
        XCTAssertEqual(p.timeoutMs(normal: 3000), 60000)
        p.answered(elapsedMs: 4000, normal: 3000)
        XCTAssertEqual(p.timeoutMs(normal: 3000), 60000, "a slow answer keeps the patience")
        p.answered(elapsedMs: 2999, normal: 3000)
        XCTAssertEqual(p.timeoutMs(normal: 3000), 3000, "a fast one ends it")
    }

    func testAnOutageIsOneLineWhenItStartsAndOneWhenItEnds() {
        var o = DeliveryOutage()
        XCTAssertNil(o.delivered(nowNs: 0), "no outage, no line")
        XCTAssertEqual(
            o.failed("HTTP 500", nowNs: 1_000_000_000),
            "Discord delivery failing: HTTP 500; retrying with backoff, the alerts stay in the spool")
        for i in 2...52 { XCTAssertNil(o.failed("HTTP 502", nowNs: Int64(i) * 1_000_000_000)) }
        XCTAssertEqual(
            o.delivered(nowNs: 61_500_000_000),
            "Discord delivery recovered after 52 failed attempts over 60.5 s (first: HTTP 500)")
        XCTAssertNil(o.delivered(nowNs: 62_000_000_000))
        XCTAssertNotNil(o.failed("HTTP 503", nowNs: 63_000_000_000), "the next outage is a new one")
    }

    private func envelope(_ title: String, key: String, at ns: Int64) -> AlertEnvelope {
        var alert = Alert(rule: "r", severity: .high, title: title, eventTimeNs: 1, dedupKey: key)
        alert.id = key
        return AlertEnvelope(alert: alert, host: "h", sensorVersion: "v", eventWallNs: ns, detectedWallNs: ns)
    }

    func testACheckpointRestoresTheOpenWindowsExactly() throws {
        var aggregator = AlertAggregator(windowSeconds: 60, perRuleLimit: 2)
        let s: Int64 = 1_000_000_000
        for (i, key) in ["a", "a", "a", "b", "c", "d"].enumerated() {
            _ = aggregator.submit(envelope("t \(i)", key: key, at: Int64(i) * s), nowNs: Int64(i) * s)
        }
        let bytes = AggregatorCheckpoint.encode(aggregator.windows)
        XCTAssertEqual(AggregatorCheckpoint.encode(aggregator.windows), bytes, "the same state, the same bytes")
        let decoded = try AggregatorCheckpoint.decode(bytes)
        XCTAssertEqual(decoded, aggregator.windows)
        var restored = AlertAggregator(windowSeconds: 60, perRuleLimit: 2)
        restored.restore(decoded)
        XCTAssertEqual(restored.windows, aggregator.windows)
        XCTAssertEqual(
            restored.flush(nowNs: 100 * s).map(\.alert.title),
            aggregator.flush(nowNs: 100 * s).map(\.alert.title))
        XCTAssertEqual(AggregatorCheckpoint.encode(AggregatorWindows()), [], "no windows, no bytes")
        XCTAssertEqual(try AggregatorCheckpoint.decode([]), AggregatorWindows())
    }

    func testACheckpointWithImpossibleNumbersIsRefused() {
        for text in [
            "not json", #"{"checkpoint":2}"#, #"{"checkpoint":1,"folds":[{"key":"k","end":1,"repeats":-1,"first":0}]}"#,
            #"{"checkpoint":1,"storms":[{"rule":"r","end":1,"sent":1099511627777,"suppressed":0}]}"#,
            #"{"checkpoint":1,"folds":[{"key":"k","end":1e300,"repeats":0,"first":0}]}"#,
            #"{"checkpoint":1,"folds":[{"end":1,"repeats":0,"first":0}]}"#,
        ] {
            XCTAssertThrowsError(try AggregatorCheckpoint.decode(Array(text.utf8)), text)
        }
    }
}

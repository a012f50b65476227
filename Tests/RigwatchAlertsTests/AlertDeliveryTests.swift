// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchAlerts
import RigwatchCore
import XCTest

/// Spool, aggregation, delivery policy and secrets, without a network.
final class AlertDeliveryTests: XCTestCase {
    private func temp() throws -> String {
        let dir = NSTemporaryDirectory() + "rwtest-alerts-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    private func envelope(_ key: String, rule: String = "r", at ns: Int64) -> AlertEnvelope {
        var alert = Alert(rule: rule, severity: .high, title: "t \(key)", eventTimeNs: UInt64(ns), dedupKey: key)
        alert.id = key
        return AlertEnvelope(alert: alert, host: "h", sensorVersion: "v", eventWallNs: ns, detectedWallNs: ns)
    }

    func testSpoolKeepsUnacknowledgedRecordsInOrderAcrossReopen() throws {
        let dir = try temp() + "/spool"
        do {
            let spool = try Spool(directory: dir)
            for i in 1...5 { XCTAssertEqual(try spool.append(Array("alert \(i)".utf8)), UInt64(i)) }
            try spool.acknowledge(through: 2)
        }
        let reopened = try Spool(directory: dir)
        XCTAssertEqual(
            reopened.entries.map { String(decoding: $0.payload, as: UTF8.self) }, ["alert 3", "alert 4", "alert 5"])
        XCTAssertEqual(try reopened.append(Array("alert 6".utf8)), 6, "sequence numbers keep growing")
        var info = stat()
        stat(dir, &info)
        XCTAssertEqual(info.st_mode & 0o777, 0o700)
        stat(dir + "/queue.log", &info)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        try reopened.acknowledge(through: 6)
        reopened.close()  // one owner at a time, this process too
        XCTAssertTrue(try Spool(directory: dir).isEmpty)
    }

    func testSpoolDropsATornTailLikeAKill9MidWrite() throws {
        let dir = try temp() + "/spool"
        do {
            let spool = try Spool(directory: dir)
            try spool.append(Array("whole".utf8))
            try spool.append(Array("torn record".utf8))
        }
        // Cut the last record short, as a crash during write(2) would.
        let log = dir + "/queue.log"
        let size = try FileManager.default.attributesOfItem(atPath: log)[.size] as! Int
        truncate(log, off_t(size - 3))
        let spool = try Spool(directory: dir)
        XCTAssertEqual(spool.entries.map { String(decoding: $0.payload, as: UTF8.self) }, ["whole"])
        XCTAssertEqual(try spool.append(Array("next".utf8)), 2)
    }

    func testSpoolIsBoundedAndCountsWhatItRefused() throws {
        // Room for two records of 40 bytes and their 28 of header and checksum, not three.
        XCTAssertEqual(Spool.recordOverhead, 28)
        let spool = try Spool(directory: try temp() + "/spool", maxBytes: 2 * 68 + 67)
        XCTAssertNotNil(try spool.append([UInt8](repeating: 1, count: 40)))
        XCTAssertNotNil(try spool.append([UInt8](repeating: 2, count: 40)))
        XCTAssertNil(try spool.append([UInt8](repeating: 3, count: 40)))
        XCTAssertEqual(spool.droppedUnreported, 1)
        XCTAssertEqual(spool.droppedTotal, 1)
        XCTAssertEqual(spool.count, 2)
        XCTAssertEqual(spool.bytes, 136)
    }

    func testAggregatorFoldsRepeatsAndSummarisesStorms() {
        var agg = AlertAggregator(windowSeconds: 60, perRuleLimit: 3)
        let s: Int64 = 1_000_000_000
        var out: [AlertEnvelope] = []
        out += agg.submit(envelope("a", at: 1 * s), nowNs: 1 * s)
        for i in 2...10 { out += agg.submit(envelope("a", at: Int64(i) * s), nowNs: Int64(i) * s) }
        XCTAssertEqual(out.map(\.alert.dedupKey), ["a"], "repeats wait for the window to close")
        // 10,000 distinct alerts of one rule within the window: 3 individually, the rest summarised.
        for i in 0..<10_000 { out += agg.submit(envelope("k\(i)", rule: "storm", at: 20 * s), nowNs: 20 * s) }
        XCTAssertEqual(out.count, 4)
        out = agg.flush(nowNs: 200 * s)
        XCTAssertEqual(out.count, 2)
        let repeats = out.first { $0.alert.dedupKey == "a" }
        XCTAssertEqual(repeats?.count, 9)
        XCTAssertEqual(repeats?.firstWallNs, 2 * s)
        XCTAssertEqual(repeats?.lastWallNs, 10 * s)
        let storm = out.first { $0.alert.dedupKey == "storm|storm" }
        XCTAssertEqual(storm?.count, 9_997)
        XCTAssertEqual(storm?.alert.title, "Alert storm: 9997 more storm alerts in 60 s (beyond 3 shown)")
        XCTAssertEqual(storm?.alert.evidence.count, 6)
    }

    func testDeliveryPolicyFollowsDiscord() {
        XCTAssertEqual(DeliveryPolicy.classify(status: 204, headers: [:], body: []), .delivered(waitBeforeNext: 0))
        XCTAssertEqual(
            DeliveryPolicy.classify(
                status: 204, headers: ["x-ratelimit-remaining": "0", "x-ratelimit-reset-after": "1.5"], body: []),
            .delivered(waitBeforeNext: 1.5))
        let limited = Array(#"{"message":"You are being rate limited.","retry_after":0.75,"global":false}"#.utf8)
        XCTAssertEqual(
            DeliveryPolicy.classify(status: 429, headers: ["retry-after": "1"], body: limited),
            .retryAfter(seconds: 0.75, global: false))
        XCTAssertEqual(
            DeliveryPolicy.classify(
                status: 429, headers: ["retry-after": "2", "x-ratelimit-global": "true"], body: []),
            .retryAfter(seconds: 2, global: true))
        XCTAssertEqual(DeliveryPolicy.classify(status: 503, headers: [:], body: []), .backoff)
        XCTAssertEqual(DeliveryPolicy.classify(status: 404, headers: [:], body: []), .webhookGone)
        XCTAssertEqual(
            DeliveryPolicy.classify(
                status: 400, headers: [:], body: Array(#"{"code":50035,"message":"Invalid Form Body"}"#.utf8)),
            .rejected(status: 400, message: "Invalid Form Body"))
        XCTAssertEqual(DeliveryPolicy.backoffSeconds(attempt: 1, random: 1), 1)
        XCTAssertEqual(DeliveryPolicy.backoffSeconds(attempt: 4, random: 1), 8)
        XCTAssertEqual(DeliveryPolicy.backoffSeconds(attempt: 20, random: 1), 60)
        XCTAssertEqual(DeliveryPolicy.backoffSeconds(attempt: 3, random: 0), 0.1)
    }

    func testWebhookSecretIsValidatedAndNeverPrinted() throws {
        let url = "https://discord.com/api/webhooks/123456/s3cr3t-t0ken"
        XCTAssertEqual(try WebhookURL(url).description, "https://discord.com/api/webhooks/123456/***")
        XCTAssertEqual(
            WebhookURL.redact("Could not resolve host for \(url)?wait=true"),
            "Could not resolve host for https://discord.com/api/webhooks/123456/***?wait=true")
        XCTAssertThrowsError(try WebhookURL("http://discord.com/api/webhooks/1/x")) {
            XCTAssertFalse(String(describing: $0).contains("/x"))
        }
        XCTAssertNoThrow(try WebhookURL("http://127.0.0.1:8080/api/webhooks/1/x"))
        XCTAssertEqual(
            try WebhookURL.load(environment: ["RIGWATCH_DISCORD_WEBHOOK": url], file: "/nonexistent")?.value, url)

        let file = try temp() + "/webhook"
        try url.write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o640)
        XCTAssertThrowsError(try WebhookURL.load(environment: [:], file: file)) {
            let text = String(describing: $0)
            XCTAssertTrue(text.contains("readable by group or others (mode 640)"), text)
            XCTAssertFalse(text.contains("s3cr3t"))
        }
        chmod(file, 0o600)
        if geteuid() == 0 {
            XCTAssertEqual(try WebhookURL.load(environment: [:], file: file)?.value, url)
            chown(file, 65534, 65534)
            XCTAssertThrowsError(try WebhookURL.load(environment: [:], file: file)) {
                XCTAssertTrue(String(describing: $0).contains("must be owned by root"))
            }
        }
    }

    func testEnvelopeJSONRoundTrip() throws {
        var e = envelope("k", at: 1_764_000_000_123_000_000)
        e.alert.chain = [
            ProcessSummary(
                pid: 5, ppid: 1, exe: "/bin/sh", argv: ["sh", "-c", "a \"b\"\n`c`"], uid: 0, euid: 0,
                gid: 0, egid: 0, lineageUid: 1001, cgroupId: 9, comm: "sh")
        ]
        e.alert.evidence = [("z", "1"), ("a", "@everyone")]
        e.count = 3
        let decoded = try AlertEnvelopeJSON.decode(Array(AlertEnvelopeJSON.encode(e).utf8))
        XCTAssertEqual(decoded, e)
        XCTAssertTrue(
            AlertEnvelopeJSON.encode(e).contains(#""time":"2025-11-24T16:00:00.123000Z""#),
            AlertEnvelopeJSON.encode(e))
    }
}

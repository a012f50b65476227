// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchAlerts
import RigwatchCore
import RigwatchIO
import RigwatchSources
import XCTest

/// Alert delivery through real libcurl to a local server that behaves like
/// Discord's webhook API (Tests/Fixtures/discord/mock_discord.py).
final class DiscordDeliveryTests: XCTestCase {
    private func router(
        _ mock: MockDiscord, window: Double = 60, perRule: Int = 1000, spool: String? = nil
    ) throws -> AlertRouter {
        var settings = AlertRouter.Settings(
            host: "rwtest-host", sensorVersion: "test",
            logPath: mock.dir + "/alerts.jsonl", spoolDirectory: spool ?? mock.dir + "/spool")
        settings.webhook = try WebhookURL(mock.webhook)
        settings.dedupWindowSeconds = window
        settings.perRuleLimit = perRule
        settings.totalTimeoutMs = 5000
        let router = try AlertRouter(settings: settings, clock: SystemClock())
        router.onLog = { _ in }
        return router
    }

    private func alert(_ n: Int, argv: [String] = ["/usr/bin/id"]) -> Alert {
        var a = Alert(
            rule: "unlisted-privileged-exec", severity: .high, title: "alert \(n)", eventTimeNs: UInt64(n),
            chain: [
                ProcessSummary(
                    pid: UInt32(100 + n), ppid: 1, exe: argv[0], argv: argv, uid: 0, euid: 0, gid: 0,
                    egid: 0, lineageUid: 1001, cgroupId: 7, comm: "x")
            ],
            evidence: [("command", argv.joined(separator: " "))], dedupKey: "k\(n)")
        a.id = "a\(n)"
        return a
    }

    private func titles(_ embeds: [[String: Any]]) -> [String] {
        embeds.compactMap { $0["title"] as? String }
    }

    func testNastyArgvArrivesByteExact() throws {
        let mock = try MockDiscord(self)
        let r = try router(mock)
        let nasty = [
            "/usr/bin/sh", "-c", "echo \"quoted\" 'single' `id` $(whoami) \\ back\\slash", "```fence```",
            "@everyone @here <@123456> <@&42>", "line1\nline2\ttab", "ünïcødé ✓ 日本 🚀",
            "*bold* _it_ ~~s~~ || spoiler || [x](http://e)",
        ]
        r.start()
        r.submit(alert(1, argv: nasty), eventWallNs: SystemClock.wallNowNs())
        r.stop(drainSeconds: 10)
        let received = try mock.received()
        XCTAssertEqual(received.count, 1)
        let body = try XCTUnwrap(received.first?.body)
        XCTAssertEqual((body["allowed_mentions"] as? [String: Any])?["parse"] as? [String], [])
        let embed = try XCTUnwrap((body["embeds"] as? [[String: Any]])?.first)
        let description = try XCTUnwrap(embed["description"] as? String)
        XCTAssertEqual(DiscordTextForTests.recoverCodeBlockArgv(description), nasty, description)
        XCTAssertFalse(description.contains("@everyone"), "mentions are broken up")
        XCTAssertEqual(try mock.stats()["rejected"], 0)
    }

    /// The bucket headers are honoured before Discord has to say 429.
    func testRateLimitHeadersPaceDelivery() throws {
        let mock = try MockDiscord(self)
        try mock.admin("ratelimit", #"{"limit":1,"window":1.0}"#)
        let r = try router(mock)
        r.start()
        // 45 alerts need at least 5 messages; the bucket allows one a second.
        for n in 1...45 { r.submit(alert(n), eventWallNs: SystemClock.wallNowNs()) }
        let embeds = try mock.waitForEmbeds(45, timeout: 30)
        r.stop(drainSeconds: 1)
        XCTAssertEqual(titles(embeds).compactMap(Self.number), Array(1...45), "every alert, once, in order")
        let stats = try mock.stats()
        XCTAssertEqual(stats["rate_limited"], 0, "X-RateLimit-Remaining: 0 must be waited out, not run into")
        XCTAssertEqual(stats["rejected"], 0)
        // Ten embeds a message: five messages, or six when the first alert was committed and
        // sent on its own before the rest arrived (the writer commits whatever has come in).
        let times = try mock.received().map(\.receivedAt)
        XCTAssertTrue((5...6).contains(times.count), "\(times.count) messages for 45 alerts")
        for (earlier, later) in zip(times, times.dropFirst()) {
            XCTAssertGreaterThanOrEqual(later - earlier, 0.8, "one message a second: \(times)")
        }
    }

    /// A 429 (here Discord's global limit) is waited out for retry_after, not dropped and not hammered.
    func testA429IsWaitedOutNotDropped() throws {
        let mock = try MockDiscord(self)
        try mock.admin("mode", #"{"mode":"global429","retry_after":1.5}"#)
        let r = try router(mock)
        r.start()
        let start = Date().timeIntervalSince1970
        for n in 1...3 { r.submit(alert(n), eventWallNs: SystemClock.wallNowNs()) }
        let embeds = try mock.waitForEmbeds(3, timeout: 20)
        r.stop(drainSeconds: 1)
        XCTAssertEqual(titles(embeds).compactMap(Self.number), [1, 2, 3])
        let stats = try mock.stats()
        XCTAssertEqual(stats["ignored_429"], 0, "nothing may be sent before retry_after passes")
        XCTAssertEqual(r.snapshot().rateLimited, 1)
        XCTAssertGreaterThanOrEqual((try mock.received().first?.receivedAt ?? 0) - start, 1.4)
    }

    func testOutageThenRecoveryDeliversEverythingInOrder() throws {
        let mock = try MockDiscord(self)
        try mock.admin("mode", #"{"mode":"status","status":503,"count":4}"#)
        let r = try router(mock)
        r.start()
        for n in 1...12 {
            r.submit(alert(n), eventWallNs: SystemClock.wallNowNs())
            if n == 6 { try mock.admin("mode", #"{"mode":"reset"}"#) }  // a dropped connection too
        }
        let embeds = try mock.waitForEmbeds(12, timeout: 60)
        r.stop(drainSeconds: 1)
        XCTAssertEqual(titles(embeds).compactMap(Self.number), Array(1...12))
        XCTAssertGreaterThan(r.snapshot().deliveryFailures, 0)
    }

    func testStormOf10kStaysWithinLimitsAndIsSummarised() throws {
        let mock = try MockDiscord(self)
        let r = try router(mock, window: 2, perRule: 20)
        r.start()
        let now = SystemClock.wallNowNs()
        for n in 1...10_000 { r.submit(alert(n), eventWallNs: now) }
        let embeds = try mock.waitForEmbeds(21, timeout: 30)
        r.stop(drainSeconds: 5)
        let stats = try mock.stats()
        XCTAssertEqual(stats["rejected"], 0, "every message within Discord's limits")
        XCTAssertEqual(stats["ignored_429"], 0)
        XCTAssertEqual(embeds.count, 21, "20 alerts individually, then one summary")
        XCTAssertTrue(
            titles(embeds).last?.contains("Alert storm: 9980 more unlisted-privileged-exec alerts") ?? false,
            "\(titles(embeds).last ?? "")")
        XCTAssertLessThanOrEqual(try mock.received().count, 4)
        // The local log has every one.
        let logged = try String(contentsOfFile: mock.dir + "/alerts.jsonl", encoding: .utf8).split(separator: "\n")
            .count
        XCTAssertEqual(logged, 10_000)
    }

    func testGoneWebhookStopsDeliveryAndKeepsTheSpool() throws {
        let mock = try MockDiscord(self)
        try mock.admin("mode", #"{"mode":"gone"}"#)
        let r = try router(mock)
        var notes: [String] = []
        r.onLog = { notes.append($0) }
        r.start()
        r.submit(alert(1), eventWallNs: SystemClock.wallNowNs())
        r.stop(drainSeconds: 3)
        XCTAssertEqual(r.snapshot().spoolDepth, 1)
        XCTAssertTrue(notes.contains { $0.contains("no longer exists (404)") }, "\(notes)")
        XCTAssertFalse(notes.contains { $0.contains("rwtest-token") }, "the token must never be printed: \(notes)")
    }

    static func number(_ title: String) -> Int? {
        title.split(separator: " ").last.flatMap { Int($0) }
    }
}

/// Reads the argv back from an embed description the way an operator's tool would:
/// the first code block holds the words in bash quoting (plain, '…', $'…').
enum DiscordTextForTests {
    static func recoverCodeBlockArgv(_ description: String) -> [String]? {
        guard let open = description.range(of: "```\n") else { return nil }
        let rest = description[open.upperBound...]
        guard let close = rest.range(of: "\n```") else { return nil }
        return parseWords(Array(rest[..<close.lowerBound].unicodeScalars))
    }

    static func parseWords(_ s: [Unicode.Scalar]) -> [String]? {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        var inWord = false
        var i = 0
        func hex(_ count: Int) -> Unicode.Scalar? {
            guard i + count <= s.count, let v = UInt32(String(String.UnicodeScalarView(s[i..<(i + count)])), radix: 16)
            else { return nil }
            i += count
            return Unicode.Scalar(v)
        }
        while i < s.count {
            let c = s[i]
            if c == " " {
                if inWord {
                    words.append(String(current))
                    current = String.UnicodeScalarView()
                    inWord = false
                }
                i += 1
            } else if c == "'" {
                inWord = true
                i += 1
                while i < s.count && s[i] != "'" {
                    current.append(s[i])
                    i += 1
                }
                i += 1
            } else if c == "$" && i + 1 < s.count && s[i + 1] == "'" {
                inWord = true
                i += 2
                while i < s.count && s[i] != "'" {
                    if s[i] == "\\" && i + 1 < s.count {
                        let e = s[i + 1]
                        i += 2
                        switch e {
                        case "n": current.append("\n")
                        case "t": current.append("\t")
                        case "r": current.append("\r")
                        case "x":
                            guard let v = hex(2) else { return nil }
                            current.append(v)
                        case "u":
                            guard let v = hex(4) else { return nil }
                            current.append(v)
                        case "U":
                            guard let v = hex(8) else { return nil }
                            current.append(v)
                        default: current.append(e)
                        }
                    } else {
                        current.append(s[i])
                        i += 1
                    }
                }
                i += 1
            } else {
                inWord = true
                current.append(c)
                i += 1
            }
        }
        if inWord { words.append(String(current)) }
        return words
    }
}

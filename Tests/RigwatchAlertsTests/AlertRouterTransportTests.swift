// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchTestSupport
import XCTest

@testable import RigwatchAlerts

/// The alert router against an in-memory Discord (`FakeAlertTransport`) and a
/// clock that moves only when told (`ManualClock`). No router thread: each test
/// drives the router's turns itself (`step`), so batching, backoff, rate limits
/// and the spool are checked exactly and at once. Real libcurl against the Python
/// stand-in stays in RigwatchIntegrationTests.DiscordDeliveryTests.
final class AlertRouterTransportTests: XCTestCase {
    private var fixture: RouterFixture!
    private var dir: String { fixture.dir }
    private var webhook: String { fixture.webhook }
    private var logged: [String] { fixture.logged }

    override func setUpWithError() throws { fixture = try RouterFixture(name: "transport") }
    override func tearDown() { fixture.remove() }

    private func settings(
        window: Double = 60, perRule: Int = 1000, spoolMaxBytes: Int = 64 << 20
    ) throws
        -> AlertRouter.Settings
    { try fixture.settings(window: window, perRule: perRule, spoolMaxBytes: spoolMaxBytes) }

    private func router(
        _ transport: FakeAlertTransport, _ clock: ManualClock, _ s: AlertRouter.Settings? = nil
    ) throws -> AlertRouter {
        let r = try fixture.router(transport.factory, clock, s)
        r.jitter = { 1 }  // backoff at its ceiling: 1 s, 2 s, 4 s…
        return r
    }

    private func alert(_ n: Int, key: String? = nil, rule: String = "unlisted-privileged-exec") -> Alert {
        RouterFixture.alert(n, key: key, rule: rule)
    }

    private func submit(_ r: AlertRouter, _ numbers: ClosedRange<Int>, clock: ManualClock) {
        for n in numbers { r.submit(alert(n), eventWallNs: clock.wallNs) }
    }

    private func titles(_ numbers: ClosedRange<Int>) -> [String] { numbers.map { "[HIGH] alert \($0)" } }

    private func logLines() -> [String] {
        ((try? String(contentsOfFile: dir + "/alerts.jsonl", encoding: .utf8)) ?? "").split(separator: "\n").map(
            String.init)
    }

    // MARK: Batching

    func testSpooledAlertsGoOutTenPerMessageInOrder() throws {
        let discord = FakeAlertTransport()
        let clock = ManualClock()
        let r = try router(discord, clock)
        submit(r, 1...25, clock: clock)

        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.titles, [titles(1...10)], "one POST per turn, the oldest ten")
        XCTAssertEqual(r.snapshot().spooled, 25)
        XCTAssertEqual(r.snapshot().spoolDepth, 15)
        XCTAssertTrue(r.step())
        XCTAssertTrue(r.step())
        XCTAssertTrue(r.step())
        XCTAssertEqual(
            discord.titles, [titles(1...10), titles(11...20), titles(21...25)], "nothing left for the fourth turn")
        XCTAssertEqual(discord.requests.map(\.url), [webhook, webhook, webhook])
        XCTAssertEqual(discord.requests[0].content, "**10 rigwatch alerts** on rwtest-host, most severe HIGH")
        XCTAssertEqual(discord.requests[2].content, "**5 rigwatch alerts** on rwtest-host, most severe HIGH")
        XCTAssertEqual(discord.made, [.init(connectTimeoutMs: 5000, totalTimeoutMs: 15000, userAgent: "rigwatch/test")])

        let stats = r.snapshot()
        XCTAssertEqual(stats.received, 25)
        XCTAssertEqual(stats.logged, 25)
        XCTAssertEqual(stats.delivered, 25)
        XCTAssertEqual(stats.deliveryFailures, 0)
        XCTAssertEqual(stats.spoolDepth, 0)
        XCTAssertEqual(logLines().count, 25)
    }

    func testAnEmptiedBucketWaitsItsResetBeforeTheNextPost() throws {
        let bucketEmpty = FakeAlertTransport.Answer.status(
            204, headers: ["x-ratelimit-remaining": "0", "x-ratelimit-reset-after": "1.5"])
        let discord = FakeAlertTransport([bucketEmpty])
        let clock = ManualClock()
        let start = clock.wallNs
        let r = try router(discord, clock)
        submit(r, 1...11, clock: clock)

        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 1)
        XCTAssertEqual(r.nextWakeNs(), start + 1_000_000_000, "an idle turn looks again after a second at most")
        clock.advance(seconds: 1.499)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 1, "the bucket has not refilled")
        XCTAssertEqual(r.nextWakeNs(), start + 1_500_000_000)
        clock.advance(seconds: 0.001)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.titles, [titles(1...10), ["[HIGH] alert 11"]])
        XCTAssertEqual(r.snapshot().rateLimited, 0, "a full bucket is no 429")
    }

    // MARK: Folding before the spool

    func testRepeatsFoldIntoOneAlertWhenTheWindowCloses() throws {
        let discord = FakeAlertTransport()
        let clock = ManualClock()
        let start = clock.wallNs
        let r = try router(discord, clock, try settings(window: 60))
        for n in 1...3 {
            r.submit(alert(n, key: "same"), eventWallNs: start + Int64(n) * 1_000_000)
        }

        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.titles, [["[HIGH] alert 1"]], "the first of a key goes out at once")
        XCTAssertEqual(r.snapshot().spooled, 1)
        XCTAssertEqual(r.nextWakeNs(), start + 1_000_000_000)
        clock.advance(seconds: 59.999)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 1, "the window is still open")
        XCTAssertEqual(r.nextWakeNs(), start + 60_000_000_000, "the router wakes for the window's end")
        clock.advance(seconds: 0.001)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.titles, [["[HIGH] alert 1"], ["[HIGH] 2× more: alert 3"]])
        XCTAssertEqual(r.snapshot().received, 3)
        XCTAssertEqual(r.snapshot().spooled, 2)
        XCTAssertEqual(r.snapshot().delivered, 2)
        XCTAssertEqual(logLines().count, 3, "the alert log keeps every alert")
    }

    func testAStormOfOneRuleIsCappedAndSummarised() throws {
        let discord = FakeAlertTransport()
        let clock = ManualClock()
        let r = try router(discord, clock, try settings(window: 60, perRule: 2))
        submit(r, 1...5, clock: clock)

        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.titles, [["[HIGH] alert 1", "[HIGH] alert 2"]])
        clock.advance(seconds: 60)
        XCTAssertTrue(r.step())
        XCTAssertEqual(
            discord.titles.last,
            [#"[HIGH] Alert storm: 3 more unlisted-privileged-exec alerts in 60 s \(beyond 2 shown\)"#],
            "Markdown in a title is escaped")
        XCTAssertEqual(discord.requests.count, 2)
        XCTAssertEqual(r.snapshot().spooled, 3)
        XCTAssertEqual(r.snapshot().delivered, 3)
        XCTAssertEqual(logLines().count, 5)
    }

    // MARK: Backoff

    func testServerErrorsBackOffDoublingAndASuccessResetsTheBackoff() throws {
        let discord = FakeAlertTransport([.status(503), .status(500), .status(502), .ok, .status(503)])
        let clock = ManualClock()
        let r = try router(discord, clock)
        submit(r, 1...2, clock: clock)

        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 1)
        for (wait, posts) in [(1.0, 2), (2.0, 3), (4.0, 4)] {
            clock.advance(seconds: wait - 0.001)
            XCTAssertTrue(r.step())
            XCTAssertEqual(discord.requests.count, posts - 1, "still backing off, \(wait) s after the last failure")
            clock.advance(seconds: 0.001)
            XCTAssertTrue(r.step())
            XCTAssertEqual(discord.requests.count, posts, "retried \(wait) s after the last failure")
        }
        XCTAssertEqual(
            discord.titles, Array(repeating: ["[HIGH] alert 1", "[HIGH] alert 2"], count: 4), "the same batch each time"
        )
        XCTAssertEqual(r.snapshot().deliveryFailures, 3)
        XCTAssertEqual(r.snapshot().delivered, 2)
        XCTAssertEqual(r.snapshot().spoolDepth, 0)
        XCTAssertEqual(
            logged,
            [
                "Discord delivery failing: HTTP 503; retrying with backoff, the alerts stay in the spool",
                "Discord delivery recovered after 3 failed attempts over 7 s (first: HTTP 503)",
            ], "one line when the outage starts, one when it ends: not one per retry")
        XCTAssertEqual(r.snapshot().lastError, "Discord delivery: HTTP 502", "the last failure, kept without a line")

        r.submit(alert(3), eventWallNs: clock.wallNs)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 5, "503 again")
        clock.advance(seconds: 0.999)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 5)
        clock.advance(seconds: 0.001)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.titles.last, ["[HIGH] alert 3"], "back to a 1 s backoff after the success")
        XCTAssertEqual(r.snapshot().deliveryFailures, 4)
        XCTAssertEqual(r.snapshot().delivered, 3)
        XCTAssertEqual(
            logged.suffix(2),
            [
                "Discord delivery failing: HTTP 503; retrying with backoff, the alerts stay in the spool",
                "Discord delivery recovered after 1 failed attempt over 1 s (first: HTTP 503)",
            ], "a new outage, a new pair of lines")
    }

    func testBackoffIsCappedAtAMinute() throws {
        let discord = FakeAlertTransport(Array(repeating: .status(500), count: 8))
        let clock = ManualClock()
        let r = try router(discord, clock)
        submit(r, 1...1, clock: clock)
        XCTAssertTrue(r.step())
        for wait in [1.0, 2, 4, 8, 16, 32, 60] {
            clock.advance(seconds: wait - 0.001)
            XCTAssertTrue(r.step())
            clock.advance(seconds: 0.001)
            XCTAssertTrue(r.step())
        }
        XCTAssertEqual(discord.requests.count, 8, "1, 2, 4 … 32 s, then the 60 s cap")
        XCTAssertEqual(r.snapshot().deliveryFailures, 8)
        clock.advance(seconds: 59.999)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 8)
        clock.advance(seconds: 0.001)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 9)
        XCTAssertEqual(r.snapshot().delivered, 1)
    }

    func testJitterScalesTheBackoffWithATenthOfASecondFloor() throws {
        let discord = FakeAlertTransport([.status(500), .status(500)])
        let clock = ManualClock()
        let r = try router(discord, clock)
        r.jitter = { 0.25 }
        submit(r, 1...1, clock: clock)
        XCTAssertTrue(r.step())
        clock.advance(seconds: 0.099)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 1, "attempt 1 waits 1 s × 0.25")
        r.jitter = { 0 }
        clock.advance(seconds: 0.151)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 2, "attempt 1 waited 0.25 s")
        clock.advance(seconds: 0.099)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 2)
        clock.advance(seconds: 0.001)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 3, "no jitter still waits the 0.1 s floor")
    }

    func testNetworkFailuresBackOffLikeServerErrorsAndAreReportedRedacted() throws {
        let discord = FakeAlertTransport([.timeout, .reset, .refused])
        let clock = ManualClock()
        let r = try router(discord, clock)
        submit(r, 1...1, clock: clock)

        XCTAssertTrue(r.step())
        clock.advance(seconds: 1)
        XCTAssertTrue(r.step())
        clock.advance(seconds: 2)
        XCTAssertTrue(r.step())
        clock.advance(seconds: 3.999)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 3, "the third failure backs off 4 s")
        clock.advance(seconds: 0.001)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 4)

        XCTAssertEqual(
            logged,
            [
                "Discord delivery failing: no answer (Operation timed out after 15000 milliseconds with 0 bytes received from http://127.0.0.1:1/api/webhooks/42/***); retrying with backoff, the alerts stay in the spool",
                "Discord delivery recovered after 3 failed attempts over 7 s (first: no answer (Operation timed out after 15000 milliseconds with 0 bytes received from http://127.0.0.1:1/api/webhooks/42/***))",
            ], "once per outage, not per retry")
        let stats = r.snapshot()
        XCTAssertEqual(stats.deliveryFailures, 3)
        XCTAssertEqual(stats.delivered, 1)
        XCTAssertEqual(
            stats.lastError,
            "Discord delivery: no answer (Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server)"
        )
        XCTAssertFalse(logged.joined().contains("rwtest-secret-token"))
    }

    // MARK: 429

    func testAPerRoute429WaitsRetryAfterAndRetriesTheSameBatch() throws {
        let discord = FakeAlertTransport([.rateLimited(0.75), .status(503)])
        let clock = ManualClock()
        let r = try router(discord, clock)
        submit(r, 1...3, clock: clock)

        XCTAssertTrue(r.step())
        XCTAssertEqual(r.snapshot().rateLimited, 1)
        XCTAssertEqual(r.nextWakeNs(), clock.wallNs + 750_000_000, "the body's retry_after wins over the header's 1 s")
        clock.advance(seconds: 0.749)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 1)
        clock.advance(seconds: 0.001)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.titles, [titles(1...3), titles(1...3)])
        XCTAssertEqual(r.snapshot().deliveryFailures, 1, "the 503 only")
        clock.advance(seconds: 0.999)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 2, "a 429 is no failure: the 503 after it is the first, backing off 1 s")
        clock.advance(seconds: 0.001)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 3)
        XCTAssertEqual(r.snapshot().delivered, 3)
        XCTAssertEqual(
            logged,
            [
                "Discord delivery failing: HTTP 503; retrying with backoff, the alerts stay in the spool",
                "Discord delivery recovered after 1 failed attempt over 1 s (first: HTTP 503)",
            ], "the 503 is an outage; a per-route limit is routine and says nothing")
    }

    func testAGlobal429WaitsItsRetryAfterAndSaysSo() throws {
        let discord = FakeAlertTransport([.globallyLimited(2)])
        let clock = ManualClock()
        let r = try router(discord, clock)
        submit(r, 1...1, clock: clock)

        XCTAssertTrue(r.step())
        XCTAssertEqual(logged, ["Discord global rate limit: waiting 2.0 s"])
        XCTAssertEqual(r.snapshot().lastError, "Discord global rate limit: waiting 2.0 s")
        XCTAssertEqual(r.snapshot().rateLimited, 1)
        XCTAssertEqual(r.snapshot().deliveryFailures, 0)
        clock.advance(seconds: 1.999)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 1)
        clock.advance(seconds: 0.001)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.titles, [["[HIGH] alert 1"], ["[HIGH] alert 1"]])
        XCTAssertEqual(r.snapshot().delivered, 1)
    }

    // MARK: Refusals

    func testARefusedBatchIsSentOneByOneToSkipTheAlertDiscordRefuses() throws {
        let invalid = FakeAlertTransport.Answer.status(400, body: #"{"code":50035,"message":"Invalid Form Body"}"#)
        let discord = FakeAlertTransport([invalid, .ok, invalid, invalid, .ok])
        let clock = ManualClock()
        let r = try router(discord, clock)
        submit(r, 1...3, clock: clock)
        for _ in 1...6 { XCTAssertTrue(r.step()) }

        XCTAssertEqual(
            discord.titles, [titles(1...3), ["[HIGH] alert 1"], titles(2...3), ["[HIGH] alert 2"], ["[HIGH] alert 3"]])
        XCTAssertEqual(
            logged,
            ["Discord refused alert a2 (HTTP 400: Invalid Form Body); it stays in the alert log, skipped for Discord"])
        let stats = r.snapshot()
        XCTAssertEqual(stats.delivered, 2)
        XCTAssertEqual(stats.deliveryFailures, 3)
        XCTAssertEqual(stats.spoolDepth, 0)
    }

    func testAGoneWebhookStopsDeliveryUntilAReloadReplacesIt() throws {
        let discord = FakeAlertTransport([.status(404, body: #"{"message":"Unknown Webhook","code":10015}"#)])
        let clock = ManualClock()
        let r = try router(discord, clock)
        submit(r, 1...2, clock: clock)

        XCTAssertTrue(r.step())
        XCTAssertEqual(
            logged,
            [
                "Discord says the webhook http://127.0.0.1:1/api/webhooks/42/*** no longer exists (404); alerts stay spooled in \(dir)/spool until it is replaced"
            ])
        clock.advance(seconds: 3600)
        r.submit(alert(3), eventWallNs: clock.wallNs)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 1, "no POST to a gone webhook")
        XCTAssertEqual(r.snapshot().spoolDepth, 3)
        XCTAssertEqual(r.nextWakeNs(), clock.wallNs + 1_000_000_000)

        var replaced = try settings()
        replaced.webhook = try WebhookURL("http://127.0.0.1:1/api/webhooks/43/new-token")
        r.commit(try r.prepare(replaced))
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.titles, [titles(1...2), titles(1...3)])
        XCTAssertEqual(discord.requests.last?.url, "http://127.0.0.1:1/api/webhooks/43/new-token")
        XCTAssertEqual(discord.made.count, 1, "same timeouts: the transport is kept")
        XCTAssertEqual(r.snapshot().deliveryFailures, 1)
        XCTAssertEqual(r.snapshot().delivered, 3)
    }

    func testAReloadWithNewTimeoutsMakesANewTransport() throws {
        let discord = FakeAlertTransport()
        let clock = ManualClock()
        let r = try router(discord, clock)
        var s = try settings()
        s.connectTimeoutMs = 2000
        s.totalTimeoutMs = 7000
        r.commit(try r.prepare(s))
        XCTAssertEqual(
            discord.made,
            [
                .init(connectTimeoutMs: 5000, totalTimeoutMs: 15000, userAgent: "rigwatch/test"),
                .init(connectTimeoutMs: 2000, totalTimeoutMs: 7000, userAgent: "rigwatch/test"),
            ])
    }

    // MARK: The spool

    func testOnlyWhatDiscordTookIsAcknowledged() throws {
        let discord = FakeAlertTransport([.ok, .status(503)])
        let clock = ManualClock()
        let r = try router(discord, clock)
        submit(r, 1...12, clock: clock)
        XCTAssertTrue(r.step())
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.titles, [titles(1...10), titles(11...12)])
        XCTAssertEqual(r.snapshot().spoolDepth, 2)
        XCTAssertEqual(r.snapshot().delivered, 10)

        r.requestStop(drainSeconds: 0)
        XCTAssertFalse(r.step(), "stopped")
        XCTAssertEqual(discord.requests.count, 2, "no drain time: no further POST")
        XCTAssertEqual(clock.sleeps, [])
        XCTAssertEqual(r.snapshot().spoolDepth, 2)

        let reopened = try Spool(directory: dir + "/spool")
        XCTAssertEqual(
            try reopened.entries.map { try AlertEnvelopeJSON.decode($0.payload).alert.title }, ["alert 11", "alert 12"])
    }

    func testARestartDeliversTheSpoolLeftBehindFirstAndInOrder() throws {
        let clock = ManualClock()
        let down = FakeAlertTransport(Array(repeating: .status(502), count: 5))
        do {
            let first = try router(down, clock)
            submit(first, 1...3, clock: clock)
            XCTAssertTrue(first.step())
            first.requestStop(drainSeconds: 0)
            XCTAssertFalse(first.step())
            XCTAssertEqual(first.snapshot().spoolDepth, 3)
        }
        XCTAssertEqual(down.requests.count, 1)

        let discord = FakeAlertTransport()
        let second = try router(discord, clock)
        XCTAssertEqual(second.spooledAtStart, 3)
        XCTAssertEqual(second.snapshot().spoolDepth, 3)
        second.submit(alert(4), eventWallNs: clock.wallNs)
        XCTAssertTrue(second.step())
        XCTAssertEqual(discord.titles, [titles(1...4)], "the old alerts first, then the new")
        XCTAssertEqual(second.snapshot().delivered, 4)
        XCTAssertEqual(second.snapshot().spooled, 1, "only the new one was spooled by this run")
        XCTAssertEqual(second.snapshot().spoolDepth, 0)
        second.requestStop(drainSeconds: 0)
        XCTAssertFalse(second.step(), "stopped: the spool's lock is let go")
        XCTAssertEqual(try Spool(directory: dir + "/spool").count, 0)
    }

    func testStoppingDrainsThroughABackoffWithinTheDeadline() throws {
        let discord = FakeAlertTransport([.status(503), .status(503)])
        let clock = ManualClock()
        let start = clock.wallNs
        let r = try router(discord, clock)
        submit(r, 1...2, clock: clock)
        r.requestStop(drainSeconds: 5)
        XCTAssertFalse(r.step())

        XCTAssertEqual(
            clock.sleeps, [start + 1_000_000_000, start + 3_000_000_000], "slept out each backoff on the clock")
        XCTAssertEqual(discord.titles, Array(repeating: titles(1...2), count: 3))
        XCTAssertEqual(r.snapshot().delivered, 2)
        XCTAssertEqual(r.snapshot().spoolDepth, 0)
        XCTAssertEqual(clock.wallNs, start + 3_000_000_000)
    }

    func testStoppingLeavesTheSpoolWhenTheWaitOutlastsTheDeadline() throws {
        let discord = FakeAlertTransport([.rateLimited(10)])
        let clock = ManualClock()
        let r = try router(discord, clock)
        submit(r, 1...2, clock: clock)
        r.requestStop(drainSeconds: 5)
        XCTAssertFalse(r.step())

        XCTAssertEqual(discord.requests.count, 1)
        XCTAssertEqual(clock.sleeps, [], "a 10 s wait past a 5 s deadline is not slept")
        XCTAssertEqual(r.snapshot().spoolDepth, 2)
        XCTAssertEqual(r.snapshot().rateLimited, 1)
    }

    func testStoppingFlushesOpenFoldsIntoTheSpool() throws {
        let discord = FakeAlertTransport()
        let clock = ManualClock()
        let r = try router(discord, clock)
        for n in 1...4 { r.submit(alert(n, key: "same"), eventWallNs: clock.wallNs) }
        r.requestStop(drainSeconds: 1)
        XCTAssertFalse(r.step())
        XCTAssertEqual(
            discord.titles, [["[HIGH] alert 1", "[HIGH] 3× more: alert 4"]],
            "the open window goes out with the last batch")
        XCTAssertEqual(r.snapshot().spoolDepth, 0)
    }

    func testAFullSpoolRefusesAlertsAndReportsTheLossOnceThereIsRoom() throws {
        let probe = AlertEnvelope(
            alert: alert(1), host: "rwtest-host", sensorVersion: "test",
            eventWallNs: ManualClock().wallNs, detectedWallNs: ManualClock().wallNs)
        let recordBytes = Array(AlertEnvelopeJSON.encode(probe).utf8).count + Spool.recordOverhead
        let discord = FakeAlertTransport([.status(503)])
        let clock = ManualClock()
        let r = try router(discord, clock, try settings(spoolMaxBytes: 2 * recordBytes))
        submit(r, 1...3, clock: clock)

        XCTAssertTrue(r.step())
        XCTAssertEqual(r.snapshot().spooled, 2)
        XCTAssertEqual(r.snapshot().droppedSpoolFull, 1, "alert 3; a loss report that finds no room is no loss")
        XCTAssertEqual(r.snapshot().spoolDepth, 2)
        clock.advance(seconds: 1)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.titles, [titles(1...2), titles(1...2)])
        XCTAssertEqual(r.snapshot().droppedSpoolFull, 1, "the report tried again before the delivery made room")
        XCTAssertEqual(r.snapshot().spoolDepth, 0)
        XCTAssertTrue(r.step(), "the room made is taken by the loss report")
        XCTAssertEqual(discord.titles.last, ["[CRITICAL] rigwatch dropped 1 alerts: the delivery spool was full"])
        XCTAssertEqual(discord.requests.count, 3)
        XCTAssertEqual(r.snapshot().delivered, 3)
        XCTAssertEqual(r.snapshot().droppedSpoolFull, 1)
        XCTAssertEqual(logLines().count, 3, "the alert log has the refused one too")
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 3, "reported once")
    }
}

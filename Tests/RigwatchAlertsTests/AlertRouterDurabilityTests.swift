// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchIO
import RigwatchTestSupport
import XCTest

@testable import RigwatchAlerts

/// Durable first: every alert is in the spool and the alert log before delivery
/// sees it, whatever Discord does; a crash (a router dropped without `stop`, its
/// files as `kill -9` leaves them) loses nothing and resends at most one message;
/// a Discord slower than the timeout costs a bounded number of duplicates.
final class AlertRouterDurabilityTests: XCTestCase {
    private var fixture: RouterFixture!
    private var dir: String { fixture.dir }
    private var logged: [String] {
        get { fixture.logged }
        set { fixture.logged = newValue }
    }

    override func setUpWithError() throws { fixture = try RouterFixture(name: "durable") }
    override func tearDown() { fixture.remove() }

    private func settings(
        window: Double = 60, perRule: Int = 1000, timeoutMs: Int = 15000
    ) throws
        -> AlertRouter.Settings
    { try fixture.settings(window: window, perRule: perRule, timeoutMs: timeoutMs) }

    private func router(
        _ transport: @escaping AlertTransportFactory, _ clock: TimeSource, _ s: AlertRouter.Settings? = nil
    ) throws -> AlertRouter {
        let r = try fixture.router(transport, clock, s)
        r.jitter = { 1 }  // backoff at its ceiling: 1 s, 2 s, 4 s…
        return r
    }

    private func alert(_ n: Int, key: String? = nil, rule: String = "unlisted-privileged-exec") -> Alert {
        RouterFixture.alert(n, key: key, rule: rule)
    }

    private func titles(_ numbers: ClosedRange<Int>) -> [String] { numbers.map { "[HIGH] alert \($0)" } }

    private func logLines() -> [String] {
        ((try? String(contentsOfFile: dir + "/alerts.jsonl", encoding: .utf8)) ?? "").split(separator: "\n").map(
            String.init)
    }

    private func logTitles() -> [String] {
        logLines().compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["title"] as? String
        }
    }

    /// queue.log as it is on disk now (readable while the router holds the lock).
    private func spooled() throws -> SpoolScan {
        SpoolScanner.scan(try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/spool/queue.log"))))
    }

    // MARK: Nothing waits on Discord

    /// The issue's loss: one thread wrote and then blocked on the request, so alerts
    /// raised meanwhile lived in memory alone. Now the writer goes on: all 150 are in
    /// the log and the spool while the first request still hangs.
    func testAlertsRaisedWhileARequestHangsAreDurableAtOnce() throws {
        let discord = HangingDiscord(logPath: dir + "/alerts.jsonl")
        let r = try router({ _, _, _ in discord }, SystemClock())
        r.start()
        r.submit(alert(1), eventWallNs: SystemClock.wallNowNs())
        XCTAssertEqual(discord.entered.wait(timeout: .now() + 5), .success, "the first POST started")
        for n in 2...150 { r.submit(alert(n), eventWallNs: SystemClock.wallNowNs()) }
        let deadline = Date().addingTimeInterval(5)
        while logLines().count < 150 && Date() < deadline { usleep(10_000) }

        XCTAssertEqual(logTitles(), (1...150).map { "alert \($0)" }, "in the alert log, the request still hanging")
        let records = try spooled().records.filter { $0.kind == .alert }
        XCTAssertEqual(records.count, 150, "and in the spool")
        XCTAssertEqual(
            records.map { String(decoding: $0.payload, as: UTF8.self) }, logLines(), "the same lines, in order")
        discord.release.signal()
        r.stop(drainSeconds: 10)
        XCTAssertEqual(r.snapshot().delivered, 150)
        XCTAssertEqual(discord.titles.flatMap { $0 }, titles(1...150))
        XCTAssertEqual(discord.unloggedAtPost, [], "nothing was posted before it was in the alert log")
    }

    // MARK: kill -9

    /// Discord took a message, and the process died before the acknowledgement reached
    /// the state file: the restart sends that one message again, and nothing more.
    func testAKillBeforeTheAcknowledgementResendsOneMessage() throws {
        let clock = ManualClock()
        let first = FakeAlertTransport()
        do {
            let r = try router(first.factory, clock)
            for n in 1...12 { r.submit(alert(n), eventWallNs: clock.wallNs) }
            XCTAssertTrue(r.step())
            XCTAssertEqual(first.titles, [titles(1...10)])
            unlink(dir + "/spool/state")  // the acknowledgement never hit the disk
        }  // dropped without stop: kill -9
        let second = FakeAlertTransport()
        let r = try router(second.factory, clock)
        XCTAssertEqual(r.spooledAtStart, 12)
        XCTAssertTrue(r.step())
        XCTAssertTrue(r.step())
        XCTAssertEqual(second.titles, [titles(1...10), titles(11...12)])
        XCTAssertEqual(first.titles + second.titles.prefix(1), [titles(1...10), titles(1...10)], "one duplicate")
        XCTAssertEqual(logLines().count, 12, "the log has each alert once")
    }

    /// A crash after the spool's fsync and before the alert log's: the next start
    /// writes what the log lacks, from the spool's last group only.
    func testACrashBetweenTheSpoolAndTheLogIsRepairedAtStart() throws {
        let clock = ManualClock()
        let down = FakeAlertTransport(Array(repeating: .status(503), count: 10))
        do {
            let r = try router(down.factory, clock)
            for n in 1...2 { r.submit(alert(n), eventWallNs: clock.wallNs) }
            XCTAssertTrue(r.step())
            r.submit(alert(3), eventWallNs: clock.wallNs)
            XCTAssertTrue(r.step())
        }
        var lines = logLines()
        XCTAssertEqual(lines.count, 3)
        lines.removeLast()  // its log write never happened
        try (lines.joined(separator: "\n") + "\n").write(
            toFile: dir + "/alerts.jsonl", atomically: true, encoding: .utf8)
        logged = []

        let discord = FakeAlertTransport()
        let r = try router(discord.factory, clock)
        XCTAssertEqual(logTitles(), ["alert 1", "alert 2", "alert 3"], "completed before anything is delivered")
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.titles, [titles(1...3)])
        XCTAssertEqual(
            logged,
            ["alert log: 1 alerts the spool had taken just before a crash written to \(dir)/alerts.jsonl now"])
    }

    /// Repeats folded when the process died: the restart restores the open window from
    /// the spool's checkpoint and sends the summary when the window closes.
    func testRepeatsFoldedBeforeACrashAreSummarisedAfterTheRestart() throws {
        let clock = ManualClock()
        let start = clock.wallNs
        let first = FakeAlertTransport()
        do {
            let r = try router(first.factory, clock)
            for n in 1...4 { r.submit(alert(n, key: "same"), eventWallNs: start + Int64(n)) }
            XCTAssertTrue(r.step())
        }
        XCTAssertEqual(first.titles, [["[HIGH] alert 1"]])
        let discord = FakeAlertTransport()
        let r = try router(discord.factory, clock)
        clock.advance(seconds: 30)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.requests.count, 0, "the window restored is still open")
        clock.advance(seconds: 30)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.titles, [["[HIGH] 3× more: alert 4"]])
        r.submit(alert(5, key: "same"), eventWallNs: clock.wallNs)
        XCTAssertTrue(r.step())
        XCTAssertEqual(discord.titles.last, ["[HIGH] alert 5"], "a new window after it")
    }

    /// A storm cut short by a crash still adds up: 2 alerts shown, 3 in the summary.
    func testAStormCutByACrashIsStillSummarised() throws {
        let clock = ManualClock()
        let first = FakeAlertTransport()
        do {
            let r = try router(first.factory, clock, try settings(perRule: 2))
            for n in 1...5 { r.submit(alert(n), eventWallNs: clock.wallNs) }
            XCTAssertTrue(r.step())
        }
        XCTAssertEqual(first.titles, [titles(1...2)])
        let discord = FakeAlertTransport()
        let r = try router(discord.factory, clock, try settings(perRule: 2))
        clock.advance(seconds: 60)
        XCTAssertTrue(r.step())
        XCTAssertEqual(
            discord.titles,
            [[#"[HIGH] Alert storm: 3 more unlisted-privileged-exec alerts in 60 s \(beyond 2 shown\)"#]])
        XCTAssertEqual(logLines().count, 5)
    }

    // MARK: A slow Discord

    /// Discord takes 4 s to answer, the client gives up after 3: the first request
    /// times out after Discord took it (the duplicate), and from then on answers are
    /// awaited up to 60 s: one duplicate message for the whole slow spell. A fast
    /// answer ends the patience; the next slow spell costs one more.
    func testASlowDiscordCostsOneDuplicateMessagePerSlowSpell() throws {
        let clock = ManualClock()
        let discord = SlowDiscord(clock: clock, latency: 4)
        let r = try router({ _, _, _ in discord }, clock, try settings(timeoutMs: 3000))
        func deliver(_ numbers: ClosedRange<Int>) {
            for n in numbers { r.submit(alert(n), eventWallNs: clock.wallNs) }
            let target = r.snapshot().delivered + numbers.count
            for _ in 0..<20 where r.snapshot().delivered < target {
                XCTAssertTrue(r.step())
                clock.advance(seconds: 1)
            }
            XCTAssertEqual(r.snapshot().delivered, target)
        }

        deliver(1...25)
        XCTAssertEqual(discord.taken, [titles(1...10), titles(1...10), titles(11...20), titles(21...25)])
        XCTAssertEqual(discord.timeouts, [3000, 60000, 60000, 60000])
        XCTAssertEqual(discord.duplicates, 1, "one duplicate message for the slow spell")
        XCTAssertEqual(
            logged,
            [
                "Discord delivery failing: no answer (Operation timed out after 3000 milliseconds with 0 bytes received); the request had been sent whole, so Discord may have taken it: it goes again, and answers are now awaited for up to 60 s; retrying with backoff, the alerts stay in the spool",
                "Discord delivery recovered after 1 failed attempt over 5 s (first: no answer (Operation timed out after 3000 milliseconds with 0 bytes received); the request had been sent whole, so Discord may have taken it: it goes again, and answers are now awaited for up to 60 s)",
            ])

        discord.latency = 0.2
        deliver(26...26)
        deliver(27...27)
        XCTAssertEqual(discord.timeouts.suffix(2), [60000, 3000], "a fast answer ends the patience")
        discord.latency = 4
        deliver(28...30)
        XCTAssertEqual(discord.duplicates, 2, "the next slow spell: one more")
        XCTAssertEqual(discord.taken.suffix(2), [titles(28...30), titles(28...30)])
    }

    /// Slower than even the patient timeout is a Discord that takes requests and never
    /// answers: each retry may duplicate, but nothing is ever given up as sent.
    func testNoAnswerEvenWithinThePatientTimeoutKeepsEveryAlertSpooled() throws {
        let clock = ManualClock()
        let discord = SlowDiscord(clock: clock, latency: 100)
        let r = try router({ _, _, _ in discord }, clock, try settings(timeoutMs: 3000))
        for n in 1...3 { r.submit(alert(n), eventWallNs: clock.wallNs) }
        for _ in 0..<3 {
            XCTAssertTrue(r.step())
            clock.advance(seconds: 60)
        }
        XCTAssertEqual(discord.timeouts, [3000, 60000, 60000])
        XCTAssertEqual(r.snapshot().spoolDepth, 3, "at-least-once: still spooled")
        XCTAssertEqual(r.snapshot().delivered, 0)
        XCTAssertEqual(logged.count, 1, "one line for the outage")
    }

    // MARK: Failure lines

    func testFiftyTwoServerErrorsAreOneWarningAndOneRecoveryLine() throws {
        let discord = FakeAlertTransport(Array(repeating: .status(500), count: 52))
        let clock = ManualClock()
        let r = try router(discord.factory, clock)
        r.submit(alert(1), eventWallNs: clock.wallNs)
        for _ in 0..<53 {
            XCTAssertTrue(r.step())
            clock.advance(seconds: 60)
        }
        XCTAssertEqual(discord.requests.count, 53)
        XCTAssertEqual(r.snapshot().deliveryFailures, 52)
        XCTAssertEqual(r.snapshot().delivered, 1)
        XCTAssertEqual(
            logged,
            [
                "Discord delivery failing: HTTP 500; retrying with backoff, the alerts stay in the spool",
                "Discord delivery recovered after 52 failed attempts over 3120 s (first: HTTP 500)",
            ])
    }

    // MARK: Damage

    /// One damaged record: skipped, logged with its byte range, raised as
    /// sensor-spool-damaged, and the records around it delivered.
    func testADamagedRecordIsReportedAndTheRestDelivered() throws {
        let clock = ManualClock()
        let down = FakeAlertTransport(Array(repeating: .status(503), count: 5))
        do {
            let r = try router(down.factory, clock)
            for n in 1...3 { r.submit(alert(n), eventWallNs: clock.wallNs) }
            XCTAssertTrue(r.step())
            r.requestStop(drainSeconds: 0)
            XCTAssertFalse(r.step())
        }
        let second = try XCTUnwrap(try spooled().records.first { $0.sequence == 2 })
        let path = dir + "/spool/queue.log"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[second.offset + 40] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let range = "\(second.offset)-\(second.offset + second.payload.count + 27) (\(second.payload.count + 28) bytes)"
        let escaped = range.replacingOccurrences(of: "(", with: "\\(").replacingOccurrences(of: ")", with: "\\)")
        logged = []

        let discord = FakeAlertTransport()
        let r = try router(discord.factory, clock)
        XCTAssertTrue(r.step())
        XCTAssertEqual(
            logged,
            ["spool \(dir)/spool: damaged, skipped: queue.log bytes \(range): checksum mismatch in record 2"])
        XCTAssertEqual(
            discord.titles,
            [
                [
                    "[HIGH] alert 1", "[HIGH] alert 3",
                    "[HIGH] rigwatch skipped a damaged part of its delivery spool: queue.log bytes \(escaped): checksum mismatch in record 2",
                ]
            ])
        XCTAssertEqual(r.snapshot().received, 1, "the damage alert")
        XCTAssertEqual(logLines().count, 4, "the three alerts and the damage alert")
    }
}

/// Discord that hangs on its first request until released; records what was posted
/// and whether each alert posted was already in the alert log.
private final class HangingDiscord: AlertTransport, @unchecked Sendable {
    let entered = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private let logPath: String
    private var posts: [[String]] = []
    private var unlogged: [String] = []

    init(logPath: String) { self.logPath = logPath }

    var titles: [[String]] { lock.withLock { posts } }
    var unloggedAtPost: [String] { lock.withLock { unlogged } }

    func post(url: String, json: String) throws -> TransportResponse {
        let body = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        let titles = (body["embeds"] as? [[String: Any]] ?? []).map { $0["title"] as? String ?? "" }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        let first = lock.withLock { () -> Bool in
            posts.append(titles)
            unlogged += titles.filter {
                !log.contains(#""title":"\#($0.replacingOccurrences(of: "[HIGH] ", with: ""))""#)
            }
            return posts.count == 1
        }
        if first {
            entered.signal()
            _ = release.wait(timeout: .now() + 20)
        }
        return TransportResponse(status: 204)
    }
}

/// Discord answering after `latency` seconds of the manual clock. A request whose
/// timeout is shorter is still taken (posted), then times out with its body sent:
/// what a Discord slower than the client timeout does.
private final class SlowDiscord: AlertTransport, @unchecked Sendable {
    let clock: ManualClock
    var latency: Double
    private(set) var taken: [[String]] = []
    private(set) var timeouts: [Int] = []

    init(clock: ManualClock, latency: Double) {
        self.clock = clock
        self.latency = latency
    }

    /// Messages posted more than once in a row.
    var duplicates: Int { zip(taken, taken.dropFirst()).filter { $0.0 == $0.1 }.count }

    func post(url: String, json: String) throws -> TransportResponse {
        try post(url: url, json: json, timeoutMs: 15000)
    }

    func post(url: String, json: String, timeoutMs: Int) throws -> TransportResponse {
        timeouts.append(timeoutMs)
        let body = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        taken.append((body["embeds"] as? [[String: Any]] ?? []).map { $0["title"] as? String ?? "" })
        guard latency * 1000 <= Double(timeoutMs) else {
            clock.advance(ns: Int64(timeoutMs) * 1_000_000)
            throw HTTPPoster.Failure(
                description: "Operation timed out after \(timeoutMs) milliseconds with 0 bytes received",
                requestSent: true)
        }
        clock.advance(seconds: latency)
        return TransportResponse(status: 204)
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchTestSupport
import XCTest

/// The built binary (`rigwatch replay --send`, real libcurl) against the Discord
/// stand-in: `kill -9` at many instants loses no alert and duplicates at most one
/// message per kill; a second process on the spool is refused and changes nothing;
/// a damaged record costs that record alone, reported; a Discord slower than the
/// client timeout costs one duplicate message; an outage is one line, not one per retry.
final class SpoolCrashTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }  // the webhook file must be root's

    /// A trace raising `count` unlisted-privileged-exec alerts, "… /usr/bin/echo TAG-N".
    private func trace(_ dir: String, tag: String, count: Int) throws -> String {
        var lines = [
            #"{"type":"trace_header","format_version":1,"host":"rwtest-host","kernel":"6.8.0","boot_offset_ns":1700000000000000000,"sensor_version":"0.1.0","watched_users":[{"uid":1001,"name":"vastai_kaalia"}],"start_wall_ns":1700000001000000000}"#
        ]
        for n in stride(from: 1, through: count, by: 1) {
            let pid = 10_000 + n
            let word = "\(tag)-\(n)"
            lines.append(
                #"{"type":"exec","ts_ns":\#(2_000_000_000 + n * 1000),"pid":\#(pid),"tgid":\#(pid),"ppid":500,"uid":0,"euid":0,"gid":0,"egid":0,"lineage_uid":1001,"cgroup_id":5,"comm":"echo","filename":"/usr/bin/echo","argv":["/usr/bin/echo","\#(word)"],"argc":2,"args_len":\#(15 + word.utf8.count),"login_uid":4294967295,"old_pid":\#(pid),"flags":[]}"#
            )
        }
        let path = dir + "/\(tag).jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func config(
        _ mock: MockDiscord, stormPerRule: Int = 1000, window: Int = 60, timeout: Int = 3
    ) throws
        -> String
    {
        let webhookFile = mock.dir + "/webhook"
        try mock.webhook.write(toFile: webhookFile, atomically: true, encoding: .utf8)
        chmod(webhookFile, 0o600)
        let text = """
            watch_users: [vastai_kaalia]
            policy:
              include_default: false
              rules: ["/usr/bin/id"]
            alerts:
              log_file: \(mock.dir)/alerts.jsonl
              spool_dir: \(mock.dir)/spool
              storm_per_rule: \(stormPerRule)
              dedup_window_seconds: \(window)
              discord:
                webhook_file: \(webhookFile)
                timeout_seconds: \(timeout)
            service:
              state_file: \(mock.dir)/state.json
              lock_file: \(mock.dir)/rigwatch.lock
              posture_check_hours: 0
            """
        try text.write(toFile: mock.dir + "/rigwatch.yaml", atomically: true, encoding: .utf8)
        return mock.dir + "/rigwatch.yaml"
    }

    /// `rigwatch replay TRACE --send`, running; stderr goes to TRACE.stderr.
    private func startReplay(_ config: String, _ trace: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Repo.rigwatchBinary)
        p.arguments = ["replay", trace, "--config", config, "--send"]
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "RIGWATCH_DISCORD_WEBHOOK")
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        _ = FileManager.default.createFile(atPath: trace + ".stderr", contents: nil)
        p.standardError = FileHandle(forWritingAtPath: trace + ".stderr")
        try p.run()
        return p
    }

    private func finish(_ p: Process, timeout: TimeInterval = 40) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return p.terminationStatus
    }

    private func stderr(_ trace: String) -> String {
        (try? String(contentsOfFile: trace + ".stderr", encoding: .utf8)) ?? ""
    }

    /// The last word of each alert title in the alert log ("r3-17"), in order.
    private func loggedTags(_ mock: MockDiscord) -> [String] {
        let text = (try? String(contentsOfFile: mock.dir + "/alerts.jsonl", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                o["rule"] as? String == "unlisted-privileged-exec", let title = o["title"] as? String
            else { return nil }
            return title.split(separator: " ").last.map(String.init)
        }
    }

    /// What Discord got: every embed, each accepted message, and the duplicates among them.
    private struct Received {
        var messages: [[String]] = []
        var embeds: [[String: Any]] = []
        /// Messages carrying an embed an earlier message carried: the resends (a resend
        /// may carry more than the message it repeats, when more had come meanwhile).
        var duplicateMessages = 0
        var duplicateEmbeds: Int { embeds.count - Set(embeds.map(Self.canonical)).count }

        init(_ mock: MockDiscord) throws {
            var seen = Set<String>()
            for message in try mock.received() {
                let list = (message.body["embeds"] as? [[String: Any]]) ?? []
                embeds += list
                let canonical = list.map(Self.canonical)
                if canonical.contains(where: seen.contains) { duplicateMessages += 1 }
                seen.formUnion(canonical)
                messages.append(canonical)
            }
        }

        static func canonical(_ value: Any) -> String {
            String(
                decoding: (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data(),
                as: UTF8.self)
        }

        /// Distinct embeds: alerts shown one by one (their tags) and the alerts storm summaries stand for.
        func represented() -> (tags: [String], summarised: Int, repeatedTags: [String]) {
            var seen = Set<String>()
            var tags: [String] = []
            var summarised = 0
            for embed in embeds where seen.insert(Self.canonical(embed)).inserted {
                let title = embed["title"] as? String ?? ""
                if let r = title.range(of: "Alert storm: ") {
                    summarised += Int(title[r.upperBound...].prefix { $0.isNumber }) ?? 0
                } else if title.contains("unlisted command as root") {
                    tags += title.split(separator: " ").last.map { [String($0)] } ?? []
                }
            }
            let counts = Dictionary(tags.map { ($0, 1) }, uniquingKeysWith: +)
            return (tags, summarised, counts.filter { $0.value > 1 }.map(\.key).sorted())
        }
    }

    // MARK: kill -9

    /// Eleven kills: during a request that Discord answers slowly, at random instants
    /// of a slow delivery, in the middle of a storm, and at once. Then a restart
    /// (replaying a trace without alerts) delivers what is left. Every alert in the
    /// log reaches Discord (shown, or counted in a storm summary), each once but for at
    /// most one duplicate message per kill, and each run's alerts in the log are a
    /// whole prefix of what it raised (all of them when the kill came mid-request).
    func testKill9AtManyInstantsLosesNothingAndDuplicatesAtMostOneMessagePerKill() throws {
        let mock = try MockDiscord(self)
        try mock.admin("ratelimit", #"{"limit":100,"window":1.0}"#)
        let config = try config(mock, stormPerRule: 20, window: 2, timeout: 3)
        enum Trigger {
            case inFlight
            case after(Int)
        }
        let plans: [(tag: String, count: Int, slow: Bool, trigger: Trigger)] = [
            ("a", 40, true, .inFlight), ("b", 40, true, .inFlight), ("c", 40, true, .after(350)),
            ("d", 40, true, .after(900)), ("e", 40, true, .after(1700)), ("f", 40, true, .inFlight),
            ("g", 3000, true, .after(60)), ("h", 3000, true, .after(250)), ("i", 3000, true, .after(600)),
            ("j", 40, false, .after(0)), ("k", 40, false, .after(15)),
        ]
        var wholeRuns: [String] = []
        for plan in plans {
            try mock.admin("mode", plan.slow ? #"{"mode":"slow","seconds":0.8}"# : #"{"mode":"ok"}"#)
            let path = try trace(mock.dir, tag: plan.tag, count: plan.count)
            let started = try mock.stats()["requests"] ?? 0
            let replay = try startReplay(config, path)
            switch plan.trigger {
            case .inFlight:
                XCTAssertTrue(
                    try mock.waitForStats(timeout: 10) {
                        ($0["requests"] ?? 0) > started && ($0["in_flight"] ?? 0) > 0
                    },
                    "run \(plan.tag): a request in flight")
                usleep(100_000)
                wholeRuns.append(plan.tag)
            case .after(let ms):
                usleep(UInt32(ms) * 1000)
            }
            kill(replay.processIdentifier, SIGKILL)
            replay.waitUntilExit()
            XCTAssertEqual(replay.terminationReason, .uncaughtSignal, "run \(plan.tag) was killed")
        }
        try mock.admin("mode", #"{"mode":"ok"}"#)
        let restart = try startReplay(config, try trace(mock.dir, tag: "restart", count: 0))
        XCTAssertEqual(finish(restart), 0, stderr(mock.dir + "/restart.jsonl"))

        let logged = loggedTags(mock)
        for plan in plans {
            let run = logged.filter { $0.hasPrefix("\(plan.tag)-") }
            XCTAssertEqual(
                run, (0..<run.count).map { "\(plan.tag)-\($0 + 1)" }, "run \(plan.tag): a whole prefix, in order")
            if wholeRuns.contains(plan.tag) {
                XCTAssertEqual(
                    run.count, plan.count, "run \(plan.tag): killed mid-request, every alert already durable")
            }
        }
        let received = try Received(mock)
        let (shown, summarised, repeated) = received.represented()
        XCTAssertEqual(repeated, [], "an alert shown twice outside a duplicated message")
        XCTAssertEqual(Set(shown).subtracting(logged), [], "nothing on Discord that is not in the log")
        XCTAssertEqual(
            shown.count + summarised, logged.count,
            "every logged alert on Discord: lost \(logged.count - shown.count - summarised)")
        XCTAssertLessThanOrEqual(received.duplicateMessages, plans.count, "at most one duplicate message per kill")
        print(
            "kill -9 of replay --send, \(plans.count) kills: \(logged.count) alerts logged, \(shown.count) shown and \(summarised) in storm summaries on Discord, lost \(logged.count - shown.count - summarised), \(received.duplicateMessages) duplicate messages (\(received.duplicateEmbeds) embeds; taken after the client was gone: \(try mock.stats()["taken_late"] ?? 0))"
        )
    }

    // MARK: One owner

    /// While `replay --send` delivers, a standalone `test-alert` and a second
    /// `replay --send` on the same spool are refused, name the owner and write
    /// nothing; the first delivers every alert once.
    func testASecondProcessOnTheSpoolIsRefusedAndNothingIsLostOrDuplicated() throws {
        let mock = try MockDiscord(self)
        try mock.admin("mode", #"{"mode":"slow","seconds":1.0}"#)
        let config = try config(mock)
        let first = try startReplay(config, try trace(mock.dir, tag: "p", count: 30))
        XCTAssertTrue(try mock.waitForStats(timeout: 10) { ($0["in_flight"] ?? 0) > 0 })
        XCTAssertTrue(waitUntil(timeout: 5) { loggedTags(mock).count == 30 })
        let logBefore = loggedTags(mock)

        let refusal =
            "rigwatch: error: the spool \(mock.dir)/spool is in use by pid \(first.processIdentifier) (rigwatch replay \(mock.dir)/p.jsonl --config \(config) --send); stop it first"
        let testAlert = try runCommand(
            "/usr/bin/env",
            ["-u", "RIGWATCH_DISCORD_WEBHOOK", Repo.rigwatchBinary, "test-alert", "--config", config, "--timeout", "3"])
        XCTAssertEqual(testAlert.status, 2, testAlert.stdout + testAlert.stderr)
        XCTAssertTrue(testAlert.stderr.contains(refusal), testAlert.stderr)
        let second = try startReplay(config, try trace(mock.dir, tag: "q", count: 5))
        XCTAssertEqual(finish(second), 2)
        XCTAssertTrue(stderr(mock.dir + "/q.jsonl").contains(refusal), stderr(mock.dir + "/q.jsonl"))
        XCTAssertEqual(loggedTags(mock), logBefore, "neither wrote beside the owner")

        XCTAssertEqual(finish(first), 0, stderr(mock.dir + "/p.jsonl"))
        let received = try Received(mock)
        XCTAssertEqual(received.represented().tags, (1...30).map { "p-\($0)" }, "each once, in order")
        XCTAssertEqual(received.duplicateMessages, 0)
        let log = (try? String(contentsOfFile: mock.dir + "/alerts.jsonl", encoding: .utf8)) ?? ""
        XCTAssertFalse(log.contains(#""rule":"test-alert""#))
    }

    // MARK: Damage

    /// One flipped byte in one spooled record: that alert is skipped for Discord and
    /// reported (log line with the byte range, a sensor-spool-damaged alert); the
    /// records after it are delivered; the alert log still has all five.
    func testADamagedSpoolRecordCostsOnlyThatRecordAndIsReported() throws {
        let mock = try MockDiscord(self)
        try mock.admin("mode", #"{"mode":"status","status":500,"count":100000}"#)
        let config = try config(mock, timeout: 1)
        let path = try trace(mock.dir, tag: "c", count: 5)
        let replay = try startReplay(config, path)
        XCTAssertTrue(waitUntil(timeout: 10) { loggedTags(mock).count == 5 })
        kill(replay.processIdentifier, SIGKILL)
        replay.waitUntilExit()

        let queue = mock.dir + "/spool/queue.log"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: queue)))
        let needle = Array("echo c-3".utf8)
        let at = try XCTUnwrap(
            (0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle })
        bytes[at + 5] ^= 0x01  // "c-3" → "b-3"
        try Data(bytes).write(to: URL(fileURLWithPath: queue))

        try mock.admin("mode", #"{"mode":"ok"}"#)
        let restartTrace = try trace(mock.dir, tag: "restart", count: 0)
        XCTAssertEqual(finish(try startReplay(config, restartTrace)), 0)
        let lines = stderr(restartTrace).split(separator: "\n").filter { $0.contains("damaged, skipped") }
        XCTAssertEqual(lines.count, 1, stderr(restartTrace))
        // Its sequence depends on how the writer grouped the batches: any one record.
        XCTAssertTrue(
            lines.first?.contains(": checksum mismatch in record ") ?? false
                && lines.first?.contains("queue.log bytes ") ?? false, "\(lines)")
        let titles = try mock.messageTitles().flatMap { $0 }
        XCTAssertEqual(
            titles.filter { $0.contains("unlisted command") }.map { $0.split(separator: " ").last ?? "" },
            ["c-1", "c-2", "c-4", "c-5"])
        XCTAssertEqual(
            titles.filter { $0.contains("rigwatch skipped a damaged part of its delivery spool") }.count, 1, "\(titles)"
        )
        XCTAssertEqual(loggedTags(mock), (1...5).map { "c-\($0)" }, "the alert log has every alert")
    }

    // MARK: A slow Discord, an outage

    /// The stand-in answers after 1.5 s, the client gives up after 1 s: the first
    /// message is taken and times out, is sent again with patience, and nothing after
    /// it is duplicated.
    func testADiscordSlowerThanTheTimeoutCostsOneDuplicateMessage() throws {
        let mock = try MockDiscord(self)
        try mock.admin("mode", #"{"mode":"slow","seconds":1.5}"#)
        let path = try trace(mock.dir, tag: "s", count: 25)
        XCTAssertEqual(finish(try startReplay(try config(mock, timeout: 1), path)), 0, stderr(path))
        let received = try Received(mock)
        XCTAssertEqual(received.represented().tags, (1...25).map { "s-\($0)" })
        XCTAssertEqual(received.messages.count, 4)
        XCTAssertEqual(received.duplicateMessages, 1, "one duplicate for the slow spell")
        XCTAssertEqual(try mock.stats()["taken_late"], 1)
        let warnings = stderr(path).split(separator: "\n").filter { $0.contains("Discord delivery") }
        XCTAssertEqual(warnings.count, 2, "\(warnings)")
        XCTAssertTrue(warnings.first?.contains("Discord may have taken it") ?? false, "\(warnings)")
        XCTAssertTrue(
            warnings.last?.contains("Discord delivery recovered after 1 failed attempt") ?? false, "\(warnings)")
        XCTAssertFalse(stderr(path).contains("rwtest-token"))
    }

    func testAnOutageOfServerErrorsIsOneLineAndARecoveryLine() throws {
        let mock = try MockDiscord(self)
        try mock.admin("mode", #"{"mode":"status","status":500,"count":3}"#)
        let path = try trace(mock.dir, tag: "o", count: 3)
        XCTAssertEqual(finish(try startReplay(try config(mock), path)), 0, stderr(path))
        XCTAssertEqual(try Received(mock).represented().tags, ["o-1", "o-2", "o-3"])
        let warnings = stderr(path).split(separator: "\n").filter { $0.contains("Discord delivery") }
        XCTAssertEqual(warnings.count, 2, stderr(path))
        XCTAssertTrue(
            warnings.first?.hasPrefix("rigwatch: warning: Discord delivery failing: HTTP 500; retrying with backoff")
                ?? false,
            "\(warnings)")
        XCTAssertTrue(
            warnings.last?.hasPrefix("rigwatch: warning: Discord delivery recovered after 3 failed attempts over ")
                ?? false,
            "\(warnings)")
        XCTAssertFalse(stderr(path).contains("rwtest-token"))
    }
}

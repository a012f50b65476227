// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchTestSupport
import XCTest

/// The sensor's alert path end to end: kernel event → engine → router → spool →
/// libcurl → local Discord stand-in, including a `kill -9` in the middle.
final class AlertCLITests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    /// A config for one test: its own log and spool, the webhook in a root-only file.
    private func writeConfig(_ dir: String, mock: MockDiscord, user: String, stormPerRule: Int = 20) throws -> String {
        let webhookFile = dir + "/webhook"
        try mock.webhook.write(toFile: webhookFile, atomically: true, encoding: .utf8)
        chmod(webhookFile, 0o600)
        let config = """
            watch_users: [\(user)]
            policy:
              include_default: false
              rules: ["/usr/bin/id"]
            alerts:
              log_file: \(dir)/alerts.jsonl
              spool_dir: \(dir)/spool
              storm_per_rule: \(stormPerRule)
              discord:
                webhook_file: \(webhookFile)
                timeout_seconds: 3
            service:
              state_file: \(dir)/state.json
              metrics_file: \(dir)/rigwatch.prom
              lock_file: \(dir)/rigwatch.lock
              posture_check_hours: 0
            tamper:
              enabled: false   # these tests count every delivered alert; the stop signal would add one
            """
        try config.write(toFile: dir + "/rigwatch.yaml", atomically: true, encoding: .utf8)
        return dir + "/rigwatch.yaml"
    }

    private func startSensor(_ config: String) throws -> SensorProcess {
        try SensorProcess(["run", "--config", config, "--events", "none"])
    }

    func testKill9WithSpooledAlertsThenRestartDeliversEachExactlyOnceInOrder() throws {
        let user = try TestUser.create(self, suffix: "k9")
        try installSudoers(self, name: "rwtest-k9", content: "\(user.name) ALL=(root) NOPASSWD: ALL\n")
        let mock = try MockDiscord(self)
        try mock.admin("mode", #"{"mode":"status","status":500,"count":100000}"#)  // Discord is down
        let config = try writeConfig(mock.dir, mock: mock, user: user.name)

        let first = try startSensor(config)
        let commands = [["/usr/bin/uname", "-n"], ["/usr/bin/whoami"], ["/usr/bin/uname", "-r"]]
        for argv in commands {
            XCTAssertEqual(try runCommand("/usr/bin/setpriv", user.asUser(["/usr/bin/sudo", "-n"] + argv)).status, 0)
        }
        // Wait until all three are in the spool (fsync'd), then kill -9.
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline,
            ((try? Data(contentsOf: URL(fileURLWithPath: mock.dir + "/spool/queue.log")))?.count ?? 0) < 3 * 200
        {
            usleep(100_000)
        }
        usleep(500_000)
        first.stop(SIGKILL)
        XCTAssertEqual(try mock.embeds().count, 0, "nothing could be delivered while Discord was down")

        try mock.admin("mode", #"{"mode":"ok"}"#)
        let second = try startSensor(config)
        let embeds = try mock.waitForEmbeds(3, timeout: 30)
        usleep(1_500_000)  // anything duplicated would arrive now
        second.stop()
        let stderrText = second.stderrText
        let all = try mock.embeds()
        XCTAssertEqual(all.count, 3, "each spooled alert exactly once: \(all.compactMap { $0["title"] })")
        let titles = embeds.compactMap { $0["title"] as? String }
        for (title, argv) in zip(titles, commands) {
            XCTAssertTrue(title.contains(argv.joined(separator: " ")), "order: \(titles)")
        }
        XCTAssertFalse(stderrText.contains("rwtest-token"), "the webhook token leaked into logs")
        // The alert log has them too, 0600.
        var info = stat()
        stat(mock.dir + "/alerts.jsonl", &info)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
    }

    func testGroupReadableWebhookFileIsRefused() throws {
        let mock = try MockDiscord(self)
        let config = try writeConfig(mock.dir, mock: mock, user: "root")
        chmod(mock.dir + "/webhook", 0o640)
        let r = try runCommand(Repo.rigwatchBinary, ["test-alert", "--config", config])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(
            r.stderr.contains(
                "refusing the webhook file \(mock.dir)/webhook: it is readable by group or others (mode 640)"), r.stderr
        )
        XCTAssertFalse((r.stdout + r.stderr).contains("rwtest-token"))
    }

    func testTestAlertReportsEachSink() throws {
        let mock = try MockDiscord(self)
        let config = try writeConfig(mock.dir, mock: mock, user: "root")
        let ok = try runCommand(Repo.rigwatchBinary, ["test-alert", "--config", config])
        XCTAssertEqual(ok.status, 0, ok.stdout + ok.stderr)
        XCTAssertTrue(ok.stdout.contains("alert log \(mock.dir)/alerts.jsonl: written"), ok.stdout)
        XCTAssertTrue(
            ok.stdout.contains("Discord http://127.0.0.1:\(mock.port)/api/webhooks/1234567890/***: delivered"),
            ok.stdout)
        XCTAssertEqual(try mock.embeds().count, 1)

        try mock.admin("mode", #"{"mode":"status","status":500,"count":100000}"#)
        let down = try runCommand(Repo.rigwatchBinary, ["test-alert", "--config", config, "--timeout", "3"])
        XCTAssertEqual(down.status, 1)
        XCTAssertTrue(down.stdout.contains("NOT delivered"), down.stdout)
        XCTAssertFalse((down.stdout + down.stderr).contains("rwtest-token"))
    }

    /// The figure for the notes: event timestamp (kernel) to the POST arriving at
    /// the local server, over 40 real privileged execs. Printed, not asserted.
    func testLatencyFromEventToWebhook() throws {
        let user = try TestUser.create(self, suffix: "lat")
        try installSudoers(self, name: "rwtest-lat", content: "\(user.name) ALL=(root) NOPASSWD: ALL\n")
        let mock = try MockDiscord(self)
        try mock.admin("ratelimit", #"{"limit":1000,"window":1.0}"#)
        let config = try writeConfig(mock.dir, mock: mock, user: user.name, stormPerRule: 100)
        let sensor = try startSensor(config)
        for i in 0..<40 {
            _ = try runCommand(
                "/usr/bin/setpriv", user.asUser(["/usr/bin/sudo", "-n", "/usr/bin/echo", "latency-\(i)"]))
            usleep(200_000)
        }
        let embeds = try mock.waitForEmbeds(40, timeout: 30)
        sensor.stop()
        XCTAssertEqual(embeds.count, 40)
        // Event wall time from the alert log, receive time from the server's record.
        let log = try String(contentsOfFile: mock.dir + "/alerts.jsonl", encoding: .utf8).split(separator: "\n")
        var eventTimes: [String: Double] = [:]
        for line in log {
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let title = o["title"] as? String, let ns = (o["event_wall_ns"] as? NSNumber)?.doubleValue
            else { continue }
            eventTimes[title] = ns / 1e9
        }
        var latencies: [Double] = []
        for message in try mock.received() {
            for embed in (message.body["embeds"] as? [[String: Any]]) ?? [] {
                guard let title = embed["title"] as? String,
                    let event = eventTimes.first(where: { title.hasSuffix($0.key) })?.value
                else { continue }
                latencies.append((message.receivedAt - event) * 1000)
            }
        }
        latencies.sort()
        XCTAssertEqual(latencies.count, 40)
        guard !latencies.isEmpty else { return }
        let median = latencies[latencies.count / 2]
        let p99 = latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))]
        print(
            String(
                format: "alert latency event→webhook POST over %d alerts: median %.1f ms, p99 %.1f ms", latencies.count,
                median, p99))
        XCTAssertGreaterThan(median, 0)
    }
}

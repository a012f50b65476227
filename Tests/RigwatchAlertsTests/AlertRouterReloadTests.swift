// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchAlerts
import RigwatchCore
import RigwatchIO
import XCTest

/// SIGHUP's alert part: new delivery settings are validated on the caller's thread
/// (`prepare`) and taken over by the router thread (`commit`), whole or not at all.
/// The webhook here is a closed local port: every delivery attempt fails at once,
/// so what was spooled and what failed show which settings were in force.
final class AlertRouterReloadTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "rwrouter-reload-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func settings(webhook: Bool) throws -> AlertRouter.Settings {
        var s = AlertRouter.Settings(
            host: "rwtest-host", sensorVersion: "test", logPath: dir + "/alerts.jsonl",
            spoolDirectory: dir + "/spool")
        if webhook { s.webhook = try WebhookURL("http://127.0.0.1:1/api/webhooks/1/rwtest-token") }
        s.connectTimeoutMs = 500
        s.totalTimeoutMs = 1000
        return s
    }

    private func alert(_ n: Int, rule: String = "unlisted-privileged-exec") -> Alert {
        var a = Alert(rule: rule, severity: .high, title: "alert \(n)", eventTimeNs: UInt64(n), dedupKey: "k\(n)")
        a.id = "a\(n)"
        return a
    }

    private func quietRouter(_ s: AlertRouter.Settings) throws -> AlertRouter {
        let router = try AlertRouter(settings: s, clock: SystemClock())
        router.onLog = { _ in }
        return router
    }

    func testAWebhookAddedByReloadGetsASpoolAndTheNewLimits() throws {
        let router = try quietRouter(try settings(webhook: false))
        router.start()
        router.submit(alert(1, rule: "test-alert"), eventWallNs: 1)
        let deadline = Date().addingTimeInterval(5)
        while router.snapshot().received < 1 && Date() < deadline { usleep(10_000) }  // handled before the reload

        var new = try settings(webhook: true)
        new.perRuleLimit = 1
        new.logPath = dir + "/elsewhere.jsonl"  // takes a restart: ignored by a running router
        new.spoolDirectory = dir + "/other-spool"  // likewise
        let change = try router.prepare(new)
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: dir + "/spool"), "the spool opens when the change is prepared")
        router.commit(change)
        for n in 2...4 { router.submit(alert(n), eventWallNs: Int64(n)) }
        router.stop(drainSeconds: 0.5)

        let stats = router.snapshot()
        XCTAssertEqual(stats.received, 4)
        // Alert 1 came before the webhook: logged only. Of 2...4 one goes out and two are
        // summarised (storm limit 1), so two records wait in the spool.
        XCTAssertEqual(stats.spooled, 2)
        XCTAssertEqual(stats.spoolDepth, 2)
        XCTAssertGreaterThanOrEqual(stats.deliveryFailures, 1, "delivery to the new webhook was tried")
        XCTAssertEqual(router.settings.perRuleLimit, 1)
        XCTAssertEqual(router.settings.webhook?.value, new.webhook?.value)
        XCTAssertEqual(router.settings.logPath, dir + "/alerts.jsonl")
        XCTAssertEqual(router.settings.spoolDirectory, dir + "/spool")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/other-spool"))
        let log = try String(contentsOfFile: dir + "/alerts.jsonl", encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").count, 4, "every alert is in the log it started with")
    }

    func testAFailedPrepareChangesNothing() throws {
        // The spool directory cannot be made: a file is in the way.
        var start = try settings(webhook: false)
        start.spoolDirectory = dir + "/blocker/spool"
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/blocker"))
        let router = try quietRouter(start)
        router.start()
        var new = start
        new.webhook = try settings(webhook: true).webhook
        new.dedupWindowSeconds = 1
        XCTAssertThrowsError(try router.prepare(new))
        router.submit(alert(1), eventWallNs: 1)
        router.stop(drainSeconds: 0.5)
        XCTAssertNil(router.settings.webhook)
        XCTAssertEqual(router.settings.dedupWindowSeconds, 60)
        XCTAssertEqual(router.snapshot().spooled, 0)
        XCTAssertEqual(router.snapshot().deliveryFailures, 0)
    }

    func testAWebhookRemovedByReloadStopsSpoolingAndKeepsWhatIsSpooled() throws {
        let router = try quietRouter(try settings(webhook: true))
        router.start()
        router.submit(alert(1), eventWallNs: 1)
        // Wait until the first is spooled, then take the webhook away.
        let deadline = Date().addingTimeInterval(5)
        while router.snapshot().spooled < 1 && Date() < deadline { usleep(10_000) }
        router.commit(try router.prepare(try settings(webhook: false)))
        router.submit(alert(2), eventWallNs: 2)
        router.stop(drainSeconds: 0.5)
        XCTAssertEqual(router.snapshot().received, 2)
        XCTAssertEqual(router.snapshot().spooled, 1)
        XCTAssertEqual(router.snapshot().spoolDepth, 1, "the spooled alert waits for a webhook")
        XCTAssertNil(router.settings.webhook)
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchAlerts
import RigwatchCore
import XCTest

/// One owner per spool: a second opener, in this process or another, gets an
/// error that names the holder, and writes nothing.
final class SpoolLockTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "rwtest-spoollock-\(UUID().uuidString)/spool"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent)
    }

    func testASecondOpenerIsToldWhoHoldsTheSpoolAndWritesNothing() throws {
        let first = try Spool(directory: dir, owner: "rigwatch replay --send trace.jsonl")
        try first.append(Array("one".utf8))
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/queue.log"))
        XCTAssertThrowsError(try Spool(directory: dir, owner: "rigwatch test-alert")) { error in
            XCTAssertEqual(
                String(describing: error),
                "the spool \(dir) is in use by pid \(getpid()) (rigwatch replay --send trace.jsonl); stop it first, or give this command its own alerts.spool_dir"
            )
            XCTAssertEqual((error as? SpoolInUse)?.pid, getpid())
        }
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: dir + "/queue.log")), before, "nothing written beside it")
        var info = stat()
        stat(dir + "/lock", &info)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        first.close()
        let second = try Spool(directory: dir, owner: "rigwatch test-alert")
        XCTAssertEqual(second.entries.map(\.sequence), [1], "closing lets go")
    }

    /// Another process holding the flock (a shell that took it with flock(1), then became
    /// sleep with the descriptor); the pid is the one the lock file names.
    func testAnotherProcessHoldingTheLockIsRefusedUntilItEnds() throws {
        try "4242\nrigwatch run --config /etc/rigwatch/rigwatch.yaml\n".write(
            toFile: dir + "/lock", atomically: false, encoding: .utf8)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/sh")
        holder.arguments = [
            "-c", "exec 9<>\"$0/lock\"; /usr/bin/flock --exclusive 9; : > \"$0/../held\"; exec /bin/sleep 30", dir,
        ]
        try holder.run()
        defer {
            holder.terminate()
            holder.waitUntilExit()
        }
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: dir + "/../held") { usleep(10_000) }
        var refused: Error?
        XCTAssertThrowsError(try Spool(directory: dir)) { refused = $0 }
        XCTAssertEqual(
            refused.map { String(describing: $0) },
            "the spool \(dir) is in use by pid 4242 (rigwatch run --config /etc/rigwatch/rigwatch.yaml); stop it first, or give this command its own alerts.spool_dir"
        )
        holder.terminate()
        holder.waitUntilExit()
        XCTAssertNoThrow(try Spool(directory: dir), "the kernel let go when the holder died")
    }

    /// The router holds the spool for its life and lets go when it stops.
    func testARouterHoldsItsSpoolUntilItStops() throws {
        var settings = AlertRouter.Settings(
            host: "h", sensorVersion: "test", logPath: nil, spoolDirectory: dir)
        settings.webhook = try WebhookURL("http://127.0.0.1:1/api/webhooks/1/rwtest-token")
        let router = try AlertRouter(
            settings: settings, clock: ManualClockForLock(), transport: { _, _, _ in NoTransport() })
        router.onLog = { _ in }
        XCTAssertThrowsError(try AlertRouter(settings: settings, clock: ManualClockForLock())) {
            XCTAssertTrue($0 is SpoolInUse, "\($0)")
        }
        router.start()
        router.stop(drainSeconds: 0)
        XCTAssertNoThrow(try Spool(directory: dir))
    }
}

private final class NoTransport: AlertTransport {
    func post(url: String, json: String) throws -> TransportResponse { TransportResponse(status: 204) }
}

private struct ManualClockForLock: TimeSource {
    func bootNowNs() -> UInt64 { 1 }
    func wallNowNs() -> Int64 { 1_750_000_000_000_000_000 }
    func sleep(untilWallNs: Int64) {}
}

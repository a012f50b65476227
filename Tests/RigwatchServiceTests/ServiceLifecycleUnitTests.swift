// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchService
import RigwatchTestSupport
import XCTest

/// The instance lock and sd_notify, without a sensor: a second holder is refused
/// with the first one's pid; readiness datagrams reach path and abstract sockets.
final class ServiceLifecycleUnitTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "rwlifecycle-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    // MARK: Instance lock

    func testLockIsExclusiveNamesItsHolderAndIsReleased() throws {
        let path = dir + "/run/rigwatch/rigwatch.lock"  // the directories are created
        let first = try InstanceLock.acquire(path: path, pid: 4242)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "4242\n")
        XCTAssertEqual(InstanceLock.holder(of: path), 4242)

        // flock is per open file: a second open in this very process is refused like another process would be.
        XCTAssertThrowsError(try InstanceLock.acquire(path: path, pid: 5555)) { error in
            guard let held = error as? InstanceLock.Held else { return XCTFail("\(error)") }
            XCTAssertEqual(held.pid, 4242)
            XCTAssertEqual(
                held.description,
                "another rigwatch is already running (pid 4242 holds \(path)); stop it first (systemctl stop rigwatch), or give this one its own service.lock_file"
            )
        }
        XCTAssertEqual(InstanceLock.holder(of: path), 4242, "the refused one did not overwrite the pid")

        first.release()
        let second = try InstanceLock.acquire(path: path, pid: 77)
        XCTAssertEqual(
            try String(contentsOfFile: path, encoding: .utf8), "77\n", "a shorter pid leaves no digits behind")
        second.release()
    }

    func testLockIsReleasedWhenItsHolderGoesAway() throws {
        let path = dir + "/rigwatch.lock"
        do {
            _ = try InstanceLock.acquire(path: path, pid: 1)
        }  // deinit closes the descriptor, as the kernel does for a process that dies
        XCTAssertNoThrow(try InstanceLock.acquire(path: path, pid: 2).release())
    }

    func testLockFileThatCannotBeMadeIsAnError() throws {
        try Data().write(to: URL(fileURLWithPath: dir + "/file"))
        XCTAssertThrowsError(try InstanceLock.acquire(path: dir + "/file/rigwatch.lock")) { error in
            XCTAssertTrue(error is InstanceLock.Failure, "\(error)")
        }
    }

    func testRunningHolderIsThePidOnlyWhileTheLockIsHeld() throws {
        let path = dir + "/held.lock"
        XCTAssertNil(InstanceLock.runningHolder(of: path), "no file")
        let lock = try InstanceLock.acquire(path: path, pid: 4242)
        XCTAssertEqual(InstanceLock.runningHolder(of: path), 4242)
        lock.release()
        // The file and its pid stay, but nobody holds it: no running sensor.
        XCTAssertEqual(InstanceLock.holder(of: path), 4242)
        XCTAssertNil(InstanceLock.runningHolder(of: path))
    }

    // MARK: sd_notify

    func testNotifyReachesAPathSocket() throws {
        let path = dir + "/notify.sock"
        let listener = try NotifySocket(bind: path)
        let notify = try XCTUnwrap(SystemdNotify(environment: ["NOTIFY_SOCKET": path]))
        try notify.send("READY=1\nSTATUS=watching")
        XCTAssertEqual(listener.receive(timeoutMs: 2000), "READY=1\nSTATUS=watching")
        try notify.send("STOPPING=1")
        XCTAssertEqual(listener.receive(timeoutMs: 2000), "STOPPING=1")
    }

    func testNotifyReachesAnAbstractSocket() throws {
        let name = "rwtest-notify-\(UUID().uuidString)"
        let listener = try NotifySocket(bind: "@" + name)
        try SystemdNotify(socket: "@" + name).send("READY=1")
        XCTAssertEqual(listener.receive(timeoutMs: 2000), "READY=1")
    }

    func testNotifyIsOffWithoutTheVariableAndRefusesOddAddresses() {
        XCTAssertNil(SystemdNotify(environment: [:]))
        XCTAssertNil(SystemdNotify(environment: ["NOTIFY_SOCKET": ""]))
        XCTAssertThrowsError(try SystemdNotify(socket: "relative/notify").send("READY=1"))
        XCTAssertThrowsError(try SystemdNotify(socket: "@").send("READY=1"))
        XCTAssertThrowsError(try SystemdNotify(socket: "/" + String(repeating: "x", count: 200)).send("READY=1"))
        // Nobody listening: an error the sensor logs, never a crash.
        XCTAssertThrowsError(try SystemdNotify(socket: dir + "/nobody.sock").send("READY=1"))
    }

    // MARK: Watchdog

    func testWatchdogPingsAtStartThenEveryHalfInterval() throws {
        var watchdog = try XCTUnwrap(SystemdWatchdog(environment: ["WATCHDOG_USEC": "30000000"], pid: 42))
        XCTAssertEqual(watchdog.intervalNs, 30_000_000_000)
        let t0: UInt64 = 1_000_000_000
        XCTAssertTrue(watchdog.due(nowNs: t0))
        XCTAssertFalse(watchdog.due(nowNs: t0 + 14_999_999_999))
        XCTAssertTrue(watchdog.due(nowNs: t0 + 15_000_000_000))
        XCTAssertFalse(watchdog.due(nowNs: t0 + 15_000_000_001))
        // The monotonic clock never goes back; if a caller's did, ping rather than go silent.
        XCTAssertTrue(watchdog.due(nowNs: t0))
    }

    func testWatchdogIsOffWhenNotAskedOrMeantForAnotherProcess() {
        XCTAssertNil(SystemdWatchdog(environment: [:], pid: 42))
        XCTAssertNil(SystemdWatchdog(environment: ["WATCHDOG_USEC": "0"], pid: 42))
        XCTAssertNil(SystemdWatchdog(environment: ["WATCHDOG_USEC": "soon"], pid: 42))
        XCTAssertNil(SystemdWatchdog(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "7"], pid: 42))
        XCTAssertEqual(
            SystemdWatchdog(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "42"], pid: 42)?.intervalNs,
            30_000_000_000)
        XCTAssertEqual(SystemdWatchdog(environment: ["WATCHDOG_USEC": String(UInt64.max)], pid: 1)?.intervalNs, .max)
    }
}

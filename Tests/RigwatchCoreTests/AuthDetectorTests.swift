// SPDX-License-Identifier: Apache-2.0
import XCTest

@testable import RigwatchCore

final class AuthDetectorTests: XCTestCase {
    let watched = WatchedUser(uid: 1001, name: "kaalia")

    func engine(_ settings: AuthSettings = AuthSettings(failures: 3, windowSeconds: 60)) -> Engine {
        Engine(config: EngineConfig(watchedUsers: [watched]), detectors: [AuthDetector(settings: settings)])
    }

    func event(
        _ seconds: UInt64, type: UInt16 = 1100, acct: String, exe: String = "/usr/bin/su", addr: String = "",
        uid: UInt32 = 995, pid: UInt32 = 700, success: Bool = false
    ) -> Event {
        .auth(
            AuthEvent(
                timestampNs: seconds * 1_000_000_000, pid: pid, uid: uid, recordType: type,
                op: type == 1112 ? "login" : "PAM:authentication", acct: acct, exe: exe, addr: addr,
                terminal: "/dev/pts/0", success: success))
    }

    func testFailuresOfOneAccountWithinTheWindowAreABurst() throws {
        let e = engine()
        XCTAssertEqual(e.consume(event(10, acct: "rwtestauth")), [])
        XCTAssertEqual(e.consume(event(20, acct: "other")), [])
        XCTAssertEqual(e.consume(event(71, acct: "rwtestauth")), [], "the first failure left the window")
        XCTAssertEqual(e.consume(event(72, acct: "rwtestauth")), [])
        let alerts = e.consume(event(73, acct: "rwtestauth"))
        XCTAssertEqual(alerts.count, 1)
        let a = try XCTUnwrap(alerts.first)
        XCTAssertEqual(a.rule, "auth-brute-force")
        XCTAssertEqual(a.severity, .high)
        XCTAssertEqual(a.title, "3 failed authentications for account rwtestauth within 60 s (su)")
        XCTAssertEqual(a.dedupKey, "auth-brute-force:account:rwtestauth")
        XCTAssertEqual(a.eventTimeNs, 73_000_000_000)
        XCTAssertEqual(
            a.evidence.map(\.0),
            [
                "account", "service", "exe", "address", "hostname", "terminal", "record_type", "op", "result", "pid",
                "uid",
                "burst_by", "failures", "window_seconds",
            ])
        XCTAssertEqual(
            a.evidence.map(\.1),
            [
                "rwtestauth", "su", "/usr/bin/su", "", "", "/dev/pts/0", "USER_AUTH", "PAM:authentication", "failed",
                "700",
                "995", "account", "3", "60",
            ])
        XCTAssertEqual(e.consume(event(74, acct: "rwtestauth")), [], "the count starts again after an alert")
    }

    func testFailuresFromOneAddressAcrossAccountsAreABurst() {
        let e = engine()
        _ = e.consume(event(1, acct: "a", exe: "/usr/sbin/sshd", addr: "203.0.113.9"))
        _ = e.consume(event(2, acct: "b", exe: "/usr/sbin/sshd", addr: "203.0.113.9"))
        let alerts = e.consume(event(3, acct: "c", exe: "/usr/sbin/sshd", addr: "203.0.113.9"))
        XCTAssertEqual(alerts.map(\.dedupKey), ["auth-brute-force:address:203.0.113.9"])
        XCTAssertEqual(alerts.first?.title, "3 failed authentications for address 203.0.113.9 within 60 s (sshd)")
    }

    func testSuccessesAndOtherRecordsCountNoFailure() {
        let e = engine()
        for t in 1...5 { XCTAssertEqual(e.consume(event(UInt64(t), acct: "x", success: true)), []) }
        for t in 6...10 { XCTAssertEqual(e.consume(event(UInt64(t), type: 1101, acct: "x")), []) }
    }

    func testRootOverSSHIsOneAlertPerLogin() throws {
        let e = engine()
        let first = e.consume(
            event(5, acct: "root", exe: "/usr/sbin/sshd", addr: "198.51.100.4", pid: 900, success: true))
        XCTAssertEqual(first.map(\.rule), ["auth-root-ssh-login"])
        XCTAssertEqual(first.first?.severity, .high)
        XCTAssertEqual(first.first?.title, "root logged in over SSH from 198.51.100.4")
        XCTAssertEqual(first.first?.dedupKey, "auth-root-ssh-login:198.51.100.4")
        XCTAssertEqual(
            e.consume(
                event(5, type: 1112, acct: "root", exe: "/usr/sbin/sshd", addr: "198.51.100.4", pid: 900, success: true)
            ),
            [], "the same login's USER_LOGIN")
        XCTAssertEqual(
            e.consume(event(6, acct: "root", exe: "/usr/bin/su", success: true)), [], "su to root is not SSH")
        XCTAssertEqual(e.consume(event(7, acct: "root", exe: "/usr/sbin/sshd", addr: "198.51.100.4", pid: 901)), [])
    }

    func testAWatchedLoginFromAnAddressOffItsAllowList() throws {
        let e = engine(
            AuthSettings(allowedAddresses: ["kaalia": [CIDR("10.0.0.0/8")!, CIDR("192.0.2.7")!], "nobody2": []]))
        XCTAssertEqual(
            e.consume(event(1, type: 1112, acct: "kaalia", exe: "/usr/sbin/sshd", addr: "10.1.2.3", success: true)), [])
        let alerts = e.consume(
            event(2, type: 1112, acct: "kaalia", exe: "/usr/sbin/sshd", addr: "203.0.113.5", success: true))
        let a = try XCTUnwrap(alerts.first)
        XCTAssertEqual(alerts.count, 1)
        XCTAssertEqual(a.rule, "auth-watched-login-unexpected-address")
        XCTAssertEqual(a.severity, .medium)
        XCTAssertEqual(a.title, "kaalia logged in from 203.0.113.5, which its allow-list does not hold")
        XCTAssertEqual(a.dedupKey, "auth-watched-login-unexpected-address:kaalia:203.0.113.5")
        XCTAssertEqual(a.evidence.last?.0, "allowed")
        XCTAssertEqual(a.evidence.last?.1, "10.0.0.0/8,192.0.2.7/32")
        XCTAssertEqual(
            e.consume(event(3, type: 1112, acct: "nobody2", exe: "/usr/sbin/sshd", addr: "203.0.113.5", success: true)),
            [],
            "an empty allow-list checks nothing")
        XCTAssertEqual(
            e.consume(event(4, type: 1112, acct: "other", exe: "/usr/sbin/sshd", addr: "203.0.113.5", success: true)),
            [])
    }

    func testAWatchedAccountFailingSudo() throws {
        let e = engine()
        let alerts = e.consume(event(1, acct: "kaalia", exe: "/usr/bin/sudo", uid: 1001))
        XCTAssertEqual(alerts.map(\.rule), ["auth-sudo-failure"])
        XCTAssertEqual(alerts.first?.severity, .medium)
        XCTAssertEqual(alerts.first?.title, "Watched account kaalia failed sudo authentication")
        XCTAssertEqual(alerts.first?.dedupKey, "auth-sudo-failure:kaalia")
        XCTAssertEqual(e.consume(event(2, acct: "someone", exe: "/usr/bin/sudo", uid: 1500)), [])
        XCTAssertEqual(e.consume(event(3, acct: "kaalia", exe: "/usr/bin/sudo", uid: 1001, success: true)), [])
    }

    func testReloadTakesNewThresholds() {
        let e = engine()
        e.apply(DetectorSettings(auth: AuthSettings(failures: 1, windowSeconds: 10)))
        XCTAssertEqual(e.consume(event(1, acct: "z")).map(\.rule), ["auth-brute-force"])
    }
}

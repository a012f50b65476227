// SPDX-License-Identifier: Apache-2.0
import XCTest

@testable import RigwatchCore

/// PAM's audit records as this machine's libpam (Debian 12, 1.5.2) wrote them for
/// a failed and a good `su`, read from the audit multicast group.
final class AuthMessageTests: XCTestCase {
    let failedSu =
        #"audit(1796195087.797:753): pid=28998 uid=995 auid=4294967295 ses=4294967295 msg='op=PAM:authentication grantors=? acct="rwtestauthx" exe="/usr/bin/su" hostname=? addr=? terminal=/dev/pts/0 res=failed'"#
    let goodSession =
        #"audit(1796195092.177:757): pid=29024 uid=995 auid=1000 ses=3 msg='op=PAM:session_open grantors=pam_env,pam_env,pam_mail,pam_limits,pam_permit,pam_unix acct="rwtestauthx" exe="/usr/bin/su" hostname=? addr=? terminal=/dev/pts/0 res=success'"#

    func testAFailedSuReadsAsItsFields() throws {
        let e = try XCTUnwrap(AuthMessage.parse(type: 1100, Array(failedSu.utf8)))
        XCTAssertEqual(
            e,
            AuthEvent(
                timestampNs: 1_796_195_087_797_000_000, pid: 28998, uid: 995, auid: AuthEvent.unset,
                ses: AuthEvent.unset, recordType: 1100, op: "PAM:authentication", acct: "rwtestauthx",
                exe: "/usr/bin/su", hostname: "", addr: "", terminal: "/dev/pts/0", success: false))
        XCTAssertEqual(e.typeName, "USER_AUTH")
        XCTAssertEqual(e.service, "su")
        XCTAssertEqual(e.resultName, "failed")
    }

    func testAFailedSudoHasNoTerminal() throws {
        // `sudo -S` with a wrong password on stdin, captured here too.
        let text =
            #"audit(1796196613.105:2129): pid=811 uid=999 auid=4294967295 ses=4294967295 msg='op=PAM:authentication grantors=? acct="rwtestauthz" exe="/usr/bin/sudo" hostname=? addr=? terminal=? res=failed'"#
        let e = try XCTUnwrap(AuthMessage.parse(type: 1100, Array(text.utf8)))
        XCTAssertEqual(
            [e.acct, e.exe, e.service, e.terminal, e.addr], ["rwtestauthz", "/usr/bin/sudo", "sudo", "", ""])
        XCTAssertEqual([e.pid, e.uid], [811, 999])
        XCTAssertFalse(e.success)
    }

    func testTheWallTimeMovesOntoTheBootClock() throws {
        let e = try XCTUnwrap(
            AuthMessage.parse(type: 1105, Array(goodSession.utf8), wallMinusBootNs: 1_796_000_000_000_000_000))
        XCTAssertEqual(e.timestampNs, 195_092_177_000_000)
        XCTAssertEqual([e.auid, e.ses], [1000, 3])
        XCTAssertEqual(e.typeName, "USER_START")
        XCTAssertEqual(e.op, "PAM:session_open")
        XCTAssertTrue(e.success)
    }

    func testSshdRecordsCarryTheAddressAndAHexAccount() throws {
        // libaudit writes an account with a space as hex; sshd fills hostname and addr.
        let text =
            #"audit(1796195100.001:800): pid=4242 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:authentication grantors=? acct=6A6F686E20646F65 exe="/usr/sbin/sshd" hostname=203.0.113.9 addr=203.0.113.9 terminal=ssh res=failed'"#
        let e = try XCTUnwrap(AuthMessage.parse(type: 1100, Array(text.utf8)))
        XCTAssertEqual(e.acct, "john doe")
        XCTAssertEqual(e.service, "sshd")
        XCTAssertEqual([e.hostname, e.addr, e.terminal], ["203.0.113.9", "203.0.113.9", "ssh"])
        XCTAssertFalse(e.success)
    }

    func testSshdsOwnLoginRecordReads() throws {
        let text =
            #"audit(1796195101.500:801): pid=4243 uid=0 auid=0 ses=7 msg='op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=198.51.100.4 terminal=/dev/pts/2 res=success'"#
        let e = try XCTUnwrap(AuthMessage.parse(type: 1112, Array(text.utf8)))
        XCTAssertEqual(e.typeName, "USER_LOGIN")
        XCTAssertEqual([e.op, e.acct, e.addr, e.hostname], ["login", "root", "198.51.100.4", ""])
        XCTAssertTrue(e.success)
    }

    func testOtherTypesAreNotKeptAndACutRecordIsAnError() throws {
        XCTAssertNil(try AuthMessage.parse(type: 1300, Array(failedSu.utf8)))
        XCTAssertNil(try AuthMessage.parse(type: 1123, Array(failedSu.utf8)), "USER_CMD is sudo's, not PAM's")
        let cut = String(failedSu.prefix(120))
        XCTAssertThrowsError(try AuthMessage.parse(type: 1100, Array(cut.utf8))) {
            XCTAssertEqual(String(describing: $0), "type 1100: unterminated msg='…' (record cut short?)")
        }
    }

    func testTheRecordTypeNamesReadBack() {
        XCTAssertEqual(AuthRecordType.type(named: "USER_CHAUTHTOK"), 1108)
        XCTAssertEqual(AuthRecordType.type(named: "USER_ERR"), 1109)
        XCTAssertEqual(AuthRecordType.name(of: 1103), "CRED_ACQ")
        XCTAssertNil(AuthRecordType.type(named: "USER_NOPE"))
    }
}

/// The `auth` line as JSON and as text.
final class AuthFormatTests: XCTestCase {
    func testJSONAndTextLines() {
        let event = Event.auth(
            AuthEvent(
                timestampNs: 2_000_000_000, pid: 28998, uid: 995, recordType: 1100, op: "PAM:authentication",
                acct: "john doe", exe: "/usr/bin/su", terminal: "/dev/pts/0", success: false))
        let origin = LineOrigin(host: "rig-01", bootOffsetNs: 1_796_000_000_000_000_000)
        XCTAssertEqual(
            EventFormat.json(event, origin: origin),
            #"{"type":"auth","time":"2026-11-30T00:53:22.000000Z","host":"rig-01","ts_ns":2000000000,"pid":28998,"uid":995,"auid":4294967295,"ses":4294967295,"record_type":"USER_AUTH","op":"PAM:authentication","acct":"john doe","exe":"/usr/bin/su","service":"su","hostname":"","addr":"","terminal":"/dev/pts/0","res":"failed"}"#
        )
        XCTAssertEqual(
            EventFormat.text(event, origin: origin),
            "2026-11-30T00:53:22.000000Z rig-01 auth USER_AUTH pid=28998 uid=995 op=PAM:authentication acct='john doe' service=su addr=? terminal=/dev/pts/0 res=failed"
        )
    }
}

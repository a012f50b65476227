// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI

/// One authentication step as PAM (or sshd, login) reports it to the audit
/// subsystem: `USER_AUTH` for a password check, `USER_LOGIN` for a login, and so
/// on (`struct rw_auth`). Read from the audit multicast group by userspace, so it
/// is recorded into traces like GPU samples. A `?` in the record is "" here.
public struct AuthEvent: Equatable, Sendable {
    /// CLOCK_BOOTTIME ns (the record's wall time moved onto the sensor's clock).
    public var timestampNs: UInt64
    /// The process that wrote the record (su, sudo, sshd).
    public var pid: UInt32
    public var uid: UInt32
    /// Login uid and session of that process; `AuthEvent.unset` when none.
    public var auid: UInt32
    public var ses: UInt32
    /// Audit message type, 1100 ... 1199 (`AuthRecordType`).
    public var recordType: UInt16
    /// `PAM:authentication`, `PAM:accounting`, `login` …
    public var op: String
    /// The account the step is for; "" when PAM did not know it.
    public var acct: String
    public var exe: String
    public var hostname: String
    public var addr: String
    public var terminal: String
    public var success: Bool

    /// auid and ses of a process that never logged in.
    public static let unset: UInt32 = 0xffff_ffff

    public init(
        timestampNs: UInt64, pid: UInt32, uid: UInt32, auid: UInt32 = AuthEvent.unset, ses: UInt32 = AuthEvent.unset,
        recordType: UInt16, op: String, acct: String, exe: String, hostname: String = "", addr: String = "",
        terminal: String = "", success: Bool
    ) {
        self.timestampNs = timestampNs
        self.pid = pid
        self.uid = uid
        self.auid = auid
        self.ses = ses
        self.recordType = recordType
        self.op = op
        self.acct = acct
        self.exe = exe
        self.hostname = hostname
        self.addr = addr
        self.terminal = terminal
        self.success = success
    }

    /// `USER_AUTH` …, or the number for a type without a name here.
    public var typeName: String { AuthRecordType.name(of: recordType) }

    /// The program's name: the last component of `exe` ("sshd", "su", "sudo", "login").
    public var service: String {
        guard let slash = exe.lastIndex(of: "/") else { return exe }
        return String(exe[exe.index(after: slash)...])
    }

    /// `res=` as the record writes it.
    public var resultName: String { success ? "success" : "failed" }

    /// The record's header: the writer as both thread and process, no lineage.
    public var header: EventHeader {
        EventHeader(
            timestampNs: timestampNs, pid: pid, tgid: pid, ppid: 0, uid: uid, euid: uid, gid: 0, egid: 0,
            lineageUid: noLineage, cgroupId: 0, comm: Comm(low: 0, high: 0))
    }
}

/// The user-message types (linux/audit.h, 1100 ... 1199) that PAM, sshd and login send.
public enum AuthRecordType {
    public static let userAuth: UInt16 = 1100
    public static let userAcct: UInt16 = 1101
    public static let userLogin: UInt16 = 1112

    public static let names: [UInt16: String] = [
        1100: "USER_AUTH", 1101: "USER_ACCT", 1102: "USER_MGMT", 1103: "CRED_ACQ", 1104: "CRED_DISP",
        1105: "USER_START", 1106: "USER_END", 1108: "USER_CHAUTHTOK", 1109: "USER_ERR", 1110: "CRED_REFR",
        1112: "USER_LOGIN", 1113: "USER_LOGOUT",
    ]

    /// Whether rigwatch keeps records of this type.
    public static func isAuth(_ type: UInt16) -> Bool { names[type] != nil }

    public static func name(of type: UInt16) -> String { names[type] ?? String(type) }

    public static func type(named name: String) -> UInt16? {
        names.first { $0.value == name }?.key ?? UInt16(name)
    }
}

// SPDX-License-Identifier: Apache-2.0
import CAudit
import Foundation
import RigwatchCore
import RigwatchIO

/// PAM's audit records (logins, su, sudo), read from the audit subsystem's
/// read-only multicast group (AUDIT_NLGRP_READLOG, CAP_AUDIT_READ). Every member
/// of the group gets its own copy of every record, so this coexists with auditd
/// and with the audit source: it only reads (no AUDIT_SET, no rules).
public final class AuditLogMulticast {
    private let fd: Int32
    private let wallMinusBootNs = SystemClock.wallOffsetNs()
    private var buffer = [UInt8](repeating: 0, count: 16384)
    /// Records the kernel could not queue on this socket (ENOBUFS), and records that did not parse.
    public private(set) var overruns: UInt64 = 0
    public private(set) var malformed: UInt64 = 0
    /// Things the caller should log once (this target has no logger).
    public private(set) var warnings: [String] = []

    public init() throws {
        fd = try AuditReadLogSocket.open()
        // Reading the status (AUDIT_GET) changes nothing: with auditing off the kernel drops user records.
        if let status = try? AuditControl().status(), status.enabled == 0 {
            warnings.append(
                "auth: kernel auditing is disabled (enabled=0), so PAM's records are dropped; "
                    + "auditd or `auditctl -e 1` enables it")
        }
    }

    deinit { Glibc.close(fd) }

    /// Reads every queued record without waiting; hands each auth record to `handler`.
    public func drain(_ handler: (AuthEvent) -> Void) {
        for _ in 0..<1024 {
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n < 0 {
                if errno == ENOBUFS {
                    overruns += 1
                    continue
                }
                return  // EAGAIN: nothing more queued
            }
            guard n >= 16 else { continue }
            let type = UInt16(buffer[4]) | UInt16(buffer[5]) << 8
            guard AuthRecordType.isAuth(type) else { continue }
            var end = n
            while end > 16 && (buffer[end - 1] == 0 || buffer[end - 1] == 10) { end -= 1 }
            do {
                if let event = try AuthMessage.parse(
                    type: type, Array(buffer[16..<end]), wallMinusBootNs: wallMinusBootNs)
                {
                    handler(event)
                }
            } catch {
                malformed += 1
            }
        }
    }
}

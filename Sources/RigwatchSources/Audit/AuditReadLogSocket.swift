// SPDX-License-Identifier: Apache-2.0
import CAudit
import Foundation

/// A netlink audit socket joined to the read-only multicast group (AUDIT_NLGRP_READLOG,
/// CAP_AUDIT_READ): how the audit source and the auth reader both listen, each getting
/// its own copy of every record, beside auditd.
enum AuditReadLogSocket {
    static func open() throws -> Int32 {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_AUDIT)
        guard fd >= 0 else {
            throw AuditFailure("cannot open a netlink audit socket: \(String(cString: strerror(errno)))")
        }
        var addr = sockaddr_nl()
        addr.nl_family = sa_family_t(AF_NETLINK)
        addr.nl_groups = 1 << (UInt32(AUDIT_NLGRP_READLOG.rawValue) - 1)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
            }
        }
        guard rc == 0 else {
            let why = String(cString: strerror(errno))
            Glibc.close(fd)
            throw AuditFailure("cannot join the audit multicast group (needs CAP_AUDIT_READ): \(why)")
        }
        return fd
    }
}

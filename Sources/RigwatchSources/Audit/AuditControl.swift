// SPDX-License-Identifier: Apache-2.0
@preconcurrency import CAudit
import Foundation

/// The kernel's audit state (AUDIT_GET).
public struct AuditStatus: Equatable {
    public var enabled: UInt32
    public var pid: UInt32
    public var backlogLimit: UInt32
    public var lost: UInt32
    public var backlog: UInt32
}

public struct AuditFailure: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// libaudit on its own netlink socket: status, the audit pid, and rigwatch's rules.
/// Event records never arrive here (they go to the source's socket).
final class AuditControl {
    let fd: Int32

    init() throws {
        fd = audit_open()
        guard fd >= 0 else {
            throw AuditFailure(
                "cannot open the audit netlink socket: \(String(cString: strerror(errno))) (needs root and the initial namespaces)"
            )
        }
        // A reply that never comes must not hang the sensor.
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { audit_close(fd) }

    func status() throws -> AuditStatus {
        guard audit_request_status(fd) > 0 else {
            throw AuditFailure("audit status request failed: \(String(cString: strerror(errno)))")
        }
        var rep = audit_reply()
        for _ in 0..<16 {
            guard audit_get_reply(fd, &rep, GET_REPLY_BLOCKING, 0) > 0 else { break }
            if rep.type == AUDIT_GET, let s = rep.status?.pointee {
                return AuditStatus(
                    enabled: s.enabled, pid: s.pid, backlogLimit: s.backlog_limit, lost: s.lost, backlog: s.backlog)
            }
        }
        throw AuditFailure("no audit status reply from the kernel")
    }

    func setEnabled(_ value: UInt32) throws {
        guard audit_set_enabled(fd, value) > 0 else {
            throw AuditFailure("cannot set audit enabled=\(value): \(String(cString: strerror(errno)))")
        }
    }

    func setBacklogLimit(_ value: UInt32) {
        _ = audit_set_backlog_limit(fd, value)
    }

    /// Adds one `-a always,exit -F arch=ARCH -S names… -F key=KEY` rule. Names this
    /// arch lacks are left out; nil when none is left or the kernel has no such arch.
    func addRule(arch: String, syscalls: [String], key: String) throws -> String? {
        var rule: UnsafeMutablePointer<audit_rule_data>? = audit_rule_create_data()
        // libaudit keeps per-rule state in globals: arch must come before any syscall.
        _audit_syscalladded = 0
        defer {
            audit_rule_free_data(rule)
            _audit_syscalladded = 0
        }
        guard audit_rule_fieldpair_data(&rule, "arch=\(arch)", Int32(AUDIT_FILTER_EXIT)) == 0 else { return nil }
        var added: [String] = []
        for name in syscalls where audit_rule_syscallbyname_data(rule, name) == 0 { added.append(name) }
        guard !added.isEmpty else { return nil }
        _audit_syscalladded = 1
        guard audit_rule_fieldpair_data(&rule, "key=\(key)", Int32(AUDIT_FILTER_EXIT)) == 0 else {
            throw AuditFailure("audit key \(key) refused")
        }
        let rc = audit_add_rule_data(fd, rule, Int32(AUDIT_FILTER_EXIT), Int32(AUDIT_ALWAYS))
        if rc < 0 && -rc != EEXIST {
            if arch == "b32" && -rc == EINVAL { return nil }  // no 32-bit compat in this kernel
            throw AuditFailure(
                "cannot add audit rule (arch=\(arch) -S \(added.joined(separator: ","))): \(String(cString: strerror(-rc)))"
            )
        }
        return "-a always,exit -F arch=\(arch) -S \(added.joined(separator: ",")) -F key=\(key)"
    }

    /// Deletes every rule whose key is exactly `key` (a compound key is someone else's). Returns how many.
    @discardableResult
    func removeRules(key: String) throws -> Int {
        var removed = 0
        for var rule in try listRules() where AuditRuleBytes.hasKey(rule, key) {
            let rc = rule.withUnsafeMutableBytes { raw -> Int32 in
                let p = raw.baseAddress!.assumingMemoryBound(to: audit_rule_data.self)
                return audit_delete_rule_data(fd, p, Int32(p.pointee.flags), Int32(p.pointee.action))
            }
            if rc > 0 { removed += 1 }
        }
        return removed
    }

    /// Every rule in the kernel, as the raw `struct audit_rule_data` bytes.
    func listRules() throws -> [[UInt8]] {
        guard audit_request_rules_list_data(fd) > 0 else {
            throw AuditFailure("cannot list audit rules: \(String(cString: strerror(errno)))")
        }
        var rules: [[UInt8]] = []
        var rep = audit_reply()
        while audit_get_reply(fd, &rep, GET_REPLY_BLOCKING, 0) > 0 {
            if rep.type == NLMSG_DONE { return rules }
            if rep.type == NLMSG_ERROR, let e = rep.error?.pointee, e.error != 0 {
                throw AuditFailure("audit rule list failed: \(String(cString: strerror(-e.error)))")
            }
            if rep.type == AUDIT_LIST_RULES, let data = rep.ruledata {
                rules.append(Array(UnsafeRawBufferPointer(start: data, count: Int(rep.len))))
            }
        }
        throw AuditFailure("audit rule list ended early")
    }
}

/// Reads fields of a `struct audit_rule_data` held as bytes.
enum AuditRuleBytes {
    static let maxFields = 64
    static let fieldsOffset = 12 + 4 * maxFields  // after flags, action, field_count, mask[64]
    static let valuesOffset = fieldsOffset + 4 * maxFields
    static let buflenOffset = valuesOffset + 8 * maxFields  // values[64], fieldflags[64]
    static let bufOffset = buflenOffset + 4
    /// Field types whose value is a string in buf (selinux labels, watch, dir, exe, key).
    static let stringFields: Set<UInt32> = [13, 14, 15, 16, 17, 19, 20, 21, 22, 23, 105, 107, 112, 210]

    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        guard at + 4 <= b.count else { return 0 }
        return b[at..<at + 4].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
    }

    static func hasKey(_ b: [UInt8], _ key: String) -> Bool {
        let count = min(Int(u32(b, 8)), maxFields)
        var offset = bufOffset
        for i in 0..<count {
            let field = u32(b, fieldsOffset + 4 * i)
            guard stringFields.contains(field) else { continue }
            let len = Int(u32(b, valuesOffset + 4 * i))
            guard offset + len <= b.count else { return false }
            if field == UInt32(AUDIT_FILTERKEY), b[offset..<offset + len].elementsEqual(key.utf8) { return true }
            offset += len
        }
        return false
    }
}

// SPDX-License-Identifier: Apache-2.0
import CAudit
import Foundation
import RigwatchCore
import RigwatchIO

/// The kernel audit subsystem as an event source, for hosts where BPF cannot load.
/// Installs rigwatch's keyed rules, reads the records and turns them into the same
/// events as the BPF source (`AuditEventAssembler`).
///
/// Coexistence: when another daemon (auditd) is the audit pid and alive, rigwatch
/// only adds its rules and reads the read-only multicast group (AUDIT_NLGRP_READLOG);
/// otherwise it becomes the audit pid and restores the previous state on close.
public final class AuditSource {
    public struct Options {
        public var watchedUids: [UInt32] = []
        public var argsCap: Int = KernelABI.argsMax
        public var seedFromProc = true
        /// Socket receive buffer: records the kernel could not deliver count as lost.
        public var receiveBufferBytes: Int32 = 8 << 20
        /// Kernel backlog limit while rigwatch is the audit pid (the default 64 stalls exec storms).
        public var backlogLimit: UInt32 = 8192
        public init() {}
    }

    public enum Mode: Equatable {
        /// rigwatch is the audit pid (unicast records).
        case owner
        /// Another daemon owns audit; rigwatch reads the multicast group.
        case listener(daemonPid: UInt32)
    }

    public let options: Options
    public let assembler: AuditEventAssembler
    public private(set) var mode: Mode = .owner
    /// The rules installed, in auditctl syntax.
    public private(set) var installedRules: [String] = []
    public private(set) var seededCount = 0
    /// Things the caller should log (this target has no logger).
    public private(set) var warnings: [String] = []

    private let control: AuditControl
    private var eventFd: Int32 = -1
    private var previous: AuditStatus?
    private var lostAtStart: UInt32 = 0
    private var overruns: UInt64 = 0
    private var handler: ((Event) -> Void)?
    private var lastPrune = Date()
    private var buffer = [UInt8](repeating: 0, count: 16384)

    public init(options: Options) throws {
        self.options = options
        control = try AuditControl()
        var a = AuditEventAssembler.Options()
        a.watchedUids = Set(options.watchedUids)
        a.argsCap = options.argsCap
        a.wallMinusBootNs = SystemClock.wallOffsetNs()
        assembler = AuditEventAssembler(options: a, cgroupOf: { CgroupLookup.id(of: $0) })
    }

    deinit { close() }

    /// Connects, installs the rules and seeds lineage. Events arrive in `poll`.
    public func start(_ handler: @escaping (Event) -> Void) throws {
        self.handler = handler
        let status = try control.status()
        guard status.enabled != 2 else {
            throw AuditFailure("audit is locked (enabled=2): rules cannot be added until reboot")
        }
        // Left over from a crash: ours alone, by exact key.
        try control.removeRules(key: AuditRules.key)
        lostAtStart = status.lost
        if status.pid != 0 && (kill(pid_t(status.pid), 0) == 0 || errno == EPERM) {
            mode = .listener(daemonPid: status.pid)
            try openMulticast()
            if status.enabled == 0 {
                warnings.append(
                    "audit: the audit daemon (pid \(status.pid)) has auditing disabled; no records will come")
            }
        } else {
            mode = .owner
            try becomeAuditPid(status)
        }
        do {
            for arch in AuditRules.arches {
                for names in AuditRules.groups(arch: arch) {
                    if let rule = try control.addRule(arch: arch, syscalls: names, key: AuditRules.key) {
                        installedRules.append(rule)
                    }
                }
            }
            guard installedRules.contains(where: { $0.contains("execve") }) else {
                throw AuditFailure("the kernel refused rigwatch's execve audit rule")
            }
        } catch {
            close()
            throw error
        }
        if options.seedFromProc && !options.watchedUids.isEmpty {
            let snapshot = ProcScan.snapshot()
            assembler.seed(snapshot)
            seededCount = snapshot.filter { assembler.lineage(of: $0.pid) != nil }.count
        }
    }

    private func openMulticast() throws {
        eventFd = try AuditReadLogSocket.open()
        setBuffer()
    }

    private func becomeAuditPid(_ status: AuditStatus) throws {
        eventFd = audit_open()
        guard eventFd >= 0 else {
            throw AuditFailure("cannot open the audit socket: \(String(cString: strerror(errno)))")
        }
        setBuffer()
        // The kernel sends records to the socket that registered the pid.
        guard audit_set_pid(eventFd, UInt32(getpid()), WAIT_NO) > 0 else {
            throw AuditFailure("cannot become the audit pid: \(String(cString: strerror(errno)))")
        }
        previous = status
        if status.enabled == 0 { try control.setEnabled(1) }
        if status.backlogLimit < options.backlogLimit { control.setBacklogLimit(options.backlogLimit) }
    }

    private func setBuffer() {
        var size = options.receiveBufferBytes
        if setsockopt(eventFd, SOL_SOCKET, SO_RCVBUFFORCE, &size, 4) != 0 {
            setsockopt(eventFd, SOL_SOCKET, SO_RCVBUF, &size, 4)
        }
    }

    /// Reads what the kernel queued, waiting up to `timeoutMs`. Returns the events delivered.
    @discardableResult
    public func poll(timeoutMs: Int32) throws -> Int {
        guard eventFd >= 0, let handler else { return 0 }
        var pfd = pollfd(fd: eventFd, events: Int16(POLLIN), revents: 0)
        let ready = Glibc.poll(&pfd, 1, timeoutMs)
        if ready < 0 && errno != EINTR {
            throw AuditFailure("audit socket poll failed: \(String(cString: strerror(errno)))")
        }
        var delivered = 0
        var records = 0
        while ready > 0 && records < 4096 {
            let n = recv(eventFd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n < 0 {
                if errno == ENOBUFS {
                    overruns += 1
                    continue
                }  // the socket overflowed: records lost
                if errno == EAGAIN || errno == EINTR { break }
                throw AuditFailure("audit socket read failed: \(String(cString: strerror(errno)))")
            }
            guard n >= 16 else { continue }
            records += 1
            let type = UInt16(buffer[4]) | UInt16(buffer[5]) << 8
            // Unicast nlmsg_len omits the header, multicast includes it: the datagram length is the truth.
            var end = n
            while end > 16 && (buffer[end - 1] == 0 || buffer[end - 1] == 10) { end -= 1 }
            for event in assembler.consume(type: type, text: Array(buffer[16..<end])) {
                handler(event)
                delivered += 1
            }
        }
        if records == 0 {
            for event in assembler.idleTick() {
                handler(event)
                delivered += 1
            }
        }
        if Date().timeIntervalSince(lastPrune) > 30 {
            lastPrune = Date()
            assembler.prune { kill(pid_t($0), 0) == 0 || errno == EPERM }
        }
        return delivered
    }

    /// Records the kernel lost (audit's `lost` counter since start, which counts for
    /// every audit consumer) plus socket overruns seen here.
    public func drops() -> UInt64 {
        guard let s = try? control.status() else { return overruns }
        return UInt64(s.lost &- lostAtStart) + overruns
    }

    /// Records queued in the kernel for the audit daemon right now.
    public func backlog() -> UInt32 { (try? control.status().backlog) ?? 0 }

    public func lineage(of pid: UInt32) -> UInt32? { assembler.lineage(of: pid) }

    /// Removes rigwatch's rules (only those), gives the audit pid back and restores
    /// the previous enabled state and backlog limit. Safe to call twice.
    public func close() {
        guard eventFd >= 0 || !installedRules.isEmpty else { return }
        if let handler { for event in assembler.flush() { handler(event) } }
        do { try control.removeRules(key: AuditRules.key) } catch {
            FileHandle.standardError.write(
                Data("rigwatch: warning: audit: removing rigwatch rules failed: \(error)\n".utf8))
        }
        installedRules = []
        if mode == .owner, let previous {
            _ = audit_set_pid(control.fd, 0, WAIT_NO)
            if previous.enabled == 0 { try? control.setEnabled(0) }
            if previous.backlogLimit < options.backlogLimit { control.setBacklogLimit(previous.backlogLimit) }
            self.previous = nil
        }
        if eventFd >= 0 { Glibc.close(eventFd) }
        eventFd = -1
    }
}

extension AuditSource: RecordSource {
    public var kind: String { "audit" }

    /// Events encoded into the kernel record layout, so they travel as BPF records do.
    public func startRecords(_ handler: @escaping (UnsafeRawBufferPointer) -> Void) throws {
        try start { event in EventEncoder.encode(event).withUnsafeBytes(handler) }
    }

    /// The records the assembler skipped since the last call.
    public func periodic(now: Date) -> [String] {
        assembler.takeErrors().map { "audit record skipped: \($0)" }
    }

    /// Removes rigwatch's rules: the kernel audits nothing more for us, and what it
    /// already queued on the socket is still read by `drain`.
    public func stopCapture() {
        guard !installedRules.isEmpty else { return }
        do { try control.removeRules(key: AuditRules.key) } catch {
            FileHandle.standardError.write(
                Data("rigwatch: warning: audit: removing rigwatch rules failed: \(error)\n".utf8))
        }
        installedRules = []
    }

    /// Reads what is queued, then closes: the groups still pending go through the handler.
    public func drain(afterBatch: () -> Void) throws {
        while eventFd >= 0, try poll(timeoutMs: 0) > 0 { afterBatch() }
        close()
    }

    public var summary: String {
        let how: String
        switch mode {
        case .owner: how = "as the audit daemon"
        case .listener(let pid): how = "read-only beside the audit daemon (pid \(pid))"
        }
        return
            "audit source: \(installedRules.count) rules keyed \(AuditRules.key), \(how), \(seededCount) running processes seeded into lineage; exec, credential and fork events only (network and GPU signals need the BPF source)"
    }

    public var plan: FeaturePlan? { nil }
    public var attachedPrograms: Int { 0 }
}

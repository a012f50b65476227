// SPDX-License-Identifier: Apache-2.0
/// Turns audit records into the events the BPF source produces. Records of one
/// syscall share a serial and end with EOE; records of different serials may
/// interleave. A group is finished by its EOE, by `idleTick` (a group left pending
/// across two idle polls lost its EOE), by too many groups pending, or by `flush`.
/// Pure: no I/O. The cgroup of a pid comes from a closure the caller provides.
public final class AuditEventAssembler {
    public struct Options {
        public var watchedUids: Set<UInt32> = []
        /// Wall-clock ns minus CLOCK_BOOTTIME ns: audit stamps wall time, events carry boot time.
        public var wallMinusBootNs: Int64 = 0
        /// Bytes of argv kept per exec, like the BPF source's capture.
        public var argsCap: Int = KernelABI.argsMax
        public var maxPendingGroups: Int = 256
        public var processCapacity: Int = 65536
        public init() {}
    }

    struct Group {
        var seconds: UInt64
        var milliseconds: UInt64
        var syscall: AuditRecord?
        var execve: [AuditRecord] = []
        var path0: [UInt8]?
        var idle = false
    }

    public let options: Options
    public private(set) var processes: AuditProcessTable
    private let cgroupOf: (UInt32) -> UInt64
    private var pending: [UInt64: Group] = [:]
    /// Serials whose records were malformed: the rest of the group is ignored.
    private var discarded: Set<UInt64> = []
    private var errors: [AuditParseError] = []
    public private(set) var errorCount = 0

    public init(options: Options, cgroupOf: @escaping (UInt32) -> UInt64 = { _ in 0 }) {
        self.options = options
        self.cgroupOf = cgroupOf
        self.processes = AuditProcessTable(watched: options.watchedUids, capacity: options.processCapacity)
    }

    public func seed(_ snapshot: [ProcessSnapshot]) { processes.seed(snapshot) }
    public func prune(isAlive: (UInt32) -> Bool) { processes.prune(isAlive: isAlive) }
    public func lineage(of pid: UInt32) -> UInt32? { processes.lineage(of: pid) }
    public var pendingGroups: Int { pending.count }

    /// Errors since the last call: malformed or cut-short records, incomplete groups.
    public func takeErrors() -> [AuditParseError] {
        defer { errors.removeAll() }
        return errors
    }

    public func consume(type: UInt16, text: String) -> [Event] { consume(type: type, text: Array(text.utf8)) }

    /// One record as netlink delivered it (the text without the nlmsghdr).
    public func consume(type: UInt16, text: [UInt8]) -> [Event] {
        guard AuditRecordType.isSyscallPart(type) else { return [] }
        let header: AuditRecord
        do { header = try AuditRecord.parseHeader(type: type, text).record } catch { return fail(error) }
        let serial = header.serial
        if discarded.contains(serial) {
            if type == AuditRecordType.eoe { discarded.remove(serial) }
            return []
        }
        var out: [Event] = []
        if pending[serial] == nil {
            if type == AuditRecordType.eoe { return [] }
            if pending.count >= options.maxPendingGroups, let oldest = pending.keys.min() {
                finish(oldest, into: &out)
            }
            pending[serial] = Group(seconds: header.seconds, milliseconds: header.milliseconds)
        }
        do {
            switch type {
            case AuditRecordType.syscall:
                pending[serial]?.syscall = try AuditRecord.parse(type: type, text)
            case AuditRecordType.execve:
                pending[serial]?.execve.append(try AuditRecord.parse(type: type, text))
            case AuditRecordType.path:
                let r = try AuditRecord.parse(type: type, text)
                if try r.decimal("item") == 0 { pending[serial]?.path0 = try r.untrustedString("name") }
            case AuditRecordType.eoe:
                finish(serial, into: &out)
            default:
                pending[serial]?.idle = false
            }
        } catch {
            pending[serial] = nil
            if discarded.count > 1024 { discarded.removeAll() }
            discarded.insert(serial)
            out += fail(error)
        }
        return out
    }

    /// Called when a poll found nothing: groups already idle at the previous tick finish.
    public func idleTick() -> [Event] {
        var out: [Event] = []
        for serial in pending.keys.sorted() {
            if pending[serial]!.idle { finish(serial, into: &out) } else { pending[serial]!.idle = true }
        }
        return out
    }

    /// Finishes every pending group (at shutdown).
    public func flush() -> [Event] {
        var out: [Event] = []
        for serial in pending.keys.sorted() { finish(serial, into: &out) }
        return out
    }

    private func fail(_ error: Error) -> [Event] {
        errorCount += 1
        if errors.count < 100 { errors.append(error as? AuditParseError ?? AuditParseError("\(error)")) }
        return []
    }

    private func finish(_ serial: UInt64, into out: inout [Event]) {
        guard let group = pending.removeValue(forKey: serial) else { return }
        do {
            if let event = try build(group) { out.append(event) }
        } catch {
            _ = fail(error)
        }
    }

    private func build(_ g: Group) throws -> Event? {
        guard let sc = g.syscall else {
            if !g.execve.isEmpty || g.path0 != nil {
                throw AuditParseError("serial \(syscallSerial(g)): records without their SYSCALL record")
            }
            return nil
        }
        let arch = try sc.hexNumber("arch")
        guard let kind = AuditSyscall.lookup(arch: arch, number: try sc.decimal("syscall")) else { return nil }
        let pid = UInt32(truncatingIfNeeded: try sc.decimal("pid"))
        let ppid = UInt32(truncatingIfNeeded: try sc.decimal("ppid"))
        var idv: [UInt32] = []
        for key in ["uid", "euid", "suid", "fsuid", "gid", "egid", "sgid", "fsgid"] {
            idv.append(UInt32(truncatingIfNeeded: try sc.decimal(key)))
        }
        let ids = CredIds(values: idv)
        let success = try sc.require("success").value.elementsEqual("yes".utf8)
        let exit = try sc.signedDecimal("exit")
        var commBytes = Array((try sc.untrustedString("comm") ?? []).prefix(Comm.length - 1))
        commBytes += [UInt8](repeating: 0, count: Comm.length - commBytes.count)
        let wallNs = sc.seconds &* 1_000_000_000 &+ sc.milliseconds &* 1_000_000
        let bootNs = Int64(bitPattern: wallNs) - options.wallMinusBootNs
        func header(lineage: UInt32, _ ids: CredIds) -> EventHeader {
            EventHeader(
                timestampNs: UInt64(max(0, bootNs)), pid: pid, tgid: pid, ppid: ppid,
                uid: ids.uid, euid: ids.euid, gid: ids.gid, egid: ids.egid, lineageUid: lineage,
                cgroupId: cgroupOf(pid), comm: Comm(bytes: commBytes))
        }

        switch kind {
        case .exec:
            // A failed execve changes nothing; the BPF source sees only successful ones.
            guard success else { return nil }
            let own = processes.current(pid, ppid: ppid)
            let origin = processes.origin(own: own, ppid: ppid, uid: ids.uid, euid: ids.euid)
            processes.update(pid, ppid: ppid, ids: ids, origin: origin)
            var flags: ExecEvent.Flags = []
            if ids.euid != ids.uid { flags.insert(.setuid) }
            if ids.egid != ids.gid { flags.insert(.setgid) }
            // PATH item 0 is the name as passed to execve (bprm->filename); exe is resolved.
            var filename = try g.path0 ?? (sc.field("exe") == nil ? nil : sc.untrustedString("exe")) ?? []
            if filename.count > KernelABI.filenameCapacity - 1 {
                filename = Array(filename.prefix(KernelABI.filenameCapacity - 1))
                flags.insert(.filenameTruncated)
            }
            let argv = try AuditArgv.assemble(g.execve, serial: sc.serial)
            var args = argv.args
            if argv.fault { flags.insert(.argsFault) }
            if args.count > options.argsCap {
                args = Array(args.prefix(options.argsCap))
                flags.insert(.argsTruncated)
            }
            return .exec(
                ExecEvent(
                    header: header(lineage: origin, ids), loginUid: UInt32(truncatingIfNeeded: try sc.decimal("auid")),
                    flags: flags, argc: argv.argc, oldPid: pid, filename: filename, args: args))

        case .cred(let call, let narrow):
            let isFs = call == .setfsuid || call == .setfsgid
            let failed = !success && !isFs
            var requested: [UInt32] = []
            for key in ["a0", "a1", "a2"] {
                var v = UInt32(truncatingIfNeeded: try sc.hexNumber(key))
                if narrow && v & 0xffff == 0xffff { v = 0xffff_ffff }
                requested.append(v)
            }
            switch call {
            case .setuid, .setgid, .setfsuid, .setfsgid:
                requested[1] = 0xffff_ffff
                requested[2] = 0xffff_ffff
            case .setreuid, .setregid: requested[2] = 0xffff_ffff
            case .setresuid, .setresgid: break
            }
            let own = processes.current(pid, ppid: ppid)
            var before = ids
            var known = failed
            if !failed, let previous = own?.ids {
                before = previous
                known = true
            } else if isFs {
                // setfs*id returns the previous id: the one before-id it can change.
                if call == .setfsuid {
                    before.fsuid = UInt32(truncatingIfNeeded: exit)
                } else {
                    before.fsgid = UInt32(truncatingIfNeeded: exit)
                }
                known = true
            }
            let origin = processes.origin(own: own, ppid: ppid, uid: ids.uid, euid: ids.euid)
            processes.update(pid, ppid: ppid, ids: ids, origin: origin)
            // As the kernel program: only changes and failures. An unknown before (a
            // process older than the sensor) is reported, with before = after.
            guard failed || before != ids || !known else { return nil }
            return .cred(
                CredEvent(
                    header: header(lineage: origin, ids), syscall: call, result: Int32(truncatingIfNeeded: exit),
                    requested: requested, before: before, after: ids))

        case .fork(let flagsInA0, let alwaysProcess):
            guard success, exit > 0 else { return nil }
            let child = UInt32(truncatingIfNeeded: exit)
            let cloneFlags = flagsInA0 ? (try sc.hexNumber("a0")) : 0
            if cloneFlags & 0x10000 != 0 { return nil }  // CLONE_THREAD: a thread, not a process
            let own = processes.current(pid, ppid: ppid)
            let origin = processes.origin(own: own, ppid: ppid, uid: ids.uid, euid: ids.euid)
            processes.update(pid, ppid: ppid, ids: ids, origin: origin)
            let childParent = cloneFlags & 0x8000 != 0 ? ppid : pid  // CLONE_PARENT
            processes.update(child, ppid: childParent, ids: ids, origin: origin, forkedOnly: true)
            // clone3 keeps its flags behind a pointer: used for lineage, never reported as a fork.
            guard alwaysProcess || flagsInA0 else { return nil }
            return .fork(ForkEvent(header: header(lineage: origin, ids), childPid: child, childTgid: child))
        }
    }

    private func syscallSerial(_ g: Group) -> String { g.execve.first.map { String($0.serial) } ?? "?" }
}

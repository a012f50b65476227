// SPDX-License-Identifier: Apache-2.0
/// What the engine knows about each live process, built from the event stream
/// alone (fork, exec, cred, exit), so it is the same live and in replay.

public struct ProcessRecord: Equatable, Sendable {
    public var tgid: UInt32
    public var ppid: UInt32
    /// Path of the last exec (`bprm->filename`); inherited from the parent until the first exec.
    public var filename: [UInt8]
    /// argv bytes of the last exec (NUL-separated).
    public var args: [UInt8]
    public var uid: UInt32
    public var euid: UInt32
    public var gid: UInt32
    public var egid: UInt32
    public var lineageUid: UInt32
    public var cgroupId: UInt64
    public var comm: Comm
    /// Time of the fork (or of the first event seen for it), CLOCK_BOOTTIME ns.
    public var startNs: UInt64
    /// Time of the last exec, 0 when none was seen.
    public var execNs: UInt64
    /// True once an exec of this process was seen (exe and argv are its own, not the parent's).
    public var execSeen: Bool

    public var path: String { String(decoding: filename, as: UTF8.self) }
    public var argv: [String] { ExecEvent.splitArgs(args) }

    mutating func update(from h: EventHeader) {
        ppid = h.ppid
        uid = h.uid
        euid = h.euid
        gid = h.gid
        egid = h.egid
        lineageUid = h.lineageUid
        cgroupId = h.cgroupId
        comm = h.comm
    }

    mutating func exec(_ e: ExecEvent) {
        update(from: e.header)
        filename = e.filename
        args = e.args
        execNs = e.header.timestampNs
        execSeen = true
    }
}

public struct ProcessTable: Sendable {
    public let capacity: Int
    public private(set) var records: [UInt32: ProcessRecord] = [:]
    /// Processes that exited recently, for alerts raised after their exit (byte
    /// counters are read every few seconds; a quick sender is gone by then).
    /// Bounded, oldest dropped first; a live process with the same pid wins.
    private var exited: [UInt32: ProcessRecord] = [:]
    private var exitOrder: [(tgid: UInt32, startNs: UInt64)] = []
    private var exitHead = 0
    public let exitedCapacity = 1024
    /// Records dropped to stay within capacity, oldest first.
    public private(set) var evicted = 0

    public init(capacity: Int = 65_536) {
        self.capacity = max(16, capacity)
        records.reserveCapacity(min(self.capacity, 4096))
    }

    public var count: Int { records.count }

    public subscript(tgid: UInt32) -> ProcessRecord? { records[tgid] }

    /// Updates the table with one event. Records are changed in place: the hot
    /// path copies no record it does not have to.
    public mutating func apply(_ event: Event) {
        switch event {
        case .fork(let e):
            let h = e.header
            var child: ProcessRecord
            if let parent = records[h.tgid] {
                child = parent
            } else {
                child = Self.record(from: h)  // a parent that ran before the sensor
                insert(child)
            }
            child.tgid = e.childTgid
            child.ppid = h.tgid
            child.startNs = h.timestampNs
            child.execNs = 0
            child.execSeen = false
            insert(child)
        case .exec(let e):
            let h = e.header
            makeRoom(for: h.tgid)
            records[h.tgid, default: Self.record(from: h)].exec(e)
        case .cred(let e):
            let h = e.header
            makeRoom(for: h.tgid)
            records[h.tgid, default: Self.record(from: h)].update(from: h)
        case .exit(let e):
            if let gone = records.removeValue(forKey: e.header.tgid) { remember(gone) }
        case .drops, .connect, .netBytes, .gpuSample, .fileChange, .tamper, .integrity, .firstPayload, .unixConnect,
            .auth, .enforce:
            // Network, file and tamper events describe a process the table already follows, GPU samples and
            // integrity checks none; none changes a record.
            break
        }
    }

    /// A live process, else one that exited recently.
    public func lookup(_ tgid: UInt32) -> ProcessRecord? { records[tgid] ?? exited[tgid] }

    private mutating func remember(_ r: ProcessRecord) {
        if exitOrder.count < exitedCapacity {
            exitOrder.append((r.tgid, r.startNs))
        } else {
            // Forget the oldest, unless its pid was reused and remembered again since.
            // By index: one hash, and no copy of the record just to read its start.
            let oldest = exitOrder[exitHead]
            if let i = exited.index(forKey: oldest.tgid), exited.values[i].startNs == oldest.startNs {
                exited.remove(at: i)
            }
            exitOrder[exitHead] = (r.tgid, r.startNs)
            exitHead = (exitHead + 1) % exitedCapacity
        }
        exited[r.tgid] = r
    }

    /// The process and its ancestors, nearest first, as far as the table knows them
    /// (recently exited ones included).
    public func chain(of tgid: UInt32, limit: Int = 32) -> [ProcessRecord] {
        var result: [ProcessRecord] = []
        var current = tgid
        var seen: Set<UInt32> = []
        while result.count < limit, let r = lookup(current), seen.insert(current).inserted {
            result.append(r)
            if r.ppid == 0 || r.ppid == current { break }
            current = r.ppid
        }
        return result
    }

    private static func record(from h: EventHeader) -> ProcessRecord {
        ProcessRecord(
            tgid: h.tgid, ppid: h.ppid, filename: [], args: [], uid: h.uid, euid: h.euid, gid: h.gid,
            egid: h.egid, lineageUid: h.lineageUid, cgroupId: h.cgroupId, comm: h.comm,
            startNs: h.timestampNs, execNs: 0, execSeen: false)
    }

    private mutating func insert(_ r: ProcessRecord) {
        makeRoom(for: r.tgid)
        records[r.tgid] = r
    }

    /// Evicts before a new process would exceed the capacity (the lookup only when full).
    @inline(__always)
    private mutating func makeRoom(for tgid: UInt32) {
        if records.count >= capacity && records[tgid] == nil { evictOldest() }
    }

    /// Drops the oldest eighth of the table at once, so eviction stays rare and O(n) amortised.
    /// Exits that were lost (ring buffer drops) would otherwise grow the table without bound.
    private mutating func evictOldest() {
        let drop = max(1, capacity / 8)
        let victims = records.values.sorted { ($0.startNs, $0.tgid) < ($1.startNs, $1.tgid) }.prefix(drop)
        for v in victims { records.removeValue(forKey: v.tgid) }
        evicted += victims.count
    }
}

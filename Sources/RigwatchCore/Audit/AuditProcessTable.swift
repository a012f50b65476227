// SPDX-License-Identifier: Apache-2.0
/// What the audit assembler knows about each process: its parent, its last seen ids
/// and its lineage. The kernel tracks this for the BPF source; audit only tells us
/// about syscalls, so it is rebuilt here from the records (and seeded from /proc).
/// Audit reports no exits: an entry goes when an exec shows its pid reused under
/// another parent, when `prune` finds it dead, or when the table is full.
public struct AuditProcessTable {
    public struct Entry {
        public var ppid: UInt32
        public var ids: CredIds?
        public var origin: UInt32
        /// Known from its parent's fork only: its parent may have exited before the
        /// first exec (daemonizing), so a different ppid then is a reparent, not a reuse.
        public var forkedOnly = false
        var lastSeen: UInt64
    }

    public let capacity: Int
    public let watched: Set<UInt32>
    private(set) var entries: [UInt32: Entry] = [:]
    private var clock: UInt64 = 0

    public init(watched: Set<UInt32>, capacity: Int = 65536) {
        self.watched = watched
        self.capacity = max(16, capacity)
    }

    public var count: Int { entries.count }

    public func entry(_ pid: UInt32) -> Entry? { entries[pid] }

    public func lineage(of pid: UInt32) -> UInt32? {
        guard let origin = entries[pid]?.origin, origin != noLineage else { return nil }
        return origin
    }

    /// Running processes from /proc, with their lineage computed as LineageSeed does.
    public mutating func seed(_ processes: [ProcessSnapshot]) {
        let origins = LineageSeed.compute(processes, watched: watched)
        for p in processes {
            touch(
                p.pid,
                Entry(ppid: p.ppid, ids: nil, origin: origins[p.pid] ?? noLineage, forkedOnly: false, lastSeen: 0))
        }
    }

    /// The entry for `pid` if it is the same process (same parent); a different
    /// parent means the pid was reused (or the process was reparented) and the old entry goes.
    mutating func current(_ pid: UInt32, ppid: UInt32) -> Entry? {
        guard let e = entries[pid] else { return nil }
        if e.ppid == ppid || e.forkedOnly { return e }
        entries[pid] = nil
        return nil
    }

    /// Lineage as the kernel program computes it: the process's own origin, else
    /// its parent's (fork inheritance we did not see), else itself when it runs as a watched user.
    func origin(own: Entry?, ppid: UInt32, uid: UInt32, euid: UInt32) -> UInt32 {
        if let own, own.origin != noLineage { return own.origin }
        if let parent = entries[ppid], parent.origin != noLineage { return parent.origin }
        if watched.contains(uid) { return uid }
        if watched.contains(euid) { return euid }
        return noLineage
    }

    mutating func update(_ pid: UInt32, ppid: UInt32, ids: CredIds?, origin: UInt32, forkedOnly: Bool = false) {
        touch(pid, Entry(ppid: ppid, ids: ids, origin: origin, forkedOnly: forkedOnly, lastSeen: 0))
    }

    private mutating func touch(_ pid: UInt32, _ entry: Entry) {
        clock += 1
        var e = entry
        e.lastSeen = clock
        entries[pid] = e
        if entries.count > capacity { evictOldest() }
    }

    /// Removes entries of processes that no longer run (the caller checks /proc or kill(0)).
    public mutating func prune(isAlive: (UInt32) -> Bool) {
        entries = entries.filter { isAlive($0.key) }
    }

    /// Full: drop the least recently seen eighth, so eviction stays rare and cheap.
    private mutating func evictOldest() {
        let drop = max(1, capacity / 8)
        let victims = entries.sorted { $0.value.lastSeen < $1.value.lastSeen }.prefix(drop).map(\.key)
        for pid in victims { entries[pid] = nil }
    }
}

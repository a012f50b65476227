// SPDX-License-Identifier: Apache-2.0
/// Lineage for processes that already run when the sensor starts: every process
/// of a watched user, and all its descendants, belong to that user's lineage.
/// The kernel program tracks lineage from attach on; this fills in the past.

public struct ProcessSnapshot: Equatable, Sendable {
    public var pid: UInt32
    public var ppid: UInt32
    public var uid: UInt32
    public var euid: UInt32

    public init(pid: UInt32, ppid: UInt32, uid: UInt32, euid: UInt32) {
        self.pid = pid
        self.ppid = ppid
        self.uid = uid
        self.euid = euid
    }
}

public enum LineageSeed {
    /// pid -> origin uid for every process in a watched lineage. A process that
    /// runs as a watched user starts its own lineage unless an ancestor already did.
    public static func compute(_ processes: [ProcessSnapshot], watched: Set<UInt32>) -> [UInt32: UInt32] {
        var children: [UInt32: [UInt32]] = [:]
        var byPid: [UInt32: ProcessSnapshot] = [:]
        for p in processes {
            byPid[p.pid] = p
            children[p.ppid, default: []].append(p.pid)
        }
        func ownOrigin(_ p: ProcessSnapshot) -> UInt32? {
            if watched.contains(p.uid) { return p.uid }
            if watched.contains(p.euid) { return p.euid }
            return nil
        }
        var origin: [UInt32: UInt32] = [:]
        // Walk from the roots so an ancestor's origin wins over a descendant's own uid.
        let roots = processes.filter { $0.ppid == 0 || byPid[$0.ppid] == nil || $0.ppid == $0.pid }
        var stack: [(UInt32, UInt32?)] = roots.map { ($0.pid, nil) }
        var seen: Set<UInt32> = []
        while let (pid, inherited) = stack.popLast() {
            guard seen.insert(pid).inserted, let p = byPid[pid] else { continue }
            let mine = inherited ?? ownOrigin(p)
            if let mine { origin[pid] = mine }
            for child in children[pid] ?? [] where child != pid {
                stack.append((child, mine))
            }
        }
        return origin
    }
}

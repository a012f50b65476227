// SPDX-License-Identifier: Apache-2.0
/// What one mining incident is about: the watched user's process tree (its
/// lineage), else the container (cgroup) a process runs in, else the host as a
/// whole when a busy GPU names no process rigwatch knows.
enum MiningSubject: Hashable, Comparable {
    case lineage(UInt32)
    case cgroup(UInt64)
    case host

    init(lineageUid: UInt32, cgroupId: UInt64, watchedUids: [UInt32]) {
        if lineageUid != noLineage && watchedUids.contains(lineageUid) {
            self = .lineage(lineageUid)
        } else {
            self = .cgroup(cgroupId)
        }
    }

    init(_ header: EventHeader, watchedUids: [UInt32]) {
        self.init(lineageUid: header.lineageUid, cgroupId: header.cgroupId, watchedUids: watchedUids)
    }

    init(_ record: ProcessRecord, watchedUids: [UInt32]) {
        self.init(lineageUid: record.lineageUid, cgroupId: record.cgroupId, watchedUids: watchedUids)
    }

    var key: String {
        switch self {
        case .lineage(let uid): return "lineage:\(uid)"
        case .cgroup(let id): return "cgroup:\(id)"
        case .host: return "host"
        }
    }

    func text(_ context: DetectionContext) -> String {
        switch self {
        case .lineage(let uid):
            return context.userName(uid).map { "\($0) (uid \(uid)) lineage" } ?? "lineage of uid \(uid)"
        case .cgroup(let id): return "cgroup \(id)"
        case .host: return "the host (GPU use not attributed to a known process)"
        }
    }

    static func < (a: MiningSubject, b: MiningSubject) -> Bool { a.key < b.key }
}

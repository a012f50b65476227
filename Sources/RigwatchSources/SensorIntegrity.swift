// SPDX-License-Identifier: Apache-2.0
import CBPF
import Foundation
import RigwatchCore
import RigwatchIO

/// The sensor's periodic self-check of its kernel side: are its links still
/// attached, and do its control maps (watched uids, watched paths, its own thread
/// ids) still hold what it wrote? Root can detach cgroup links and rewrite maps
/// with bpftool; tracepoint links cannot be detached from outside. Each problem is
/// reported once, when first seen; a map put back and altered again is reported again.
public final class SensorIntegrity {
    private let source: BPFSource
    private var reported = Set<String>()
    /// Thread ids of this process written to self_tids (ptrace aims at threads).
    private var registeredThreads = Set<UInt32>()

    public init(source: BPFSource) {
        self.source = source
    }

    /// Registers this process's threads in the kernel and forgets ended ones. Returns
    /// a map-altered problem when a thread registered earlier has been removed by someone.
    public func syncThreads(taskDirectory: String = "/proc/self/task") -> [IntegrityEvent] {
        guard let handle = source.handle else { return [] }
        let current = Set(
            ((try? FileManager.default.contentsOfDirectory(atPath: taskDirectory)) ?? []).compactMap { UInt32($0) })
        var missing = 0
        for tid in registeredThreads.intersection(current) where rw_sensor_has_self_tid(handle, tid) == 0 {
            missing += 1
        }
        for tid in registeredThreads.subtracting(current) { _ = rw_sensor_set_self_tid(handle, tid, 0) }
        for tid in current { _ = rw_sensor_set_self_tid(handle, tid, 1) }
        registeredThreads = current
        guard missing > 0 else {
            reported.remove("map:self_tids")
            return []
        }
        return report(
            "map:self_tids",
            IntegrityEvent(
                timestampNs: SystemClock.bootNowNs(), problem: .mapAltered, name: "self_tids",
                expected: UInt32(current.count), found: UInt32(current.count - missing)))
    }

    /// Checks links and maps; returns the problems not reported before.
    public func check() -> [IntegrityEvent] {
        guard let handle = source.handle else { return [] }
        let now = SystemClock.bootNowNs()
        var problems: [IntegrityEvent] = []
        for index in 0..<Int32(source.attachedPrograms) {
            var name = [CChar](repeating: 0, count: 64)
            let status = rw_sensor_link_status(handle, index, &name, name.count)
            let program = String(nulTerminated: name)
            if status == 0 {
                problems += report(
                    "link:\(program)", IntegrityEvent(timestampNs: now, problem: .linkDetached, name: program))
            }
        }

        let expectedUids = Set(source.options.watchedUids)
        var uids = [UInt32](repeating: 0, count: 128)
        let count = rw_sensor_watched_uid_list(handle, &uids, Int32(uids.count))
        if count >= 0 {
            let found = Set(uids.prefix(Int(min(count, 128))))
            problems += compare(
                "watched_uids", matches: found == expectedUids && Int(count) == expectedUids.count,
                expected: expectedUids.count, found: Int(count), now: now)
        }

        let expectedPaths = source.watchedPaths
        if !expectedPaths.isEmpty {
            var found = 0
            var same = true
            for index in 0..<UInt32(KernelABI.fileWatchMax) {
                var buffer = [CChar](repeating: 0, count: KernelABI.fileWatchLength + 1)
                let len = rw_sensor_file_watch(handle, index, &buffer, buffer.count)
                guard len >= 0 else {
                    same = false
                    continue
                }
                let path = String(nulTerminated: buffer)
                if len > 0 { found += 1 }
                let want = Int(index) < expectedPaths.count ? expectedPaths[Int(index)] : ""
                if path != want || Int(len) != want.utf8.count { same = false }
            }
            problems += compare("file_watch", matches: same, expected: expectedPaths.count, found: found, now: now)
        }
        return problems
    }

    private func compare(_ map: String, matches: Bool, expected: Int, found: Int, now: UInt64) -> [IntegrityEvent] {
        let key = "map:\(map)"
        if matches {
            reported.remove(key)  // put back: a later change is news again
            return []
        }
        return report(
            key,
            IntegrityEvent(
                timestampNs: now, problem: .mapAltered, name: map,
                expected: UInt32(expected), found: UInt32(found)))
    }

    private func report(_ key: String, _ event: IntegrityEvent) -> [IntegrityEvent] {
        guard reported.insert(key).inserted else { return [] }
        return [event]
    }
}

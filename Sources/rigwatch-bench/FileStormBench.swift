// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchSources

/// One pass of file syscalls in `dir`: per iteration a read-only open, an open for
/// writing (create, truncate), a rename and an unlink.
private func fileStorm(_ n: Int, in dir: String) -> Double {
    let a = dir + "/a"
    let b = dir + "/b"
    return seconds {
        for _ in 0..<n {
            let r = open("/etc/hostname", O_RDONLY)
            if r >= 0 { close(r) }
            let w = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            guard w >= 0 else { fatalError("open \(a) failed") }
            close(w)
            rename(a, b)
            unlink(b)
        }
    }
}

/// The file syscalls' cost without the sensor, with it attached (default watched
/// paths: every call is filtered out in the kernel), and with the storm's own
/// directory watched (every write, rename and unlink becomes an event).
func benchFileStorm(count: Int) throws {
    guard geteuid() == 0 else {
        print("filestorm: skipped (needs root to load the sensor)")
        return
    }
    let dir = NSTemporaryDirectory() + "rwbench-files-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    _ = fileStorm(1000, in: dir)
    let bare = fileStorm(count, in: dir)
    _ = try Preflight().run()

    func attached(watching paths: [String]) throws -> (seconds: Double, events: Int, drops: UInt64) {
        var options = BPFSource.Options()
        options.watchedUids = [0]
        options.wakeupBytes = 64 << 10
        options.watchedPaths = paths
        options.hooks = benchHooks
        let source = try BPFSource(options: options)
        let counter = StormCounter()
        try source.start { raw in
            if case .fileChange = try? EventDecoder.decode(raw) { counter.events += 1 }
        }
        let consumer = PollingThread(
            source, poll: { _ = try? $0.poll(timeoutMs: 10) },
            drain: { while ((try? $0.poll(timeoutMs: 0)) ?? 0) > 0 {} })
        consumer.start()
        let t = fileStorm(count, in: dir)
        consumer.stopAndJoin()
        let drops = source.drops()
        source.close()
        return (t, counter.events, drops)
    }
    let unwatched = try attached(watching: FileWatchSettings.defaultPaths)
    let watched = try attached(watching: FileWatchSettings.defaultPaths + [dir])

    print(String(format: "filestorm: %d iterations of open(read) + open(write,create,trunc) + rename + unlink", count))
    print(String(format: "  without sensor: %.3f s (%.2f µs per iteration)", bare, bare / Double(count) * 1e6))
    for (name, r) in [
        ("default watched paths (all filtered in the kernel)", unwatched), ("the storm's directory watched", watched),
    ] {
        print(
            String(
                format:
                    "  with sensor, %@: %.3f s (%.2f µs per iteration), ratio %.3f; %d file_change events, %llu dropped",
                name, r.seconds, r.seconds / Double(count) * 1e6, r.seconds / bare, r.events, r.drops))
    }
}

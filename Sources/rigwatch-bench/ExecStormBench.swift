// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchSources

/// N fork+exec of /bin/true without the sensor, then with it attached and a
/// consumer thread draining and decoding every record.
func execStorm(_ n: Int) -> Double {
    let path = "/bin/true"
    var argv: [UnsafeMutablePointer<CChar>?] = [strdup(path), nil]
    defer { free(argv[0]) }
    return seconds {
        for _ in 0..<n {
            var pid: pid_t = 0
            guard posix_spawn(&pid, path, nil, nil, &argv, environ) == 0 else { fatalError("posix_spawn failed") }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }
}

func benchExecStorm(count: Int) throws {
    guard geteuid() == 0 else {
        print("execstorm: skipped (needs root to load the sensor)")
        return
    }
    _ = execStorm(500)  // warm the page cache
    let bare = execStorm(count)

    _ = try Preflight().run()
    /// The storm with the sensor attached and a consumer draining as `rigwatch run` does.
    func attached(
        wakeupBytes: UInt64, pollMs: Int32
    ) throws -> (seconds: Double, events: Int, drops: UInt64, errors: Int) {
        var options = BPFSource.Options()
        options.watchedUids = [0]
        options.wakeupBytes = wakeupBytes
        options.hooks = benchHooks
        let source = try BPFSource(options: options)
        let counter = StormCounter()
        try source.start { raw in
            if (try? EventDecoder.decode(raw)) != nil { counter.events += 1 } else { counter.errors += 1 }
        }
        let consumer = PollingThread(
            source, poll: { _ = try? $0.poll(timeoutMs: pollMs) },
            drain: { while ((try? $0.poll(timeoutMs: 0)) ?? 0) > 0 {} })
        consumer.start()
        let t = execStorm(count)
        consumer.stopAndJoin()
        let drops = source.drops()
        source.close()
        return (t, counter.events, drops, counter.errors)
    }
    let perRecord = try attached(wakeupBytes: 0, pollMs: 100)
    let batched = try attached(wakeupBytes: 64 << 10, pollMs: 10)

    /// The same storm under the audit source (rules for execve, set*id, fork family), drained by a consumer.
    func underAudit() throws -> (seconds: Double, events: Int, drops: UInt64, errors: Int) {
        var options = AuditSource.Options()
        options.watchedUids = [0]
        let source = try AuditSource(options: options)
        let counter = StormCounter()
        try source.start { _ in counter.events += 1 }
        let consumer = PollingThread(
            source, poll: { _ = try? $0.poll(timeoutMs: 50) },
            drain: { source in for _ in 0..<20 { _ = try? source.poll(timeoutMs: 50) } })
        consumer.start()
        let t = execStorm(count)
        consumer.stopAndJoin()
        let drops = source.drops()
        source.close()
        return (t, counter.events, drops, 0)
    }
    let audit = try underAudit()

    print(String(format: "execstorm: %d fork+exec of /bin/true", count))
    print(String(format: "  without sensor: %.3f s (%.0f execs/s)", bare, Double(count) / bare))
    for (name, r) in [
        ("BPF, wakeup per record", perRecord),
        ("BPF, batched wakeups (64 KiB, 10 ms poll; rigwatch's default)", batched),
        ("audit source", audit),
    ] {
        print(
            String(
                format:
                    "  with sensor, %@: %.3f s (%.0f execs/s), ratio %.3f; %d events consumed, %llu dropped, %d malformed",
                name, r.seconds, Double(count) / r.seconds, r.seconds / bare, r.events, r.drops, r.errors))
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchSources

/// Replay throughput: a generated trace of `count` events (fork, exec, exit of
/// processes in and out of a watched lineage, some privileged), read and run
/// through the full engine with the default policy. Also the peak RSS.
func benchReplay(count: Int) throws {
    let path = NSTemporaryDirectory() + "rigwatch-bench-\(getpid()).rwtrace"
    defer { unlink(path) }
    let writer = try TraceWriter(
        path: path,
        header: TraceHeader(hostName: "bench", watchedUsers: [WatchedUser(uid: 1001, name: "vastai_kaalia")]))
    // Watched root execs are whitelisted daemon commands, but one in 64 is unlisted and alerts.
    let commands: [[String]] = [
        ["/usr/bin/docker", "ps", "-a"], ["/usr/bin/systemctl", "restart", "vastai"],
        ["/usr/bin/nvidia-smi", "-pm", "1"], ["/usr/bin/docker", "inspect", "C.1234567"],
    ]
    let unlisted = ["/usr/bin/python3", "/opt/app/train.py", "--epochs", "10"]
    var written = 0
    var pid: UInt32 = 1000
    while written < count {
        pid = pid &+ 1
        let watched = pid % 4 == 0
        let root = pid % 8 == 0
        func header(_ tgid: UInt32, _ ppid: UInt32) -> EventHeader {
            EventHeader(
                timestampNs: UInt64(written) * 1000, pid: tgid, tgid: tgid, ppid: ppid, uid: root ? 0 : 1001,
                euid: root ? 0 : 1001, gid: 0, egid: 0, lineageUid: watched ? 1001 : noLineage, cgroupId: 7,
                comm: Comm("x"))
        }
        let argv = pid % 512 == 0 ? unlisted : commands[Int(pid / 8) % commands.count]
        try writer.append(.fork(ForkEvent(header: header(1, 0), childPid: pid, childTgid: pid)))
        try writer.append(
            .exec(
                ExecEvent(
                    header: header(pid, 1), loginUid: noLineage, flags: [], argc: UInt32(argv.count),
                    oldPid: pid, filename: Array(argv[0].utf8), args: ExecEvent.joinArgs(argv))))
        try writer.append(.exit(ExitEvent(header: header(pid, 1), exitCode: 0, signal: 0)))
        written += 3
    }
    try writer.close()
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0

    var alerts = 0
    var events = 0
    let watched = [WatchedUser(uid: 1001, name: "vastai_kaalia")]
    func engine() -> Engine { replayEngine(watched: watched) }
    // What `rigwatch replay` does: stream, decode, judge, drop.
    let t = try seconds {
        var stream = try TraceStream(path: path)
        let e = engine()
        while let event = try stream.next() {
            events += 1
            alerts += e.consume(event).count
        }
    }
    // Peak RSS so far: the trace file in memory plus the engine, nothing materialized yet.
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let streamedRSS = Double(usage.ru_maxrss) / 1024
    var decoded = 0
    let readTime = try seconds {
        var stream = try TraceStream(path: path)
        while try stream.next() != nil { decoded += 1 }
    }
    let preRead = try TraceFile.read(path: path).events
    let engineTime = seconds {
        let e = engine()
        for event in preRead { _ = e.consume(event) }
    }
    let bareTime = seconds {
        let e = Engine(config: EngineConfig(watchedUids: [1001]), detectors: Engine.standardDetectors())
        for event in preRead { _ = e.consume(event) }
    }
    print(
        String(
            format:
                "replay: %d events (%.1f MB trace, %d alerts): streamed read+decode+engine %.3f s = %.2f M events/s",
            events, Double(size) / 1e6, alerts, t, Double(events) / t / 1e6) + " "
            + goal("≥ 3 M events/s", met: Double(events) / t >= 3e6))
    print(
        String(
            format:
                "  read+decode alone %.2f M events/s; engine alone %.2f M events/s; process table alone %.2f M events/s",
            Double(decoded) / readTime / 1e6, Double(preRead.count) / engineTime / 1e6,
            Double(preRead.count) / bareTime / 1e6))
    print(
        String(
            format: "  peak RSS after the streamed replay: %.1f MB", streamedRSS) + " "
            + goal("≤ 64 MB", met: streamedRSS <= 64))
}

/// Every detector `rigwatch replay` runs with the default configuration, for the
/// trace's watched users. `policies`: a default policy compiled before (it is immutable),
/// so that `count-replay`'s engine per repetition does not compile it again.
func replayEngine(watched: [WatchedUser], policies: PolicySet? = nil) -> Engine {
    Engine(
        config: EngineConfig(watchedUsers: watched),
        detectors: Engine.standardDetectors(
            policies: policies ?? PolicySet.defaultPolicy(watched: watched, canon: .mergedUsr),
            network: NetworkSettings(), mining: MiningSettings(), rootEquivalent: RootEquivalentSettings()))
}

import Foundation
import RigwatchCore
import RigwatchSources

/// Replay throughput: a generated trace of `count` events (fork, exec, exit of
/// processes in and out of a watched lineage, some privileged), read and run
/// through the full engine with the default policy. Also the peak RSS.
func benchReplay(count: Int) throws {
    let path = NSTemporaryDirectory() + "rigwatch-bench-\(getpid()).rwtrace"
    defer { unlink(path) }
    let writer = try TraceWriter(path: path, header: TraceHeader(hostName: "bench", watchedUsers: [WatchedUser(uid: 1001, name: "vastai_kaalia")]))
    let commands: [[String]] = [["/usr/bin/docker", "ps", "-a"], ["/usr/bin/id"], ["/usr/bin/nvidia-smi", "-pm", "1"],
                                ["/usr/bin/python3", "/opt/app/train.py", "--epochs", "10"]]
    var written = 0
    var pid: UInt32 = 1000
    while written < count {
        pid = pid &+ 1
        let watched = pid % 4 == 0
        let root = pid % 8 == 0
        func header(_ tgid: UInt32, _ ppid: UInt32) -> EventHeader {
            EventHeader(timestampNs: UInt64(written) * 1000, pid: tgid, tgid: tgid, ppid: ppid, uid: root ? 0 : 1001,
                        euid: root ? 0 : 1001, gid: 0, egid: 0, lineageUid: watched ? 1001 : noLineage, cgroupId: 7, comm: Comm("x"))
        }
        let argv = commands[Int(pid) % commands.count]
        try writer.append(.fork(ForkEvent(header: header(1, 0), childPid: pid, childTgid: pid)))
        try writer.append(.exec(ExecEvent(header: header(pid, 1), loginUid: noLineage, flags: [], argc: UInt32(argv.count),
                                          oldPid: pid, filename: Array(argv[0].utf8), args: ExecEvent.joinArgs(argv))))
        try writer.append(.exit(ExitEvent(header: header(pid, 1), exitCode: 0, signal: 0)))
        written += 3
    }
    try writer.close()
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0

    var alerts = 0
    var events = 0
    let readTime = try seconds { events = try TraceFile.read(path: path).events.count }
    let t = try seconds {
        let trace = try TraceFile.read(path: path)
        let watched = [SudoersParser.WatchedUser(name: "vastai_kaalia", uid: 1001)]
        let engine = Engine(config: EngineConfig(watchedUids: [1001]),
                            detectors: Engine.standardDetectors(policies: PolicySet.defaultPolicy(watched: watched, canon: .mergedUsr)))
        for event in trace.events { alerts += engine.consume(event).count }
    }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    print(String(format: "replay: %d events (%.1f MB trace): read+decode %.2f M events/s; read+decode+engine %.3f s = %.2f M events/s; %d alerts; peak RSS %.1f MB",
                 events, Double(size) / 1e6, Double(events) / readTime / 1e6, t, Double(events) / t / 1e6, alerts,
                 Double(usage.ru_maxrss) / 1024))
}

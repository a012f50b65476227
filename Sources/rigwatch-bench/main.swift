import Foundation
import RigwatchCore
import RigwatchSources

// rigwatch benchmarks (`make bench`, as root): not tests, figures for the notes.
//   exec storm: N fork+exec of /bin/true without the sensor, then with it attached
//               and a consumer thread draining and decoding; prints the slowdown.
//   decode:     kernel-record decode throughput of the consumer, in events/s.

let arguments = CommandLine.arguments.dropFirst()
let execCount = Int(arguments.first(where: { $0.hasPrefix("--execs=") })?.dropFirst(8) ?? "") ?? 20_000
let decodeCount = Int(arguments.first(where: { $0.hasPrefix("--decode=") })?.dropFirst(9) ?? "") ?? 2_000_000

func execStorm(_ n: Int) -> Double {
    let path = "/bin/true"
    var argv: [UnsafeMutablePointer<CChar>?] = [strdup(path), nil]
    defer { free(argv[0]) }
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<n {
        var pid: pid_t = 0
        guard posix_spawn(&pid, path, nil, nil, &argv, environ) == 0 else { fatalError("posix_spawn failed") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func benchExecStorm() throws {
    guard geteuid() == 0 else {
        print("exec storm: skipped (needs root to load the sensor)")
        return
    }
    _ = execStorm(500) // warm the page cache
    let bare = execStorm(execCount)

    _ = try Preflight().run()
    var options = BPFSource.Options()
    options.watchedUids = [0]
    let source = try BPFSource(options: options)
    final class Counter: @unchecked Sendable { var events = 0; var errors = 0; var stop = false }
    let counter = Counter()
    try source.start { raw in
        if (try? EventDecoder.decode(raw)) != nil { counter.events += 1 } else { counter.errors += 1 }
    }
    let consumer = Thread {
        while !counter.stop { _ = try? source.poll(timeoutMs: 50) }
        while ((try? source.poll(timeoutMs: 0)) ?? 0) > 0 {}
    }
    consumer.start()
    let watched = execStorm(execCount)
    counter.stop = true
    while !consumer.isFinished { usleep(10_000) }
    let drops = source.drops()
    source.close()

    print(String(format: "exec storm: %d fork+exec of /bin/true", execCount))
    print(String(format: "  without sensor: %.3f s (%.0f execs/s)", bare, Double(execCount) / bare))
    print(String(format: "  with sensor:    %.3f s (%.0f execs/s), %d events consumed, %llu dropped, %d malformed",
                 watched, Double(execCount) / watched, counter.events, drops, counter.errors))
    print(String(format: "  slowdown ratio: %.3f", watched / bare))
}

func benchDecode() throws {
    func header(_ i: Int) -> EventHeader {
        EventHeader(timestampNs: UInt64(i) * 1000, pid: UInt32(i), tgid: UInt32(i), ppid: 1, uid: 1000, euid: 0,
                    gid: 1000, egid: 0, lineageUid: 1000, cgroupId: 4242, comm: Comm("sudo"))
    }
    // A realistic mix: every process forks, execs once with a typical argv, exits.
    let args = ExecEvent.joinArgs(["/usr/bin/docker", "inspect", "--format", "{{.State.Pid}}", "C.12345678"])
    let records: [[UInt8]] = [
        EventEncoder.encode(.fork(ForkEvent(header: header(1), childPid: 2, childTgid: 2))),
        EventEncoder.encode(.exec(ExecEvent(header: header(2), loginUid: 1000, flags: [], argc: 5, oldPid: 2,
                                            filename: Array("/usr/bin/docker".utf8), args: args))),
        EventEncoder.encode(.exit(ExitEvent(header: header(2), exitCode: 0, signal: 0))),
    ]
    var checksum: UInt64 = 0
    let start = DispatchTime.now().uptimeNanoseconds
    for i in 0..<decodeCount {
        let event = try records[i % 3].withUnsafeBytes { try EventDecoder.decode($0) }
        checksum &+= event.timestampNs
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(String(format: "decode: %d records (fork/exec/exit mix) in %.3f s = %.2f M events/s (checksum %llu)",
                 decodeCount, seconds, Double(decodeCount) / seconds / 1e6, checksum))
}

do {
    try benchDecode()
    try benchExecStorm()
} catch {
    FileHandle.standardError.write(Data("rigwatch-bench: \(error)\n".utf8))
    exit(1)
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchSources

/// Bulk TCP throughput over a veth pair to a bench-only network namespace, without
/// and with the sensor attached (its consumer draining and snapshotting the byte
/// map each second), in one run; and the CPU the sensor's process used meanwhile.
func benchNetwork(bytes: Int, rounds: Int = 5) throws {
    guard geteuid() == 0 else {
        print("net: skipped (needs root for namespaces and the sensor)")
        return
    }
    let ns = "rwbenchns"
    let iface = "rwbenchv0a"
    let peer = "rwbenchv0b"
    func sh(_ command: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchError("`\(command)` failed") }
    }
    _ = try? sh("ip netns del \(ns) 2>/dev/null; ip link del \(iface) 2>/dev/null; true")
    defer { _ = try? sh("ip netns del \(ns) 2>/dev/null; ip link del \(iface) 2>/dev/null; true") }
    try sh(
        "ip netns add \(ns) && ip link add \(iface) type veth peer name \(peer) netns \(ns) && ip addr add 10.232.0.1/30 dev \(iface) && ip link set \(iface) up && ip -n \(ns) addr add 10.232.0.2/30 dev \(peer) && ip -n \(ns) link set \(peer) up"
    )
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/helpers/net_traffic.py").path
    let sink = Process()
    sink.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
    sink.arguments = ["netns", "exec", ns, "/usr/bin/env", "python3", script, "sink", "5301", "5302"]
    let sinkOut = Pipe()
    sink.standardOutput = sinkOut
    try sink.run()
    defer {
        sink.terminate()
        sink.waitUntilExit()
    }
    _ = sinkOut.fileHandleForReading.availableData

    func transfer() throws -> Double {
        try seconds {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", script, "tcp", "10.232.0.2", "5301", String(bytes)]
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
        }
    }
    _ = try transfer()  // warm up
    _ = try Preflight().run()
    func cpu(_ r: rusage) -> Double {
        Double(r.ru_utime.tv_sec + r.ru_stime.tv_sec) + Double(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6
    }
    // Alternate rounds without and with the sensor, so drift on a shared machine hits both alike.
    var bare: [Double] = []
    var watched: [Double] = []
    var sensorCPU: [Double] = []
    for _ in 0..<rounds {
        bare.append(try transfer())
        var options = BPFSource.Options()
        options.hooks = benchHooks
        let source = try BPFSource(options: options)
        try source.start { raw in _ = try? EventDecoder.decode(raw) }
        var lastSnapshot = Date()
        let consumer = PollingThread(
            source,
            poll: { source in
                _ = try? source.poll(timeoutMs: 50)
                if Date().timeIntervalSince(lastSnapshot) >= 1 {
                    source.snapshotNetwork()
                    lastSnapshot = Date()
                }
            })
        var before = rusage()
        getrusage(RUSAGE_SELF.rawValue, &before)
        consumer.start()
        watched.append(try transfer())
        consumer.stopAndJoin()
        source.snapshotNetwork()
        var after = rusage()
        getrusage(RUSAGE_SELF.rawValue, &after)
        sensorCPU.append(cpu(after) - cpu(before))
        source.close()
    }
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    let b = median(bare)
    let w = median(watched)
    let hook =
        benchHooks.isEmpty
        ? "" : " [" + benchHooks.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + "]"
    print(
        "net" + hook
            + String(
                format:
                    ": %d MB over veth, median of %d alternating rounds: without sensor %.0f MB/s, with sensor %.0f MB/s, ratio %.3f; sensor process CPU %.3f s per transfer (%.1f%%)",
                bytes / 1_000_000, rounds, Double(bytes) / b / 1e6, Double(bytes) / w / 1e6, b / w,
                median(sensorCPU), median(sensorCPU) / w * 100))
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

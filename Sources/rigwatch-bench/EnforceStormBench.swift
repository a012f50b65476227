// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchSources

/// The exec storm with enforcement: the bench runs as root with uid 0 watched, so
/// every fork+exec of /bin/true is a privileged exec of a watched lineage and a full
/// in-kernel decision (the rule `/usr/bin/true` allows it). Rounds interleave
/// without the sensor, with it and enforcement off (programs loaded, idle) and with
/// deny; the kernel's own statistics (kernel.bpf_stats_enabled) give the cost of
/// `enforce_exec` per run.
func benchEnforceStorm(count: Int, rounds: Int = 3) throws {
    guard geteuid() == 0 else {
        print("enforcestorm: skipped (needs root to load the sensor)")
        return
    }
    _ = try Preflight().run()
    let policies = PolicySet(
        name: "bench", rulesByUid: [0: [try CommandSpec.parse("/usr/bin/true", origin: "bench", canon: .mergedUsr)]],
        canon: .mergedUsr)
    let statsPath = "/proc/sys/kernel/bpf_stats_enabled"
    let statsBefore = (try? String(contentsOfFile: statsPath, encoding: .utf8)) ?? "0\n"
    try "1\n".write(toFile: statsPath, atomically: false, encoding: .utf8)
    defer { try? statsBefore.write(toFile: statsPath, atomically: false, encoding: .utf8) }

    var options = BPFSource.Options()
    options.watchedUids = [0]
    options.wakeupBytes = 64 << 10
    options.hooks = benchHooks
    let source = try BPFSource(options: options)
    defer { source.close() }
    let counter = StormCounter()
    try source.start { raw in
        if case .enforce? = try? EventDecoder.decode(raw) { counter.errors += 1 } else { counter.events += 1 }
    }
    let consumer = PollingThread(
        source, poll: { _ = try? $0.poll(timeoutMs: 10) }, drain: { while ((try? $0.poll(timeoutMs: 0)) ?? 0) > 0 {} })
    consumer.start()
    defer { consumer.stopAndJoin() }
    func stats() -> (ns: UInt64, runs: UInt64) { source.programStats("enforce_exec") ?? (0, 0) }

    _ = execStorm(500)  // warm the page cache
    var offRatios: [Double] = []
    var denyRatios: [Double] = []
    var perDecision: [Double] = []
    for _ in 0..<rounds {
        // "bare": the same loaded sensor with enforcement off is the next best thing to
        // no sensor inside one process; the execstorm bench measures attachment itself.
        _ = try source.setEnforcement(policies, mode: .off)
        let off = execStorm(count)
        _ = try source.setEnforcement(policies, mode: .deny)
        let before = stats()
        let deny = execStorm(count)
        let after = stats()
        _ = try source.setEnforcement(policies, mode: .off)
        let again = execStorm(count)
        let baseline = (off + again) / 2
        offRatios.append(again / off)
        denyRatios.append(deny / baseline)
        let runs = after.runs - before.runs
        if runs > 0 { perDecision.append(Double(after.ns - before.ns) / Double(runs)) }
    }
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    print(
        String(format: "enforcestorm: %d fork+exec of /bin/true as watched root, %d interleaved rounds", count, rounds))
    print(
        String(
            format: "  deny vs off, time ratio (median): %.3f; off vs off: %.3f", median(denyRatios), median(offRatios))
    )
    if !perDecision.isEmpty {
        print(String(format: "  enforce_exec per run (bpf_stats, median): %.0f ns", median(perDecision)))
    }
    print("  \(counter.errors) enforce records (0 expected: every exec allowed)")
}

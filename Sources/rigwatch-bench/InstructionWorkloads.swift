// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchSources

// The workloads `make bench-check` counts instructions of under callgrind (bench/check.py):
// no clock and no timing, only the work, so the process's instruction count is repeatable.
// check.py runs each at two sizes and divides the difference by the extra work, so process
// start, trace loading, policy compilation and the first-use tables cancel out.
//   count-replay --trace=PATH --repeat=N   the trace (read once into memory) decoded and run
//                                          through a fresh replay engine N times
//   count-policy --decisions=N             N whitelist decisions (PolicyWorkload)
// Each prints one line, "NAME: UNITS UNIT": the work done, which check.py divides by.
// Replay is counted inside `replayOnce` only (see there).

/// `repeats` replays of the trace at `path`: decode from memory and the engine, as
/// `rigwatch replay` streams it, with every detector of the default configuration.
/// A fresh engine each time, so every repetition does the same work from the same state.
func countReplay(path: String, repeats: Int) throws {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw BenchError("cannot read \(path)")
    }
    let bytes = [UInt8](data)
    let header = try TraceStream(bytes: bytes).header
    let watched = header.watchedUsers.map { WatchedUser(uid: $0.uid, name: $0.name) }
    let policies = PolicySet.defaultPolicy(watched: watched, canon: .mergedUsr)
    var events = 0
    var alerts = 0
    for _ in 0..<repeats {
        let (e, a) = try replayOnce(bytes: bytes, engine: replayEngine(watched: watched, policies: policies))
        events += e
        alerts += a
    }
    print("count-replay: \(events) events (\(alerts) alerts)")
}

/// One replay: decode and judge every event of the trace. Never inlined: check.py counts
/// only inside it (callgrind's --toggle-collect), so building each repetition's engine
/// (about a million instructions) is not charged to the events.
@inline(never)
func replayOnce(bytes: [UInt8], engine: Engine) throws -> (events: Int, alerts: Int) {
    var stream = try TraceStream(bytes: bytes)
    var events = 0
    var alerts = 0
    while let event = try stream.next() {
        events += 1
        alerts += engine.consume(event).count
    }
    return (events, alerts)
}

/// `count` whitelist decisions.
func countPolicy(count: Int) throws {
    let workload = try PolicyWorkload()
    let allowed = workload.decide(count: count)
    print("count-policy: \(count) decisions (\(allowed) allowed)")
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

// rigwatch benchmarks (`make bench`, as root): figures for the notes, not tests.
//   decode     kernel-record decode throughput of the consumer (events/s)
//   policy     whitelist decisions/s on one core and heap allocations per decision
//   arguments  argument rules per privileged exec, the root-equivalent detector per lineage exec
//   replay     engine replay throughput over a generated 1M-event trace, peak memory
//   execstorm  fork+exec slowdown with the sensor attached and draining (needs root)
//   filestorm  file syscall slowdown with file-change monitoring attached (needs root)
//   net        bulk TCP over a veth pair with and without the sensor (needs root)
// Usage: rigwatch-bench [decode|policy|arguments|replay|execstorm|filestorm|net]... [--execs=N] [--files=N] [--decode=N] [--events=N] [--netbytes=N]
//        [--bpf-hook=FEATURE=RUNG]...   the sensor's rungs for execstorm, filestorm, net (e.g. net-bytes=syscalls)

let arguments = Array(CommandLine.arguments.dropFirst())
func intOption(_ name: String, _ fallback: Int) -> Int {
    arguments.first { $0.hasPrefix("--\(name)=") }.flatMap { Int($0.split(separator: "=")[1]) } ?? fallback
}
let selected = Set(arguments.filter { !$0.hasPrefix("--") })
/// Rungs forced for the sensor the live benchmarks attach, to cost each fallback.
let benchHooks: [String: String] = {
    let parsed = FeaturePlanner.parseHooks(
        arguments.filter { $0.hasPrefix("--bpf-hook=") }.map { String($0.dropFirst("--bpf-hook=".count)) })
    if let problem = parsed.problems.first {
        FileHandle.standardError.write(Data("rigwatch-bench: \(problem.message)\n".utf8))
        exit(2)
    }
    return parsed.hooks
}()
func wanted(_ name: String) -> Bool { selected.isEmpty || selected.contains(name) }

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

do {
    if wanted("decode") { try benchDecode(count: intOption("decode", 2_000_000)) }
    if wanted("policy") { try benchPolicy(count: intOption("decisions", 20_000_000)) }
    if wanted("arguments") { benchArgumentRules(count: intOption("commands", 1_000_000)) }
    if wanted("replay") { try benchReplay(count: intOption("events", 1_000_000)) }
    if wanted("execstorm") { try benchExecStorm(count: intOption("execs", 20_000)) }
    if wanted("filestorm") { try benchFileStorm(count: intOption("files", 100_000)) }
    if wanted("net") { try benchNetwork(bytes: intOption("netbytes", 2_000_000_000), rounds: intOption("rounds", 9)) }
} catch {
    FileHandle.standardError.write(Data("rigwatch-bench: \(error)\n".utf8))
    exit(1)
}

// SPDX-License-Identifier: Apache-2.0
import CAllocCounter
import Foundation
import RigwatchCore

/// Whitelist decisions/s and heap allocations per decision (`PolicyWorkload`).
func benchPolicy(count: Int) throws {
    let workload = try PolicyWorkload()
    // Warm up (one round of every command line), then measure.
    let allowedPerRound = workload.decide(count: workload.execs.count)
    let allocationsBefore = rw_alloc_count()
    let t = seconds { _ = workload.decide(count: count) }
    let allocations = rw_alloc_count() - allocationsBefore
    let nanoseconds = t * 1e9 / Double(count)
    print(
        String(
            format:
                "policy: %d decisions over %d command lines (%d allowed each round), %d rules: %.3f s = %.2f M decisions/s, %.1f ns/decision, %.4f heap allocations per decision",
            count, workload.execs.count, allowedPerRound, workload.ruleCount, t, Double(count) / t / 1e6,
            nanoseconds, Double(allocations) / Double(count)) + " "
            + goal("≤ 80 ns/decision, 0 allocations", met: nanoseconds <= 80 && allocations == 0))
}

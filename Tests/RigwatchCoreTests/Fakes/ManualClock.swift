// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// A clock that moves only when told (or when the code under test sleeps,
/// which jumps straight to the wake time), so backoff and rate-limit waits of
/// seconds take no time in unit tests.
final class ManualClock: TimeSource {
    var wallNs: Int64
    var bootNs: UInt64
    /// Every `sleep(untilWallNs:)` asked for, in wall ns.
    private(set) var sleeps: [Int64] = []

    init(wallNs: Int64 = 1_750_000_000_000_000_000, bootNs: UInt64 = 3_600_000_000_000) {
        self.wallNs = wallNs
        self.bootNs = bootNs
    }

    func bootNowNs() -> UInt64 { bootNs }
    func wallNowNs() -> Int64 { wallNs }

    func sleep(untilWallNs target: Int64) {
        sleeps.append(target)
        if target > wallNs { advance(ns: target - wallNs) }
    }

    func advance(seconds: Double) {
        advance(ns: Int64((seconds * 1e9).rounded()))
    }

    func advance(ns: Int64) {
        wallNs += ns
        bootNs += UInt64(ns)
    }
}

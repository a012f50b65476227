// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// A clock that moves only when told (or when the code under test sleeps,
/// which jumps straight to the wake time), so backoff and rate-limit waits of
/// seconds take no time in unit tests.
public final class ManualClock: TimeSource {
    public var wallNs: Int64
    public var bootNs: UInt64
    /// Every `sleep(untilWallNs:)` asked for, in wall ns.
    public private(set) var sleeps: [Int64] = []

    public init(wallNs: Int64 = 1_750_000_000_000_000_000, bootNs: UInt64 = 3_600_000_000_000) {
        self.wallNs = wallNs
        self.bootNs = bootNs
    }

    public func bootNowNs() -> UInt64 { bootNs }
    public func wallNowNs() -> Int64 { wallNs }

    public func sleep(untilWallNs target: Int64) {
        sleeps.append(target)
        if target > wallNs { advance(ns: target - wallNs) }
    }

    public func advance(seconds: Double) {
        advance(ns: Int64((seconds * 1e9).rounded()))
    }

    public func advance(ns: Int64) {
        wallNs += ns
        bootNs += UInt64(ns)
    }
}

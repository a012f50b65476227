// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// The one reader of the system clocks (CLOCK_BOOTTIME and CLOCK_REALTIME).
/// Pass an instance where a `TimeSource` is taken; the static readers are for call
/// sites that always mean the real clock.
public struct SystemClock: TimeSource {
    public init() {}

    public func bootNowNs() -> UInt64 { Self.bootNowNs() }
    public func wallNowNs() -> Int64 { Self.wallNowNs() }

    public func sleep(untilWallNs wallNs: Int64) {
        let now = Self.wallNowNs()
        if wallNs > now { Thread.sleep(forTimeInterval: Double(wallNs - now) / 1e9) }
    }

    /// CLOCK_BOOTTIME ns.
    public static func bootNowNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// CLOCK_REALTIME ns since the Unix epoch.
    public static func wallNowNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Wall-clock ns minus boot-clock ns now: add it to an event time to get wall time.
    public static func wallOffsetNs() -> Int64 { SystemClock().wallOffsetNs() }
}

// SPDX-License-Identifier: Apache-2.0
/// The two clocks rigwatch reads, named for what they read. Core only declares
/// them: it reads no clock itself, and whoever needs the time takes a `TimeSource`
/// (the system one is `SystemClock` in RigwatchIO; tests pass a fake).
public protocol TimeSource {
    /// CLOCK_BOOTTIME ns: the clock of every kernel event timestamp.
    func bootNowNs() -> UInt64
    /// CLOCK_REALTIME ns since the Unix epoch: what alerts and logs stamp.
    func wallNowNs() -> Int64
    /// Returns once the wall clock reads at least `wallNs` (a fake just moves there).
    func sleep(untilWallNs wallNs: Int64)
}

extension TimeSource {
    /// Wall-clock ns minus boot-clock ns now: add it to an event time to get wall time.
    public func wallOffsetNs() -> Int64 {
        let wall = wallNowNs()
        return wall - Int64(bootNowNs())
    }
}

// SPDX-License-Identifier: Apache-2.0
/// systemd's watchdog (`WatchdogSec=`): the manager passes the interval in
/// `$WATCHDOG_USEC` (and the pid it is meant for in `$WATCHDOG_PID`); the service
/// sends `WATCHDOG=1` more often than that or is killed and restarted. The pings
/// come from the event loop, so a loop that hangs stops them.
public struct SystemdWatchdog: Equatable, Sendable {
    /// The interval systemd enforces, in ns.
    public let intervalNs: UInt64
    private var lastPingNs: UInt64?

    /// Nil when no watchdog is asked for, or it is meant for another process.
    public init?(environment: [String: String], pid: Int32) {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let owner = environment["WATCHDOG_PID"], owner != String(pid) { return nil }
        intervalNs = usec.multipliedReportingOverflow(by: 1000).overflow ? .max : usec * 1000
    }

    /// True when a ping is due at `nowNs` (monotonic): at start, then every half
    /// interval, as sd_watchdog_enabled(3) advises. A true answer counts as sent.
    public mutating func due(nowNs: UInt64) -> Bool {
        if let last = lastPingNs, nowNs >= last, nowNs - last < intervalNs / 2 { return false }
        lastPingNs = nowNs
        return true
    }
}

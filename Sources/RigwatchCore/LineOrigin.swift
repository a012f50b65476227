// SPDX-License-Identifier: Apache-2.0
/// What every output line says besides its event: the host it happened on and the
/// wall-clock time, from the boot-clock `ts_ns` and the offset between the two
/// clocks (measured at start live; the trace header's in replay).
public struct LineOrigin: Equatable, Sendable {
    public var host: String
    /// Wall-clock ns minus CLOCK_BOOTTIME ns.
    public var bootOffsetNs: Int64

    public init(host: String, bootOffsetNs: Int64) {
        self.host = host
        self.bootOffsetNs = bootOffsetNs
    }

    /// A trace with no header: host unknown, times since boot shown from the epoch.
    public static let unknown = LineOrigin(host: "unknown", bootOffsetNs: 0)

    /// Wall-clock ns of a boot-clock timestamp.
    public func wallNs(ofBootNs bootNs: UInt64) -> Int64 { Int64(truncatingIfNeeded: bootNs) &+ bootOffsetNs }

    /// The ISO-8601 UTC time (microseconds) of a boot-clock timestamp.
    public func time(ofBootNs bootNs: UInt64) -> String {
        ISOTime.format(ns: wallNs(ofBootNs: bootNs), precision: .microseconds)
    }
}

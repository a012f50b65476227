// SPDX-License-Identifier: Apache-2.0
/// At most `bytes` from one watched lineage to one destination block within
/// `horizonSeconds`: the long-horizon limit that catches transfers too slow for
/// the short window (`network.exfiltration.budgets`).
public struct ByteBudget: Equatable, Sendable, CustomStringConvertible {
    public var horizonSeconds: UInt64
    public var bytes: UInt64

    public init(horizonSeconds: UInt64, bytes: UInt64) {
        self.horizonSeconds = horizonSeconds
        self.bytes = bytes
    }

    /// 128 MiB per hour and 512 MiB per day (docs/detectors.md says why): 1.5 MB/s
    /// crosses the hour's budget after 90 s; a trickle has to stay under 6 kB/s
    /// on average to pass a day unseen.
    public static let defaults = [
        ByteBudget(horizonSeconds: 3600, bytes: 128 << 20), ByteBudget(horizonSeconds: 86_400, bytes: 512 << 20),
    ]

    /// "3600 s: 134217728 bytes", as the reload plan shows it.
    public var description: String { "\(horizonSeconds) s: \(bytes) bytes" }

    /// "1 h", "24 h", "90 min", "45 s": the horizon in titles.
    var horizonText: String {
        if horizonSeconds % 3600 == 0 { return "\(horizonSeconds / 3600) h" }
        if horizonSeconds % 60 == 0 { return "\(horizonSeconds / 60) min" }
        return "\(horizonSeconds) s"
    }
}

// SPDX-License-Identifier: Apache-2.0
/// Bytes sent within a horizon, in a fixed number of equal buckets: the same
/// memory whatever the rate or the number of snapshots. A byte counts from its
/// bucket until that bucket leaves the horizon, so for between 59/60 of the
/// horizon and the whole of it.
struct BucketedByteCounter {
    static let bucketCount = 60

    let horizonNs: UInt64
    let bucketNs: UInt64
    private var buckets: [UInt64]
    /// Absolute number (time / bucketNs) of the newest bucket.
    private var newest: UInt64 = 0
    /// The sum of the buckets inside the horizon.
    private(set) var total: UInt64 = 0

    init(horizonNs: UInt64) {
        let n = UInt64(Self.bucketCount)
        self.horizonNs = horizonNs
        bucketNs = Swift.max(1, horizonNs / n + (horizonNs % n == 0 ? 0 : 1))
        buckets = Array(repeating: 0, count: Self.bucketCount)
    }

    /// Moves the horizon's end to `ns`: buckets that fall out are emptied.
    mutating func advance(to ns: UInt64) {
        let b = ns / bucketNs
        guard b > newest else { return }
        let n = UInt64(Self.bucketCount)
        if b - newest >= n {
            for i in buckets.indices { buckets[i] = 0 }
            total = 0
        } else {
            for k in (newest + 1)...b {
                let i = Int(k % n)
                total &-= buckets[i]
                buckets[i] = 0
            }
        }
        newest = b
    }

    /// Counts `bytes` sent at `ns`; bytes older than the horizon are not counted.
    mutating func add(_ bytes: UInt64, at ns: UInt64) {
        advance(to: ns)
        let b = ns / bucketNs
        guard b &+ UInt64(Self.bucketCount) > newest else { return }
        buckets[Int(b % UInt64(Self.bucketCount))] &+= bytes
        total &+= bytes
    }
}

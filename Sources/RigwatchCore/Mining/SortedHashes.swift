// SPDX-License-Identifier: Apache-2.0
/// A fixed set of 64-bit hashes, searched by bisection. The prefilter asks it a few
/// times per exec; a `Set<UInt64>` would run SipHash over each question first.
struct SortedHashes {
    private let sorted: [UInt64]

    init<S: Sequence>(_ hashes: S) where S.Element == UInt64 {
        sorted = Array(Set(hashes)).sorted()
    }

    func contains(_ h: UInt64) -> Bool {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < h { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] == h
    }
}

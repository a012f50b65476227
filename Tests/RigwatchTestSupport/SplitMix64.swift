// SPDX-License-Identifier: Apache-2.0
/// SplitMix64: tiny, seedable, and the same on every platform, so a failing
/// seed reproduces anywhere.
public struct SplitMix64 {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform-enough value in 0..<bound (bound > 0).
    public mutating func next(_ bound: UInt64) -> UInt64 { next() % max(bound, 1) }
    public mutating func index(_ count: Int) -> Int { Int(next(UInt64(max(count, 1)))) }
}

// SPDX-License-Identifier: Apache-2.0
/// What the crypto-mining detector needs to know (built from `mining:` in the config).
public struct MiningSettings: Equatable, Sendable {
    /// GPU utilization (percent) at or above which a sample counts as busy.
    public var busyPercent: UInt32
    /// How long the GPU must stay busy, with nothing allowed running, before it is a signal.
    public var busySeconds: UInt64
    /// Containers (cgroup ids) whose GPU use is legitimate work.
    public var allowedCgroups: [UInt64]
    /// Process names (exe basename or comm) whose GPU use is legitimate work.
    public var allowedProcessNames: [String]
    public var signatures: MiningSignatures
    /// An incident with no new signal for this long is over; the next signal opens a new one.
    public var quietSeconds: UInt64
    /// How long an incident's first alert waits for the GPU signal (which needs
    /// `busySeconds` to mature) before it is raised with the signals it has.
    public var holdSeconds: UInt64
    /// Whether this host's GPUs are sampled. Without GPU samples the GPU signal can
    /// never join, so first alerts are not held for it (the live sensor sets this
    /// from its sampler; replay keeps the default, the trace may carry samples).
    public var expectGPU = true

    public init(
        busyPercent: UInt32 = 80, busySeconds: UInt64 = 60, allowedCgroups: [UInt64] = [],
        allowedProcessNames: [String] = [], signatures: MiningSignatures = .standard,
        quietSeconds: UInt64 = 600, holdSeconds: UInt64? = nil
    ) {
        self.busyPercent = busyPercent
        self.busySeconds = busySeconds
        self.allowedCgroups = allowedCgroups
        self.allowedProcessNames = allowedProcessNames
        self.signatures = signatures
        self.quietSeconds = quietSeconds
        // Default: the GPU's time to mature plus a few sampling intervals.
        self.holdSeconds = holdSeconds ?? busySeconds.saturatingAdd(15)
    }
}

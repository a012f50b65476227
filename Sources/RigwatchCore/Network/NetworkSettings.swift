// SPDX-License-Identifier: Apache-2.0
/// Settings of the network detectors, as plain values. RigwatchConfig builds them
/// from `network:` in the configuration (host names resolved there, not here).
public struct NetworkSettings: Equatable, Sendable {
    public var exfiltration: ExfiltrationSettings
    public var watchedOutbound: WatchedOutboundSettings

    public init(
        exfiltration: ExfiltrationSettings = ExfiltrationSettings(),
        watchedOutbound: WatchedOutboundSettings = WatchedOutboundSettings()
    ) {
        self.exfiltration = exfiltration
        self.watchedOutbound = watchedOutbound
    }
}

/// Thresholds of the `exfiltration` detector. Either threshold raises the alert; 0 turns one off.
public struct ExfiltrationSettings: Equatable, Sendable {
    /// Length of the sliding window, and the least time between two alerts of one (subject, destination).
    public var windowSeconds: UInt64 = 600
    /// Bytes to one destination within a window that raise an alert (1 GiB).
    public var bytesPerWindow: UInt64 = 1 << 30
    /// A transfer at least this fast (bytes per second) ...
    public var sustainedBytesPerSecond: UInt64 = 20_000_000
    /// ... for at least this long raises an alert.
    public var sustainedSeconds: UInt64 = 60
    /// Destinations never counted.
    public var allow: [CIDR] = []
    /// RFC 1918, CGNAT, link-local and unique-local destinations are not counted.
    public var allowPrivate = true
    /// Bound on the (subject, destination) pairs followed at once.
    public var maxTracked = 16_384
    /// `network.trusted_destinations`: never counted, by the window nor by the budgets.
    public var trusted: [CIDR] = []
    /// Long-horizon budgets per (watched lineage, destination block); they count private
    /// and CGNAT destinations whatever `allowPrivate` says (only `allow` and `trusted` are left out).
    public var budgets: [ByteBudget] = ByteBudget.defaults
    /// Bound on the (lineage, destination block) pairs the budgets follow; eviction raises an alert.
    public var budgetMaxTracked = 4096

    public init(
        windowSeconds: UInt64 = 600, bytesPerWindow: UInt64 = 1 << 30, sustainedBytesPerSecond: UInt64 = 20_000_000,
        sustainedSeconds: UInt64 = 60, allow: [CIDR] = [], allowPrivate: Bool = true, maxTracked: Int = 16_384,
        trusted: [CIDR] = [], budgets: [ByteBudget] = ByteBudget.defaults, budgetMaxTracked: Int = 4096
    ) {
        self.maxTracked = maxTracked
        self.trusted = trusted
        self.budgets = budgets
        self.budgetMaxTracked = budgetMaxTracked
        self.windowSeconds = windowSeconds
        self.bytesPerWindow = bytesPerWindow
        self.sustainedBytesPerSecond = sustainedBytesPerSecond
        self.sustainedSeconds = sustainedSeconds
        self.allow = allow
        self.allowPrivate = allowPrivate
    }

    var allowlist: DestinationAllowlist { DestinationAllowlist(blocks: allow + trusted, allowPrivate: allowPrivate) }

    /// What the budgets leave out: loopback, `allow` and `trusted`; private ranges count.
    var budgetAllowlist: DestinationAllowlist { DestinationAllowlist(blocks: allow + trusted, allowPrivate: false) }
}

/// The `watched-user-outbound` detector: where the watched users' processes may connect.
public struct WatchedOutboundSettings: Equatable, Sendable {
    /// The watched users' own allowlist (`network.watched_user_allow`).
    public var allow: [CIDR] = []
    public var allowPrivate = true
    /// One alert per (lineage, destination) within this many seconds.
    public var windowSeconds: UInt64 = 600
    /// Bound on the (lineage, destination) pairs remembered.
    public var maxTracked = 16_384
    /// Programs whose connects are not judged by destination (`network.watched_user_allow_programs`).
    public var allowPrograms: [ProgramAllowance] = ProgramAllowance.defaults

    public init(
        allow: [CIDR] = [], allowPrivate: Bool = true, windowSeconds: UInt64 = 600, maxTracked: Int = 16_384,
        allowPrograms: [ProgramAllowance] = ProgramAllowance.defaults
    ) {
        self.maxTracked = maxTracked
        self.allowPrograms = allowPrograms
        self.allow = allow
        self.allowPrivate = allowPrivate
        self.windowSeconds = windowSeconds
    }

    var allowlist: DestinationAllowlist { DestinationAllowlist(blocks: allow, allowPrivate: allowPrivate) }
}

/// Which destinations a network detector leaves alone.
struct DestinationAllowlist: Equatable, Sendable {
    var blocks: [CIDR]
    var allowPrivate: Bool

    /// Loopback never counts (the kernel drops it too); an unspecified address means
    /// the kernel did not know the peer, so there is nothing to judge.
    func allows(_ address: IPAddress) -> Bool {
        address.isLoopback || address.isUnspecified || (allowPrivate && address.isPrivate)
            || blocks.containsAddress(address)
    }
}

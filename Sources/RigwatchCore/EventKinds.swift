// SPDX-License-Identifier: Apache-2.0

/// A set of event kinds: what a detector observes, so the engine hands each event only
/// to the detectors that look at its kind (most look at one or two).
public struct EventKinds: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let exec = EventKinds(rawValue: 1 << 0)
    public static let cred = EventKinds(rawValue: 1 << 1)
    public static let fork = EventKinds(rawValue: 1 << 2)
    public static let exit = EventKinds(rawValue: 1 << 3)
    public static let drops = EventKinds(rawValue: 1 << 4)
    public static let connect = EventKinds(rawValue: 1 << 5)
    public static let netBytes = EventKinds(rawValue: 1 << 6)
    public static let gpuSample = EventKinds(rawValue: 1 << 7)
    public static let fileChange = EventKinds(rawValue: 1 << 8)
    public static let tamper = EventKinds(rawValue: 1 << 9)
    public static let integrity = EventKinds(rawValue: 1 << 10)
    public static let firstPayload = EventKinds(rawValue: 1 << 11)
    public static let unixConnect = EventKinds(rawValue: 1 << 12)
    public static let auth = EventKinds(rawValue: 1 << 13)
    public static let enforce = EventKinds(rawValue: 1 << 14)
    /// How many kinds there are: the bits above are 0..<count.
    public static let count = 15
    public static let all = EventKinds(rawValue: (1 << 15) - 1)
}

extension Event {
    /// This event's kind as a bit index (0..<EventKinds.count), in `Event.kindNames` order.
    @inline(__always)
    public var kindIndex: Int {
        switch self {
        case .exec: return 0
        case .cred: return 1
        case .fork: return 2
        case .exit: return 3
        case .drops: return 4
        case .connect: return 5
        case .netBytes: return 6
        case .gpuSample: return 7
        case .fileChange: return 8
        case .tamper: return 9
        case .integrity: return 10
        case .firstPayload: return 11
        case .unixConnect: return 12
        case .auth: return 13
        case .enforce: return 14
        }
    }
}

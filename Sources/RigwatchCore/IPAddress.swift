// SPDX-License-Identifier: Apache-2.0
/// An IPv4 or IPv6 address as the kernel hands it over: 16 bytes in network
/// order (an IPv4 address fills the first 4, the rest are zero) and a family.
/// Held as two integers so comparing, hashing and CIDR matching allocate nothing.
public struct IPAddress: Hashable, Sendable, Comparable {
    public enum Family: Hashable, Sendable, NamedCase {
        case ipv4, ipv6

        /// `RW_AF_INET` / `RW_AF_INET6` as `bpf/events.h` numbers them.
        public var kernelValue: UInt16 { self == .ipv4 ? KernelABI.afInet : KernelABI.afInet6 }

        public init?(kernelValue: UInt16) {
            switch kernelValue {
            case KernelABI.afInet: self = .ipv4
            case KernelABI.afInet6: self = .ipv6
            default: return nil
            }
        }

        /// The name used in JSON ("ipv4", "ipv6").
        public var name: String { self == .ipv4 ? "ipv4" : "ipv6" }

        /// Bits in an address of this family.
        public var bitWidth: Int { self == .ipv4 ? 32 : 128 }
    }

    public let family: Family
    /// Bytes 0..<8 of the network-order address, most significant first.
    public let high: UInt64
    /// Bytes 8..<16.
    public let low: UInt64

    /// From the 16 raw bytes split in two big-endian halves. For IPv4 only the
    /// top 32 bits of `high` are kept, so an address always has one representation.
    public init(family: Family, high: UInt64, low: UInt64) {
        self.family = family
        self.high = family == .ipv4 ? high & 0xffff_ffff_0000_0000 : high
        self.low = family == .ipv4 ? 0 : low
    }

    /// An IPv4 address from its value (a.b.c.d = a << 24 | b << 16 | c << 8 | d).
    public init(ipv4 value: UInt32) {
        self.init(family: .ipv4, high: UInt64(value) << 32, low: 0)
    }

    /// From bytes in network order: 4 for IPv4, 16 for IPv6 (or 16 with IPv4 in the
    /// first 4, as the kernel records store it). Nil for any other length.
    public init?(family: Family, bytes: [UInt8]) {
        guard bytes.count == 16 || (family == .ipv4 && bytes.count == 4) else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<min(8, bytes.count) { high |= UInt64(bytes[i]) << (8 * UInt64(7 - i)) }
        for i in 8..<max(8, bytes.count) { low |= UInt64(bytes[i]) << (8 * UInt64(15 - i)) }
        self.init(family: family, high: high, low: low)
    }

    /// The 16 bytes as the kernel records hold them (IPv4 padded with zeros).
    public var rawBytes: [UInt8] {
        (0..<16).map { i in UInt8(truncatingIfNeeded: (i < 8 ? high : low) >> (8 * UInt64(7 - i % 8))) }
    }

    /// The IPv4 value of an IPv4 address, nil for IPv6 (see `embeddedIPv4`).
    public var ipv4Value: UInt32? { family == .ipv4 ? UInt32(truncatingIfNeeded: high >> 32) : nil }

    /// ::ffff:a.b.c.d, what a dual-stack socket sends to an IPv4 peer with.
    public var isIPv4Mapped: Bool { family == .ipv6 && high == 0 && low >> 32 == 0xffff }

    /// The IPv4 address an address stands for: itself, or the one an IPv4-mapped address carries.
    public var embeddedIPv4: UInt32? {
        if let v4 = ipv4Value { return v4 }
        return isIPv4Mapped ? UInt32(truncatingIfNeeded: low) : nil
    }

    /// 0.0.0.0 or ::, the destination of a socket whose peer is not known.
    public var isUnspecified: Bool { high == 0 && low == 0 }

    /// 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104.
    public var isLoopback: Bool {
        if let v4 = embeddedIPv4 { return v4 >> 24 == 127 }
        return high == 0 && low == 1
    }

    /// Addresses that do not route on the internet: RFC 1918, shared address space
    /// 100.64.0.0/10, link-local 169.254.0.0/16, fc00::/7 unique-local, fe80::/10
    /// link-local, and the IPv4-mapped forms of the IPv4 ranges.
    public var isPrivate: Bool {
        if let v4 = embeddedIPv4 { return Self.privateIPv4.contains { v4 & $0.mask == $0.net } }
        let top16 = UInt16(truncatingIfNeeded: high >> 48)
        return top16 & 0xfe00 == 0xfc00 || top16 & 0xffc0 == 0xfe80
    }

    private static let privateIPv4: [(net: UInt32, mask: UInt32)] = [
        (0x0a00_0000, 0xff00_0000),  // 10.0.0.0/8
        (0xac10_0000, 0xfff0_0000),  // 172.16.0.0/12
        (0xc0a8_0000, 0xffff_0000),  // 192.168.0.0/16
        (0x6440_0000, 0xffc0_0000),  // 100.64.0.0/10 (carrier-grade NAT)
        (0xa9fe_0000, 0xffff_0000),  // 169.254.0.0/16 (link-local)
    ]

    /// IPv4 before IPv6, then by value: a stable order for reports and tests.
    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        if a.family != b.family { return a.family == .ipv4 }
        return (a.high, a.low) < (b.high, b.low)
    }
}

/// The transport protocols the sensor reports, numbered as the kernel does
/// (`RW_IPPROTO_TCP`, `RW_IPPROTO_UDP`).
public enum NetProtocol: Hashable, Sendable, NamedCase {
    case tcp
    case udp

    public var rawValue: UInt16 { self == .tcp ? KernelABI.ipprotoTCP : KernelABI.ipprotoUDP }

    public init?(rawValue: UInt16) {
        switch rawValue {
        case KernelABI.ipprotoTCP: self = .tcp
        case KernelABI.ipprotoUDP: self = .udp
        default: return nil
        }
    }

    /// The name used in JSON ("tcp", "udp").
    public var name: String { self == .tcp ? "tcp" : "udp" }
}

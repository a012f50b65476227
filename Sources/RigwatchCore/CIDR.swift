// SPDX-License-Identifier: Apache-2.0
/// An address block such as 10.0.0.0/8 or 2001:db8::/32, for destination allowlists.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the block (host bits zero).
    public let network: IPAddress
    /// Leading bits that must match: 0...32 for IPv4, 0...128 for IPv6.
    public let prefixLength: Int

    /// Why a text is not a CIDR, in words for configuration errors.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case badAddress(String)
        case badPrefix(String)
        case hostBitsSet(String, suggestion: String)

        public var description: String {
            switch self {
            case .badAddress(let text): return "'\(text)' is not an IPv4 or IPv6 address"
            case .badPrefix(let text): return "'\(text)' has a bad prefix length (IPv4: 0-32, IPv6: 0-128)"
            case .hostBitsSet(let text, let suggestion):
                return "'\(text)' has host bits set (did you mean \(suggestion)?)"
            }
        }
    }

    /// The block holding exactly one address (/32 or /128).
    public init(_ address: IPAddress) {
        network = address
        prefixLength = address.family.bitWidth
    }

    /// A block from its first address; nil when the prefix is out of range or host bits are set.
    public init?(network: IPAddress, prefixLength: Int) {
        guard (0...network.family.bitWidth).contains(prefixLength) else { return nil }
        let (mh, ml) = Self.mask(prefixLength)
        guard network.high & mh == network.high, network.low & ml == network.low else { return nil }
        self.network = network
        self.prefixLength = prefixLength
    }

    /// "10.0.0.0/8", "2001:db8::/32", or one address ("192.0.2.7", "::1").
    /// Host bits set ("10.0.0.1/8") are refused: such an entry is usually a typo.
    public static func parse(_ text: String) throws(ParseError) -> CIDR {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { throw .badAddress(text) }
        guard parts.count == 2 else { return CIDR(address) }
        let digits = parts[1]
        guard (1...3).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let length = Int(digits), length <= address.family.bitWidth
        else { throw .badPrefix(text) }
        let (mh, ml) = mask(length)
        let masked = IPAddress(family: address.family, high: address.high & mh, low: address.low & ml)
        guard let block = CIDR(network: masked, prefixLength: length), masked == address else {
            throw .hostBitsSet(text, suggestion: "\(masked)/\(length)")
        }
        return block
    }

    public init?(_ text: String) {
        guard let block = try? CIDR.parse(text) else { return nil }
        self = block
    }

    /// True when `address` lies in the block. An IPv4 block also holds the
    /// IPv4-mapped forms of its addresses: a dual-stack socket reaching 8.8.8.8
    /// reports ::ffff:8.8.8.8, and the allowlist must mean the same host.
    public func contains(_ address: IPAddress) -> Bool {
        var candidate = address
        if network.family == .ipv4, address.family == .ipv6, let v4 = address.embeddedIPv4 {
            candidate = IPAddress(ipv4: v4)
        }
        guard candidate.family == network.family else { return false }
        let (mh, ml) = Self.mask(prefixLength)
        return candidate.high & mh == network.high && candidate.low & ml == network.low
    }

    public var description: String { "\(network)/\(prefixLength)" }

    /// The 128-bit mask of `length` leading ones, as two halves. IPv4 addresses sit
    /// in the top 32 bits, so the same mask serves both families.
    static func mask(_ length: Int) -> (UInt64, UInt64) {
        func ones(_ n: Int) -> UInt64 { n <= 0 ? 0 : (n >= 64 ? ~0 : ~0 << UInt64(64 - n)) }
        return (ones(length), ones(length - 64))
    }
}

extension Array where Element == CIDR {
    /// True when any block holds the address.
    public func containsAddress(_ address: IPAddress) -> Bool {
        contains { $0.contains(address) }
    }
}

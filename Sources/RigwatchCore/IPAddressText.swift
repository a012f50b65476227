// SPDX-License-Identifier: Apache-2.0
/// The standard text forms of addresses: dotted quad for IPv4, RFC 5952 for
/// IPv6 (lowercase, no leading zeros, the longest run of two or more zero groups
/// shown as "::", the first such run on a tie, IPv4-mapped as ::ffff:a.b.c.d).
/// Parsing accepts what inet_pton accepts, so a text form always reads back.
extension IPAddress: CustomStringConvertible, LosslessStringConvertible {
    public var description: String {
        if let v4 = ipv4Value { return Self.dottedQuad(v4) }
        if isIPv4Mapped { return "::ffff:" + Self.dottedQuad(UInt32(truncatingIfNeeded: low)) }
        let groups = self.groups
        // The longest run of zero groups, at least two long.
        var best = (start: -1, length: 0)
        var i = 0
        while i < 8 {
            guard groups[i] == 0 else {
                i += 1
                continue
            }
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i > best.length && j - i >= 2 { best = (i, j - i) }
            i = j
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard best.start >= 0 else { return hex(0..<8) }
        return hex(0..<best.start) + "::" + hex((best.start + best.length)..<8)
    }

    /// "a.b.c.d:port", or "[v6]:port" so the port cannot be read as a group.
    public func withPort(_ port: UInt16) -> String {
        family == .ipv4 ? "\(self):\(port)" : "[\(self)]:\(port)"
    }

    /// The eight 16-bit groups of the address, most significant first.
    var groups: [UInt16] {
        (0..<8).map { i in UInt16(truncatingIfNeeded: (i < 4 ? high : low) >> (16 * UInt64(3 - i % 4))) }
    }

    static func dottedQuad(_ v: UInt32) -> String {
        "\(v >> 24).\((v >> 16) & 0xff).\((v >> 8) & 0xff).\(v & 0xff)"
    }

    /// Parses "a.b.c.d" or an IPv6 text form; nil for anything else (zone ids
    /// such as "%eth0" included: they do not name a destination by themselves).
    public init?(_ text: String) {
        let chars = Array(text.utf8)
        if chars.contains(UInt8(ascii: ":")) {
            guard let (high, low) = Self.parseIPv6(chars[...]) else { return nil }
            self.init(family: .ipv6, high: high, low: low)
        } else {
            guard let v4 = Self.parseIPv4(chars[...]) else { return nil }
            self.init(ipv4: v4)
        }
    }

    /// Four decimal parts 0...255 without leading zeros (as inet_pton: "010" would be octal elsewhere).
    static func parseIPv4(_ chars: ArraySlice<UInt8>) -> UInt32? {
        let parts = chars.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(isDigit),
                part.count == 1 || part.first != UInt8(ascii: "0")
            else { return nil }
            let n = part.reduce(UInt32(0)) { $0 * 10 + UInt32($1 - UInt8(ascii: "0")) }
            guard n <= 255 else { return nil }
            value = value << 8 | n
        }
        return value
    }

    static func parseIPv6(_ chars: ArraySlice<UInt8>) -> (UInt64, UInt64)? {
        // Split around the one "::" allowed, then read each side's groups.
        var head = chars
        var tail = ArraySlice<UInt8>()
        var compressed = false
        if let at = Self.doubleColon(in: chars) {
            compressed = true
            head = chars[chars.startIndex..<at]
            tail = chars[(at + 2)...]
            guard Self.doubleColon(in: tail) == nil else { return nil }
        }
        guard let headGroups = parseGroups(head, allowIPv4Tail: !compressed),
            let tailGroups = compressed ? parseGroups(tail, allowIPv4Tail: true) : []
        else { return nil }
        let count = headGroups.count + tailGroups.count
        if compressed {
            // "::" stands for at least one zero group.
            guard count <= 7 else { return nil }
        } else {
            guard count == 8 else { return nil }
        }
        let groups = headGroups + [UInt16](repeating: 0, count: 8 - count) + tailGroups
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<4 { high = high << 16 | UInt64(groups[i]) }
        for i in 4..<8 { low = low << 16 | UInt64(groups[i]) }
        return (high, low)
    }

    private static func doubleColon(in chars: ArraySlice<UInt8>) -> Int? {
        var i = chars.startIndex
        while i + 1 < chars.endIndex {
            if chars[i] == UInt8(ascii: ":") && chars[i + 1] == UInt8(ascii: ":") { return i }
            i += 1
        }
        return nil
    }

    /// Colon-separated hex groups (1 to 4 digits); the last may be a dotted quad
    /// (two groups) when `allowIPv4Tail`. An empty side of "::" has no groups.
    private static func parseGroups(_ chars: ArraySlice<UInt8>, allowIPv4Tail: Bool) -> [UInt16]? {
        if chars.isEmpty { return [] }
        let parts = chars.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (i, part) in parts.enumerated() {
            if i == parts.count - 1 && allowIPv4Tail && part.contains(UInt8(ascii: ".")) {
                guard let v4 = parseIPv4(part) else { return nil }
                groups.append(UInt16(truncatingIfNeeded: v4 >> 16))
                groups.append(UInt16(truncatingIfNeeded: v4))
                continue
            }
            guard (1...4).contains(part.count) else { return nil }
            var value: UInt16 = 0
            for c in part {
                guard let nibble = hexValue(c) else { return nil }
                value = value << 4 | UInt16(nibble)
            }
            groups.append(value)
        }
        return groups
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

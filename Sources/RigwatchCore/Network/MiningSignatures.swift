// SPDX-License-Identifier: Apache-2.0
/// What crypto-mining looks like from the outside: miner binary names, pool host
/// names and pool ports. The built-in lists (`MiningSignatureData`, copied from
/// Tests/Fixtures/data/mining-signatures.txt) can be extended from the config.
/// Names and domains are kept lowercase and compared case-insensitively.
public struct MiningSignatures: Equatable, Sendable {
    /// The built-in pool ports. Several (25, 8080, 8888) also carry ordinary traffic,
    /// so a contact alone is a hint for correlation, never an alert.
    public static let poolPorts: Set<UInt16> = MiningSignatureData.poolPorts

    /// Miner binary names, lowercase (matched against the exe's and argv[0]'s basename and the comm).
    public var minerNames: Set<String>
    /// Pool host names, lowercase; a sub-domain of one matches too.
    public var poolDomains: Set<String>
    public var poolPorts: Set<UInt16>

    public init(minerNames: Set<String>, poolDomains: Set<String>, poolPorts: Set<UInt16>) {
        self.minerNames = Set(minerNames.map { $0.lowercased() })
        self.poolDomains = Set(poolDomains.map { Self.normalizedDomain($0) })
        self.poolPorts = poolPorts
    }

    /// The built-in lists.
    public static let standard = MiningSignatures(
        minerNames: MiningSignatureData.minerNames,
        poolDomains: MiningSignatureData.poolDomains,
        poolPorts: MiningSignatureData.poolPorts)

    /// These signatures plus names, domains and ports from the config.
    public func extended(
        minerNames extraNames: [String] = [], poolDomains extraDomains: [String] = [],
        poolPorts extraPorts: [UInt16] = []
    ) -> MiningSignatures {
        var copy = self
        copy.minerNames.formUnion(extraNames.map { $0.lowercased() })
        copy.poolDomains.formUnion(extraDomains.map(Self.normalizedDomain))
        copy.poolPorts.formUnion(extraPorts)
        return copy
    }

    static func normalizedDomain(_ name: String) -> String {
        var lower = name.lowercased()
        if lower.hasSuffix(".") { lower.removeLast() }
        return lower
    }
}

// SPDX-License-Identifier: Apache-2.0
/// One reason an exec looks like a miner.
public struct ExecSignatureHit: Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The exe, argv[0] or comm is a known miner's name.
        case minerName = "miner-name"
        /// argv holds a stratum URL (stratum+tcp://, stratum2+ssl://, ...).
        case stratumURL = "stratum-url"
        /// argv names a known pool host.
        case poolDomain = "pool-domain"
        /// Miner options that only make sense together (see `MinerFlags`).
        case minerFlags = "miner-flags"
    }

    public var kind: Kind
    /// What matched, as written (the name, URL, host or options).
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }
}

/// Which of the matcher's checks to run: the kinds of `ExecSignatureHit`.
public struct ExecSignatureChecks: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let minerName = ExecSignatureChecks(rawValue: 1 << 0)
    public static let stratumURL = ExecSignatureChecks(rawValue: 1 << 1)
    public static let poolDomain = ExecSignatureChecks(rawValue: 1 << 2)
    public static let minerFlags = ExecSignatureChecks(rawValue: 1 << 3)
    public static let all: ExecSignatureChecks = [.minerName, .stratumURL, .poolDomain, .minerFlags]
}

/// Matches execs against `MiningSignatures`. Built once per settings: the comm
/// forms of the names (the kernel keeps 15 bytes of comm) are computed here.
public struct ExecSignatureMatcher: Sendable {
    public let signatures: MiningSignatures
    /// Each name cut to the 15 bytes a comm keeps.
    private let commNames: Set<String>

    public init(signatures: MiningSignatures) {
        self.signatures = signatures
        commNames = Set(signatures.minerNames.map { String(decoding: $0.utf8.prefix(Comm.capacity), as: UTF8.self) })
    }

    /// Every signature the exec matches, in a stable order (name, URL, domain, flags).
    /// `checks`: the ones that can match (the prefilter rules the others out), `.all` else.
    public func match(
        path: String, comm: String, argv: [String], checks: ExecSignatureChecks = .all
    ) -> [ExecSignatureHit] {
        var hits: [ExecSignatureHit] = []
        if checks.contains(.minerName), let name = minerName(path: path, comm: comm, argv0: argv.first) {
            hits.append(ExecSignatureHit(.minerName, name))
        }
        let args = argv.dropFirst()
        if checks.contains(.stratumURL), let url = args.lazy.compactMap(Self.stratumURL).first {
            hits.append(ExecSignatureHit(.stratumURL, url))
        }
        if checks.contains(.poolDomain), let host = args.lazy.compactMap(poolDomain).first {
            hits.append(ExecSignatureHit(.poolDomain, host))
        }
        if checks.contains(.minerFlags), let flags = MinerFlags.match(Array(args)) {
            hits.append(ExecSignatureHit(.minerFlags, flags))
        }
        return hits
    }

    /// The miner name the exe's basename, argv[0]'s basename or the comm matches, case-insensitively.
    /// A comm of 15 bytes may be a longer name cut short by the kernel.
    public func minerName(path: String, comm: String, argv0: String?) -> String? {
        for candidate in [lastPathComponent(path), argv0.map(lastPathComponent) ?? ""] where !candidate.isEmpty {
            if signatures.minerNames.contains(candidate.lowercased()) { return candidate }
        }
        let lowerComm = comm.lowercased()
        if comm.utf8.count >= Comm.capacity ? commNames.contains(lowerComm) : signatures.minerNames.contains(lowerComm)
        {
            return comm
        }
        return nil
    }

    /// The stratum URL in `arg` ("--url=stratum+tcp://host:3333" gives "stratum+tcp://host:3333"):
    /// "stratum", an optional protocol version, "+" and a transport (tcp, ssl, tls).
    public static func stratumURL(_ arg: String) -> String? {
        // Most arguments hold no "stratum" in any case: say so from the bytes, before lower-casing
        // (no non-ASCII character lower-cases to one of its letters).
        var arg = arg
        guard arg.withUTF8({ ExecPrefilter.containsStratum($0) }) else { return nil }
        let lower = Array(arg.lowercased().utf8)
        let word = Array("stratum".utf8)
        guard lower.count > word.count else { return nil }
        var start = 0
        while start + word.count <= lower.count {
            if Array(lower[start..<(start + word.count)]) == word {
                var i = start + word.count
                while i < lower.count, lower[i] >= 0x30, lower[i] <= 0x39 { i += 1 }
                if i < lower.count, lower[i] == UInt8(ascii: "+") {
                    var end = i + 1
                    while end < lower.count, lower[end] >= 0x61, lower[end] <= 0x7a { end += 1 }
                    let transport = String(decoding: lower[(i + 1)..<end], as: UTF8.self)
                    if MiningSignatureData.stratumTransports.contains(transport) {
                        return String(decoding: Array(arg.utf8)[start...], as: UTF8.self)
                    }
                }
            }
            start += 1
        }
        return nil
    }

    /// The known pool host (or a sub-domain of one) that `arg` names, e.g. in
    /// "-o pool.supportxmr.com:443" or "stratum+ssl://user@eu1.ethermine.org:5555".
    public func poolDomain(_ arg: String) -> String? {
        for token in Self.hostTokens(arg) where matchesPoolDomain(token) { return token }
        return nil
    }

    func matchesPoolDomain(_ host: String) -> Bool {
        var rest = Substring(host)
        while true {
            if signatures.poolDomains.contains(String(rest)) { return true }
            guard let dot = rest.firstIndex(of: ".") else { return false }
            rest = rest[rest.index(after: dot)...]
        }
    }

    /// Dotted words of an argument, lowercase, without ports: the host name candidates.
    static func hostTokens(_ arg: String) -> [String] {
        let separators: Set<Character> = ["=", "/", "@", ",", " ", ";", "\t"]
        return arg.lowercased().split(whereSeparator: { separators.contains($0) }).compactMap { word in
            let host = word.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? word
            var text = String(host)
            if text.hasSuffix(".") { text.removeLast() }
            return text.contains(".") ? text : nil
        }
    }

    /// Every pool endpoint argv names ("host:port", stratum URLs), for the ports the
    /// miner will connect to even when they are not on the pool port list.
    public static func poolEndpoints(_ argv: [String]) -> [MinerFlags.Endpoint] {
        argv.dropFirst().flatMap { arg -> [MinerFlags.Endpoint] in
            let value =
                arg.hasPrefix("-") ? String(arg.split(separator: "=", maxSplits: 1).dropFirst().first ?? "") : arg
            return value.split(separator: ",").compactMap { MinerFlags.endpoint(String($0)) }
        }
    }
}

extension Comm {
    /// Bytes of a comm the kernel keeps (TASK_COMM_LEN - 1).
    public static let capacity = 15
}

// SPDX-License-Identifier: Apache-2.0
/// The options every GPU/CPU miner takes in some spelling: an algorithm
/// (`--algo kawpow`, `-a ethash`), a pool (`-o host:port`, `--pool`, `--url`) and a
/// wallet to be paid (`-u 0x…`, `--user`, `--wallet`). Each alone is common in other
/// programs (`hashcat -a 3`, `cc -o out`, `curl -u bob`), so only two of the three
/// together count: a known algorithm, a pool endpoint, a wallet-like user.
public enum MinerFlags {
    public struct Endpoint: Equatable, Sendable {
        public var host: String
        public var port: UInt16
    }

    static let algorithmOptions: Set<String> = ["--algo", "--algorithm", "-a"]
    static let poolOptions: Set<String> = ["-o", "--pool", "--url", "--server", "-P"]
    static let userOptions: Set<String> = ["-u", "--user", "--username", "--wallet"]

    /// A description of the combination argv holds ("--algo kawpow, -o host:port, -u 0x12…"), or nil.
    public static func match(_ args: [String]) -> String? {
        var algorithm: String?
        var pool: String?
        var wallet: String?
        var i = 0
        while i < args.count {
            let arg = args[i]
            var option = arg
            var value: String?
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                option = String(arg[..<eq])
                value = String(arg[arg.index(after: eq)...])
            } else if i + 1 < args.count {
                value = args[i + 1]
            }
            guard let value else { break }
            let inline = option != arg
            if algorithm == nil, algorithmOptions.contains(option),
                MiningSignatureData.algorithms.contains(value.lowercased())
            {
                algorithm = "\(option) \(value)"
            } else if pool == nil, poolOptions.contains(option), endpoint(value) != nil {
                pool = "\(option) \(value)"
            } else if wallet == nil, userOptions.contains(option), isWalletLike(value) {
                wallet = "\(option) \(value)"
            } else {
                i += 1
                continue
            }
            i += inline ? 1 : 2
        }
        let found = [algorithm, pool, wallet].compactMap { $0 }
        return found.count >= 2 ? found.joined(separator: ", ") : nil
    }

    /// "host:port", or a URL whose authority is one ("stratum+tcp://user@host:3333/x").
    public static func endpoint(_ text: String) -> Endpoint? {
        var rest = Substring(text)
        if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        guard let colon = rest.lastIndex(of: ":") else { return nil }
        let host = rest[..<colon]
        guard let port = UInt16(rest[rest.index(after: colon)...]), port > 0, !host.isEmpty,
            host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }),
            host.contains(where: \.isLetter) || host.contains(".")
        else { return nil }
        return Endpoint(host: host.lowercased(), port: port)
    }

    /// A payout address as pools take it: `0x` and 40 hex digits (Ethereum family), or
    /// one long base58/bech32 word (Monero, Bitcoin, Ravencoin, Ergo, ...); an
    /// unMineable "COIN:" prefix and a ".worker", "/worker" or "+difficulty" suffix are allowed.
    public static func isWalletLike(_ text: String) -> Bool {
        var word = Substring(text)
        if let colon = word.firstIndex(of: ":"), word.distance(from: word.startIndex, to: colon) <= 6 {
            word = word[word.index(after: colon)...]
        }
        if let cut = word.firstIndex(where: { $0 == "." || $0 == "/" || $0 == "+" }) { word = word[..<cut] }
        if word.hasPrefix("0x") || word.hasPrefix("0X") {
            let hex = word.dropFirst(2)
            return hex.count == 40 && hex.allSatisfy(\.isHexDigit)
        }
        return (26...110).contains(word.count) && word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
            && word.contains(where: \.isNumber) && word.contains(where: \.isLetter)
    }
}

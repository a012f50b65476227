// SPDX-License-Identifier: Apache-2.0
/// What a stratum login looked like on the wire.
public struct StratumMatch: Equatable, Sendable {
    /// The JSON-RPC method: "mining.subscribe", "login", ….
    public var method: String
    /// The miner's own name for itself: `params.agent` of a login, `params[0]` of a
    /// mining.subscribe.
    public var agent: String?
    /// The account it mines for: `params.login` of a login, `params[0]` of a
    /// mining.authorize or eth_submitLogin (a wallet, often with a worker name).
    public var login: String?
    /// The captured prefix ended inside the message (values may be cut).
    public var truncated: Bool

    public init(method: String, agent: String? = nil, login: String? = nil, truncated: Bool = false) {
        self.method = method
        self.agent = agent
        self.login = login
        self.truncated = truncated
    }
}

/// Recognises the stratum mining protocol in the first bytes a client sent on a
/// connection: a JSON-RPC object whose top-level `method` is one only miners send.
///
/// - stratum v1 (Bitcoin family, most GPU miners): `mining.subscribe`, `mining.authorize`,
///   `mining.extranonce.subscribe`, `mining.configure`; EthProxy: `eth_submitLogin`;
/// - the CryptoNote/xmrig dialect: `login` with a `params` object that has a `login` and
///   a `pass` or `agent` (a bare `login` method is too common elsewhere).
///
/// The message must be the first thing sent, an object at the top level (so an HTTP
/// request, a body after headers, or a `method` nested deeper or used as a value never
/// matches). Whitespace and key order are free; a prefix cut inside the message still
/// matches on what it holds. Stratum v2 (binary, encrypted) and stratum over TLS are
/// not visible here.
public enum StratumMatcher {
    public static let miningMethods: Set<String> = [
        "mining.subscribe", "mining.authorize", "mining.extranonce.subscribe", "mining.configure", "eth_submitLogin",
    ]

    /// Nesting deeper than this is skipped as unparseable (a login is two levels deep).
    static let maxDepth = 16

    public static func match(_ bytes: [UInt8]) -> StratumMatch? {
        var s = JSONPrefixScanner(bytes)
        guard let top = s.topLevel() else { return nil }
        guard let method = top.method else { return nil }
        if miningMethods.contains(method) {
            switch method {
            case "mining.subscribe":
                return StratumMatch(method: method, agent: top.firstParam, truncated: top.truncated)
            case "mining.authorize", "eth_submitLogin":
                return StratumMatch(method: method, login: top.firstParam, truncated: top.truncated)
            default:
                return StratumMatch(method: method, truncated: top.truncated)
            }
        }
        if method == "login", top.paramKeys.contains("login"),
            top.paramKeys.contains("pass") || top.paramKeys.contains("agent")
        {
            return StratumMatch(
                method: method, agent: top.paramStrings["agent"], login: top.paramStrings["login"],
                truncated: top.truncated)
        }
        return nil
    }
}

/// What the top-level object of a (possibly cut) JSON message held, as far as it went.
struct JSONTopLevel {
    var method: String?
    /// `params[0]` when params is an array starting with a string.
    var firstParam: String?
    /// Keys of `params` when it is an object, and its string values.
    var paramKeys: Set<String> = []
    var paramStrings: [String: String] = [:]
    var truncated = false
}

/// A forgiving scanner over a prefix of JSON: it reads the top-level object key by
/// key and stops, without failing, where the bytes end. Bounded by the input's length.
struct JSONPrefixScanner {
    private let b: [UInt8]
    private var i = 0

    init(_ bytes: [UInt8]) { b = bytes }

    private var atEnd: Bool { i >= b.count }
    private var peek: UInt8? { i < b.count ? b[i] : nil }

    private mutating func skipSpace() {
        while let c = peek, c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d { i += 1 }
    }

    private mutating func eat(_ c: UInt8) -> Bool {
        skipSpace()
        guard peek == c else { return false }
        i += 1
        return true
    }

    /// The top-level object, or nil when the bytes do not start with one.
    mutating func topLevel() -> JSONTopLevel? {
        skipSpace()
        guard peek == UInt8(ascii: "{") else { return nil }
        i += 1
        var top = JSONTopLevel()
        while true {
            skipSpace()
            if atEnd {
                top.truncated = true
                return top
            }
            if peek == UInt8(ascii: "}") { return top }
            guard let (key, complete) = string(), complete else {
                if atEnd { top.truncated = true }
                return atEnd ? top : nil
            }
            guard eat(UInt8(ascii: ":")) else {
                if atEnd { top.truncated = true }
                return atEnd ? top : nil
            }
            skipSpace()
            switch key {
            case "method":
                guard let (value, done) = string() else { return nil }
                if done { top.method = value } else { top.truncated = true }
            case "params":
                params(into: &top)
            default:
                guard skipValue(depth: 1) else {
                    if atEnd { top.truncated = true }
                    return atEnd ? top : nil
                }
            }
            skipSpace()
            if atEnd {
                top.truncated = true
                return top
            }
            if eat(UInt8(ascii: ",")) { continue }
            if eat(UInt8(ascii: "}")) { return top }
            return nil
        }
    }

    /// `params`: an array (its first string kept) or an object (its keys and string values kept).
    private mutating func params(into top: inout JSONTopLevel) {
        if eat(UInt8(ascii: "[")) {
            skipSpace()
            if peek == UInt8(ascii: "\""), let (value, _) = string() { top.firstParam = value }
            while !atEnd && peek != UInt8(ascii: "]") {
                if eat(UInt8(ascii: ",")) { continue }
                guard skipValue(depth: 2) else { break }
            }
            if !eat(UInt8(ascii: "]")) { top.truncated = true }
            return
        }
        guard eat(UInt8(ascii: "{")) else {
            _ = skipValue(depth: 1)
            return
        }
        while true {
            skipSpace()
            if atEnd {
                top.truncated = true
                return
            }
            if eat(UInt8(ascii: "}")) { return }
            if eat(UInt8(ascii: ",")) { continue }
            guard let (key, complete) = string(), complete else { return }
            top.paramKeys.insert(key)
            guard eat(UInt8(ascii: ":")) else { return }
            skipSpace()
            if peek == UInt8(ascii: "\"") {
                guard let (value, _) = string() else { return }
                top.paramStrings[key] = value
            } else if !skipValue(depth: 2) {
                return
            }
        }
    }

    /// A string at the cursor: its value (escapes decoded) and whether its closing quote
    /// was within the bytes; nil when no string starts here.
    private mutating func string() -> (String, Bool)? {
        guard peek == UInt8(ascii: "\"") else { return nil }
        i += 1
        var out: [UInt8] = []
        while let c = peek {
            i += 1
            if c == UInt8(ascii: "\"") { return (String(decoding: out, as: UTF8.self), true) }
            if c == UInt8(ascii: "\\") {
                guard let e = peek else { break }
                i += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "u"):
                    // Kept as written: no miner escapes its method names.
                    out.append(contentsOf: Array("\\u".utf8))
                default: out.append(e)
                }
                continue
            }
            out.append(c)
        }
        return (String(decoding: out, as: UTF8.self), false)
    }

    /// Skips one value; false when it is malformed or the bytes end inside it.
    private mutating func skipValue(depth: Int) -> Bool {
        skipSpace()
        guard let c = peek, depth <= StratumMatcher.maxDepth else { return false }
        switch c {
        case UInt8(ascii: "\""):
            guard let (_, complete) = string() else { return false }
            return complete
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = c == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            i += 1
            while true {
                skipSpace()
                guard let d = peek else { return false }
                if d == close {
                    i += 1
                    return true
                }
                if d == UInt8(ascii: ",") || d == UInt8(ascii: ":") {
                    i += 1
                    continue
                }
                guard skipValue(depth: depth + 1) else { return false }
            }
        default:
            // A number, true, false or null: up to the next delimiter.
            let start = i
            while let d = peek, d != UInt8(ascii: ","), d != UInt8(ascii: "}"), d != UInt8(ascii: "]"),
                d != 0x20, d != 0x0a, d != 0x0d, d != 0x09
            {
                i += 1
            }
            return i > start && !atEnd
        }
    }
}

// SPDX-License-Identifier: Apache-2.0

extension WebhookURL {
    /// The one redaction of the webhook secret, for every error and log line that
    /// could hold the URL, whatever its shape: versioned paths (/api/v10/webhooks/),
    /// any case, a user and password before the host, query strings, percent-encoding,
    /// typos (/api/webhook/, a lost colon or slash, no path at all).
    ///
    /// Every word that looks like a URL keeps its scheme, host and port and the path
    /// segments known to be harmless (api, webhooks, webhook, vN, the numeric webhook
    /// id right after webhooks); anything else in it (user, password, other segments,
    /// query values, fragment) becomes ***. Outside URLs, a run that looks like a
    /// token (`looksLikeToken`) becomes *** too.
    /// Idempotent; text without URLs is returned as it was.
    public static func redact(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var word = ""
        for ch in text {
            if Self.isSeparator(ch) {
                out += redactWord(word)
                out.append(ch)
                word = ""
            } else {
                word.append(ch)
            }
        }
        return out + redactWord(word)
    }

    private static func isSeparator(_ ch: Character) -> Bool {
        ch.isWhitespace || "\"'`<>()[]{}".contains(ch)
    }

    private static func redactWord(_ word: String) -> String {
        guard !word.isEmpty else { return word }
        if looksLikeURL(word) { return redactURL(word) }
        return redactTokens(in: word)
    }

    /// Replaces each run of token characters that looks like a token (`url=TOKEN,`).
    private static func redactTokens(in word: String) -> String {
        var out = ""
        var run = ""
        for ch in word {
            if isTokenCharacter(ch) {
                run.append(ch)
                continue
            }
            out += looksLikeToken(Substring(run)) ? "***" : run
            run = ""
            out.append(ch)
        }
        return out + (looksLikeToken(Substring(run)) ? "***" : run)
    }

    private static func isTokenCharacter(_ ch: Character) -> Bool {
        (ch.isASCII && (ch.isLetter || ch.isNumber)) || ch == "-" || ch == "_"
    }

    /// A word that is, or was meant to be, a URL (file paths stay as they are).
    static func looksLikeURL(_ word: String) -> Bool {
        let lower = word.lowercased()
        if lower.contains("://") || lower.contains(":%2f") { return true }
        if lower.hasPrefix("/") { return lower.contains("/api/") || lower.contains("/api%2f") }
        if lower.contains("@") && (lower.contains("/") || lower.contains(":")) { return true }
        let slashed = lower.contains("/") || lower.contains("%2f")
        let named = ["discord", "webhook", "/api", "api/", "api%2f"].contains { lower.contains($0) }
        return slashed && named || lower.contains("discord") && lower.contains("%")
    }

    private static func redactURL(_ word: String) -> String {
        var rest = Substring(word)
        var out = ""
        if let r = rest.range(of: "://") {
            let scheme = rest[..<r.lowerBound]
            out += scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+.-".contains($0) }) ? scheme + "://" : "***://"
            rest = rest[r.upperBound...]
        }
        // Userinfo: everything before the last @ ahead of any query or fragment.
        let beforeQuery = rest.prefix { $0 != "?" && $0 != "#" }
        if let at = beforeQuery.lastIndex(of: "@") {
            out += "***@"
            rest = rest[rest.index(after: at)...]
        }
        if !rest.hasPrefix("/") {
            let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            out += redactAuthority(authority)
            rest = rest.dropFirst(authority.count)
        }
        let path = rest.prefix { $0 != "?" && $0 != "#" }
        out += redactPath(path)
        rest = rest.dropFirst(path.count)
        if rest.first == "?" {
            let query = rest.dropFirst().prefix { $0 != "#" }
            out += "?" + redactQuery(query)
            rest = rest.dropFirst(1 + query.count)
        }
        if rest.first == "#" { out += "#***" }
        return out
    }

    /// host[:port]; a host that is not plainly one (letters, digits, dots, dashes, an
    /// IPv6 literal) or a port that is not digits is hidden.
    private static func redactAuthority(_ authority: Substring) -> String {
        guard !authority.isEmpty else { return "" }
        var host = authority
        var port: Substring?
        if authority.hasPrefix("[") {
            if let close = authority.firstIndex(of: "]") {
                host = authority[...close]
                let after = authority[authority.index(after: close)...]
                if after.hasPrefix(":") { port = after.dropFirst() } else if !after.isEmpty { return "***" }
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        }
        let hostOK =
            host.hasPrefix("[")
            ? host.allSatisfy { $0.isHexDigit || ":[].".contains($0) }
            : !host.isEmpty
                && host.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "." || $0 == "-" }
                && !host.split(separator: ".").contains(where: looksLikeToken)
        var out = hostOK ? String(host) : "***"
        if let port { out += ":" + (port.allSatisfy(\.isNumber) ? String(port) : "***") }
        return out
    }

    private static func redactPath(_ path: Substring) -> String {
        var previous = ""
        return path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            let lower = segment.lowercased()
            defer { previous = lower }
            if segment.isEmpty || ["api", "webhooks", "webhook", "***"].contains(lower) { return String(segment) }
            if lower.count > 1, lower.count <= 4, lower.hasPrefix("v"), lower.dropFirst().allSatisfy(\.isNumber) {
                return String(segment)
            }
            // The webhook id (a snowflake) is no secret: without the token it posts nothing.
            if previous.hasPrefix("webhook"), segment.count <= 25, segment.allSatisfy({ $0.isASCII && $0.isNumber }) {
                return String(segment)
            }
            return "***"
        }.joined(separator: "/")
    }

    /// Known keys keep plain values (wait=true, thread_id=123); the rest is hidden.
    private static func redactQuery(_ query: Substring) -> String {
        query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].lowercased()
            guard ["wait", "thread_id", "with_components", "thread_name"].contains(key) else { return "***" }
            guard parts.count == 2 else { return key }
            let value = parts[1].lowercased()
            let plain = value == "true" || value == "false" || (!value.isEmpty && value.allSatisfy(\.isNumber))
            return key + "=" + (plain ? value : "***")
        }.joined(separator: "&")
    }

    /// A Discord token is 68 characters of base64url: a run of 40 or more token
    /// characters holding 20 or more letters and digits in a row, mixed. (A UUID's
    /// parts are at most 12 long, so paths with UUIDs stay readable.)
    private static func looksLikeToken(_ word: Substring) -> Bool {
        guard word.count >= 40, word.allSatisfy(isTokenCharacter) else { return false }
        return word.split(whereSeparator: { $0 == "-" || $0 == "_" }).contains {
            $0.count >= 20 && $0.contains(where: \.isLetter) && $0.contains(where: \.isNumber)
        }
    }
}

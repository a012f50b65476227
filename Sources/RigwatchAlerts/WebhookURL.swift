// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The Discord webhook URL is a secret: it comes from the environment or a
/// root-only file, and only its redacted form is ever printed.
public struct WebhookURL: CustomStringConvertible {
    public let value: String

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(_ value: String) throws {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let url = URL(string: trimmed), let scheme = url.scheme, let host = url.host else {
            throw Failure(description: "the Discord webhook is not a URL")
        }
        // Plain HTTP only to this machine (tests); Discord itself is HTTPS.
        let loopback = host == "127.0.0.1" || host == "localhost" || host == "::1"
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw Failure(description: "the Discord webhook must be an https:// URL (got \(scheme)://\(host)/…)")
        }
        guard url.path.contains("/api/webhooks/") else {
            throw Failure(
                description: "the Discord webhook URL must contain /api/webhooks/ (\(WebhookURL.redact(trimmed)))")
        }
        self.value = trimmed
    }

    /// `RIGWATCH_DISCORD_WEBHOOK`, else the file (root-owned, not readable by group or others), else none.
    public static func load(environment: [String: String], file: String?) throws -> WebhookURL? {
        if let value = environment["RIGWATCH_DISCORD_WEBHOOK"], !value.isEmpty { return try WebhookURL(value) }
        guard let file else { return nil }
        var info = stat()
        guard stat(file, &info) == 0 else {
            throw Failure(description: "cannot read the webhook file \(file): \(String(cString: strerror(errno)))")
        }
        guard info.st_uid == 0 else {
            throw Failure(
                description: "refusing the webhook file \(file): it must be owned by root (owner uid \(info.st_uid))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw Failure(
                description:
                    "refusing the webhook file \(file): it is readable by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 \(file)"
            )
        }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw Failure(description: "cannot read the webhook file \(file)")
        }
        return try WebhookURL(text)
    }

    /// The URL with its token replaced: https://discord.com/api/webhooks/123/***
    public var description: String { WebhookURL.redact(value) }

    /// Replaces every webhook token in a text (URLs inside error messages too).
    public static func redact(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let r = rest.range(of: "/api/webhooks/") {
            out += rest[..<r.upperBound]
            rest = rest[r.upperBound...]
            let id = rest.prefix { $0 != "/" && $0 != " " && $0 != "\"" }
            out += id
            rest = rest.dropFirst(id.count)
            if rest.first == "/" {
                out += "/***"
                rest = rest.dropFirst().drop { $0 != "?" && $0 != " " && $0 != "\"" && $0 != "'" && $0 != "\n" }
            }
        }
        return out + rest
    }
}

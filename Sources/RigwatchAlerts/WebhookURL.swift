// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The Discord webhook URL is a secret: it comes from the environment or a
/// root-only file, and only its redacted form (`redact`) is ever printed, in
/// every error here too, whatever shape the value has.
public struct WebhookURL: CustomStringConvertible {
    public let value: String

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Accepts https://HOST/api/webhooks/ID/TOKEN and Discord's versioned
    /// https://HOST/api/vN/webhooks/ID/TOKEN, with an optional query (?wait=true,
    /// ?thread_id=…); plain http only to this machine (tests).
    public init(_ value: String) throws {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw Failure(description: "the Discord webhook is empty") }
        // Never echo a value with spaces or line breaks: a token on a line of its own is just a word.
        guard !trimmed.contains(where: { $0.isWhitespace || $0.isNewline || $0.asciiValue.map { $0 < 0x20 } == true })
        else {
            throw Failure(description: "the Discord webhook must be one URL; it contains spaces or line breaks")
        }
        let shown = WebhookURL.redact(trimmed)
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), let host = url.host,
            !host.isEmpty
        else {
            throw Failure(description: "the Discord webhook is not a URL (\(shown))")
        }
        guard url.user == nil && url.password == nil && !trimmed.prefix(while: { $0 != "?" }).contains("@") else {
            throw Failure(
                description: "the Discord webhook URL must not contain a user name or password (\(shown))")
        }
        // Plain HTTP only to this machine (tests); Discord itself is HTTPS.
        let loopback = host == "127.0.0.1" || host == "localhost" || host == "::1"
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw Failure(description: "the Discord webhook must be an https:// URL (\(shown))")
        }
        // The path as sent (percent-escapes kept: an escaped / is no separator to Discord).
        let path = URLComponents(string: trimmed)?.percentEncodedPath ?? ""
        guard Self.isWebhookPath(path), url.fragment == nil else {
            throw Failure(
                description:
                    "the Discord webhook URL must look like https://discord.com/api/webhooks/ID/TOKEN (\(shown))")
        }
        self.value = trimmed
    }

    /// /api/webhooks/ID/TOKEN or /api/vN/webhooks/ID/TOKEN, exactly, in lower case, no trailing /.
    static func isWebhookPath(_ path: String) -> Bool {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()  // before the leading /
        guard segments.first == "api" else { return false }
        segments = segments.dropFirst()
        if let version = segments.first, version.hasPrefix("v"), version.count > 1,
            version.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber })
        {
            segments = segments.dropFirst()
        }
        let rest = Array(segments)
        return rest.count == 3 && rest[0] == "webhooks" && !rest[1].isEmpty
            && rest[1].allSatisfy({ $0.isASCII && $0.isNumber }) && !rest[2].isEmpty
    }

    /// `RIGWATCH_DISCORD_WEBHOOK`, else the file (root-owned, not readable by group or others), else none.
    public static func load(environment: [String: String], file: String?) throws -> WebhookURL? {
        if let value = environment["RIGWATCH_DISCORD_WEBHOOK"], !value.isEmpty {
            do { return try WebhookURL(value) } catch let error as Failure {
                throw Failure(description: "RIGWATCH_DISCORD_WEBHOOK: \(error.description)")
            }
        }
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
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
        else {
            throw Failure(description: "cannot read the webhook file \(file) (not a readable UTF-8 file)")
        }
        do { return try WebhookURL(text) } catch let error as Failure {
            throw Failure(description: "the webhook file \(file): \(error.description)")
        }
    }

    /// The URL with its token replaced: https://discord.com/api/webhooks/123/***
    public var description: String { WebhookURL.redact(value) }
}

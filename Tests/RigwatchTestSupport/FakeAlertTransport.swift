// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchAlerts

/// An in-memory Discord for unit tests of the alert router: each POST takes the
/// next scripted answer (a status with headers and body, or a network failure)
/// and is recorded; with the script used up, it answers 204 like Discord.
///
/// `@unchecked Sendable`: the unit tests drive the router's steps on the test's own
/// thread (no router thread), so one thread alone uses it.
public final class FakeAlertTransport: AlertTransport, @unchecked Sendable {
    public enum Answer: Sendable {
        case status(Int, headers: [String: String] = [:], body: String = "")
        /// What libcurl reports when no answer came; the router backs off alike.
        case timeout
        case reset
        case refused

        public static let ok = Answer.status(204)
        /// Discord's per-route 429: retry_after in the body.
        public static func rateLimited(_ seconds: Double) -> Answer {
            .status(
                429, headers: ["retry-after": String(Int(seconds.rounded(.up)))],
                body: #"{"message":"You are being rate limited.","retry_after":\#(seconds),"global":false}"#)
        }
        /// Discord's global 429 (the whole bot or IP), flagged in the headers.
        public static func globallyLimited(_ seconds: Double) -> Answer {
            .status(429, headers: ["retry-after": String(seconds), "x-ratelimit-global": "true"])
        }
    }

    public struct Request {
        public var url: String
        public var json: String

        /// The decoded body.
        public var object: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        }
        public var content: String { object["content"] as? String ?? "" }
        public var titles: [String] {
            (object["embeds"] as? [[String: Any]] ?? []).map { $0["title"] as? String ?? "" }
        }
    }

    /// What makeTransport was asked for, one per transport made.
    public struct Made: Equatable {
        public var connectTimeoutMs: Int
        public var totalTimeoutMs: Int
        public var userAgent: String

        public init(connectTimeoutMs: Int, totalTimeoutMs: Int, userAgent: String) {
            self.connectTimeoutMs = connectTimeoutMs
            self.totalTimeoutMs = totalTimeoutMs
            self.userAgent = userAgent
        }
    }

    public var script: [Answer] = []
    public private(set) var requests: [Request] = []
    public private(set) var made: [Made] = []

    public init(_ script: [Answer] = []) {
        self.script = script
    }

    /// For `AlertRouter(settings:clock:transport:)`: every transport made is this one.
    public var factory: AlertTransportFactory {
        // weak: a router may outlive the test that scripted this fake.
        { [weak self] connect, total, agent in
            guard let self else { return FakeAlertTransport() }
            self.made.append(Made(connectTimeoutMs: connect, totalTimeoutMs: total, userAgent: agent))
            return self
        }
    }

    public func post(url: String, json: String) throws -> TransportResponse {
        requests.append(Request(url: url, json: json))
        let answer = script.isEmpty ? .ok : script.removeFirst()
        switch answer {
        case .status(let status, let headers, let body):
            return TransportResponse(status: status, headers: headers, body: Array(body.utf8))
        case .timeout:
            // curl's text for CURLE_OPERATION_TIMEDOUT, with the URL as curl would never put it (redaction check).
            throw HTTPPoster.Failure(
                description: "Operation timed out after 15000 milliseconds with 0 bytes received from \(url)")
        case .reset:
            throw HTTPPoster.Failure(description: "Recv failure: Connection reset by peer")
        case .refused:
            throw HTTPPoster.Failure(
                description: "Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server")
        }
    }

    /// The embed titles of every POST, in order.
    public var titles: [[String]] { requests.map(\.titles) }
}

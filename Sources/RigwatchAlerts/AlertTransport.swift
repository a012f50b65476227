// SPDX-License-Identifier: Apache-2.0
/// How the alert router reaches Discord: one POST of a JSON body, answered with
/// a status, headers and body, or a thrown error when no answer came (connect
/// failure, timeout, reset). `HTTPPoster` (libcurl) is the real one; unit tests
/// script answers with an in-memory fake.
public protocol AlertTransport: AnyObject {
    func post(url: String, json: String) throws -> TransportResponse
    /// The same with a total timeout for this request alone (see `DeliveryPatience`).
    /// A thrown `HTTPPoster.Failure` with `requestSent` says the body went out whole.
    func post(url: String, json: String, timeoutMs: Int) throws -> TransportResponse
}

extension AlertTransport {
    /// A transport without per-request timeouts keeps its own.
    public func post(url: String, json: String, timeoutMs: Int) throws -> TransportResponse {
        try post(url: url, json: json)
    }
}

/// An HTTP answer as the router reads it.
public struct TransportResponse {
    public var status: Int
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Makes the transport for a router's timeouts and user agent: at start, and
/// again when a reload adds a webhook or changes the timeouts.
public typealias AlertTransportFactory =
    @Sendable (_ connectTimeoutMs: Int, _ totalTimeoutMs: Int, _ userAgent: String) ->
    AlertTransport

extension HTTPPoster: AlertTransport {
    /// The libcurl transport, as the router makes it by default.
    public static let factory: AlertTransportFactory = { connect, total, agent in
        HTTPPoster(connectTimeoutMs: connect, totalTimeoutMs: total, userAgent: agent)
    }
}

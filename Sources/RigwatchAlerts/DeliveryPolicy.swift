// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// What to do after a webhook POST, following Discord's documented behaviour:
/// 2xx delivered; 429 wait `retry_after` (body, else Retry-After header) and
/// retry; 5xx and network errors back off exponentially with jitter; 404 Unknown
/// Webhook stops delivery (the webhook is gone, an operator must act); any other
/// 4xx means Discord will never take this body, so it is sent again reduced.
public enum DeliveryOutcome: Equatable {
    case delivered(waitBeforeNext: Double)
    case retryAfter(seconds: Double, global: Bool)
    case backoff
    case webhookGone
    case rejected(status: Int, message: String)
}

public enum DeliveryPolicy {
    public static func classify(status: Int, headers: [String: String], body: [UInt8]) -> DeliveryOutcome {
        switch status {
        case 200..<300:
            // Bucket exhausted: wait for it to refill rather than earn a 429.
            if headers["x-ratelimit-remaining"] == "0",
                let reset = headers["x-ratelimit-reset-after"].flatMap(Double.init)
            {
                return .delivered(waitBeforeNext: reset)
            }
            return .delivered(waitBeforeNext: 0)
        case 429:
            let json = try? JSONValue.parse(body)
            let fromBody = json?["retry_after"]?.double
            let fromHeader = headers["retry-after"].flatMap(Double.init)
            let global = json?["global"]?.bool ?? (headers["x-ratelimit-global"]?.lowercased() == "true")
            return .retryAfter(seconds: max(0.05, fromBody ?? fromHeader ?? 1), global: global)
        case 404:
            return .webhookGone
        case 500..<600, 0:
            return .backoff
        default:
            let message = (try? JSONValue.parse(body))?["message"]?.string
            return .rejected(status: status, message: message ?? "HTTP \(status)")
        }
    }

    /// Exponential backoff with full jitter: attempt 1 → up to 1 s, doubling, capped.
    public static func backoffSeconds(
        attempt: Int, cap: Double = 60, random: Double = Double.random(in: 0...1)
    ) -> Double {
        let ceiling = min(cap, pow(2, Double(max(0, attempt - 1))))
        return max(0.1, ceiling * random)
    }
}

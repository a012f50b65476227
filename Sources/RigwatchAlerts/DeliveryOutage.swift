// SPDX-License-Identifier: Apache-2.0

/// Turns failed deliveries (5xx, no answer) into one log line when an outage
/// starts and one when delivery works again, instead of a line per retry. Pure:
/// it returns the lines, the router logs them (redacted).
struct DeliveryOutage: Equatable {
    private(set) var since: Int64?
    private(set) var failures = 0
    private var first = ""

    /// A failed attempt; the line to log when it starts an outage.
    mutating func failed(_ problem: String, nowNs: Int64) -> String? {
        failures = failures < Int.max ? failures + 1 : failures
        guard since == nil else { return nil }
        since = nowNs
        first = problem
        return "Discord delivery failing: \(problem); retrying with backoff, the alerts stay in the spool"
    }

    /// A delivery went through; the recovery line when it ends an outage.
    mutating func delivered(nowNs: Int64) -> String? {
        guard let since else { return nil }
        let seconds = Double(max(0, nowNs.subtractingReportingOverflow(since).partialValue)) / 1e9
        let line =
            "Discord delivery recovered after \(failures) failed attempt\(failures == 1 ? "" : "s") over \(Self.format(seconds)) s (first: \(first))"
        self = DeliveryOutage()
        return line
    }

    private static func format(_ seconds: Double) -> String {
        let tenths = (seconds * 10).rounded() / 10
        return tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
    }
}

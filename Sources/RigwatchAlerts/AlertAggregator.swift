// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// Decides which alerts go out now and which are folded, so an alert storm stays
/// within Discord's limits and still tells the operator what happened.
///
/// - The first alert of a dedup key in a window goes out at once. Repeats of the
///   key within the window are counted and go out as one alert when the window
///   closes ("N times between first and last").
/// - At most `perRuleLimit` distinct keys of one rule go out individually per
///   window; beyond that the rule's alerts are counted into one summary per
///   window, with a few examples. (The local alert log keeps every alert.)
/// The open windows (`windows`) can be saved and restored, so a restart goes on
/// where the last run stopped. Pure: time comes from the caller.
public struct AlertAggregator {
    public var windowNs: Int64
    public var perRuleLimit: Int

    /// A dedup key's window; `latest` and `firstRepeatNs` only once a repeat came.
    struct Fold {
        var firstRepeatNs: Int64
        var latest: AlertEnvelope?
        var repeats: Int  // not yet sent
        var windowEnd: Int64
    }

    struct RuleStorm {
        var windowEnd: Int64
        var sent = 0
        var suppressed = 0
        var examples: [String] = []
        var latest: AlertEnvelope?
    }

    /// What became of one alert: the windows its arrival closed, and whether it goes out itself.
    public struct Decision {
        public var closed: [AlertEnvelope]
        public var deliverNow: Bool
    }

    // Internal, not private: AggregatorWindows reads and restores them.
    var folds: [String: Fold] = [:]
    var storms: [String: RuleStorm] = [:]

    /// Counts stop here rather than overflow (restored counts are checked against it too).
    static let maxCount = 1 << 40

    public init(windowSeconds: Double = 60, perRuleLimit: Int = 20) {
        windowNs = Int64(windowSeconds * 1e9)
        self.perRuleLimit = perRuleLimit
    }

    /// The alerts to deliver now for a new alert raised at `nowNs`.
    public mutating func submit(_ envelope: AlertEnvelope, nowNs: Int64) -> [AlertEnvelope] {
        let decision = decide(envelope, nowNs: nowNs)
        return decision.closed + (decision.deliverNow ? [envelope] : [])
    }

    /// Like `submit`, telling the alert itself apart from the summaries its arrival released.
    public mutating func decide(_ envelope: AlertEnvelope, nowNs: Int64) -> Decision {
        let closed = flush(nowNs: nowNs)
        let key = envelope.alert.dedupKey
        if var fold = folds[key] {
            if fold.repeats == 0 { fold.firstRepeatNs = envelope.eventWallNs }
            fold.repeats = min(fold.repeats + 1, Self.maxCount)
            fold.latest = envelope
            folds[key] = fold
            return Decision(closed: closed, deliverNow: false)
        }
        let rule = envelope.alert.rule
        let end = nowNs.addingReportingOverflow(windowNs)
        var storm = storms[rule] ?? RuleStorm(windowEnd: end.overflow ? .max : end.partialValue)
        if storm.sent >= perRuleLimit {
            storm.suppressed = min(storm.suppressed + 1, Self.maxCount)
            storm.latest = envelope
            if storm.examples.count < 5 { storm.examples.append(envelope.alert.title) }
            storms[rule] = storm
            return Decision(closed: closed, deliverNow: false)
        }
        storm.sent += 1
        storms[rule] = storm
        folds[key] = Fold(
            firstRepeatNs: 0, latest: nil, repeats: 0, windowEnd: end.overflow ? .max : end.partialValue)
        return Decision(closed: closed, deliverNow: true)
    }

    /// Closes the windows that ended by `nowNs`: repeats and storm summaries go out.
    public mutating func flush(nowNs: Int64, all: Bool = false) -> [AlertEnvelope] {
        var out: [AlertEnvelope] = []
        for (key, fold) in folds where all || fold.windowEnd <= nowNs {
            folds.removeValue(forKey: key)
            guard fold.repeats > 0, let latest = fold.latest else { continue }
            var summary = latest
            summary.count = fold.repeats
            summary.firstWallNs = fold.firstRepeatNs
            summary.lastWallNs = latest.eventWallNs
            summary.alert.title = "\(fold.repeats)× more: \(latest.alert.title)"
            out.append(summary)
        }
        for (rule, storm) in storms where all || storm.windowEnd <= nowNs {
            storms.removeValue(forKey: rule)
            guard storm.suppressed > 0, var summary = storm.latest else { continue }
            summary.count = storm.suppressed
            summary.alert.title =
                "Alert storm: \(storm.suppressed) more \(rule) alerts in \(windowNs / 1_000_000_000) s (beyond \(perRuleLimit) shown)"
            summary.alert.dedupKey = "storm|\(rule)"
            summary.alert.evidence =
                storm.examples.enumerated().map { ("example \($0.offset + 1)", $0.element) }
                + [("note", "every alert is in the local alert log")]
            summary.alert.chain = []
            out.append(summary)
        }
        // Deterministic order: by event time, then key.
        return out.sorted { ($0.lastWallNs, $0.alert.dedupKey) < ($1.lastWallNs, $1.alert.dedupKey) }
    }

    /// The earliest time a window closes, for the router's sleep.
    public var nextDeadline: Int64? {
        (folds.values.filter { $0.repeats > 0 }.map(\.windowEnd)
            + storms.values.filter { $0.suppressed > 0 }.map(\.windowEnd)).min()
    }
}

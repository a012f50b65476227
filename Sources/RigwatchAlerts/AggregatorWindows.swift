// SPDX-License-Identifier: Apache-2.0

/// The aggregator's open windows as plain values, sorted by key: what a spool
/// checkpoint holds, so alerts folded but not yet summarised survive a restart.
public struct AggregatorWindows: Equatable {
    public struct Fold: Equatable {
        public var key: String
        public var windowEnd: Int64
        public var repeats: Int
        public var firstRepeatNs: Int64
        public var latest: AlertEnvelope?
    }

    public struct Storm: Equatable {
        public var rule: String
        public var windowEnd: Int64
        public var sent: Int
        public var suppressed: Int
        public var examples: [String]
        public var latest: AlertEnvelope?
    }

    public var folds: [Fold] = []
    public var storms: [Storm] = []

    public var isEmpty: Bool { folds.isEmpty && storms.isEmpty }
}

extension AlertAggregator {
    /// The open windows now.
    public var windows: AggregatorWindows {
        AggregatorWindows(
            folds: folds.map {
                AggregatorWindows.Fold(
                    key: $0.key, windowEnd: $0.value.windowEnd, repeats: $0.value.repeats,
                    firstRepeatNs: $0.value.firstRepeatNs, latest: $0.value.latest)
            }.sorted { $0.key < $1.key },
            storms: storms.map {
                AggregatorWindows.Storm(
                    rule: $0.key, windowEnd: $0.value.windowEnd, sent: $0.value.sent,
                    suppressed: $0.value.suppressed, examples: $0.value.examples, latest: $0.value.latest)
            }.sorted { $0.rule < $1.rule })
    }

    /// Takes over saved windows (replacing any open now); they close at their own ends.
    public mutating func restore(_ saved: AggregatorWindows) {
        folds = [:]
        storms = [:]
        for f in saved.folds {
            folds[f.key] = Fold(
                firstRepeatNs: f.firstRepeatNs, latest: f.repeats > 0 ? f.latest : nil,
                repeats: f.latest == nil ? 0 : min(max(f.repeats, 0), Self.maxCount), windowEnd: f.windowEnd)
        }
        for s in saved.storms {
            storms[s.rule] = RuleStorm(
                windowEnd: s.windowEnd, sent: min(max(s.sent, 0), Self.maxCount),
                suppressed: s.latest == nil ? 0 : min(max(s.suppressed, 0), Self.maxCount),
                examples: Array(s.examples.prefix(5)), latest: s.suppressed > 0 ? s.latest : nil)
        }
    }
}

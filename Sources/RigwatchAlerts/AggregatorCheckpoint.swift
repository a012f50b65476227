// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// `AggregatorWindows` as the payload of a spool checkpoint record: JSON, keys
/// sorted, so an unchanged state encodes to the same bytes and is not written
/// again. No open windows encode to no bytes at all.
public enum AggregatorCheckpoint {
    public struct DecodeError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func encode(_ windows: AggregatorWindows) -> [UInt8] {
        guard !windows.isEmpty else { return [] }
        let folds = windows.folds.map { f -> String in
            var w = JSONWriter()
            w.field("key", f.key)
            w.field("end", f.windowEnd)
            w.field("repeats", f.repeats)
            w.field("first", f.firstRepeatNs)
            if let latest = f.latest { w.field("latest", raw: AlertEnvelopeJSON.encode(latest)) }
            return w.finish()
        }
        let storms = windows.storms.map { s -> String in
            var w = JSONWriter()
            w.field("rule", s.rule)
            w.field("end", s.windowEnd)
            w.field("sent", s.sent)
            w.field("suppressed", s.suppressed)
            w.field("examples", raw: "[" + s.examples.map(JSONWriter.quoted).joined(separator: ",") + "]")
            if let latest = s.latest { w.field("latest", raw: AlertEnvelopeJSON.encode(latest)) }
            return w.finish()
        }
        var w = JSONWriter()
        w.field("checkpoint", 1)
        w.field("folds", raw: "[" + folds.joined(separator: ",") + "]")
        w.field("storms", raw: "[" + storms.joined(separator: ",") + "]")
        return Array(w.finish().utf8)
    }

    /// Every field is checked: counts must lie in 0...2^40, ends be numbers.
    public static func decode(_ bytes: [UInt8]) throws -> AggregatorWindows {
        guard !bytes.isEmpty else { return AggregatorWindows() }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            (object["checkpoint"] as? NSNumber)?.intValue == 1
        else { throw DecodeError(description: "not a checkpoint") }
        var windows = AggregatorWindows()
        for f in object["folds"] as? [[String: Any]] ?? [] {
            guard let key = f["key"] as? String else { throw DecodeError(description: "a fold without a key") }
            windows.folds.append(
                AggregatorWindows.Fold(
                    key: key, windowEnd: try int64(f, "end"), repeats: try count(f, "repeats"),
                    firstRepeatNs: try int64(f, "first"), latest: try envelope(f["latest"])))
        }
        for s in object["storms"] as? [[String: Any]] ?? [] {
            guard let rule = s["rule"] as? String else { throw DecodeError(description: "a storm without a rule") }
            windows.storms.append(
                AggregatorWindows.Storm(
                    rule: rule, windowEnd: try int64(s, "end"), sent: try count(s, "sent"),
                    suppressed: try count(s, "suppressed"), examples: s["examples"] as? [String] ?? [],
                    latest: try envelope(s["latest"])))
        }
        return windows
    }

    private static func int64(_ o: [String: Any], _ key: String) throws -> Int64 {
        guard let n = o[key] as? NSNumber, n.doubleValue.isFinite, abs(n.doubleValue) < 0x1p62 else {
            throw DecodeError(description: "\(key) is not a number in range")
        }
        return n.int64Value
    }

    private static func count(_ o: [String: Any], _ key: String) throws -> Int {
        let v = try int64(o, key)
        guard v >= 0, v <= Int64(AlertAggregator.maxCount) else {
            throw DecodeError(description: "\(key) \(v) is out of range")
        }
        return Int(v)
    }

    private static func envelope(_ value: Any?) throws -> AlertEnvelope? {
        guard let value, !(value is NSNull) else { return nil }
        guard JSONSerialization.isValidJSONObject(value) else {
            throw DecodeError(description: "latest is not an alert")
        }
        let data = try JSONSerialization.data(withJSONObject: value)
        return try AlertEnvelopeJSON.decode([UInt8](data))
    }
}

// SPDX-License-Identifier: Apache-2.0
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
        guard let object = try? JSONValue.parse(bytes), object["checkpoint"]?.int64 == 1 else {
            throw DecodeError(description: "not a checkpoint")
        }
        var windows = AggregatorWindows()
        for f in try list(object, "folds") {
            guard let key = f["key"]?.string else { throw DecodeError(description: "a fold without a key") }
            windows.folds.append(
                AggregatorWindows.Fold(
                    key: key, windowEnd: try int64(f, "end"), repeats: try count(f, "repeats"),
                    firstRepeatNs: try int64(f, "first"), latest: try envelope(f["latest"])))
        }
        for s in try list(object, "storms") {
            guard let rule = s["rule"]?.string else { throw DecodeError(description: "a storm without a rule") }
            windows.storms.append(
                AggregatorWindows.Storm(
                    rule: rule, windowEnd: try int64(s, "end"), sent: try count(s, "sent"),
                    suppressed: try count(s, "suppressed"),
                    examples: s["examples"]?.array?.compactMap(\.string) ?? [], latest: try envelope(s["latest"])))
        }
        return windows
    }

    /// A list of objects; absent is empty.
    private static func list(_ o: JSONValue, _ key: String) throws -> [JSONValue] {
        guard let value = o[key] else { return [] }
        guard let items = value.array, items.allSatisfy({ if case .object = $0 { true } else { false } }) else {
            throw DecodeError(description: "\(key) is not a list of objects")
        }
        return items
    }

    private static func int64(_ o: JSONValue, _ key: String) throws -> Int64 {
        guard let n = o[key]?.int64, n.magnitude < 1 << 62 else {
            throw DecodeError(description: "\(key) is not a number in range")
        }
        return n
    }

    private static func count(_ o: JSONValue, _ key: String) throws -> Int {
        let v = try int64(o, key)
        guard v >= 0, v <= Int64(AlertAggregator.maxCount) else {
            throw DecodeError(description: "\(key) \(v) is out of range")
        }
        return Int(v)
    }

    private static func envelope(_ value: JSONValue?) throws -> AlertEnvelope? {
        guard let value, value != .null else { return nil }
        do { return try AlertEnvelopeJSON.decode(value) } catch {
            throw DecodeError(description: "latest is not an alert: \(error)")
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// An alert as it leaves the engine for the sinks: the engine's `Alert` plus what
/// only the live process knows (host, wall-clock times) and, after dedup, how
/// many alerts with the same key it stands for.
public struct AlertEnvelope: Equatable, Sendable {
    public var alert: Alert
    public var host: String
    public var sensorVersion: String
    /// Wall-clock time of the event that raised it, ns since the epoch.
    public var eventWallNs: Int64
    /// Wall-clock time the sensor raised it, ns since the epoch.
    public var detectedWallNs: Int64
    /// Alerts with this dedup key folded into this one (1 = just itself).
    public var count: Int
    /// Event times of the first and last folded alert.
    public var firstWallNs: Int64
    public var lastWallNs: Int64

    public init(
        alert: Alert, host: String, sensorVersion: String, eventWallNs: Int64, detectedWallNs: Int64,
        count: Int = 1, firstWallNs: Int64? = nil, lastWallNs: Int64? = nil
    ) {
        self.alert = alert
        self.host = host
        self.sensorVersion = sensorVersion
        self.eventWallNs = eventWallNs
        self.detectedWallNs = detectedWallNs
        self.count = count
        self.firstWallNs = firstWallNs ?? eventWallNs
        self.lastWallNs = lastWallNs ?? eventWallNs
    }
}

/// One JSON object per alert: the line format of the alert log and the record
/// format of the spool. Decoding is used only for the spool, which we wrote.
public enum AlertEnvelopeJSON {
    public static func encode(_ e: AlertEnvelope) -> String {
        var w = JSONWriter()
        w.field("type", "alert")
        w.field("id", e.alert.id)
        w.field("rule", e.alert.rule)
        w.field("severity", e.alert.severity.rawValue)
        w.field("title", e.alert.title)
        w.field("host", e.host)
        w.field("sensor_version", e.sensorVersion)
        w.field("event_time", ISOTime.format(ns: e.eventWallNs))
        w.field("detection_time", ISOTime.format(ns: e.detectedWallNs))
        w.field("event_wall_ns", e.eventWallNs)
        w.field("detected_wall_ns", e.detectedWallNs)
        w.field("ts_ns", e.alert.eventTimeNs)
        w.field("count", e.count)
        w.field("first_wall_ns", e.firstWallNs)
        w.field("last_wall_ns", e.lastWallNs)
        w.field("chain", raw: "[" + e.alert.chain.map(AlertFormat.processJSON).joined(separator: ",") + "]")
        // Evidence keeps its order: an array of pairs, since JSON objects have none.
        w.field(
            "evidence",
            raw: "["
                + e.alert.evidence.map { "[\(JSONWriter.quoted($0.0)),\(JSONWriter.quoted($0.1))]" }.joined(
                    separator: ",") + "]")
        w.field("dedup_key", e.alert.dedupKey)
        return w.finish()
    }

    public struct DecodeError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads back what `encode` wrote (the spool), with the exact parser: strings
    /// byte for byte, integers exact.
    public static func decode(_ bytes: [UInt8]) throws -> AlertEnvelope {
        let object: JSONValue
        do { object = try JSONValue.parse(bytes) } catch {
            throw DecodeError(description: "not JSON (column \(error.column): \(error.reason))")
        }
        return try decode(object)
    }

    /// One envelope from an already parsed object (a checkpoint's `latest`).
    public static func decode(_ object: JSONValue) throws -> AlertEnvelope {
        guard case .object = object else { throw DecodeError(description: "not a JSON object") }
        func string(_ key: String) throws -> String {
            guard let v = object[key]?.string else { throw DecodeError(description: "missing string \(key)") }
            return v
        }
        // Spool records are checked, but a number from disk must still never trap: |v| < 2^62.
        func int64(_ key: String) throws -> Int64 {
            guard let v = object[key]?.int64, v.magnitude < 1 << 62 else {
                throw DecodeError(description: "missing or out-of-range number \(key)")
            }
            return v
        }
        guard let severity = Severity(rawValue: try string("severity")) else {
            throw DecodeError(description: "bad severity")
        }
        guard let ts = object["ts_ns"]?.uint64 else { throw DecodeError(description: "missing number ts_ns") }
        guard let count = object["count"]?.int64, let countValue = Int(exactly: count),
            (1...(1 << 40)).contains(countValue)
        else { throw DecodeError(description: "missing or out-of-range number count") }
        let chain = (object["chain"]?.array ?? []).map(process)
        let evidence = (object["evidence"]?.array ?? []).compactMap { pair -> (String, String)? in
            guard let p = pair.array, p.count == 2, let k = p[0].string, let v = p[1].string else { return nil }
            return (k, v)
        }
        var alert = Alert(
            rule: try string("rule"), severity: severity, title: try string("title"), eventTimeNs: ts, chain: chain,
            evidence: evidence, dedupKey: try string("dedup_key"))
        alert.id = try string("id")
        return AlertEnvelope(
            alert: alert, host: try string("host"), sensorVersion: try string("sensor_version"),
            eventWallNs: try int64("event_wall_ns"), detectedWallNs: try int64("detected_wall_ns"),
            count: countValue, firstWallNs: try int64("first_wall_ns"), lastWallNs: try int64("last_wall_ns"))
    }

    static func process(_ o: JSONValue) -> ProcessSummary {
        func u32(_ k: String) -> UInt32 { o[k]?.uint32 ?? noLineage }
        return ProcessSummary(
            pid: u32("pid"), ppid: u32("ppid"), exe: o["exe"]?.string ?? "",
            argv: (o["argv"]?.array ?? []).compactMap(\.string), uid: u32("uid"), euid: u32("euid"), gid: u32("gid"),
            egid: u32("egid"), lineageUid: u32("lineage_uid"), cgroupId: o["cgroup_id"]?.uint64 ?? 0,
            comm: o["comm"]?.string ?? "", exeBytes: o["exe_hex"]?.string.flatMap(bytesFromHex),
            argsBytes: o["args_hex"]?.string.flatMap(bytesFromHex))
    }
}

/// ISO-8601 UTC with milliseconds, from ns since the epoch; no Foundation formatter.
public enum ISOTime {
    public static func format(ns: Int64) -> String {
        let ms = ns >= 0 ? ns / 1_000_000 : (ns - 999_999) / 1_000_000
        var days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let msOfDay = ms - days * 86_400_000
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(msOfDay / 3_600_000, 2)):\(pad(msOfDay / 60_000 % 60, 2)):\(pad(msOfDay / 1000 % 60, 2)).\(pad(msOfDay % 1000, 3))Z"
    }
}

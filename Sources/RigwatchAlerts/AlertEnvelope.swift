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

/// One JSON object per alert, the one alert shape: what `run` and `replay` print,
/// the alert log's line and the spool's record (`schema/alert.schema.json`).
/// `subject` is the process the alert is about and `chain` its ancestors, nearest
/// first; `evidence` is an object, written and read back in order.
public enum AlertEnvelopeJSON {
    public static func encode(_ e: AlertEnvelope) -> String {
        var w = JSONWriter()
        w.field("type", "alert")
        w.field("id", e.alert.id)
        w.field("rule", e.alert.rule)
        w.field("severity", e.alert.severity.rawValue)
        w.field("title", e.alert.title)
        w.field("time", ISOTime.format(ns: e.eventWallNs, precision: .microseconds))
        w.field("host", e.host)
        w.field("sensor_version", e.sensorVersion)
        w.field("detection_time", ISOTime.format(ns: e.detectedWallNs, precision: .microseconds))
        w.field("event_wall_ns", e.eventWallNs)
        w.field("detected_wall_ns", e.detectedWallNs)
        w.field("ts_ns", e.alert.eventTimeNs)
        w.field("count", e.count)
        w.field("first_wall_ns", e.firstWallNs)
        w.field("last_wall_ns", e.lastWallNs)
        if let subject = e.alert.subject { w.field("subject", raw: process(subject)) } else { w.nullField("subject") }
        w.field("chain", raw: "[" + e.alert.chain.dropFirst().map(process).joined(separator: ",") + "]")
        w.field("evidence", raw: evidence(e.alert.evidence))
        w.field("dedup_key", e.alert.dedupKey)
        return w.finish()
    }

    /// Evidence as an object; a repeated name gets `_2`, `_3`… so that the line
    /// stays valid JSON (the reader refuses duplicate keys) and nothing is dropped.
    static func evidence(_ pairs: [(String, String)]) -> String {
        var w = JSONWriter()
        var seen: Set<String> = []
        for (key, value) in pairs {
            var name = key
            var n = 1
            while !seen.insert(name).inserted {
                n += 1
                name = "\(key)_\(n)"
            }
            w.field(name, value)
        }
        return w.finish()
    }

    /// A process of the subject or chain, with the event fields' names.
    static func process(_ p: ProcessSummary) -> String {
        var w = JSONWriter()
        w.field("pid", p.pid)
        w.field("ppid", p.ppid)
        w.field("exe", p.exe)
        w.field("argv", strings: p.argv)
        if let bytes = p.exeBytes { w.field("exe_hex", hexString(bytes)) }
        if let bytes = p.argsBytes { w.field("args_hex", hexString(bytes)) }
        w.field("uid", p.uid)
        w.field("euid", p.euid)
        w.field("gid", p.gid)
        w.field("egid", p.egid)
        if p.lineageUid != noLineage { w.field("lineage_uid", p.lineageUid) } else { w.nullField("lineage_uid") }
        w.field("cgroup_id", p.cgroupId)
        w.field("comm", p.comm)
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
        // Records spooled by 0.1.0 builds before the one shape had the subject first in `chain`
        // and evidence as [name, value] pairs; they still deliver after an upgrade.
        var chain = (object["chain"]?.array ?? []).map(summary)
        if let subject = object["subject"], subject != .null { chain.insert(summary(subject), at: 0) }
        let evidence: [(String, String)]
        switch object["evidence"] {
        case .object(let members)?:
            evidence = members.compactMap { member in member.value.string.map { (member.key, $0) } }
        case .array(let pairs)?:
            evidence = pairs.compactMap { pair -> (String, String)? in
                guard let p = pair.array, p.count == 2, let k = p[0].string, let v = p[1].string else { return nil }
                return (k, v)
            }
        default:
            evidence = []
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

    static func summary(_ o: JSONValue) -> ProcessSummary {
        func u32(_ k: String) -> UInt32 { o[k]?.uint32 ?? noLineage }
        return ProcessSummary(
            pid: u32("pid"), ppid: u32("ppid"), exe: o["exe"]?.string ?? "",
            argv: (o["argv"]?.array ?? []).compactMap(\.string), uid: u32("uid"), euid: u32("euid"), gid: u32("gid"),
            egid: u32("egid"), lineageUid: u32("lineage_uid"), cgroupId: o["cgroup_id"]?.uint64 ?? 0,
            comm: o["comm"]?.string ?? "", exeBytes: o["exe_hex"]?.string.flatMap(bytesFromHex),
            argsBytes: o["args_hex"]?.string.flatMap(bytesFromHex))
    }
}

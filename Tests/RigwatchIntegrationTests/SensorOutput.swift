// SPDX-License-Identifier: Apache-2.0
import Foundation

/// What `rigwatch run --format json` printed, split into events and alerts.
struct SensorOutput {
    var events: [[String: Any]] = []
    var alerts: [[String: Any]] = []

    init(_ stdout: String) {
        for line in Data(stdout.utf8).split(separator: 0x0a) {
            guard let o = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
            if o["type"] as? String == "alert" { alerts.append(o) } else { events.append(o) }
        }
    }

    func events(_ type: String) -> [[String: Any]] { events.filter { $0["type"] as? String == type } }
    func alerts(rule: String) -> [[String: Any]] { alerts.filter { $0["rule"] as? String == rule } }
}

/// An alert as text, for "mentions this path" checks.
func jsonText(_ object: [String: Any]) -> String {
    guard
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    else { return "" }
    return String(decoding: data, as: UTF8.self)
}

/// The sensor's BPF links and maps as its /proc/PID/fdinfo shows them, to tamper with
/// exactly this sensor's objects from outside (bpftool) and nobody else's.
struct SensorBPFObjects {
    /// link id -> name of its program (e.g. "udp4_sendmsg"), for cgroup links.
    var cgroupLinks: [UInt32: String] = [:]
    /// map name -> map id.
    var maps: [String: UInt32] = [:]

    init(pid: Int32) throws {
        let dir = "/proc/\(pid)/fdinfo"
        for fd in try FileManager.default.contentsOfDirectory(atPath: dir) {
            guard let text = try? String(contentsOfFile: "\(dir)/\(fd)", encoding: .utf8) else { continue }
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2 { fields[parts[0]] = parts[1] }
            }
            if fields["link_type"] == "cgroup", let id = fields["link_id"].flatMap(UInt32.init),
                let prog = fields["prog_id"]
            {
                let show = try runCommand("/usr/sbin/bpftool", ["-j", "prog", "show", "id", prog])
                let o = try? JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
                cgroupLinks[id] = o?["name"] as? String ?? "?"
            }
            if let id = fields["map_id"].flatMap(UInt32.init) {
                let show = try runCommand("/usr/sbin/bpftool", ["-j", "map", "show", "id", String(id)])
                if let o = try? JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any],
                    let name = o["name"] as? String
                {
                    maps[name] = id
                }
            }
        }
    }
}

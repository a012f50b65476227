// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// The network detectors on byte snapshots alone: `count` generated `net_bytes`
/// events (100 processes, 2048 destinations in 512 /24 blocks, 5 ms apart so the run
/// spans hours of event time), through the engine with the default network
/// settings; once from a watched lineage (the window and the budgets), once from
/// containers (the window only).
func benchExfiltration(count: Int) {
    for watched in [true, false] {
        let engine = Engine(
            config: EngineConfig(watchedUids: [1001]),
            detectors: Engine.standardDetectors(network: NetworkSettings()))
        var alerts = 0
        let t = seconds {
            for i in 0..<count {
                let ts = UInt64(i) * 5_000_000
                let tgid = UInt32(2000 + i % 100)
                let block = UInt32(i % 512)
                // In 198.18.0.0/15 (the benchmarking range): four addresses in each of 512 /24s.
                let destination = IPAddress(ipv4: 0xc612_0000 + (block << 8) + UInt32(i / 512 % 4) + 1)
                let header = EventHeader(
                    timestampNs: ts, pid: tgid, tgid: tgid, ppid: 1, uid: 1001, euid: 1001, gid: 1001, egid: 1001,
                    lineageUid: watched ? 1001 : noLineage, cgroupId: watched ? 7 : UInt64(100 + i % 100),
                    comm: Comm("x"))
                let event = Event.netBytes(
                    NetBytesEvent(
                        header: header, proto: .tcp, destination: destination, destinationPort: 443,
                        bytes: 4096, sends: 4, firstNs: ts &- 4_000_000, lastNs: ts))
                alerts += engine.consume(event).count
            }
        }
        let from = watched ? "a watched lineage" : "containers"
        print(
            "exfil: \(count) net_bytes from \(from): "
                + String(format: "%.3f s = %.2f M events/s (%d alerts)", t, Double(count) / t / 1e6, alerts))
    }
}

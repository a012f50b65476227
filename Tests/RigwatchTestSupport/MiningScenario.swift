// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// Events for the mining detector, built by hand: execs, pool connects and GPU
/// samples every 2 s as the sampler writes them.
public enum MiningScenario {
    public static let second: UInt64 = 1_000_000_000
    public static let kaalia: UInt32 = 1001

    public static func header(
        _ tgid: UInt32, ts: UInt64, lineage: UInt32 = noLineage, cgroup: UInt64 = 6000,
        uid: UInt32 = 0, comm: String
    ) -> EventHeader {
        EventHeader(
            timestampNs: ts, pid: tgid, tgid: tgid, ppid: 1, uid: uid, euid: uid, gid: uid, egid: uid,
            lineageUid: lineage, cgroupId: cgroup, comm: Comm(comm))
    }

    public static func exec(
        _ tgid: UInt32, _ argv: [String], path: String? = nil, ts: UInt64, lineage: UInt32 = noLineage,
        cgroup: UInt64 = 6000, comm: String? = nil
    ) -> Event {
        let exe = path ?? argv[0]
        let name = comm ?? String(exe.split(separator: "/").last ?? "")
        return .exec(
            ExecEvent(
                header: header(tgid, ts: ts, lineage: lineage, cgroup: cgroup, comm: name), loginUid: .max,
                flags: [], argc: UInt32(argv.count), oldPid: tgid, filename: Array(exe.utf8),
                args: ExecEvent.joinArgs(argv)))
    }

    public static func connect(
        _ tgid: UInt32, port: UInt16, ts: UInt64, lineage: UInt32 = noLineage, cgroup: UInt64 = 6000,
        comm: String = "worker"
    ) -> Event {
        .connect(
            ConnectEvent(
                header: header(tgid, ts: ts, lineage: lineage, cgroup: cgroup, comm: comm),
                source: IPAddress("192.0.2.10") ?? IPAddress(ipv4: 0), sourcePort: 40_000,
                destination: IPAddress("203.0.113.20") ?? IPAddress(ipv4: 0), destinationPort: port))
    }

    /// The first bytes `tgid` sent on a new connection to 203.0.113.20:`port`.
    public static func firstPayload(
        _ tgid: UInt32, _ text: String, port: UInt16 = 7011, ts: UInt64, lineage: UInt32 = noLineage,
        cgroup: UInt64 = 6000, comm: String = "worker"
    ) -> Event {
        let data = Array(text.utf8)
        return .firstPayload(
            FirstPayloadEvent(
                header: header(tgid, ts: ts, lineage: lineage, cgroup: cgroup, comm: comm),
                source: IPAddress("192.0.2.10") ?? IPAddress(ipv4: 0), sourcePort: 40_001,
                destination: IPAddress("203.0.113.20") ?? IPAddress(ipv4: 0), destinationPort: port,
                data: Array(data.prefix(KernelABI.payloadPrefix)), sendLength: UInt32(data.count)))
    }

    /// GPU 0 samples every 2 s over [from, to] seconds.
    public static func gpu(from: UInt64, to: UInt64, util: UInt32, pids: [UInt32] = []) -> [Event] {
        stride(from: from, through: to, by: 2).map { t in
            .gpuSample(
                GPUSampleEvent(
                    timestampNs: t * second, gpuIndex: 0, flags: .fromNVML, utilGPU: util,
                    processes: pids.map { .init(pid: $0, usedMemoryBytes: 1 << 30) }))
        }
    }

    public static func engine(_ settings: MiningSettings = MiningSettings()) -> Engine {
        Engine(
            config: EngineConfig(watchedUids: [kaalia], userNames: [kaalia: "vastai_kaalia"]),
            detectors: Engine.standardDetectors(mining: settings))
    }

    public static func run(_ events: [Event], settings: MiningSettings = MiningSettings()) -> [Alert] {
        let engine = engine(settings)
        return events.sorted { $0.timestampNs < $1.timestampNs }.flatMap(engine.consume)
    }
}

// SPDX-License-Identifier: Apache-2.0
/// One destination a process talked to.
public struct NetworkContact: Equatable, Sendable {
    public var destination: IPAddress
    public var port: UInt16
    public var proto: NetProtocol
    /// First and last time it was seen (connect time, or the sends of a byte snapshot).
    public var firstNs: UInt64
    public var lastNs: UInt64
    public var connects: UInt64
    public var bytes: UInt64
    /// The port is one mining pools listen on (`MiningSignatures.poolPorts`).
    public var isMiningPoolPort: Bool

    public init(
        destination: IPAddress, port: UInt16, proto: NetProtocol, firstNs: UInt64, lastNs: UInt64,
        connects: UInt64, bytes: UInt64, isMiningPoolPort: Bool
    ) {
        self.destination = destination
        self.port = port
        self.proto = proto
        self.firstNs = firstNs
        self.lastNs = lastNs
        self.connects = connects
        self.bytes = bytes
        self.isMiningPoolPort = isMiningPoolPort
    }
}

/// The engine's short memory of who talked to whom: the recent destinations of each
/// live process, so a detector judging a process (a suspected miner) can ask
/// whether it reached a mining pool port. Bounded per process and in processes.
public struct NetworkContacts: Sendable {
    /// Contacts kept per process; pool-port contacts are the last to go.
    public let perProcess: Int
    /// Processes followed; the least recently active eighth goes when full.
    public let capacity: Int
    private var byProcess: [UInt32: [NetworkContact]] = [:]

    public init(perProcess: Int = 16, capacity: Int = 8192) {
        self.perProcess = max(1, perProcess)
        self.capacity = max(8, capacity)
    }

    /// Processes with at least one contact.
    public var processCount: Int { byProcess.count }

    /// Destinations of `tgid`, oldest first.
    public func contacts(of tgid: UInt32) -> [NetworkContact] { byProcess[tgid] ?? [] }

    /// Destinations of `tgid` on a mining pool port.
    public func miningPoolContacts(of tgid: UInt32) -> [NetworkContact] {
        contacts(of: tgid).filter(\.isMiningPoolPort)
    }

    /// Takes in a connect or a byte snapshot; other events change nothing.
    public mutating func record(_ event: Event) {
        switch event {
        case .connect(let e):
            note(
                e.header.tgid, e.destination, e.destinationPort, e.proto, firstNs: e.header.timestampNs,
                lastNs: e.header.timestampNs, connects: 1, bytes: 0)
        case .netBytes(let e):
            note(
                e.header.tgid, e.destination, e.destinationPort, e.proto, firstNs: min(e.firstNs, e.lastNs),
                lastNs: max(e.lastNs, e.firstNs), connects: 0, bytes: e.bytes)
        case .exec, .cred, .fork, .exit, .drops, .gpuSample, .fileChange, .tamper, .integrity, .firstPayload,
            .unixConnect, .auth, .enforce:
            break
        }
    }

    /// The process ended: its tgid may be reused, so its contacts go.
    public mutating func forget(_ tgid: UInt32) {
        byProcess.removeValue(forKey: tgid)
    }

    private mutating func note(
        _ tgid: UInt32, _ destination: IPAddress, _ port: UInt16, _ proto: NetProtocol,
        firstNs: UInt64, lastNs: UInt64, connects: UInt64, bytes: UInt64
    ) {
        if byProcess[tgid] == nil && byProcess.count >= capacity { evictLeastRecent() }
        var list = byProcess[tgid] ?? []
        if let i = list.firstIndex(where: { $0.destination == destination && $0.port == port && $0.proto == proto }) {
            list[i].firstNs = min(list[i].firstNs, firstNs)
            list[i].lastNs = max(list[i].lastNs, lastNs)
            list[i].connects &+= connects
            list[i].bytes &+= bytes
        } else {
            if list.count >= perProcess {
                // Drop the oldest ordinary contact; a pool-port contact only when nothing else is left.
                let victim =
                    list.indices.filter { !list[$0].isMiningPoolPort }.min { list[$0].lastNs < list[$1].lastNs }
                    ?? list.indices.min { list[$0].lastNs < list[$1].lastNs }
                if let victim { list.remove(at: victim) }
            }
            list.append(
                NetworkContact(
                    destination: destination, port: port, proto: proto, firstNs: firstNs, lastNs: lastNs,
                    connects: connects, bytes: bytes,
                    isMiningPoolPort: MiningSignatures.poolPorts.contains(port)))
        }
        byProcess[tgid] = list
    }

    /// Drops the least recently active eighth at once, so eviction stays rare. Exits
    /// lost to ring-buffer drops would otherwise grow the record without bound.
    private mutating func evictLeastRecent() {
        let lastActive = byProcess.map { (tgid: $0.key, last: $0.value.map(\.lastNs).max() ?? 0) }
        let victims = lastActive.sorted { ($0.last, $0.tgid) < ($1.last, $1.tgid) }.prefix(max(1, capacity / 8))
        for v in victims { byProcess.removeValue(forKey: v.tgid) }
    }
}

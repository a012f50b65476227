// SPDX-License-Identifier: Apache-2.0
/// The independent signals of crypto-mining.
public enum MiningSignal: String, Sendable, CaseIterable, Comparable {
    /// An exec that looks like a miner (name, stratum URL, pool host, miner options).
    case execSignature = "exec-signature"
    /// A connection to a pool port (or to the port the miner's argv named).
    case poolConnection = "pool-connection"
    /// The GPU busy while it should be idle, or busy for a suspect process.
    case gpuBusy = "gpu-busy"
    /// A stratum login in the first bytes of a new connection (`StratumMatcher`):
    /// what only a miner sends, so it is high on its own.
    case stratum = "stratum-protocol"

    public static func < (a: MiningSignal, b: MiningSignal) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// 1 signal → low, 2 → high, 3 or more → critical.
    public static func severity(agreeing count: Int) -> Severity {
        switch count {
        case ...1: return .low
        case 2: return .high
        default: return .critical
        }
    }

    /// By the signals that agree, a stratum login weighing two: what only a miner
    /// sends is high on its own, and critical with anything else beside it.
    public static func severity(of signals: Set<MiningSignal>) -> Severity {
        severity(agreeing: signals.count + (signals.contains(.stratum) ? 1 : 0))
    }

    /// The three signals that, together, need no hold for the GPU.
    static let classic: Set<MiningSignal> = [.execSignature, .poolConnection, .gpuBusy]
}

/// A process whose exec matched a signature.
struct SignatureProcess {
    var tgid: UInt32
    var subject: MiningSubject
    var execNs: UInt64
    var path: String
    var argv: [String]
    var hits: [ExecSignatureHit]
    /// Ports of the pool endpoints argv names: a contact to one is a pool connection.
    var namedPorts: Set<UInt16>
}

/// A contact to a pool port.
struct PoolContact: Equatable {
    var tgid: UInt32
    var destination: IPAddress
    var port: UInt16
    var proto: NetProtocol
    var firstNs: UInt64
    var lastNs: UInt64
    var connects: UInt64
    var bytes: UInt64

    var text: String {
        "\(destination.withPort(port))/\(proto.name) by pid \(tgid) (\(connects) connect\(connects == 1 ? "" : "s"), \(bytes) bytes sent)"
    }
}

/// A connection whose first bytes were a stratum login.
struct StratumContact: Equatable {
    var tgid: UInt32
    var destination: IPAddress
    var port: UInt16
    var match: StratumMatch
    var timestampNs: UInt64
    /// The sender's executable, from its exec (or its comm, marked, when the exec was not seen).
    var exe: String
    /// The start of the payload, printable.
    var payload: String

    var text: String { "\(match.method) to \(destination.withPort(port))/tcp by pid \(tgid) \(exe)" }
}

/// One incident: the signals seen for one subject since it opened, and what was
/// already raised. Ends after `quietSeconds` with no new observation of any signal.
struct MiningIncident {
    let subject: MiningSubject
    let openedNs: UInt64
    var lastSignalNs: UInt64
    /// Signature processes, first first (bounded).
    var execs: [SignatureProcess] = []
    var contacts: [PoolContact] = []
    /// Stratum logins on the wire, first first (bounded).
    var stratum: [StratumContact] = []
    /// GPU runs charged to this incident, by GPU index, as of their latest sample.
    var gpuRuns: [UInt32: GPUBusyRun] = [:]
    /// Signals named in the last alert; empty until the first one is raised.
    var raised: Set<MiningSignal> = []
    /// Alerts raised for this incident (the first, then escalations).
    var alerts = 0

    static let maxExecs = 4
    static let maxContacts = 8
    static let maxStratum = 4

    init(subject: MiningSubject, openedNs: UInt64) {
        self.subject = subject
        self.openedNs = openedNs
        self.lastSignalNs = openedNs
    }

    var signals: Set<MiningSignal> {
        var s: Set<MiningSignal> = []
        if !execs.isEmpty { s.insert(.execSignature) }
        if !contacts.isEmpty { s.insert(.poolConnection) }
        if !gpuRuns.isEmpty { s.insert(.gpuBusy) }
        if !stratum.isEmpty { s.insert(.stratum) }
        return s
    }

    var namedPorts: Set<UInt16> { execs.reduce(into: []) { $0.formUnion($1.namedPorts) } }

    mutating func add(_ process: SignatureProcess) {
        if execs.count < Self.maxExecs
            && !execs.contains(where: { $0.tgid == process.tgid && $0.execNs == process.execNs })
        {
            execs.append(process)
        }
    }

    /// Adds a new contact, or counts a repeat of one already held. A `total` (the
    /// engine's own record of the process) replaces the entry instead of adding to it.
    mutating func add(_ contact: PoolContact, total: Bool = false) {
        if let i = contacts.firstIndex(where: {
            $0.tgid == contact.tgid && $0.destination == contact.destination && $0.port == contact.port
        }) {
            if total {
                contacts[i] = contact
                return
            }
            contacts[i].firstNs = min(contacts[i].firstNs, contact.firstNs)
            contacts[i].lastNs = max(contacts[i].lastNs, contact.lastNs)
            contacts[i].connects &+= contact.connects
            contacts[i].bytes &+= contact.bytes
        } else if contacts.count < Self.maxContacts {
            contacts.append(contact)
        }
    }

    mutating func add(_ run: GPUBusyRun) { gpuRuns[run.gpuIndex] = run }

    mutating func add(_ login: StratumContact) {
        if stratum.count < Self.maxStratum
            && !stratum.contains(where: {
                $0.tgid == login.tgid && $0.destination == login.destination && $0.port == login.port
                    && $0.match.method == login.match.method
            })
        {
            stratum.append(login)
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
/// The engine: consumes one event at a time and returns the alerts it raises.
/// Pure and synchronous: no I/O, no wall clock (time comes from the events), so
/// the same stream gives the same alerts live, from audit, or from a trace.

/// What detectors may read while judging an event.
public struct DetectionContext {
    private let engine: Engine
    init(engine: Engine) { self.engine = engine }

    /// The process table after the event was applied (exits are applied after detectors run).
    public var processes: ProcessTable { engine.processes }
    public var config: EngineConfig { engine.config }
    /// Recent destinations of each process (connects and byte snapshots), after the event was applied.
    public var networkContacts: NetworkContacts { engine.networkContacts }

    /// A watched user's name, nil for any other uid.
    public func userName(_ uid: UInt32) -> String? { engine.config.userNames[uid] }

    /// The process and its ancestors as alerts show them.
    public func chain(of tgid: UInt32) -> [ProcessSummary] {
        processes.chain(of: tgid).map(ProcessSummary.init)
    }
}

/// A detector looks at each event of the kinds it observes, keeps whatever state it
/// needs, and returns alerts.
public protocol Detector: AnyObject {
    var name: String { get }
    /// The kinds `observe` is given (default: all). A kind left out never reaches it.
    var observes: EventKinds { get }
    func observe(_ event: Event, context: DetectionContext) -> [Alert]
    /// Takes the parts of new settings it uses (SIGHUP), between events, keeping its
    /// state. The default ignores them all (a detector with nothing to configure).
    func apply(_ settings: DetectorSettings)
}

extension Detector {
    public var observes: EventKinds { .all }
    public func apply(_ settings: DetectorSettings) {}
}

public struct EngineConfig: Sendable, Equatable {
    public var watchedUids: [UInt32]
    /// The watched users' names, as alerts show them ("vastai_kaalia (uid 1001)").
    public var userNames: [UInt32: String]
    public var processTableCapacity: Int

    public init(watchedUids: [UInt32] = [], userNames: [UInt32: String] = [:], processTableCapacity: Int = 65_536) {
        self.watchedUids = watchedUids
        self.userNames = userNames
        self.processTableCapacity = processTableCapacity
    }

    public init(watchedUsers: [WatchedUser], processTableCapacity: Int = 65_536) {
        self.init(
            watchedUids: watchedUsers.map(\.uid),
            userNames: Dictionary(watchedUsers.map { ($0.uid, $0.name) }, uniquingKeysWith: { first, _ in first }),
            processTableCapacity: processTableCapacity)
    }
}

public final class Engine {
    public let config: EngineConfig
    public private(set) var processes: ProcessTable
    /// Who talked to whom recently, for detectors that correlate (mining pool ports).
    public private(set) var networkContacts = NetworkContacts()
    private let detectors: [Detector]
    /// Per kind (`Event.kindIndex`): the detectors that observe it, in `detectors` order.
    private let detectorsByKind: [[Detector]]
    private var sequence = 0
    public private(set) var eventsSeen = 0

    public init(config: EngineConfig = EngineConfig(), detectors: [Detector]) {
        self.config = config
        self.detectors = detectors
        detectorsByKind = (0..<EventKinds.count).map { i in
            detectors.filter { $0.observes.contains(EventKinds(rawValue: 1 << UInt32(i))) }
        }
        self.processes = ProcessTable(capacity: config.processTableCapacity)
    }

    /// The detectors every engine runs unless a caller builds its own list.
    /// Without a policy the whitelist check is off (unit tests of other detectors);
    /// without network settings the exfiltration and outbound checks are off; without
    /// mining settings the crypto-mining detector is off; without file-watch settings
    /// file changes raise nothing; without tamper settings neither do tamper and
    /// integrity events; without runtime-socket settings unix connects raise nothing;
    /// without root-equivalent settings that detector is off; without auth settings auth records raise nothing.
    public static func standardDetectors(
        policies: PolicySet? = nil, abuse: ArgumentAbuseRules? = ArgumentAbuseRules(), network: NetworkSettings? = nil,
        mining: MiningSettings? = nil, files: FileWatchSettings? = nil,
        tamper: TamperSettings? = nil, runtimeSockets: RuntimeSocketSettings? = nil,
        rootEquivalent: RootEquivalentSettings? = nil, auth: AuthSettings? = nil
    ) -> [Detector] {
        var detectors: [Detector] = [LostEventsDetector()]
        if let policies {
            detectors.append(PrivilegedExecDetector(policies: policies, abuse: abuse))
            detectors.append(EnforcementDetector(policies: policies))
        }
        if let network {
            detectors.append(ExfiltrationDetector(settings: network.exfiltration))
            detectors.append(WatchedOutboundDetector(settings: network.watchedOutbound))
        }
        if let mining {
            detectors.append(MiningDetector(settings: mining))
        }
        if let files {
            detectors.append(FileChangeDetector(settings: files))
        }
        if let tamper {
            detectors.append(TamperDetector(settings: tamper))
        }
        if let runtimeSockets {
            detectors.append(RuntimeSocketDetector(settings: runtimeSockets))
        }
        if let rootEquivalent {
            detectors.append(RootEquivalentDetector(settings: rootEquivalent))
        }
        if let auth {
            detectors.append(AuthDetector(settings: auth))
        }
        return detectors
    }

    /// The detectors every engine runs, built from one `DetectorSettings`.
    public static func standardDetectors(_ settings: DetectorSettings) -> [Detector] {
        standardDetectors(
            policies: settings.policies, abuse: settings.abuse, network: settings.network,
            mining: settings.mining, files: settings.files, tamper: settings.tamper,
            runtimeSockets: settings.runtimeSockets, rootEquivalent: settings.rootEquivalent, auth: settings.auth)
    }

    /// New settings for every detector (SIGHUP); each takes the parts it uses and
    /// keeps its state. Called between events, on the engine's thread.
    public func apply(_ settings: DetectorSettings) {
        for detector in detectors { detector.apply(settings) }
    }

    /// The detectors of a given type, e.g. to read the policy in force.
    public func detectors<T: Detector>(of type: T.Type) -> [T] {
        detectors.compactMap { $0 as? T }
    }

    public func consume(_ event: Event) -> [Alert] {
        eventsSeen += 1
        // An exit is judged while the process is still in the table, then removed.
        switch event {
        case .exit: break
        case .connect, .netBytes: networkContacts.record(event)
        case .exec, .cred, .fork, .drops: processes.apply(event)
        case .gpuSample: break  // no process changes; the mining detector reads it
        // judged by their detectors; the writer or actor is already in the table
        case .fileChange, .tamper, .integrity, .firstPayload, .unixConnect, .auth, .enforce: break
        }
        let context = DetectionContext(engine: self)
        var alerts: [Alert] = []
        for detector in detectorsByKind[event.kindIndex] {
            let raised = detector.observe(event, context: context)
            if raised.isEmpty { continue }  // nearly every event: skip the iterator
            for var alert in raised {
                sequence += 1
                alert.id = "\(alert.rule)-\(sequence)"
                alerts.append(alert)
            }
        }
        if case .exit(let e) = event {
            processes.apply(event)
            networkContacts.forget(e.header.tgid)
        }
        return alerts
    }
}

// SPDX-License-Identifier: Apache-2.0
/// "Someone is working on the sensor": a signal sent to it, a ptrace of it, its
/// memory read or written (kernel `tamper` events, the header is the actor; refused
/// ones too, where BPF-LSM prevention runs: `denied`), or
/// its own BPF programs detached or control maps altered (the sensor's periodic
/// self-check, `integrity` events). One alert per finding; an identical one
/// within the repeat window is dropped so a standing problem does not flood.
public final class TamperDetector: Detector {
    public let name = "sensor-tamper"
    public private(set) var settings: TamperSettings
    /// When each finding last raised an alert.
    private var lastAlerted: [String: UInt64] = [:]
    static let maxRemembered = 4096

    public init(settings: TamperSettings = TamperSettings()) {
        self.settings = settings
    }

    public func replaceSettings(_ settings: TamperSettings) { self.settings = settings }

    public func apply(_ settings: DetectorSettings) {
        if let tamper = settings.tamper { replaceSettings(tamper) }
    }

    public var observes: EventKinds { [.tamper, .integrity] }

    public func observe(_ event: Event, context: DetectionContext) -> [Alert] {
        switch event {
        case .tamper(let e):
            let actor = EventActor(e.header, context: context)
            // The actor's pid, not its program: two kills are two findings, a debugger's calls one.
            let argument = e.operation == .signal ? String(e.argument) : "-"
            let key = "\(e.operation.name)|\(argument)|\(e.header.tgid)\(e.denied ? "|denied" : "")"
            guard isNew(key, at: e.header.timestampNs) else { return [] }
            return [tamperAlert(e, actor: actor, context: context)]
        case .integrity(let e):
            guard isNew("\(e.problem.name)|\(e.name)|\(e.expected)|\(e.found)", at: e.timestampNs) else { return [] }
            return [integrityAlert(e)]
        default:
            return []
        }
    }

    /// True when `key` raised no alert within the window before `nowNs` (and notes it now).
    private func isNew(_ key: String, at nowNs: UInt64) -> Bool {
        let window = DetectorSupport.nanoseconds(settings.repeatWindowSeconds)
        if let last = lastAlerted[key], nowNs >= last, nowNs - last < window { return false }
        if lastAlerted.count >= Self.maxRemembered {
            lastAlerted = lastAlerted.filter { nowNs < $0.value || nowNs - $0.value < window }
            if lastAlerted.count >= Self.maxRemembered { lastAlerted.removeAll() }
        }
        lastAlerted[key] = nowNs
        return true
    }

    private func tamperAlert(_ e: TamperEvent, actor: EventActor, context: DetectionContext) -> Alert {
        let h = e.header
        var evidence: [(String, String)] = [("operation", e.operation.name)]
        let severity: Severity
        let what: String
        switch e.operation {
        case .signal where e.denied:
            // Only a watched lineage is refused: an attempt to blind the sensor that failed.
            let signal = TamperNames.signal(e.argument)
            severity = TamperNames.stopping.contains(e.argument) ? .critical : .high
            what = "\(signal) to the sensor denied"
            evidence.append(("signal", "\(signal) (\(e.argument))"))
        case .signal:
            let signal = TamperNames.signal(e.argument)
            // PID 1 signals its service to stop, restart or reload it: that is
            // operations, reported (info) but not an alarm.
            severity = h.tgid == 1 ? .info : TamperNames.stopping.contains(e.argument) ? .high : .medium
            what = "\(signal) sent to the sensor"
            evidence.append(("signal", "\(signal) (\(e.argument))"))
            evidence.append(("result", TamperNames.signalResult(e.result)))
        case .ptrace where e.denied:
            severity = .critical
            what = "Sensor ptrace-style access denied (ptrace, process_vm_*, /proc/PID/mem)"
            evidence.append(("mode", TamperNames.ptraceMode(e.argument)))
        case .ptrace:
            let request = TamperNames.ptraceRequest(e.argument)
            severity = .critical
            what = "Sensor ptraced (\(request))"
            evidence.append(("request", "\(request) (\(e.argument))"))
        case .vmRead:
            severity = .critical
            what = "Sensor memory read (process_vm_readv)"
        case .vmWrite:
            severity = .critical
            what = "Sensor memory written (process_vm_writev)"
        }
        if e.denied {
            evidence.append(("denied", "yes: refused (EPERM) by the sensor's BPF-LSM program (feature tamper-prevent)"))
        }
        evidence += [
            ("target_pid", String(e.targetPid)),
            ("actor", actor.programText),
            ("pid", String(h.tgid)),
            ("user", actor.userText),
            ("lineage", actor.lineageText),
            ("cgroup_id", String(h.cgroupId)),
        ]
        if h.tgid == 1 && e.operation == .signal {
            evidence.append(("note", "sent by PID 1 (systemd): a service stop, restart, reload or `systemctl kill`"))
        }
        return Alert(
            rule: name, severity: severity, title: "\(what) by \(actor.briefText) \(actor.lineageClause)",
            eventTimeNs: h.timestampNs, chain: actor.chain(context), evidence: evidence,
            dedupKey:
                "\(name)|\(e.operation.name)|\(e.operation == .signal ? String(e.argument) : "-")|\(actor.shortProgram)|\(h.euid)\(e.denied ? "|denied" : "")"
        )
    }

    private func integrityAlert(_ e: IntegrityEvent) -> Alert {
        let title: String
        var evidence: [(String, String)] = [("problem", e.problem.name)]
        switch e.problem {
        case .linkDetached:
            title = "Sensor tampering: BPF program \(e.name) detached"
            evidence.append(("program", e.name))
        case .mapAltered:
            title = "Sensor tampering: map \(e.name) altered: expected \(e.expected) entries, found \(e.found)"
            evidence += [("map", e.name), ("expected_entries", String(e.expected)), ("found_entries", String(e.found))]
        }
        evidence.append(
            (
                "what_to_do",
                "find who used bpf() (bpftool, a root shell) in the alerts and logs around this time; "
                    + "restart rigwatch to load and attach its programs again"
            ))
        return Alert(
            rule: name, severity: .critical, title: title, eventTimeNs: e.timestampNs, evidence: evidence,
            dedupKey: "\(name)|\(e.problem.name)|\(e.name)")
    }
}

// SPDX-License-Identifier: Apache-2.0
/// Root without euid 0, and root outside the lineage. Runs on every exec of a
/// watched lineage, whatever its euid (the whitelist and the argument rules look
/// at euid-0 execs only):
///
/// - `root-equivalent-container`: a docker/podman/nerdctl/ctr/lxc client run with
///   host mounts, `--privileged`, host namespaces, devices, capabilities or
///   confinement off. A docker-group member needs no sudo for `docker run -v /:/host`.
/// - `root-equivalent-group`: a root command adding a user to a root-equivalent
///   group (`usermod -a -G docker U`), for any user: a watched lineage making any
///   account root-equivalent is the same escape. Not when the user is a member
///   already (the settings know who was at start), which is how the Vast daemon's
///   whitelisted `usermod -a -G docker vastai_kaalia` stays quiet on a host where
///   it ran before; on a host where it has not, its first run is reported.
/// - `root-equivalent-unit`: `systemd-run` without `--scope` (a transient unit: PID 1
///   runs the command as root, outside the lineage), and `systemctl
///   start/enable/restart/link` of a unit this lineage wrote (file-change events
///   under the unit directories, or a write destination its commands named), or of
///   a unit file linked from outside the unit directories.
///
/// The unit's own processes are children of PID 1 with no lineage. For a transient
/// unit whose command systemd-run named, the first exec of that command by a child
/// of PID 1 within 10 s is taken as the unit's and reported with its cgroup id
/// (`TransientUnitMatch`). Nothing else is correlated: the events carry a cgroup
/// id (the kernfs inode of `/sys/fs/cgroup/system.slice/NAME`), and nothing in the
/// event stream maps an id to a path, so Core cannot tell which id is a started
/// unit's; a unit file's command is never seen. Attributing those needs the sensor
/// to resolve cgroup ids to paths (stat the unit's cgroup directory once it exists,
/// or `name_to_handle_at` on the cgroup2 root, `CgroupRoot`) and record that
/// mapping as events, so replay stays pure.
public final class RootEquivalentDetector: Detector {
    public let name = "root-equivalent"
    public static let containerRule = "root-equivalent-container"
    public static let groupRule = "root-equivalent-group"
    public static let unitRule = "root-equivalent-unit"

    public private(set) var settings: RootEquivalentSettings
    private var units: UnitMemory
    private var transient = TransientUnitMatch()

    static let groupTools: Set<String> = ["usermod", "useradd", "gpasswd", "adduser", "addgroup", "groupmems"]

    public init(settings: RootEquivalentSettings = RootEquivalentSettings()) {
        self.settings = settings
        units = UnitMemory(capacity: settings.unitMemory)
    }

    /// New groups, members and expected writes (SIGHUP); the unit memory is kept.
    public func apply(_ settings: DetectorSettings) {
        if let rootEquivalent = settings.rootEquivalent { self.settings = rootEquivalent }
    }

    public var observes: EventKinds { [.exec, .fileChange] }

    public func observe(_ event: Event, context: DetectionContext) -> [Alert] {
        switch event {
        case .exec(let e):
            let watched = e.header.hasLineage && context.config.watchedUids.contains(e.header.lineageUid)
            if let unit = transient.match(e, watched: watched) { return [unitProcessAlert(e, unit, context)] }
            guard watched else { return [] }
            return judge(e, context: context)
        case .fileChange(let e):
            rememberUnitWrite(e, context: context)
            return []
        case .fork, .exit, .cred, .drops, .connect, .netBytes, .gpuSample, .tamper, .integrity, .firstPayload,
            .unixConnect, .auth, .enforce:
            return []
        }
    }

    private func judge(_ e: ExecEvent, context: DetectionContext) -> [Alert] {
        let program = lastPathComponent(e.path)
        let argv = e.argv
        // A script (`#!/bin/sh` docker wrapper) execs as `interpreter SCRIPT args…`: its arguments follow the script.
        let args = Array(argv.count >= 2 && argv[1] == e.path ? argv.dropFirst(2) : argv.dropFirst())
        rememberUnitDestinations(e, program: program, args: args)
        var alerts: [Alert] = []
        if ContainerClientArguments.clients.contains(program) {
            let findings = ContainerClientArguments.findings(program: program, args: args)
            if !findings.isEmpty {
                alerts.append(
                    RootEquivalentAlert.make(
                        rule: Self.containerRule, e,
                        title: { user, command in
                            "\(user) ran a container client with root-equivalent options: \(command)"
                        }, findings: findings.map { "\($0.reason) [\($0.argument)]" }, context: context))
            }
        }
        if Self.groupTools.contains(program), e.header.euid == 0, let alert = groupAlert(e, program, args, context) {
            alerts.append(alert)
        }
        if program == "systemd-run", let unit = SystemdRunOptions.transientUnit(args: args) {
            alerts.append(transientUnitAlert(e, unit, context))
            if unit.timers.isEmpty {
                transient.expect(
                    unit: unit.unit ?? "run-u….service", command: unit.command, lineageUid: e.header.lineageUid,
                    startedBy: "\(ShellWord.commandLine(e.args)) (pid \(e.header.tgid))", at: e.header.timestampNs)
            }
        }
        if program == "systemctl", let alert = unitStartAlert(e, args, context) {
            alerts.append(alert)
        }
        return alerts
    }

    private func groupAlert(
        _ e: ExecEvent, _ program: String, _ args: [String], _ context: DetectionContext
    ) -> Alert? {
        var findings: [String] = []
        var targets: [String] = []
        for change in GroupMembershipChange.of(program: program, args: args) {
            for raw in change.groups {
                let group = raw == "0" ? "root" : raw
                guard settings.groups.contains(group), !(settings.members[group]?.contains(change.user) ?? false) else {
                    continue
                }
                let watched = context.config.userNames.values.contains(change.user) ? " (a watched user)" : ""
                findings.append("adds \(change.user)\(watched) to \(group) (\(change.how))")
                if !targets.contains(change.user) { targets.append(change.user) }
            }
        }
        guard !findings.isEmpty else { return nil }
        return RootEquivalentAlert.make(
            rule: Self.groupRule, e,
            title: { user, command in
                "\(user)'s lineage made \(targets.joined(separator: ", ")) root-equivalent by group membership: \(command)"
            }, findings: findings, context: context)
    }

    private func transientUnitAlert(
        _ e: ExecEvent, _ unit: SystemdRunOptions.TransientUnit, _ context: DetectionContext
    ) -> Alert {
        let name = unit.unit ?? "run-u….service (named by systemd)"
        var extra: [(String, String)] = [
            ("unit", name),
            (
                "runs",
                unit.command.isEmpty
                    ? "(nothing named)" : unit.command.map { ShellWord.quote(Array($0.utf8)) }.joined(separator: " ")
            ),
        ]
        if !unit.properties.isEmpty { extra.append(("properties", unit.properties.joined(separator: " "))) }
        if !unit.timers.isEmpty { extra.append(("timer", unit.timers.joined(separator: " "))) }
        extra.append(("unit_cgroup", "system.slice/\(name)"))
        extra.append(("note", Self.uncorrelated))
        return RootEquivalentAlert.make(
            rule: Self.unitRule, e,
            title: { user, command in "\(user) ran a command as a systemd unit, outside its lineage: \(command)" },
            findings: ["transient unit without --scope: PID 1 runs it as root, outside the lineage"], extra: extra,
            context: context)
    }

    /// The process a transient unit started, found by its command: the escape ran, in this cgroup.
    private func unitProcessAlert(
        _ e: ExecEvent, _ unit: TransientUnitMatch.Pending, _ context: DetectionContext
    ) -> Alert {
        let h = e.header
        let user = context.userName(unit.lineageUid) ?? "uid \(unit.lineageUid)"
        let commandLine = ShellWord.commandLine(e.args)
        return Alert(
            rule: Self.unitRule, severity: .high,
            title: "\(unit.unit), started by \(user)'s lineage, runs: \(commandLine)",
            eventTimeNs: h.timestampNs, chain: context.chain(of: h.tgid),
            evidence: [
                ("user", "\(user) (uid \(unit.lineageUid))"),
                ("exe", e.path),
                ("command", commandLine),
                ("euid", String(h.euid)),
                ("cgroup_id", String(h.cgroupId)),
                ("unit", unit.unit),
                ("started_by", unit.startedBy),
                (
                    "note",
                    "matched by its command: the first exec of it by a child of PID 1 after systemd-run; the unit's later processes share cgroup_id"
                ),
            ],
            dedupKey: "\(Self.unitRule)|process|\(unit.lineageUid)|\(unit.unit)|\(commandLine)")
    }

    static let uncorrelated =
        "the unit's processes are PID 1's children, outside the lineage; only a transient unit's command is matched to its process"

    private func unitStartAlert(_ e: ExecEvent, _ args: [String], _ context: DetectionContext) -> Alert? {
        guard let (verb, words) = SystemctlUnits.starting(args: args) else { return nil }
        let uid = e.header.lineageUid
        var findings: [String] = []
        var started: [String] = []
        for word in words {
            if word.utf8.contains(0x2f) && word.contains("/") {  // bytes first: a "/" Character is its byte
                let path = ArgumentAbuseRules.normalize(word)
                let unit = SystemctlUnits.unit(ofPath: path) ?? String(path.split(separator: "/").last ?? "")
                if SystemctlUnits.unit(ofPath: path) == nil {
                    findings.append("\(verb) of the unit file \(path), outside the unit directories")
                    units.record(
                        unit: unit, UnitMemory.Written(lineageUid: uid, path: path, how: "systemctl \(verb) \(path)"))
                    started.append(unit)
                } else if let w = units.written(unit, lineageUid: uid) {
                    findings.append("\(verb) of \(unit), which this lineage wrote (\(w.path): \(w.how))")
                    started.append(unit)
                }
                continue
            }
            let unit = SystemctlUnits.unitName(word)
            if let w = units.written(unit, lineageUid: uid) {
                findings.append("\(verb) of \(unit), which this lineage wrote (\(w.path): \(w.how))")
                started.append(unit)
            }
        }
        guard !findings.isEmpty else { return nil }
        let extra: [(String, String)] = [
            ("unit", started.joined(separator: ", ")),
            ("unit_cgroup", started.map { "system.slice/\($0)" }.joined(separator: ", ")),
            ("note", Self.uncorrelated),
        ]
        return RootEquivalentAlert.make(
            rule: Self.unitRule, e,
            title: { user, command in "\(user)'s lineage started a unit it wrote, outside its lineage: \(command)" },
            findings: findings, extra: extra, context: context)
    }

    /// Unit files named as write destinations by the lineage's commands (`cp x /lib/systemd/system/`).
    private func rememberUnitDestinations(_ e: ExecEvent, program: String, args: [String]) {
        for dest in WriteDestinations.of(program: program, args: args) where dest.path.hasPrefix("/") {
            for raw in dest.writtenPaths {
                let path = ArgumentAbuseRules.normalize(raw)
                guard let unit = SystemctlUnits.unit(ofPath: path),
                    !ArgumentAbuseRules.expected(path, program: e.path, by: settings.expectedWrites)
                else { continue }
                units.record(
                    unit: unit,
                    UnitMemory.Written(
                        lineageUid: e.header.lineageUid, path: path,
                        how: "\(dest.how) in \(ShellWord.commandLine(e.args)) (pid \(e.header.tgid))"))
            }
        }
    }

    /// Unit files the lineage changed, from the file-change monitor's events (the
    /// unit directories it watches: `/etc/systemd/system` by default).
    private func rememberUnitWrite(_ e: FileChangeEvent, context: DetectionContext) {
        let h = e.header
        guard e.succeeded, h.hasLineage, context.config.watchedUids.contains(h.lineageUid) else { return }
        let raw: [UInt8]
        switch e.operation {
        case .openWrite: raw = e.pathBytes
        case .rename, .link: raw = e.path2Bytes
        case .unlink: return
        }
        let path = String(decoding: WatchedPath.normalise(raw), as: UTF8.self)
        guard let unit = SystemctlUnits.unit(ofPath: path) else { return }
        let program = context.processes.lookup(h.tgid).map(\.path)
        if ArgumentAbuseRules.expected(path, program: program, by: settings.expectedWrites) { return }
        units.record(
            unit: unit,
            UnitMemory.Written(
                lineageUid: h.lineageUid, path: path,
                how: "\(e.operation.name) by \(program ?? "'\(h.comm)'") (pid \(h.tgid))"))
    }
}

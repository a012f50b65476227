// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchConfig
import RigwatchCore
import RigwatchService
import RigwatchSources

/// The posture checks as `check-host` and the service run them: read the host
/// (`HostPostureReader`, and the sensor's state file), then judge (`HostPosture`).
enum HostPostureCheck {
    /// `root`: nil for this machine (then `sshd -T` and socket owners too); `judgeSensor`:
    /// false in the service, which knows it is running.
    static func findings(_ settings: SensorConfig, root: String?, judgeSensor: Bool = true) -> [PostureFinding] {
        let files = RootedHostFiles(root: root ?? "/")
        let reader = HostPostureReader(files: files, live: root == nil)
        var inputs = reader.read(
            watched: settings.watchUsers, groups: settings.policy.rootEquivalentGroups,
            canon: canon(settings.policy.mergedUsr, root: root))
        if judgeSensor { inputs.sensor = sensorFacts(settings.service.stateFile, files: files, live: root == nil) }
        return HostPosture.findings(inputs)
    }

    /// /bin → usr/bin in the tree judged (`policy.merged_usr`, auto: from its /bin link).
    static func canon(_ setting: PolicyConfig.MergedUsr, root: String?) -> PathCanon {
        guard let root, setting == .auto else { return PolicyBuilder.pathCanon(setting) }
        let target = try? FileManager.default.destinationOfSymbolicLink(atPath: root + "/bin")
        return target == "usr/bin" || target == "/usr/bin" ? .mergedUsr : .identity
    }

    /// The state file as `rigwatch status` judges it (under --root the pid is not looked at).
    static func sensorFacts(_ path: String, files: RootedHostFiles, live: Bool) -> SensorHealthPosture.Facts {
        var facts = SensorHealthPosture.Facts(stateFile: path, state: .missing)
        let real = files.real(path)
        guard let data = FileManager.default.contents(atPath: real) else {
            if access(real, F_OK) == 0 { facts.state = .unreadable(String(cString: strerror(EACCES))) }
            return facts
        }
        let state: ServiceState
        do { state = try ServiceState.decode(data) } catch {
            facts.state = .unreadable("not a rigwatch state file: \(error)")
            return facts
        }
        let alive = live ? StatusReport.pidAlive(state.pid) : true
        switch StatusReport.verdict(state, now: Date().timeIntervalSince1970, pidAlive: alive) {
        case .running: facts.state = .running
        case .stopped: facts.state = .stopped(reason: state.stopReason)
        case .stale(_, let pidAlive): facts.state = .stale(pidAlive: pidAlive)
        case .missing: facts.state = .missing
        }
        facts.kernelDroppedEvents = state.kernelDroppedEvents
        facts.inactiveFeatures = (state.features ?? []).filter { !$0.active }.map(\.label)
        facts.lastError = state.lastError
        return facts
    }
}

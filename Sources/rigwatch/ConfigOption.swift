// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchConfig
import RigwatchCore
import RigwatchService
import RigwatchSources

/// `--config FILE`, shared by the commands that read the configuration. Without it,
/// the installed configuration (/etc/rigwatch/rigwatch.yaml) when there is one, so a
/// command on an installed host sees what the service runs with.
struct ConfigOption: ParsableArguments {
    @Option(
        name: .customLong("config"),
        help: "YAML configuration file (every key optional; default: /etc/rigwatch/rigwatch.yaml when present).")
    var explicitPath: String?

    /// `$RIGWATCH_DEFAULT_CONFIG` stands in for it in tests (never the real /etc).
    static var installedPath: String {
        ProcessInfo.processInfo.environment["RIGWATCH_DEFAULT_CONFIG"] ?? InstallLayout().config
    }

    /// The file in force: --config, else the installed one when it exists, else none (defaults).
    var path: String? {
        explicitPath ?? (FileManager.default.fileExists(atPath: Self.installedPath) ? Self.installedPath : nil)
    }

    /// The configuration, or defaults without a file. Errors name file, line and column.
    func load() throws -> SensorConfig {
        try read().config
    }

    /// `load`, with where each key was written (for `StartChecks`).
    func read() throws -> LoadedConfig {
        guard let path else { return LoadedConfig() }
        do {
            return try ConfigLoader.read(path: path)
        } catch let error as ConfigError {
            Log.error("invalid configuration: \(error)")
            throw ExitCode(2)
        }
    }
}

/// What every command that loads the sensor does first: refuse when not root
/// (before touching any file), read the configuration, resolve the watched users
/// (--watch-user wins over the config's watch_users). `startChecks` (`run`): then
/// every check run makes before it loads BPF, the ones `check-config` makes (exit 2).
func sensorSetup(
    _ sensor: SensorOptions, _ config: ConfigOption, startChecks: Bool = false
) throws -> (SensorConfig, [WatchedUser]) {
    do { try Preflight.requireRoot() } catch {
        Log.error(error.description)
        throw ExitCode(2)
    }
    let loaded = try config.read()
    let settings = loaded.config
    let watched = resolveUsers(sensor.watchUsers.isEmpty ? settings.watchUsers : sensor.watchUsers)
    if startChecks { try StartChecks.require(loaded, watched: watched) }
    return (settings, watched)
}

/// Resolves user names to uids; unknown users are reported and skipped.
/// `known` (e.g. a trace's own user table) is consulted before this host's passwd.
func resolveUsers(_ names: [String], known: [WatchedUser] = []) -> [WatchedUser] {
    var users: [WatchedUser] = []
    for name in names {
        if let user = known.first(where: { $0.name == name || String($0.uid) == name }) {
            users.append(WatchedUser(uid: user.uid, name: user.name))
        } else if let uid = Users.uid(of: name) {
            users.append(WatchedUser(uid: uid, name: Users.name(of: uid) ?? name))
        } else {
            Log.warning("watched user \(name) does not exist on this host; the sensor runs without it")
        }
    }
    return users
}

/// The engine with every detector, configured. Policy errors are reported with
/// their file and line and end the command (exit 2).
/// `hostMountNamespace`: the host's mount namespace inode, so that writes inside
/// containers are told apart. Take it from PID 1 (`/proc/1/ns/mnt`), not from
/// `/proc/self`: the service runs with PrivateTmp/ProtectSystem, which give it a
/// mount namespace of its own. Nil (replay of a trace, tests): every write is judged.
func makeEngine(
    _ settings: SensorConfig, watched: [WatchedUser], sensorPid: UInt32? = nil, gpuSampled: Bool = true,
    hostMountNamespace: UInt32? = nil
) throws -> Engine {
    let detectors = try exitOnPolicyError {
        try detectorSettings(
            settings, watched: watched, sensorPid: sensorPid, gpuSampled: gpuSampled,
            hostMountNamespace: hostMountNamespace)
    }
    let config = EngineConfig(watchedUsers: watched, processTableCapacity: settings.processTableSize)
    return Engine(config: config, detectors: Engine.standardDetectors(detectors))
}

/// Every detector's settings from the configuration: what `makeEngine` builds the
/// engine with and what `ConfigReloader` applies on SIGHUP. Policy errors are thrown
/// (`PolicyBuilder.BuildError`); allowlist host names that do not resolve are warnings.
/// `sensorPid`: protected by the argument-abuse rules (nil: none, e.g. replay).
/// `gpuSampled`: whether the mining detector is to expect GPU samples (a property
/// of this host, not of the file). `hostMountNamespace`: see `makeEngine`.
func detectorSettings(
    _ settings: SensorConfig, watched: [WatchedUser], sensorPid: UInt32?, gpuSampled: Bool,
    hostMountNamespace: UInt32?
) throws -> DetectorSettings {
    let policies = try PolicyBuilder.build(settings.policy, watched: watched)
    var abuse: ArgumentAbuseRules?
    if settings.policy.abuseRules {
        var rules = ArgumentAbuseRules()
        if let sensorPid { rules.sensorPids = [sensorPid] }
        // The watched users' homes are theirs to write; "/" and /nonexistent-style homes are no directory of theirs.
        let homes = watched.compactMap { Users.home(of: $0.uid) }.filter {
            $0 != "/" && FileManager.default.fileExists(atPath: $0)
        }
        rules.untrusted = UntrustedPaths(extra: homes)
        rules.expectedWrites = settings.files.maintenanceRules
        abuse = rules
    }
    let groups = settings.policy.rootEquivalentGroups
    let rootEquivalent = RootEquivalentSettings(
        groups: groups, members: Users.members(of: groups), expectedWrites: settings.files.maintenanceRules)
    return DetectorSettings(
        policies: policies, abuse: abuse,
        network: networkSettings(settings),
        mining: settings.mining.settings.map {
            var m = $0
            m.expectGPU = gpuSampled
            return m
        },
        files: settings.files.settings(hostMountNamespace: hostMountNamespace),
        tamper: settings.tamper.settings(repeatWindowSeconds: UInt64(max(1, settings.alerts.dedupWindowSeconds))),
        runtimeSockets: RuntimeSocketSettings(paths: settings.policy.runtimeSockets),
        rootEquivalent: rootEquivalent, auth: settings.auth.settings)
}

/// The network detectors' settings, host names in allowlists resolved now; a name
/// that does not resolve is a warning, not an error.
func networkSettings(_ settings: SensorConfig) -> NetworkSettings {
    let (network, warnings) = NetworkSettingsBuilder.build(settings.network)
    for warning in warnings { Log.warning(warning) }
    return network
}

/// `detectorSettings` for the commands that only read the policy: errors end the command (exit 2).
func detectorSettingsExitingOnError(_ settings: SensorConfig, watched: [WatchedUser]) throws -> DetectorSettings {
    try exitOnPolicyError {
        try detectorSettings(settings, watched: watched, sensorPid: nil, gpuSampled: false, hostMountNamespace: nil)
    }
}

func buildPolicies(_ settings: SensorConfig, watched: [WatchedUser]) throws -> PolicySet {
    try exitOnPolicyError { try PolicyBuilder.build(settings.policy, watched: watched) }
}

/// A policy error is reported with its file and line and ends the command (exit 2).
private func exitOnPolicyError<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as PolicyBuilder.BuildError {
        Log.error("invalid policy: \(error)")
        throw ExitCode(2)
    }
}

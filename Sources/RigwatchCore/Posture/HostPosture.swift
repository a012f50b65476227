// SPDX-License-Identifier: Apache-2.0
/// Everything `check-host` judges, read beforehand (the reader is
/// `HostPostureReader`; this is pure), and the checks run over it.
public struct HostPostureInputs: Equatable, Sendable {
    public var watchedUsers: [String]
    public var rootEquivalentGroups: [String]
    public var accounts: AccountDatabase
    public var canon: PathCanon
    /// /etc/sudoers and what it includes, in the order sudo reads them.
    public var sudoers: [SudoersPosture.File]
    /// The effective sshd settings; nil when sshd has no configuration here.
    public var sshd: [String: SSHDPosture.Setting]?
    public var secrets: [SecretFilesPosture.Candidate]
    public var corePattern: String?
    public var suidDumpable: String?
    public var limits: [CoreDumpPosture.LimitsFile]
    public var listeners: [ListeningSocketsPosture.Listener]
    /// Socket inode → owner; nil when not looked up (--root).
    public var socketOwners: [UInt64: String]?
    /// Nil: not judged (the service judging itself).
    public var sensor: SensorHealthPosture.Facts?
    /// Files a check needed that exist but could not be read (not root): what was not judged.
    public var unreadable: [String] = []

    public init(
        watchedUsers: [String], rootEquivalentGroups: [String] = RootEquivalentSettings.defaultGroups,
        accounts: AccountDatabase, canon: PathCanon = .identity, sudoers: [SudoersPosture.File] = [],
        sshd: [String: SSHDPosture.Setting]? = nil, secrets: [SecretFilesPosture.Candidate] = [],
        corePattern: String? = nil, suidDumpable: String? = nil, limits: [CoreDumpPosture.LimitsFile] = [],
        listeners: [ListeningSocketsPosture.Listener] = [], socketOwners: [UInt64: String]? = nil,
        sensor: SensorHealthPosture.Facts? = nil
    ) {
        self.watchedUsers = watchedUsers
        self.rootEquivalentGroups = rootEquivalentGroups
        self.accounts = accounts
        self.canon = canon
        self.sudoers = sudoers
        self.sshd = sshd
        self.secrets = secrets
        self.corePattern = corePattern
        self.suidDumpable = suidDumpable
        self.limits = limits
        self.listeners = listeners
        self.socketOwners = socketOwners
        self.sensor = sensor
    }
}

public enum HostPosture {
    /// Every check's findings, worst first.
    public static func findings(_ inputs: HostPostureInputs) -> [PostureFinding] {
        var all = SudoersPosture.check(
            inputs.sudoers, watched: inputs.watchedUsers, accounts: inputs.accounts, canon: inputs.canon)
        if let sshd = inputs.sshd { all += SSHDPosture.check(sshd) }
        all += SecretFilesPosture.check(inputs.secrets)
        all += CoreDumpPosture.check(
            corePattern: inputs.corePattern, suidDumpable: inputs.suidDumpable, limits: inputs.limits)
        all += ListeningSocketsPosture.check(inputs.listeners, owners: inputs.socketOwners)
        all += RootGroupsPosture.check(
            watched: inputs.watchedUsers, groups: inputs.rootEquivalentGroups, accounts: inputs.accounts)
        if let sensor = inputs.sensor { all += SensorHealthPosture.check(sensor) }
        all += inputs.unreadable.map {
            PostureFinding(
                id: "file-not-readable", severity: .info, title: "a file the checks need could not be read",
                evidence: [("path", $0)], fix: "run check-host as root to judge it")
        }
        return PostureFinding.sorted(all)
    }
}

// SPDX-License-Identifier: Apache-2.0
/// Every detector's settings, as one configuration gives them: what the engine is
/// built with at start and what its detectors take on reload (SIGHUP). A nil part
/// leaves that detector out at start (`Engine.standardDetectors`) and unchanged on
/// reload. The user names for alerts are not here: they are fixed at start.
public struct DetectorSettings {
    public var policies: PolicySet?
    public var abuse: ArgumentAbuseRules?
    public var network: NetworkSettings?
    public var mining: MiningSettings?
    public var files: FileWatchSettings?
    public var tamper: TamperSettings?
    public var runtimeSockets: RuntimeSocketSettings?
    public var rootEquivalent: RootEquivalentSettings?
    public var auth: AuthSettings?

    public init(
        policies: PolicySet? = nil, abuse: ArgumentAbuseRules? = ArgumentAbuseRules(),
        network: NetworkSettings? = nil, mining: MiningSettings? = nil, files: FileWatchSettings? = nil,
        tamper: TamperSettings? = nil, runtimeSockets: RuntimeSocketSettings? = nil,
        rootEquivalent: RootEquivalentSettings? = nil, auth: AuthSettings? = nil
    ) {
        self.policies = policies
        self.abuse = abuse
        self.network = network
        self.mining = mining
        self.files = files
        self.tamper = tamper
        self.runtimeSockets = runtimeSockets
        self.rootEquivalent = rootEquivalent
        self.auth = auth
    }
}

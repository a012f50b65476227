// SPDX-License-Identifier: Apache-2.0
/// Judges PAM's audit records (`AuthEvent`): password guessing against an account
/// or from an address, root logging in over SSH, a watched account logging in from
/// an address its allow-list does not hold, and a watched account failing sudo.
public final class AuthDetector: Detector {
    public let name = "auth"
    public private(set) var settings: AuthSettings
    /// Times of recent failures, by "account:NAME" or "address:ADDR".
    private var failures: [String: [UInt64]] = [:]
    /// The pid of the last root SSH login alerted on: its USER_AUTH and USER_LOGIN are one login.
    private var lastRootLoginPid: UInt32?

    public init(settings: AuthSettings) { self.settings = settings }

    public func apply(_ settings: DetectorSettings) {
        if let auth = settings.auth { self.settings = auth }
    }

    public var observes: EventKinds { [.auth] }

    public func observe(_ event: Event, context: DetectionContext) -> [Alert] {
        guard case .auth(let e) = event else { return [] }
        var alerts: [Alert] = []
        let isAuthOrLogin = e.recordType == AuthRecordType.userAuth || e.recordType == AuthRecordType.userLogin
        if e.recordType == AuthRecordType.userAuth && !e.success {
            if !e.acct.isEmpty, let a = burst(e, key: "account", value: e.acct, context: context) { alerts.append(a) }
            if !e.addr.isEmpty, let a = burst(e, key: "address", value: e.addr, context: context) { alerts.append(a) }
            if e.service == "sudo" && isWatched(e, context: context) {
                alerts.append(
                    alert(
                        "auth-sudo-failure", .medium, "Watched account \(e.acct) failed sudo authentication", e,
                        context: context, dedupKey: "auth-sudo-failure:\(e.acct)"))
            }
        }
        if isAuthOrLogin && e.success {
            if e.acct == "root" && e.service == "sshd" && lastRootLoginPid != e.pid {
                lastRootLoginPid = e.pid
                alerts.append(
                    alert(
                        "auth-root-ssh-login", .high, "root logged in over SSH from \(place(e))", e, context: context,
                        dedupKey: "auth-root-ssh-login:\(e.addr)"))
            }
            if let allowed = settings.allowedAddresses[e.acct], !allowed.isEmpty, !isAllowed(e.addr, allowed) {
                alerts.append(
                    alert(
                        "auth-watched-login-unexpected-address", .medium,
                        "\(e.acct) logged in from \(place(e)), which its allow-list does not hold", e,
                        context: context, dedupKey: "auth-watched-login-unexpected-address:\(e.acct):\(e.addr)",
                        extra: [("allowed", allowed.map(\.description).joined(separator: ","))]))
            }
        }
        return alerts
    }

    /// Counts one failure under `key`; at the threshold, an alert and a fresh count.
    private func burst(_ e: AuthEvent, key: String, value: String, context: DetectionContext) -> Alert? {
        let id = "\(key):\(value)"
        let windowNs = settings.windowSeconds &* 1_000_000_000
        var times = failures[id, default: []].filter { e.timestampNs &- $0 < windowNs && $0 <= e.timestampNs }
        times.append(e.timestampNs)
        guard times.count >= settings.failures else {
            failures[id] = times
            if failures.count > 4096 { prune(now: e.timestampNs, windowNs: windowNs) }
            return nil
        }
        failures[id] = nil
        return alert(
            "auth-brute-force", .high,
            "\(times.count) failed authentications for \(key) \(value) within \(settings.windowSeconds) s (\(e.service))",
            e, context: context, dedupKey: "auth-brute-force:\(id)",
            extra: [
                ("burst_by", key), ("failures", String(times.count)),
                ("window_seconds", String(settings.windowSeconds)),
            ])
    }

    private func prune(now: UInt64, windowNs: UInt64) {
        failures = failures.filter { now &- ($0.value.last ?? 0) < windowNs }
    }

    private func isWatched(_ e: AuthEvent, context: DetectionContext) -> Bool {
        context.config.watchedUids.contains(e.uid) || context.config.userNames.values.contains(e.acct)
    }

    private func isAllowed(_ addr: String, _ allowed: [CIDR]) -> Bool {
        guard let ip = IPAddress(addr) else { return false }
        return allowed.contains { $0.contains(ip) }
    }

    private func place(_ e: AuthEvent) -> String { e.addr.isEmpty ? (e.hostname.isEmpty ? "?" : e.hostname) : e.addr }

    private func alert(
        _ rule: String, _ severity: Severity, _ title: String, _ e: AuthEvent, context: DetectionContext,
        dedupKey: String, extra: [(String, String)] = []
    ) -> Alert {
        var evidence: [(String, String)] = [
            ("account", e.acct), ("service", e.service), ("exe", e.exe), ("address", e.addr),
            ("hostname", e.hostname), ("terminal", e.terminal), ("record_type", e.typeName), ("op", e.op),
            ("result", e.resultName), ("pid", String(e.pid)), ("uid", String(e.uid)),
        ]
        evidence += extra
        return Alert(
            rule: rule, severity: severity, title: title, eventTimeNs: e.timestampNs, chain: context.chain(of: e.pid),
            evidence: evidence, dedupKey: dedupKey)
    }
}

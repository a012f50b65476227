// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// `auth:` — PAM's audit records (logins, su, sudo), read from the audit multicast group.
public struct AuthConfig: Equatable, Sendable {
    /// `enabled` (true): false stops reading the records and turns the auth rules off.
    public var enabled = true
    /// `failures` (5): failed authentications of one account or from one address that make a burst (1...1000).
    public var failures = 5
    /// `window_seconds` (60): the burst's window (1...86400).
    public var windowSeconds = 60
    /// `allowed_addresses` ({}): account -> addresses and CIDR blocks it may log in from,
    /// checked when parsed. An account without an entry is not checked.
    public var allowedAddresses: [String: [String]] = [:]

    public init() {}

    /// The detector's settings, or nil when off. Entries were checked when parsed.
    public var settings: AuthSettings? {
        guard enabled else { return nil }
        return AuthSettings(
            failures: failures, windowSeconds: UInt64(windowSeconds),
            allowedAddresses: allowedAddresses.mapValues { $0.compactMap(CIDR.init) })
    }
}

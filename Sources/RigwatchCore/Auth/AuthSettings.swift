// SPDX-License-Identifier: Apache-2.0
/// What the auth detector judges by (`auth:` in the configuration).
public struct AuthSettings: Equatable, Sendable {
    /// Failed authentications of one account, or from one address, that make a burst.
    public var failures: Int
    public var windowSeconds: UInt64
    /// Account -> where it may log in from; an account without an entry is not checked.
    public var allowedAddresses: [String: [CIDR]]

    public init(failures: Int = 5, windowSeconds: UInt64 = 60, allowedAddresses: [String: [CIDR]] = [:]) {
        self.failures = max(1, failures)
        self.windowSeconds = windowSeconds
        self.allowedAddresses = allowedAddresses
    }
}

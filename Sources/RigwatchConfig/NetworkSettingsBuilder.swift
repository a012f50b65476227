// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns `network:` from the configuration into the detectors' settings, resolving
/// host names in the allowlists here (at load and on reload) so the engine never
/// does I/O. A name that does not resolve is a warning for the caller to log, not
/// an error: a DNS hiccup at start must not keep the sensor down.
public enum NetworkSettingsBuilder {
    public struct ResolveError: Error, Equatable {
        public var message: String
        public init(_ message: String) { self.message = message }
    }

    /// Host name -> its addresses.
    public typealias Resolver = (String) -> Result<[IPAddress], ResolveError>

    public static func build(
        _ config: NetworkConfig, resolve: Resolver = resolveWithGetaddrinfo
    )
        -> (settings: NetworkSettings, warnings: [String])
    {
        var warnings: [String] = []
        func blocks(_ entries: [NetworkConfig.Destination], key: String) -> [CIDR] {
            var result: [CIDR] = []
            for entry in entries {
                switch entry.target {
                case .block(let block):
                    result.append(block)
                case .host(let name):
                    switch resolve(name) {
                    case .success(let addresses) where !addresses.isEmpty:
                        result += addresses.map { CIDR($0) }
                    case .success:
                        warnings.append("\(entry.origin): \(key): host name '\(name)' has no addresses; ignored")
                    case .failure(let error):
                        warnings.append(
                            "\(entry.origin): \(key): host name '\(name)' does not resolve (\(error.message)); ignored")
                    }
                }
            }
            return result
        }

        let e = config.exfiltration
        // Resolved once: both detectors take the same trusted peers.
        let trusted = blocks(config.trustedDestinations, key: ConfigKeys.Network.trustedDestinations.path)
        let exfiltration = ExfiltrationSettings(
            windowSeconds: UInt64(max(1, e.windowSeconds)), bytesPerWindow: UInt64(max(0, e.bytesPerWindow)),
            sustainedBytesPerSecond: UInt64(max(0, e.sustainedBytesPerSecond)),
            sustainedSeconds: UInt64(max(0, e.sustainedSeconds)),
            allow: blocks(e.allow, key: ConfigKeys.Exfiltration.allow.path), allowPrivate: config.allowPrivate,
            trusted: trusted, budgets: e.budgets)
        // The watched users' repeat window follows the exfiltration window: one knob for "how often to hear about it".
        let outbound = WatchedOutboundSettings(
            allow: blocks(config.watchedUserAllow, key: ConfigKeys.Network.watchedUserAllow.path) + trusted,
            allowPrivate: config.allowPrivate, windowSeconds: exfiltration.windowSeconds,
            allowPrograms: config.watchedUserAllowPrograms)
        return (NetworkSettings(exfiltration: exfiltration, watchedOutbound: outbound), warnings)
    }

    /// Every IPv4 and IPv6 address the system resolver gives for `host`.
    public static func resolveWithGetaddrinfo(_ host: String) -> Result<[IPAddress], ResolveError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)  // one entry per address, not one per socket type
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { return .failure(ResolveError(String(cString: gai_strerror(status)))) }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var node = list
        while let info = node?.pointee {
            node = info.ai_next
            guard let sockaddr = info.ai_addr else { continue }
            var address: IPAddress?
            if info.ai_family == AF_INET {
                let sin = UnsafeRawPointer(sockaddr).loadUnaligned(as: sockaddr_in.self)
                address = IPAddress(family: .ipv4, bytes: withUnsafeBytes(of: sin.sin_addr) { Array($0) })
            } else if info.ai_family == AF_INET6 {
                let sin6 = UnsafeRawPointer(sockaddr).loadUnaligned(as: sockaddr_in6.self)
                address = IPAddress(family: .ipv6, bytes: withUnsafeBytes(of: sin6.sin6_addr) { Array($0) })
            }
            if let address, !addresses.contains(address) { addresses.append(address) }
        }
        return .success(addresses)
    }
}

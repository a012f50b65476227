// SPDX-License-Identifier: Apache-2.0
extension CIDR {
    /// The block the long-horizon budgets count a destination in: the /24 of an
    /// IPv4 address (also written IPv4-mapped), the /64 of an IPv6 one. One host
    /// usually owns a /64, and a provider hands out neighbouring IPv4 addresses,
    /// so spreading a transfer over the addresses next to each other does not
    /// split it into budgets of its own.
    static func budgetBlock(of address: IPAddress) -> CIDR {
        if let v4 = address.embeddedIPv4 {
            return CIDR(network: IPAddress(ipv4: v4 & 0xffff_ff00), prefixLength: 24) ?? CIDR(IPAddress(ipv4: v4))
        }
        let network = IPAddress(family: .ipv6, high: address.high, low: 0)
        return CIDR(network: network, prefixLength: 64) ?? CIDR(address)
    }
}

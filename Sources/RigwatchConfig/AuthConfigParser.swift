// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import Yams

extension ConfigLoader {
    /// The `auth:` section; every allow-list entry must be an address or a CIDR block.
    static func parseAuth(_ node: Node, nodes: YAMLNodes) throws -> AuthConfig {
        var auth = AuthConfig()
        for (key, value) in try nodes.mapping(node, ConfigKeys.Auth.self) {
            let path = key.path
            switch key {
            case .enabled: auth.enabled = try nodes.bool(value, at: path)
            case .failures: auth.failures = try nodes.int(value, at: path, range: 1...1000)
            case .windowSeconds: auth.windowSeconds = try nodes.int(value, at: path, range: 1...86_400)
            case .allowedAddresses:
                for (account, listNode) in try nodes.mapping(value, at: path, known: nil) {
                    let listPath = "\(path).\(account)"
                    let entries = try nodes.stringList(listNode, at: listPath)
                    for entry in entries {
                        do {
                            _ = try CIDR.parse(entry)
                        } catch {
                            throw nodes.error(listNode, "\(listPath): \(error)")
                        }
                    }
                    auth.allowedAddresses[account] = entries
                }
            }
        }
        return auth
    }
}

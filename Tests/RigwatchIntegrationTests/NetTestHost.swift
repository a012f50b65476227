// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchTestSupport
import XCTest

/// A second test host: a network namespace (rwtest…) joined to this one by a veth
/// pair, with addresses that exist only inside what the test creates. Removed
/// afterwards, even on failure; nothing else on the host is touched.
final class NetTestHost {
    let namespace: String
    let hostInterface: String
    let hostAddress: String
    let peerAddress: String
    private var sink: Process?

    init(_ test: XCTestCase, index: Int) throws {
        namespace = "rwtestns\(index)"
        hostInterface = "rwtestv\(index)a"
        let subnet = "10.231.\(index)"
        hostAddress = "\(subnet).1"
        peerAddress = "\(subnet).2"
        NetTestHost.remove(namespace: namespace, interface: hostInterface)
        let ns = namespace
        let iface = hostInterface
        test.addTeardownBlock { [weak self] in
            self?.sink?.terminate()
            self?.sink?.waitUntilExit()
            NetTestHost.remove(namespace: ns, interface: iface)
        }
        let peer = "rwtestv\(index)b"
        for command in [
            "ip netns add \(ns)",
            "ip link add \(iface) type veth peer name \(peer) netns \(ns)",
            "ip addr add \(hostAddress)/30 dev \(iface)",
            "ip link set \(iface) up",
            "ip -n \(ns) addr add \(peerAddress)/30 dev \(peer)",
            "ip -n \(ns) link set \(peer) up",
            "ip -n \(ns) link set lo up",
        ] {
            let r = try runCommand("/bin/sh", ["-c", command])
            guard r.status == 0 else { throw SetupError("`\(command)` failed: \(r.stderr)") }
        }
    }

    static func remove(namespace: String, interface: String) {
        _ = try? runCommand(
            "/bin/sh", ["-c", "ip netns del \(namespace) 2>/dev/null; ip link del \(interface) 2>/dev/null; true"])
    }

    /// Starts the TCP/UDP sink inside the namespace.
    func startSink(tcpPort: Int, udpPort: Int) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = [
            "netns", "exec", namespace, "/usr/bin/env", "python3", NetTestHost.script, "sink", "\(tcpPort)",
            "\(udpPort)",
        ]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        sink = p
        let line = out.fileHandleForReading.availableData
        guard String(decoding: line, as: UTF8.self).contains("ready") else { throw SetupError("sink did not start") }
    }

    static var script: String { Repo.root + "/Tests/Fixtures/helpers/net_traffic.py" }
}

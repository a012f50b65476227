// SPDX-License-Identifier: Apache-2.0
import Foundation
import XCTest

/// Mining signatures live on the real kernel: a watched test user runs a program
/// named like a miner, with stratum arguments, that connects to a listener on a
/// mining-pool port on a test host in a network namespace.
final class MiningKernelTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    func testMinerLikeProcessWithPoolConnectionAlertsLive() throws {
        let user = try TestUser.create(self, suffix: "mine")
        let host = try NetTestHost(self, index: 3)
        try host.startSink(tcpPort: 3333, udpPort: 3334)  // 3333: a well-known pool port
        // A copy of python3 named like a miner: the kernel sees filename and comm "xmrig".
        let dir = NSTemporaryDirectory() + "rwtest-mine-\(getpid())"
        try FileManager.default.createDirectory(
            atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let miner = dir + "/xmrig"
        let python = URL(fileURLWithPath: "/usr/bin/python3").resolvingSymlinksInPath().path  // a link to python3.x
        try FileManager.default.copyItem(atPath: python, toPath: miner)
        chmod(miner, 0o755)
        let config = try scratchConfig(
            self, body: "watch_users: [\(user.name)]\nnetwork:\n  snapshot_interval_seconds: 1\n")

        let sensor = try SensorProcess([
            "run", "--config", config, "--events", "none", "--nvml-library", "/nonexistent/rwtest-libnvidia-ml.so.1",
            "--nvidia-smi", "/nonexistent/rwtest-nvidia-smi",
        ])
        let r = try runCommand(
            "/usr/bin/setpriv",
            user.asUser([
                miner, NetTestHost.script, "tcp", host.peerAddress, "3333", "100000",
                "stratum+tcp://\(host.peerAddress):3333",
            ]))
        XCTAssertEqual(r.status, 0, r.stderr)
        sleep(2)
        let output = sensor.stop()
        let stderrText = sensor.stderrText
        XCTAssertEqual(sensor.status, 0, stderrText)
        // No GPU here: one clear line, and the sensor runs on.
        XCTAssertTrue(stderrText.contains("GPU signal is off"), stderrText)

        let alerts = output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let mining = alerts.filter { $0["rule"] as? String == "crypto-mining" }
        XCTAssertFalse(mining.isEmpty, "no crypto-mining alert: \(alerts.map { $0["rule"] ?? "" })\n\(stderrText)")
        // The escalation (exec signature + pool connection) names the miner itself; the first alert
        // may name setpriv, whose own argv already carried the stratum URL.
        let subject = mining.last?["subject"] as? [String: Any]
        XCTAssertEqual(subject?["exe"] as? String, miner)
        let evidence = (mining.last?["evidence"] as? [String: String]) ?? [:]
        XCTAssertTrue(evidence.values.contains { $0.contains("stratum+tcp://") }, "\(evidence)")
        XCTAssertTrue(evidence.values.contains { $0.contains("3333") }, "the pool connection is evidence: \(evidence)")
    }
}

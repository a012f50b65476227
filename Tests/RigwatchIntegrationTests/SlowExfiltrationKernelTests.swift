// SPDX-License-Identifier: Apache-2.0
import Foundation
import XCTest

/// The long-horizon budgets of `exfiltration` on the real kernel: a watched test user
/// sends slowly (a paced sender, under the short window's thresholds) to a test host
/// on a private address in a network namespace. The hour's budget is shrunk to 4 MB
/// so the test takes seconds; the horizon stays an hour.
final class SlowExfiltrationKernelTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    private func config(user: String, extra: String = "", budget: Int = 4_000_000) throws -> String {
        try scratchConfig(
            self,
            body: """
                watch_users: [\(user)]
                network:
                  snapshot_interval_seconds: 1
                  allow_private: false
                \(extra)
                  exfiltration:
                    window_seconds: 600
                    bytes_per_window: 50000000
                    budgets:
                      - {horizon_seconds: 3600, bytes: \(budget)}
                """)
    }

    /// 6 MB evenly over 8 s (750 kB/s) as `user`; returns the sender's pid.
    private func pacedSend(
        _ user: TestUser, to host: NetTestHost, bytes: Int = 6_000_000, seconds: Int = 8
    ) throws
        -> UInt32
    {
        let r = try runCommand(
            "/usr/bin/setpriv",
            user.asUser([
                "/usr/bin/env", "python3", NetTestHost.script, "paced", host.peerAddress, "5201", "\(bytes)",
                "\(seconds)",
            ]))
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(UInt32(r.stdout.split(separator: "\n").first ?? ""), r.stdout)
    }

    /// The sender's byte snapshots to the test host, in the order the engine took them.
    private func snapshots(_ out: SensorOutput, pids: [UInt32], host: NetTestHost) -> [[String: Any]] {
        out.events("net_bytes").filter {
            pids.contains(($0["pid"] as? NSNumber)?.uint32Value ?? 0) && $0["daddr"] as? String == host.peerAddress
                && ($0["dport"] as? NSNumber)?.intValue == 5201
        }
    }

    private func number(_ o: [String: Any], _ key: String) -> Int { (o[key] as? NSNumber)?.intValue ?? -1 }

    /// The bytes counted when the running total first reached `budget`: what the alert must say.
    private func totalAtCrossing(_ events: [[String: Any]], budget: Int) -> Int? {
        var total = 0
        for e in events {
            total += number(e, "bytes")
            if total >= budget { return total }
        }
        return nil
    }

    private func evidence(_ alert: [String: Any]?) -> [String: String] {
        alert?["evidence"] as? [String: String] ?? [:]
    }

    func testAPacedSlowSenderCrossesTheHourBudgetAndNotTheWindow() throws {
        let user = try TestUser.create(self, suffix: "slx")
        let host = try NetTestHost(self, index: 16)
        try host.startSink(tcpPort: 5201, udpPort: 5202)
        let sensor = try SensorProcess(["run", "--config", try config(user: user.name), "--events", "all"])
        let pid = try pacedSend(user, to: host)
        sleep(2)  // the last snapshot
        let out = SensorOutput(sensor.stop())
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)

        let sent = snapshots(out, pids: [pid], host: host)
        XCTAssertEqual(sent.reduce(0) { $0 + number($1, "bytes") }, 6_000_000, "the kernel counted every byte")
        // Slow: the sends spread over about 8 s, several snapshots, never a burst.
        let spanNs = (sent.map { number($0, "last_ns") }.max() ?? 0) - (sent.map { number($0, "first_ns") }.min() ?? 0)
        XCTAssertGreaterThan(spanNs, 7_000_000_000, "\(sent)")
        XCTAssertGreaterThanOrEqual(sent.count, 6)

        let exfil = out.alerts(rule: "exfiltration")
        XCTAssertEqual(exfil.count, 1, "only the budget; the window (50 MB, 20 MB/s) stays quiet: \(exfil)")
        let alert = try XCTUnwrap(exfil.first)
        let expectedBytes = try XCTUnwrap(totalAtCrossing(sent, budget: 4_000_000))
        XCTAssertEqual(
            evidence(alert),
            [
                "destination": "10.231.16.0/24",
                "addresses": "10.231.16.2:5201/tcp",
                "bytes_in_horizon": "\(expectedBytes)",
                "horizon_seconds": "3600",
                "budget_bytes": "4000000",
                "trigger": "budget_3600s",
                "subject": "\(user.name) (uid \(user.uid)) lineage",
                "process": "python3 (pid \(pid))",
                "cgroup_id": "\(number(sent[0], "cgroup_id"))",
            ])
        XCTAssertEqual(alert["severity"] as? String, "high")
        XCTAssertEqual((alert["subject"] as? [String: Any])?["pid"] as? NSNumber, NSNumber(value: pid))
        XCTAssertEqual(alert["dedup_key"] as? String, "exfiltration|budget:3600|lineage:\(user.uid)|10.231.16.0/24")
    }

    func testTheSameSenderToATrustedPrivateAddressRaisesNone() throws {
        let user = try TestUser.create(self, suffix: "slt")
        let host = try NetTestHost(self, index: 17)
        try host.startSink(tcpPort: 5201, udpPort: 5202)
        let cfg = try config(user: user.name, extra: "  trusted_destinations: [\"10.231.17.0/30\"]")
        let sensor = try SensorProcess(["run", "--config", cfg, "--events", "all"])
        let pid = try pacedSend(user, to: host)
        sleep(2)
        let out = SensorOutput(sensor.stop())
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
        XCTAssertEqual(snapshots(out, pids: [pid], host: host).reduce(0) { $0 + number($1, "bytes") }, 6_000_000)
        XCTAssertEqual(
            out.alerts.filter { ["exfiltration", "watched-user-outbound"].contains($0["rule"] as? String ?? "") }
                .map(jsonText), [])
    }

    func testSIGHUPAppliesANewBudgetToTheBytesAlreadyCounted() throws {
        let user = try TestUser.create(self, suffix: "slh")
        let host = try NetTestHost(self, index: 18)
        try host.startSink(tcpPort: 5201, udpPort: 5202)
        let cfg = try config(user: user.name, budget: 1_000_000_000)
        let sensor = try SensorProcess(["run", "--config", cfg, "--events", "all"])
        let first = try pacedSend(user, to: host, bytes: 3_000_000, seconds: 3)
        sleep(2)  // its last snapshot is read under the old budget
        let text = try String(contentsOfFile: cfg, encoding: .utf8)
        try text.replacingOccurrences(of: "bytes: 1000000000}", with: "bytes: 4000000}")
            .write(toFile: cfg, atomically: true, encoding: .utf8)
        sensor.signal(SIGHUP)
        try sensor.waitForStderr("network.exfiltration.budgets [3600 s: 1000000000 bytes] → [3600 s: 4000000 bytes]")
        let second = try pacedSend(user, to: host, bytes: 3_000_000, seconds: 3)
        sleep(2)
        let out = SensorOutput(sensor.stop())
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)

        let sent = snapshots(out, pids: [first, second], host: host)
        XCTAssertEqual(sent.reduce(0) { $0 + number($1, "bytes") }, 6_000_000)
        let exfil = out.alerts(rule: "exfiltration")
        XCTAssertEqual(exfil.count, 1, "\(exfil)")
        // The first sender's 3 MB still count under the new budget: the counter's horizon did not change.
        let expectedBytes = try XCTUnwrap(totalAtCrossing(sent, budget: 4_000_000))
        XCTAssertGreaterThan(expectedBytes, 3_000_000)
        let found = evidence(exfil.first)
        XCTAssertEqual(found["bytes_in_horizon"], "\(expectedBytes)")
        XCTAssertEqual(found["budget_bytes"], "4000000")
        XCTAssertEqual(found["process"], "python3 (pid \(second))")
        XCTAssertEqual(found["sender_pids"], "\(first), \(second)")
    }
}

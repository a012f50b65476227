// SPDX-License-Identifier: Apache-2.0
import RigwatchTestSupport
import XCTest

@testable import RigwatchCore

/// A stratum login on the wire in the mining detector: high on its own, whatever
/// the name, port or arguments, with its evidence; ordinary first bytes raise nothing.
final class StratumMiningTests: XCTestCase {
    typealias S = MiningScenario
    static let login =
        #"{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"4Ad.rig","pass":"x","agent":"XMRig/6.21.0"}}"#
        + "\n"

    private func evidence(_ alert: Alert?) -> [String: String] {
        Dictionary((alert?.evidence ?? []).map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
    }

    func testStratumLoginAloneIsOneHighAlertWithItsEvidence() throws {
        let alerts = S.run([
            S.exec(
                900, ["/home/u/.local/bin/worker", "--config", "/home/u/w.json"], ts: 10 * S.second, lineage: S.kaalia),
            S.firstPayload(900, Self.login, port: 7011, ts: 11 * S.second, lineage: S.kaalia),
        ])
        XCTAssertEqual(alerts.count, 1)
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertEqual(alert.rule, "crypto-mining")
        XCTAssertEqual(alert.severity, .high)
        XCTAssertEqual(
            alert.title,
            "Crypto-mining suspected (stratum-protocol): stratum login by worker in vastai_kaalia (uid 1001) lineage")
        XCTAssertEqual(alert.eventTimeNs, 11 * S.second, "raised at once, no hold for the GPU")
        XCTAssertEqual(
            evidence(alert),
            [
                "signals": "stratum-protocol",
                "agreeing": "1 of 4 independent signals",
                "subject": "vastai_kaalia (uid 1001) lineage",
                "stratum": "login to 203.0.113.20:7011/tcp by pid 900 /home/u/.local/bin/worker",
                "stratum_method": "login",
                "stratum_destination": "203.0.113.20:7011",
                "stratum_agent": "XMRig/6.21.0",
                "stratum_login": "4Ad.rig",
                "stratum_exe": "/home/u/.local/bin/worker",
                "stratum_payload": String(Self.login.dropLast()) + "\\x0a",
                "incident_start_ns": "11000000000",
            ])
        XCTAssertEqual(alert.subject?.exe, "/home/u/.local/bin/worker")
    }

    /// A container's process whose exec was never seen: named by its comm, subject the cgroup.
    func testUnknownProcessInAContainerIsNamedByItsComm() throws {
        let alerts = S.run([
            S.firstPayload(
                77, #"{"id":1,"method":"mining.subscribe","params":["bzminer/17"]}"#, ts: S.second, cgroup: 6100,
                comm: "svc")
        ])
        XCTAssertEqual(alerts.map(\.severity), [.high])
        let e = evidence(alerts.first)
        XCTAssertEqual(e["subject"], "cgroup 6100")
        XCTAssertEqual(e["stratum_agent"], "bzminer/17")
        XCTAssertEqual(e["stratum_exe"], "svc (comm; exec not seen)")
        XCTAssertNil(e["stratum_login"])
    }

    /// Joined by a busy GPU it escalates to critical; a repeat login raises nothing more.
    func testEscalatesWithTheGPUAndRepeatsStayQuiet() {
        var events: [Event] = [
            S.firstPayload(900, Self.login, ts: 10 * S.second, lineage: S.kaalia),
            S.firstPayload(900, Self.login, ts: 12 * S.second, lineage: S.kaalia),
        ]
        events += S.gpu(from: 10, to: 80, util: 99, pids: [900])
        let alerts = S.run(events)
        XCTAssertEqual(alerts.map(\.severity), [.high, .critical])
        XCTAssertEqual(evidence(alerts.last)["escalation"], "high → critical: gpu-busy joined")
    }

    func testOrdinaryFirstBytesRaiseNothing() {
        let alerts = S.run([
            S.firstPayload(
                901, "POST /x HTTP/1.1\r\nHost: a\r\n\r\n{\"method\":\"mining.subscribe\"}", port: 3333,
                ts: S.second, lineage: S.kaalia),
            S.firstPayload(902, #"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}"#, ts: S.second),
            S.firstPayload(903, "SSH-2.0-OpenSSH_9.2\r\n", ts: S.second),
        ])
        XCTAssertEqual(alerts.map(\.title), [])
    }

    func testSeverityOfSignalSets() {
        XCTAssertEqual(MiningSignal.severity(of: [.stratum]), .high)
        XCTAssertEqual(MiningSignal.severity(of: [.poolConnection]), .low)
        XCTAssertEqual(MiningSignal.severity(of: [.stratum, .poolConnection]), .critical)
        XCTAssertEqual(MiningSignal.severity(of: [.execSignature, .poolConnection]), .high)
        XCTAssertEqual(MiningSignal.severity(of: [.stratum, .execSignature, .gpuBusy]), .critical)
    }
}

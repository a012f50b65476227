// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchCore
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// The long-horizon budgets on a trace recorded on the real kernel by
/// Tests/Fixtures/traces/record-slow-exfiltration.sh: a watched test user sent 6 MB
/// evenly over 8 s to a test host on a private address (10.231.19.2).
final class RecordedSlowExfiltrationTraceTests: XCTestCase {
    private func trace() throws -> TraceReadResult {
        try TraceFile.read(path: Repo.fixture("traces") + "/exfiltration-slow-recorded.rwtrace")
    }

    private func replay(_ yaml: String) throws -> [Alert] {
        let trace = try trace()
        let built = NetworkSettingsBuilder.build(try ConfigLoader.parse(yaml).network)
        XCTAssertEqual(built.warnings, [])
        let users = trace.header.watchedUsers
        let engine = Engine(
            config: EngineConfig(
                watchedUids: users.map(\.uid),
                userNames: Dictionary(uniqueKeysWithValues: users.map { ($0.uid, $0.name) })),
            detectors: Engine.standardDetectors(network: built.settings))
        return trace.events.flatMap(engine.consume)
    }

    /// The snapshots of the transfer, in trace order.
    private func snapshots() throws -> [NetBytesEvent] {
        try trace().events.compactMap {
            guard case .netBytes(let e) = $0, e.destination.description == "10.231.19.2", e.destinationPort == 5201
            else { return nil }
            return e
        }
    }

    private let budget = """
        network:
          allow_private: false
          exfiltration:
            bytes_per_window: 50000000
            budgets:
              - {horizon_seconds: 3600, bytes: 4000000}
        """

    func testTheRecordedSlowTransferCrossesTheShrunkenHourBudgetOnce() throws {
        let user = try XCTUnwrap(try trace().header.watchedUsers.first { $0.name == "rwtestslr" })
        let sent = try snapshots()
        XCTAssertEqual(sent.reduce(UInt64(0)) { $0 + $1.bytes }, 6_000_000, "the kernel counted every byte")
        let spanNs = (sent.map(\.lastNs).max() ?? 0) - (sent.map(\.firstNs).min() ?? 0)
        XCTAssertGreaterThan(spanNs, 7_000_000_000, "paced over about 8 s")
        // The alert counts what the snapshots held when their running total first reached 4 MB.
        var total: UInt64 = 0
        let crossing = try XCTUnwrap(
            sent.first {
                total += $0.bytes
                return total >= 4_000_000
            })
        let sender = crossing.header.tgid

        let alerts = try replay(budget)
        XCTAssertEqual(alerts.map(\.rule), ["watched-user-outbound", "exfiltration"], "the window stays quiet")
        let alert = try XCTUnwrap(alerts.last)
        XCTAssertEqual(alert.eventTimeNs, crossing.header.timestampNs)
        XCTAssertEqual(
            alert.evidence.map(\.0),
            [
                "destination", "addresses", "bytes_in_horizon", "horizon_seconds", "budget_bytes", "trigger", "subject",
                "process", "cgroup_id",
            ])
        XCTAssertEqual(
            alert.evidence.map(\.1),
            [
                "10.231.19.0/24", "10.231.19.2:5201/tcp", String(total), "3600", "4000000", "budget_3600s",
                "rwtestslr (uid \(user.uid)) lineage", "python3 (pid \(sender))", String(crossing.header.cgroupId),
            ])
        XCTAssertEqual(alert.dedupKey, "exfiltration|budget:3600|lineage:\(user.uid)|10.231.19.0/24")
        XCTAssertEqual(alert.subject?.exe, "/usr/bin/python3")
        XCTAssertEqual(alert.subject?.argv.suffix(5), ["paced", "10.231.19.2", "5201", "6000000", "8"])
        XCTAssertEqual(try replay(budget), alerts, "deterministic")
    }

    func testTheRecordedSlowTransferRaisesNoneUnderTheDefaultsOrWhenTrusted() throws {
        // 6 MB is far under the default 128 MiB an hour (and private ranges are the window's to leave alone).
        XCTAssertEqual(try replay("").map(\.rule), [])
        XCTAssertEqual(
            try replay(
                """
                network:
                  allow_private: false
                  trusted_destinations: [10.231.19.0/30]
                  exfiltration:
                    bytes_per_window: 50000000
                    budgets:
                      - {horizon_seconds: 3600, bytes: 4000000}
                """
            ).map(\.rule), [])
    }
}

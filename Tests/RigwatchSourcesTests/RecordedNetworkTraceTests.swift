// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchCore
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// The network detectors on a trace recorded on the real kernel by
/// Tests/Fixtures/traces/record-exfiltration.sh: a watched test user sent 120 MB
/// to a test host (10.231.9.2) in a network namespace.
final class RecordedNetworkTraceTests: XCTestCase {
    private func replay(_ yaml: String) throws -> [Alert] {
        let trace = try TraceFile.read(path: Repo.fixture("traces") + "/exfiltration-recorded.rwtrace")
        let config = try ConfigLoader.parse(yaml)
        let built = NetworkSettingsBuilder.build(config.network)
        XCTAssertEqual(built.warnings, [])
        let engine = Engine(
            config: EngineConfig(watchedUids: trace.header.watchedUsers.map(\.uid)),
            detectors: Engine.standardDetectors(network: built.settings))
        return trace.events.flatMap(engine.consume)
    }

    private let thresholds = """
        network:
          allow_private: false
          exfiltration:
            bytes_per_window: 100000000
        """

    func testTheRecordedTransferAlertsOnceWhenTheHostIsUnknown() throws {
        let trace = try TraceFile.read(path: Repo.fixture("traces") + "/exfiltration-recorded.rwtrace")
        let user = try XCTUnwrap(trace.header.watchedUsers.first { $0.name == "rwtestexf" })
        let sent = trace.events.reduce(UInt64(0)) { total, event in
            if case .netBytes(let e) = event, e.destination.description == "10.231.9.2", e.destinationPort == 5201 {
                return total + e.bytes
            }
            return total
        }
        XCTAssertEqual(sent, 120_000_000, "the kernel counted every byte")

        let alerts = try replay(thresholds)
        XCTAssertEqual(alerts.map(\.rule), ["watched-user-outbound", "exfiltration"])
        let exfil = try XCTUnwrap(alerts.last)
        XCTAssertEqual(exfil.evidence.first { $0.0 == "destination" }?.1, "10.231.9.2:5201")
        XCTAssertEqual(exfil.evidence.first { $0.0 == "bytes" }?.1, "120000000")
        XCTAssertEqual(exfil.evidence.first { $0.0 == "subject" }?.1, "lineage of uid \(user.uid)")
        // The sender exited before the counters were read; the alert still names it.
        XCTAssertEqual(exfil.subject?.exe, "/usr/bin/python3")
        XCTAssertEqual(exfil.subject?.argv.suffix(4), ["tcp", "10.231.9.2", "5201", "120000000"])
        // Deterministic: the same trace and settings give the same bytes out.
        XCTAssertEqual(try replay(thresholds), alerts)
    }

    func testTheRecordedTransferRaisesNoneWhenTheHostIsAllowlisted() throws {
        let alerts = try replay(
            """
            network:
              allow_private: false
              watched_user_allow: [10.231.9.0/30]
              exfiltration:
                bytes_per_window: 100000000
                allow: [10.231.9.0/30]
            """)
        XCTAssertEqual(alerts.map(\.rule), [])
        // And with the defaults (private ranges allowed, 1 GiB per window) nothing fires either.
        XCTAssertEqual(try replay("").map(\.rule), [])
    }
}

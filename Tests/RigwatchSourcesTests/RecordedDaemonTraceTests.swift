// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchCore
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// The real daemon's sudo commands, recorded on the real kernel by
/// Tests/Fixtures/traces/record-daemon-commands.sh, replayed through the trace reader
/// and the engine under the default policy as `rigwatch replay` builds it: no alert.
final class RecordedDaemonTraceTests: XCTestCase {
    func testDaemonCommandsRaiseNoPolicyAlert() throws {
        let trace = try TraceFile.read(path: Repo.fixture("traces") + "/daemon-commands.rwtrace")
        XCTAssertNil(trace.warning)
        let user = try XCTUnwrap(trace.header.watchedUsers.first { $0.name == "rwtestdmn" })
        let policies = try PolicyBuilder.build(PolicyConfig(), watched: trace.header.watchedUsers)
        let engine = Engine(
            config: EngineConfig(watchedUsers: trace.header.watchedUsers),
            detectors: Engine.standardDetectors(policies: policies))
        let alerts = trace.events.flatMap(engine.consume)
        XCTAssertEqual(alerts.map(\.title), [])

        // The trace holds what the test is about: every command, and what they start as root.
        let rootExecs = trace.events.compactMap { event -> ExecEvent? in
            if case .exec(let e) = event, e.header.lineageUid == user.uid, e.header.euid == 0 { return e }
            return nil
        }
        let detector = try XCTUnwrap(engine.detectors(of: PrivilegedExecDetector.self).first)
        XCTAssertGreaterThanOrEqual(detector.decisions, 55, "every daemon command was judged as an entry")
        let paths = Set(rootExecs.map(\.path))
        for path in [
            "/usr/bin/apt-get", "/usr/bin/dpkg", "/usr/lib/apt/methods/http",
            "/var/lib/dpkg/info/wireshark-common.config",
            "/var/lib/dpkg/info/wireshark-common.postinst", "/usr/sbin/logrotate", "/usr/bin/dumpcap",
            "/usr/sbin/service", "/usr/bin/bash",
        ] {
            XCTAssertTrue(paths.contains(path), "\(path) ran as root in the recording")
        }
        // Shebang scripts carry the kernel's script flag (the stand-ins, service, the maintainer scripts).
        XCTAssertTrue(rootExecs.contains { $0.path == "/usr/sbin/service" && $0.flags.contains(.script) })
    }
}

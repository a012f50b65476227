// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchCore
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// The real daemon's sudo commands, recorded on the real kernel by
/// Tests/Fixtures/traces/record-daemon-commands.sh, replayed through the trace reader
/// and the engine with every detector under the default configuration, as
/// `rigwatch replay` builds it (no host mount namespace: every write is judged): no
/// alert from any rule. The recording's own stop (the script's SIGINT to the
/// recorder) is cut out of the trace (cut-recorder-stop.py).
final class RecordedDaemonTraceTests: XCTestCase {
    func testDaemonCommandsRaiseNoAlertFromAnyDetector() throws {
        let trace = try TraceFile.read(path: Repo.fixture("traces") + "/daemon-commands.rwtrace")
        XCTAssertNil(trace.warning)
        let user = try XCTUnwrap(trace.header.watchedUsers.first { $0.name == "rwtestdmn" })
        let config = SensorConfig()
        let settings = DetectorSettings(
            policies: try PolicyBuilder.build(config.policy, watched: trace.header.watchedUsers),
            abuse: ArgumentAbuseRules(),
            network: NetworkSettingsBuilder.build(config.network, resolve: { _ in .success([]) }).settings,
            mining: config.mining.settings, files: config.files.settings(), tamper: config.tamper.settings(),
            runtimeSockets: RuntimeSocketSettings(paths: config.policy.runtimeSockets))
        let detectors = Engine.standardDetectors(settings)
        XCTAssertEqual(
            detectors.map(\.name),
            [
                "sensor-lost-events", "unlisted-privileged-exec", "enforcement-denied", "exfiltration",
                "watched-user-outbound",
                "crypto-mining", "file-change", "sensor-tamper", "root-equivalent-runtime-socket",
            ])
        let engine = Engine(config: EngineConfig(watchedUsers: trace.header.watchedUsers), detectors: detectors)
        let alerts = trace.events.flatMap(engine.consume)
        XCTAssertEqual(alerts.map { "\($0.rule): \($0.title)" }, [])

        // What the new defaults keep quiet is in the trace: apt's method connecting out,
        // a maintainer script linking its unit, the daemon's copy of its libvirt hook.
        XCTAssertTrue(
            trace.events.contains {
                if case .connect(let c) = $0 {
                    return c.header.lineageUid == user.uid && c.header.comm.description == "http"
                }
                return false
            })
        let changed = trace.events.compactMap { event -> String? in
            guard case .fileChange(let f) = event, f.header.lineageUid == user.uid else { return nil }
            return f.operation == .link ? f.path2 : f.path
        }
        XCTAssertTrue(changed.contains("/etc/systemd/system/timers.target.wants/logrotate.timer"), "\(changed)")
        XCTAssertTrue(changed.contains("/etc/libvirt/hooks/qemu"), "\(changed)")
        XCTAssertFalse(trace.events.contains { if case .tamper = $0 { return true } else { return false } })

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

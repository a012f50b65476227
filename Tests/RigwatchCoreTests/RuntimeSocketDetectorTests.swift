// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchTestSupport
import XCTest

@testable import RigwatchCore

/// `root-equivalent-runtime-socket`: the watched lineage reaching a container
/// runtime's API socket, by the path it gave or the name the listener bound.
final class RuntimeSocketDetectorTests: XCTestCase {
    typealias S = MiningScenario

    private func run(_ events: [Event], settings: RuntimeSocketSettings = RuntimeSocketSettings()) -> [Alert] {
        let engine = Engine(
            config: EngineConfig(watchedUids: [S.kaalia], userNames: [S.kaalia: "vastai_kaalia"]),
            detectors: Engine.standardDetectors(runtimeSockets: settings))
        return events.flatMap(engine.consume)
    }

    private func connect(
        _ tgid: UInt32, _ path: String, peer: String = "", result: Int32 = 0, lineage: UInt32 = S.kaalia,
        ts: UInt64 = 2 * S.second
    ) -> Event {
        .unixConnect(
            UnixConnectEvent(
                header: S.header(
                    tgid, ts: ts, lineage: lineage, uid: lineage == noLineage ? 1002 : S.kaalia, comm: "docker"),
                result: result, path: path, peer: peer))
    }

    private let docker = S.exec(
        500, ["docker", "run", "-v", "/:/host", "alpine"], path: "/usr/bin/docker", ts: S.second, lineage: S.kaalia)

    func testDockerClientOfTheWatchedLineageIsHigh() throws {
        let alerts = run([docker, connect(500, "/var/run/docker.sock", peer: "/run/docker.sock")])
        XCTAssertEqual(alerts.count, 1)
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertEqual(alert.rule, "root-equivalent-runtime-socket")
        XCTAssertEqual(alert.severity, .high)
        XCTAssertEqual(
            alert.title,
            "Container runtime socket /var/run/docker.sock connected by /usr/bin/docker (pid 500, vastai_kaalia) in vastai_kaalia's lineage"
        )
        XCTAssertEqual(
            alert.evidence.map(\.0),
            ["socket", "path", "peer", "pattern", "program", "pid", "user", "lineage", "cgroup_id", "why"])
        XCTAssertEqual(
            Dictionary(alert.evidence.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a }),
            [
                "socket": "/var/run/docker.sock", "path": "/var/run/docker.sock", "peer": "/run/docker.sock",
                "pattern": "/var/run/docker.sock", "program": "/usr/bin/docker", "pid": "500",
                "user": "vastai_kaalia (uid 1001)", "lineage": "vastai_kaalia (uid 1001)", "cgroup_id": "6000",
                "why":
                    "a container runtime's API socket is root: whoever reaches it can run a privileged container with the host's / mounted",
            ])
        XCTAssertEqual(alert.subject?.argv, ["docker", "run", "-v", "/:/host", "alpine"])
    }

    /// A relative path or a symlink: the listener's bound name tells.
    func testThePeerNameCatchesRelativePathsAndSymlinks() throws {
        let alerts = run([connect(501, "docker.sock", peer: "/run/docker.sock")])
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertEqual(alert.evidence.first { $0.0 == "socket" }?.1, "/run/docker.sock")
        XCTAssertEqual(
            alert.evidence.first { $0.0 == "note" }?.1,
            "the path given is not on the list; the listener it reached bound /run/docker.sock")
        XCTAssertEqual(
            alert.evidence.first { $0.0 == "program" }?.1, "'docker' (program unknown: its exec was not seen)")
    }

    func testEveryDefaultMatchesAndLookAlikesDoNot() {
        let settings = RuntimeSocketSettings()
        for path in [
            "/run/docker.sock", "/var/run/docker.sock", "/run/containerd/containerd.sock",
            "/run/podman/podman.sock", "/run/user/1001/podman/podman.sock", "/run/crio/crio.sock",
            "/var/snap/lxd/common/lxd/unix.socket", "/var/lib/lxd/unix.socket", "/run/k3s/containerd/containerd.sock",
            "/run/./docker.sock", "/var/run//docker.sock",
        ] {
            XCTAssertNotNil(settings.match(Array(path.utf8)), path)
        }
        for path in [
            "/run/docker.sock2", "/tmp/docker.sock", "/run/user/1001/x/podman/podman.sock", "docker.sock",
            "/run/systemd/journal/stdout", "/run/dbus/system_bus_socket", "",
        ] {
            XCTAssertNil(settings.match(Array(path.utf8)), path)
        }
    }

    func testNothingForOthersFailuresUnlistedSocketsOrRepeats() {
        let alerts = run([
            connect(600, "/run/docker.sock", lineage: noLineage),  // not the watched lineage
            connect(601, "/run/docker.sock", result: -13),  // EACCES: reached nothing
            connect(602, "/run/dbus/system_bus_socket", peer: "/run/dbus/system_bus_socket"),
            connect(603, "/run/docker.sock", ts: 3 * S.second),
            connect(603, "/run/docker.sock", ts: 4 * S.second),  // the same client again
        ])
        XCTAssertEqual(
            alerts.compactMap { $0.subject?.pid ?? $0.evidence.first { $0.0 == "pid" }.map { UInt32($0.1)! } }, [603])
    }

    /// The list is the configuration's: extended, replaced, or empty (off).
    func testConfigurationKey() throws {
        XCTAssertEqual(try ConfigLoader.parse("").policy.runtimeSockets, RuntimeSocketSettings.defaultPaths)
        let custom = try ConfigLoader.parse("policy:\n  runtime_sockets: [/srv/docker.sock, \"/tmp/rw-*/d.sock\"]\n")
        XCTAssertEqual(custom.policy.runtimeSockets, ["/srv/docker.sock", "/tmp/rw-*/d.sock"])
        XCTAssertEqual(try ConfigLoader.parse("policy:\n  runtime_sockets: []\n").policy.runtimeSockets, [])
        XCTAssertThrowsError(try ConfigLoader.parse("policy:\n  runtime_sockets: [docker.sock]\n", file: "rw.yaml")) {
            XCTAssertEqual(
                String(describing: $0),
                "rw.yaml:2:21: policy.runtime_sockets[0]: 'docker.sock' must be an absolute path or glob")
        }
        XCTAssertTrue(ConfigReloadPlan.liveKeys.contains("policy.runtime_sockets"))
        let off = run([connect(700, "/run/docker.sock")], settings: RuntimeSocketSettings(paths: []))
        XCTAssertEqual(off.count, 0)
    }
}

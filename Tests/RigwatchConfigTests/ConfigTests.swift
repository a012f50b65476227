// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchCore
import XCTest

final class ConfigTests: XCTestCase {
    func testEmptyConfigIsAllDefaults() throws {
        XCTAssertEqual(try ConfigLoader.parse(""), SensorConfig())
        XCTAssertEqual(try ConfigLoader.parse("# nothing\n"), SensorConfig())
        XCTAssertEqual(SensorConfig().watchUsers, ["vastai_kaalia"])
    }

    func testReadsKnownKeys() throws {
        let config = try ConfigLoader.parse(
            "watch_users: [vastai_kaalia, \"1001\"]\nengine:\n  process_table_size: 1000\n")
        XCTAssertEqual(config.watchUsers, ["vastai_kaalia", "1001"])
        XCTAssertEqual(config.processTableSize, 1000)
    }

    func testRootEquivalentGroups() throws {
        XCTAssertEqual(
            SensorConfig().policy.rootEquivalentGroups,
            ["docker", "lxd", "incus-admin", "libvirt", "disk", "sudo", "wheel", "admin", "root"])
        let config = try ConfigLoader.parse("policy:\n  root_equivalent_groups: [rwtestg, docker]\n")
        XCTAssertEqual(config.policy.rootEquivalentGroups, ["rwtestg", "docker"])
        XCTAssertEqual(
            try ConfigLoader.parse("policy:\n  root_equivalent_groups: []\n").policy.rootEquivalentGroups, [])
        XCTAssertThrowsError(
            try ConfigLoader.parse("policy:\n  root_equivalent_groups: [docker, \"\"]\n", file: "c.yaml")
        ) {
            XCTAssertEqual(String(describing: $0), "c.yaml:2:36: policy.root_equivalent_groups[1] must not be empty")
        }
        let plan = ConfigReloadPlan(running: SensorConfig(), loaded: config)
        XCTAssertEqual(
            plan.applied.map(\.description),
            [
                "policy.root_equivalent_groups [docker, lxd, incus-admin, libvirt, disk, sudo, wheel, admin, root] → [rwtestg, docker]"
            ])
    }

    func testUnknownKeyIsAnErrorWithItsLine() {
        XCTAssertThrowsError(
            try ConfigLoader.parse("watch_users: [a]\nengine:\n  proces_table_size: 5\n", file: "rw.yaml")
        ) {
            XCTAssertEqual(
                String(describing: $0),
                "rw.yaml:3:3: unknown key 'proces_table_size' in engine (known: process_table_size)")
        }
        XCTAssertThrowsError(try ConfigLoader.parse("watch_user: [a]\n", file: "rw.yaml")) {
            XCTAssertEqual(
                String(describing: $0),
                "rw.yaml:1:1: unknown key 'watch_user' at the top level (known: watch_users, engine, policy, alerts, network, mining, service, files, tamper, auth, bpf, export, enforcement)"
            )
        }
    }

    func testWrongTypesAreErrorsWithTheirLine() {
        XCTAssertThrowsError(try ConfigLoader.parse("engine:\n  process_table_size: lots\n", file: "c.yaml")) {
            XCTAssertEqual(String(describing: $0), "c.yaml:2:23: engine.process_table_size must be an integer")
        }
        XCTAssertThrowsError(try ConfigLoader.parse("engine:\n  process_table_size: 3\n", file: "c.yaml")) {
            XCTAssertEqual(
                String(describing: $0), "c.yaml:2:23: engine.process_table_size must be between 16 and 10000000, not 3")
        }
        XCTAssertThrowsError(try ConfigLoader.parse("watch_users: vastai_kaalia\n", file: "c.yaml")) {
            XCTAssertEqual(String(describing: $0), "c.yaml:1:14: watch_users must be a list")
        }
        XCTAssertThrowsError(try ConfigLoader.parse("watch_users: [a, ~]\n", file: "c.yaml")) {
            XCTAssertEqual(String(describing: $0), "c.yaml:1:18: watch_users[1] must be a string")
        }
        XCTAssertThrowsError(try ConfigLoader.parse("- a\n- b\n", file: "c.yaml")) {
            XCTAssertEqual(String(describing: $0), "c.yaml:1:1: the configuration must be a mapping")
        }
    }

    func testSyntaxErrorHasAPosition() {
        XCTAssertThrowsError(try ConfigLoader.parse("watch_users: [a\nengine: {\n", file: "s.yaml")) {
            let text = String(describing: $0)
            XCTAssertTrue(text.hasPrefix("s.yaml:"), text)
            XCTAssertTrue(text.contains("YAML"), text)
        }
    }
}

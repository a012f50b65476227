// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchCore
import XCTest

final class ServiceConfigTests: XCTestCase {
    func testDefaults() {
        let s = SensorConfig().service
        XCTAssertEqual(s.stateFile, "/var/lib/rigwatch/state.json")
        XCTAssertEqual(s.stateIntervalSeconds, 5)
        XCTAssertEqual(s.metricsFile, "/var/lib/prometheus/node-exporter/rigwatch.prom")
        XCTAssertEqual(s.heartbeatHours, 0)
        XCTAssertEqual(s.lockFile, "/run/rigwatch/rigwatch.lock")
    }

    func testLockFile() throws {
        XCTAssertEqual(
            try ConfigLoader.parse("service:\n  lock_file: /tmp/rw/x.lock\n").service.lockFile, "/tmp/rw/x.lock")
        // Never off and never relative to wherever the sensor was started.
        for bad in ["\"\"", "run/rigwatch.lock"] {
            XCTAssertThrowsError(try ConfigLoader.parse("service:\n  lock_file: \(bad)\n", file: "rw.yaml")) {
                XCTAssertEqual(String(describing: $0), "rw.yaml:2:14: service.lock_file must be an absolute path")
            }
        }
    }

    func testParse() throws {
        let c = try ConfigLoader.parse(
            "service:\n  state_file: /tmp/s.json\n  state_interval_seconds: 2\n  metrics_file: \"\"\n  heartbeat_hours: 6\n"
        )
        XCTAssertEqual(c.service.stateFile, "/tmp/s.json")
        XCTAssertEqual(c.service.stateIntervalSeconds, 2)
        XCTAssertEqual(c.service.metricsFile, "")
        XCTAssertEqual(c.service.heartbeatHours, 6)
    }

    func testErrorsWithLines() {
        XCTAssertThrowsError(try ConfigLoader.parse("service:\n  heartbeat_hour: 1\n", file: "rw.yaml")) {
            XCTAssertEqual(
                String(describing: $0),
                "rw.yaml:2:3: unknown key 'heartbeat_hour' in service (known: state_file, state_interval_seconds, metrics_file, heartbeat_hours, posture_check_hours, lock_file)"
            )
        }
        XCTAssertThrowsError(try ConfigLoader.parse("service:\n  state_interval_seconds: 0\n", file: "rw.yaml")) {
            XCTAssertTrue(String(describing: $0).hasPrefix("rw.yaml:2:"), "\($0)")
        }
        XCTAssertThrowsError(try ConfigLoader.parse("service:\n  heartbeat_hours: soon\n", file: "rw.yaml")) {
            XCTAssertTrue(String(describing: $0).hasPrefix("rw.yaml:2:"), "\($0)")
        }
    }

    func testPostureCheckHours() throws {
        XCTAssertEqual(ServiceConfig().postureCheckHours, 24, "daily unless turned off")
        let c = try ConfigLoader.parse("service:\n  posture_check_hours: 0\n", file: "rw.yaml")
        XCTAssertEqual(c.service.postureCheckHours, 0)
        XCTAssertThrowsError(try ConfigLoader.parse("service:\n  posture_check_hours: 9000\n", file: "rw.yaml")) {
            XCTAssertTrue(String(describing: $0).hasPrefix("rw.yaml:2:"), "\($0)")
        }
    }
}

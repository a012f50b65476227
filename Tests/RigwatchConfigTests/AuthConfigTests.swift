// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchCore
import XCTest

final class AuthConfigTests: XCTestCase {
    func testTheSectionReadsIntoTheDetectorsSettings() throws {
        let config = try ConfigLoader.parse(
            """
            auth:
              failures: 3
              window_seconds: 30
              allowed_addresses:
                kaalia: [10.0.0.0/8, 192.0.2.7]
            """, file: "rw.yaml")
        XCTAssertEqual(config.auth.failures, 3)
        XCTAssertEqual(config.auth.windowSeconds, 30)
        XCTAssertEqual(config.auth.allowedAddresses, ["kaalia": ["10.0.0.0/8", "192.0.2.7"]])
        XCTAssertEqual(
            config.auth.settings,
            AuthSettings(
                failures: 3, windowSeconds: 30, allowedAddresses: ["kaalia": [CIDR("10.0.0.0/8")!, CIDR("192.0.2.7")!]])
        )
    }

    func testDefaultsAndOff() throws {
        XCTAssertEqual(SensorConfig().auth.settings, AuthSettings(failures: 5, windowSeconds: 60))
        XCTAssertNil(try ConfigLoader.parse("auth:\n  enabled: false\n", file: "rw.yaml").auth.settings)
    }

    func testBadEntriesNameTheirLine() {
        XCTAssertThrowsError(
            try ConfigLoader.parse("auth:\n  allowed_addresses:\n    kaalia: [10.0.0.1/8]\n", file: "rw.yaml")
        ) {
            XCTAssertEqual(
                String(describing: $0),
                "rw.yaml:3:13: auth.allowed_addresses.kaalia: '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)"
            )
        }
        XCTAssertThrowsError(try ConfigLoader.parse("auth:\n  failures: 0\n", file: "rw.yaml"))
    }

    func testThresholdsReloadAndEnabledNeedsARestart() {
        XCTAssertTrue(ConfigReloadPlan.liveKeys.contains("auth.failures"))
        XCTAssertTrue(ConfigReloadPlan.liveKeys.contains("auth.allowed_addresses"))
        XCTAssertTrue(ConfigReloadPlan.restartOnlyKeys.contains("auth.enabled"))
    }
}

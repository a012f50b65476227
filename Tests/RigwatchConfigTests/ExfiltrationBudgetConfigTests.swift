// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchCore
import XCTest

/// `network.exfiltration.budgets` and `network.trusted_destinations`: parsing, the
/// settings built from them, their errors, and what a reload does with them.
final class ExfiltrationBudgetConfigTests: XCTestCase {
    func testDefaults() throws {
        let network = try ConfigLoader.parse("").network
        XCTAssertEqual(
            network.exfiltration.budgets,
            [
                ByteBudget(horizonSeconds: 3600, bytes: 134_217_728),
                ByteBudget(horizonSeconds: 86_400, bytes: 536_870_912),
            ])
        XCTAssertEqual(network.trustedDestinations, [])
        let built = NetworkSettingsBuilder.build(network).settings
        XCTAssertEqual(built.exfiltration.budgets, ByteBudget.defaults)
        XCTAssertEqual(built.exfiltration.trusted, [])
        XCTAssertEqual(built.exfiltration.budgetMaxTracked, 4096)
    }

    func testReadsBudgetsAndTrustedDestinations() throws {
        let config = try ConfigLoader.parse(
            """
            network:
              watched_user_allow: [203.0.113.7]
              trusted_destinations:
                - 192.168.10.0/24
                - fd12:3456::/32
                - nas.lan.example
              exfiltration:
                allow: [198.51.100.0/24]
                budgets:
                  - {horizon_seconds: 3600, bytes: 4000000}
                  - horizon_seconds: 21600
                    bytes: 50000000
            """, file: "n.yaml")
        let n = config.network
        XCTAssertEqual(
            n.exfiltration.budgets,
            [ByteBudget(horizonSeconds: 3600, bytes: 4_000_000), ByteBudget(horizonSeconds: 21_600, bytes: 50_000_000)])
        XCTAssertEqual(
            n.trustedDestinations.map(\.target),
            [
                .block(try CIDR.parse("192.168.10.0/24")), .block(try CIDR.parse("fd12:3456::/32")),
                .host("nas.lan.example"),
            ])
        XCTAssertEqual(n.trustedDestinations.map(\.origin), ["n.yaml:4", "n.yaml:5", "n.yaml:6"])

        // Resolved once; both network detectors take the trusted peers.
        var asked: [String] = []
        let built = NetworkSettingsBuilder.build(n) { name in
            asked.append(name)
            return .success([IPAddress("192.168.10.77")].compactMap { $0 })
        }
        XCTAssertEqual(asked, ["nas.lan.example"])
        XCTAssertEqual(built.warnings, [])
        let e = built.settings.exfiltration
        XCTAssertEqual(e.budgets.map(\.description), ["3600 s: 4000000 bytes", "21600 s: 50000000 bytes"])
        XCTAssertEqual(e.allow.map(\.description), ["198.51.100.0/24"])
        XCTAssertEqual(e.trusted.map(\.description), ["192.168.10.0/24", "fd12:3456::/32", "192.168.10.77/32"])
        XCTAssertEqual(
            built.settings.watchedOutbound.allow.map(\.description),
            ["203.0.113.7/32", "192.168.10.0/24", "fd12:3456::/32", "192.168.10.77/32"])

        // A trusted name that does not resolve is a warning naming the key, as for the allowlists.
        let failing = NetworkSettingsBuilder.build(n) { _ in .failure(.init("Name or service not known")) }
        XCTAssertEqual(
            failing.warnings,
            [
                "n.yaml:6: network.trusted_destinations: host name 'nas.lan.example' does not resolve (Name or service not known); ignored"
            ])

        // An empty list turns the budgets off.
        XCTAssertEqual(
            try ConfigLoader.parse("network:\n  exfiltration:\n    budgets: []\n").network.exfiltration.budgets, [])
    }

    func testMistakesAreErrorsWithTheirLine() {
        let cases: [(String, String)] = [
            (
                "network:\n  exfiltration:\n    budgets: {horizon_seconds: 3600, bytes: 1}\n",
                "c.yaml:3:14: network.exfiltration.budgets must be a list of {horizon_seconds, bytes} entries"
            ),
            (
                "network:\n  exfiltration:\n    budgets:\n      - {horizon_seconds: 3600}\n",
                "c.yaml:4:9: network.exfiltration.budgets[0] needs both horizon_seconds and bytes"
            ),
            (
                "network:\n  exfiltration:\n    budgets:\n      - {horizon_seconds: 30, bytes: 1000}\n",
                "c.yaml:4:27: network.exfiltration.budgets[0].horizon_seconds must be between 60 and 604800, not 30"
            ),
            (
                "network:\n  exfiltration:\n    budgets:\n      - {horizon_seconds: 3600, bytes: 0}\n",
                "c.yaml:4:40: network.exfiltration.budgets[0].bytes must be between 1 and 1125899906842624, not 0"
            ),
            (
                "network:\n  exfiltration:\n    budgets:\n      - {horizon_seconds: 3600, bytes: 1MB}\n",
                "c.yaml:4:40: network.exfiltration.budgets[0].bytes must be an integer"
            ),
            (
                "network:\n  exfiltration:\n    budgets:\n      - {horizon_seconds: 3600, bytes: 5}\n      - {horizon_seconds: 3600, bytes: 9}\n",
                "c.yaml:5:9: network.exfiltration.budgets[1]: horizon_seconds 3600 is already given; one budget per horizon"
            ),
            (
                "network:\n  exfiltration:\n    budgets:\n      - {horizon: 3600, bytes: 5}\n",
                "c.yaml:4:10: unknown key 'horizon' in network.exfiltration.budgets[0] (known: horizon_seconds, bytes)"
            ),
            (
                "network:\n  exfiltration:\n    budgets:\n      - 3600\n",
                "c.yaml:4:9: network.exfiltration.budgets[0] must be a mapping"
            ),
            (
                "network:\n  trusted_destinations: [10.0.0.1/8]\n",
                "c.yaml:2:26: network.trusted_destinations[0]: '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)"
            ),
            (
                "network:\n  trusted_destinations: 10.0.0.0/8\n",
                "c.yaml:2:25: network.trusted_destinations must be a list of CIDRs or host names"
            ),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try ConfigLoader.parse(text, file: "c.yaml"), expected) {
                XCTAssertEqual(String(describing: $0), expected)
            }
        }
    }

    func testReloadAppliesNewBudgetsAndTrustedDestinationsLive() throws {
        let running = SensorConfig()
        let loaded = try ConfigLoader.parse(
            """
            network:
              trusted_destinations: [192.168.10.0/24]
              exfiltration:
                budgets:
                  - {horizon_seconds: 3600, bytes: 4000000}
            """)
        let plan = ConfigReloadPlan(running: running, loaded: loaded)
        XCTAssertEqual(plan.needsRestart, [])
        XCTAssertEqual(
            plan.applied.map(\.description),
            [
                "network.trusted_destinations [] → [192.168.10.0/24]",
                "network.exfiltration.budgets [3600 s: 134217728 bytes, 86400 s: 536870912 bytes] → [3600 s: 4000000 bytes]",
            ])
        XCTAssertTrue(ConfigReloadPlan.liveKeys.contains("network.exfiltration.budgets"))
        XCTAssertTrue(ConfigReloadPlan.liveKeys.contains("network.trusted_destinations"))

        // What the reloader hands the engine reaches the running detector.
        let engine = Engine(
            detectors: Engine.standardDetectors(network: NetworkSettingsBuilder.build(running.network).settings))
        let detector = try XCTUnwrap(engine.detectors(of: ExfiltrationDetector.self).first)
        engine.apply(DetectorSettings(network: NetworkSettingsBuilder.build(plan.config.network).settings))
        XCTAssertEqual(detector.settings.budgets, [ByteBudget(horizonSeconds: 3600, bytes: 4_000_000)])
        XCTAssertEqual(detector.settings.trusted.map(\.description), ["192.168.10.0/24"])
    }
}

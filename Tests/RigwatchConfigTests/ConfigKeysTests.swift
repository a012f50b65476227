// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import XCTest

/// The key table (`ConfigKeys`): every name spelled once, and the reload plan in step with it.
final class ConfigKeysTests: XCTestCase {
    func testEveryKeyOfTheTableIsLiveOrRestartOnlyAndNothingElse() {
        let live = ConfigReloadPlan.liveKeys
        let restart = ConfigReloadPlan.restartOnlyKeys
        XCTAssertEqual(Set(live).intersection(restart), [], "a key is live or restart-only, not both")
        XCTAssertEqual(Set(live + restart), Set(ConfigKeys.valuePaths))
        XCTAssertEqual(live.count + restart.count, ConfigKeys.valuePaths.count, "no key twice in the plan")
        XCTAssertEqual(Set(ConfigKeys.valuePaths).count, ConfigKeys.valuePaths.count, "no path twice in the table")
        XCTAssertEqual(ConfigKeys.valuePaths.count, 64)
        XCTAssertEqual(restart.count, 13)
    }

    func testPathsJoinTheSections() {
        XCTAssertEqual(ConfigKeys.TopLevel.watchUsers.path, "watch_users")
        XCTAssertEqual(ConfigKeys.Alerts.dedupWindowSeconds.path, "alerts.dedup_window_seconds")
        XCTAssertEqual(ConfigKeys.Discord.webhookFile.path, "alerts.discord.webhook_file")
        XCTAssertEqual(ConfigKeys.Exfiltration.allow.path, "network.exfiltration.allow")
        XCTAssertEqual(ConfigKeys.BPF.hooks.path, "bpf.hooks")
        XCTAssertFalse(ConfigKeys.valuePaths.contains("alerts.discord"), "a section holds keys, not a value")
        XCTAssertFalse(ConfigKeys.valuePaths.contains("files.maintenance[].path"), "a list item's keys are its list's")
    }

    func testKnownKeysInErrorsAreTheTablesInOrder() {
        XCTAssertThrowsError(try ConfigLoader.parse("alerts:\n  spool: /x\n", file: "rw.yaml")) {
            XCTAssertEqual(
                String(describing: $0),
                "rw.yaml:2:3: unknown key 'spool' in alerts (known: log_file, spool_dir, spool_max_bytes, dedup_window_seconds, storm_per_rule, discord)"
            )
        }
        XCTAssertThrowsError(try ConfigLoader.parse("alerts:\n  discord:\n    webhook: /x\n", file: "rw.yaml")) {
            XCTAssertEqual(
                String(describing: $0),
                "rw.yaml:3:5: unknown key 'webhook' in alerts.discord (known: webhook_file, connect_timeout_seconds, timeout_seconds)"
            )
        }
        XCTAssertThrowsError(
            try ConfigLoader.parse("files:\n  maintenance:\n    - {path: /etc/x, user: y}\n", file: "rw.yaml")
        ) {
            XCTAssertEqual(
                String(describing: $0),
                "rw.yaml:3:22: unknown key 'user' in files.maintenance[0] (known: path, program, lineage, below)")
        }
    }
}

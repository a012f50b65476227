// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import XCTest

/// A path that must name something is refused empty when parsed, with its line;
/// the files whose docs say "empty turns it off" stay allowed empty.
final class EmptyPathTests: XCTestCase {
    private func error(_ yaml: String) -> String {
        do {
            _ = try ConfigLoader.parse(yaml, file: "rw.yaml")
            return "no error"
        } catch {
            return String(describing: error)
        }
    }

    func testPathsThatNameSomethingAreRefusedEmpty() {
        // The installed configuration's commented-out default, uncommented.
        XCTAssertEqual(
            error("alerts:\n  discord:\n    webhook_file: \"\"                 # none\n"),
            "rw.yaml:3:19: alerts.discord.webhook_file must not be empty (leave the key out for no webhook file)")
        XCTAssertEqual(error("alerts:\n  spool_dir: \"\"\n"), "rw.yaml:2:14: alerts.spool_dir must not be empty")
        XCTAssertEqual(error("alerts:\n  spool_dir: ''\n"), "rw.yaml:2:14: alerts.spool_dir must not be empty")
        XCTAssertEqual(
            error("policy:\n  import_sudoers: \"\"\n"), "rw.yaml:2:19: policy.import_sudoers must not be empty")
        XCTAssertEqual(
            error("policy:\n  import_sudoers: [/etc/sudoers, \"\"]\n"),
            "rw.yaml:2:34: policy.import_sudoers[1] must not be empty")
        XCTAssertEqual(
            error("service:\n  lock_file: \"\"\n"), "rw.yaml:2:14: service.lock_file must be an absolute path")
    }

    func testFilesThatEmptyTurnsOffStayAllowedEmpty() throws {
        let config = try ConfigLoader.parse(
            "alerts:\n  log_file: \"\"\nservice:\n  state_file: \"\"\n  metrics_file: \"\"\n")
        XCTAssertEqual(config.alerts.logFile, "")
        XCTAssertEqual(config.service.stateFile, "")
        XCTAssertEqual(config.service.metricsFile, "")
    }

    func testAnEmptyPathIsNotTakenForNoKey() {
        // A plain empty value is null: the old "must be a string", not the new message.
        XCTAssertEqual(error("alerts:\n  spool_dir:\n"), "rw.yaml:2:13: alerts.spool_dir must be a string")
    }
}

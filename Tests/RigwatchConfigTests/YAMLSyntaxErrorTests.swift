// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import XCTest

/// YAML mistakes are reported where they are, with the offending line under the message.
final class YAMLSyntaxErrorTests: XCTestCase {
    private func error(_ yaml: String) -> String {
        do {
            _ = try ConfigLoader.parse(yaml, file: "rw.yaml")
            return "no error"
        } catch {
            return String(describing: error)
        }
    }

    func testDuplicateKeyIsReportedWhereItIsWrittenAgain() {
        XCTAssertEqual(
            error("alerts:\n  storm_per_rule: 3\n  dedup_window_seconds: 5\n  dedup_window_seconds: 6\n"),
            "rw.yaml:4:3: YAML: duplicate key 'dedup_window_seconds' (first at line 3)\n"
                + "      dedup_window_seconds: 6\n"
                + "      ^")
        // Comments, blank lines and nested mappings in between; the mapping goes on.
        XCTAssertEqual(
            error("service:\n  lock_file: /a\n  # again:\n\n  x:\n    lock_file: /b\n  lock_file: /c\n"),
            "rw.yaml:7:3: YAML: duplicate key 'lock_file' (first at line 2)\n"
                + "      lock_file: /c\n"
                + "      ^")
        XCTAssertEqual(
            error("files:\n  maintenance:\n    - path: /a\n      path: /b\n"),
            "rw.yaml:4:7: YAML: duplicate key 'path' (first at line 3)\n"
                + "          path: /b\n"
                + "          ^")
        XCTAssertEqual(
            error("alerts: {storm_per_rule: 1, storm_per_rule: 2}\n"),
            "rw.yaml:1:29: YAML: duplicate key 'storm_per_rule' (first at line 1)\n"
                + "    alerts: {storm_per_rule: 1, storm_per_rule: 2}\n"
                + "                                ^")
        XCTAssertEqual(
            error("\"engine\": {}\nengine: {}\n"),
            "rw.yaml:1:1: YAML: duplicate key 'engine' (written more than once in this mapping)\n"
                + "    \"engine\": {}\n"
                + "    ^",
            "written differently: the first one is named")
    }

    func testTabIndentationNamesTheTab() {
        XCTAssertEqual(
            error("alerts:\n\tstorm_per_rule: 3\n"),
            "rw.yaml:2:1: YAML syntax: found character that cannot start any token; indent with spaces, not tabs\n"
                + "    \tstorm_per_rule: 3\n"
                + "    ^")
    }

    func testUnclosedQuoteIsReportedWhereItOpens() {
        XCTAssertEqual(
            error("alerts:\n  log_file: \"/var/log\n  storm_per_rule: 3\n"),
            "rw.yaml:2:13: YAML syntax: found unexpected end of stream while scanning a quoted scalar that starts here\n"
                + "      log_file: \"/var/log\n"
                + "                ^")
        XCTAssertEqual(
            error("watch_users: [a, b\n"),
            "rw.yaml:1:14: YAML syntax: did not find expected ',' or ']' while parsing a flow sequence that starts here\n"
                + "    watch_users: [a, b\n"
                + "                 ^")
    }

    func testAProblemInsideTheFileNamesWhatWasBeingRead() {
        XCTAssertEqual(
            error("alerts:\n  storm_per_rule: 3\n log_file: x\n"),
            "rw.yaml:3:2: YAML syntax: did not find expected key (while parsing a block mapping at line 1, column 1)\n"
                + "     log_file: x\n"
                + "     ^")
        XCTAssertEqual(
            error("engine: &e {}\npolicy: *p\n"),
            "rw.yaml:2:9: YAML: found undefined alias\n"
                + "    policy: *p\n"
                + "            ^")
    }
}

// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchCore
import XCTest

/// `export:`: the keys, their defaults, their errors with line and column, and that all
/// of them apply on SIGHUP.
final class ExportConfigTests: XCTestCase {
    func testDefaultsAreOffWatchedOnlyEveryKind() throws {
        let config = try ConfigLoader.parse("")
        XCTAssertEqual(config.export.eventsFile, "")
        XCTAssertEqual(config.export.kinds, [])
        XCTAssertEqual(config.export.watchedOnly, true)
        XCTAssertEqual(config.export.maxBytes, 104_857_600)
        XCTAssertEqual(config.export.keep, 5)
        XCTAssertEqual(config.export.summary, "off")
    }

    func testReadsEveryKey() throws {
        let config = try ConfigLoader.parse(
            """
            export:
              events_file: /var/log/rigwatch/events.jsonl
              kinds: [exec, cred, file_change]
              watched_only: false
              max_bytes: 8192
              keep: 0
            """)
        XCTAssertEqual(config.export.eventsFile, "/var/log/rigwatch/events.jsonl")
        XCTAssertEqual(config.export.kinds, ["exec", "cred", "file_change"])
        XCTAssertEqual(config.export.watchedOnly, false)
        XCTAssertEqual(config.export.maxBytes, 8192)
        XCTAssertEqual(config.export.keep, 0)
        XCTAssertEqual(
            config.export.summary,
            "/var/log/rigwatch/events.jsonl (exec, cred, file_change; every process; rotated at 8192 bytes, 0 kept)")
        XCTAssertEqual(
            config.export.filter(watchedUids: [1001]),
            EventExportFilter(kinds: ["exec", "cred", "file_change"], lineageUids: nil))
        let watched = try ConfigLoader.parse("export:\n  events_file: /x/e.jsonl\n")
        XCTAssertEqual(
            watched.export.filter(watchedUids: [1001, 7]), EventExportFilter(kinds: nil, lineageUids: [7, 1001]))
    }

    func testBadValuesAreErrorsWithTheirLine() {
        let cases: [(String, String)] = [
            (
                "export:\n  events_file: events.jsonl\n",
                "c.yaml:2:16: export.events_file must be an absolute path (or \"\" for no export)"
            ),
            (
                "export:\n  kinds: [exec, execve]\n",
                "c.yaml:2:17: export.kinds[1]: unknown event kind \"execve\" (kinds: exec, cred, fork, exit, drops, connect, net_bytes, gpu_sample, file_change, tamper, integrity, first_payload, unix_connect, auth, enforce)"
            ),
            ("export:\n  kinds: exec\n", "c.yaml:2:10: export.kinds must be a list"),
            (
                "export:\n  max_bytes: 100\n",
                "c.yaml:2:14: export.max_bytes must be between 4096 and 1099511627776, not 100"
            ),
            ("export:\n  keep: 101\n", "c.yaml:2:9: export.keep must be between 0 and 100, not 101"),
            ("export:\n  watched_only: maybe\n", "c.yaml:2:17: export.watched_only must be true or false"),
            (
                "export:\n  file: /x\n",
                "c.yaml:2:3: unknown key 'file' in export (known: events_file, kinds, watched_only, max_bytes, keep)"
            ),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try ConfigLoader.parse(text, file: "c.yaml"), text) {
                XCTAssertEqual(String(describing: $0), message)
            }
        }
    }

    func testEveryExportKeyAppliesOnReload() throws {
        let running = SensorConfig()
        let loaded = try ConfigLoader.parse(
            """
            export:
              events_file: /tmp/rw/events.jsonl
              kinds: [exec]
              watched_only: false
              max_bytes: 8192
              keep: 2
            """)
        let plan = ConfigReloadPlan(running: running, loaded: loaded)
        XCTAssertEqual(plan.config.export, loaded.export)
        XCTAssertEqual(plan.needsRestart, [])
        XCTAssertEqual(
            plan.applied.map(\.description),
            [
                "export.events_file \"\" → /tmp/rw/events.jsonl", "export.kinds [] → [exec]",
                "export.watched_only true → false", "export.max_bytes 104857600 → 8192", "export.keep 5 → 2",
            ])
    }
}

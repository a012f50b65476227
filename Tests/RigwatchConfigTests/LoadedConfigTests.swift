// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import XCTest

/// Where each key was written, for the checks made after parsing.
final class LoadedConfigTests: XCTestCase {
    func testPositionsAreWhereEachValueStarts() throws {
        let loaded = try ConfigLoader.parseFile(
            "watch_users: [root]\nalerts:\n  spool_dir: /s\n  discord:\n    webhook_file: /w\npolicy:\n  import_sudoers: [/a, /b]\n",
            file: "rw.yaml")
        XCTAssertEqual(loaded.file, "rw.yaml")
        XCTAssertEqual(loaded.config.alerts.spoolDirectory, "/s")
        XCTAssertEqual(loaded.positions["watch_users"], LoadedConfig.Position(line: 1, column: 14))
        XCTAssertEqual(loaded.positions["alerts.spool_dir"], LoadedConfig.Position(line: 3, column: 14))
        XCTAssertEqual(loaded.positions["alerts.discord.webhook_file"], LoadedConfig.Position(line: 5, column: 19))
        XCTAssertEqual(loaded.positions["policy.import_sudoers[1]"], LoadedConfig.Position(line: 7, column: 24))
        XCTAssertNil(loaded.positions["alerts.log_file"])
    }

    func testProblemsNameTheLineOrSayTheDefault() throws {
        let loaded = try ConfigLoader.parseFile("alerts:\n  spool_dir: /s\n", file: "rw.yaml")
        XCTAssertEqual(
            loaded.problem("alerts.spool_dir", "cannot create /s"), "rw.yaml:2:14: alerts.spool_dir: cannot create /s")
        XCTAssertEqual(
            loaded.problem("alerts.log_file", "cannot create /l"),
            "rw.yaml: alerts.log_file (the default): cannot create /l")
        XCTAssertEqual(
            LoadedConfig().problem("service.lock_file", "cannot create /k"),
            "the built-in configuration: service.lock_file (the default): cannot create /k")
    }

    func testAnEmptyFileIsTheDefaults() throws {
        let loaded = try ConfigLoader.parseFile("# nothing\n", file: "rw.yaml")
        XCTAssertEqual(loaded.config, SensorConfig())
        XCTAssertEqual(loaded.positions, [:])
    }
}

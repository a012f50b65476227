// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchTestSupport
import XCTest

/// `check-config` and `run` on the same file: what one refuses the other refuses,
/// with the same lines naming the key and where it is written; what one passes the
/// other starts with. check-config creates nothing.
final class CheckConfigTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        try requireRoot()
        guard FileManager.default.isExecutableFile(atPath: Repo.rigwatchBinary) else {
            throw SetupError("\(Repo.rigwatchBinary) is not built: run `swift build` (make test does)")
        }
        dir = NSTemporaryDirectory() + "rwtest-check-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(atPath: dir) }
    }

    /// The file from numbered lines (line N is `lines[N - 1]`), `$DIR` the test's directory.
    private func writeConfig(_ lines: [String]) throws -> String {
        let path = dir + "/rigwatch.yaml"
        let text = lines.joined(separator: "\n").replacingOccurrences(of: "$DIR", with: dir) + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A root-only webhook file holding `url`.
    private func writeWebhook(_ url: String, mode: mode_t = 0o600) throws -> String {
        let path = dir + "/webhook"
        try url.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, mode)
        return path
    }

    /// Everything but the alerts section, on lines 1-5; the sensor's files under the test's directory.
    private let service = [
        "watch_users: [root]",
        "service:",
        "  lock_file: $DIR/run/rigwatch.lock",
        "  state_file: \"\"",
        "  metrics_file: \"\"",
    ]

    /// Both commands exit 2 with exactly `expected` on stderr, and neither creates anything.
    private func assertBothRefuse(
        _ config: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let before = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        let check = try runCommand(Repo.rigwatchBinary, ["check-config", config])
        XCTAssertEqual(check.status, 2, check.stdout + check.stderr, file: file, line: line)
        XCTAssertEqual(check.stderr, expected, file: file, line: line)
        XCTAssertEqual(check.stdout, "", file: file, line: line)
        let run = try runCommand(
            Repo.rigwatchBinary, ["run", "--duration", "1", "--events", "none", "--config", config])
        XCTAssertEqual(run.status, 2, run.stderr, file: file, line: line)
        XCTAssertEqual(run.stderr, expected, "run says what check-config says", file: file, line: line)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), before, "nothing created",
            file: file, line: line)
    }

    // MARK: - Refused when parsed

    /// The installed configuration's `webhook_file: ""`, uncommented: run used to exit 2 on it alone.
    func testEmptyWebhookFileIsRefusedWithItsLine() throws {
        let config = try writeConfig(service + ["alerts:", "  discord:", "    webhook_file: \"\"   # none"])
        try assertBothRefuse(
            config,
            "rigwatch: error: invalid configuration: \(config):8:19: alerts.discord.webhook_file must not be empty (leave the key out for no webhook file)\n"
        )
    }

    /// run used to fail on it with a raw Foundation error once a webhook made it open the spool.
    func testEmptySpoolDirIsRefusedWithItsLine() throws {
        let webhook = try writeWebhook("http://127.0.0.1:9/api/webhooks/1/rwtest-token")
        let config = try writeConfig(
            service + ["alerts:", "  spool_dir: \"\"", "  discord:", "    webhook_file: \(webhook)"])
        try assertBothRefuse(
            config, "rigwatch: error: invalid configuration: \(config):7:14: alerts.spool_dir must not be empty\n")
    }

    /// Reported at the second time the key is written (it used to be FILE:0:0 and the whole file).
    func testDuplicateKeyIsReportedAtItsLine() throws {
        let config = try writeConfig(service + ["  lock_file: $DIR/other.lock"])
        try assertBothRefuse(
            config,
            "rigwatch: error: invalid configuration: \(config):6:3: YAML: duplicate key 'lock_file' (first at line 3)\n"
                + "      lock_file: \(dir)/other.lock\n"
                + "      ^\n")
    }

    func testTabIndentationIsReportedAtItsLine() throws {
        let config = try writeConfig(service + ["alerts:", "\tstorm_per_rule: 3"])
        try assertBothRefuse(
            config,
            "rigwatch: error: invalid configuration: \(config):7:1: YAML syntax: found character that cannot start any token; indent with spaces, not tabs\n"
                + "    \tstorm_per_rule: 3\n"
                + "    ^\n")
    }

    func testUnclosedQuoteIsReportedWhereItOpens() throws {
        let config = try writeConfig(service + ["alerts:", "  log_file: \"$DIR/alerts.jsonl", "  storm_per_rule: 3"])
        try assertBothRefuse(
            config,
            "rigwatch: error: invalid configuration: \(config):7:13: YAML syntax: found unexpected end of stream while scanning a quoted scalar that starts here\n"
                + "      log_file: \"\(dir)/alerts.jsonl\n"
                + "                ^\n")
    }

    // MARK: - Refused by the start checks

    func testGroupReadableWebhookFileIsRefusedWithItsLine() throws {
        let webhook = try writeWebhook("http://127.0.0.1:9/api/webhooks/1/rwtest-token", mode: 0o640)
        let config = try writeConfig(service + ["alerts:", "  discord:", "    webhook_file: \(webhook)"])
        try assertBothRefuse(
            config,
            "rigwatch: error: invalid configuration: \(config):8:19: alerts.discord.webhook_file: refusing the webhook file \(webhook): it is readable by group or others (mode 640); run chmod 600 \(webhook)\n"
        )
    }

    func testWebhookThatIsNotADiscordURLIsRefusedWithItsLine() throws {
        let webhook = try writeWebhook("https://example.com/hooks/rwtest-token")
        let config = try writeConfig(service + ["alerts:", "  discord:", "    webhook_file: \(webhook)"])
        try assertBothRefuse(
            config,
            "rigwatch: error: invalid configuration: \(config):8:19: alerts.discord.webhook_file: the webhook file \(webhook): the Discord webhook URL must look like https://discord.com/api/webhooks/ID/TOKEN (https://example.com/***/***)\n"
        )
        // The token never shows, whatever the URL's shape.
        XCTAssertFalse(try runCommand(Repo.rigwatchBinary, ["check-config", config]).stderr.contains("rwtest-token"))
    }

    /// A regular file where the lock's, the log's and the spool's directories would be made.
    func testPathsThatCannotBeMadeAreRefusedWithTheirLines() throws {
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/file"))
        let webhook = try writeWebhook("http://127.0.0.1:9/api/webhooks/1/rwtest-token")
        let config = try writeConfig([
            "watch_users: [root]",
            "service:",
            "  lock_file: $DIR/file/rigwatch.lock",
            "alerts:",
            "  log_file: $DIR/file/log/alerts.jsonl",
            "  spool_dir: $DIR/file/spool",
            "  discord:",
            "    webhook_file: \(webhook)",
        ])
        let error = "rigwatch: error: invalid configuration: \(config)"
        try assertBothRefuse(
            config,
            "\(error):3:14: service.lock_file: cannot create \(dir)/file/rigwatch.lock: \(dir)/file is not a directory\n"
                + "\(error):5:13: alerts.log_file: cannot create \(dir)/file/log/alerts.jsonl: \(dir)/file is not a directory\n"
                + "\(error):6:14: alerts.spool_dir: cannot create \(dir)/file/spool: \(dir)/file is not a directory\n"
        )
    }

    func testMissingSudoersImportIsRefusedWithItsLine() throws {
        let config = try writeConfig(service + ["policy:", "  import_sudoers: [/etc/sudoers, $DIR/missing-sudoers]"])
        try assertBothRefuse(
            config,
            "rigwatch: error: invalid configuration: \(config):7:34: policy.import_sudoers[1]: cannot read the sudoers file to import \(dir)/missing-sudoers: No such file or directory\n"
        )
    }

    // MARK: - Passed by both

    /// Missing directories under a writable one pass; check-config leaves them
    /// missing, run makes them and starts.
    func testAConfigurationCheckConfigPassesIsOneRunStartsWith() throws {
        let webhook = try writeWebhook("http://127.0.0.1:9/api/webhooks/1/rwtest-token")
        let config = try writeConfig([
            "watch_users: [rwtest-no-such-user]",
            "service:",
            "  lock_file: $DIR/run/rigwatch.lock",
            "  state_file: \"\"",
            "  metrics_file: \"\"",
            "alerts:",
            "  log_file: $DIR/log/alerts.jsonl",
            "  spool_dir: $DIR/lib/spool",
            "  discord:",
            "    webhook_file: \(webhook)",
        ])
        let check = try runCommand(Repo.rigwatchBinary, ["check-config", config])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(check.stdout.hasPrefix("\(config): ok\n"), check.stdout)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["rigwatch.yaml", "webhook"],
            "check-config created nothing")

        let run = try runCommand(
            Repo.rigwatchBinary, ["run", "--duration", "1", "--events", "none", "--config", config])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("sensor attached"), run.stderr)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: dir).sorted(),
            ["lib", "log", "rigwatch.yaml", "run", "webhook"], "run made its directories")
        XCTAssertFalse((check.stdout + check.stderr + run.stderr).contains("rwtest-token"), "the token leaked")
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// Every line rigwatch prints or writes (`run`, `replay`, a JSON Lines trace, the alert
/// log) matches the JSON Schemas in schema/, checked by Tests/schema/validate-lines.py
/// with Debian's python3-jsonschema (draft 2020-12).
final class SchemaTests: XCTestCase {
    static let validator = Repo.root + "/Tests/schema/validate-lines.py"
    static let schemas = Repo.root + "/schema"

    /// Runs the validator; its summary line ("validated N lines in M files"), or the failures.
    @discardableResult
    private func validate(
        _ files: [String], expectValid: Bool = true, file: StaticString = #filePath, line: UInt = #line
    )
        throws -> CommandResult
    {
        let r = try runCommand("/usr/bin/python3", [Self.validator, Self.schemas] + files)
        if expectValid {
            XCTAssertEqual(r.status, 0, r.stdout + r.stderr, file: file, line: line)
            XCTAssertTrue(r.stdout.contains("in \(files.count) files"), r.stdout, file: file, line: line)
        }
        return r
    }

    private func contentLines(_ path: String) throws -> [Substring] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
    }

    func testSamplesOfEveryKindPassAndEveryBrokenLineFails() throws {
        let samples = Repo.root + "/Tests/schema/samples.jsonl"
        let broken = Repo.root + "/Tests/schema/invalid-samples.jsonl"
        let r = try validate([samples])
        XCTAssertTrue(r.stdout.contains("validated \(try contentLines(samples).count) lines"), r.stdout)
        // Each broken line fails on its own: the count of failures is the count of lines.
        let bad = try validate([broken], expectValid: false)
        XCTAssertEqual(bad.status, 1, bad.stdout + bad.stderr)
        XCTAssertTrue(bad.stdout.contains("\(try contentLines(broken).count) lines failed"), bad.stdout)
    }

    /// For every fixture trace: `replay --events all` (events and alerts), the alert log
    /// `replay --send` writes, and the trace as `trace convert` writes it in JSON Lines.
    func testEveryLineReplayPrintsLogsAndConvertsValidates() throws {
        let dir = try tempDir("schema")
        let traces = try FileManager.default.contentsOfDirectory(atPath: Repo.fixture("traces")).filter {
            $0.hasSuffix(".jsonl") || $0.hasSuffix(".rwtrace")
        }.sorted()
        XCTAssertGreaterThan(traces.count, 10)
        var files: [String] = []
        var printedAlerts = 0
        var loggedAlerts = 0
        for name in traces {
            let trace = Repo.fixture("traces/" + name)
            let users = try TraceFile.read(path: trace).header.watchedUsers.map(\.name)
            let config = try scratchConfig(
                self, body: users.isEmpty ? "" : "watch_users: [\(users.joined(separator: ", "))]\n")
            let log = URL(fileURLWithPath: config).deletingLastPathComponent().path + "/alerts.jsonl"

            let replay = try runCommand(
                Repo.rigwatchBinary, ["replay", trace, "--events", "all", "--send", "--config", config])
            XCTAssertEqual(replay.status, 0, "\(name): \(replay.stderr)")
            let printed = dir + "/\(name).replay.jsonl"
            try replay.stdout.write(toFile: printed, atomically: true, encoding: .utf8)
            let alerts = replay.stdout.split(separator: "\n").filter { $0.hasPrefix(#"{"type":"alert""#) }.count
            printedAlerts += alerts
            files.append(printed)
            if alerts > 0 {
                // Every alert goes to the log, storm or not: the same count.
                XCTAssertEqual(try contentLines(log).count, alerts, name)
                loggedAlerts += alerts
                files.append(log)
            }

            let converted = dir + "/\(name).converted.jsonl"
            let convert = try runCommand(Repo.rigwatchBinary, ["trace", "convert", "--to", "jsonl", trace, converted])
            XCTAssertEqual(convert.status, 0, "\(name): \(convert.stderr)")
            XCTAssertTrue(
                try String(contentsOfFile: converted, encoding: .utf8).hasPrefix(
                    #"{"type":"trace_header","format_version":2,"#), name)
            files.append(converted)
        }
        XCTAssertGreaterThan(printedAlerts, 20)
        XCTAssertEqual(loggedAlerts, printedAlerts)
        try validate(files)
    }

    /// The live sensor on this kernel: what `run --events all` prints and the alert log it
    /// writes while a test user runs an unlisted command through real sudo.
    func testEveryLineALiveSensorPrintsAndLogsValidates() throws {
        try requireRoot()
        let user = try TestUser.create(self, suffix: "schema")
        try installSudoers(self, name: "rwtest-schema", content: "\(user.name) ALL=(root) NOPASSWD: /usr/bin/id\n")
        let config = try scratchConfig(self, body: "watch_users: [\(user.name)]\n")
        let log = URL(fileURLWithPath: config).deletingLastPathComponent().path + "/alerts.jsonl"
        let sensor = try SensorProcess(["run", "--config", config, "--events", "all"] + SensorProcess.noGPU)
        let started = Date().timeIntervalSince1970
        let sudo = try runCommand("/usr/bin/setpriv", user.asUser(["/usr/bin/sudo", "-n", "/usr/bin/id", "-u"]))
        XCTAssertEqual(sudo.status, 0, sudo.stderr)
        XCTAssertTrue(
            waitUntil(timeout: 10) {
                (try? String(contentsOfFile: log, encoding: .utf8))?.contains("unlisted-privileged-exec") ?? false
            }, sensor.stderrText)
        let stdout = sensor.stop()
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
        let printed = try tempDir("schema-live") + "/run.jsonl"
        try stdout.write(toFile: printed, atomically: true, encoding: .utf8)

        let output = SensorOutput(stdout)
        for kind in ["exec", "fork", "exit", "cred"] { XCTAssertFalse(output.events(kind).isEmpty, kind) }
        let alert = try XCTUnwrap(output.alerts(rule: "unlisted-privileged-exec").first, stdout)
        // Where and when, on every line: this host, the wall clock of now.
        let host = ProcessInfo.processInfo.hostName
        XCTAssertEqual(alert["host"] as? String, host)
        XCTAssertTrue(output.events.allSatisfy { $0["host"] as? String == host })
        let wall = try XCTUnwrap((alert["event_wall_ns"] as? NSNumber)?.doubleValue) / 1e9
        XCTAssertEqual(wall, started, accuracy: 60)
        let subject = try XCTUnwrap(alert["subject"] as? [String: Any])
        XCTAssertEqual(subject["exe"] as? String, "/usr/bin/id")
        let chain = try XCTUnwrap(alert["chain"] as? [[String: Any]])
        XCTAssertEqual(chain.first?["exe"] as? String, "/usr/bin/sudo", "chain: the subject's ancestors")
        // A process's pid is its tgid: the id exec printed is the one the alert names.
        let exec = output.events("exec").first { $0["filename"] as? String == "/usr/bin/id" }
        XCTAssertEqual(exec?["pid"] as? NSNumber, subject["pid"] as? NSNumber)
        XCTAssertEqual(exec?["tid"] as? NSNumber, subject["pid"] as? NSNumber, "a single-threaded process")
        try validate([printed, log])
    }
}

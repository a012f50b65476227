// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchService
import RigwatchTestSupport
import XCTest

/// The textfile metrics read back by Prometheus's own text-format parser
/// (prometheus_client, Tests/Fixtures/metrics/parse_prom.py): what node_exporter
/// would serve is what the sensor meant. Outside CI a missing parser skips; in CI
/// (CI=true) it fails (`make deps` installs python3-prometheus-client).
final class MetricsParserTests: XCTestCase {
    func testTextfileParsesWithPrometheusParser() throws {
        let dir = NSTemporaryDirectory() + "rwmetrics-parse-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/rigwatch.prom"
        var s = MetricsText.Snapshot()
        s.startTimeSeconds = 1_700_000_000.5
        s.eventsByKind = ["exec": 120, "fork": 80, "net_bytes": 7]
        s.kernelDroppedEvents = 3
        s.eventsExported = 11
        s.eventExportErrors = 2
        s.version = "0.1.0"
        s.commit = "0123456789ab-dirty"
        s.lastReloadSuccessful = false
        s.lastReloadSuccessSeconds = 1_700_000_060.25
        s.reloadSuccesses = 3
        s.reloadFailures = 1
        s.alertsBySeries = [
            .init(rule: "crypto-mining", severity: .high): 2,
            .init(rule: "unlisted-privileged-exec", severity: .critical): 5,
            .init(rule: "odd \"rule\"\\with\nnewline", severity: .low): 1,
        ]
        s.spoolDepth = 4
        s.deliveryFailures = 6
        s.delivered = 9
        try MetricsText.write(s, to: path)

        let parsed = try PrometheusText.parse(file: path)
        XCTAssertEqual(parsed.type("rigwatch_events"), "counter")
        XCTAssertEqual(parsed.value("rigwatch_events_total", ["kind": "exec"]), 120)
        XCTAssertEqual(parsed.value("rigwatch_events_total", ["kind": "fork"]), 80)
        XCTAssertEqual(parsed.value("rigwatch_events_total", ["kind": "net_bytes"]), 7)
        XCTAssertEqual(parsed.value("rigwatch_kernel_dropped_events_total"), 3)
        XCTAssertEqual(parsed.value("rigwatch_events_exported_total"), 11)
        XCTAssertEqual(parsed.value("rigwatch_event_export_errors_total"), 2)
        XCTAssertEqual(parsed.value("rigwatch_alerts_total", ["rule": "crypto-mining", "severity": "high"]), 2)
        XCTAssertEqual(
            parsed.value("rigwatch_alerts_total", ["rule": "unlisted-privileged-exec", "severity": "critical"]), 5)
        // Escaped label values come back byte for byte.
        XCTAssertEqual(
            parsed.value("rigwatch_alerts_total", ["rule": "odd \"rule\"\\with\nnewline", "severity": "low"]), 1)
        XCTAssertEqual(parsed.value("rigwatch_build_info", ["version": "0.1.0", "commit": "0123456789ab-dirty"]), 1)
        XCTAssertEqual(parsed.value("rigwatch_config_last_reload_successful"), 0)
        XCTAssertEqual(parsed.value("rigwatch_config_last_reload_success_timestamp_seconds"), 1_700_000_060.25)
        XCTAssertEqual(parsed.type("rigwatch_config_reloads"), "counter")
        XCTAssertEqual(parsed.value("rigwatch_config_reloads_total", ["result": "success"]), 3)
        XCTAssertEqual(parsed.value("rigwatch_config_reloads_total", ["result": "failure"]), 1)
        XCTAssertEqual(parsed.type("rigwatch_alert_spool_depth"), "gauge")
        XCTAssertEqual(parsed.value("rigwatch_alert_spool_depth"), 4)
        XCTAssertEqual(parsed.value("rigwatch_alert_delivery_failures_total"), 6)
        XCTAssertEqual(parsed.value("rigwatch_alerts_delivered_total"), 9)
        XCTAssertEqual(parsed.value("rigwatch_up"), 1)
        XCTAssertEqual(parsed.value("rigwatch_start_time_seconds"), 1_700_000_000.5)
        // Every family has its HELP text and a type.
        for family in parsed.families {
            XCTAssertFalse(family.documentation.isEmpty, family.name)
            XCTAssertNotEqual(family.type, "unknown", family.name)
        }
        XCTAssertEqual(parsed.families.count, 14)
    }

    /// A stopped sensor with nothing counted is still a valid file: families with HELP and TYPE, no samples.
    func testEmptyStoppedSnapshotParses() throws {
        let dir = NSTemporaryDirectory() + "rwmetrics-parse-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var s = MetricsText.Snapshot()
        s.up = false
        try MetricsText.write(s, to: dir + "/rigwatch.prom")
        let parsed = try PrometheusText.parse(file: dir + "/rigwatch.prom")
        XCTAssertEqual(parsed.value("rigwatch_up"), 0)
        XCTAssertEqual(parsed.family("rigwatch_events")?.samples.count, 0)
        XCTAssertEqual(parsed.family("rigwatch_alerts")?.samples.count, 0)
    }

    /// The parser is strict enough to matter: a malformed line is refused.
    func testParserRefusesBrokenText() throws {
        let dir = NSTemporaryDirectory() + "rwmetrics-parse-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "rigwatch_alerts_total{rule=unquoted} 1\n".write(
            toFile: dir + "/bad.prom", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PrometheusText.parse(file: dir + "/bad.prom"))
    }
}

/// Runs Tests/Fixtures/metrics/parse_prom.py and decodes what it printed.
struct PrometheusText: Decodable {
    struct Sample: Decodable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Family: Decodable {
        var name: String
        var type: String
        var documentation: String
        var samples: [Sample]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var families: [Family]

    /// Family names as the parser gives them: counters without `_total`.
    func family(_ name: String) -> Family? { families.first { $0.name == name } }
    func type(_ family: String) -> String? { self.family(family)?.type }

    func value(_ sample: String, _ labels: [String: String] = [:]) -> Double? {
        families.lazy.flatMap(\.samples).first { $0.name == sample && $0.labels == labels }?.value
    }

    static let script = Repo.fixture("metrics/parse_prom.py")

    static func parse(file: String) throws -> PrometheusText {
        let python = try interpreter()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, file]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "parse_prom.py exited \(process.terminationStatus): \(errText)")
        }
        return try JSONDecoder().decode(PrometheusText.self, from: data)
    }

    /// A python3 that has prometheus_client: Debian's (apt's python3-prometheus-client), else
    /// the one on PATH. None: a skip here, a failure in CI.
    static func interpreter(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        var candidates = ["/usr/bin/python3"]
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append("\(dir)/python3")
        }
        for python in candidates where FileManager.default.isExecutableFile(atPath: python) {
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: python)
            probe.arguments = ["-c", "import prometheus_client.parser"]
            probe.standardOutput = FileHandle.nullDevice
            probe.standardError = FileHandle.nullDevice
            guard (try? probe.run()) != nil else { continue }
            probe.waitUntilExit()
            if probe.terminationStatus == 0 { return python }
        }
        let message = "no python3 with prometheus_client (apt-get install python3-prometheus-client, or make deps)"
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            XCTFail(message, file: file, line: line)
            throw Failure(description: message)
        }
        throw XCTSkip(message)
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchService
import XCTest

final class MetricsTests: XCTestCase {
    func testExpositionText() {
        var s = MetricsText.Snapshot()
        s.startTimeSeconds = 1_700_000_000.25
        s.version = "0.1.0"
        s.commit = "0123456789ab"
        s.lastReloadSuccessful = false
        s.lastReloadSuccessSeconds = 1_700_000_100.5
        s.reloadSuccesses = 2
        s.reloadFailures = 1
        s.eventsByKind = ["fork": 10, "exec": 3]
        s.kernelDroppedEvents = 2
        s.eventsExported = 8
        s.eventExportErrors = 1
        s.alertsBySeries = [
            .init(rule: "privileged-exec", severity: .high): 4,
            .init(rule: "privileged-exec", severity: .critical): 2,
            .init(rule: "we\"ird\\rule\nx", severity: .low): 1,
        ]
        s.spoolDepth = 5
        s.deliveryFailures = 6
        s.delivered = 7
        let expected = #"""
            # HELP rigwatch_up 1 while the rigwatch sensor runs, 0 after it stopped cleanly.
            # TYPE rigwatch_up gauge
            rigwatch_up 1
            # HELP rigwatch_build_info Always 1; the labels name the sensor's release and commit.
            # TYPE rigwatch_build_info gauge
            rigwatch_build_info{version="0.1.0",commit="0123456789ab"} 1
            # HELP rigwatch_start_time_seconds Start time of the sensor since the Unix epoch in seconds.
            # TYPE rigwatch_start_time_seconds gauge
            rigwatch_start_time_seconds 1700000000.250
            # HELP rigwatch_config_last_reload_successful 1 when the last configuration load (start or SIGHUP) succeeded, 0 when it failed.
            # TYPE rigwatch_config_last_reload_successful gauge
            rigwatch_config_last_reload_successful 0
            # HELP rigwatch_config_last_reload_success_timestamp_seconds When the configuration was last loaded successfully, since the Unix epoch in seconds.
            # TYPE rigwatch_config_last_reload_success_timestamp_seconds gauge
            rigwatch_config_last_reload_success_timestamp_seconds 1700000100.500
            # HELP rigwatch_config_reloads_total Configuration reloads on SIGHUP, by result.
            # TYPE rigwatch_config_reloads_total counter
            rigwatch_config_reloads_total{result="failure"} 1
            rigwatch_config_reloads_total{result="success"} 2
            # HELP rigwatch_events_total Kernel events processed, by kind.
            # TYPE rigwatch_events_total counter
            rigwatch_events_total{kind="exec"} 3
            rigwatch_events_total{kind="fork"} 10
            # HELP rigwatch_kernel_dropped_events_total Events the kernel dropped (ring buffer full or audit backlog).
            # TYPE rigwatch_kernel_dropped_events_total counter
            rigwatch_kernel_dropped_events_total 2
            # HELP rigwatch_events_exported_total Events written to the event export file.
            # TYPE rigwatch_events_exported_total counter
            rigwatch_events_exported_total 8
            # HELP rigwatch_event_export_errors_total Events the event export could not write (open, write or rotation failed).
            # TYPE rigwatch_event_export_errors_total counter
            rigwatch_event_export_errors_total 1
            # HELP rigwatch_alerts_total Alerts raised, by rule and severity.
            # TYPE rigwatch_alerts_total counter
            rigwatch_alerts_total{rule="privileged-exec",severity="critical"} 2
            rigwatch_alerts_total{rule="privileged-exec",severity="high"} 4
            rigwatch_alerts_total{rule="we\"ird\\rule\nx",severity="low"} 1
            # HELP rigwatch_alerts_delivered_total Alerts delivered to Discord.
            # TYPE rigwatch_alerts_delivered_total counter
            rigwatch_alerts_delivered_total 7
            # HELP rigwatch_alert_delivery_failures_total Failed attempts to deliver an alert to Discord.
            # TYPE rigwatch_alert_delivery_failures_total counter
            rigwatch_alert_delivery_failures_total 6
            # HELP rigwatch_alert_spool_depth Alerts waiting in the spool for delivery.
            # TYPE rigwatch_alert_spool_depth gauge
            rigwatch_alert_spool_depth 5

            """#
        XCTAssertEqual(MetricsText.render(s), expected)
    }

    func testStoppedAndEmpty() {
        var s = MetricsText.Snapshot()
        s.up = false
        let text = MetricsText.render(s)
        XCTAssertTrue(text.contains("\nrigwatch_up 0\n"))
        XCTAssertFalse(text.contains("rigwatch_events_total{"))
        XCTAssertTrue(
            text.contains("# TYPE rigwatch_events_total counter\n# HELP rigwatch_kernel_dropped_events_total"))
    }

    func testEscaping() {
        XCTAssertEqual(MetricsText.escape("a\\b\"c\nd"), #"a\\b\"c\nd"#)
        XCTAssertEqual(MetricsText.escape("plain-rule"), "plain-rule")
    }

    func testFileIsReplacedAtomically() throws {
        let dir = NSTemporaryDirectory() + "rwmetrics-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/rigwatch.prom"
        var s = MetricsText.Snapshot()
        try MetricsText.write(s, to: path)
        let first = try FileManager.default.attributesOfItem(atPath: path)
        s.kernelDroppedEvents = 99
        try MetricsText.write(s, to: path)
        let second = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertNotEqual(
            first[.systemFileNumber] as? UInt64, second[.systemFileNumber] as? UInt64, "renamed over, not rewritten")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: dir), ["rigwatch.prom"], "no temporary file left")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), MetricsText.render(s))
        XCTAssertEqual((second[.posixPermissions] as? Int).map { $0 & 0o777 }, 0o644)
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchIO

/// Prometheus text exposition (format 0.0.4) of the sensor's counters, for the
/// node_exporter textfile collector (`service.metrics_file`).
public enum MetricsText {
    public struct Snapshot: Equatable, Sendable {
        public var up = true
        public var version = ""
        public var commit = ""
        public var startTimeSeconds: Double = 0
        /// Whether the last configuration load (the start, then each SIGHUP) succeeded.
        public var lastReloadSuccessful = true
        /// When the configuration was last loaded successfully (the start time until a reload).
        public var lastReloadSuccessSeconds: Double = 0
        public var reloadSuccesses: UInt64 = 0
        public var reloadFailures: UInt64 = 0
        public var eventsByKind: [String: UInt64] = [:]
        public var kernelDroppedEvents: UInt64 = 0
        /// The event export (`export.events_file`): lines written, and events a write failed for.
        public var eventsExported: UInt64 = 0
        public var eventExportErrors: UInt64 = 0
        public var alertsBySeries: [AlertSeries: UInt64] = [:]
        public var spoolDepth = 0
        public var deliveryFailures = 0
        public var delivered = 0
        /// The BPF source's features: the hook each runs on, or "off". Empty (no
        /// rigwatch_feature_active family) with the audit source.
        public var features: [Feature] = []

        public init() {}
    }

    public struct Feature: Equatable, Sendable {
        public var name: String
        public var hook: String
        public var active: Bool

        public init(name: String, hook: String, active: Bool) {
            self.name = name
            self.hook = hook
            self.active = active
        }
    }

    public static func render(_ s: Snapshot) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        family("rigwatch_up", "gauge", "1 while the rigwatch sensor runs, 0 after it stopped cleanly.")
        out += "rigwatch_up \(s.up ? 1 : 0)\n"
        family("rigwatch_build_info", "gauge", "Always 1; the labels name the sensor's release and commit.")
        out += "rigwatch_build_info{version=\"\(escape(s.version))\",commit=\"\(escape(s.commit))\"} 1\n"
        family("rigwatch_start_time_seconds", "gauge", "Start time of the sensor since the Unix epoch in seconds.")
        out += "rigwatch_start_time_seconds \(String(format: "%.3f", s.startTimeSeconds))\n"
        family(
            "rigwatch_config_last_reload_successful", "gauge",
            "1 when the last configuration load (start or SIGHUP) succeeded, 0 when it failed.")
        out += "rigwatch_config_last_reload_successful \(s.lastReloadSuccessful ? 1 : 0)\n"
        family(
            "rigwatch_config_last_reload_success_timestamp_seconds", "gauge",
            "When the configuration was last loaded successfully, since the Unix epoch in seconds.")
        out +=
            "rigwatch_config_last_reload_success_timestamp_seconds \(String(format: "%.3f", s.lastReloadSuccessSeconds))\n"
        family("rigwatch_config_reloads_total", "counter", "Configuration reloads on SIGHUP, by result.")
        out += "rigwatch_config_reloads_total{result=\"failure\"} \(s.reloadFailures)\n"
        out += "rigwatch_config_reloads_total{result=\"success\"} \(s.reloadSuccesses)\n"
        family("rigwatch_events_total", "counter", "Kernel events processed, by kind.")
        for (kind, n) in s.eventsByKind.sorted(by: { $0.key < $1.key }) {
            out += "rigwatch_events_total{kind=\"\(escape(kind))\"} \(n)\n"
        }
        family(
            "rigwatch_kernel_dropped_events_total", "counter",
            "Events the kernel dropped (ring buffer full or audit backlog).")
        out += "rigwatch_kernel_dropped_events_total \(s.kernelDroppedEvents)\n"
        family("rigwatch_events_exported_total", "counter", "Events written to the event export file.")
        out += "rigwatch_events_exported_total \(s.eventsExported)\n"
        family(
            "rigwatch_event_export_errors_total", "counter",
            "Events the event export could not write (open, write or rotation failed).")
        out += "rigwatch_event_export_errors_total \(s.eventExportErrors)\n"
        family("rigwatch_alerts_total", "counter", "Alerts raised, by rule and severity.")
        for (series, n) in s.alertsBySeries.sorted(by: { $0.key < $1.key }) {
            out +=
                "rigwatch_alerts_total{rule=\"\(escape(series.rule))\",severity=\"\(escape(series.severity.rawValue))\"} \(n)\n"
        }
        family("rigwatch_alerts_delivered_total", "counter", "Alerts delivered to Discord.")
        out += "rigwatch_alerts_delivered_total \(s.delivered)\n"
        family("rigwatch_alert_delivery_failures_total", "counter", "Failed attempts to deliver an alert to Discord.")
        out += "rigwatch_alert_delivery_failures_total \(s.deliveryFailures)\n"
        family("rigwatch_alert_spool_depth", "gauge", "Alerts waiting in the spool for delivery.")
        out += "rigwatch_alert_spool_depth \(s.spoolDepth)\n"
        if !s.features.isEmpty {
            family(
                "rigwatch_feature_active", "gauge",
                "1 when the kernel feature runs, on the BPF hook named by hook; 0 when it is off.")
            for f in s.features {
                out +=
                    "rigwatch_feature_active{feature=\"\(escape(f.name))\",hook=\"\(escape(f.hook))\"} \(f.active ? 1 : 0)\n"
            }
        }
        return out
    }

    /// Label value escaping: backslash, double quote and line feed.
    public static func escape(_ value: String) -> String {
        var out = ""
        for c in value.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    public static func write(_ s: Snapshot, to path: String) throws {
        try AtomicFile.write(Data(render(s).utf8), to: path, mode: 0o644)
    }
}

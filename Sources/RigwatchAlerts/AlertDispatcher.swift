// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// The detection time a printed alert carries: the wall clock live; in replay the
/// event's own time, so the same trace prints the same lines on every run.
public enum DetectionStamp {
    case wallClock(TimeSource)
    case eventTime
}

/// Every alert, the engine's and the sensor's own, once it is raised: printed in the
/// one alert shape (`AlertEnvelopeJSON`, as the alert log writes it), counted by rule
/// and severity, and handed to the router (alert log, spool, Discord) stamped with its
/// event's wall time. Runs on the sensor loop's thread, like the engine.
public final class AlertDispatcher: AlertConsumer {
    let out: LineSink
    let format: OutputFormat
    let origin: LineOrigin
    let sensorVersion: String
    let detection: DetectionStamp
    /// nil: printed only (`replay` without `--send`).
    public let router: AlertRouter?
    public private(set) var count: UInt64 = 0
    public private(set) var bySeries: [AlertSeries: UInt64] = [:]

    public init(
        out: LineSink, format: OutputFormat, origin: LineOrigin, sensorVersion: String, detection: DetectionStamp,
        router: AlertRouter?
    ) {
        self.out = out
        self.format = format
        self.origin = origin
        self.sensorVersion = sensorVersion
        self.detection = detection
        self.router = router
    }

    /// Alerts by rule, whatever their severity (the state file's `alerts_by_rule`).
    public var byRule: [String: UInt64] {
        var rules: [String: UInt64] = [:]
        for (series, n) in bySeries { rules[series.rule, default: 0] += n }
        return rules
    }

    public func consume(_ alert: Alert) {
        count += 1
        bySeries[AlertSeries(rule: alert.rule, severity: alert.severity), default: 0] += 1
        let envelope = stamp(alert)
        out.line(format == .json ? AlertEnvelopeJSON.encode(envelope) : AlertEnvelopeText.line(envelope))
        router?.submit(alert, eventWallNs: envelope.eventWallNs)
    }

    private func stamp(_ alert: Alert) -> AlertEnvelope {
        let eventWallNs = origin.wallNs(ofBootNs: alert.eventTimeNs)
        let detectedWallNs: Int64
        switch detection {
        case .wallClock(let clock): detectedWallNs = clock.wallNowNs()
        case .eventTime: detectedWallNs = eventWallNs
        }
        return AlertEnvelope(
            alert: alert, host: origin.host, sensorVersion: sensorVersion, eventWallNs: eventWallNs,
            detectedWallNs: detectedWallNs)
    }
}

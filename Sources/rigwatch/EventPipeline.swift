// SPDX-License-Identifier: Apache-2.0
import RigwatchAlerts
import RigwatchCore
import RigwatchService

/// `--events all|none`: print every event with the alerts, or the alerts alone.
enum EventsChoice: String, CaseIterable {
    case all, none
}

/// Where each alert goes once it is printed: the router (and the sensor's counters).
protocol AlertConsumer: AnyObject {
    func consume(_ alert: Alert)
}

/// Where the sensor's own alerts (heartbeat, sensor-stopping, a test alert) go: printed
/// like the engine's, then on to the router.
protocol SensorAlertOutlet: AnyObject {
    func raiseOwn(_ alert: Alert)
}

/// The detection time a printed alert carries: the wall clock live; in replay the
/// event's own time, so the same trace prints the same lines on every run.
enum DetectionStamp {
    case wallClock(TimeSource)
    case eventTime
}

/// Where a reload puts a new event export (`ConfigReloader`), and what it is built with.
protocol EventExportSlot: AnyObject {
    var export: EventExport? { get set }
    var origin: LineOrigin { get }
}

/// Events in, engine, lines out: the same path for `run` (live) and `replay`. Every
/// line carries the host and wall-clock time of `origin`; alerts print in the one
/// alert shape (`AlertEnvelopeJSON`), as the alert log writes them. With an event
/// export each event also goes there, before the engine, whatever it decides.
final class EventPipeline: EventExportSlot {
    let engine: Engine
    let out: OutputWriter
    let format: OutputFormat
    let printEvents: Bool
    let origin: LineOrigin
    let sensorVersion: String
    let detection: DetectionStamp
    private(set) var events = 0
    private(set) var alertCount = 0
    /// `export.events_file`, when on; swapped by a reload.
    var export: EventExport?
    /// Events written to the export, and those a write failed for, over every export this run had.
    private(set) var exported: UInt64 = 0
    private(set) var exportFailures: UInt64 = 0
    /// Each alert, after it is printed (the router takes it from here); nil: printed only.
    weak var alerts: AlertConsumer?

    init(
        engine: Engine, out: OutputWriter, format: OutputFormat, printEvents: Bool, origin: LineOrigin,
        sensorVersion: String = SensorVersion.string, detection: DetectionStamp
    ) {
        self.engine = engine
        self.out = out
        self.format = format
        self.printEvents = printEvents
        self.origin = origin
        self.sensorVersion = sensorVersion
        self.detection = detection
    }

    func handle(_ event: Event) {
        events += 1
        if let export {
            switch export.offer(event) {
            case .written: exported += 1
            case .failed: exportFailures += 1
            case .filtered: break
            }
        }
        if printEvents {
            out.line(
                format == .json ? EventFormat.json(event, origin: origin) : EventFormat.text(event, origin: origin))
        }
        for alert in engine.consume(event) {
            printAlert(alert)
            alerts?.consume(alert)
        }
    }

    /// One alert's line, in the shape the alert log writes.
    func printAlert(_ alert: Alert) {
        alertCount += 1
        let envelope = stamp(alert)
        out.line(format == .json ? AlertEnvelopeJSON.encode(envelope) : AlertEnvelopeText.line(envelope))
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

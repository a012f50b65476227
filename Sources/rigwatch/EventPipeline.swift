// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// `--events all|none`: print every event with the alerts, or the alerts alone.
enum EventsChoice: String, CaseIterable {
    case all, none
}

/// Where each alert goes once it is printed: the router (and the sensor's counters).
protocol AlertConsumer: AnyObject {
    func consume(_ alert: Alert)
}

/// Events in, engine, lines out: the same path for `run` (live) and `replay`.
final class EventPipeline {
    let engine: Engine
    let out: OutputWriter
    let format: OutputFormat
    let printEvents: Bool
    private(set) var events = 0
    private(set) var alertCount = 0
    /// Each alert, after it is printed (the router takes it from here); nil: printed only.
    weak var alerts: AlertConsumer?

    init(engine: Engine, out: OutputWriter, format: OutputFormat, printEvents: Bool) {
        self.engine = engine
        self.out = out
        self.format = format
        self.printEvents = printEvents
    }

    func handle(_ event: Event) {
        events += 1
        if printEvents {
            out.line(format == .json ? EventFormat.json(event) : EventFormat.text(event))
        }
        for alert in engine.consume(event) {
            alertCount += 1
            out.line(format == .json ? AlertFormat.json(alert) : AlertFormat.text(alert))
            alerts?.consume(alert)
        }
    }
}

// SPDX-License-Identifier: Apache-2.0

/// Events in, engine, alerts out: the same path for `run` (live) and `replay`. Each
/// event is counted by kind, offered to the tap (the event export), printed when
/// `printEvents` (the line carries the host and wall time of `origin`), then judged;
/// each alert goes on to `alerts` (printed, counted and routed there). No I/O of its
/// own: the lines go to a `LineSink`.
public final class EventPipeline {
    public let engine: Engine
    public let out: LineSink
    public let format: OutputFormat
    public let printEvents: Bool
    public let origin: LineOrigin
    public private(set) var events = 0
    /// Events by `Event.kindIndex`: an array add per event, not a String-keyed hash.
    private var countsByKind = [UInt64](repeating: 0, count: EventKinds.count)
    /// Events by kind name, the kinds seen only (the state file and metrics).
    public var eventsByKind: [String: UInt64] {
        var byName: [String: UInt64] = [:]
        for (i, n) in countsByKind.enumerated() where n > 0 { byName[Event.kindNames[i]] = n }
        return byName
    }
    /// Where each alert goes; nil: nowhere (a benchmark of the engine path alone).
    public weak var alerts: AlertConsumer?
    /// The event export, when on; swapped by a reload.
    public var tap: EventTap?
    /// Events the tap wrote, and those a write failed for, over every tap this run had.
    public private(set) var exported: UInt64 = 0
    public private(set) var exportFailures: UInt64 = 0

    public init(engine: Engine, out: LineSink, format: OutputFormat, printEvents: Bool, origin: LineOrigin) {
        self.engine = engine
        self.out = out
        self.format = format
        self.printEvents = printEvents
        self.origin = origin
    }

    public func handle(_ event: Event) {
        events += 1
        countsByKind[event.kindIndex] += 1
        if let tap {
            switch tap.offer(event) {
            case .written: exported += 1
            case .failed: exportFailures += 1
            case .filtered: break
            }
        }
        if printEvents {
            out.line(
                format == .json ? EventFormat.json(event, origin: origin) : EventFormat.text(event, origin: origin))
        }
        for alert in engine.consume(event) { alerts?.consume(alert) }
    }
}

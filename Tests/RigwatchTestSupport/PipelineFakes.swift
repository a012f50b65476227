// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// A `LineSink` that keeps the lines, and counts flushes.
public final class LineRecorder: LineSink {
    public private(set) var lines: [String] = []
    public private(set) var flushes = 0
    public init() {}
    public func line(_ text: String) { lines.append(text) }
    public func flush() { flushes += 1 }
}

/// An `AlertConsumer` that keeps the alerts.
public final class AlertRecorder: AlertConsumer {
    public private(set) var alerts: [Alert] = []
    public init() {}
    public func consume(_ alert: Alert) { alerts.append(alert) }
}

/// An `EventTap` that answers with `outcome` and keeps what it was offered.
public final class EventTapRecorder: EventTap {
    public var outcome: EventTapOutcome
    public private(set) var offered: [Event] = []
    public init(outcome: EventTapOutcome) { self.outcome = outcome }
    public func offer(_ event: Event) -> EventTapOutcome {
        offered.append(event)
        return outcome
    }
}

// SPDX-License-Identifier: Apache-2.0

/// Where the pipeline's lines go: stdout live and in replay (RigwatchIO's `OutputWriter`),
/// an array in tests. Buffered by the implementation; `flush` between batches.
public protocol LineSink: AnyObject {
    func line(_ text: String)
    func flush()
}

/// Where each alert the engine raises goes next: printed, counted and handed to the
/// router (RigwatchAlerts' `AlertDispatcher`); a recorder in tests.
public protocol AlertConsumer: AnyObject {
    func consume(_ alert: Alert)
}

/// A copy of every event on its way in (the event export); it filters for itself.
public protocol EventTap: AnyObject {
    func offer(_ event: Event) -> EventTapOutcome
}

/// What became of one event offered to a tap.
public enum EventTapOutcome: Equatable, Sendable {
    case filtered, written, failed
}

/// How lines are printed: JSON Lines, or one text line each.
public enum OutputFormat: String, CaseIterable, Sendable {
    case json, text
}

/// `--events all|none`: print every event with the alerts, or the alerts alone.
public enum EventsChoice: String, CaseIterable, Sendable {
    case all, none
}

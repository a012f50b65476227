// SPDX-License-Identifier: Apache-2.0
/// "The sensor lost N events": a gap in what the kernel reported is itself
/// something the operator must hear about, since anything could hide in it.
public final class LostEventsDetector: Detector {
    public let name = "sensor-lost-events"

    public init() {}

    public var observes: EventKinds { [.drops] }

    public func observe(_ event: Event, context: DetectionContext) -> [Alert] {
        guard case .drops(let d) = event, d.lost > 0 else { return [] }
        return [
            Alert(
                rule: name, severity: .high,
                title: "Sensor lost \(d.lost) events (ring buffer full)",
                eventTimeNs: d.timestampNs,
                evidence: [("lost", String(d.lost)), ("total_lost", String(d.total))],
                dedupKey: name)
        ]
    }
}

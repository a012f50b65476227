// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// `export:` — a rotated JSON Lines file of events for log shippers (Vector, Fluent Bit,
/// rsyslog's imfile), in the line schema `--events all` prints (schema/line.schema.json).
public struct ExportConfig: Equatable, Sendable {
    /// `events_file` ("" = off): where the events go, 0600 (lines carry argv).
    public var eventsFile = ""
    /// `kinds` ([] = every kind): the event kinds written, by their `type` names.
    public var kinds: [String] = []
    /// `watched_only` (true): only events of the watched users' lineages.
    public var watchedOnly = true
    /// `max_bytes` (104857600 = 100 MiB): the file rotates before a line would pass this.
    public var maxBytes = 100 << 20
    /// `keep` (5): rotated files kept (`events_file.1` ... `.keep`); 0 keeps none.
    public var keep = 5

    public init() {}

    /// The filter for the given watched users.
    public func filter(watchedUids: [UInt32]) -> EventExportFilter {
        EventExportFilter(
            kinds: kinds.isEmpty ? nil : Set(kinds), lineageUids: watchedOnly ? Set(watchedUids) : nil)
    }
}

extension ExportConfig {
    /// One line for the log: "off", or the file and its filter and rotation.
    public var summary: String {
        guard !eventsFile.isEmpty else { return "off" }
        let which = kinds.isEmpty ? "every kind" : kinds.joined(separator: ", ")
        return "\(eventsFile) (\(which); \(watchedOnly ? "watched lineages only" : "every process"); "
            + "rotated at \(maxBytes) bytes, \(keep) kept)"
    }
}

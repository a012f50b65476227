// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchConfig
import RigwatchCore
import RigwatchIO

/// The event export (`export.*`): each event the filter admits, as the JSON line
/// `--events all` prints, appended to a size-rotated file for a log shipper to tail.
/// Never throws once open: a failed write is counted (metrics) and the sensor goes on.
public final class EventExport: EventTap {
    public let config: ExportConfig
    public let filter: EventExportFilter
    let origin: LineOrigin
    let file: RotatingLineFile
    private var failureTaken = false

    /// Why the file could not be opened, for `check-config`-like errors at start and reload.
    public struct OpenError: Error, CustomStringConvertible {
        public var path: String
        public var code: Int32
        public var description: String { "export.events_file \(path): \(String(cString: strerror(code)))" }
    }

    /// Opens (creates, 0600) `config.eventsFile`; throws when it cannot, so a start or a
    /// reload with a path that does not work fails rather than exporting nothing.
    public init(config: ExportConfig, watchedUids: [UInt32], origin: LineOrigin) throws {
        self.config = config
        filter = config.filter(watchedUids: watchedUids)
        self.origin = origin
        file = RotatingLineFile(path: config.eventsFile, maxBytes: config.maxBytes, keep: config.keep)
        if let code = file.firstError { throw OpenError(path: config.eventsFile, code: code) }
    }

    @discardableResult
    public func offer(_ event: Event) -> EventTapOutcome {
        guard filter.admits(event) else { return .filtered }
        let before = file.errors
        file.append(EventFormat.json(event, origin: origin))
        return file.errors == before ? .written : .failed
    }

    /// The first write failure, once, for the caller's warning; nil before one and after.
    public func takeFirstFailure() -> String? {
        guard !failureTaken, let code = file.firstError else { return nil }
        failureTaken = true
        return
            "event export: \(config.eventsFile): \(String(cString: strerror(code))) (those events are dropped, counted in rigwatch_event_export_errors_total)"
    }

    /// SIGHUP with the same settings: the path as it is now (after logrotate's rename).
    public func reopen() { file.reopen() }
}

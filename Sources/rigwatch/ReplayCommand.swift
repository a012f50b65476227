// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchAlerts
import RigwatchConfig
import RigwatchCore
import RigwatchIO
import RigwatchService
import RigwatchSources

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run the engine over a recorded trace (binary or JSON Lines) and print the alerts.",
        discussion: "The same trace and the same configuration give byte-identical output on every run."
    )

    @Argument(help: "Trace file: binary (from `rigwatch record`) or JSON Lines.")
    var trace: String

    @OptionGroup var config: ConfigOption

    @Option(help: "Output format: json (JSON Lines) or text.")
    var format: OutputFormat = .json

    @Option(help: "Print every event with the alerts (all) or the alerts alone (none).")
    var events: EventsChoice = .none

    @Flag(help: "Also deliver the alerts through the configured sinks (alert log, Discord).")
    var send = false

    @Option(
        name: .customLong("export-events"),
        help: ArgumentHelp(
            "Also write the events the configuration's export.* filter admits to this file, as the live export does.",
            valueName: "file"))
    var exportEvents: String?

    func run() throws {
        let settings = try config.load()
        // Streamed: one event decoded, judged and dropped at a time.
        var stream: TraceStream
        do {
            stream = try TraceStream(path: trace)
        } catch {
            Log.error("\(trace): \(error)")
            throw ExitCode(2)
        }
        // Watched users: the configuration's when given, else those the trace was recorded with.
        let watched =
            config.explicitPath != nil
            ? resolveUsers(settings.watchUsers, known: stream.header.watchedUsers)
            : stream.header.watchedUsers.map { WatchedUser(uid: $0.uid, name: $0.name) }
        let session = try ReplaySession(
            settings: settings, watched: watched, header: stream.header,
            format: format, printEvents: events == .all, send: send)
        if let exportEvents {
            // The live file (export.events_file) is never a replay's: only the flag's path.
            var export = settings.export
            export.eventsFile = exportEvents
            do {
                session.export = try EventExport(
                    config: export, watchedUids: watched.map(\.uid), origin: session.pipeline.origin)
            } catch {
                Log.error("--export-events: \(error)")
                throw ExitCode(2)
            }
        }
        try session.replay(&stream, name: trace)
    }
}

/// `replay`: a trace's events through the engine and the output, one at a time;
/// with `--send` each alert also goes to the router, stamped with the wall time the
/// trace's header gives its event, and the router drains (30 s) at the end.
final class ReplaySession {
    let pipeline: EventPipeline
    let dispatcher: AlertDispatcher
    let out = OutputWriter()
    let header: TraceHeader
    /// `--export-events`: the pipeline's tap.
    var export: EventExport? {
        didSet { pipeline.tap = export }
    }

    init(
        settings: SensorConfig, watched: [WatchedUser], header: TraceHeader, format: OutputFormat,
        printEvents: Bool, send: Bool
    ) throws {
        self.header = header
        let engine = try makeEngine(settings, watched: watched)
        dispatcher = AlertDispatcher(
            out: out, format: format, origin: header.origin, sensorVersion: SensorVersion.string,
            detection: .eventTime, router: send ? try makeAlertRouter(settings, host: header.hostName) : nil)
        pipeline = EventPipeline(
            engine: engine, out: out, format: format, printEvents: printEvents, origin: header.origin)
        pipeline.alerts = dispatcher
    }

    /// Every event of `stream`; a read error ends it with exit 2 after what came before is printed.
    func replay(_ stream: inout TraceStream, name trace: String) throws {
        let router = dispatcher.router
        router?.start()
        defer {
            if let router {
                router.stop(drainSeconds: 30)
                let s = router.snapshot()
                Log.info(
                    "sent: \(s.received) alerts, \(s.delivered) delivered to Discord, \(s.spoolDepth) still spooled")
            }
        }
        do {
            while let event = try stream.next() { pipeline.handle(event) }
        } catch {
            out.flush()
            Log.error("\(trace): \(error) (after \(pipeline.events) events)")
            throw ExitCode(2)
        }
        out.flush()
        if let cut = stream.truncation { Log.warning("\(trace): \(cut)") }
        Log.info("replayed \(pipeline.events) events from \(trace): \(dispatcher.count) alerts")
        if let export {
            Log.info("exported \(pipeline.exported) events to \(export.config.eventsFile)")
            if pipeline.exportFailures > 0 {
                Log.error(
                    "\(export.takeFirstFailure() ?? "event export failed"): \(pipeline.exportFailures) events not written"
                )
                throw ExitCode(1)
            }
        }
    }
}

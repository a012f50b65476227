import ArgumentParser
import Foundation
import RigwatchAlerts
import RigwatchCore
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
        let watched = config.path != nil
            ? resolveUsers(settings.watchUsers, known: stream.header.watchedUsers)
            : stream.header.watchedUsers.map { WatchedUser(name: $0.name, uid: $0.uid) }
        let engine = try makeEngine(settings, watched: watched)
        let out = OutputWriter()
        let pipeline = EventPipeline(engine: engine, out: out, format: format, printEvents: events == .all)
        var router: AlertRouter?
        if send {
            let r = try makeAlertRouter(settings, host: stream.header.hostName)
            let header = stream.header
            pipeline.onAlert = { r.submit($0, eventWallNs: header.wallNs(ofBootNs: $0.eventTimeNs)) }
            r.start()
            router = r
        }
        defer {
            if let router {
                router.stop(drainSeconds: 30)
                let s = router.snapshot()
                Log.info("sent: \(s.received) alerts, \(s.delivered) delivered to Discord, \(s.spoolDepth) still spooled")
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
        Log.info("replayed \(pipeline.events) events from \(trace): \(pipeline.alerts) alerts")
    }
}

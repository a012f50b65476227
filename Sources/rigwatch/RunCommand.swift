import ArgumentParser
import Foundation
import RigwatchCore
import RigwatchSources

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case json, text
}

extension EventsChoice: ExpressibleByArgument {}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Load the kernel sensor, run the engine, print events and alerts."
    )

    @OptionGroup var sensor: SensorOptions
    @OptionGroup var config: ConfigOption

    @Option(help: "Output format: json (JSON Lines) or text.")
    var format: OutputFormat = .json

    @Option(help: "Print every event with the alerts (all) or the alerts alone (none).")
    var events: EventsChoice = .all

    func run() throws {
        let settings = try config.load()
        let watched = resolveUsers(sensor.watchUsers.isEmpty ? settings.watchUsers : sensor.watchUsers)
        let engineConfig = EngineConfig(watchedUids: watched, processTableCapacity: settings.processTableSize)
        let out = OutputWriter()
        let pipeline = EventPipeline(engine: Engine(config: engineConfig, detectors: Engine.standardDetectors(config: engineConfig)),
                                     out: out, format: format, printEvents: events == .all)
        var malformed = 0
        do {
            let result = try LiveSensor(options: sensor, watchedUids: watched).run(
                onRecord: { raw in
                    do {
                        pipeline.handle(try EventDecoder.decode(raw))
                    } catch {
                        malformed += 1
                        if malformed <= 10 { Log.warning("malformed kernel record skipped: \(error)") }
                    }
                },
                onDrops: { drops in
                    Log.warning("sensor lost \(drops.lost) events (ring buffer full; \(drops.total) in total)")
                    pipeline.handle(.drops(drops))
                },
                afterPoll: { out.flush() })
            out.flush()
            Log.info("stopped after \(String(format: "%.1f", result.seconds))s: \(pipeline.events) events, \(result.drops) lost, \(malformed) malformed, \(pipeline.alerts) alerts")
        } catch let failure as Preflight.Failure {
            Log.error(failure.description)
            throw ExitCode(2)
        } catch let failure as BPFSource.Failure {
            Log.error(failure.message)
            throw ExitCode(3)
        }
    }
}

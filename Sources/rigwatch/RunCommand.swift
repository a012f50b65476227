import ArgumentParser
import Foundation
import RigwatchCore
import RigwatchSources

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case json, text
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Load the kernel sensor and print one line per event."
    )

    @OptionGroup var sensor: SensorOptions

    @Option(help: "Output format: json (JSON Lines) or text.")
    var format: OutputFormat = .json

    func run() throws {
        let out = OutputWriter()
        var events = 0
        var malformed = 0
        let format = self.format
        do {
            let result = try LiveSensor(options: sensor).run(
                onRecord: { raw in
                    do {
                        let event = try EventDecoder.decode(raw)
                        events += 1
                        out.line(format == .json ? EventFormat.json(event) : EventFormat.text(event))
                    } catch {
                        malformed += 1
                        if malformed <= 10 { Log.warning("malformed kernel record skipped: \(error)") }
                    }
                },
                onDrops: { total, new in
                    out.line(format == .json
                        ? "{\"type\":\"drops\",\"lost\":\(new),\"total\":\(total)}"
                        : "drops lost=\(new) total=\(total)")
                    Log.warning("sensor lost \(new) events (ring buffer full; \(total) in total)")
                },
                afterPoll: { out.flush() })
            out.flush()
            Log.info("stopped after \(String(format: "%.1f", result.seconds))s: \(events) events, \(result.drops) lost, \(malformed) malformed")
        } catch let failure as Preflight.Failure {
            Log.error(failure.description)
            throw ExitCode(2)
        } catch let failure as BPFSource.Failure {
            Log.error(failure.message)
            throw ExitCode(3)
        }
    }
}

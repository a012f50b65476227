// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchAlerts
import RigwatchConfig
import RigwatchCore
import RigwatchService
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
        let (settings, watched) = try sensorSetup(sensor, config, startChecks: true)
        // One sensor per host, decided before anything is loaded, opened or written.
        let lock = try takeInstanceLock(settings.service.lockFile)
        defer { lock.release() }
        try SensorSession(
            settings: settings, watched: watched, sensor: sensor, configPath: config.path,
            format: format, printEvents: events == .all
        ).run()
        if Signals.stoppedByStranger {
            // Not the service manager's stop: end as a failure, so the unit brings it back.
            Log.error(
                "stopped by signal \(Signals.lastSignal) from pid \(Signals.lastSender), not by the service manager")
            throw ExitCode(Self.strangerStopStatus)
        }
    }

    /// The exit status after a stop signal from an unexpected sender.
    static let strangerStopStatus: Int32 = 1

    /// The instance lock, or the end of the command: exit 4 when another sensor holds
    /// it (its pid named), 2 when the lock file cannot be made.
    private func takeInstanceLock(_ path: String) throws -> InstanceLock {
        do {
            return try InstanceLock.acquire(path: path)
        } catch let held as InstanceLock.Held {
            Log.error(held.description)
            throw ExitCode(4)
        } catch {
            Log.error("\(error)")
            throw ExitCode(2)
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchAlerts
import RigwatchConfig
import RigwatchCore
import RigwatchService
import RigwatchSources

extension OutputFormat: ExpressibleByArgument {}

extension EventsChoice: ExpressibleByArgument {}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Load the kernel sensor, run the engine, print events and alerts.",
        discussion: """
            Exit status: 0 a clean stop (SIGINT or SIGTERM from the parent, PID 1 or the terminal; \
            the end of --duration); 1 stopped by anyone else's signal; 2 a precondition, the \
            configuration or a --bpf-hook this kernel cannot honour; 3 the BPF programs did not \
            load or attach; 4 another rigwatch run holds the instance lock; 64 a bad command line.
            """
    )

    @OptionGroup var sensor: SensorOptions
    @OptionGroup var config: ConfigOption

    @Option(help: "Output format: json (JSON Lines) or text.")
    var format: OutputFormat = .json

    @Option(help: "Print every event with the alerts (all) or the alerts alone (none).")
    var events: EventsChoice = .all

    @Flag(
        name: .customLong("no-pin"),
        help:
            "Keep nothing in bpffs: the BPF programs end with the sensor (default: they go on recording while it is down)."
    )
    var noPin = false

    @Flag(
        name: .customLong("unpin-on-exit"),
        help:
            "End the pinned BPF state on a clean stop (--duration, or a stop signal from the parent, PID 1 or the terminal); a stop by anyone else keeps it."
    )
    var unpinOnExit = false

    /// Where the kernel state is pinned; tests use a directory of their own (also
    /// through $RIGWATCH_PIN_DIR, so every sensor a test suite starts stays off a real install's).
    @Option(name: .customLong("pin-dir"), help: .hidden)
    var pinDir: String = ProcessInfo.processInfo.environment["RIGWATCH_PIN_DIR"] ?? BPFPins.defaultDirectory

    func validate() throws {
        if let problem = BPFPins.problem(with: pinDir) { throw ValidationError(problem) }
    }

    func run() throws {
        let (settings, watched) = try sensorSetup(sensor, config, startChecks: true)
        // One sensor per host, decided before anything is loaded, opened or written.
        let lock = try takeInstanceLock(settings.service.lockFile)
        defer { lock.release() }
        let session = try SensorSession(
            settings: settings, watched: watched, sensor: sensor, configPath: config.path,
            format: format, printEvents: events == .all)
        // The embedded sensor's kernel side outlives this process (a kill, a crash, a
        // restart): the next start adopts it and reads what happened meanwhile.
        session.pinning =
            noPin || sensor.bpfObject != nil ? nil : PinPolicy(directory: pinDir, unpinOnExit: unpinOnExit)
        try session.run()
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

// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchAlerts
import RigwatchConfig
import RigwatchCore
import RigwatchService

/// `rigwatch status`: what the running sensor last wrote to its state file.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running sensor's state (exit 0 running, 1 stopped or stale, 2 no state file)."
    )

    @Option(
        name: .customLong("state-file"),
        help: "The state file (default: service.state_file of --config, else /var/lib/rigwatch/state.json).")
    var stateFile: String?

    @OptionGroup var config: ConfigOption

    @Flag(help: "Print the state file's JSON instead of the summary.")
    var json = false

    func run() throws {
        // The installed configuration is root's only: a user asking without --config
        // gets the default state file (and the reason it cannot be read), not a config error.
        let settings =
            config.explicitPath == nil && config.path.map({ access($0, R_OK) != 0 }) == true
            ? SensorConfig() : try config.load()
        let path = stateFile ?? settings.service.stateFile
        let now = Date().timeIntervalSince1970
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            // Only a missing file means "no sensor wrote one"; anything else is said as it is.
            if access(path, F_OK) != 0 && errno == ENOENT {
                FileHandle.standardError.write(
                    Data(StatusReport.text(nil, verdict: .missing, now: now, path: path).utf8))
            } else if access(path, R_OK) != 0 || errno == EACCES {
                let why = String(cString: strerror(errno))
                Log.error(
                    "cannot read \(path): \(why)\(geteuid() == 0 ? "" : " (run it as root: the state directory is root's only)")"
                )
            } else {
                Log.error("cannot read \(path): \(error.localizedDescription)")
            }
            throw ExitCode(2)
        }
        let state: ServiceState
        do {
            state = try ServiceState.decode(data)
        } catch {
            Log.error("\(path): not a rigwatch state file: \(error)")
            throw ExitCode(2)
        }
        let verdict = StatusReport.verdict(state, now: now, pidAlive: StatusReport.pidAlive(state.pid))
        if json {
            FileHandle.standardOutput.write(data)
        } else {
            print(StatusReport.text(state, verdict: verdict, now: now, path: path), terminator: "")
        }
        if verdict.exitCode != 0 { throw ExitCode(verdict.exitCode) }
    }
}

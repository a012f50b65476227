// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchAlerts
import RigwatchCore

/// `rigwatch explain ALERT_ID`: one alert from the alert log, for a person: what
/// the rule means, what ran (the process and its ancestors), every piece of evidence.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain an alert of the alert log by its id.",
        discussion: """
            Alert ids count up from 1 per rule in each run of the sensor, so an id can stand in \
            the log more than once: every match is shown, oldest first.
            Exit status: 0 found, 1 no such alert, 2 the log cannot be read.
            """
    )

    @OptionGroup var config: ConfigOption

    @Option(name: .customLong("log"), help: "The alert log (default: alerts.log_file of the configuration).")
    var log: String?

    @Argument(help: "The alert's id, as in the log and on stdout: unlisted-privileged-exec-3.")
    var id: String

    func run() throws {
        let path = try log ?? config.load().alerts.logFile
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            Log.error("cannot read the alert log \(path): \(error.localizedDescription)")
            throw ExitCode(2)
        }
        var found = 0
        for line in data.split(separator: 0x0A) where !line.isEmpty {
            guard let envelope = try? AlertEnvelopeJSON.decode([UInt8](line)), envelope.alert.id == id else { continue }
            if found > 0 { print("") }
            found += 1
            print(Self.text(envelope), terminator: "")
        }
        if found == 0 {
            Log.error("no alert \(id) in \(path)")
            throw ExitCode(1)
        }
    }

    static func text(_ e: AlertEnvelope) -> String {
        let a = e.alert
        var out = "\(a.id): \(a.rule) (\(a.severity.rawValue)) on \(e.host), \(ISOTime.format(ns: e.eventWallNs))"
        out += e.count > 1 ? ", \(e.count) times until \(ISOTime.format(ns: e.lastWallNs))\n" : "\n"
        out += "  \(a.title)\n"
        if let meaning = RuleCatalog.meaning[a.rule] { out += "rule: \(meaning)\n" }
        if !a.chain.isEmpty {
            out += "what ran (the process first, then its ancestors):\n"
            for p in a.chain {
                // Byte-exact words (argv that is not UTF-8 stays visible); the program alone without argv.
                let words = p.argv.isEmpty && p.argsBytes == nil ? p.exeWord : p.commandLine
                out += "  pid \(p.pid) uid \(p.uid) euid \(p.euid): \(words)\n"
            }
        }
        if !a.evidence.isEmpty {
            out += "evidence:\n"
            for (key, value) in a.evidence { out += "  \(key): \(value)\n" }
        }
        return out
    }
}

// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchConfig
import RigwatchCore

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file as run would, short of loading BPF; print the rule count."
    )

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() throws {
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.read(path: file)
        } catch let error as ConfigError {
            Log.error("invalid configuration: \(error)")
            throw ExitCode(2)
        }
        let settings = loaded.config
        if geteuid() != 0 {
            Log.warning("not root: files are checked as uid \(geteuid()) can see them, not as run (root) will")
        }
        // What run checks before it loads BPF, with run's messages; then the warnings run logs.
        let watched = resolveUsers(settings.watchUsers)
        try StartChecks.require(loaded, watched: watched)
        _ = networkSettings(settings)
        let policies = try buildPolicies(settings, watched: watched)
        let users = watched.map { "\($0.name) (uid \($0.uid))" }.joined(separator: ", ")
        print("\(file): ok")
        print("watched users: \(users.isEmpty ? "none on this host" : users)")
        print(
            "policy \(policies.name): \(policies.ruleCount) compiled rules, argument-abuse rules \(settings.policy.abuseRules ? "on" : "off")"
        )
        printFileWatch(settings.files)
        print(
            settings.tamper.enabled
                ? "tamper signals: on, integrity check every \(settings.tamper.integrityCheckSeconds) s"
                : "tamper signals: off")
    }

    /// The watched paths and every maintenance rule in force, with where it comes from.
    private func printFileWatch(_ files: FilesConfig) {
        guard files.enabled else { return print("file watch: off") }
        let rules = files.maintenanceRules
        print("file watch: \(files.paths.count) paths, \(rules.count) maintenance rules")
        for path in files.paths { print("  watch \(path)") }
        for rule in rules {
            let parts = [
                rule.path.map { "path \($0)" }, rule.program.map { "program \($0)" },
                rule.below.map { "below \($0)" }, "lineage \(rule.lineage.rawValue)",
            ]
            print("  allow \(parts.compactMap { $0 }.joined(separator: ", ")) (\(rule.origin))")
        }
    }
}

import ArgumentParser
import Foundation
import RigwatchConfig
import RigwatchCore

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file and compile its policy; print the rule count."
    )

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() throws {
        let settings: RigwatchConfig
        do {
            settings = try ConfigLoader.load(path: file)
        } catch let error as ConfigError {
            Log.error("invalid configuration: \(error)")
            throw ExitCode(2)
        }
        let watched = resolveUsers(settings.watchUsers)
        let policies = try buildPolicies(settings, watched: watched)
        let users = watched.map { "\($0.name) (uid \($0.uid))" }.joined(separator: ", ")
        print("\(file): ok")
        print("watched users: \(users.isEmpty ? "none on this host" : users)")
        print("policy \(policies.name): \(policies.ruleCount) compiled rules, argument-abuse rules \(settings.policy.abuseRules ? "on" : "off")")
    }
}

// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchConfig
import RigwatchCore
import RigwatchSources

/// `rigwatch policy test|list`: ask the whitelist instead of waiting for an alert.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Test a command against the whitelist, or list its rules.",
        subcommands: [PolicyTestCommand.self, PolicyListCommand.self]
    )
}

/// The user whose rules apply: --user, else the configuration's first watched user.
/// A user this host does not have is judged under a placeholder uid (the rules are
/// the same for every watched user), so a policy can be tested anywhere.
private func policyUser(_ name: String?, _ settings: SensorConfig) throws -> WatchedUser {
    guard let name = name ?? settings.watchUsers.first else {
        Log.error("no watched user: give --user NAME or set watch_users")
        throw ExitCode(2)
    }
    if let uid = Users.uid(of: name) { return WatchedUser(uid: uid, name: Users.name(of: uid) ?? name) }
    return WatchedUser(uid: UInt32.max - 1, name: name)
}

private func policyParts(
    _ config: ConfigOption, user: String?
) throws -> (WatchedUser, PolicySet, ArgumentAbuseRules?) {
    let settings = try config.load()
    let watched = try policyUser(user, settings)
    let detectors = try detectorSettingsExitingOnError(settings, watched: [watched])
    guard let policies = detectors.policies else { throw ExitCode(2) }
    return (watched, policies, detectors.abuse)
}

struct PolicyTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Judge COMMAND as if a watched user ran it as root through sudo.",
        discussion: """
            Prints the whitelist's decision and the rule that made it (file:line), every \
            argument-abuse finding, and, for a wrapper (timeout, env, nice, systemd-run, …), \
            the same for what it would run. Child profiles and the root-equivalent rules judge \
            what a command starts when it runs; they are not part of this verdict.
            Exit status: 0 allowed with no finding, 1 otherwise, 2 a bad configuration, 64 a bad command line.
            Example: rigwatch policy test -- /usr/sbin/sysctl -w 'kernel.core_pattern=|/tmp/x'
            """
    )

    @OptionGroup var config: ConfigOption

    @Option(name: .customLong("user"), help: "The watched user (default: the first of watch_users).")
    var user: String?

    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
    var command: [String] = []

    func validate() throws {
        let words = command.first == "--" ? Array(command.dropFirst()) : command
        guard let first = words.first, !first.isEmpty else {
            throw ValidationError("give the command to test after --: rigwatch policy test -- /usr/bin/id")
        }
    }

    func run() throws {
        let words = command.first == "--" ? Array(command.dropFirst()) : command
        let (watched, policies, abuse) = try policyParts(config, user: user)
        let verdict = PolicyVerdict.judge(
            argv: words, uid: watched.uid, policies: policies, abuse: abuse, resolve: SudoPath.resolve)
        print(PolicyVerdictText.render(verdict, user: watched, ruleSet: policies.name), terminator: "")
        if !verdict.isClean { throw ExitCode(1) }
    }
}

struct PolicyListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Print every whitelist rule with its origin (file:line), in match order.")

    @OptionGroup var config: ConfigOption

    @Option(name: .customLong("user"), help: "The watched user (default: the first of watch_users).")
    var user: String?

    func run() throws {
        let (watched, policies, _) = try policyParts(config, user: user)
        let policy = policies.policy(for: watched.uid)
        print("policy \(policies.name) for \(watched.name): \(policy.rules.count) rules (the last match wins)")
        for rule in policy.rules { print("\(rule.origin)\t\(rule.text)") }
    }
}

/// sudo's `secure_path` on Debian and Ubuntu: where a bare command name is found.
enum SudoPath {
    static let directories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    static func resolve(_ name: String) -> String {
        if name.contains("/") { return name }
        for dir in directories where access("\(dir)/\(name)", X_OK) == 0 { return "\(dir)/\(name)" }
        return name
    }
}

/// The verdict as lines for a person.
enum PolicyVerdictText {
    static func render(_ verdict: PolicyVerdict, user: WatchedUser, ruleSet: String) -> String {
        var out = ""
        for (i, step) in verdict.steps.enumerated() {
            let line = ShellWord.commandLine(ExecEvent.joinArgs(step.argv))
            out += i == 0 ? "command: \(line)\n" : "which runs: \(line)\n"
            if !step.exe.hasPrefix("/") {
                out += "  not found in sudo's PATH (\(SudoPath.directories.joined(separator: ":")))\n"
            }
            switch step.decision {
            case .allowed:
                out += "  allowed by \(rule(step))\n"
            case .denied(let index):
                out += index == nil ? "  not allowed: no rule of \(ruleSet) matches\n" : "  denied by \(rule(step))\n"
            }
            for f in step.findings {
                out += "  finding: \(f.kind.rawValue) (\(f.severity.rawValue)): \(f.reason) [\(f.argument)]\n"
            }
        }
        // The kernel's matcher gives the whitelist's verdict (PolicyMatchKernelTests); deny
        // stops the first step no rule allows. Argument findings stay alerts.
        if let stopped = verdict.steps.first(where: { !$0.decision.isAllowed }) {
            let line = ShellWord.commandLine(ExecEvent.joinArgs(stopped.argv))
            out += "enforcement (deny mode): stops \(line) before it runs\n"
        } else {
            out += "enforcement (deny mode): lets it run\n"
        }
        if verdict.isClean {
            out += "verdict: allowed for \(user.name); the sensor would raise no alert for this command line\n"
        } else {
            var rules: [String] = []
            if verdict.steps.contains(where: { !$0.decision.isAllowed }) { rules.append("unlisted-privileged-exec") }
            if verdict.steps.contains(where: { !$0.findings.isEmpty }) { rules.append("privileged-argument-abuse") }
            out += "verdict: not allowed for \(user.name): \(rules.joined(separator: ", "))\n"
        }
        return out
    }

    private static func rule(_ step: PolicyVerdict.Step) -> String {
        guard let rule = step.rule else { return "no rule" }
        return "\(rule.text) (\(rule.origin))"
    }
}

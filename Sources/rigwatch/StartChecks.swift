// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchAlerts
import RigwatchConfig
import RigwatchCore

/// Everything `run` checks between reading the configuration and loading BPF,
/// in the one place `check-config` calls too, so a file that check-config passes
/// is one that run starts with, and a file run refuses gets the same lines from
/// both. Looks only: creates no directory and no file (run creates them later).
enum StartChecks {
    /// Each problem as the line to log; empty when run would start.
    static func problems(
        _ loaded: LoadedConfig, watched: [WatchedUser],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> [String] {
        let config = loaded.config
        var problems: [String] = []
        func invalid(_ key: String, _ message: String?) {
            if let message { problems.append("invalid configuration: " + loaded.problem(key, message)) }
        }

        // The instance lock (`InstanceLock.acquire` makes its directory).
        invalid(ConfigKeys.Service.lockFile.path, WritablePath.problem(config.service.lockFile, kind: .file))

        // The policy: each imported sudoers file, then the rules compiled as the engine compiles them.
        let imports = config.policy.importSudoers.enumerated().map { i, path in
            (importKey(i, loaded), path, unreadable(path))
        }
        for (key, path, problem) in imports {
            invalid(key, problem.map { "cannot read the sudoers file to import \(path): \($0)" })
        }
        if imports.allSatisfy({ $0.2 == nil }) {
            do {
                _ = try PolicyBuilder.build(config.policy, watched: watched)
            } catch {
                problems.append("invalid policy: \(error)")
            }
        }

        // Alert sinks (`makeAlertRouter`): the webhook, the alert log, and the spool when there is a webhook.
        let fromEnvironment = !(environment["RIGWATCH_DISCORD_WEBHOOK"] ?? "").isEmpty
        do {
            _ = try WebhookURL.load(environment: environment, file: config.alerts.discordWebhookFile)
        } catch {
            if fromEnvironment {
                problems.append("RIGWATCH_DISCORD_WEBHOOK: \(error)")
            } else {
                invalid(ConfigKeys.Discord.webhookFile.path, "\(error)")
            }
        }
        if !config.alerts.logFile.isEmpty {
            invalid(ConfigKeys.Alerts.logFile.path, WritablePath.problem(config.alerts.logFile, kind: .file))
        }
        if fromEnvironment || config.alerts.discordWebhookFile != nil {
            invalid(
                ConfigKeys.Alerts.spoolDir.path, WritablePath.problem(config.alerts.spoolDirectory, kind: .directory))
        }
        return problems
    }

    /// Logs every problem and ends the command (exit 2) when there is one.
    static func require(_ loaded: LoadedConfig, watched: [WatchedUser]) throws {
        let problems = problems(loaded, watched: watched)
        for problem in problems { Log.error(problem) }
        if !problems.isEmpty { throw ExitCode(2) }
    }

    /// `policy.import_sudoers[i]` for a list, the key itself for one path.
    private static func importKey(_ index: Int, _ loaded: LoadedConfig) -> String {
        let key = ConfigKeys.Policy.importSudoers.path
        return loaded.positions["\(key)[\(index)]"] != nil ? "\(key)[\(index)]" : key
    }

    /// Why `PolicyBuilder` could not read the file as text; nil when it can.
    private static func unreadable(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        close(fd)
        guard let data = FileManager.default.contents(atPath: path) else { return "it is not a readable file" }
        return String(data: data, encoding: .utf8) == nil ? "it is not UTF-8 text" : nil
    }
}

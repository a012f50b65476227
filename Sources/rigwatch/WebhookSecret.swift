// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchService

/// The Discord webhook URL from the environment (`RIGWATCH_DISCORD_WEBHOOK`, which
/// the unit's EnvironmentFile= sets): read once, at start, and removed from the
/// process environment, so the programs the sensor runs (nvidia-smi) never inherit
/// the secret. Reloads (SIGHUP) use the value read at start.
enum WebhookSecret {
    static let variable = "RIGWATCH_DISCORD_WEBHOOK"

    private static let atStart: String? = {
        let value = ProcessInfo.processInfo.environment[variable]
        unsetenv(variable)
        return value
    }()

    /// Reads and scrubs the variable now (call before anything spawns a child).
    static func take() { _ = atStart }

    /// What `WebhookURL.load` reads: the variable as it was at start, if set.
    static var environment: [String: String] { atStart.map { [variable: $0] } ?? [:] }

    /// For commands run outside the unit (`test-alert`): the variable, else the
    /// installed environment file when root owns it and only root can read it (the
    /// unit reads the same file). Returns the environment and warnings.
    static func environment(orFile path: String) -> (values: [String: String], warnings: [String]) {
        if let value = atStart, !value.isEmpty { return ([variable: value], []) }
        var info = stat()
        guard stat(path, &info) == 0 else { return ([:], []) }  // not installed: no file, no warning
        guard info.st_uid == 0, info.st_mode & 0o077 == 0 else {
            return (
                [:],
                [
                    "ignoring \(path): it must be owned by root and readable by root only (chmod 600 \(path))"
                ]
            )
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return ([:], ["cannot read \(path): \(String(cString: strerror(errno)))"])
        }
        let parsed = EnvironmentFile.parse(text)
        let warnings = parsed.problems.map { "\(path) \($0)" }
        return (parsed.values[variable].map { [variable: $0] } ?? [:], warnings)
    }
}

// SPDX-License-Identifier: Apache-2.0
/// How systemd-run and systemctl command lines name units. A unit runs as a child
/// of the system manager (PID 1), not of whoever asked for it: its processes leave
/// the watched lineage, so what it runs is out of the whitelist's sight.
enum SystemdRunOptions {
    /// systemd-run's options that take a value (systemd 247–255).
    static let valued: Set<String> = [
        "-u", "--unit", "-p", "--property", "--description", "--slice", "-E", "--setenv", "--uid", "--gid",
        "--working-directory", "--nice", "-H", "--host", "-M", "--machine", "--on-active", "--on-boot",
        "--on-startup", "--on-unit-active", "--on-unit-inactive", "--on-calendar", "--timer-property",
        "--path-property", "--socket-property", "--service-type",
    ]

    /// What a `systemd-run` command line starts, when it starts a unit of the
    /// system manager: without `--scope` (a scope keeps the command as the caller's
    /// child) and without `--user` (the user's own manager runs it as that user).
    struct TransientUnit: Equatable {
        /// `--unit`, with `.service` added when it names no type; nil when systemd names it.
        var unit: String?
        var command: [String]
        var properties: [String]
        /// `--on-calendar=…` and the other timer options: it runs later, from a timer.
        var timers: [String]
    }

    static func transientUnit(args: [String]) -> TransientUnit? {
        let scan = CommandOptions(args, valued: valued, stopAtFirstOperand: true)
        guard !scan.has(["--scope", "--user"]) else { return nil }
        let timerOptions: Set<String> = [
            "--on-active", "--on-boot", "--on-startup", "--on-unit-active", "--on-unit-inactive", "--on-calendar",
        ]
        var timers: [String] = []
        for item in scan.items {
            if case .option(let name, let value) = item,
                timerOptions.contains(name) || name == "--on-clock-change"
                    || name == "--on-timezone-change"
            {
                timers.append(value.map { "\(name)=\($0)" } ?? name)
            }
        }
        return TransientUnit(
            unit: scan.values(of: ["-u", "--unit"]).last.map(SystemctlUnits.unitName),
            command: scan.operands, properties: scan.values(of: ["-p", "--property"]), timers: timers)
    }
}

enum SystemctlUnits {
    /// Verbs that make the system manager run a unit now or at the next boot.
    static let startingVerbs: Set<String> = [
        "start", "restart", "try-restart", "reload-or-restart", "try-reload-or-restart", "enable", "reenable", "link",
    ]
    static let valued: Set<String> = [
        "-t", "--type", "-p", "--property", "-s", "--signal", "-H", "--host", "-M", "--machine", "--root", "-n",
        "--lines", "-o", "--output", "--state", "--job-mode", "--what", "--kill-whom", "--preset-mode", "--message",
        "--timestamp", "--boot-loader-entry", "--reboot-argument", "--drop-in", "--image",
    ]
    static let unitTypes = [
        ".service", ".socket", ".target", ".device", ".mount", ".automount", ".swap", ".timer", ".path", ".slice",
        ".scope",
    ]

    /// The verb and the unit words of a `systemctl` command line that starts or enables
    /// system units; nil for other verbs and for `--user`.
    static func starting(args: [String]) -> (verb: String, units: [String])? {
        let scan = CommandOptions(args, valued: valued)
        guard !scan.has(["--user"]), let verb = scan.operands.first, startingVerbs.contains(verb) else { return nil }
        return (verb, Array(scan.operands.dropFirst()))
    }

    /// `evil` → `evil.service`; a name with a unit type stays as it is.
    static func unitName(_ word: String) -> String {
        unitTypes.contains { word.hasSuffix($0) } ? word : word + ".service"
    }

    /// `foo@x.service` → `foo@.service`, the template file it is started from.
    static func template(of unit: String) -> String? {
        guard let at = unit.firstIndex(of: "@"), let dot = unit.lastIndex(of: "."), at < dot else { return nil }
        return String(unit[...at]) + String(unit[dot...])
    }

    /// The unit a file in a unit directory defines or changes: `/etc/systemd/system/x.service`,
    /// its drop-in `x.service.d/override.conf`, or an enablement link `multi-user.target.wants/x.service`.
    static func unit(ofPath path: String) -> String? {
        guard let dir = RootEquivalentSettings.unitDirectories.first(where: { path.hasPrefix($0) }) else { return nil }
        let parts = path.dropFirst(dir.count).split(separator: "/").map(String.init)
        guard let first = parts.first else { return nil }
        if parts.count == 1 { return unitTypes.contains { first.hasSuffix($0) } ? first : nil }
        if first.hasSuffix(".d") { return String(first.dropLast(2)) }
        if first.hasSuffix(".wants") || first.hasSuffix(".requires") || first.hasSuffix(".upholds") {
            return parts.last
        }
        return nil
    }
}

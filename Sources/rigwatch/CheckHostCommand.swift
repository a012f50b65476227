// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchCore

/// `rigwatch check-host`: the host's standing weaknesses (sudoers, sshd, readable
/// secrets, core dumps, listening services, root-equivalent groups, the sensor
/// itself), one finding each, worst first.
struct CheckHostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-host",
        abstract: "Report the host's security posture: one finding per weakness, worst first.",
        discussion: """
            Checks: sudoers grants to the watched users (ALL, root-equivalent whitelist entries), \
            sshd's effective settings, secrets readable by group or others, core dump settings, \
            TCP ports listening on every address, watched users in root-equivalent groups, and \
            the sensor's own state file. Exit status: 0 no finding or only info, 1 the worst is \
            low or medium, 3 the worst is high or critical, 2 the configuration cannot be read.
            """
    )

    @Option(
        help: ArgumentHelp(
            "Judge the tree below DIR instead of this host (no sshd -T, no socket owners).", valueName: "dir"))
    var root: String?

    @Flag(help: "One JSON object per finding.")
    var json = false

    @OptionGroup var config: ConfigOption

    func run() throws {
        let settings = try config.load()
        let findings = HostPostureCheck.findings(settings, root: root)
        for finding in findings { print(json ? finding.json : finding.text) }
        let status = PostureFinding.exitStatus(findings)
        if status != 0 { throw ExitCode(status) }
    }
}

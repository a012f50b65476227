// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchAlerts
import RigwatchCore
import RigwatchIO
import RigwatchSources

struct TestAlertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-alert",
        abstract: "Send one test alert through every configured sink and report each result."
    )

    @OptionGroup var config: ConfigOption

    @Option(help: "Seconds to wait for Discord to accept it.")
    var timeout: Double = 30

    func run() throws {
        let settings = try config.load()
        let router = try makeAlertRouter(settings)
        let now = SystemClock.wallNowNs()
        var alert = Alert(
            rule: "test-alert", severity: .info,
            title: "rigwatch test alert from \(ProcessInfo.processInfo.hostName)",
            eventTimeNs: SystemClock.bootNowNs(),
            evidence: [("note", "sent by `rigwatch test-alert`; nothing is wrong")],
            dedupKey: "test-alert|\(now)")
        alert.id = "test-alert-\(now)"
        router.start()
        router.submit(alert, eventWallNs: now)
        router.stop(drainSeconds: timeout)
        let s = router.snapshot()
        var failed = false
        if let log = router.settings.logPath {
            print("alert log \(log): \(s.logged == 1 ? "written" : "FAILED (\(s.lastError ?? "unknown"))")")
            failed = failed || s.logged != 1
        } else {
            print("alert log: off")
        }
        if let webhook = router.settings.webhook {
            if s.delivered >= 1 {
                print("Discord \(webhook): delivered")
            } else {
                print(
                    "Discord \(webhook): NOT delivered (\(s.lastError ?? "no answer in \(Int(timeout)) s")); kept in the spool \(router.settings.spoolDirectory)"
                )
                failed = true
            }
        } else {
            print("Discord: not configured (set RIGWATCH_DISCORD_WEBHOOK or alerts.discord.webhook_file)")
        }
        if failed { throw ExitCode(1) }
    }
}

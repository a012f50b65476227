// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchAlerts
import RigwatchConfig
import RigwatchCore
import RigwatchIO
import RigwatchService

struct TestAlertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-alert",
        abstract: "Send one test alert through every configured sink and report each result.",
        discussion: """
            With the sensor running (it holds service.lock_file), the running sensor sends it \
            (SIGUSR1), through its own alert log, spool and Discord sender; otherwise this \
            command sends it itself. The webhook comes from RIGWATCH_DISCORD_WEBHOOK, else \
            the installed environment file, else alerts.discord.webhook_file.
            """
    )

    @OptionGroup var config: ConfigOption

    @Option(help: "Seconds to wait for Discord to accept it.")
    var timeout: Double = 30

    @Option(help: "The environment file the unit reads (RIGWATCH_DISCORD_WEBHOOK=…).")
    var environmentFile = InstallLayout().environmentFile

    func run() throws {
        let settings = try config.load()
        if let pid = InstanceLock.runningHolder(of: settings.service.lockFile) {
            return try throughRunningSensor(pid: pid, settings)
        }
        let (environment, warnings) = WebhookSecret.environment(orFile: environmentFile)
        for warning in warnings { Log.warning(warning) }
        let router = try makeAlertRouter(settings, environment: environment)
        router.start()
        router.submit(TestAlert.make(host: router.settings.host), eventWallNs: SystemClock.wallNowNs())
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
            print(
                "Discord: not configured (set RIGWATCH_DISCORD_WEBHOOK in \(environmentFile) or alerts.discord.webhook_file)"
            )
        }
        if failed { throw ExitCode(1) }
    }

    /// Asks the running sensor (SIGUSR1) and follows the result in its alert log and
    /// state file: one spool, one sender, nothing raced.
    private func throughRunningSensor(pid: Int32, _ settings: SensorConfig) throws {
        let log = settings.alerts.logFile
        let logStart = fileSize(log)
        let state = settings.service.stateFile
        let before = try? ServiceState.load(path: state)
        guard kill(pid, SIGUSR1) == 0 else {
            Log.error("cannot signal the running sensor (pid \(pid)): \(String(cString: strerror(errno)))")
            throw ExitCode(1)
        }
        print("handed to the running sensor (pid \(pid))")
        let deadline = Date().addingTimeInterval(timeout)
        var logged = log.isEmpty
        var delivered = false
        // Without a state file there is nothing to follow delivery in; without a webhook nothing to wait for.
        let expectDelivery = before?.discordConfigured ?? true
        while Date() < deadline {
            if !logged { logged = appendedLines(log, from: logStart).contains { $0.contains(#""rule":"test-alert""#) } }
            if let now = try? ServiceState.load(path: state), let before, now.pid == before.pid,
                now.alerts.delivered > before.alerts.delivered
            {
                delivered = true
            }
            if logged && (delivered || before == nil || !expectDelivery) { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        print(
            log.isEmpty
                ? "alert log: off" : "alert log \(log): \(logged ? "written" : "NOT written in \(Int(timeout)) s")")
        if before == nil {
            print("Discord: see `rigwatch status` (no state file to follow at \(state))")
        } else if !expectDelivery {
            print("Discord: not configured in the running sensor")
        } else {
            print(
                delivered
                    ? "Discord: delivered by the running sensor"
                    : "Discord: NOT confirmed delivered in \(Int(timeout)) s; see `rigwatch status`")
        }
        if !logged || (before != nil && expectDelivery && !delivered) { throw ExitCode(1) }
    }

    private func fileSize(_ path: String) -> UInt64 {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_size) : 0
    }

    /// Lines written to `path` after byte `offset` (all of it when the file was replaced).
    private func appendedLines(_ path: String, from offset: UInt64) -> [Substring] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size >= offset ? offset : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        return String(decoding: data, as: UTF8.self).split(separator: "\n")
    }
}

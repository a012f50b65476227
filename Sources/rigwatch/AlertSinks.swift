// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchAlerts
import RigwatchConfig
import RigwatchCore
import RigwatchIO
import RigwatchService
import RigwatchSources

/// Builds the alert router from the configuration: the alert log, the spool and
/// Discord when a webhook is set. Secret and path errors end the command (exit 2).
func makeAlertRouter(
    _ settings: SensorConfig, host: String? = nil, environment: [String: String] = WebhookSecret.environment
) throws -> AlertRouter {
    let routerSettings: AlertRouter.Settings
    do {
        routerSettings = try alertRouterSettings(
            settings, host: host ?? ProcessInfo.processInfo.hostName, environment: environment)
    } catch let error as WebhookURL.Failure {
        Log.error(error.description)
        throw ExitCode(2)
    }
    do {
        let router = try AlertRouter(settings: routerSettings, clock: SystemClock())
        router.onLog = { Log.warning($0) }
        Log.info(
            "alerts: log \(routerSettings.logPath ?? "off"), \(describeWebhook(routerSettings.webhook))"
                + (router.spooledAtStart > 0
                    ? ", \(router.spooledAtStart) spooled alerts from before to deliver first" : ""))
        return router
    } catch let error as SpoolInUse {
        // Another process delivers from this spool: writing beside it would corrupt and duplicate.
        Log.error(error.description)
        throw ExitCode(2)
    } catch {
        Log.error("alert sinks: \(error)")
        throw ExitCode(2)
    }
}

/// The router's settings from the configuration, the webhook read now (the
/// environment as read at start, else `alerts.discord.webhook_file`); at start and
/// on every SIGHUP.
func alertRouterSettings(
    _ settings: SensorConfig, host: String, environment: [String: String] = WebhookSecret.environment
) throws -> AlertRouter.Settings {
    let alerts = settings.alerts
    let webhook = try WebhookURL.load(environment: environment, file: alerts.discordWebhookFile)
    var routerSettings = AlertRouter.Settings(
        host: host, sensorVersion: SensorVersion.string,
        logPath: alerts.logFile.isEmpty ? nil : alerts.logFile,
        spoolDirectory: alerts.spoolDirectory)
    routerSettings.spoolMaxBytes = alerts.spoolMaxBytes
    routerSettings.dedupWindowSeconds = alerts.dedupWindowSeconds
    routerSettings.perRuleLimit = alerts.stormPerRule
    routerSettings.webhook = webhook
    routerSettings.connectTimeoutMs = Int(alerts.discordConnectTimeoutSeconds * 1000)
    routerSettings.totalTimeoutMs = Int(alerts.discordTimeoutSeconds * 1000)
    return routerSettings
}

/// For logs: the redacted webhook, or how to set one.
func describeWebhook(_ webhook: WebhookURL?) -> String {
    webhook.map { "Discord \($0)" }
        ?? "no Discord webhook (set RIGWATCH_DISCORD_WEBHOOK or alerts.discord.webhook_file)"
}

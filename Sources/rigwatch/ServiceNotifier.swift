// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchAlerts
import RigwatchConfig
import RigwatchIO
import RigwatchService

/// Tells systemd (`Type=notify`) that the sensor is ready, how it is doing, and that
/// it is stopping; does nothing when not started with `$NOTIFY_SOCKET`. A failed
/// send is a warning: the sensor's work never depends on systemd hearing it.
final class ServiceNotifier {
    private let notify: SystemdNotify?
    private var watchdog: SystemdWatchdog?
    private var stoppingSent = false

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        notify = SystemdNotify(environment: environment)
        watchdog = notify == nil ? nil : SystemdWatchdog(environment: environment, pid: getpid())
        // Children (nvidia-smi) must not talk to systemd in our name.
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] { unsetenv(name) }
    }

    /// From the event loop, after every poll: `WATCHDOG=1` when one is due.
    func watchdogTick() {
        guard watchdog?.due(nowNs: SystemClock.bootNowNs()) == true else { return }
        send("WATCHDOG=1")
    }

    /// Once the programs are attached (or the audit source is open): the unit is started.
    func ready(status: String) { send("READY=1\nSTATUS=\(status)") }

    func status(_ text: String) { send("STATUS=\(text)") }

    /// As soon as the stop begins, before detaching and draining the alert queue; once.
    func stopping() {
        guard !stoppingSent else { return }
        stoppingSent = true
        send("STOPPING=1\nSTATUS=stopping")
    }

    private func send(_ message: String) {
        guard let notify else { return }
        do {
            try notify.send(message)
        } catch {
            Log.warning("systemd notification not sent: \(error)")
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchConfig
import RigwatchCore
import RigwatchIO
import RigwatchService

/// Runs the posture checks for the service (`service.posture_check_hours`) off the
/// poll loop: they read files and may wait up to 10 s on `sshd -T`, which the event
/// loop and its watchdog must not. `tick` (from `afterPoll`) starts a due run on a
/// thread of its own and raises the alerts of a finished one on the loop's thread.
///
/// `@unchecked Sendable`: `finished` and `running` are shared with the checking thread
/// under `lock`; everything else is the poll loop's alone.
final class HostPostureMonitor: @unchecked Sendable {
    let settings: SensorConfig
    let host: String
    private var schedule: HostPostureAlerts?
    private var hours: Int
    private let lock = NSLock()
    private var running = false
    private var finished: [PostureFinding]?

    init(settings: SensorConfig, host: String, now: Double = Date().timeIntervalSince1970) {
        self.settings = settings
        self.host = host
        hours = settings.service.postureCheckHours
        schedule = HostPostureAlerts(hours: hours, start: now)
    }

    /// `hours`: the setting in force (a reload may change it; 0 turns the checks off).
    func tick(hours newHours: Int, now: Double = Date().timeIntervalSince1970, raise: (Alert) -> Void) {
        if newHours != hours {
            hours = newHours
            schedule = HostPostureAlerts(hours: newHours, start: now)
        }
        lock.lock()
        let results = finished
        finished = nil
        let busy = running
        lock.unlock()
        if let results, schedule != nil {
            for alert in schedule!.alerts(results, host: host, bootNs: SystemClock.bootNowNs()) { raise(alert) }
        }
        guard !busy, schedule?.take(now: now) == true else { return }
        lock.lock()
        running = true
        lock.unlock()
        let settings = self.settings
        Thread.detachNewThread { [self] in
            let findings = HostPostureCheck.findings(settings, root: nil, judgeSensor: false)
            lock.lock()
            finished = findings
            running = false
            lock.unlock()
        }
    }
}

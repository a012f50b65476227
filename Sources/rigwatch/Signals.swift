// SPDX-License-Identifier: Apache-2.0
import Foundation

/// SIGINT and SIGTERM set a flag the poll loop checks (SIGHUP and SIGUSR1 too); the loop then detaches and
/// frees everything before exit. The handler only stores, which is async-signal-safe.
enum Signals {
    nonisolated(unsafe) static var stopRequested: sig_atomic_t = 0
    nonisolated(unsafe) static var lastSignal: sig_atomic_t = 0
    nonisolated(unsafe) static var reloadRequested: sig_atomic_t = 0
    nonisolated(unsafe) static var testAlertRequested: sig_atomic_t = 0

    static func installStopHandlers() {
        for sig in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signo in
                Signals.lastSignal = signo
                Signals.stopRequested = 1
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0  // no SA_RESTART: the poll must return so the loop sees the flag
            sigaction(sig, &action, nil)
        }
        var hup = sigaction()
        hup.__sigaction_handler.sa_handler = { _ in Signals.reloadRequested = 1 }
        sigemptyset(&hup.sa_mask)
        hup.sa_flags = 0
        sigaction(SIGHUP, &hup, nil)
        // SIGUSR1: `rigwatch test-alert` asks the running sensor to send a test alert
        // through its own router (one spool, one sender).
        var usr1 = sigaction()
        usr1.__sigaction_handler.sa_handler = { _ in Signals.testAlertRequested = 1 }
        sigemptyset(&usr1.sa_mask)
        usr1.sa_flags = 0
        sigaction(SIGUSR1, &usr1, nil)
        // A closed stdout pipe must end the sensor cleanly, not kill it mid-write.
        signal(SIGPIPE, SIG_IGN)
    }

    static var shouldStop: Bool { stopRequested != 0 }

    /// True once per SIGUSR1 (several before a poll count once).
    static func takeTestAlertRequest() -> Bool {
        guard testAlertRequested != 0 else { return false }
        testAlertRequested = 0
        return true
    }

    /// True once per SIGHUP.
    static func takeReloadRequest() -> Bool {
        guard reloadRequested != 0 else { return false }
        reloadRequested = 0
        return true
    }
}

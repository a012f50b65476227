// SPDX-License-Identifier: Apache-2.0
import Foundation

/// SIGINT and SIGTERM set a flag the poll loop checks (SIGHUP and SIGUSR1 too); the loop then detaches and
/// frees everything before exit. The handler only stores, which is async-signal-safe.
enum Signals {
    nonisolated(unsafe) static var stopRequested: sig_atomic_t = 0
    nonisolated(unsafe) static var lastSignal: sig_atomic_t = 0
    /// Who sent the stop signal (si_pid; 0 from the kernel, e.g. a terminal's Ctrl-C).
    nonisolated(unsafe) static var lastSender: pid_t = 0
    /// Our parent at start: whoever started the sensor may stop it (systemd, a shell, a test).
    nonisolated(unsafe) static var parentAtStart: pid_t = 0
    nonisolated(unsafe) static var reloadRequested: sig_atomic_t = 0
    nonisolated(unsafe) static var testAlertRequested: sig_atomic_t = 0

    static func installStopHandlers() {
        parentAtStart = getppid()
        for sig in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = { signo, info, _ in
                Signals.lastSender = info?.pointee._sifields._kill.si_pid ?? 0
                Signals.lastSignal = signo
                Signals.stopRequested = 1
            }
            sigemptyset(&action.sa_mask)
            // SA_SIGINFO for the sender; no SA_RESTART: the poll must return so the loop sees the flag.
            action.sa_flags = SA_SIGINFO
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

    /// A stop the sensor did not expect: a signal from a process other than the
    /// service manager (PID 1), the parent that started it, or the kernel (a
    /// terminal). It ends the sensor with a failure status, so the unit restarts it
    /// (the tamper alert says who sent it).
    static var stoppedByStranger: Bool {
        stopRequested != 0 && lastSender != 0 && lastSender != 1 && lastSender != parentAtStart
            && lastSender != getpid()
    }

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

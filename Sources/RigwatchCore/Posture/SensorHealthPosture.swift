// SPDX-License-Identifier: Apache-2.0
/// `check-host`'s look at rigwatch itself, from its state file as `rigwatch
/// status` judges it: a sensor that is not running sees nothing; one that drops
/// events or runs with features off sees less than it should.
public enum SensorHealthPosture {
    public enum State: Equatable, Sendable {
        case running
        case stopped(reason: String?)
        case stale(pidAlive: Bool)
        case missing
        case unreadable(String)
    }

    public struct Facts: Equatable, Sendable {
        public var stateFile: String
        public var state: State
        public var kernelDroppedEvents: UInt64
        /// Features of the BPF source that are off ("net-bytes: off (…)" labels).
        public var inactiveFeatures: [String]
        public var lastError: String?

        public init(
            stateFile: String, state: State, kernelDroppedEvents: UInt64 = 0, inactiveFeatures: [String] = [],
            lastError: String? = nil
        ) {
            self.stateFile = stateFile
            self.state = state
            self.kernelDroppedEvents = kernelDroppedEvents
            self.inactiveFeatures = inactiveFeatures
            self.lastError = lastError
        }
    }

    public static func check(_ facts: Facts) -> [PostureFinding] {
        let file = ("state_file", facts.stateFile)
        let start = "systemctl enable --now rigwatch; then `rigwatch status`"
        func notRunning(_ why: String, _ extra: [(String, String)] = []) -> [PostureFinding] {
            [
                PostureFinding(
                    id: "sensor-not-running", severity: .high, title: "the rigwatch sensor is not running",
                    evidence: [file, ("state", why)] + extra, fix: start)
            ]
        }
        switch facts.state {
        case .missing: return notRunning("no state file (never started, or service.state_file points elsewhere)")
        case .unreadable(let why): return notRunning("unreadable: \(why)")
        case .stopped(let reason): return notRunning("stopped", reason.map { [("stop_reason", $0)] } ?? [])
        case .stale(let alive):
            return notRunning(
                alive ? "stale (the pid is alive but the file is not updated)" : "stale (the pid is gone)")
        case .running: break
        }
        var findings: [PostureFinding] = []
        if facts.kernelDroppedEvents > 0 {
            findings.append(
                PostureFinding(
                    id: "sensor-dropping-events", severity: .medium, title: "the sensor has lost kernel events",
                    evidence: [file, ("kernel_dropped_events", String(facts.kernelDroppedEvents))],
                    fix: "raise --ring-buffer-size (docs/operations.md) and look for an event storm in the alert log"))
        }
        if !facts.inactiveFeatures.isEmpty {
            findings.append(
                PostureFinding(
                    id: "sensor-features-off", severity: .low, title: "sensor features are off on this kernel",
                    evidence: [file, ("features", facts.inactiveFeatures.joined(separator: "; "))],
                    fix: "`rigwatch check-kernel` says why; a kernel with BTF and BPF-LSM runs them all"))
        }
        return findings
    }
}

// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// An alert as it leaves the engine for the sinks: the engine's `Alert` plus what
/// only the live process knows (host, wall-clock times) and, after dedup, how
/// many alerts with the same key it stands for.
public struct AlertEnvelope: Equatable, Sendable {
    public var alert: Alert
    public var host: String
    public var sensorVersion: String
    /// Wall-clock time of the event that raised it, ns since the epoch.
    public var eventWallNs: Int64
    /// Wall-clock time the sensor raised it, ns since the epoch.
    public var detectedWallNs: Int64
    /// Alerts with this dedup key folded into this one (1 = just itself).
    public var count: Int
    /// Event times of the first and last folded alert.
    public var firstWallNs: Int64
    public var lastWallNs: Int64

    public init(
        alert: Alert, host: String, sensorVersion: String, eventWallNs: Int64, detectedWallNs: Int64,
        count: Int = 1, firstWallNs: Int64? = nil, lastWallNs: Int64? = nil
    ) {
        self.alert = alert
        self.host = host
        self.sensorVersion = sensorVersion
        self.eventWallNs = eventWallNs
        self.detectedWallNs = detectedWallNs
        self.count = count
        self.firstWallNs = firstWallNs ?? eventWallNs
        self.lastWallNs = lastWallNs ?? eventWallNs
    }
}

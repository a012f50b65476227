// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// `tamper:` — alerts when someone signals, ptraces or reads the sensor, or
/// detaches its BPF programs or alters its maps.
public struct TamperConfig: Equatable, Sendable {
    /// `enabled` (true): false turns the tamper events and the self-check off.
    public var enabled = true
    /// `integrity_check_seconds` (2): how often the sensor checks its links and maps (1...3600).
    public var integrityCheckSeconds = 2

    public init() {}

    /// The detector's settings, or nil when off. `repeatWindowSeconds`: the alert
    /// router's dedup window, so a standing problem is one alert per window.
    public func settings(repeatWindowSeconds: UInt64 = 60) -> TamperSettings? {
        enabled ? TamperSettings(repeatWindowSeconds: repeatWindowSeconds) : nil
    }
}

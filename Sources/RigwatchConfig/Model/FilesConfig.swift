// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// `files:` — file-change monitoring of the paths that grant root or persistence.
public struct FilesConfig: Equatable, Sendable {
    /// `enabled` (true): false turns the kernel filter and the detector off.
    public var enabled = true
    /// `paths` (FileWatchSettings.defaultPaths): absolute, normalised, at most 32 of at most 127 bytes.
    public var paths: [String] = FileWatchSettings.defaultPaths
    /// `default_maintenance` (true): include the built-in maintenance rules (`MaintenanceRule.defaults`).
    public var defaultMaintenance = true
    /// `maintenance` ([]): rules of your own, added to the built-in ones.
    public var maintenance: [MaintenanceRule] = []

    public init() {}

    /// Every rule in force: the built-in ones (when on) first, then the configured ones.
    public var maintenanceRules: [MaintenanceRule] {
        (defaultMaintenance ? MaintenanceRule.defaults : []) + maintenance
    }

    /// The detector's settings, or nil when file-change monitoring is off.
    /// `hostMountNamespace`: PID 1's mount namespace inode, see `FileWatchSettings`.
    public func settings(hostMountNamespace: UInt32? = nil) -> FileWatchSettings? {
        guard enabled else { return nil }
        return FileWatchSettings(
            watchedPaths: paths, maintenance: maintenanceRules, hostMountNamespace: hostMountNamespace)
    }
}

// SPDX-License-Identifier: Apache-2.0
/// What the file-change detector judges against: the watched paths (the same
/// list the kernel filters with), the maintenance that raises nothing, and the
/// host's mount namespace.
public struct FileWatchSettings: Equatable, Sendable {
    /// The list: privilege (sudoers), persistence (cron, systemd units, root's
    /// SSH keys, libvirt hooks) and code injection into every process (ld.so.preload).
    public static let defaultPaths = [
        "/etc/sudoers", "/etc/sudoers.d", "/etc/cron.d", "/etc/crontab", "/var/spool/cron",
        "/etc/systemd/system", "/root/.ssh/authorized_keys", "/etc/libvirt/hooks", "/etc/ld.so.preload",
    ]

    /// Normalised, valid, without duplicates, at most `WatchedPath.maxCount` (see `WatchedPath.normalisedList`).
    public var watchedPaths: [String]
    public var maintenance: [MaintenanceRule]
    /// The host's mount namespace inode (PID 1's `/proc/1/ns/mnt`). A writer in another
    /// one is taken to be writing its container's own files and is not reported, unless
    /// it descends from a watched user. Nil: every writer is judged as on the host.
    public var hostMountNamespace: UInt32?

    public init(
        watchedPaths: [String] = FileWatchSettings.defaultPaths,
        maintenance: [MaintenanceRule] = MaintenanceRule.defaults, hostMountNamespace: UInt32? = nil
    ) {
        self.watchedPaths = WatchedPath.normalisedList(watchedPaths)
        self.maintenance = maintenance
        self.hostMountNamespace = hostMountNamespace
    }
}

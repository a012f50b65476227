// SPDX-License-Identifier: Apache-2.0
/// What the root-equivalent detector judges against: the groups whose members are
/// root in all but name, who is in them already, and the writes that are expected
/// (the file-change maintenance rules, so a unit the Vast daemon rewrites with its
/// own `sudo tee` and then enables is not reported).
public struct RootEquivalentSettings: Equatable, Sendable {
    /// Groups whose membership is root: `docker` (the daemon's socket runs any
    /// container, `-v /:/host`), `lxd`/`incus-admin` (privileged containers, host
    /// disks), `libvirt` (VMs with host disks, qemu hooks run as root), `disk` (raw
    /// block devices: every file system, read and written below its permissions),
    /// `sudo`/`wheel`/`admin` (Debian's, RHEL's and Ubuntu's sudo rules), `root` (gid 0:
    /// root's group-writable files). Left out: `adm` and `systemd-journal` (read logs),
    /// `kvm` (/dev/kvm, not the host), `video`/`render` (GPUs: renters need them),
    /// `shadow` (reads hashes, no root without cracking one), `staff`.
    public static let defaultGroups = [
        "docker", "lxd", "incus-admin", "libvirt", "disk", "sudo", "wheel", "admin", "root",
    ]

    /// Directories whose units the system manager runs as root.
    public static let unitDirectories = [
        "/etc/systemd/system/", "/run/systemd/system/", "/run/systemd/transient/", "/lib/systemd/system/",
        "/usr/lib/systemd/system/", "/usr/local/lib/systemd/system/",
    ]

    public var groups: [String]
    /// Who each group held when the settings were built (group name → user names, from
    /// the group database and the users' primary groups): adding a member again changes nothing.
    public var members: [String: Set<String>]
    public var expectedWrites: [MaintenanceRule]
    /// Units remembered as written by a watched lineage (oldest forgotten first).
    public var unitMemory: Int

    public init(
        groups: [String] = RootEquivalentSettings.defaultGroups, members: [String: Set<String>] = [:],
        expectedWrites: [MaintenanceRule] = MaintenanceRule.defaults, unitMemory: Int = 256
    ) {
        self.groups = groups
        self.members = members
        self.expectedWrites = expectedWrites
        self.unitMemory = unitMemory
    }
}

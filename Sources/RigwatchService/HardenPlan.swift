// SPDX-License-Identifier: Apache-2.0
import Foundation

/// What `rigwatch harden` changes, as files: each with its content before (nil:
/// absent) and after (nil: removed). Paths are the host's (`/etc/…`); the
/// installer puts them under `--root`.
public struct HardenFile: Equatable, Sendable {
    public var path: String
    public var before: [UInt8]?
    public var after: [UInt8]?
    public var mode: mode_t
    /// A sudoers file: each candidate passes `visudo -c -f` before it is moved into place.
    public var isSudoers: Bool

    public init(path: String, before: [UInt8]?, after: [UInt8]?, mode: mode_t, isSudoers: Bool) {
        self.path = path
        self.before = before
        self.after = after
        self.mode = mode
        self.isSudoers = isSudoers
    }
}

public struct HardenPlan: Equatable, Sendable {
    /// Only the files that change.
    public var files: [HardenFile] = []
    /// For a person: each line disabled, each grant left and why.
    public var notes: [String] = []
    /// sysctl files to apply once in place (`sysctl -p FILE`; not under --root).
    public var sysctlFiles: [String] = []
    /// Values to put back with `sysctl -w` (undo).
    public var sysctlRestore: [(key: String, value: String)] = []

    public init() {}

    public var isEmpty: Bool { files.isEmpty && sysctlRestore.isEmpty }

    public static func == (a: HardenPlan, b: HardenPlan) -> Bool {
        a.files == b.files && a.notes == b.notes && a.sysctlFiles == b.sysctlFiles
            && a.sysctlRestore.map { "\($0.key)=\($0.value)" } == b.sysctlRestore.map { "\($0.key)=\($0.value)" }
    }
}

/// The files `--core-limits` writes: no core dumps for logins (limits.d) and none of
/// setuid or credential-changed processes (fs.suid_dumpable), whose memory holds
/// what their privilege read.
public enum CoreLimitFiles {
    public static let limits = "/etc/security/limits.d/rigwatch-core.conf"
    public static let sysctl = "/etc/sysctl.d/60-rigwatch-core.conf"
    public static let sysctlKey = "fs.suid_dumpable"

    public static let limitsText = """
        # Written by `rigwatch harden --core-limits`; `rigwatch harden --undo` removes it.
        # No core dumps: a dump of a privileged process holds what it read (keys, tokens).
        *               hard    core            0

        """

    public static let sysctlText = """
        # Written by `rigwatch harden --core-limits`; `rigwatch harden --undo` removes it.
        # No core dumps of setuid or credential-changed processes.
        fs.suid_dumpable = 0

        """
}

/// Where `harden` keeps what it replaced, and the drop-in's name.
public enum HardenLayout {
    public static let backupDirectory = "/var/lib/rigwatch/harden-backup"
    public static let sudoers = "/etc/sudoers"
    public static let sudoersDirectory = "/etc/sudoers.d"
    public static let dropInName = "rigwatch-whitelist"

    /// sudo reads a sudoers.d file only when its name has no '.' and does not end in '~';
    /// the drop-in must be read, and its name is a file name.
    public static func dropInNameProblem(_ name: String) -> String? {
        if name.isEmpty || name.contains("/") || name.contains(".") || name.hasSuffix("~") {
            return
                "the drop-in name '\(name)' must be a file name without '.' or '/' and not ending in '~' (sudo ignores such files)"
        }
        return nil
    }

    /// A sudoers.d entry sudo reads.
    public static func sudoReads(_ name: String) -> Bool {
        !name.isEmpty && !name.contains(".") && !name.hasSuffix("~")
    }
}

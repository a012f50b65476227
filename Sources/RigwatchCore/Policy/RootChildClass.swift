// SPDX-License-Identifier: Apache-2.0
/// Why a program started below an allowed root entry is suspect unless the
/// entry's child profile names it. Judged from the executed path alone (the BPF
/// exec event carries no file owner or mode), by path class: Core is pure.
public enum RootChildClass: String, Equatable, Sendable, CaseIterable {
    /// Under a directory the watched user or everyone can write (/tmp, /home, the
    /// watched user's home, …), a relative path, or an open descriptor (fexecve, memfd):
    /// whoever wrote it chose what runs as root. No profile can allow it.
    case writablePath = "writable-path"
    /// sh, bash, dash, busybox, …: runs whatever text it is given.
    case shell
    /// python*, perl*, ruby*, node, awk, …: the same, in another language.
    case interpreter
    /// Not under /usr/bin, /usr/sbin, /usr/lib*, /usr/libexec, /usr/share or their
    /// unmerged aliases: not a file the distribution installed (/usr/local is out too:
    /// the whitelist lets the watched user write /usr/local/bin/vastai-run-update).
    case outsideSystemDirectories = "outside-system-directories"
}

/// The path classes, as data. `writablePrefixes` gains the watched users' home
/// directories where the configuration is built (RigwatchConfig reads passwd).
public struct RootChildClasses: Equatable, Sendable {
    public var writablePrefixes: [String]
    public var systemPrefixes: [String]
    /// fnmatch patterns for the program's file name.
    public var shells: [String]
    public var interpreters: [String]

    public static let defaultWritablePrefixes = [
        "/tmp/", "/var/tmp/", "/dev/shm/", "/run/shm/", "/run/lock/", "/var/lock/", "/dev/mqueue/", "/home/",
        "/run/user/", "/var/crash/", "/proc/", "/dev/fd/",
    ]
    public static let defaultSystemPrefixes = [
        "/usr/bin/", "/usr/sbin/", "/usr/lib/", "/usr/lib32/", "/usr/lib64/", "/usr/libx32/", "/usr/libexec/",
        "/usr/share/", "/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/",
    ]
    public static let defaultShells = [
        "sh", "bash", "rbash", "dash", "ash", "zsh", "ksh", "ksh93", "mksh", "lksh", "pdksh", "posh", "yash", "fish",
        "csh", "tcsh", "busybox", "toybox", "elvish", "nu", "pwsh", "xonsh",
    ]
    /// awk is here: its program text is code (`system()`), like perl's `-e`.
    public static let defaultInterpreters = [
        "python", "python[0-9]*", "pypy*", "perl", "perl[0-9]*", "ruby*", "irb*", "lua*", "luajit*", "node", "nodejs",
        "deno", "bun", "php*", "tclsh*", "wish*", "expect", "guile*", "Rscript", "java", "jshell", "groovy*",
        "awk", "gawk", "mawk", "nawk", "gdb", "jjs",
    ]

    public init(
        writablePrefixes: [String] = Self.defaultWritablePrefixes,
        systemPrefixes: [String] = Self.defaultSystemPrefixes,
        shells: [String] = Self.defaultShells, interpreters: [String] = Self.defaultInterpreters
    ) {
        self.writablePrefixes = writablePrefixes
        self.systemPrefixes = systemPrefixes
        self.shells = shells
        self.interpreters = interpreters
    }

    /// The class of an executed path (already canonical: `.`/`..` resolved, /usr merged),
    /// and the prefix or name that decided it; nil for an ordinary system program.
    public func classify(canonicalPath path: [UInt8], truncated: Bool) -> (RootChildClass, String)? {
        guard path.first == 0x2f else { return (.writablePath, "a relative path (the caller's working directory)") }
        for prefix in writablePrefixes where path.starts(with: prefix.utf8) {
            return (.writablePath, "under \(prefix)")
        }
        let name = lastPathComponent(path[...])
        if let shell = Self.firstMatch(shells, name) { return (.shell, shell) }
        if let interpreter = Self.firstMatch(interpreters, name) { return (.interpreter, interpreter) }
        if truncated { return (.outsideSystemDirectories, "a path longer than the capture") }
        if !systemPrefixes.contains(where: { path.starts(with: $0.utf8) }) {
            return (.outsideSystemDirectories, "not under a system directory")
        }
        return nil
    }

    private static func firstMatch(_ patterns: [String], _ name: ArraySlice<UInt8>) -> String? {
        name.withUnsafeBufferPointer { subject in
            patterns.first { pattern in
                var p = pattern
                return p.withUTF8 { FNMatch.matches(pattern: $0, subject: subject, pathname: true) }
            }
        }
    }
}

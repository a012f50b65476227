// SPDX-License-Identifier: Apache-2.0
/// The `file-change` alert: what changed (operation and paths), by whom (program,
/// pid, user, lineage), and the process chain. High when the writer descends from
/// a watched user (the account the sensor exists to watch), medium otherwise.
enum FileChangeAlert {
    static func make(
        _ e: FileChangeEvent, sides: [FileChangeDetector.Side], uncovered: [FileChangeDetector.Side],
        actor: EventActor, settings: FileWatchSettings, rule: String, context: DetectionContext
    ) -> Alert {
        let h = e.header
        // Normalised (the same text for a canonical path); a relative symlink target stays relative.
        let path = text(WatchedPath.normalise(e.pathBytes))
        let path2 = e.path2Bytes.isEmpty ? "" : text(WatchedPath.normalise(e.path2Bytes))

        var evidence: [(String, String)] = [("operation", e.operation.name), ("path", path)]
        if e.operation == .rename || e.operation == .link { evidence.append(("new_path", path2)) }
        let watched = uncovered.map {
            $0.path == $0.watched ? text($0.path) : "\(text($0.path)) (under \(text($0.watched)))"
        }
        evidence.append(("watched", watched.joined(separator: ", ")))
        evidence += [
            ("program", actor.programText),
            ("pid", String(h.tgid)),
            ("user", actor.userText),
            ("lineage", actor.lineageText),
        ]
        if e.operation == .openWrite { evidence.append(("open_flags", openFlagsText(e.openFlags))) }
        if e.operation == .rename && e.openFlags != 0 {
            evidence.append(("rename_flags", renameFlagsText(e.openFlags)))
        }
        if e.mountNamespace != 0 {
            var ns = String(e.mountNamespace)
            if let host = settings.hostMountNamespace, host != e.mountNamespace {
                ns += " (not the host's \(host): the path may be the writer's own mount of it)"
            }
            evidence.append(("mount_namespace", ns))
        }
        evidence.append(("cgroup_id", String(h.cgroupId)))
        if let notes = notes(e, sides: sides) { evidence.append(("note", notes)) }

        let severity: Severity = actor.inWatchedLineage ? .high : .medium
        let title =
            "Watched file changed: \(what(e, path: path, path2: path2)) by \(actor.briefText) \(actor.lineageClause)"
        let lineageKey = actor.inWatchedLineage ? String(h.lineageUid) : "-"
        return Alert(
            rule: rule, severity: severity, title: title, eventTimeNs: h.timestampNs,
            chain: actor.chain(context), evidence: evidence,
            dedupKey: "\(rule)|\(e.operation.name)|\(path)|\(path2)|\(actor.shortProgram)|\(h.euid)|\(lineageKey)")
    }

    /// "/etc/sudoers opened for writing", "/tmp/x renamed to /etc/cron.d/x", …
    static func what(_ e: FileChangeEvent, path: String, path2: String) -> String {
        switch e.operation {
        case .openWrite: return "\(path) opened for writing"
        case .rename: return "\(path) renamed to \(path2)"
        case .unlink: return "\(path) deleted"
        case .link: return "\(path2) created as a link to \(path)"
        }
    }

    /// What the reader should know about how the paths were read.
    static func notes(_ e: FileChangeEvent, sides: [FileChangeDetector.Side]) -> String? {
        var notes: [String] = []
        for side in sides where side.raw != side.path {
            notes.append("'\(text(side.raw))' as the syscall named it, normalised lexically")
        }
        if e.flags.contains(.fromString) {
            notes.append("paths as the syscall named them: symlinked directories in them were not resolved")
        }
        if e.flags.contains(.pathTruncated) || e.flags.contains(.path2Truncated) {
            notes.append("a path was cut at 255 bytes")
        }
        return notes.isEmpty ? nil : notes.joined(separator: "; ")
    }

    /// Bytes that are not UTF-8 show as U+FFFD (the event itself keeps them exactly).
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// renameat2(2) flags by name: an exchange changes both files.
    static func renameFlagsText(_ flags: UInt32) -> String {
        let named: [(UInt32, String)] = [(1, "RENAME_NOREPLACE"), (2, "RENAME_EXCHANGE"), (4, "RENAME_WHITEOUT")]
        var names = named.filter { flags & $0.0 != 0 }.map(\.1)
        let rest = flags & ~7
        if rest != 0 { names.append("0x" + String(rest, radix: 16)) }
        return names.joined(separator: "|")
    }

    /// open(2) flags by name (the values of x86-64 and arm64).
    static func openFlagsText(_ flags: UInt32) -> String {
        let access: String
        switch flags & 3 {
        case 0: access = "O_RDONLY"
        case 1: access = "O_WRONLY"
        case 2: access = "O_RDWR"
        default: access = "O_ACCMODE"
        }
        let named: [(UInt32, String)] = [
            (0o100, "O_CREAT"), (0o200, "O_EXCL"), (0o1000, "O_TRUNC"), (0o2000, "O_APPEND"),
            (0o20000000, "O_TMPFILE"),
        ]
        var names = [access]
        for (bit, name) in named where flags & bit == bit { names.append(name) }
        return names.joined(separator: "|")
    }
}

// SPDX-License-Identifier: Apache-2.0
/// A change to a watched path that is expected and raises no alert: a known
/// program rewriting its own files. Every condition given must hold; one left out
/// holds always. A rule is trust: whoever can run that program in that lineage can
/// write that path unreported.
public struct MaintenanceRule: Equatable, Sendable {
    /// Whose writes the rule covers, by the writer's lineage.
    public enum Lineage: String, Equatable, Sendable, CaseIterable {
        case any
        /// Descends from a watched user (e.g. the Vast daemon's `sudo tee`).
        case watched
        /// Descends from no watched user (e.g. the host's own package manager).
        case unwatched
    }

    /// fnmatch(3) glob with FNM_PATHNAME on the normalised path changed; nil = any watched path.
    public var path: String?
    /// fnmatch(3) glob with FNM_PATHNAME on the writer's executable path as its exec
    /// named it; nil = any program. A writer whose exec the sensor never saw (it
    /// started before the sensor) has no known program and matches no glob.
    public var program: String?
    public var lineage: Lineage
    /// Where the rule comes from ("built-in: …" or "file:line"), for check-config.
    public var origin: String

    public init(path: String? = nil, program: String? = nil, lineage: Lineage = .any, origin: String = "") {
        self.path = path
        self.program = program
        self.lineage = lineage
        self.origin = origin
    }

    /// Whether this rule covers a change of the normalised `path` by `program` (bytes:
    /// a file name need not be UTF-8, and the globs match bytes as fnmatch does).
    public func covers(path changed: [UInt8], program writer: [UInt8]?, inWatchedLineage: Bool) -> Bool {
        switch lineage {
        case .any: break
        case .watched: guard inWatchedLineage else { return false }
        case .unwatched: guard !inWatchedLineage else { return false }
        }
        if let path, !Self.glob(path, matches: changed) { return false }
        if let program {
            guard let writer, Self.glob(program, matches: writer) else { return false }
        }
        return true
    }

    public func covers(path changed: String, program writer: String?, inWatchedLineage: Bool) -> Bool {
        covers(path: Array(changed.utf8), program: writer.map { Array($0.utf8) }, inWatchedLineage: inWatchedLineage)
    }

    static func glob(_ pattern: String, matches subject: [UInt8]) -> Bool {
        let p = Array(pattern.utf8)
        return p.withUnsafeBufferPointer { pb in
            subject.withUnsafeBufferPointer { FNMatch.matches(pattern: pb, subject: $0, pathname: true) }
        }
    }

    /// The files the Vast.ai host daemon (`vastai_kaalia`) rewrites on update through
    /// `sudo tee` (Vast's public host scripts; Tests/Fixtures/data/vastai-daemon-sudo-commands.txt:
    /// `/usr/bin/tee /etc/systemd/system/vastai.service`, `… vastai_bouncer.service`,
    /// `… vast_metrics.service`, `/usr/bin/tee /etc/cron.d/vastai_kaalia_update`,
    /// `/usr/bin/tee -a /etc/cron.d/vastai_restart_everything`). Only from its own lineage:
    /// anyone else writing the updater's cron file is worth a look.
    public static let vastDaemonFiles = [
        "/etc/cron.d/vastai_kaalia_update",
        "/etc/cron.d/vastai_restart_everything",
        "/etc/systemd/system/vastai.service",
        "/etc/systemd/system/vastai_bouncer.service",
        "/etc/systemd/system/vast_metrics.service",
    ]

    /// The built-in rules: the Vast daemon's own files, and package maintenance
    /// (dpkg unpacking and replacing files it ships) outside the watched lineages.
    /// What is left out on purpose: the daemon's `cp … /etc/libvirt/hooks/` (a libvirt
    /// hook runs as root on every VM start, so each new copy is reported) and the
    /// writes of packages' maintainer scripts (they run below dpkg, not as dpkg).
    public static let defaults: [MaintenanceRule] =
        vastDaemonFiles.map {
            MaintenanceRule(path: $0, program: "/usr/bin/tee", lineage: .watched, origin: "built-in: Vast daemon")
        }
        + [MaintenanceRule(program: "/usr/bin/dpkg", lineage: .unwatched, origin: "built-in: package maintenance")]
}

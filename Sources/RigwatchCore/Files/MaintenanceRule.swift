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
    /// fnmatch(3) glob with FNM_PATHNAME on an ancestor's executable path: the writer
    /// must run below a process seen exec'ing it (e.g. a package's maintainer script
    /// below `/usr/bin/dpkg`); nil = any ancestry. Ancestors come from the process
    /// table, as far as it knows them; one whose exec was not seen matches no glob.
    public var below: String?
    /// Where the rule comes from ("built-in: …" or "file:line"), for check-config.
    public var origin: String

    public init(
        path: String? = nil, program: String? = nil, lineage: Lineage = .any, below: String? = nil,
        origin: String = ""
    ) {
        self.path = path
        self.program = program
        self.lineage = lineage
        self.below = below
        self.origin = origin
    }

    /// Whether this rule covers a change of the normalised `path` by `program` (bytes:
    /// a file name need not be UTF-8, and the globs match bytes as fnmatch does), with
    /// the writer's `ancestors`' programs (nearest first, the writer itself left out).
    public func covers(
        path changed: [UInt8], program writer: [UInt8]?, inWatchedLineage: Bool, ancestors: [[UInt8]] = []
    ) -> Bool {
        switch lineage {
        case .any: break
        case .watched: guard inWatchedLineage else { return false }
        case .unwatched: guard !inWatchedLineage else { return false }
        }
        if let path, !Self.glob(path, matches: changed) { return false }
        if let program {
            guard let writer, Self.glob(program, matches: writer) else { return false }
        }
        if let below, !ancestors.contains(where: { Self.glob(below, matches: $0) }) { return false }
        return true
    }

    public func covers(
        path changed: String, program writer: String?, inWatchedLineage: Bool, ancestors: [String] = []
    ) -> Bool {
        covers(
            path: Array(changed.utf8), program: writer.map { Array($0.utf8) }, inWatchedLineage: inWatchedLineage,
            ancestors: ancestors.map { Array($0.utf8) })
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

    /// The daemon's libvirt hook, installed as its whitelisted commands do it
    /// (Tests/Fixtures/data/vastai-daemon-sudo-commands.txt: `mkdir -p /etc/libvirt/hooks/`,
    /// `cp /var/lib/vastai_kaalia/latest/qemu /etc/libvirt/hooks/`, `chmod +x …/qemu`,
    /// `chown vastai_kaalia:libvirt …/qemu`). The copy comes from the daemon's own
    /// directory, so the rule trusts the daemon with the hook, as the whitelist already
    /// does. Still reported: any other file under /etc/libvirt/hooks, any other program
    /// (tee, mv, an editor, a shell redirect), and these programs outside the watched lineages.
    public static let vastLibvirtHook: [MaintenanceRule] =
        ["/usr/bin/cp", "/usr/bin/chmod", "/usr/bin/chown"].map {
            MaintenanceRule(
                path: "/etc/libvirt/hooks/qemu", program: $0, lineage: .watched,
                origin: "built-in: Vast daemon libvirt hook")
        }
        + [
            MaintenanceRule(
                path: "/etc/libvirt/hooks", program: "/usr/bin/mkdir", lineage: .watched,
                origin: "built-in: Vast daemon libvirt hook")
        ]

    /// A package's maintainer script enabling the units it ships: `deb-systemd-helper`
    /// runs `systemctl preset`/`enable`, which links the unit into a `*.wants`
    /// directory (logrotate's postinst links logrotate.timer into timers.target.wants
    /// under the daemon's `sudo apt-get install … logrotate`; RecordedDaemonTraceTests).
    /// Only systemctl, only `*.wants` entries directly under /etc/systemd/system, and
    /// only below dpkg: a unit file written there, or a `systemctl enable` the lineage
    /// runs itself, is still reported. What a package's scripts may run at all is the
    /// child profiles' business (a local .deb is judged there, by its arguments).
    public static let packageUnitEnable = MaintenanceRule(
        path: "/etc/systemd/system/*.wants/*", program: "/usr/bin/systemctl", below: "/usr/bin/dpkg",
        origin: "built-in: package maintainer scripts enabling units")

    /// The built-in rules: the Vast daemon's own files and libvirt hook, package
    /// maintenance (dpkg unpacking and replacing files it ships) outside the watched
    /// lineages, and packages' maintainer scripts enabling their units (any lineage:
    /// the daemon's `sudo apt-get install` runs dpkg in its own). What is left out on
    /// purpose: other writes of maintainer scripts (they run below dpkg, not as dpkg).
    public static let defaults: [MaintenanceRule] =
        vastDaemonFiles.map {
            MaintenanceRule(path: $0, program: "/usr/bin/tee", lineage: .watched, origin: "built-in: Vast daemon")
        }
        + vastLibvirtHook
        + [
            MaintenanceRule(program: "/usr/bin/dpkg", lineage: .unwatched, origin: "built-in: package maintenance"),
            packageUnitEnable,
        ]
}

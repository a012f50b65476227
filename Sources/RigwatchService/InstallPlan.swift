// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchCore

/// `rigwatch install` / `rigwatch uninstall` as pure planning: given what is on
/// disk now (a lookup), which directories, files (contents and modes) and
/// commands to create, write or run. No I/O here; the CLI observes and applies.
///
/// Paths in a plan are the target paths ("/etc/rigwatch/rigwatch.yaml"); the
/// CLI prefixes them with `--root`.

/// What is at a path now (lstat: a symlink is `.other`).
public enum InstallPathState: Equatable, Sendable {
    case absent
    case file(mode: UInt32, contents: [UInt8])
    case directory(mode: UInt32)
    /// A symlink, socket, device…; the string names the kind for messages.
    case other(String)
}

/// Where everything goes, and who owns it once there.
public struct InstallLayout: Equatable, Sendable {
    /// Who keeps track of the installed files: what install records and runs follows from it.
    public enum Owner: String, Equatable, Sendable {
        /// `rigwatch install` on a host: it records a manifest for uninstall, creates the log
        /// and state directories and runs systemctl.
        case installCommand
        /// The Debian package: `rigwatch install --layout package --root STAGE` only stages the
        /// files dpkg will own (binary, unit, configuration). dpkg records them; the maintainer
        /// scripts create the log and state directories and talk to systemd.
        case debianPackage
    }

    public var owner = Owner.installCommand
    public var binary = "/usr/local/bin/rigwatch"
    public var unit = "/etc/systemd/system/rigwatch.service"
    public var configDirectory = "/etc/rigwatch"
    public var config = "/etc/rigwatch/rigwatch.yaml"
    public var environmentFile = "/etc/rigwatch/rigwatch.env"
    public var logDirectory = "/var/log/rigwatch"
    public var stateDirectory = "/var/lib/rigwatch"
    public var manifest = "/var/lib/rigwatch/install.manifest"
    public var serviceName = "rigwatch.service"
    /// Where `rigwatch run` keeps its BPF maps and links between runs (bpffs);
    /// uninstall removes it, detaching the programs (RigwatchSources' BPFPins).
    public var bpfPinDirectory = "/sys/fs/bpf/rigwatch"

    public init() {}

    /// The Debian package's paths: the binary and unit where Debian puts a package's own
    /// (/usr/bin, /lib/systemd/system: /etc/systemd/system is the administrator's); the
    /// configuration, log and state paths as `rigwatch install` uses them.
    public static let package: InstallLayout = {
        var layout = InstallLayout()
        layout.owner = .debianPackage
        layout.binary = "/usr/bin/rigwatch"
        layout.unit = "/lib/systemd/system/rigwatch.service"
        return layout
    }()

    /// A manifest for `rigwatch uninstall`; a package has dpkg's file list instead.
    public var recordsManifest: Bool { owner == .installCommand }
    /// The log and state directories hold data dpkg must not own: postinst makes them.
    public var createsDataDirectories: Bool { owner == .installCommand }
    /// Who puts the unit there and takes it away, for its header comment.
    var unitProvenance: String {
        switch owner {
        case .installCommand: return "installed by `rigwatch install`, removed by `rigwatch uninstall`"
        case .debianPackage: return "installed by the rigwatch Debian package, removed with it"
        }
    }

    public static let binaryMode: UInt32 = 0o755
    public static let unitMode: UInt32 = 0o644
    public static let configMode: UInt32 = 0o600
    public static let manifestMode: UInt32 = 0o600
    public static let configDirectoryMode: UInt32 = 0o750
    public static let logDirectoryMode: UInt32 = 0o750
    public static let stateDirectoryMode: UInt32 = 0o700
    /// Parents created along the way (/usr/local/bin in a bare tree).
    public static let parentDirectoryMode: UInt32 = 0o755
}

/// The record of what install created, so uninstall removes exactly that.
///
/// Text, one entry a line, `KIND<TAB>PATH`, in creation order; `#` lines are comments.
/// Kinds: `dir` (removed when empty), `datadir` (its contents go with --purge, then
/// removed when empty), `file` (removed), `config` (removed with --purge only).
public struct InstallManifest: Equatable, Sendable {
    public enum Kind: String, Equatable, Sendable {
        case dir, datadir, file, config
    }

    public struct Entry: Equatable, Sendable {
        public var kind: Kind
        public var path: String
        public init(_ kind: Kind, _ path: String) {
            self.kind = kind
            self.path = path
        }
    }

    public var entries: [Entry] = []

    public init(entries: [Entry] = []) { self.entries = entries }

    public static let header =
        "# rigwatch install manifest v1: what `rigwatch install` created; `rigwatch uninstall` removes exactly these.\n# KIND<TAB>PATH; dir: removed when empty; datadir: contents removed with --purge; file: removed; config: removed with --purge.\n"

    public func contains(_ path: String) -> Bool { entries.contains { $0.path == path } }

    public mutating func add(_ kind: Kind, _ path: String) {
        if !contains(path) { entries.append(Entry(kind, path)) }
    }

    public var text: String {
        InstallManifest.header + entries.map { "\($0.kind.rawValue)\t\($0.path)\n" }.joined()
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    public static func parse(_ text: String) throws -> InstallManifest {
        var manifest = InstallManifest()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = Kind(rawValue: parts[0]) else {
                throw ParseError(
                    line: index + 1,
                    message: "expected KIND<TAB>PATH with KIND one of dir, datadir, file, config: \(line)")
            }
            guard parts[1].hasPrefix("/"), !parts[1].split(separator: "/").contains("..") else {
                throw ParseError(line: index + 1, message: "not an absolute path without '..': \(parts[1])")
            }
            manifest.add(kind, parts[1])
        }
        return manifest
    }
}

/// One thing install or uninstall does, in order.
public enum InstallStep: Equatable, Sendable {
    case makeDirectory(path: String, mode: UInt32)
    /// `replacing`: a file was there with other contents.
    case writeFile(path: String, mode: UInt32, contents: [UInt8], binary: Bool, replacing: Bool)
    case setMode(path: String, mode: UInt32)
    case unchanged(path: String)
    /// Left in place, with why (an operator's config, --purge not given…).
    case keep(path: String, reason: String)
    case removeFile(path: String)
    /// Everything inside the directory (--purge of the log and state directories).
    case removeContents(path: String)
    /// Removed when empty at that point; otherwise kept with a note.
    case removeDirectoryIfEmpty(path: String)
    case run([String])
    /// Everything pinned there (the sensor's BPF state, left recording between runs).
    case removeBPFPins(path: String)
    case note(String)

    /// True for the steps that change something on disk or in systemd.
    public var changes: Bool {
        switch self {
        case .unchanged, .keep, .note: return false
        default: return true
        }
    }
}

public struct InstallPlan: Equatable, Sendable {
    public var steps: [InstallStep] = []
    /// Problems found before anything was changed: the CLI reports them and exits 2.
    public var errors: [String] = []

    public init() {}

    public var changesAnything: Bool { steps.contains { $0.changes } }
}

public struct InstallOptions: Equatable, Sendable {
    /// Bytes of the rigwatch executable to install.
    public var binary: [UInt8]
    /// Skip `systemctl enable --now`.
    public var noStart = false
    /// systemd can be told: --root is / and /run/systemd/system exists.
    public var systemd = true
    /// Why not, when `systemd` is false (for the note).
    public var systemdAbsentReason = "systemd is not running (/run/systemd/system is missing)"

    public init(binary: [UInt8]) { self.binary = binary }
}

public struct UninstallOptions: Equatable, Sendable {
    public var purge = false
    public var systemd = true
    public var systemdAbsentReason = "systemd is not running (/run/systemd/system is missing)"

    public init() {}
}

public enum InstallPlanner {
    /// The install plan. `state` tells what is at a target path now.
    public static func install(
        _ options: InstallOptions, layout: InstallLayout = InstallLayout(),
        state: (String) -> InstallPathState
    ) -> InstallPlan {
        var plan = InstallPlan()
        var manifest = InstallManifest()
        switch layout.recordsManifest ? state(layout.manifest) : .absent {
        case .absent: break
        case .file(_, let contents):
            do { manifest = try InstallManifest.parse(String(decoding: contents, as: UTF8.self)) } catch {
                plan.errors.append("\(layout.manifest): unreadable install manifest (\(error)); fix or remove it")
            }
        case .directory: plan.errors.append("\(layout.manifest) exists and is a directory, not the install manifest")
        case .other(let kind):
            plan.errors.append("\(layout.manifest) exists and is a \(kind), not the install manifest")
        }

        // Directories, parents first; a parent made here is recorded too, so uninstall leaves the tree as it was.
        var created = Set<String>()
        func directory(_ path: String, mode: UInt32, kind: InstallManifest.Kind, enforceMode: Bool) {
            for parent in ancestors(of: path) where !created.contains(parent) {
                let isTarget = parent == path
                let wanted = isTarget ? mode : InstallLayout.parentDirectoryMode
                switch state(parent) {
                case .absent:
                    plan.steps.append(.makeDirectory(path: parent, mode: wanted))
                    manifest.add(isTarget ? kind : .dir, parent)
                    created.insert(parent)
                case .directory(let current):
                    if isTarget && enforceMode && current & 0o7777 != mode {
                        plan.steps.append(.setMode(path: parent, mode: mode))
                    }
                case .file: plan.errors.append("\(parent) exists and is a file, where a directory belongs")
                case .other(let what):
                    plan.errors.append("\(parent) exists and is a \(what), where a directory belongs")
                }
            }
        }
        directory(parentPath(layout.binary), mode: InstallLayout.parentDirectoryMode, kind: .dir, enforceMode: false)
        directory(parentPath(layout.unit), mode: InstallLayout.parentDirectoryMode, kind: .dir, enforceMode: false)
        directory(layout.configDirectory, mode: InstallLayout.configDirectoryMode, kind: .dir, enforceMode: true)
        if layout.createsDataDirectories {
            directory(layout.logDirectory, mode: InstallLayout.logDirectoryMode, kind: .datadir, enforceMode: true)
            directory(
                layout.stateDirectory, mode: InstallLayout.stateDirectoryMode, kind: .datadir, enforceMode: true)
        }

        // Files: the binary and the unit are ours (rewritten when they differ); the config only when absent.
        func file(_ path: String, mode: UInt32, contents: [UInt8], binary: Bool, kind: InstallManifest.Kind) -> Bool {
            switch created.contains(parentPath(path)) ? .absent : state(path) {
            case .absent:
                plan.steps.append(
                    .writeFile(path: path, mode: mode, contents: contents, binary: binary, replacing: false))
                manifest.add(kind, path)
                return true
            case .file(let current, let existing):
                if existing == contents {
                    if current & 0o7777 != mode {
                        plan.steps.append(.setMode(path: path, mode: mode))
                    } else {
                        plan.steps.append(.unchanged(path: path))
                    }
                    return false
                }
                plan.steps.append(
                    .writeFile(path: path, mode: mode, contents: contents, binary: binary, replacing: true))
                if !manifest.contains(path) {
                    plan.steps.append(
                        .note("\(path) was there before install and is replaced; uninstall will leave it"))
                }
                return true
            case .directory:
                plan.errors.append(
                    "\(path) exists and is a directory, where the \(binary ? "rigwatch binary" : "file") belongs")
                return false
            case .other(let what):
                plan.errors.append(
                    "\(path) exists and is a \(what), not a regular file; remove it or install elsewhere")
                return false
            }
        }
        let binaryWritten = file(
            layout.binary, mode: InstallLayout.binaryMode, contents: options.binary, binary: true, kind: .file)
        let wasInstalled = manifest.contains(layout.unit)
        let unitWritten = file(
            layout.unit, mode: InstallLayout.unitMode, contents: Array(unitFile(layout).utf8), binary: false,
            kind: .file)
        switch created.contains(layout.configDirectory) ? .absent : state(layout.config) {
        case .absent:
            plan.steps.append(
                .writeFile(
                    path: layout.config, mode: InstallLayout.configMode,
                    contents: Array(defaultConfig(layout).utf8), binary: false, replacing: false))
            manifest.add(.config, layout.config)
        case .file:
            plan.steps.append(
                .keep(
                    path: layout.config,
                    reason: manifest.contains(layout.config)
                        ? "configuration kept as it is" : "the operator's configuration, kept as it is"))
        case .directory:
            plan.errors.append("\(layout.config) exists and is a directory, where the configuration file belongs")
        case .other(let what): plan.errors.append("\(layout.config) exists and is a \(what), not a regular file")
        }

        // The staged package files are dpkg's to record and systemd is the maintainer scripts' business.
        guard layout.recordsManifest else {
            plan.steps.append(
                .note("package layout: no install manifest (dpkg records these files) and no systemctl"))
            return plan
        }

        // The manifest, rewritten only when what it records changed.
        let manifestBytes = Array(manifest.text.utf8)
        switch created.contains(layout.stateDirectory) ? .absent : state(layout.manifest) {
        case .file(let mode, let existing)
        where existing == manifestBytes && mode & 0o7777 == InstallLayout.manifestMode:
            plan.steps.append(.unchanged(path: layout.manifest))
        case .file(_, let existing) where existing == manifestBytes:
            plan.steps.append(.setMode(path: layout.manifest, mode: InstallLayout.manifestMode))
        case .absent, .file:
            plan.steps.append(
                .writeFile(
                    path: layout.manifest, mode: InstallLayout.manifestMode, contents: manifestBytes,
                    binary: false, replacing: state(layout.manifest) != .absent))
        default: break  // reported above
        }

        // systemd.
        if options.systemd {
            if unitWritten { plan.steps.append(.run(["systemctl", "daemon-reload"])) }
            if options.noStart {
                plan.steps.append(
                    .note("--no-start: not enabled or started; run `systemctl enable --now \(layout.serviceName)`"))
            } else {
                plan.steps.append(.run(["systemctl", "enable", "--now", layout.serviceName]))
                // A running service picks up a new binary or unit only on restart.
                if wasInstalled && (binaryWritten || unitWritten) {
                    plan.steps.append(.run(["systemctl", "try-restart", layout.serviceName]))
                }
            }
        } else {
            plan.steps.append(
                .note(
                    "\(options.systemdAbsentReason): systemctl daemon-reload and enable --now \(layout.serviceName) not run"
                ))
        }
        return plan
    }

    /// The uninstall plan, from the manifest install wrote.
    public static func uninstall(
        _ options: UninstallOptions, layout: InstallLayout = InstallLayout(),
        state: (String) -> InstallPathState
    ) -> InstallPlan {
        var plan = InstallPlan()
        let manifest: InstallManifest
        switch state(layout.manifest) {
        case .absent:
            plan.steps.append(.note("no install manifest at \(layout.manifest): nothing recorded, nothing removed"))
            plan.steps += pinRemoval(layout, state: state)
            return plan
        case .file(_, let contents):
            do { manifest = try InstallManifest.parse(String(decoding: contents, as: UTF8.self)) } catch {
                plan.errors.append("\(layout.manifest): unreadable install manifest (\(error)); nothing removed")
                return plan
            }
        case .directory, .other:
            plan.errors.append("\(layout.manifest) is not a regular file; nothing removed")
            return plan
        }

        let ownsUnit = manifest.entries.contains { $0.path == layout.unit }
        if options.systemd && ownsUnit {
            plan.steps.append(.run(["systemctl", "disable", "--now", layout.serviceName]))
        }
        // Once the service is stopped: its programs would otherwise go on recording.
        plan.steps += pinRemoval(layout, state: state)
        for entry in manifest.entries {
            switch entry.kind {
            case .file, .config:
                if entry.kind == .config && !options.purge {
                    plan.steps.append(.keep(path: entry.path, reason: "configuration kept (--purge removes it)"))
                    continue
                }
                switch state(entry.path) {
                case .absent: plan.steps.append(.note("\(entry.path) is already gone"))
                case .file: plan.steps.append(.removeFile(path: entry.path))
                case .directory, .other:
                    plan.steps.append(.keep(path: entry.path, reason: "no longer a regular file; left alone"))
                }
            case .datadir:
                if options.purge, case .directory = state(entry.path) {
                    plan.steps.append(.removeContents(path: entry.path))
                }
            case .dir: break
            }
        }
        // Without --purge the configuration and the log and state directories stay, and so does
        // a manifest of just those, so that a later `uninstall --purge` still knows they are ours.
        var residual = InstallManifest()
        if !options.purge {
            let kept = manifest.entries.filter { $0.kind == .config || $0.kind == .datadir }.map(\.path)
            for entry in manifest.entries {
                let keep =
                    entry.kind == .config || entry.kind == .datadir
                    || (entry.kind == .dir && kept.contains { $0.hasPrefix(entry.path + "/") })
                if keep { residual.add(entry.kind, entry.path) }
            }
        }
        if residual.entries.isEmpty {
            if case .file = state(layout.manifest) { plan.steps.append(.removeFile(path: layout.manifest)) }
        } else {
            if case .file(_, let existing) = state(layout.manifest), existing == Array(residual.text.utf8) {
                plan.steps.append(.unchanged(path: layout.manifest))
            } else {
                plan.steps.append(
                    .writeFile(
                        path: layout.manifest, mode: InstallLayout.manifestMode,
                        contents: Array(residual.text.utf8), binary: false, replacing: true))
            }
            plan.steps.append(
                .note(
                    "the configuration and the log and state directories stay, recorded in \(layout.manifest) (`rigwatch uninstall --purge` removes them)"
                ))
        }
        // Directories last, deepest first, each only when empty by then.
        let directories = manifest.entries.filter {
            ($0.kind == .dir || $0.kind == .datadir) && !residual.contains($0.path)
        }.map(\.path)
        for path in directories.sorted(by: { depth($0) > depth($1) || (depth($0) == depth($1) && $0 > $1) }) {
            if case .directory = state(path) { plan.steps.append(.removeDirectoryIfEmpty(path: path)) }
        }
        if options.systemd && ownsUnit {
            plan.steps.append(.run(["systemctl", "daemon-reload"]))
        } else if !options.systemd && ownsUnit {
            plan.steps.append(
                .note("\(options.systemdAbsentReason): systemctl disable --now \(layout.serviceName) not run"))
        }
        return plan
    }

    /// The pinned BPF state, when there is any: a stopped sensor leaves it recording.
    static func pinRemoval(_ layout: InstallLayout, state: (String) -> InstallPathState) -> [InstallStep] {
        guard case .directory = state(layout.bpfPinDirectory) else { return [] }
        return [.removeBPFPins(path: layout.bpfPinDirectory)]
    }

    // MARK: - Contents

    /// The unit file. Hardening that still lets the sensor load BPF, mount
    /// tracefs/bpffs and write its log and state directories.
    public static func unitFile(_ layout: InstallLayout = InstallLayout()) -> String {
        """
        # \(layout.unit): \(layout.unitProvenance).
        # Rewritten on every install: put local changes in a drop-in (systemctl edit rigwatch).
        [Unit]
        Description=rigwatch kernel security sensor
        Documentation=man:rigwatch(8)
        After=network-online.target
        Wants=network-online.target
        # A sensor that keeps dying is shown failed after 5 starts in 2 minutes, not restarted forever.
        StartLimitIntervalSec=120
        StartLimitBurst=5

        [Service]
        # Started means watching: rigwatch sends READY=1 only once its BPF programs are attached
        # (or the audit source is open), STOPPING=1 when it begins to stop.
        Type=notify
        NotifyAccess=main
        # Loading and attaching BPF, seeding lineage from /proc and compiling the policy take
        # seconds; a minute covers a loaded host without hiding a hang.
        TimeoutStartSec=60s
        ExecStart=\(layout.binary) run --config \(layout.config) --events none
        # A reload validates first: a rejected configuration fails `systemctl reload` and the
        # running sensor keeps its configuration (the SIGHUP is never sent).
        ExecReload=\(layout.binary) check-config \(layout.config)
        ExecReload=/bin/kill -HUP $MAINPID
        # Any end but a clean stop is restarted, a signal from anyone included; exit status 2
        # (the configuration or the command line is wrong) is not: restarting cannot fix it.
        Restart=always
        RestartSec=2s
        RestartPreventExitStatus=2
        # The event loop sends WATCHDOG=1 at half this interval; a hung loop is killed and restarted.
        WatchdogSec=30s
        # RIGWATCH_DISCORD_WEBHOOK=<webhook URL> goes in this root-only (0600) file, never here;
        # the leading '-' makes it optional. rigwatch reads it at start and removes it from its
        # environment, so the programs it runs (nvidia-smi) never inherit the secret.
        EnvironmentFile=-\(layout.environmentFile)
        # BPF maps and ring buffers are locked memory (kernels before 5.11 count them against it).
        LimitMEMLOCK=infinity

        # Hardening that still lets BPF load.
        NoNewPrivileges=yes
        # /usr, /boot and /etc read-only. Not "strict": the sensor writes /var/log/rigwatch,
        # /var/lib/rigwatch (and the node_exporter textfile) and mounts tracefs and bpffs.
        ProtectSystem=full
        ProtectHome=read-only
        PrivateTmp=yes
        RestrictRealtime=yes
        RestrictSUIDSGID=yes
        LockPersonality=yes
        # ProtectClock= is left out: it adds a device allowlist (DeviceAllow=char-rtc r) that would
        # hide /dev/nvidia* from the GPU sampler; the bounding set below already lacks CAP_SYS_TIME.
        # Capabilities, each needed:
        #   CAP_BPF             load the BPF programs and create their maps (kernel 5.8+)
        #   CAP_PERFMON         tracing programs (tp_btf, tracepoints) and reading kernel memory from BPF
        #   CAP_SYS_ADMIN       mount tracefs and bpffs; bpf() on kernels before 5.8; some BPF helpers
        #   CAP_SYS_RESOURCE    raise RLIMIT_MEMLOCK for the maps where the kernel still charges it
        #   CAP_AUDIT_CONTROL   install audit rules (the audit source, where BPF cannot load)
        #   CAP_AUDIT_READ      read the audit multicast netlink socket
        #   CAP_DAC_READ_SEARCH read /proc/<pid> and sudoers files of every user regardless of mode
        #   CAP_SYS_PTRACE      read /proc/<pid>/exe, cwd, fd and environ of other users' processes
        #   CAP_NET_ADMIN       attach the cgroup sendmsg hooks (destinations of unconnected UDP sends)
        CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_SYS_ADMIN CAP_SYS_RESOURCE CAP_AUDIT_CONTROL CAP_AUDIT_READ CAP_DAC_READ_SEARCH CAP_SYS_PTRACE CAP_NET_ADMIN

        [Install]
        WantedBy=multi-user.target

        """
    }

    /// The default configuration: every key commented out, with its default.
    public static func defaultConfig(_ layout: InstallLayout = InstallLayout()) -> String {
        """
        # rigwatch configuration, written by `rigwatch install` (kept on reinstall and uninstall;
        # `rigwatch uninstall --purge` removes it). Every key is optional; the value shown is the
        # default. Uncomment to change. Validate with `rigwatch check-config \(layout.config)`;
        # apply with `systemctl reload rigwatch` (SIGHUP; an invalid file keeps the running config).
        #
        # The Discord webhook URL is a secret: put RIGWATCH_DISCORD_WEBHOOK=<url> in
        # \(layout.environmentFile) (root-owned, 0600), or name a file with alerts.discord.webhook_file.

        # Users whose process lineage is watched (names or numeric uids).
        # watch_users: [vastai_kaalia]

        # engine:
        #   process_table_size: 65536          # bound on the process table (oldest evicted)

        # policy:
        #   name: ""                           # rule set name in alerts (default: from the sources)
        #   include_default: true              # the built-in Vast.ai policy
        #   import_sudoers: []                 # sudoers file(s) imported unchanged
        #   rules: []                          # extra rules in sudoers Cmnd syntax, e.g. "/usr/bin/docker ps *"
        #   abuse_rules: true                  # argument-abuse rules on privileged execs
        #   merged_usr: auto                   # auto, yes or no: /bin is /usr/bin
        #   default_child_profiles: true       # built-in profiles: what the daemon's allowed commands start
        #   child_profiles: []                 # more, e.g. {command: "/usr/sbin/logrotate *", allow: ["/etc/init.d/*"]}
        #   root_equivalent_groups: [docker, lxd, incus-admin, libvirt, disk, sudo, wheel, admin, root]

        # network:
        #   snapshot_interval_seconds: 5       # in-kernel byte counters read and reset
        #   allow_private: true                # private, link-local and CGNAT destinations allowed
        #   watched_user_allow: []             # CIDRs or host names the watched users may connect to
        #   trusted_destinations: []           # CIDRs or host names never counted or judged (LAN peers)
        #   exfiltration:
        #     window_seconds: 600
        #     bytes_per_window: 1073741824     # 1 GiB to one destination in a window (0 = off)
        #     sustained_bytes_per_second: 20000000   # (0 = off)
        #     sustained_seconds: 60
        #     allow: []                        # CIDRs or host names never counted
        #     budgets:                         # per watched lineage and destination /24 (/64), private ranges too
        #       - {horizon_seconds: 3600, bytes: 134217728}    # 128 MiB in an hour
        #       - {horizon_seconds: 86400, bytes: 536870912}   # 512 MiB in a day

        # mining:
        #   enabled: true
        #   gpu_interval_seconds: 2
        #   gpu_busy_percent: 80
        #   gpu_busy_seconds: 60
        #   quiet_seconds: 600
        #   allowed_cgroups: []
        #   allowed_process_names: []
        #   extra_miner_names: []
        #   extra_pool_domains: []
        #   extra_pool_ports: []

        # alerts:
        #   log_file: \(layout.logDirectory)/alerts.jsonl
        #   spool_dir: \(layout.stateDirectory)/spool
        #   spool_max_bytes: 67108864
        #   dedup_window_seconds: 60
        #   storm_per_rule: 20
        #   discord:
        #     webhook_file: /etc/rigwatch/discord-webhook  # no default (unset: none); root-only 0600; RIGWATCH_DISCORD_WEBHOOK wins
        #     connect_timeout_seconds: 5
        #     timeout_seconds: 15

        # service:
        #   state_file: \(layout.stateDirectory)/state.json
        #   state_interval_seconds: 5
        #   metrics_file: /var/lib/prometheus/node-exporter/rigwatch.prom
        #   heartbeat_hours: 0                 # 0 = off
        #   posture_check_hours: 24            # check-host at start and daily, new findings alerted; 0 = off
        #   lock_file: /run/rigwatch/rigwatch.lock   # one sensor per host (flock)

        # files:                               # file-change monitoring
        #   enabled: true
        #   paths: [/etc/sudoers, /etc/sudoers.d, /etc/cron.d, /etc/crontab, /var/spool/cron, /etc/systemd/system,
        #           /root/.ssh/authorized_keys, /etc/libvirt/hooks, /etc/ld.so.preload]
        #   default_maintenance: true          # the Vast daemon's own files (sudo tee); dpkg outside the watched lineage
        #   maintenance: []                    # e.g. - {path: "/etc/cron.d/backup-*", program: /usr/local/bin/backup, lineage: unwatched}

        # tamper:
        #   enabled: true                      # signals, ptrace and memory access to the sensor; its BPF links and maps
        #   integrity_check_seconds: 2

        # auth:
        #   enabled: true                      # PAM's audit records (needs auditing on): logins, su, sudo
        #   failures: 5                        # failed authentications of one account or address that alert ...
        #   window_seconds: 60                 # ... within this many seconds
        #   allowed_addresses: {}              # account: [addresses, CIDRs] it may log in from

        # export:                              # events as JSON Lines for a log shipper (Vector, Fluent Bit, imfile)
        #   events_file: ""                    # "" = off; e.g. /var/log/rigwatch/events.jsonl (0600)
        #   kinds: []                          # [] = every kind; e.g. [exec, cred, connect, file_change]
        #   watched_only: true                 # only the watched users' lineages
        #   max_bytes: 104857600               # rotate before a line would pass 100 MiB ...
        #   keep: 5                            # ... keeping events_file.1 ... .5

        """
    }

    // MARK: - Paths

    static func parentPath(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// "/a/b/c" → ["/a", "/a/b", "/a/b/c"].
    static func ancestors(of path: String) -> [String] {
        var result: [String] = []
        var current = ""
        for part in path.split(separator: "/") {
            current += "/" + part
            result.append(current)
        }
        return result
    }

    static func depth(_ path: String) -> Int { path.split(separator: "/").count }
}

// SPDX-License-Identifier: Apache-2.0
/// Argument-abuse rules: a whitelisted command can still be root code execution
/// (`sysctl -w kernel.core_pattern=|/tmp/x`, `iptables --modprobe=/tmp/x`), a
/// file overwrite (`dd of=/var/lib/docker/../../etc/passwd`) or sensor tampering
/// (`kill -9 1`). These run on every privileged exec in a watched lineage,
/// allowed or not. They are written for classes of problem, not exact lines.

public struct AbuseFinding: Equatable, Sendable {
    public enum Class: String, Sendable {
        case pathTraversal = "path-traversal"
        case sensitivePath = "sensitive-path"
        case codeExecution = "code-execution-option"
        case kernelHook = "kernel-hook"
        case tamper = "sensor-or-init-tamper"
        /// A configuration, script or package file loaded from a path the watched user could write.
        case untrustedConfig = "untrusted-config"
        /// A file written where it runs code later (cron, units, profiles, hooks, .ssh).
        case persistenceWrite = "persistence-write"
    }

    public var kind: Class
    public var severity: Severity
    /// What was found, for the operator.
    public var reason: String
    /// The argument it was found in.
    public var argument: String
}

public struct ArgumentAbuseRules: Sendable {
    /// Paths a privileged command has no business naming (after resolving `..`).
    public var sensitivePaths: [String] = [
        "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d/",
        "/etc/ld.so.preload", "/etc/ld.so.conf", "/etc/ld.so.conf.d/", "/etc/pam.d/", "/etc/ssh/",
        "/root/", "/boot/", "/dev/mem", "/dev/kmem", "/dev/port", "/proc/sysrq-trigger",
        "/proc/sys/kernel/core_pattern", "/proc/sys/kernel/modprobe", "/proc/sys/fs/binfmt_misc/",
        "/sys/kernel/uevent_helper", "/etc/rigwatch/", "/var/lib/rigwatch/", "/var/log/rigwatch/",
        "/usr/local/bin/rigwatch", "/etc/systemd/system/rigwatch.service",
    ]
    /// Process ids of the sensor itself (live), so signalling it is tampering.
    public var sensorPids: Set<UInt32> = []
    /// Names that identify the sensor to pkill/killall/systemctl.
    public var sensorNames: [String] = ["rigwatch"]
    /// Where the watched user could have put a file (`untrusted-config`).
    public var untrusted = UntrustedPaths()
    /// Write destinations that run code later (`persistence-write`).
    public var persistencePaths: [String] = PersistencePaths.defaults
    /// Loads that are expected though the path is untrusted: `path` globbed on the
    /// argument as written (relative stays relative), `program` on the exe path.
    public var expectedLoads: [MaintenanceRule] = ArgumentAbuseRules.vastDaemonLoads
    /// Writes that are expected: the file-change maintenance rules (the Vast daemon's
    /// `tee` of its own units and cron files), so argv and file events agree.
    public var expectedWrites: [MaintenanceRule] = MaintenanceRule.defaults

    public init() {}

    /// What the Vast daemon loads from the directories it owns, on every update
    /// (Tests/Fixtures/data/vastai-daemon-sudo-commands.txt): `logrotate --force -s
    /// /var/lib/vastai_kaalia/logrotate.state logrotate.config` (relative, in its home),
    /// `python3 /var/lib/vastai_kaalia/purge_stale_cdi.py`, and the `bash
    /// update_scripts.sh` its whitelisted `systemd-run --scope` runs. Each is trust in
    /// that account's files: what those runs start is for the child profiles to judge.
    public static let vastDaemonLoads: [MaintenanceRule] = [
        MaintenanceRule(path: "logrotate.config", program: "/usr/sbin/logrotate", origin: "built-in: Vast daemon"),
        MaintenanceRule(path: "logrotate.config", program: "/sbin/logrotate", origin: "built-in: Vast daemon"),
        MaintenanceRule(
            path: "/var/lib/vastai_kaalia/purge_stale_cdi.py", program: "/usr/bin/python3",
            origin: "built-in: Vast daemon"),
        MaintenanceRule(path: "update_scripts.sh", program: "/usr/bin/bash", origin: "built-in: Vast daemon"),
        MaintenanceRule(path: "update_scripts.sh", program: "/bin/bash", origin: "built-in: Vast daemon"),
        // apt hands dpkg the packages it fetched as links in a directory it made itself
        // (mkdtemp, root's, 0700): `dpkg --unpack --recursive /tmp/apt-dpkg-install-XXXXXX`.
        // Recorded on this kernel (Tests/Fixtures/traces/daemon-commands.rwtrace).
        MaintenanceRule(
            path: "/tmp/apt-dpkg-install-*", program: "/usr/bin/dpkg", origin: "built-in: apt's unpack directory"),
    ]

    /// Options per program (by basename) that make it run code or load a program.
    /// `-X` style short options also match with the value attached (`-Xlua_script:x`).
    static let codeExecOptions: [String: [(String, String)]] = {
        let iptables = [("--modprobe", "loads the program it names as root")]
        let tar = [
            ("--to-command", "pipes files to a command"), ("--checkpoint-action", "runs an action"),
            ("--use-compress-program", "runs a compressor it names"), ("-I", "runs a compressor it names"),
            ("--info-script", "runs a script"), ("--new-volume-script", "runs a script"), ("-F", "runs a script"),
            ("--rsh-command", "runs a remote shell"),
        ]
        return [
            "iptables": iptables, "ip6tables": iptables, "iptables-restore": iptables, "ip6tables-restore": iptables,
            "iptables-legacy": iptables, "iptables-nft": iptables, "ip6tables-legacy": iptables,
            "ip6tables-nft": iptables,
            "iptables-save": iptables, "ip6tables-save": iptables,
            "tshark": [
                ("-X", "loads a Lua script (lua_script:)"), ("-z", "runs a statistics tap that may load scripts"),
            ],
            "wireshark": [("-X", "loads a Lua script (lua_script:)")],
            "tcpdump": [("-z", "runs a command on each saved file"), ("-Z", "changes the user files are written as")],
            "find": [
                ("-exec", "runs a command"), ("-execdir", "runs a command"), ("-ok", "runs a command"),
                ("-okdir", "runs a command"), ("-fprint", "writes a file"), ("-fprintf", "writes a file"),
                ("-fls", "writes a file"), ("-delete", "deletes files"),
            ],
            "tar": tar, "bsdtar": tar,
            "rsync": [
                ("-e", "runs a remote shell it names"), ("--rsh", "runs a remote shell it names"),
                ("--rsync-path", "runs a program it names"),
            ],
            "ssh": [
                ("-oProxyCommand", "runs a command"), ("-oLocalCommand", "runs a command"),
                ("-F", "reads another config"),
            ],
            "scp": [("-S", "runs a program as ssh"), ("-oProxyCommand", "runs a command")],
            "sshd": [
                ("-o", "overrides sshd options (AuthorizedKeysCommand, ForceCommand run as root)"),
                ("-f", "reads another sshd config"),
            ],
            "git": [
                ("-c", "sets config that can run commands"), ("--upload-pack", "runs a program"),
                ("--receive-pack", "runs a program"), ("--exec", "runs a program"), ("--config-env", "sets config"),
            ],
            "fio": [
                ("--exec_prerun", "runs a command"), ("--exec_postrun", "runs a command"),
                ("--ioengine=exec", "runs a program"), ("--write_iolog", "writes a file"),
                ("--write_bw_log", "writes a file"), ("--write_lat_log", "writes a file"),
            ],
            "dmidecode": [("--dump-bin", "writes a file as root")],
            "lshw": [("-dump", "writes a file as root")],
            "hdparm": [
                ("--fwdownload", "flashes drive firmware"), ("--security-erase", "erases a drive"),
                ("--security-erase-enhanced", "erases a drive"), ("--trim-sector-ranges", "discards data"),
                ("--write-sector", "overwrites a sector"), ("--make-bad-sector", "corrupts a sector"),
            ],
            "journalctl": [("--pager", "runs a pager that can spawn a shell")],
            "logrotate": [("--mail", "runs a mail command"), ("-m", "runs a mail command")],
            "zip": [("-TT", "runs a test command"), ("--unzip-command", "runs a command")],
            "sysctl": [
                ("-p", "loads settings from a file"), ("--load", "loads settings from a file"),
                ("-f", "loads settings from a file"),
            ],
            "ss": [("-K", "kills sockets"), ("--kill", "kills sockets")],
            "virsh": [
                ("define", "defines a VM from XML (hooks and emulators run as root)"),
                ("create", "starts a VM from XML"), ("qemu-monitor-command", "talks to QEMU directly"),
            ],
            "docker": [
                ("--privileged", "starts a privileged container"), ("-v", "mounts host paths"),
                ("--volume", "mounts host paths"), ("--pid=host", "shares the host pid namespace"),
            ],
        ]
    }()

    /// Settings that make the kernel run a program as root.
    static let kernelHookKeys: [String] = [
        "kernel.core_pattern", "kernel.modprobe", "kernel.hotplug", "kernel.poweroff_cmd",
        "kernel.usermodehelper", "fs.binfmt_misc",
    ]

    static let killers: Set<String> = ["kill", "pkill", "killall", "skill", "killall5", "tkill"]
    static let initControl: Set<String> = ["reboot", "poweroff", "halt", "shutdown", "telinit", "init"]

    /// Everything wrong with one privileged command line; empty when nothing is.
    /// `lineageUid` and `written`: the files this lineage wrote before, which count as untrusted.
    public func inspect(
        exe: String, argv: [String], lineageUid: UInt32 = 0, written: LineageWrites? = nil
    ) -> [AbuseFinding] {
        let name = lastPathComponent(exe)
        let args = Array(argv.dropFirst())
        var findings: [AbuseFinding] = []
        for arg in args {
            // Most arguments name no path at all: look closer only when one might.
            guard arg.utf8.contains(0x2f) else { continue }
            if let traversal = Self.traversal(in: arg) {
                findings.append(
                    AbuseFinding(
                        kind: .pathTraversal, severity: .high,
                        reason: "path leaves its directory with '..' (\(traversal))", argument: arg))
            }
            for path in Self.paths(in: arg) {
                let resolved = Self.normalize(path)
                if let hit = sensitivePaths.first(where: { Self.isUnder(resolved, $0) }) {
                    findings.append(
                        AbuseFinding(
                            kind: .sensitivePath, severity: .critical,
                            reason: "names \(resolved) (under \(hit))", argument: arg))
                }
            }
        }
        findings += codeExecution(name: name, args: args)
        findings += kernelHooks(name: name, args: args)
        findings += tampering(name: name, args: args)
        findings += untrustedLoads(
            exe: exe, name: name, args: args, lineageUid: lineageUid, written: written, reported: findings)
        findings += persistenceWrites(exe: exe, name: name, args: args, reported: findings)
        return findings
    }

    /// `untrusted-config`: a file the program loads as configuration, script or
    /// package lies where the watched user could have put it. One finding per argument.
    func untrustedLoads(
        exe: String, name: String, args: [String], lineageUid: UInt32, written: LineageWrites?,
        reported: [AbuseFinding]
    ) -> [AbuseFinding] {
        var findings: [AbuseFinding] = []
        for load in LoadedFiles.of(program: name, args: args) {
            guard !(reported + findings).contains(where: { $0.argument == load.argument }),
                let why = untrusted.reason(load.path, lineageUid: lineageUid, written: written),
                !Self.expected(load.path, program: exe, by: expectedLoads)
            else { continue }
            findings.append(
                AbuseFinding(
                    kind: .untrustedConfig, severity: .critical, reason: "\(load.what); \(why)",
                    argument: load.argument))
        }
        return findings
    }

    /// `persistence-write`: the command names a write destination where a file runs
    /// code later, judged from argv before any file event. One finding per argument.
    func persistenceWrites(exe: String, name: String, args: [String], reported: [AbuseFinding]) -> [AbuseFinding] {
        var findings: [AbuseFinding] = []
        for dest in WriteDestinations.of(program: name, args: args) where dest.path.hasPrefix("/") {
            let path = Self.normalize(dest.path)
            guard !(reported + findings).contains(where: { $0.argument == dest.argument }),
                let hit = PersistencePaths.match(path, in: persistencePaths),
                !Self.expected(path, program: exe, by: expectedWrites)
            else { continue }
            let place = hit == ".ssh" ? "an SSH directory (logins as its owner)" : "under \(hit)"
            findings.append(
                AbuseFinding(
                    kind: .persistenceWrite, severity: .critical,
                    reason: "\(dest.how) \(path) is \(place), where a file runs code later", argument: dest.argument))
        }
        if name == "crontab" {
            let scan = CommandOptions(args, valued: ["-u"])
            if !scan.has(["-l", "-r", "-i"]) {
                let user = scan.values(of: ["-u"]).last ?? "root"
                let argument = scan.operands.first ?? (scan.has(["-e"]) ? "-e" : "-")
                if !(reported + findings).contains(where: { $0.argument == argument }) {
                    findings.append(
                        AbuseFinding(
                            kind: .persistenceWrite, severity: .critical,
                            reason: "crontab installs \(user)'s crontab, run by cron as \(user)", argument: argument))
                }
            }
        }
        return findings
    }

    /// Whether a rule expects `path` (as written, and normalised when absolute) for `program`.
    static func expected(_ path: String, program: String?, by rules: [MaintenanceRule]) -> Bool {
        let candidates = path.hasPrefix("/") ? [normalize(path)] : [path]
        return rules.contains { rule in
            candidates.contains { rule.covers(path: $0, program: program, inWatchedLineage: true) }
        }
    }

    /// apt's `-o` keys that run commands (`APT::Update::Pre-Invoke`, `DPkg::Post-Invoke`,
    /// `DPkg::Pre-Install-Pkgs`) or move where it finds its programs and config (`Dir…`).
    static func aptHook(_ key: Substring) -> Bool {
        let k = key.lowercased()
        return k.contains("invoke") || k.contains("pre-install-pkgs") || k == "dir" || k.hasPrefix("dir::")
            || k.hasPrefix("dpkg::tools")
    }

    func codeExecution(name: String, args: [String]) -> [AbuseFinding] {
        var findings: [AbuseFinding] = []
        if let options = Self.codeExecOptions[name] {
            for arg in args {
                for (option, reason) in options where matchesOption(arg, option) {
                    findings.append(
                        AbuseFinding(
                            kind: .codeExecution, severity: .critical,
                            reason: "\(name) \(option): \(reason)", argument: arg))
                    break
                }
            }
        }
        if Self.aptPrograms.contains(name) {
            let scan = CommandOptions(args, valued: ["-o", "--option", "-c", "--config-file", "-t", "-a"])
            for value in scan.values(of: ["-o", "--option"]) {
                guard let eq = value.firstIndex(of: "="), Self.aptHook(value[..<eq]) else { continue }
                findings.append(
                    AbuseFinding(
                        kind: .codeExecution, severity: .critical,
                        reason: "\(name) -o \(value[..<eq]): runs a command or moves apt's programs and config",
                        argument: value))
            }
        }
        if name == "sed" || name == "gsed" {
            for (script, finding) in SedScript.dangerousCommands(args: args) {
                findings.append(
                    AbuseFinding(
                        kind: .codeExecution, severity: .critical, reason: "sed script \(finding)", argument: script))
            }
        }
        if Self.awkPrograms.contains(name) {
            for arg in args
            where arg.contains("system(") || arg.contains("| getline") || arg.contains("|getline")
                || arg.contains("print >") || arg.contains("print>")
            {
                findings.append(
                    AbuseFinding(
                        kind: .codeExecution, severity: .critical, reason: "awk program runs commands or writes files",
                        argument: arg))
            }
        }
        return findings
    }

    func matchesOption(_ arg: String, _ option: String) -> Bool {
        // Every match below starts with the option (the table's are ASCII): most arguments stop here.
        guard arg.hasPrefix(option) else { return false }
        if arg == option || arg.hasPrefix(option + "=") { return true }
        // Attached values of short options: -Xlua_script:x, -oProxyCommand=..., -z cmd
        if option.hasPrefix("-") && !option.hasPrefix("--") && option.count >= 2 && arg.hasPrefix(option) {
            return true
        }
        return false
    }

    func kernelHooks(name: String, args: [String]) -> [AbuseFinding] {
        guard name == "sysctl" else { return [] }
        var findings: [AbuseFinding] = []
        for arg in args where !arg.hasPrefix("-") {
            guard let eq = arg.firstIndex(of: "=") else { continue }
            let key = arg[..<eq].replacingSlashes()
            let value = arg[arg.index(after: eq)...].drop { $0 == " " }
            guard let hook = Self.kernelHookKeys.first(where: { key == $0 || key.hasPrefix($0 + ".") }) else {
                continue
            }
            if hook == "kernel.core_pattern" {
                if value.first == "|" {
                    findings.append(
                        AbuseFinding(
                            kind: .kernelHook, severity: .critical,
                            reason: "core_pattern pipes core dumps to a program run as root", argument: arg))
                }
            } else {
                findings.append(
                    AbuseFinding(
                        kind: .kernelHook, severity: .critical,
                        reason: "\(hook) makes the kernel run a program as root", argument: arg))
            }
        }
        return findings
    }

    // The name lists below are built once, not on every privileged exec.
    static let aptPrograms = ["apt", "apt-get", "aptitude", "apt-cache", "apt-config"]
    static let awkPrograms = ["awk", "gawk", "mawk", "nawk"]
    static let systemctlTamperVerbs: Set<String> = [
        "stop", "kill", "disable", "mask", "restart", "try-restart", "reload-or-restart",
        "isolate", "poweroff", "reboot", "halt", "kexec", "emergency", "rescue", "edit", "revert",
    ]
    /// The tamper verbs that stop the host's services, not one unit.
    static let systemctlHostVerbs = ["isolate", "poweroff", "reboot", "halt", "kexec", "emergency", "rescue"]

    func tampering(name: String, args: [String]) -> [AbuseFinding] {
        var findings: [AbuseFinding] = []
        if name == "kill" || name == "tkill" || name == "skill" {
            for target in Self.killTargets(args) {
                if target == "1" || target == "-1" {
                    findings.append(
                        AbuseFinding(
                            kind: .tamper, severity: .critical,
                            reason: target == "1" ? "signals init (pid 1)" : "signals every process", argument: target))
                } else if let pid = UInt32(target), sensorPids.contains(pid) {
                    findings.append(
                        AbuseFinding(
                            kind: .tamper, severity: .critical, reason: "signals the rigwatch sensor", argument: target)
                    )
                }
            }
        } else if Self.killers.contains(name) {
            if name == "killall5" {
                findings.append(
                    AbuseFinding(kind: .tamper, severity: .critical, reason: "signals every process", argument: name))
            }
            for arg in args where !arg.hasPrefix("-") {
                if sensorNames.contains(where: { arg.containsText($0) }) || arg == "systemd" || arg == "init" {
                    findings.append(
                        AbuseFinding(kind: .tamper, severity: .critical, reason: "signals \(arg)", argument: arg))
                }
            }
        } else if name == "systemctl" {
            let words = args.filter { !$0.hasPrefix("-") }
            if let verb = words.first, Self.systemctlTamperVerbs.contains(verb) {
                if Self.systemctlHostVerbs.contains(verb) {
                    findings.append(
                        AbuseFinding(
                            kind: .tamper, severity: .critical, reason: "systemctl \(verb) stops the host's services",
                            argument: verb))
                }
                for unit in words.dropFirst() where sensorNames.contains(where: { unit.containsText($0) }) {
                    findings.append(
                        AbuseFinding(
                            kind: .tamper, severity: .critical, reason: "systemctl \(verb) on the sensor",
                            argument: unit))
                }
            }
        } else if Self.initControl.contains(name) {
            findings.append(
                AbuseFinding(
                    kind: .tamper, severity: .critical, reason: "\(name) stops or restarts the host", argument: name))
        }
        return findings
    }

    /// The pids a kill command line signals: arguments after the signal option.
    static func killTargets(_ args: [String]) -> [String] {
        var targets: [String] = []
        var i = 0
        var signalSeen = false
        var endOfOptions = false
        while i < args.count {
            let a = args[i]
            if !endOfOptions && a == "--" {
                endOfOptions = true
                i += 1
                continue
            }
            if !endOfOptions && (a == "-s" || a == "-n" || a == "--signal") {
                i += 2
                signalSeen = true
                continue
            }
            if !endOfOptions && (a == "-l" || a == "-L" || a == "--list" || a == "--table") { return [] }
            if !endOfOptions && !signalSeen && a.hasPrefix("-") && a.count > 1 && targets.isEmpty {
                signalSeen = true  // -9, -KILL, -SIGTERM: the signal, not a pid
                i += 1
                continue
            }
            targets.append(a)
            i += 1
        }
        return targets
    }

    /// `path` is `entry`, or inside it (`entry` a directory ending in '/', or a file
    /// whose path then continues with '/').
    static func isUnder(_ path: String, _ entry: String) -> Bool {
        if entry.hasSuffix("/") { return path.hasPrefix(entry) || path + "/" == entry }
        return path == entry || (path.hasPrefix(entry) && path.utf8.dropFirst(entry.utf8.count).first == 0x2f)
    }

    /// The '..' use in an argument, if it climbs out of a directory.
    static func traversal(in arg: String) -> String? {
        guard arg.contains("..") else { return nil }
        for piece in arg.split(whereSeparator: { $0 == "=" || $0 == ":" || $0 == "," }) {
            let components = piece.split(separator: "/", omittingEmptySubsequences: false)
            if components.count > 1 && components.contains("..") { return String(piece) }
        }
        return nil
    }

    /// Absolute paths an argument names: itself, or the value after `=` or `:`.
    static func paths(in arg: String) -> [String] {
        var result: [String] = []
        if arg.utf8.first == 0x2f { result.append(arg) }
        // By bytes: '=' and ':' are ASCII, so their UTF-8 indices are character boundaries.
        for separator: UInt8 in [0x3d, 0x3a] {
            if let r = arg.utf8.firstIndex(of: separator) {
                let after = arg.utf8.index(after: r)
                if after < arg.utf8.endIndex, arg.utf8[after] == 0x2f { result.append(String(arg[after...])) }
            }
        }
        return result
    }

    /// Lexical resolution of `.` and `..` (no filesystem access).
    public static func normalize(_ path: String) -> String {
        // An absolute path with no "//" and no "/." has nothing to resolve: it is its own form.
        var bytes = path
        if path.utf8.first == 0x2f, !bytes.withUTF8({ ByteScan.hasSlashSlashOrSlashDot($0) }) { return path }
        var parts: [Substring] = []
        for component in path.split(separator: "/") {
            if component == "." { continue }
            if component == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(component)
        }
        let joined = "/" + parts.joined(separator: "/")
        return path.hasSuffix("/") && joined != "/" ? joined + "/" : joined
    }
}

extension Substring {
    func replacingSlashes() -> String { String(self.map { $0 == "/" ? "." : $0 }) }
}

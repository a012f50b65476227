// SPDX-License-Identifier: Apache-2.0
/// The options of a container client that make the container the host's root:
/// host bind mounts (of `/` or a system path, or any writable one: the container's
/// root can leave a setuid file there), `--privileged`, the host's pid, network,
/// ipc, uts, user or cgroup namespace, added devices and capabilities, and
/// confinement turned off. The client's exec is what counts: whoever may run it
/// with these options (a `docker` group member) is root, whether or not the
/// daemon then starts the container. Clients: docker, podman, nerdctl (the same
/// syntax), ctr (containerd's), lxc (LXD's). Not read: compose files, crictl's JSON
/// configs, and options of a subcommand not listed here.
enum ContainerClientArguments {
    struct Finding: Equatable {
        var reason: String
        var argument: String
    }

    static let dockerLike: Set<String> = ["docker", "podman", "nerdctl"]
    static let clients: Set<String> = dockerLike.union(["ctr", "lxc"])

    /// Host paths a mount of which (or of a directory above them) hands the host over.
    static let sensitiveHostPaths = [
        "/etc", "/root", "/home", "/boot", "/dev", "/proc", "/sys", "/usr", "/bin", "/sbin", "/lib", "/lib32",
        "/lib64", "/libx32", "/opt", "/run", "/var/run", "/var/lib", "/var/spool", "/var/log",
    ]
    /// Capabilities that are root on the host from inside a container.
    static let dangerousCapabilities: Set<String> = [
        "ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "SYS_RAWIO", "DAC_READ_SEARCH", "DAC_OVERRIDE", "BPF",
        "PERFMON", "NET_ADMIN", "SYS_BOOT", "SYS_TIME", "MAC_ADMIN", "MAC_OVERRIDE", "SETFCAP", "MKNOD", "SYSLOG",
    ]
    static let globalValued: Set<String> = [
        "-H", "--host", "-c", "--context", "--config", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey",
        "--url", "--connection", "--root", "--runroot", "--storage-driver", "--cgroup-manager", "-n", "--namespace",
        "-a", "--address", "--timeout", "--connect-timeout", "--remote", "--identity", "--module", "--network-cmd-path",
        "--runtime", "--tmpdir",
    ]
    static let runValued: Set<String> = [
        "-v", "--volume", "--mount", "-e", "--env", "--env-file", "--name", "-p", "--publish", "--network", "--net",
        "--pid", "--ipc", "--uts", "--userns", "--cgroupns", "--device", "--cap-add", "--cap-drop", "--security-opt",
        "-u", "--user", "-w", "--workdir", "--entrypoint", "-h", "--hostname", "-l", "--label", "--label-file",
        "--runtime", "--gpus", "-m", "--memory", "--memory-swap", "--cpus", "--cpu-shares", "-c", "--cpuset-cpus",
        "--shm-size", "--ulimit", "--restart", "--log-driver", "--log-opt", "--add-host", "--dns", "--dns-search",
        "--dns-option", "--tmpfs", "--volumes-from", "--cgroup-parent", "--device-cgroup-rule", "--platform",
        "--pull", "--stop-signal", "--stop-timeout", "--sysctl", "--ip", "--ip6", "--mac-address", "--cidfile",
        "-a", "--attach", "--health-cmd", "--health-interval", "--group-add", "--storage-opt", "--oom-score-adj",
        "--pids-limit", "--expose", "--link", "--detach-keys", "--domainname", "--annotation", "--blkio-weight",
        "--init-path", "--isolation", "--network-alias", "--pod", "--rootfs", "--secret", "--systemd",
        // ctr run
        "--with-ns", "--snapshotter", "--cwd", "--memory-limit", "--env-file", "--rootfs-propagation",
        "--seccomp-profile", "--apparmor-profile", "--runc-binary", "--pid-file", "--log-uri", "--uidmap", "--gidmap",
    ]

    /// What is root-equivalent in a client's command line; empty when nothing is.
    static func findings(program name: String, args: [String]) -> [Finding] {
        if dockerLike.contains(name) { return dockerFindings(args) }
        if name == "ctr" { return ctrFindings(args) }
        if name == "lxc" { return lxcFindings(args) }
        return []
    }

    /// docker, podman, nerdctl: `[global options] (run|create|container run|container create|exec|container exec) …`.
    static func dockerFindings(_ args: [String]) -> [Finding] {
        let words = subcommand(args)
        guard let verb = words.first else { return [] }
        var rest = words.dropFirst()
        var command = verb
        if verb == "container", let sub = rest.first {
            command = sub
            rest = rest.dropFirst()
        }
        guard ["run", "create", "exec"].contains(command) else { return [] }
        let scan = CommandOptions(rest, valued: runValued, stopAtFirstOperand: true)
        return runOptionFindings(scan)
    }

    /// ctr: `[global options] (run|c create|container create|t exec|task exec) …`.
    static func ctrFindings(_ args: [String]) -> [Finding] {
        let words = subcommand(args)
        guard let verb = words.first else { return [] }
        var rest = words.dropFirst()
        if ["c", "container", "containers", "t", "task", "tasks"].contains(verb) {
            guard let sub = rest.first, ["create", "exec"].contains(sub) else { return [] }
            rest = rest.dropFirst()
        } else if verb != "run" {
            return []
        }
        let scan = CommandOptions(rest, valued: runValued, stopAtFirstOperand: true)
        var found = runOptionFindings(scan)
        for item in scan.items {
            guard case .option(let option, let value) = item else { continue }
            if option == "--net-host" {
                found.append(Finding(reason: "shares the host's network namespace", argument: option))
            } else if option == "--with-ns", let value {
                found.append(Finding(reason: "joins the namespace \(value)", argument: value))
            }
        }
        return found
    }

    /// lxc: `config set C security.privileged true`, `raw.lxc`, `config device add C N disk source=/…`,
    /// and `-c security.privileged=true` at launch.
    static func lxcFindings(_ args: [String]) -> [Finding] {
        var found: [Finding] = []
        for (i, word) in args.enumerated() {
            let next = i + 1 < args.count ? args[i + 1] : ""
            if word == "security.privileged=true" || (word == "security.privileged" && ["true", "1"].contains(next)) {
                found.append(
                    Finding(reason: "makes the container privileged (root in it is root on the host)", argument: word))
            } else if word.hasPrefix("raw.lxc") || word.hasPrefix("raw.idmap") {
                found.append(Finding(reason: "sets raw LXC configuration", argument: word))
            } else if word.hasPrefix("source="), let why = hostPathReason(String(word.dropFirst(7)), readOnly: false) {
                found.append(Finding(reason: why, argument: word))
            }
        }
        return found
    }

    /// The words from the subcommand on, past the global options.
    static func subcommand(_ args: [String]) -> ArraySlice<String> {
        var i = 0
        while i < args.count, args[i].hasPrefix("-") {
            let word = args[i]
            i += 1
            if !word.contains("="), globalValued.contains(word) { i += 1 }
        }
        return args[min(i, args.count)...]
    }

    static func runOptionFindings(_ scan: CommandOptions) -> [Finding] {
        var found: [Finding] = []
        for item in scan.items {
            guard case .option(let option, let value) = item else { continue }
            let argument = value.map { "\(option) \($0)" } ?? option
            switch option {
            case "--privileged":
                if value == nil || value == "true" {
                    found.append(
                        Finding(
                            reason: "privileged container: every device and capability, no confinement",
                            argument: argument))
                }
            case "-v", "--volume":
                guard let value else { continue }
                let parts = value.split(separator: ":", omittingEmptySubsequences: false)
                guard let source = parts.first, source.hasPrefix("/") else { continue }  // a named volume
                let readOnly =
                    parts.count > 2 && parts[2].split(separator: ",").contains { $0 == "ro" || $0 == "readonly" }
                if let why = hostPathReason(String(source), readOnly: readOnly) {
                    found.append(Finding(reason: why, argument: argument))
                }
            case "--mount":
                guard let value, let (source, readOnly) = bindMount(value) else { continue }
                if let why = hostPathReason(source, readOnly: readOnly) {
                    found.append(Finding(reason: why, argument: argument))
                }
            case "--pid", "--network", "--net", "--ipc", "--uts", "--userns", "--cgroupns":
                if value == "host" {
                    let namespace = option == "--net" || option == "--network" ? "network" : String(option.dropFirst(2))
                    found.append(Finding(reason: "shares the host's \(namespace) namespace", argument: argument))
                }
            case "--device":
                if let value {
                    found.append(Finding(reason: "gives the container host device \(value)", argument: argument))
                }
            case "--cap-add":
                for cap in (value ?? "").split(separator: ",") {
                    var name = cap.uppercased()
                    if name.hasPrefix("CAP_") { name = String(name.dropFirst(4)) }
                    if dangerousCapabilities.contains(name) {
                        found.append(Finding(reason: "adds capability \(name)", argument: argument))
                    }
                }
            case "--security-opt":
                let v = (value ?? "").replacingColon()
                if ["apparmor=unconfined", "seccomp=unconfined", "label=disable", "systempaths=unconfined"].contains(v)
                {
                    found.append(Finding(reason: "turns confinement off (\(v))", argument: argument))
                }
            default:
                continue
            }
        }
        return found
    }

    /// The source and read-only flag of a `--mount type=bind,…` (docker) or
    /// `type=bind,src=…,options=rbind:ro` (ctr); nil for other mount types.
    static func bindMount(_ spec: String) -> (String, Bool)? {
        var type = "volume"
        var source: String?
        var readOnly = false
        for field in spec.split(separator: ",") {
            let kv = field.split(separator: "=", maxSplits: 1).map(String.init)
            switch kv[0] {
            case "type": type = kv.count > 1 ? kv[1] : ""
            case "source", "src": source = kv.count > 1 ? kv[1] : nil
            case "readonly", "ro": readOnly = kv.count == 1 || kv[1] == "true" || kv[1] == "1"
            case "options": readOnly = kv.count > 1 && kv[1].split(separator: ":").contains("ro")
            default: continue
            }
        }
        guard type == "bind", let source, source.hasPrefix("/") else { return nil }
        return (source, readOnly)
    }

    /// Why mounting host path `raw` is root-equivalent, or nil when it is not.
    static func hostPathReason(_ raw: String, readOnly: Bool) -> String? {
        let path = ArgumentAbuseRules.normalize(raw)
        if path == "/" { return "mounts the host's root file system" }
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        if let hit = sensitiveHostPaths.first(where: {
            trimmed == $0 || $0.hasPrefix(trimmed + "/") || trimmed.hasPrefix($0 + "/")
        }) {
            return "mounts host \(trimmed)\(trimmed == hit ? "" : " (\(hit))")\(readOnly ? ", even read-only" : "")"
        }
        return readOnly
            ? nil : "mounts host directory \(trimmed) writable: the container's root can leave setuid files there"
    }
}

extension String {
    /// `apparmor:unconfined` is the older spelling of `apparmor=unconfined`.
    fileprivate func replacingColon() -> String {
        guard !contains("="), let colon = firstIndex(of: ":") else { return self }
        return String(self[..<colon]) + "=" + String(self[index(after: colon)...])
    }
}

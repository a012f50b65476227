// SPDX-License-Identifier: Apache-2.0
/// The command a wrapper (timeout, env, nice, systemd-run, …) would run, read from
/// the wrapper's own argv: its options and their values skipped, then the
/// positional arguments the wrapper takes for itself (timeout's duration, chroot's
/// root). Live, the sensor judges the child's exec and needs none of this; `policy
/// test` has only a command line, so it reads what the wrapper would start. Nil when
/// the wrapper runs nothing (`ionice -p PID`) or the form is not one listed here.
public enum WrappedCommand {
    struct Form {
        /// Options whose value is the next argument (unless attached: `-n5`, `--signal=KILL`),
        /// as `CommandOptions` reads them.
        var valueOptions: Set<String> = []
        /// Positional arguments before the command (timeout's DURATION, chroot's NEWROOT).
        var positionals = 0
        /// Leading `NAME=value` words are the environment, not the command (env).
        var skipsAssignments = false
        /// Options after which nothing is run (`ionice -p`, `taskset -p`).
        var runsNothing: Set<String> = []
        /// An option whose value is a shell command (`flock -c`, `script -c`): run as `/bin/sh -c VALUE`.
        var shellCommandOption: String?
    }

    static let forms: [String: Form] = [
        "timeout": Form(valueOptions: ["-s", "--signal", "-k", "--kill-after"], positionals: 1),
        "env": Form(valueOptions: ["-u", "--unset", "-C", "--chdir"], skipsAssignments: true),
        "nice": Form(valueOptions: ["-n", "--adjustment"]),
        "ionice": Form(
            valueOptions: ["-c", "--class", "-n", "--classdata"], runsNothing: ["-p", "--pid", "-P", "-u"]),
        "nohup": Form(),
        "setsid": Form(),
        "stdbuf": Form(valueOptions: ["-i", "--input", "-o", "--output", "-e", "--error"]),
        "taskset": Form(positionals: 1, runsNothing: ["-p", "--pid"]),
        "chrt": Form(
            valueOptions: ["-T", "--sched-runtime", "-P", "--sched-period", "-D", "--sched-deadline"],
            positionals: 1, runsNothing: ["-p", "--pid"]),
        "flock": Form(
            valueOptions: ["-w", "--timeout", "-E", "--conflict-exit-code"], positionals: 1,
            shellCommandOption: "-c"),
        "chroot": Form(valueOptions: ["--userspec", "--groups"], positionals: 1),
        "unshare": Form(valueOptions: ["-S", "--setuid", "-G", "--setgid", "-R", "--root", "-w", "--wd"]),
        "nsenter": Form(valueOptions: ["-t", "--target", "-S", "--setuid", "-G", "--setgid"]),
        "runuser": Form(valueOptions: ["-u", "--user", "-g", "--group", "-G", "--supp-group"]),
        "setpriv": Form(valueOptions: [
            "--reuid", "--regid", "--ruid", "--euid", "--rgid", "--egid", "--groups", "--inh-caps", "--ambient-caps",
            "--bounding-set", "--securebits", "--pdeathsig", "--selinux-label", "--apparmor-profile",
        ]),
        "time": Form(valueOptions: ["-f", "--format", "-o", "--output"]),
        "strace": Form(valueOptions: ["-e", "-o", "-p", "-s", "-u", "-E", "-a", "-b", "-I", "-P", "-X", "-O"]),
        "ltrace": Form(valueOptions: ["-e", "-o", "-p", "-s", "-u", "-a", "-n", "-l"]),
        "numactl": Form(valueOptions: [
            "-N", "--cpunodebind", "-m", "--membind", "-C", "--physcpubind", "-i", "--interleave", "-p",
            "--preferred",
        ]),
        "systemd-run": Form(valueOptions: SystemdRunOptions.valued),
        "xargs": Form(valueOptions: ["-a", "--arg-file", "-d", "--delimiter", "-E", "-I", "-L", "-n", "-P", "-s"]),
        "prlimit": Form(valueOptions: ["-p", "--pid"]),
        "systemd-inhibit": Form(valueOptions: ["--what", "--who", "--why", "--mode"]),
        "cgexec": Form(valueOptions: ["-g"]),
        "script": Form(shellCommandOption: "-c"),
    ]

    /// The wrapped argv, its first word as the wrapper would look it up (a bare
    /// name is resolved through PATH by the caller).
    public static func of(_ argv: [String]) -> [String]? {
        guard let first = argv.first else { return nil }
        let name = lastPathComponent(first)
        if name == "busybox" { return argv.count > 1 ? Array(argv.dropFirst()) : nil }
        guard let form = forms[name] else { return nil }
        let scan = CommandOptions(
            argv.dropFirst(), valued: form.valueOptions.union(form.shellCommandOption.map { [$0] } ?? []),
            stopAtFirstOperand: true, leadingOperands: form.positionals)
        if scan.has(form.runsNothing) { return nil }
        if let shell = form.shellCommandOption, let command = scan.values(of: [shell]).first {
            return ["/bin/sh", "-c", command]
        }
        var command = scan.operands.dropFirst(form.positionals)
        if form.skipsAssignments {
            command = command.drop { $0.contains("=") && !$0.hasPrefix("=") }
        }
        return command.isEmpty ? nil : Array(command)
    }

    /// What a chain of wrappers finally runs: `nice -n 5 timeout 1h xmrig -o …` is
    /// the wrappers nice and timeout launching `xmrig -o …`.
    public struct Launch: Equatable {
        /// The wrappers' names, outermost first.
        public var wrappers: [String]
        /// The argv the innermost wrapper runs.
        public var argv: [String]

        public init(wrappers: [String], argv: [String]) {
            self.wrappers = wrappers
            self.argv = argv
        }
    }

    /// `of` applied until the argv is no wrapper (or one that runs nothing), at most
    /// `maxDepth` times: a nested chain is short, and the bound keeps a crafted
    /// `env env env …` cheap. Nil when `argv` itself is no wrapper or runs nothing.
    public static func launch(_ argv: [String], maxDepth: Int = 8) -> Launch? {
        var launch = Launch(wrappers: [], argv: argv)
        while launch.wrappers.count < maxDepth, let first = launch.argv.first, let inner = of(launch.argv) {
            launch = Launch(wrappers: launch.wrappers + [lastPathComponent(first)], argv: inner)
        }
        return launch.wrappers.isEmpty ? nil : launch
    }
}

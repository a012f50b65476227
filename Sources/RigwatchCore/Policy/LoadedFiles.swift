// SPDX-License-Identifier: Apache-2.0
/// The files a command line makes its program load as configuration, script or
/// package, per program: logrotate's configs (their postrotate scripts run as
/// root), local package files for dpkg, apt and pip (maintainer scripts and
/// setup.py run as root), apt's `-c` config, an interpreter's script and include
/// directories, fio job files, `awk -f`/`sed -f` programs, kernel modules for
/// insmod and modprobe's `-d`/`-C`, ld.so's `--preload`/`--library-path`/`--audit`,
/// `env LD_PRELOAD=…` and its kin, and `systemd-run -p ExecStart…=`. The caller
/// judges each path with `UntrustedPaths`. Options that run a command whatever
/// the path (`sshd -f`, `fio --exec_prerun`, apt's `-o …::Pre-Invoke=`) are
/// code-execution options, not listed here.
public enum LoadedFiles {
    public struct Load: Equatable, Sendable {
        /// The argument that names it.
        public var argument: String
        public var path: String
        /// What the program does with it ("logrotate config: its scripts run as root").
        public var what: String
    }

    static let interpreters: Set<String> = ["sh", "bash", "dash", "zsh", "ksh", "mksh", "ash"]
    static let interpreterPrefixes = ["python", "perl", "ruby", "node", "lua", "php", "tclsh"]
    /// Variables that make a program load code from the path they name.
    static let loaderVariables: Set<String> = [
        "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "PERL5LIB",
        "PERLLIB", "RUBYLIB", "NODE_PATH", "BASH_ENV", "ENV", "GCONV_PATH", "LUA_PATH", "LUA_CPATH",
    ]
    static let dynamicLoaders: Set<String> = [
        "ld.so", "ld-linux.so.2", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "ld64.so.1", "ld64.so.2",
    ]

    /// Whether `name` is an interpreter that runs a script file given as its first operand.
    static func isInterpreter(_ name: String) -> Bool {
        interpreters.contains(name) || interpreterPrefixes.contains { name.hasPrefix($0) }
    }

    /// What `name` (the program's basename) with `args` (argv without argv[0]) loads.
    public static func of(program name: String, args: [String]) -> [Load] {
        func loads(_ paths: [String], _ what: String) -> [Load] {
            paths.map { Load(argument: $0, path: $0, what: what) }
        }
        switch name {
        case "logrotate":
            let scan = CommandOptions(args, valued: ["-s", "--state", "-l", "--log", "-m", "--mail"])
            return loads(scan.operands, "logrotate config: its scripts run as root")
        case "dpkg":
            let scan = CommandOptions(
                args, valued: ["--admindir", "--root", "--instdir", "--log", "--status-fd", "-D", "--debug"])
            let installing: Set<String> = [
                "-i", "--install", "--unpack", "-A", "--record-avail", "-x", "--extract", "-R", "--recursive",
            ]
            guard scan.has(installing) else { return [] }
            return loads(scan.operands, "package file: its maintainer scripts run as root")
        case "apt", "apt-get", "aptitude":
            let scan = CommandOptions(
                args,
                valued: [
                    "-o", "--option", "-c", "--config-file", "-t", "--target-release", "-a", "--host-architecture",
                ],
                stopAtFirstOperand: false)
            var found = loads(scan.values(of: ["-c", "--config-file"]), "apt config file: can set hooks run as root")
            let operands = scan.operands
            if let verb = operands.first,
                ["install", "reinstall", "upgrade", "full-upgrade", "dist-upgrade", "build-dep", "satisfy"].contains(
                    verb)
            {
                let files = operands.dropFirst().filter {
                    $0.contains("/") || $0.hasSuffix(".deb") || $0.hasSuffix(".dsc")
                }
                found += loads(Array(files), "local package file: its maintainer scripts run as root")
            }
            return found
        case _ where name.hasPrefix("pip"):
            let scan = CommandOptions(
                args,
                valued: [
                    "-r", "--requirement", "-e", "--editable", "-c", "--constraint", "-t", "--target", "-i",
                    "--index-url", "--extra-index-url", "-f", "--find-links", "--prefix", "--root",
                ])
            guard scan.operands.first == "install" else { return [] }
            var found = loads(
                scan.values(of: ["-r", "--requirement", "-c", "--constraint"]), "pip requirements file")
            found += loads(
                scan.values(of: ["-e", "--editable", "-f", "--find-links"]),
                "local package source: its build runs as root")
            found += loads(
                scan.operands.dropFirst().filter { $0.contains("/") || $0 == "." || $0.hasSuffix(".whl") },
                "local package: its build runs as root")
            return found
        case "fio":
            let files = CommandOptions(args, valued: []).operands.filter { !$0.hasPrefix("--") }
            return loads(files, "fio job file: can set exec_prerun, run as root")
        case "awk", "gawk", "mawk", "nawk":
            return loads(
                CommandOptions(args, valued: ["-f", "--file", "-v", "-F", "-i", "--include"]).values(of: [
                    "-f", "--file", "-i", "--include",
                ]), "awk program file")
        case "sed", "gsed":
            return loads(
                CommandOptions(args, valued: WriteDestinations.sedValued).values(of: ["-f", "--file"]),
                "sed script file")
        case "insmod":
            return loads(Array(CommandOptions(args, valued: []).operands.prefix(1)), "kernel module")
        case "modprobe":
            return loads(
                CommandOptions(args, valued: ["-d", "--dirname", "-C", "--config", "-S", "--set-version"]).values(of: [
                    "-d", "--dirname", "-C", "--config",
                ]), "module directory or modprobe config")
        case "systemd-run":
            let scan = CommandOptions(args, valued: SystemdRunOptions.valued, stopAtFirstOperand: true)
            var found: [Load] = []
            for property in scan.values(of: ["-p", "--property"]) {
                guard let eq = property.firstIndex(of: "="), property[..<eq].hasPrefix("Exec") else { continue }
                let command = property[property.index(after: eq)...].drop { "@-:+!|".contains($0) || $0 == " " }
                let program = String(command.prefix { $0 != " " })
                found.append(Load(argument: property, path: program, what: "unit command run as root"))
            }
            return found
        case "env":
            var found: [Load] = []
            for word in args {
                guard !word.hasPrefix("-") else { continue }
                guard let eq = word.firstIndex(of: "=") else { break }  // the command
                let variable = String(word[..<eq])
                guard loaderVariables.contains(variable) else { continue }
                for part in word[word.index(after: eq)...].split(whereSeparator: { $0 == ":" || $0 == " " }) {
                    found.append(Load(argument: word, path: String(part), what: "\(variable) loads code from it"))
                }
            }
            return found
        case _ where dynamicLoaders.contains(name):
            let scan = CommandOptions(
                args, valued: ["--preload", "--library-path", "--audit", "--argv0"], stopAtFirstOperand: true)
            var found: [Load] = []
            for value in scan.values(of: ["--preload", "--library-path", "--audit"]) {
                for part in value.split(whereSeparator: { $0 == ":" || $0 == " " }) {
                    found.append(Load(argument: value, path: String(part), what: "ld.so loads code from it"))
                }
            }
            if let program = scan.operands.first {
                found.append(Load(argument: program, path: program, what: "program run by ld.so"))
            }
            return found
        case _ where isInterpreter(name):
            return interpreterLoads(name: name, args: args)
        default:
            return []
        }
    }

    /// An interpreter's script (its first operand, unless the code comes inline with
    /// -c/-e or as a module with -m) and its include and rc files.
    static func interpreterLoads(name: String, args: [String]) -> [Load] {
        let inline: Set<String> = ["-c", "-e", "-E", "--eval", "-p", "--print", "-m"]
        let valued: Set<String> = [
            "-c", "-e", "-E", "--eval", "-p", "--print", "-m", "-I", "-r", "--require", "-o", "-O", "+O", "-W", "-X",
            "--rcfile", "--init-file", "-M", "-x", "-Q",
        ]
        // sh's -c takes the command as its first operand, not as a value; -m is
        // monitor mode and -e errexit there. Read sh-style shells without values.
        let shell = interpreters.contains(name)
        let scan = CommandOptions(
            args, valued: shell ? ["-o", "+O", "-O", "--rcfile", "--init-file"] : valued, stopAtFirstOperand: true)
        var found: [Load] = []
        for file in scan.values(of: ["--rcfile", "--init-file"]) {
            found.append(Load(argument: file, path: file, what: "\(name) startup file"))
        }
        if !shell {
            for dir in scan.values(of: ["-I"]) {
                found.append(Load(argument: dir, path: dir, what: "\(name) include directory"))
            }
            for file in scan.values(of: ["-r", "--require"]) where file.contains("/") {
                found.append(Load(argument: file, path: file, what: "\(name) preloaded module"))
            }
        }
        let inlineCode = shell ? scan.has(["-c", "-s"]) : scan.has(inline)
        if !inlineCode, let script = scan.operands.first, script != "-" {
            found.append(Load(argument: script, path: script, what: "\(name) script run as root"))
        }
        return found
    }
}

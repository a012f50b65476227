// SPDX-License-Identifier: Apache-2.0
/// The files a command line says it will write, read from its argv before any
/// file event: `cp/mv/install/ln SRC… DEST` and their `-t DIR`, `tee FILE…`,
/// `dd of=FILE`, `sed -i … FILE…`, `rsync … DEST`, `-w FILE` of the capture tools,
/// `curl -o`, `wget -O`, `tar -x -C DIR`. Paths come back as written (possibly
/// relative); the caller normalises and judges them.
public enum WriteDestinations {
    public struct Destination: Equatable, Sendable {
        /// The argument that names it, as the alert quotes it.
        public var argument: String
        public var path: String
        /// How the program writes it ("cp destination").
        public var how: String
        /// What `cp`, `mv`, `install` and `ln` copy there: when `path` is a directory,
        /// the files written are `path/basename(source)`.
        public var sources: [String] = []
        /// The command writes into `path` as a directory (`-t DIR`, a trailing slash).
        public var isDirectory: Bool { how.hasSuffix("target directory") || path.hasSuffix("/") }

        /// The files written: `path` itself, and `path/basename(source)` for each source.
        public var writtenPaths: [String] {
            var paths = isDirectory ? [] : [path]
            for source in sources {
                let name = source.split(separator: "/").last.map(String.init) ?? source
                paths.append(path.hasSuffix("/") ? path + name : path + "/" + name)
            }
            return paths
        }
    }

    static let copyValued: Set<String> = [
        "-t", "--target-directory", "-S", "--suffix", "-m", "--mode", "-o", "--owner", "-g", "--group",
        "--strip-program", "-Z",
    ]
    static let sedValued: Set<String> = ["-e", "--expression", "-f", "--file", "-l", "--line-length"]
    static let rsyncValued: Set<String> = [
        "-e", "--rsh", "--rsync-path", "-f", "--filter", "--exclude", "--include", "--exclude-from",
        "--include-from", "--files-from", "--temp-dir", "-T", "--compare-dest", "--copy-dest", "--link-dest",
        "--log-file", "--password-file", "--chmod", "--chown", "--backup-dir", "--suffix",
    ]
    /// Per program: the options whose value is a file it writes.
    static let outputOptions: [String: (Set<String>, Set<String>)] = [
        // (value-taking options, of which the output ones)
        "tshark": (["-w", "-i", "-f", "-Y", "-R", "-c", "-a", "-b", "-r", "-T", "-e", "-E", "-o", "-X", "-z"], ["-w"]),
        "tcpdump": (["-w", "-i", "-c", "-C", "-G", "-W", "-z", "-Z", "-r", "-s", "-F", "-E", "-y"], ["-w"]),
        "dumpcap": (["-w", "-i", "-f", "-c", "-a", "-b", "-s"], ["-w"]),
        "curl": (
            ["-o", "--output", "-d", "--data", "-H", "--header", "-u", "-x", "-X", "-A", "-e", "-T"],
            ["-o", "--output"]
        ),
        "wget": (
            ["-O", "--output-document", "-o", "--output-file", "-P", "--directory-prefix"],
            ["-O", "--output-document", "-P", "--directory-prefix"]
        ),
        "sort": (["-o", "--output", "-k", "-t", "-S", "-T"], ["-o", "--output"]),
        "unzip": (["-d", "-x"], ["-d"]),
    ]

    /// What `name` (the program's basename) with `args` (argv without argv[0]) writes.
    public static func of(program name: String, args: [String]) -> [Destination] {
        switch name {
        case "cp", "mv", "install", "ln", "gcp":
            let scan = CommandOptions(args, valued: copyValued)
            let targets = scan.values(of: ["-t", "--target-directory"])
            let operands = scan.operands
            if !targets.isEmpty {
                return targets.map {
                    Destination(argument: $0, path: $0, how: "\(name) target directory", sources: operands)
                }
            }
            // `install -d DIR…` and `ln -s TARGET` (one operand: a link in the cwd) write no named file.
            if name == "install", scan.has(["-d", "--directory"]) {
                return operands.map { Destination(argument: $0, path: $0, how: "install -d directory") }
            }
            guard operands.count >= 2, let last = operands.last else { return [] }
            // `ln -s TARGET NAME`: NAME is the link; the target is not copied.
            let sources = name == "ln" ? [] : Array(operands.dropLast())
            return [Destination(argument: last, path: last, how: "\(name) destination", sources: sources)]
        case "tee":
            return CommandOptions(args, valued: []).operands.filter { $0 != "-" }.map {
                Destination(argument: $0, path: $0, how: "tee output")
            }
        case "dd":
            return args.filter { $0.hasPrefix("of=") }.map {
                Destination(argument: $0, path: String($0.dropFirst(3)), how: "dd of=")
            }
        case "sed", "gsed":
            let scan = CommandOptions(args, valued: sedValued)
            let inPlace = scan.items.contains {
                if case .option(let o, _) = $0 { return o == "-i" || o == "--in-place" }
                return false
            }
            guard inPlace else { return [] }
            var files = scan.operands
            // Without -e/-f the first operand is the script.
            if scan.values(of: ["-e", "--expression", "-f", "--file"]).isEmpty, !files.isEmpty { files.removeFirst() }
            return files.map { Destination(argument: $0, path: $0, how: "sed -i edits it") }
        case "rsync":
            let operands = CommandOptions(args, valued: rsyncValued).operands
            guard operands.count >= 2, let last = operands.last, !last.contains("::"), !isRemote(last) else {
                return []
            }
            return [Destination(argument: last, path: last, how: "rsync destination")]
        case "tar", "bsdtar":
            // Extracting with -C DIR writes below DIR.
            let extracting = args.contains {
                $0 == "--extract" || $0 == "--get" || $0 == "-x"
                    || ($0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("x"))
                    || (!$0.hasPrefix("-") && $0 == args.first && $0.contains("x"))
            }
            guard extracting else { return [] }
            return CommandOptions(args, valued: ["-C", "--directory", "-f", "--file", "-T", "-X"])
                .values(of: ["-C", "--directory"]).map {
                    Destination(argument: $0, path: $0, how: "tar extracts into it")
                }
        default:
            guard let (valued, outputs) = outputOptions[name] else { return [] }
            return CommandOptions(args, valued: valued).values(of: outputs).map {
                Destination(argument: $0, path: $0, how: "\(name) writes it")
            }
        }
    }

    /// `host:path` (rsync and scp remote syntax), not a local path with a colon in a later part.
    static func isRemote(_ operand: String) -> Bool {
        guard let colon = operand.firstIndex(of: ":") else { return false }
        return !operand[..<colon].contains("/")
    }
}

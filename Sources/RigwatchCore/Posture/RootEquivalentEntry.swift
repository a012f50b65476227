// SPDX-License-Identifier: Apache-2.0
/// Whether a whitelisted sudoers entry hands out root anyway, judged with what the
/// live sensor knows: the path classes of `RootChildClasses` (a program the user can
/// write, a shell, an interpreter), `WrappedCommand` (a wrapper whose wildcard lets
/// it start anything), and `ArgumentAbuseRules` (options and arguments that run code,
/// hook the kernel or write where code runs later), tried on the argument lists the
/// entry's wildcards admit.
public enum RootEquivalentEntry {
    public struct Verdict: Equatable, Sendable {
        /// Why the entry is root.
        public var reason: String
        /// A command line the entry allows that shows it.
        public var example: String
    }

    /// Editors and pagers: each opens a shell (`:!sh`, `!sh`) and writes any file. The
    /// one list here the sensor has no use for live (it sees the shell they start).
    static let editors = [
        "vi", "vim", "vim.*", "nvim", "view", "rvim", "nano", "rnano", "pico", "emacs*", "ed", "red", "joe",
        "mcedit", "less", "more", "most", "pg", "man", "sensible-editor", "editor", "sensible-pager", "pager",
    ]
    /// Names a glob in a program's name may expand to that are shells or interpreters.
    static let sampleNames = RootChildClasses.defaultShells + ["python3", "perl", "ruby", "node", "awk", "php", "lua"]
    /// What a wildcard is tried with: a wrapped shell, a program path, a pipe for
    /// core_pattern, a cron file to write, cp's target directory, sed's `e` command.
    static let payloads = [
        "/bin/sh -c id", "1 /bin/sh -c id", "|/tmp/rigwatch-probe", "1eid", "-t /etc/cron.d/ /tmp/rigwatch-probe",
        "of=/etc/cron.d/rigwatch-probe", "/etc/cron.d/rigwatch-probe", "/tmp/rigwatch-probe",
    ]
    /// A container client's way to root, for `ContainerClientArguments` to judge.
    static let containerPayload = "run --privileged -v /:/host rigwatch-probe"
    static let rootKinds: Set<AbuseFinding.Class> = [.codeExecution, .kernelHook, .persistenceWrite, .untrustedConfig]

    /// Nil when the entry gives nothing beyond what it names (or is `ALL`, reported on its own).
    public static func judge(_ spec: CommandSpec, classes: RootChildClasses = RootChildClasses()) -> Verdict? {
        guard !spec.negated else { return nil }
        let path: String
        switch spec.command {
        case .all: return nil
        case .directory(let d):
            let dir = String(decoding: d, as: UTF8.self)
            return Verdict(reason: "any program in \(dir), shells included", example: "\(dir)sh")
        case .path(let p), .glob(let p): path = String(decoding: p, as: UTF8.self)
        }
        let name = lastPathComponent(path)
        let arbitrary = arbitraryArguments(spec.arguments)
        if let (cls, why) = programClass(path, classes: classes) {
            if cls == .writablePath {
                return Verdict(
                    reason: "the program is \(why): whoever can write it chooses what runs as root", example: path)
            }
            if arbitrary && (cls == .shell || cls == .interpreter) {
                return Verdict(
                    reason: "\(article(cls)) \(cls.rawValue) (\(why)) with any arguments runs any code",
                    example: "\(path) -c id")
            }
        }
        if arbitrary, let editor = editors.first(where: { FNMatch.matches($0, name, pathname: true) }) {
            return Verdict(
                reason: "an editor or pager (\(editor)): it opens a shell and writes any file",
                example: "\(path) /etc/sudoers")
        }
        for args in probes(spec.arguments, program: name) {
            if let reason = rootReason(exe: path, args: args, classes: classes) {
                return Verdict(reason: reason, example: ([path] + args).joined(separator: " "))
            }
        }
        return nil
    }

    /// Any arguments, or a pattern with a `*` (which matches blanks too: any words).
    static func arbitraryArguments(_ arguments: CommandSpec.Arguments) -> Bool {
        switch arguments {
        case .any: return true
        case .none: return false
        case .pattern(let p): return p.contains(0x2a)
        }
    }

    /// The class of the program, or of a shell or interpreter its glob matches.
    static func programClass(_ path: String, classes: RootChildClasses) -> (RootChildClass, String)? {
        if let found = classes.classify(canonicalPath: Array(path.utf8), truncated: false),
            found.0 != .outsideSystemDirectories
        {
            return found
        }
        guard FNMatch.hasMeta(Array(path.utf8)) else { return nil }
        let dir = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        for sample in sampleNames where FNMatch.matches(path, dir + "/" + sample, pathname: true) {
            if let found = classes.classify(canonicalPath: Array((dir + "/" + sample).utf8), truncated: false),
                found.0 == .shell || found.0 == .interpreter
            {
                return (found.0, "matches \(sample)")
            }
        }
        return nil
    }

    /// The argument lists to try: the fixed ones as written; for wildcards, each
    /// payload (and each code-running option of this program) put in their place.
    static func probes(_ arguments: CommandSpec.Arguments, program: String) -> [[String]] {
        var tries = payloads + (ArgumentAbuseRules.codeExecOptions[program] ?? []).map { "\($0.0) /tmp/rigwatch-probe" }
        if ContainerClientArguments.clients.contains(program) { tries.append(containerPayload) }
        func words(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }
        switch arguments {
        case .none: return [[]]
        case .any: return tries.map(words)
        case .pattern(let p):
            let pattern = String(decoding: p, as: UTF8.self)
            guard p.contains(0x2a) else { return [words(pattern)] }
            let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false)
            return tries.map { pieces.joined(separator: $0) }.filter {
                FNMatch.matches(pattern, $0, pathname: false)
            }.map(words)
        }
    }

    static func rootReason(exe: String, args: [String], classes: RootChildClasses) -> String? {
        let argv = [exe] + args
        let name = lastPathComponent(exe)
        // A container client's options are judged by its subcommand (`docker ps --privileged` runs nothing).
        let client = ContainerClientArguments.clients.contains(name)
        if client, let finding = ContainerClientArguments.findings(program: name, args: args).first {
            return "\(name): \(finding.reason)"
        }
        if let finding = ArgumentAbuseRules().inspect(exe: exe, argv: argv).first(where: {
            rootKinds.contains($0.kind) && !(client && $0.kind == .codeExecution)
        }) {
            return finding.reason
        }
        if let launch = WrappedCommand.launch(argv), let inner = launch.argv.first {
            let innerPath = inner.hasPrefix("/") ? inner : "/usr/bin/" + inner
            if let (cls, why) = classes.classify(canonicalPath: Array(innerPath.utf8), truncated: false),
                cls != .outsideSystemDirectories
            {
                return
                    "\(launch.wrappers.joined(separator: " ")) starts what its wildcard names: \(inner), \(article(cls)) \(cls.rawValue) (\(why))"
            }
        }
        return nil
    }

    static func article(_ cls: RootChildClass) -> String { cls == .interpreter ? "an" : "a" }
}

// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchConfig
import RigwatchCore
import RigwatchIO
import RigwatchService
import RigwatchSources

/// `--root`, `--dry-run`, shared by install and uninstall.
struct InstallTargetOptions: ParsableArguments {
    @Option(help: "Install into this directory instead of / (packaging, tests); systemctl is not run.")
    var root: String = "/"

    @Flag(help: "Print every file (path, mode, contents) and command, and change nothing.")
    var dryRun = false
}

struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install rigwatch as a systemd service (binary, unit, default config, log and state directories).",
        discussion:
            "Idempotent: a second run changes nothing. What it creates is recorded in /var/lib/rigwatch/install.manifest for `rigwatch uninstall`."
    )

    @OptionGroup var target: InstallTargetOptions

    @Flag(help: "Do not enable or start the service.")
    var noStart = false

    @Option(
        help: ArgumentHelp(
            "Where the files go: local (/usr/local/bin, /etc/systemd/system) or package (the Debian package's /usr/bin and /lib/systemd/system, staged under --root for `make deb`: no manifest, no directories for logs and state, no systemctl).",
            valueName: "local|package"))
    var layout: InstallLayoutName = .local

    @Option(help: .hidden)
    var binary: String = "/proc/self/exe"

    func run() throws {
        // On the live root the package's files would be dpkg's without dpkg knowing them.
        if layout == .package && target.root.allSatisfy({ $0 == "/" }) {
            throw InstallFileSystem.failure(
                "--layout package only stages the Debian package's files under --root DIR; on a host, install the package (apt install ./rigwatch_VERSION_ARCH.deb) or use the local layout"
            )
        }
        let fs = try InstallFileSystem(root: target.root, dryRun: target.dryRun)
        guard let bytes = FileManager.default.contents(atPath: binary) else {
            throw fs.fail("cannot read the rigwatch executable at \(binary)")
        }
        var options = InstallOptions(binary: Array(bytes))
        options.noStart = noStart
        (options.systemd, options.systemdAbsentReason) = fs.systemd()
        let plan = InstallPlanner.install(options, layout: layout.layout, state: fs.state)
        try fs.apply(plan, verb: "install")
    }
}

/// `--layout`: which InstallLayout install writes.
enum InstallLayoutName: String, ExpressibleByArgument, CaseIterable {
    case local, package

    var layout: InstallLayout {
        switch self {
        case .local: return InstallLayout()
        case .package: return .package
        }
    }
}

struct UninstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall",
        abstract: "Remove exactly what `rigwatch install` added; the configuration stays unless --purge."
    )

    @OptionGroup var target: InstallTargetOptions

    @Flag(help: "Also remove the configuration and the contents of the log and state directories install created.")
    var purge = false

    func run() throws {
        let fs = try InstallFileSystem(root: target.root, dryRun: target.dryRun)
        var options = UninstallOptions()
        options.purge = purge
        (options.systemd, options.systemdAbsentReason) = fs.systemd()
        let plan = InstallPlanner.uninstall(options, state: fs.state)
        try fs.apply(plan, verb: "uninstall")
    }
}

/// The I/O half of install/uninstall: observes paths under the root and applies a plan.
struct InstallFileSystem {
    let root: String
    let dryRun: Bool

    init(root: String, dryRun: Bool) throws {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
        self.dryRun = dryRun
        guard root.hasPrefix("/") else {
            throw Self.failure("--root must be an absolute path: \(root)")
        }
        if geteuid() != 0 && !dryRun && root == "/" {
            throw Self.failure("must run as root (or with --dry-run, or with --root DIR for a staging tree)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Self.failure("--root \(root) is not a directory")
        }
        if !dryRun && access(root, W_OK) != 0 {
            throw Self.failure("cannot write to \(root): \(String(cString: strerror(errno)))")
        }
    }

    static func failure(_ message: String) -> ExitCode {
        Log.error(message)
        return ExitCode(2)
    }

    func fail(_ message: String) -> ExitCode { Self.failure(message) }

    func real(_ path: String) -> String { root == "/" ? path : root + path }

    /// Whether systemctl is run, and why not.
    func systemd() -> (Bool, String) {
        if root != "/" { return (false, "--root is \(root), not /") }
        var st = stat()
        if stat("/run/systemd/system", &st) != 0 {
            return (false, "systemd is not running (/run/systemd/system is missing)")
        }
        return (true, "")
    }

    func state(_ path: String) -> InstallPathState {
        let full = real(path)
        var st = stat()
        guard lstat(full, &st) == 0 else { return .absent }
        let mode = UInt32(st.st_mode)
        switch mode & UInt32(S_IFMT) {
        case UInt32(S_IFREG):
            let contents = FileManager.default.contents(atPath: full).map(Array.init) ?? []
            return .file(mode: mode & 0o7777, contents: contents)
        case UInt32(S_IFDIR): return .directory(mode: mode & 0o7777)
        case UInt32(S_IFLNK): return .other("symbolic link")
        default: return .other("special file")
        }
    }

    func apply(_ plan: InstallPlan, verb: String) throws {
        if !plan.errors.isEmpty {
            let under = root == "/" ? "" : " (under --root \(root))"
            for error in plan.errors {
                Log.error("\(error)\(under)")
            }
            Log.info("\(verb): nothing changed")
            throw ExitCode(2)
        }
        if dryRun {
            print("dry run: \(verb) would do the following and changes nothing\(root == "/" ? "" : " (root \(root))")")
        }
        for step in plan.steps {
            switch step {
            case .makeDirectory(let path, let mode):
                print("\(dryRun ? "would create directory" : "created directory") \(real(path)) (\(octal(mode)))")
                if !dryRun {
                    try check(mkdir(real(path), mode_t(mode)) == 0 || errno == EEXIST, "mkdir \(real(path))")
                    try check(chmod(real(path), mode_t(mode)) == 0, "chmod \(real(path))")
                }
            case .writeFile(let path, let mode, let contents, let binary, let replacing):
                let what = replacing ? (dryRun ? "would replace" : "replaced") : (dryRun ? "would write" : "wrote")
                print("\(what) \(real(path)) (\(octal(mode)), \(contents.count) bytes)")
                if dryRun {
                    if binary {
                        print("  (the rigwatch executable, a copy of the running binary)")
                    } else {
                        let text = String(decoding: contents, as: UTF8.self)
                        print("  --- \(real(path))")
                        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(
                            text.hasSuffix("\n") ? 1 : 0)
                        {
                            print("  | \(line)")
                        }
                        print("  ---")
                    }
                } else {
                    try writeAtomically(real(path), contents: contents, mode: mode)
                }
            case .setMode(let path, let mode):
                print("\(dryRun ? "would set mode" : "set mode") \(octal(mode)) on \(real(path))")
                if !dryRun { try check(chmod(real(path), mode_t(mode)) == 0, "chmod \(real(path))") }
            case .unchanged(let path):
                print("unchanged \(real(path))")
            case .keep(let path, let reason):
                print("kept \(real(path)): \(reason)")
            case .removeFile(let path):
                print("\(dryRun ? "would remove" : "removed") \(real(path))")
                if !dryRun { try check(unlink(real(path)) == 0 || errno == ENOENT, "unlink \(real(path))") }
            case .removeContents(let path):
                print("\(dryRun ? "would remove the contents of" : "removed the contents of") \(real(path))")
                if !dryRun {
                    let items = (try? FileManager.default.contentsOfDirectory(atPath: real(path))) ?? []
                    for item in items { try FileManager.default.removeItem(atPath: real(path) + "/" + item) }
                }
            case .removeDirectoryIfEmpty(let path):
                if dryRun {
                    print("would remove directory \(real(path)) if empty")
                } else if rmdir(real(path)) == 0 {
                    print("removed directory \(real(path))")
                } else if errno == ENOTEMPTY || errno == EEXIST {
                    print("kept directory \(real(path)): not empty")
                } else if errno != ENOENT {
                    throw fail("rmdir \(real(path)): \(String(cString: strerror(errno)))")
                }
            case .run(let argv):
                print("\(dryRun ? "would run" : "running"): \(argv.joined(separator: " "))")
                if !dryRun { try runTool(argv) }
            case .removeBPFPins(let path):
                print("\(dryRun ? "would remove" : "removing") the pinned BPF state \(real(path))")
                if !dryRun {
                    // Forced: uninstalling ends the sensor's kernel side even if a sensor still runs.
                    if case .failed(let reason) = BPFPins.remove(real(path), force: true) {
                        throw fail("removing \(real(path)): \(reason)")
                    }
                }
            case .note(let text):
                print("note: \(text)")
            }
        }
        if !plan.changesAnything { print("\(verb): nothing to change") }
    }

    private func check(_ ok: Bool, _ what: String) throws {
        if !ok { throw fail("\(what): \(String(cString: strerror(errno)))") }
    }

    /// Write to a temporary file beside the target, then rename: a reader never sees half a file.
    private func writeAtomically(_ path: String, contents: [UInt8], mode: UInt32) throws {
        let temporary = path + ".rigwatch-install.\(getpid())"
        do {
            try FileWrite.replaceAtomically(
                path, with: contents, temporary: temporary, createFlags: O_EXCL, mode: mode_t(mode),
                syncDirectory: nil)
        } catch {
            switch error.step {
            case .create: throw fail("create \(temporary): \(error.reason)")
            case .write, .chmod, .sync: throw fail("write \(temporary): \(error.reason)")
            case .rename: throw fail("rename to \(path): \(error.reason)")
            }
        }
    }

    private func runTool(_ argv: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        do { try process.run() } catch { throw fail("cannot run \(argv.joined(separator: " ")): \(error)") }
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            Log.error("`\(argv.joined(separator: " "))` exited \(process.terminationStatus)")
            throw ExitCode(1)
        }
    }

    private func octal(_ mode: UInt32) -> String { "0" + String(mode, radix: 8) }
}

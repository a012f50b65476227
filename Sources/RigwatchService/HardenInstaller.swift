// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchIO

/// Puts a `HardenPlan` in place so that a file sudo would reject never reaches
/// /etc: every new file is first written beside its target under a name sudo
/// ignores (it has a '.'), 0440/0644 root:root, and each sudoers candidate must
/// pass `visudo -c -f`; only then is what they replace backed up (with a
/// manifest) and are they renamed into place. On the live root `visudo -c` then
/// checks the whole set, and a failure there puts every file back.
public struct HardenInstaller {
    public let host: HardenHost
    /// The host path of the backup directory (not under --root).
    public let backupRoot: String
    public var visudo = "/usr/sbin/visudo"
    public var sysctl = "/usr/sbin/sysctl"

    public init(host: HardenHost, backupRoot: String) {
        self.host = host
        self.backupRoot = backupRoot
    }

    static let candidateSuffix = ".rigwatch-harden"

    /// Applies `plan`; returns the backup directory. Throws, having changed nothing in
    /// place, when a candidate is rejected.
    @discardableResult
    public func apply(_ plan: HardenPlan) throws(HardenHost.Failure) -> String {
        var manifest: [HardenManifest.Entry] = []
        if !plan.sysctlFiles.isEmpty, let value = host.sysctlValue(CoreLimitFiles.sysctlKey) {
            manifest.append(.sysctl(key: CoreLimitFiles.sysctlKey, value: value))
        }
        let candidates = try stage(plan.files)
        let backup: String
        do {
            backup = try writeBackup(plan.files, sysctl: manifest)
        } catch {
            discard(candidates)
            throw error
        }
        try commit(plan.files, candidates: candidates, backup: backup)
        for file in plan.sysctlFiles {
            let (status, output) = Self.runTool([sysctl, "-p", file])
            if status != 0 { throw HardenHost.Failure("`sysctl -p \(file)` exited \(status): \(output)") }
        }
        return backup
    }

    /// Undoes the latest run not undone yet; nil when there is none.
    public func undo() throws(HardenHost.Failure) -> (directory: String, plan: HardenPlan)? {
        guard let directory = latestBackup() else { return nil }
        let plan = try undoPlan(directory)
        let candidates = try stage(plan.files)
        try commit(plan.files, candidates: candidates, backup: nil)
        markUndone(directory)
        for (key, value) in plan.sysctlRestore where !host.isStaged {
            let (status, output) = Self.runTool([sysctl, "-w", "\(key)=\(value)"])
            if status != 0 { throw HardenHost.Failure("`sysctl -w \(key)=\(value)` exited \(status): \(output)") }
        }
        return (directory, plan)
    }

    /// What undo would change: created files removed, modified ones given back their
    /// content before (or, when edited since, only the disabled lines restored).
    public func undoPlan(_ directory: String) throws(HardenHost.Failure) -> HardenPlan {
        guard let data = FileManager.default.contents(atPath: "\(directory)/\(HardenManifest.fileName)") else {
            throw HardenHost.Failure("\(directory)/\(HardenManifest.fileName): cannot read it")
        }
        let manifest: HardenManifest
        do { manifest = try HardenManifest.parse(String(decoding: data, as: UTF8.self)) } catch {
            throw HardenHost.Failure("\(directory)/\(HardenManifest.fileName): \(error)")
        }
        var plan = HardenPlan()
        for entry in manifest.entries.reversed() {
            switch entry {
            case .created(let path, _):
                guard let current = try host.read(path) else { continue }
                plan.notes.append("remove \(path)")
                plan.files.append(
                    HardenFile(
                        path: path, before: current.bytes, after: nil, mode: current.mode, isSudoers: isSudoers(path)))
            case .modified(let path, let index):
                let before = try backupCopy(directory, index, "before")
                let written = try backupCopy(directory, index, "after")
                let current = try host.read(path)
                var restored = before
                var note = "restore \(path)"
                if let current, current.bytes != written, isSudoers(path) {
                    // Edited since: keep the edits, give back only the disabled lines.
                    restored = Array(SudoersGrantRewrite.restore(String(decoding: current.bytes, as: UTF8.self)).utf8)
                    note = "restore the disabled lines of \(path) (changed since harden)"
                }
                guard restored != current?.bytes else { continue }
                plan.notes.append(note)
                plan.files.append(
                    HardenFile(
                        path: path, before: current?.bytes, after: restored, mode: current?.mode ?? 0o440,
                        isSudoers: isSudoers(path)))
            case .sysctl(let key, let value):
                plan.notes.append("sysctl -w \(key)=\(value)")
                plan.sysctlRestore.append((key, value))
            }
        }
        return plan
    }

    private func isSudoers(_ path: String) -> Bool {
        path == HardenLayout.sudoers || path.hasPrefix(HardenLayout.sudoersDirectory + "/")
    }

    private func backupCopy(_ directory: String, _ index: Int, _ kind: String) throws(HardenHost.Failure) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: "\(directory)/\(index).\(kind)") else {
            throw HardenHost.Failure("\(directory)/\(index).\(kind): missing from the backup")
        }
        return Array(data)
    }

    /// The newest backup directory with a manifest that is not undone.
    public func latestBackup() -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: backupRoot)) ?? []
        for name in names.sorted().reversed() {
            let dir = "\(backupRoot)/\(name)"
            let fm = FileManager.default
            if fm.fileExists(atPath: "\(dir)/\(HardenManifest.fileName)")
                && !fm.fileExists(atPath: "\(dir)/\(HardenManifest.undoneMarker)")
            {
                return dir
            }
        }
        return nil
    }

    private func markUndone(_ directory: String) {
        _ = FileManager.default.createFile(atPath: "\(directory)/\(HardenManifest.undoneMarker)", contents: Data())
    }

    // MARK: staging

    /// Writes each new content beside its target and validates the sudoers ones.
    /// Returns the candidate paths (nil for a removal).
    private func stage(_ files: [HardenFile]) throws(HardenHost.Failure) -> [String?] {
        var candidates: [String?] = []
        do throws(HardenHost.Failure) {
            for file in files {
                guard let after = file.after else {
                    candidates.append(nil)
                    continue
                }
                let target = host.real(file.path)
                let dir = (target as NSString).deletingLastPathComponent
                if !file.isSudoers { try makeDirectories(dir) }
                let candidate = "\(dir)/.\((target as NSString).lastPathComponent)\(Self.candidateSuffix)"
                candidates.append(candidate)
                try writeCandidate(candidate, after, mode: file.mode)
                if file.isSudoers {
                    let (status, output) = Self.runTool([visudo, "-c", "-f", candidate])
                    if status != 0 {
                        throw HardenHost.Failure(
                            "visudo rejected the new \(file.path); nothing was changed:\n\(output.trimmingCharacters(in: .newlines))"
                        )
                    }
                }
            }
        } catch {
            discard(candidates)
            throw error
        }
        return candidates
    }

    private func discard(_ candidates: [String?]) {
        for case let candidate? in candidates { unlink(candidate) }
    }

    private func writeCandidate(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(HardenHost.Failure) {
        unlink(path)  // left by a run that died
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_t(0o600))
        guard fd >= 0 else { throw HardenHost.Failure("create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var failed: String?
        if let code = FileWrite.all(fd, bytes) {
            failed = "write: \(String(cString: strerror(code)))"
        } else if geteuid() == 0 && fchown(fd, 0, 0) != 0 {
            failed = "chown root:root: \(String(cString: strerror(errno)))"
        } else if fchmod(fd, mode) != 0 || fsync(fd) != 0 {
            failed = String(cString: strerror(errno))
        }
        if let failed {
            unlink(path)
            throw HardenHost.Failure("\(path): \(failed)")
        }
    }

    private func makeDirectories(_ dir: String) throws(HardenHost.Failure) {
        do {
            try FileManager.default.createDirectory(
                atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        } catch {
            throw HardenHost.Failure("create \(dir): \(error.localizedDescription)")
        }
    }

    // MARK: backup and commit

    /// The backup directory for this run: every file's content before and as written,
    /// then the manifest (last, so a manifest always has its copies).
    private func writeBackup(
        _ files: [HardenFile], sysctl: [HardenManifest.Entry]
    ) throws(HardenHost.Failure) -> String {
        var stamp = Self.timestamp()
        var dir = "\(backupRoot)/\(stamp)"
        var n = 2
        while FileManager.default.fileExists(atPath: dir) {
            stamp = "\(Self.timestamp())-\(n)"
            dir = "\(backupRoot)/\(stamp)"
            n += 1
        }
        do {
            try FileManager.default.createDirectory(
                atPath: (backupRoot as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o755])
            if !FileManager.default.fileExists(atPath: backupRoot) {
                try FileManager.default.createDirectory(
                    atPath: backupRoot, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            }
            try FileManager.default.createDirectory(
                atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            var entries = sysctl
            for (index, file) in files.enumerated() {
                if let before = file.before {
                    try AtomicFile.write(Data(before), to: "\(dir)/\(index).before", mode: 0o600)
                    entries.append(.modified(path: file.path, index: index))
                } else {
                    entries.append(.created(path: file.path, index: index))
                }
                if let after = file.after {
                    try AtomicFile.write(Data(after), to: "\(dir)/\(index).after", mode: 0o600)
                }
            }
            let manifest = HardenManifest(entries: entries).text
            try AtomicFile.write(Data(manifest.utf8), to: "\(dir)/\(HardenManifest.fileName)", mode: 0o600)
        } catch {
            throw HardenHost.Failure("cannot write the backup in \(dir): \(error)")
        }
        return dir
    }

    /// Renames the candidates into place (removals unlink), then on the live root
    /// checks the whole set with `visudo -c`, putting every file back when it fails.
    private func commit(_ files: [HardenFile], candidates: [String?], backup: String?) throws(HardenHost.Failure) {
        var done: [HardenFile] = []
        var failure: String?
        for (file, candidate) in zip(files, candidates) {
            let target = host.real(file.path)
            if let candidate {
                if rename(candidate, target) != 0 {
                    failure = "rename \(candidate) to \(target): \(String(cString: strerror(errno)))"
                    break
                }
            } else if unlink(target) != 0 && errno != ENOENT {
                failure = "remove \(target): \(String(cString: strerror(errno)))"
                break
            }
            done.append(file)
        }
        if failure == nil && !host.isStaged && files.contains(where: \.isSudoers) {
            let (status, output) = Self.runTool([visudo, "-c"])
            if status != 0 { failure = "visudo -c rejected the whole set; every file was put back:\n\(output)" }
        }
        guard let failure else { return }
        discard(Array(candidates.dropFirst(done.count)))
        for file in done.reversed() { rollBack(file) }
        if let backup { markUndone(backup) }
        throw HardenHost.Failure(failure)
    }

    private func rollBack(_ file: HardenFile) {
        let target = host.real(file.path)
        guard let before = file.before else {
            unlink(target)
            return
        }
        let candidate =
            "\((target as NSString).deletingLastPathComponent)/.\((target as NSString).lastPathComponent)\(Self.candidateSuffix)"
        if (try? writeCandidate(candidate, before, mode: file.mode)) != nil { rename(candidate, target) }
    }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let n = strftime(&buffer, buffer.count, "%Y%m%dT%H%M%SZ", &parts)
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Runs a tool to completion; its exit status and stdout and stderr together.
    static func runTool(_ argv: [String]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return (127, "cannot run \(argv[0]): \(error.localizedDescription)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

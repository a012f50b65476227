// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// The files `harden` reads, under a root (`/`, or `--root DIR`, a staged tree):
/// the plan for `--sudoers` and `--core-limits`, from what is there now.
public struct HardenHost: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    public let root: String

    public init(root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    public var isStaged: Bool { root != "/" }

    public func real(_ path: String) -> String { isStaged ? root + path : path }

    /// A regular file's bytes and mode; nil when absent. A link or special file is refused.
    public func read(_ path: String) throws(Failure) -> (bytes: [UInt8], mode: mode_t)? {
        let full = real(path)
        var st = stat()
        guard lstat(full, &st) == 0 else {
            if errno == ENOENT { return nil }
            throw Failure("\(full): \(String(cString: strerror(errno)))")
        }
        guard st.st_mode & S_IFMT == S_IFREG else { throw Failure("\(full): not a regular file; left alone") }
        guard let data = FileManager.default.contents(atPath: full) else {
            throw Failure("\(full): cannot read it (\(String(cString: strerror(errno))))")
        }
        return (Array(data), st.st_mode & 0o7777)
    }

    /// /etc/sudoers and the sudoers.d files sudo reads, but the drop-in itself.
    /// Other `@include`d paths are not followed.
    func sudoersFiles(except dropIn: String) throws(Failure) -> [String] {
        var files: [String] = []
        if (try read(HardenLayout.sudoers)) != nil { files.append(HardenLayout.sudoers) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: real(HardenLayout.sudoersDirectory))
        } catch {
            throw Failure("\(real(HardenLayout.sudoersDirectory)): cannot list it: \(error.localizedDescription)")
        }
        for name in names.sorted() where HardenLayout.sudoReads(name) && name != dropIn {
            files.append("\(HardenLayout.sudoersDirectory)/\(name)")
        }
        return files
    }

    /// `--sudoers`: the drop-in holding `dropInText`, and every line granting a
    /// watched user ALL disabled. `members`: who is in each group (for `%group` lines).
    public func planSudoers(
        dropIn: String, dropInText: String, watched: Set<String>, members: (String) -> Set<String>?
    ) throws(Failure) -> HardenPlan {
        var plan = HardenPlan()
        // Without the include, sudo never reads the drop-in: disabling the grants would leave nothing.
        var includeLine = Int.max
        if let main = try read(HardenLayout.sudoers) {
            guard
                let line = SudoersGrantRewrite.includeDirectoryLine(
                    String(decoding: main.bytes, as: UTF8.self), HardenLayout.sudoersDirectory)
            else {
                throw Failure(
                    "refused: \(real(HardenLayout.sudoers)) does not include \(HardenLayout.sudoersDirectory) (@includedir), so sudo would never read the drop-in"
                )
            }
            includeLine = line
        }
        for path in try sudoersFiles(except: dropIn) {
            var st = stat()
            if lstat(real(path), &st) == 0 && st.st_mode & S_IFMT != S_IFREG {
                plan.notes.append("keep \(path): not a regular file; not read")
                continue
            }
            guard let (bytes, mode) = try read(path) else { continue }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw Failure("\(real(path)): not UTF-8 text; edit it with visudo yourself")
            }
            let result = SudoersGrantRewrite.disable(text, watched: watched, members: members)
            for grant in result.kept {
                // sudo's last match wins: a grant read before the drop-in is taken back by its !ALL line.
                let readBefore =
                    path == HardenLayout.sudoers
                    ? grant.line < includeLine : (path as NSString).lastPathComponent < dropIn
                let effect =
                    readBefore
                    ? "read before the drop-in, whose !ALL line overrides it"
                    : "read after the drop-in, so it still grants ALL: take the watched users out of it"
                plan.notes.append("keep \(path):\(grant.line): \(grant.text): \(grant.keptBecause ?? ""); \(effect)")
            }
            guard result.changed else { continue }
            for grant in result.disabled { plan.notes.append("disable \(path):\(grant.line): \(grant.text)") }
            plan.files.append(
                HardenFile(path: path, before: bytes, after: Array(result.text.utf8), mode: mode, isSudoers: true))
        }
        let path = "\(HardenLayout.sudoersDirectory)/\(dropIn)"
        let current = try read(path)
        let wanted = Array(dropInText.utf8)
        if current?.bytes != wanted || current?.mode != 0o440 {
            plan.notes.append("write \(path) (0440): the whitelist for \(watched.sorted().joined(separator: ", "))")
            plan.files.append(
                HardenFile(path: path, before: current?.bytes, after: wanted, mode: 0o440, isSudoers: true))
        }
        return plan
    }

    /// `--core-limits`: the limits.d and sysctl.d files.
    public func planCoreLimits() throws(Failure) -> HardenPlan {
        var plan = HardenPlan()
        for (path, text) in [
            (CoreLimitFiles.limits, CoreLimitFiles.limitsText), (CoreLimitFiles.sysctl, CoreLimitFiles.sysctlText),
        ] {
            let current = try read(path)
            let wanted = Array(text.utf8)
            guard current?.bytes != wanted || current?.mode != 0o644 else { continue }
            plan.notes.append("write \(path) (0644)")
            plan.files.append(
                HardenFile(path: path, before: current?.bytes, after: wanted, mode: 0o644, isSudoers: false))
            if path == CoreLimitFiles.sysctl && !isStaged { plan.sysctlFiles.append(path) }
        }
        return plan
    }

    /// The running value of a sysctl (for undo), from /proc/sys; nil under --root.
    func sysctlValue(_ key: String) -> String? {
        guard !isStaged,
            let data = FileManager.default.contents(atPath: "/proc/sys/" + key.replacingOccurrences(of: ".", with: "/"))
        else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

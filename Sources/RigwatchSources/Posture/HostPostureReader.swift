// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// Reads what `check-host` judges (`HostPostureInputs`) through `HostFiles`. On the
/// live host (`live`) it also asks `sshd -T` for the daemon's effective settings and
/// finds which process owns each listening socket; under `--root` it does neither
/// (the tree is not a running system).
public struct HostPostureReader {
    public var files: HostFiles
    public var live: Bool
    /// Where `sshd -T` is looked for.
    public var sshdPaths = ["/usr/sbin/sshd", "/usr/bin/sshd"]

    public init(files: HostFiles, live: Bool) {
        self.files = files
        self.live = live
    }

    public func read(watched: [String], groups: [String], canon: PathCanon) -> HostPostureInputs {
        let accounts = AccountDatabase(passwd: files.read("/etc/passwd") ?? "", group: files.read("/etc/group") ?? "")
        var inputs = HostPostureInputs(
            watchedUsers: watched, rootEquivalentGroups: groups, accounts: accounts, canon: canon)
        var sudoers: [SudoersPosture.File] = []
        var unreadable: [String] = []
        readSudoers("/etc/sudoers", depth: 0, into: &sudoers, unreadable: &unreadable)
        inputs.sudoers = sudoers
        inputs.sshd = sshdSettings(unreadable: &unreadable)
        inputs.unreadable = unreadable
        inputs.secrets = secretCandidates(SecretFilesPosture.homes(accounts, watched: watched))
        inputs.corePattern = files.read("/proc/sys/kernel/core_pattern")
        inputs.suidDumpable = files.read("/proc/sys/fs/suid_dumpable")
        var limits: [CoreDumpPosture.LimitsFile] = []
        let limitPaths =
            ["/etc/security/limits.conf"]
            + (files.list("/etc/security/limits.d") ?? []).filter { $0.hasSuffix(".conf") }.map {
                "/etc/security/limits.d/" + $0
            }
        for path in limitPaths { if let text = files.read(path) { limits.append(.init(path: path, text: text)) } }
        inputs.limits = limits
        inputs.listeners =
            ListeningSocketsPosture.parse(files.read("/proc/net/tcp") ?? "", proto: "tcp")
            + ListeningSocketsPosture.parse(files.read("/proc/net/tcp6") ?? "", proto: "tcp6")
        if live { inputs.socketOwners = Self.socketOwners(Set(inputs.listeners.map(\.inode))) }
        return inputs
    }

    /// A sudoers file and, in place, what it includes (sudo's order; at most 8 deep).
    func readSudoers(
        _ path: String, depth: Int, into out: inout [SudoersPosture.File], unreadable: inout [String]
    ) {
        guard depth < 8 else { return }
        guard let text = files.read(path) else {
            if files.regularFileMode(path) != nil { unreadable.append(path) }
            return
        }
        out.append(SudoersPosture.File(path: path, text: text))
        for directive in SudoersIncludes.directives(text) {
            let target = SudoersIncludes.resolve(directive.path, from: path)
            if directive.isDirectory {
                for name in files.list(target) ?? [] where SudoersIncludes.isIncluded(fileName: name) {
                    readSudoers(target + "/" + name, depth: depth + 1, into: &out, unreadable: &unreadable)
                }
            } else {
                readSudoers(target, depth: depth + 1, into: &out, unreadable: &unreadable)
            }
        }
    }

    /// `sshd -T` when it runs here (root, host keys), else the configuration files; nil without either.
    func sshdSettings(unreadable: inout [String]) -> [String: SSHDPosture.Setting]? {
        if live, let sshd = sshdPaths.first(where: { FileManager.default.isExecutableFile(atPath: $0) }),
            case .success(let out) = ChildProcess.run(sshd, ["-T"], timeout: 10), out.exitStatus == 0
        {
            return SSHDPosture.fromSSHDT(out.stdout)
        }
        let main = "/etc/ssh/sshd_config"
        guard let text = files.read(main) else {
            if files.regularFileMode(main) != nil { unreadable.append(main) }
            return nil
        }
        var missed: [String] = []
        let settings = SSHDPosture.fromConfig(SSHDPosture.File(path: main, text: text)) { pattern in
            let absolute = pattern.hasPrefix("/") ? pattern : "/etc/ssh/" + pattern
            return files.glob(absolute).compactMap { path in
                guard let text = files.read(path) else {
                    missed.append(path)
                    return nil
                }
                return SSHDPosture.File(path: path, text: text)
            }
        }
        unreadable += missed
        return settings
    }

    /// The files in each home that may hold a secret, and rigwatch's own environment file.
    func secretCandidates(_ homes: [String]) -> [SecretFilesPosture.Candidate] {
        var paths: [String] = []
        for home in homes {
            paths.append(home + "/.vast_api_key")
            paths += (files.list(home) ?? []).filter { $0 == ".env" || $0.hasSuffix(".env") }.map { home + "/" + $0 }
            paths += (files.list(home + "/.ssh") ?? []).map { home + "/.ssh/" + $0 }
        }
        paths.append(SecretFilesPosture.rigwatchEnvironment)
        var seen = Set<String>()
        return paths.compactMap { path in
            guard seen.insert(path).inserted, let mode = files.regularFileMode(path) else { return nil }
            let head = path.contains("/.ssh/") ? files.head(path, count: 256) ?? "" : ""
            return SecretFilesPosture.Candidate(path: path, mode: mode, head: head)
        }
    }

    /// Socket inode → "pid N (comm)", from the /proc/PID/fd links of this machine.
    static func socketOwners(_ inodes: Set<UInt64>) -> [UInt64: String] {
        var owners: [UInt64: String] = [:]
        guard !inodes.isEmpty, let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else {
            return owners
        }
        for pid in pids.sorted() where pid.allSatisfy(\.isNumber) {
            guard let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { continue }
            for fd in fds {
                guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
                    link.hasPrefix("socket:["), let inode = UInt64(link.dropFirst(8).dropLast()),
                    inodes.contains(inode), owners[inode] == nil
                else { continue }
                let comm =
                    (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(
                        in: .whitespacesAndNewlines) ?? "?"
                owners[inode] = "pid \(pid) (\(comm))"
            }
        }
        return owners
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// The files `check-host` reads, by their path on the host: the seam between the
/// judgement (RigwatchCore's Posture checks, pure) and the file system. Tests and
/// `--root DIR` see a staged tree through the same calls.
public protocol HostFiles {
    /// The file's text; nil when it is missing or unreadable.
    func read(_ path: String) -> String?
    /// The names in a directory, sorted; nil when it is no readable directory.
    func list(_ directory: String) -> [String]?
    /// Permission bits of a regular file (not following a final symlink); nil for anything else.
    func regularFileMode(_ path: String) -> UInt32?
    /// At most `count` bytes from the start of a file, as text.
    func head(_ path: String, count: Int) -> String?
}

extension HostFiles {
    /// The regular files a glob names, in name order (each component matched with fnmatch
    /// against the directory's names, as glob(3) does); a path without wildcards names itself when it exists.
    public func glob(_ pattern: String) -> [String] {
        var paths = [""]
        for component in pattern.split(separator: "/") {
            var next: [String] = []
            for base in paths {
                if FNMatch.hasMeta(Array(component.utf8)) {
                    for name in list(base.isEmpty ? "/" : base) ?? []
                    where !name.hasPrefix(".") && FNMatch.matches(String(component), name, pathname: true) {
                        next.append(base + "/" + name)
                    }
                } else {
                    next.append(base + "/" + component)
                }
            }
            paths = next
        }
        return paths.filter { regularFileMode($0) != nil || read($0) != nil }
    }
}

/// The host's files below a root: "/" for this machine, or `--root DIR`.
public struct RootedHostFiles: HostFiles {
    public let root: String

    public init(root: String = "/") {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    public func real(_ path: String) -> String { root == "/" ? path : root + path }

    public func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: real(path)) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    public func list(_ directory: String) -> [String]? {
        (try? FileManager.default.contentsOfDirectory(atPath: real(directory)))?.sorted()
    }

    public func regularFileMode(_ path: String) -> UInt32? {
        var st = stat()
        guard lstat(real(path), &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        return UInt32(st.st_mode & 0o7777)
    }

    public func head(_ path: String, count: Int) -> String? {
        guard let handle = FileHandle(forReadingAtPath: real(path)) else { return nil }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: count)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

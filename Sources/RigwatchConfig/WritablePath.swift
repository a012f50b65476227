// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Whether the sensor, as root, can make or write a path it writes (the alert
/// log, the spool, the lock file), found by looking only: `check-config`
/// creates nothing, so a missing path is judged by its nearest existing parent.
public enum WritablePath {
    public enum Kind: Sendable {
        case file, directory
    }

    /// Why `path` could not be written or made (missing parents too); nil when it can.
    public static func problem(_ path: String, kind: Kind) -> String? {
        var info = stat()
        if stat(path, &info) == 0 {
            let isDirectory = info.st_mode & S_IFMT == S_IFDIR
            switch kind {
            case .directory where !isDirectory: return "\(path) exists and is not a directory"
            case .file where isDirectory: return "\(path) is a directory"
            default: return notWritable(path).map { "cannot write \(path): \($0)" }
            }
        }
        // ENOTDIR: a parent is a file; the walk up finds which.
        guard errno == ENOENT || errno == ENOTDIR else { return "cannot use \(path): \(reason(errno))" }
        var ancestor = parent(of: path)
        while stat(ancestor, &info) != 0 {
            let code = errno
            let next = parent(of: ancestor)
            guard code == ENOENT || code == ENOTDIR, next != ancestor else {
                return "cannot create \(path): \(ancestor): \(reason(code))"
            }
            ancestor = next
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { return "cannot create \(path): \(ancestor) is not a directory" }
        return notWritable(ancestor).map { "cannot create \(path) in \(ancestor): \($0)" }
    }

    /// "/a/b" → "/a", "/a" → "/", "b" → ".".
    static func parent(of path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    /// Root may write anything but a read-only file system or an immutable file,
    /// which access(2) reports for root. Another user's access says nothing about
    /// root's, so for one only the file system is asked.
    static func notWritable(_ path: String) -> String? {
        if geteuid() == 0 { return access(path, W_OK) == 0 ? nil : reason(errno) }
        var fs = statvfs()
        guard statvfs(path, &fs) == 0 else { return reason(errno) }
        return fs.f_flag & UInt(ST_RDONLY) == 0 ? nil : reason(EROFS)
    }

    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchIO

/// The local alert log: JSON Lines, append-only, 0600, one alert per line,
/// written before any delivery is attempted. Every alert is here, storm or not.
///
/// Rotation: before each append the path is checked, and a file that was renamed
/// away or removed (logrotate's `create`) is followed by a new one at the path;
/// `reopen()` (SIGHUP) does the same at once. Used by the router thread alone.
public final class AlertLog {
    public let path: String
    private var fd: Int32
    /// Device and inode of the open file, to notice that the path now names another.
    private var identity: (dev: UInt64, ino: UInt64)

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(path: String) throws {
        self.path = path
        (fd, identity) = try Self.open(path)
    }

    deinit { close(fd) }

    private static func open(_ path: String) throws -> (Int32, (dev: UInt64, ino: UInt64)) {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            try FileManager.default.createDirectory(
                atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        }
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Failure(description: "cannot open the alert log \(path): \(String(cString: strerror(errno)))")
        }
        fchmod(fd, 0o600)  // O_CREAT's mode does not apply to a file that existed
        var info = stat()
        fstat(fd, &info)
        return (fd, (UInt64(info.st_dev), UInt64(info.st_ino)))
    }

    /// Opens the file the path names now (after a rotation); the old descriptor goes.
    /// On failure the old file stays in use, so no alert is lost for want of a file.
    public func reopen() throws {
        let (newFd, newIdentity) = try Self.open(path)
        close(fd)
        fd = newFd
        identity = newIdentity
    }

    /// True when the path no longer names the open file (renamed away, removed, replaced).
    private var rotated: Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return true }
        return UInt64(info.st_dev) != identity.dev || UInt64(info.st_ino) != identity.ino
    }

    /// Appends lines (each one alert) with one write and one fdatasync.
    public func append(_ lines: [String]) throws {
        guard !lines.isEmpty else { return }
        if rotated { try reopen() }
        var bytes: [UInt8] = []
        for line in lines {
            bytes += Array(line.utf8)
            bytes.append(0x0a)
        }
        try AlertLog.writeAll(fd, bytes, path: path)
        fdatasync(fd)
    }
}

extension AlertLog {
    /// The whole lines among the last `maxBytes` of the file the path names now
    /// (none when it cannot be read): to see which spooled alerts a crash kept out of it.
    public func recentLines(maxBytes: Int) -> Set<String> {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { return [] }
        let size = Int(info.st_size)
        let start = max(0, size - max(0, maxBytes))
        var bytes = [UInt8](repeating: 0, count: size - start)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(start)) }
        guard n > 0 else { return [] }
        var lines = String(decoding: bytes[..<n], as: UTF8.self).split(separator: "\n").map(String.init)
        if start > 0 && !lines.isEmpty { lines.removeFirst() }  // cut in the middle
        return Set(lines)
    }

    /// write(2) until every byte is out (FileWrite.all); errors name the file.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        if let code = FileWrite.all(fd, bytes) {
            throw Failure(description: "write \(path): \(String(cString: strerror(code)))")
        }
    }
}

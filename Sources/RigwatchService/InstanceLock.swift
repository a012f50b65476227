// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc

/// One sensor per host: `rigwatch run` holds an exclusive flock on a lock file
/// (`service.lock_file`) for its whole life. Two sensors would both attach BPF
/// programs, both spool and both send every alert twice. The kernel releases a
/// flock when its holder dies, however it dies, so a crash never leaves a stale
/// lock; the file itself stays (unlinking it would race with the next opener) and
/// holds the holder's pid, for the second instance's error message.
public final class InstanceLock {
    public struct Held: Error, CustomStringConvertible {
        public let path: String
        /// The holder's pid as it wrote it; nil when unreadable (it is being rewritten).
        public let pid: Int32?

        public var description: String {
            let holder = pid.map { "pid \($0)" } ?? "a process that did not write its pid yet"
            return
                "another rigwatch is already running (\(holder) holds \(path)); stop it first (systemctl stop rigwatch), or give this one its own service.lock_file"
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let path: String
    private var fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { release() }

    /// Takes the lock, creating the file (0644) and its directory (0755) when missing,
    /// and writes this process's pid into it. Throws `Held` when another process has it.
    public static func acquire(path: String, pid: Int32 = getpid()) throws -> InstanceLock {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty, !FileManager.default.fileExists(atPath: dir) {
            do {
                try FileManager.default.createDirectory(
                    atPath: dir, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o755])
            } catch {
                throw Failure(
                    description: "cannot create the lock file's directory \(dir): \(error.localizedDescription)")
            }
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else {
            throw Failure(description: "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = readPid(fd)
            close(fd)
            if code == EWOULDBLOCK { throw Held(path: path, pid: holder) }
            throw Failure(description: "cannot lock \(path): \(String(cString: strerror(code)))")
        }
        // Write, then cut to length: a reader never sees an empty file, only the old or the new pid first.
        let text = Array("\(pid)\n".utf8)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        _ = ftruncate(fd, off_t(text.count))
        return InstanceLock(path: path, fd: fd)
    }

    /// The pid a lock file names (first line), or nil.
    public static func holder(of path: String) -> Int32? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return readPid(fd)
    }

    /// The pid of the sensor holding the lock now, or nil when nobody holds it (the
    /// file stays after a sensor ends, so its pid alone proves nothing).
    public static func runningHolder(of path: String) -> Int32? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        return errno == EWOULDBLOCK ? readPid(fd) : nil
    }

    /// Lets go (also on deinit). The file keeps its contents until the next holder rewrites it.
    public func release() {
        guard fd >= 0 else { return }
        close(fd)  // drops the flock
        fd = -1
    }

    private static func readPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let line = String(decoding: buffer[..<n], as: UTF8.self).split(separator: "\n").first ?? ""
        return Int32(line.trimmingCharacters(in: .whitespaces)).flatMap { $0 > 0 ? $0 : nil }
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc

/// Another process holds the spool: the error a second opener gets.
public struct SpoolInUse: Error, CustomStringConvertible {
    public let directory: String
    /// The holder as it wrote itself into the lock file; nil when unreadable.
    public let pid: Int32?
    public let owner: String?

    public var description: String {
        let holder = (pid.map { "pid \($0)" } ?? "another process") + (owner.map { " (\($0))" } ?? "")
        return
            "the spool \(directory) is in use by \(holder); stop it first, or give this command its own alerts.spool_dir"
    }
}

/// One process per spool. Two writers on one queue.log interleave appends,
/// truncate each other's records away and deliver everything twice, so the owner
/// holds an exclusive flock on `lock` in the spool directory for its whole life.
/// The kernel drops a flock when its holder dies, however it dies: a crash never
/// leaves a stale lock. The file stays and names the holder for the next opener.
final class SpoolLock {
    private var fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { release() }

    static func path(in directory: String) -> String { directory + "/lock" }

    /// Takes the lock and writes "pid\nowner\n" into it; throws `SpoolInUse`
    /// when another open file (this process's or another's) holds it.
    static func acquire(directory: String, owner: String, pid: Int32 = getpid()) throws -> SpoolLock {
        let path = path(in: directory)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw Spool.Failure(description: "open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let (holder, holderOwner) = readHolder(fd)
            close(fd)
            if code == EWOULDBLOCK { throw SpoolInUse(directory: directory, pid: holder, owner: holderOwner) }
            throw Spool.Failure(description: "lock \(path): \(String(cString: strerror(code)))")
        }
        fchmod(fd, 0o600)
        // Write, then cut to length: a reader sees the old holder or the new one first.
        let text = Array("\(pid)\n\(printable(owner))\n".utf8)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        _ = ftruncate(fd, off_t(text.count))
        return SpoolLock(fd: fd)
    }

    /// Lets go (also on deinit).
    func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    private static func readHolder(_ fd: Int32) -> (Int32?, String?) {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return (nil, nil) }
        let lines = String(decoding: buffer[..<n], as: UTF8.self).split(separator: "\n")
        let pid = lines.first.flatMap { Int32($0.trimmingCharacters(in: .whitespaces)) }.flatMap { $0 > 0 ? $0 : nil }
        let owner = lines.count > 1 ? printable(String(lines[1])) : nil
        return (pid, owner.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// At most 200 printable characters, the webhook redacted should a command line carry it.
    static func printable(_ text: String) -> String {
        let scalars = text.unicodeScalars.prefix(200).map {
            $0.value >= 0x20 && $0.value != 0x7f ? Character($0) : " "
        }
        return WebhookURL.redact(String(scalars))
    }
}

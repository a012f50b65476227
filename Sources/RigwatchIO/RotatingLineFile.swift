// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An append-only JSON Lines file that rotates itself by size, for shippers to tail:
/// a line that would take the file past `maxBytes` first moves `path` to `path.1`
/// (`.1` to `.2` ... up to `keep`, the oldest removed), so no line is split across
/// files. A path renamed or removed from outside (logrotate) is followed, as the
/// alert log does, checked at most every `followSeconds` (a stat per line would cost an
/// exec storm a syscall per event). Never throws: a failed open or write is counted and the line dropped,
/// so the sensor goes on. Mode 0600, as the alert log: lines carry argv.
public final class RotatingLineFile {
    public let path: String
    public let maxBytes: Int
    public let keep: Int
    public let followSeconds: Double
    private var nextFollowCheck: Double = 0
    private var fd: Int32 = -1
    private var size = 0
    private var identity: (dev: UInt64, ino: UInt64) = (0, 0)
    public private(set) var written = 0
    public private(set) var errors = 0
    /// The errno of the first failure, for one warning (nil until one).
    public private(set) var firstError: Int32?

    public init(path: String, maxBytes: Int, keep: Int, followSeconds: Double = 1) {
        self.path = path
        self.maxBytes = max(1, maxBytes)
        self.keep = max(0, keep)
        self.followSeconds = followSeconds
        _ = openPath()
    }

    deinit { if fd >= 0 { close(fd) } }

    private func fail(_ code: Int32) {
        errors += 1
        if firstError == nil { firstError = code }
    }

    private func openPath() -> Bool {
        if fd >= 0 { close(fd) }
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode_t(0o600))
        guard fd >= 0 else {
            fail(errno)
            return false
        }
        var info = stat()
        fstat(fd, &info)
        size = Int(info.st_size)
        identity = (UInt64(info.st_dev), UInt64(info.st_ino))
        return true
    }

    /// True when the path no longer names the open file; false between checks.
    private var movedAway: Bool {
        if followSeconds > 0 {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC_COARSE, &now)
            let seconds = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
            guard seconds >= nextFollowCheck else { return false }
            nextFollowCheck = seconds + followSeconds
        }
        var info = stat()
        guard stat(path, &info) == 0 else { return true }
        return UInt64(info.st_dev) != identity.dev || UInt64(info.st_ino) != identity.ino
    }

    /// Opens the file the path names now (SIGHUP, reload).
    public func reopen() { _ = openPath() }

    /// Shifts path.N-1 → path.N down to path → path.1; the oldest falls off the end.
    private func rotate() {
        if keep == 0 {
            unlink(path)
        } else {
            unlink("\(path).\(keep)")
            var n = keep - 1
            while n >= 1 {
                rename("\(path).\(n)", "\(path).\(n + 1)")
                n -= 1
            }
            rename(path, "\(path).1")
        }
        _ = openPath()
    }

    /// Appends one line (a newline added).
    public func append(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(0x0a)
        if fd < 0 || movedAway { guard openPath() else { return } }
        if size > 0 && size + bytes.count > maxBytes { rotate() }
        guard fd >= 0 else { return }
        if let code = FileWrite.all(fd, bytes) {
            fail(code)
            return
        }
        size += bytes.count
        written += 1
    }
}

// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The one copy of two I/O loops the sensor's writers share (alert log, spool,
// state and metrics files, traces, the installer). A target of its own because
// RigwatchCore stays free of I/O and both RigwatchSources and RigwatchAlerts
// need it; Glibc only, no Foundation, so the trace writer can use it too.

/// File-scope name for write(2): callers are often types with a `write` method.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { write(fd, bytes, count) }

public enum FileWrite {
    /// write(2) until every byte is out, retrying on EINTR. Returns nil, or the
    /// errno of the write that failed (EIO for a write that took nothing).
    public static func all(_ fd: Int32, _ raw: UnsafeRawBufferPointer) -> Int32? {
        guard let base = raw.baseAddress else { return nil }
        var done = 0
        while done < raw.count {
            let n = systemWrite(fd, base + done, raw.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if n == 0 { return EIO }
            done += n
        }
        return nil
    }

    public static func all(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
        bytes.withUnsafeBytes { all(fd, $0) }
    }

    /// The step of `replaceAtomically` that failed, with the path it acted on
    /// (the temporary file, or the target for `rename`) and errno.
    public struct AtomicFailure: Error, Equatable, Sendable {
        public enum Step: String, Sendable { case create, write, chmod, sync, rename }
        public var step: Step
        public var path: String
        public var errno: Int32
        public var reason: String { String(cString: strerror(errno)) }
    }

    /// Replace `path` whole: write `temporary` (created 0600) beside it, set `mode`, fsync, rename
    /// over `path`, then fsync `directory` when given. Readers see the old content
    /// or the new, never a part; on failure the temporary file is removed.
    public static func replaceAtomically(
        _ path: String, with bytes: [UInt8], temporary: String,
        createFlags: Int32 = 0, mode: mode_t?, syncDirectory directory: String?
    )
        throws(AtomicFailure)
    {
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | createFlags, mode_t(0o600))
        guard fd >= 0 else { throw AtomicFailure(step: .create, path: temporary, errno: errno) }
        var failure: AtomicFailure?
        if let code = all(fd, bytes) {
            failure = AtomicFailure(step: .write, path: temporary, errno: code)
        } else if let mode, fchmod(fd, mode) != 0 {
            failure = AtomicFailure(step: .chmod, path: temporary, errno: errno)
        } else if fsync(fd) != 0 {
            failure = AtomicFailure(step: .sync, path: temporary, errno: errno)
        }
        close(fd)
        if let failure {
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw AtomicFailure(step: .rename, path: path, errno: code)
        }
        if let directory {
            let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if dfd >= 0 {
                fsync(dfd)
                close(dfd)
            }
        }
    }
}

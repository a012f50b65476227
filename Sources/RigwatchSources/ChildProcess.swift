// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Runs a helper program (nvidia-smi) to completion with a deadline and
/// captures its output. posix_spawn rather than Foundation's Process: every
/// descriptor is ours to close and the child is always reaped, even on timeout.
enum ChildProcess {
    struct Output {
        var exitStatus: Int32
        var stdout: String
        var stderr: String
    }

    enum Failure: Error, CustomStringConvertible {
        case spawn(path: String, errno: Int32)
        case timedOut(path: String, seconds: Double)
        case killed(path: String, signal: Int32)

        var description: String {
            switch self {
            case .spawn(let path, let code):
                return "cannot run \(path): \(String(cString: strerror(code)))"
            case .timedOut(let path, let seconds):
                return "\(path) did not answer within \(seconds) s and was killed"
            case .killed(let path, let signal):
                return "\(path) was killed by signal \(signal)"
            }
        }
    }

    /// Runs `path` with `arguments` (stdin /dev/null, the caller's environment).
    static func run(_ path: String, _ arguments: [String], timeout: Double) -> Result<Output, Failure> {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard closeOnExecPipe(&outPipe) == 0 else { return .failure(.spawn(path: path, errno: errno)) }
        guard closeOnExecPipe(&errPipe) == 0 else {
            let code = errno
            close(outPipe[0])
            close(outPipe[1])
            return .failure(.spawn(path: path, errno: code))
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        close(outPipe[1])
        close(errPipe[1])
        defer {
            close(outPipe[0])
            close(errPipe[0])
        }
        guard spawned == 0 else { return .failure(.spawn(path: path, errno: spawned)) }

        let (stdout, stderr, finished) = drain(outPipe[0], errPipe[0], until: Date().addingTimeInterval(timeout))
        if !finished { kill(pid, SIGKILL) }
        let status = reap(pid)
        if !finished { return .failure(.timedOut(path: path, seconds: timeout)) }
        if status.signal != 0 { return .failure(.killed(path: path, signal: status.signal)) }
        return .success(
            Output(
                exitStatus: status.exit,
                stdout: String(decoding: stdout, as: UTF8.self),
                stderr: String(decoding: stderr, as: UTF8.self)))
    }

    /// A pipe whose ends no other child inherits (pipe2 is not exported to Swift by Glibc).
    private static func closeOnExecPipe(_ fds: inout [Int32]) -> Int32 {
        guard pipe(&fds) == 0 else { return -1 }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return 0
    }

    /// Reads both pipes until both reach end of file (finished) or the deadline passes.
    private static func drain(_ out: Int32, _ err: Int32, until deadline: Date) -> ([UInt8], [UInt8], Bool) {
        var buffers: [[UInt8]] = [[], []]
        var fds = [
            pollfd(fd: out, events: Int16(POLLIN), revents: 0),
            pollfd(fd: err, events: Int16(POLLIN), revents: 0),
        ]
        var chunk = [UInt8](repeating: 0, count: 4096)
        while fds.contains(where: { $0.fd >= 0 }) {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return (buffers[0], buffers[1], false) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(left * 1000, 1000).rounded(.up)))
            if ready < 0 && errno != EINTR { break }
            for i in fds.indices where fds[i].fd >= 0 && fds[i].revents != 0 {
                let n = chunk.withUnsafeMutableBytes { read(fds[i].fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    buffers[i].append(contentsOf: chunk[0..<n])
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    fds[i].fd = -1  // end of file: poll ignores negative descriptors
                }
            }
        }
        return (buffers[0], buffers[1], true)
    }

    /// waitpid until the child is gone; returns its exit status or terminating signal.
    private static func reap(_ pid: pid_t) -> (exit: Int32, signal: Int32) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return (-1, 0) }
        }
        let signal = status & 0x7f
        return signal == 0 ? ((status >> 8) & 0xff, 0) : (-1, signal)
    }
}

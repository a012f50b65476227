// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Buffered line output to a file descriptor: one write(2) per batch of events,
/// not per line.
final class OutputWriter {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private(set) var failed = false

    init(fd: Int32 = STDOUT_FILENO) {
        self.fd = fd
        buffer.reserveCapacity(1 << 16)
    }

    func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty, !failed else {
            buffer.removeAll(keepingCapacity: true)
            return
        }
        var offset = 0
        buffer.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failed = true
                    return
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Diagnostics go to stderr, where journald picks them up. When stderr is the
/// journal's stream (systemd names it in `$JOURNAL_STREAM`, "device:inode"), each
/// line starts with its syslog priority (`<3>` error, `<4>` warning, `<6>` info),
/// which journald takes as the entry's priority (SyslogLevelPrefix=, on by default).
enum Log {
    static func info(_ message: String) { emit(6, "rigwatch: \(message)") }
    static func warning(_ message: String) { emit(4, "rigwatch: warning: \(message)") }
    static func error(_ message: String) { emit(3, "rigwatch: error: \(message)") }

    static let toJournal: Bool = {
        guard let stream = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] else { return false }
        let parts = stream.split(separator: ":")
        var st = stat()
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]),
            fstat(STDERR_FILENO, &st) == 0
        else { return false }
        return UInt64(st.st_dev) == device && UInt64(st.st_ino) == inode
    }()

    private static func emit(_ priority: Int, _ line: String) {
        FileHandle.standardError.write(Data(((toJournal ? "<\(priority)>" : "") + line + "\n").utf8))
    }
}

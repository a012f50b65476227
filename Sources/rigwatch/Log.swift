// SPDX-License-Identifier: Apache-2.0
import Foundation

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

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchIO

/// The local alert log: JSON Lines, append-only, 0600, one alert per line,
/// written before any delivery is attempted. Every alert is here, storm or not.
public final class AlertLog {
    public let path: String
    private let fd: Int32

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            try FileManager.default.createDirectory(
                atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        }
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Failure(description: "cannot open the alert log \(path): \(String(cString: strerror(errno)))")
        }
        fchmod(fd, 0o600)  // O_CREAT's mode does not apply to a file that existed
    }

    deinit { close(fd) }

    /// Appends lines (each one alert) with one write and one fdatasync.
    public func append(_ lines: [String]) throws {
        guard !lines.isEmpty else { return }
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
    /// write(2) until every byte is out (FileWrite.all); errors name the file.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        if let code = FileWrite.all(fd, bytes) {
            throw Failure(description: "write \(path): \(String(cString: strerror(code)))")
        }
    }
}

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

/// Diagnostics go to stderr, where journald picks them up.
enum Log {
    static func info(_ message: String) { FileHandle.standardError.write(Data("rigwatch: \(message)\n".utf8)) }
    static func warning(_ message: String) {
        FileHandle.standardError.write(Data("rigwatch: warning: \(message)\n".utf8))
    }
    static func error(_ message: String) { FileHandle.standardError.write(Data("rigwatch: error: \(message)\n".utf8)) }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// Buffered line output to a file descriptor: one write(2) per batch of events,
/// not per line. A write that fails (stdout closed) turns the output off, never the sensor.
public final class OutputWriter: LineSink {
    private let fd: Int32
    private var buffer: [UInt8] = []
    public private(set) var failed = false

    public init(fd: Int32 = STDOUT_FILENO) {
        self.fd = fd
        buffer.reserveCapacity(1 << 16)
    }

    public func line(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { flush() }
    }

    public func flush() {
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

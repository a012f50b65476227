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
        if FileWrite.all(fd, buffer) != nil { failed = true }
        buffer.removeAll(keepingCapacity: true)
    }
}

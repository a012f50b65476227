// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A unix datagram socket bound to a path or an "@abstract" name, standing in for
/// systemd's notify socket (`$NOTIFY_SOCKET`).
public final class NotifySocket {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    let fd: Int32

    public init(bind address: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var sa = sockaddr_un()
        sa.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        guard fd >= 0, bytes.count < MemoryLayout.size(ofValue: sa.sun_path) else {
            throw Failure(description: "cannot make a socket at \(address)")
        }
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &sa.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let length = socklen_t(
            MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (bytes.first == 0 ? 0 : 1))
        let rc = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) }
        }
        guard rc == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "bind \(address): \(reason)")
        }
    }

    deinit { close(fd) }

    /// One datagram, or nil when none came in time.
    public func receive(timeoutMs: Int32) -> String? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, timeoutMs) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n >= 0 ? String(decoding: buffer[..<n], as: UTF8.self) : nil
    }
}

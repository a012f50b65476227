// SPDX-License-Identifier: Apache-2.0
import Foundation
import Glibc

/// systemd's readiness protocol (sd_notify) without libsystemd: one datagram of
/// `KEY=value` lines to the unix socket named by `$NOTIFY_SOCKET`. A name starting
/// with `@` is in the abstract namespace (systemd's notation for a leading NUL).
/// Under `Type=notify` the unit is "started" only once `READY=1` arrives, so the
/// service reports ready only when the sensor really watches.
public struct SystemdNotify: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The socket address as given in `$NOTIFY_SOCKET`.
    public let socket: String

    public init(socket: String) {
        self.socket = socket
    }

    /// From the environment; nil when not started by systemd with a notify socket.
    public init?(environment: [String: String]) {
        guard let socket = environment["NOTIFY_SOCKET"], !socket.isEmpty else { return nil }
        self.init(socket: socket)
    }

    /// Sends one message, e.g. "READY=1\nSTATUS=watching". Each call is one datagram.
    public func send(_ message: String) throws {
        var address = try Self.address(socket)
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw Failure(description: "NOTIFY_SOCKET: socket(): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &address.storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sa, address.length) }
            }
        }
        guard sent == bytes.count else {
            throw Failure(description: "NOTIFY_SOCKET \(socket): sendto(): \(String(cString: strerror(errno)))")
        }
    }

    /// `sockaddr_un` for a path ("/run/systemd/notify") or an abstract name ("@name").
    static func address(_ socket: String) throws -> (storage: sockaddr_un, length: socklen_t) {
        var name = Array(socket.utf8)
        let abstract = name.first == UInt8(ascii: "@")
        if abstract {
            name[0] = 0
        } else if name.first != UInt8(ascii: "/") {
            throw Failure(description: "NOTIFY_SOCKET \(socket): only absolute paths and @abstract names are supported")
        }
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        // A path needs room for its terminating NUL; an abstract name is exactly its bytes.
        guard name.count + (abstract ? 0 : 1) <= capacity, name.count > (abstract ? 1 : 0) else {
            throw Failure(
                description:
                    "NOTIFY_SOCKET \(socket): not a usable socket address (empty, or longer than \(capacity - 1) bytes)"
            )
        }
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            for (i, byte) in name.enumerated() { raw[i] = byte }
        }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + name.count + (abstract ? 0 : 1)
        return (storage, socklen_t(length))
    }
}

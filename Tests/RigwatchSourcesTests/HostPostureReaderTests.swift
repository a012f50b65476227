// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import XCTest

@testable import RigwatchSources

/// The live side of the posture reader: a socket this test listens on, on every
/// address, is found in /proc/net/tcp and its owner is this process.
final class HostPostureReaderTests: XCTestCase {
    func testListeningSocketAndItsOwner() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = 0  // INADDR_ANY
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        XCTAssertEqual(bound, 0)
        XCTAssertEqual(listen(fd, 1), 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let port = UInt16(bigEndian: addr.sin_port)
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")
        let inode = try XCTUnwrap(UInt64(link.dropFirst("socket:[".count).dropLast()))

        let inputs = HostPostureReader(files: RootedHostFiles(), live: true).read(
            watched: [], groups: [], canon: .identity)
        XCTAssertTrue(inputs.listeners.contains(.init(proto: "tcp", port: port, inode: inode)), "\(inputs.listeners)")
        let comm = try String(contentsOfFile: "/proc/self/comm", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        XCTAssertEqual(inputs.socketOwners?[inode], "pid \(getpid()) (\(comm))")
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import XCTest

@testable import RigwatchAlerts

/// The spool's CRC-32 is zlib's now; queue.log files written by the earlier
/// hand-written table must still read, byte for byte.
final class SpoolFormatTests: XCTestCase {
    private func temp() throws -> String {
        let dir = NSTemporaryDirectory() + "rwtest-spoolformat-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    /// The CRC the spool used before zlib (its table code, verbatim).
    private static let oldTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    private static func oldChecksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        for b in bytes { c = oldTable[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
        return c ^ 0xffff_ffff
    }

    private static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    func testChecksumIsTheIEEECRC32TheOldTableComputed() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926, "the standard CRC-32 check value")
        XCTAssertEqual(CRC32.checksum([]), 0)
        var generator = SystemRandomNumberGenerator()
        for length in [1, 7, 8, 9, 15, 16, 17, 255, 256, 1000, 65_537] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            XCTAssertEqual(CRC32.checksum(bytes), Self.oldChecksum(bytes), "length \(length)")
        }
    }

    /// queue.log and state as the pre-zlib spool wrote them: records 1...3 ("alert 1"…), 1 acknowledged.
    func testAQueueLogWrittenBeforeZlibStillReads() throws {
        let dir = try temp() + "/spool"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let log = Self.bytes(
            hex: "070000000100000000000000616c65727420314124993b"
                + "070000000200000000000000616c6572742032821fedb3"
                + "070000000300000000000000616c6572742033fcf4117d")
        try Data(log).write(to: URL(fileURLWithPath: dir + "/queue.log"))
        try Data("acked=1 dropped=0\n".utf8).write(to: URL(fileURLWithPath: dir + "/state"))

        let spool = try Spool(directory: dir)
        XCTAssertEqual(spool.entries.map { String(decoding: $0.payload, as: UTF8.self) }, ["alert 2", "alert 3"])
        XCTAssertEqual(try spool.append(Array("alert 4".utf8)), 4)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/queue.log")))
        XCTAssertEqual(Array(bytes.prefix(log.count)), log, "old records are kept as they were")
        let body = Self.bytes(hex: "0400000000000000616c6572742034")  // sequence 4, "alert 4"
        var expected = Self.bytes(hex: "07000000") + body
        withUnsafeBytes(of: Self.oldChecksum(body).littleEndian) { expected += $0 }
        XCTAssertEqual(
            Array(bytes.dropFirst(log.count)), expected, "a new record carries the checksum the old code wrote")
        XCTAssertEqual(try Spool(directory: dir).entries.map(\.sequence), [2, 3, 4])
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import XCTest

@testable import RigwatchAlerts

/// The spool's record format: the CRC-32 is zlib's (the same function as the earlier
/// hand-written table), format 1 files still read, format 2 is laid out as documented.
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

    /// queue.log and state as the format 1 spool wrote them: records 1...3 ("alert 1"…), 1
    /// acknowledged. They still read, and the file is rewritten in format 2 at once.
    func testAFormat1QueueLogStillReadsAndIsConvertedToFormat2() throws {
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
        XCTAssertEqual(spool.opened.notes, ["spool: \(dir)/queue.log converted to record format 2"])
        XCTAssertEqual(spool.opened.damage, [])
        var expected: [UInt8] = []
        for (n, text) in [(2, "alert 2"), (3, "alert 3")] {
            SpoolFrame.encode(
                kind: .message, sequence: UInt64(n), payload: Array(text.utf8), endOfGroup: true, into: &expected)
        }
        XCTAssertEqual(try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/queue.log"))), expected)
        XCTAssertEqual(try spool.append(Array("alert 4".utf8)), 4)
        spool.close()
        XCTAssertEqual(try Spool(directory: dir).entries.map(\.sequence), [2, 3, 4])
    }

    /// Format 2, byte for byte: magic, kind, flags, zero, length, sequence, header CRC,
    /// payload, CRC of all before it.
    func testAFormat2RecordIsLaidOutAsDocumented() {
        var bytes: [UInt8] = []
        SpoolFrame.encode(kind: .alert, sequence: 4, payload: Array("alert 4".utf8), endOfGroup: true, into: &bytes)
        let header = Self.bytes(hex: "f5727773" + "01" + "01" + "0000" + "07000000" + "0400000000000000")
        XCTAssertEqual(Array(bytes[0..<20]), header)
        var crc: [UInt8] = []
        withUnsafeBytes(of: Self.oldChecksum(header).littleEndian) { crc += $0 }
        XCTAssertEqual(Array(bytes[20..<24]), crc, "the header's own CRC-32")
        XCTAssertEqual(Array(bytes[24..<31]), Array("alert 4".utf8))
        var trailer: [UInt8] = []
        withUnsafeBytes(of: Self.oldChecksum(Array(bytes[0..<31])).littleEndian) { trailer += $0 }
        XCTAssertEqual(Array(bytes[31...]), trailer)
        XCTAssertEqual(bytes.count, 7 + Spool.recordOverhead)
        XCTAssertEqual(
            SpoolFrame.header(in: bytes, at: 0),
            SpoolFrame.Header(kind: .alert, endOfGroup: true, length: 7, sequence: 4))
    }
}

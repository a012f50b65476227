// SPDX-License-Identifier: Apache-2.0
import Foundation
import XCTest

@testable import RigwatchAlerts

/// A spool damaged at rest: a bad record is skipped and reported with its byte
/// range, the records after it survive, and no number read from disk can crash
/// the process, however large.
final class SpoolDamageTests: XCTestCase {
    private var dir = ""
    private var log: String { dir + "/queue.log" }

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "rwtest-spooldamage-\(UUID().uuidString)/spool"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent)
    }

    /// Nine records "alert 1"…"alert 9", one group commit each; returns each frame's offset.
    private func writeNine() throws -> [Int] {
        let spool = try Spool(directory: dir)
        for n in 1...9 { try spool.append(Array("alert \(n)".utf8)) }
        spool.close()
        return (0..<9).map { $0 * (7 + Spool.recordOverhead) }
    }

    private func bytes() throws -> [UInt8] { try [UInt8](Data(contentsOf: URL(fileURLWithPath: log))) }
    private func write(_ b: [UInt8]) throws { try Data(b).write(to: URL(fileURLWithPath: log)) }
    private func texts(_ spool: Spool) -> [String] {
        spool.entries.map { String(decoding: $0.payload, as: UTF8.self) }
    }

    func testOneFlippedPayloadByteLosesOnlyThatRecordAndSaysWhere() throws {
        let offsets = try writeNine()
        var b = try bytes()
        b[offsets[1] + 24 + 3] ^= 0x20  // "alert 2" → "alErt 2"
        try write(b)

        let spool = try Spool(directory: dir)
        XCTAssertEqual(texts(spool), (1...9).filter { $0 != 2 }.map { "alert \($0)" }, "every record after it survives")
        XCTAssertEqual(
            spool.opened.damage,
            [SpoolDamage(file: "queue.log", bytes: 35..<70, reason: "checksum mismatch in record 2")])
        XCTAssertEqual(
            spool.opened.damage.first?.description, "queue.log bytes 35-69 (35 bytes): checksum mismatch in record 2")
        XCTAssertEqual(try spool.append(Array("alert 10".utf8)), 10)
        spool.close()
        let again = try Spool(directory: dir)
        XCTAssertEqual(again.opened.damage, [], "the damaged file was rewritten: it is reported once")
        XCTAssertEqual(again.entries.map(\.sequence), [1, 3, 4, 5, 6, 7, 8, 9, 10])
    }

    func testADamagedHeaderIsSkippedByFindingTheNextRecord() throws {
        let offsets = try writeNine()
        var b = try bytes()
        b[offsets[2] + 9] ^= 0xff  // record 3's length
        try write(b)

        let spool = try Spool(directory: dir)
        XCTAssertEqual(spool.entries.map(\.sequence), [1, 2, 4, 5, 6, 7, 8, 9])
        XCTAssertEqual(
            spool.opened.damage, [SpoolDamage(file: "queue.log", bytes: 70..<105, reason: "not a spool record")])
    }

    /// What two writers did before the lock: one truncated the file, the other's next
    /// append landed past the end, leaving a hole of zeros.
    func testAHoleOfZerosKeepsEveryRecordAfterIt() throws {
        let offsets = try writeNine()
        let b = try bytes()
        try write(Array(b[..<offsets[4]]) + [UInt8](repeating: 0, count: 4096) + Array(b[offsets[4]...]))

        let spool = try Spool(directory: dir)
        XCTAssertEqual(spool.entries.map(\.sequence), Array(1...9))
        XCTAssertEqual(
            spool.opened.damage,
            [SpoolDamage(file: "queue.log", bytes: 140..<4236, reason: "not a spool record")])
    }

    func testGarbageBeforeTheFirstRecordIsSkipped() throws {
        _ = try writeNine()
        try write(Array("not a spool at all\n".utf8) + (try bytes()))
        let spool = try Spool(directory: dir)
        XCTAssertEqual(spool.entries.map(\.sequence), Array(1...9))
        XCTAssertEqual(spool.opened.damage.map(\.bytes), [0..<19])
    }

    func testTheLargestNumbersInTheStateFileCrashNothing() throws {
        _ = try writeNine()
        try "acked=18446744073709551615 dropped=18446744073709551615\n".write(
            toFile: dir + "/state", atomically: true, encoding: .utf8)

        let spool = try Spool(directory: dir)
        XCTAssertEqual(
            spool.opened.damage.map(\.description),
            [
                "state: acked=18446744073709551615 is out of range; every record still in queue.log is delivered again",
                "state: dropped=18446744073709551615 is out of range; counted as 0",
            ])
        XCTAssertEqual(spool.entries.map(\.sequence), Array(1...9), "duplicates rather than losses")
        XCTAssertEqual(spool.droppedUnreported, 0)
        XCTAssertEqual(try spool.append(Array("next".utf8)), 10)
        try spool.acknowledge(through: 10)
        spool.close()
        let state = try String(contentsOfFile: dir + "/state", encoding: .utf8)
        XCTAssertTrue(state.hasPrefix("acked=10 dropped=0 crc="), state)
        XCTAssertEqual(try Spool(directory: dir).opened.damage, [])
    }

    func testAStateFileWithABadChecksumRedeliversRatherThanLoses() throws {
        _ = try writeNine()
        try "acked=7 dropped=0 crc=00000000\n".write(toFile: dir + "/state", atomically: true, encoding: .utf8)
        let spool = try Spool(directory: dir)
        XCTAssertEqual(spool.entries.count, 9)
        XCTAssertEqual(
            spool.opened.damage.map(\.description),
            [
                #"state: checksum mismatch in "acked=7 dropped=0 crc=00000000"; every record still in queue.log is delivered again"#
            ])
    }

    /// A record whose checksums hold but whose sequence is 2^64−1: `sequence + 1`
    /// would trap. It is damage, and the records after it are kept.
    func testARecordWithTheLargestSequenceIsDamageNotACrash() throws {
        _ = try writeNine()
        var b = try bytes()
        SpoolFrame.encode(kind: .message, sequence: .max, payload: Array("huge".utf8), endOfGroup: true, into: &b)
        let after = b.count
        SpoolFrame.encode(kind: .message, sequence: 12, payload: Array("after".utf8), endOfGroup: true, into: &b)
        try write(b)

        let spool = try Spool(directory: dir)
        XCTAssertEqual(spool.entries.map(\.sequence), Array(1...9) + [12])
        XCTAssertEqual(
            spool.opened.damage, [SpoolDamage(file: "queue.log", bytes: 315..<after, reason: "not a spool record")])
        XCTAssertEqual(try spool.append(Array("next".utf8)), 13)
    }

    func testAFormat1RecordWithTheLargestSequenceIsDamageNotACrash() throws {
        var b: [UInt8] = []
        for (sequence, text) in [(UInt64(1), "one"), (UInt64.max, "max")] {
            var body: [UInt8] = []
            appendLE(sequence, &body)
            body += Array(text.utf8)
            appendLE(UInt32(text.utf8.count), &b)
            b += body
            appendLE(CRC32.checksum(body), &b)
        }
        try write(b)
        let spool = try Spool(directory: dir)
        XCTAssertEqual(spool.entries.map(\.sequence), [1])
        XCTAssertEqual(spool.opened.damage.map(\.bytes), [19..<38])
        XCTAssertEqual(try spool.append(Array("next".utf8)), 2)
    }

    /// A whole record where it does not belong (a disk block copied elsewhere): the
    /// records are put back in order, and a sequence seen twice is kept once.
    func testACopiedRecordIsKeptOnceAndTheOrderRestored() throws {
        let offsets = try writeNine()
        let b = try bytes()
        let copyOfSeven = Array(b[offsets[6]..<offsets[7]])
        var mixed = Array(b[..<offsets[2]]) + copyOfSeven + Array(b[offsets[2]...])
        SpoolFrame.encode(kind: .message, sequence: 10, payload: Array("ten".utf8), endOfGroup: true, into: &mixed)
        try write(mixed)
        let spool = try Spool(directory: dir)
        XCTAssertEqual(spool.entries.map(\.sequence), Array(1...10))
        XCTAssertEqual(texts(spool)[6], "alert 7")
        XCTAssertEqual(
            spool.opened.damage, [SpoolDamage(file: "queue.log", bytes: 245..<280, reason: "record 7 appears twice")])
    }

    /// kill -9 during a group commit's write: the group never returned, so it is dropped
    /// whole (a note, no damage), even when the cut falls between two of its records.
    func testAGroupCutShortByACrashIsDroppedWhole() throws {
        do {
            let spool = try Spool(directory: dir)
            try spool.append(Array("before".utf8))
            _ = try spool.append(group: ["a", "b", "c"].map { Spool.Item(.message, Array($0.utf8)) })
            spool.close()
        }
        let b = try bytes()
        let groupStart = 6 + Spool.recordOverhead
        for cut in [groupStart + 1, groupStart + 29, groupStart + 29 + 10, b.count - 1] {
            try write(Array(b[..<cut]))
            let spool = try Spool(directory: dir)
            XCTAssertEqual(texts(spool), ["before"], "cut at \(cut)")
            XCTAssertEqual(spool.opened.damage, [])
            XCTAssertEqual(
                spool.opened.notes,
                [
                    "spool: the last \(cut - groupStart) bytes of \(log) (from offset \(groupStart)) were an append cut short by a crash; dropped (it never returned, so nothing in it was written anywhere else)"
                ])
            spool.close()
            XCTAssertEqual(try bytes().count, groupStart, "the torn tail is cut off")
        }
    }

    func testAPayloadLongerThanTheLimitIsRefusedNotWritten() throws {
        let spool = try Spool(directory: dir, maxBytes: 64 << 20)
        XCTAssertEqual(
            try spool.append(group: [Spool.Item(.message, [UInt8](repeating: 1, count: (16 << 20) + 1))]), [nil])
        XCTAssertEqual(spool.droppedUnreported, 1)
        XCTAssertEqual(spool.count, 0)
    }
}

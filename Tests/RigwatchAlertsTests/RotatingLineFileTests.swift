// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchIO
import XCTest

/// The event export file: size rotation with exact names and keep count, whole lines
/// per file, a moved file followed, and errors counted instead of thrown.
final class RotatingLineFileTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "rwtest-export-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private func text(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    func testRotatesBeforeALineWouldPassMaxBytesKeepingTwo() {
        let path = dir + "/events.jsonl"
        let file = RotatingLineFile(path: path, maxBytes: 10, keep: 2)
        for line in ["aaaa", "bbbb", "cccc", "dddd", "eeee", "ffff", "gggg"] { file.append(line) }
        XCTAssertEqual(text(path), "gggg\n")
        XCTAssertEqual(text(path + ".1"), "eeee\nffff\n")
        XCTAssertEqual(text(path + ".2"), "cccc\ndddd\n")
        XCTAssertNil(text(path + ".3"))
        XCTAssertEqual(file.written, 7)
        XCTAssertEqual(file.errors, 0)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir))?.sorted()
        XCTAssertEqual(names, ["events.jsonl", "events.jsonl.1", "events.jsonl.2"])
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
    }

    func testALineLongerThanMaxBytesStillGoesWholeIntoItsOwnFile() {
        let path = dir + "/events.jsonl"
        let file = RotatingLineFile(path: path, maxBytes: 4, keep: 1)
        file.append("ab")
        file.append("longer-than-max")
        XCTAssertEqual(text(path), "longer-than-max\n")
        XCTAssertEqual(text(path + ".1"), "ab\n")
    }

    func testAFileMovedAwayIsFollowedByANewOneAtThePath() {
        let path = dir + "/events.jsonl"
        let file = RotatingLineFile(path: path, maxBytes: 1 << 20, keep: 5, followSeconds: 0)
        file.append("one")
        XCTAssertEqual(rename(path, dir + "/moved"), 0)
        file.append("two")
        XCTAssertEqual(text(dir + "/moved"), "one\n")
        XCTAssertEqual(text(path), "two\n")
    }

    /// Between checks a moved file keeps the lines; the first line after the interval
    /// goes to a new file at the path.
    func testAMovedFileIsCheckedOncePerInterval() {
        let path = dir + "/events.jsonl"
        let file = RotatingLineFile(path: path, maxBytes: 1 << 20, keep: 5, followSeconds: 0.3)
        file.append("one")  // the first check: the file is where it was
        XCTAssertEqual(rename(path, dir + "/moved"), 0)
        file.append("two")
        Thread.sleep(forTimeInterval: 0.4)
        file.append("three")
        XCTAssertEqual(text(dir + "/moved"), "one\ntwo\n")
        XCTAssertEqual(text(path), "three\n")
    }

    func testAnUnopenablePathCountsErrorsAndDropsLines() {
        let file = RotatingLineFile(path: dir + "/missing/events.jsonl", maxBytes: 100, keep: 1)
        file.append("one")
        file.append("two")
        XCTAssertEqual(file.written, 0)
        XCTAssertEqual(file.errors, 3)
        XCTAssertEqual(file.firstError, ENOENT)
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchAlerts
import XCTest

/// The alert log after logrotate: a renamed or removed file is followed by a new one
/// at the path (mode 0600), and `reopen` does it at once.
final class AlertLogRotationTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "rwtest-alertlog-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private func text(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    func testRenamedAwayThenRemovedEachTimeANewFileAtThePath() throws {
        let path = dir + "/alerts.jsonl"
        let log = try AlertLog(path: path)
        try log.append(["one"])
        XCTAssertEqual(rename(path, path + ".1"), 0)
        try log.append(["two"])
        XCTAssertEqual(text(path + ".1"), "one\n")
        XCTAssertEqual(text(path), "two\n")
        XCTAssertEqual(unlink(path), 0)
        try log.append(["three"])
        XCTAssertEqual(text(path), "three\n")
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
    }

    func testCopytruncateKeepsAppendingAtTheEnd() throws {
        let path = dir + "/alerts.jsonl"
        let log = try AlertLog(path: path)
        try log.append(["one"])
        XCTAssertEqual(truncate(path, 0), 0)
        try log.append(["two"])
        XCTAssertEqual(text(path), "two\n")
    }

    func testReopenCreatesTheNewFileWithoutAnAlert() throws {
        let path = dir + "/alerts.jsonl"
        let log = try AlertLog(path: path)
        try log.append(["one"])
        XCTAssertEqual(rename(path, path + ".1"), 0)
        try log.reopen()
        XCTAssertEqual(text(path), "")
    }
}

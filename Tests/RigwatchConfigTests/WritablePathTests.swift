// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchConfig
import XCTest

/// Judging the paths the sensor writes by looking only: nothing is created.
final class WritablePathTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "rwtest-writable-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/file"))
        addTeardownBlock { [dir] in try? FileManager.default.removeItem(atPath: dir) }
    }

    func testExistingPathsOfTheRightKindAreFine() {
        XCTAssertNil(WritablePath.problem(dir, kind: .directory))
        XCTAssertNil(WritablePath.problem(dir + "/file", kind: .file))
    }

    func testMissingPathsAreJudgedByTheirNearestParentAndNotMade() throws {
        XCTAssertNil(WritablePath.problem(dir + "/a/b/spool", kind: .directory))
        XCTAssertNil(WritablePath.problem(dir + "/a/alerts.jsonl", kind: .file))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["file"], "nothing was created")
    }

    func testTheWrongKindIsAProblem() {
        XCTAssertEqual(
            WritablePath.problem(dir + "/file", kind: .directory), "\(dir)/file exists and is not a directory")
        XCTAssertEqual(WritablePath.problem(dir, kind: .file), "\(dir) is a directory")
    }

    func testAFileWhereAParentDirectoryMustBeIsAProblem() {
        XCTAssertEqual(
            WritablePath.problem(dir + "/file/spool", kind: .directory),
            "cannot create \(dir)/file/spool: \(dir)/file is not a directory")
        XCTAssertEqual(
            WritablePath.problem(dir + "/file/x/alerts.jsonl", kind: .file),
            "cannot create \(dir)/file/x/alerts.jsonl: \(dir)/file is not a directory")
    }
}

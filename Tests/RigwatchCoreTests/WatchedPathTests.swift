// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import XCTest

/// The kernel's matching rule, re-implemented in userspace: equal or below, by bytes.
final class WatchedPathTests: XCTestCase {
    func testCoversEqualAndBelowButNotAPrefixOfAName() {
        XCTAssertTrue(WatchedPath.covers("/etc/cron.d", "/etc/cron.d"))
        XCTAssertTrue(WatchedPath.covers("/etc/cron.d", "/etc/cron.d/x"))
        XCTAssertTrue(WatchedPath.covers("/etc/cron.d", "/etc/cron.d/sub/x"))
        XCTAssertFalse(WatchedPath.covers("/etc/cron.d", "/etc/cron.dx"))
        XCTAssertFalse(WatchedPath.covers("/etc/cron.d", "/etc/cron.d.bak/x"))
        XCTAssertFalse(WatchedPath.covers("/etc/cron.d", "/etc/cron"))
        XCTAssertTrue(WatchedPath.covers("/etc/sudoers", "/etc/sudoers"))
        XCTAssertFalse(WatchedPath.covers("/etc/sudoers", "/etc/sudoers.d/x"))
        XCTAssertFalse(WatchedPath.covers("/etc/sudoers", "/etc/sudoers.tmp"))
    }

    func testComparesBytesNotUnicodeEquivalence() {
        // "é" precomposed and decomposed are equal Strings but different file names.
        XCTAssertEqual("/etc/caf\u{e9}", "/etc/cafe\u{301}")
        XCTAssertFalse(WatchedPath.covers("/etc/caf\u{e9}", "/etc/cafe\u{301}"))
        XCTAssertFalse(WatchedPath.covers("/etc/caf\u{e9}", "/etc/cafe\u{301}/x"))
    }

    func testNormaliseIsLexical() {
        XCTAssertEqual(WatchedPath.normalise("/etc/./cron.d/../cron.d/x"), "/etc/cron.d/x")
        XCTAssertEqual(WatchedPath.normalise("/etc/cron.d/../passwd"), "/etc/passwd")
        XCTAssertEqual(WatchedPath.normalise("//etc///cron.d//"), "/etc/cron.d")
        XCTAssertEqual(WatchedPath.normalise("/etc/cron.d/"), "/etc/cron.d")
        XCTAssertEqual(WatchedPath.normalise("/../../etc/sudoers"), "/etc/sudoers")
        XCTAssertEqual(WatchedPath.normalise("/"), "/")
        XCTAssertEqual(WatchedPath.normalise("/etc/.."), "/")
        XCTAssertEqual(WatchedPath.normalise("/etc/...x/..."), "/etc/...x/...")
        XCTAssertEqual(WatchedPath.normalise("cron.d/../../x"), "../x")
        XCTAssertEqual(WatchedPath.normalise("./"), ".")
    }

    func testValidate() throws {
        XCTAssertEqual(try WatchedPath.validate("/etc/sudoers.d/"), "/etc/sudoers.d")
        XCTAssertEqual(try WatchedPath.validate("/etc//cron.d/./"), "/etc/cron.d")
        XCTAssertThrowsError(try WatchedPath.validate("etc/cron.d"))
        XCTAssertThrowsError(try WatchedPath.validate("/"))
        XCTAssertThrowsError(try WatchedPath.validate("//"))
        XCTAssertThrowsError(try WatchedPath.validate("/etc/.."))
        XCTAssertEqual(try WatchedPath.validate("/" + String(repeating: "a", count: 126)).utf8.count, 127)
        XCTAssertThrowsError(try WatchedPath.validate("/" + String(repeating: "a", count: 127)))
    }

    func testNormalisedListDropsInvalidAndDuplicatesAndKeepsAtMost32() {
        XCTAssertEqual(
            WatchedPath.normalisedList(["/etc/cron.d/", "/etc/cron.d", "relative", "/", "/etc/crontab"]),
            ["/etc/cron.d", "/etc/crontab"])
        let many = (0..<40).map { "/etc/w\($0)" }
        XCTAssertEqual(WatchedPath.normalisedList(many), Array(many.prefix(32)))
    }

    func testDefaultsAreTheIssuesList() {
        XCTAssertEqual(
            FileWatchSettings().watchedPaths,
            [
                "/etc/sudoers", "/etc/sudoers.d", "/etc/cron.d", "/etc/crontab", "/var/spool/cron",
                "/etc/systemd/system", "/root/.ssh/authorized_keys", "/etc/libvirt/hooks", "/etc/ld.so.preload",
            ])
        XCTAssertEqual(FileWatchSettings(watchedPaths: ["/etc/cron.d/", "/etc//cron.d"]).watchedPaths, ["/etc/cron.d"])
    }
}

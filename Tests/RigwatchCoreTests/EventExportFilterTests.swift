// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// `export.kinds` and `export.watched_only` as the filter applies them.
final class EventExportFilterTests: XCTestCase {
    let watchedExec = Scenario.exec(10, ppid: 1, ts: 1, argv: ["/bin/echo", "hi"], uid: 1001, lineage: 1001)
    let otherWatchedFork = Scenario.fork(11, ppid: 1, child: 12, ts: 2, uid: 1002, lineage: 1002)
    let rootExec = Scenario.exec(13, ppid: 1, ts: 3, argv: ["/usr/sbin/cron"])
    let unwatchedLineageExec = Scenario.exec(14, ppid: 1, ts: 4, argv: ["/bin/ls"], uid: 1003, lineage: 1003)

    func testNoFilterAdmitsEverything() {
        let filter = EventExportFilter(kinds: nil, lineageUids: nil)
        for event in [watchedExec, otherWatchedFork, rootExec, unwatchedLineageExec] {
            XCTAssertTrue(filter.admits(event), "\(event.kindName) pid \(event.header.tgid)")
        }
    }

    func testWatchedOnlyAdmitsTheWatchedLineagesAndNoEventWithoutOne() {
        let filter = EventExportFilter(kinds: nil, lineageUids: [1001, 1002])
        XCTAssertTrue(filter.admits(watchedExec))
        XCTAssertTrue(filter.admits(otherWatchedFork))
        XCTAssertFalse(filter.admits(rootExec), "no lineage")
        XCTAssertFalse(filter.admits(unwatchedLineageExec), "a lineage not watched")
    }

    func testKindsAndLineagesBothApply() {
        let filter = EventExportFilter(kinds: ["exec"], lineageUids: [1001, 1002])
        XCTAssertTrue(filter.admits(watchedExec))
        XCTAssertFalse(filter.admits(otherWatchedFork), "fork is not a listed kind")
        XCTAssertFalse(filter.admits(rootExec))
        let kindsOnly = EventExportFilter(kinds: ["exec"], lineageUids: nil)
        XCTAssertTrue(kindsOnly.admits(rootExec))
        XCTAssertFalse(kindsOnly.admits(otherWatchedFork))
    }

    /// The kind names a configuration may list are exactly the kinds that have a line schema.
    func testKindNamesAreTheSchemasKinds() throws {
        let schemas = try FileManager.default.contentsOfDirectory(atPath: Repo.root + "/schema")
        let kinds = schemas.compactMap { name -> String? in
            guard name.hasPrefix("event-"), name.hasSuffix(".schema.json") else { return nil }
            return String(name.dropFirst("event-".count).dropLast(".schema.json".count))
        }
        XCTAssertEqual(Set(Event.kindNames), Set(kinds))
        XCTAssertEqual(Set(Event.kindNames).count, Event.kindNames.count)
        XCTAssertEqual(watchedExec.kindName, "exec")
        XCTAssertEqual(otherWatchedFork.kindName, "fork")
    }
}

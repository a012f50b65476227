// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchConfig
import RigwatchCore
import RigwatchService
import RigwatchTestSupport
import XCTest

/// The event export: the admitted events' JSON lines, exactly as `--events all` prints
/// them; the others left out; an unusable path refused at open; a failed write counted.
final class EventExportTests: XCTestCase {
    private var dir = ""
    let origin = LineOrigin(host: "rwtest-host", bootOffsetNs: 1_700_000_000_000_000_000)

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "rwtest-eventexport-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private func config(_ path: String, kinds: [String] = [], watchedOnly: Bool = true) -> ExportConfig {
        var c = ExportConfig()
        c.eventsFile = path
        c.kinds = kinds
        c.watchedOnly = watchedOnly
        return c
    }

    func testWritesTheAdmittedEventsAsTheirJSONLines() throws {
        let path = dir + "/events.jsonl"
        let export = try EventExport(
            config: config(path, kinds: ["exec", "exit"]), watchedUids: [1001], origin: origin)
        let watched = Scenario.exec(
            10, ppid: 1, ts: 5_000, argv: ["/bin/echo", "it's \"x\""], uid: 1001, lineage: 1001)
        let fork = Scenario.fork(10, ppid: 1, child: 11, ts: 5_001, uid: 1001, lineage: 1001)
        let root = Scenario.exec(12, ppid: 1, ts: 5_002, argv: ["/usr/sbin/cron"])
        XCTAssertEqual(export.offer(watched), .written)
        XCTAssertEqual(export.offer(fork), .filtered)
        XCTAssertEqual(export.offer(root), .filtered)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text, EventFormat.json(watched, origin: origin) + "\n")
        XCTAssertTrue(
            text.hasPrefix(#"{"type":"exec","time":"2023-11-14T22:13:20.000005Z","host":"rwtest-host","#), text)
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        XCTAssertNil(export.takeFirstFailure())
    }

    func testAPathThatCannotBeOpenedIsRefused() {
        let path = dir + "/missing/events.jsonl"
        XCTAssertThrowsError(try EventExport(config: config(path), watchedUids: [], origin: origin)) {
            XCTAssertEqual(String(describing: $0), "export.events_file \(path): No such file or directory")
        }
    }

    /// /dev/full opens and refuses every write (ENOSPC): each admitted event fails, said once.
    func testAFailedWriteIsCountedAndSaidOnce() throws {
        let export = try EventExport(config: config("/dev/full", watchedOnly: false), watchedUids: [], origin: origin)
        let event = Scenario.exec(12, ppid: 1, ts: 5_002, argv: ["/usr/sbin/cron"])
        XCTAssertEqual(export.offer(event), .failed)
        XCTAssertEqual(export.offer(event), .failed)
        XCTAssertEqual(
            export.takeFirstFailure(),
            "event export: /dev/full: No space left on device (those events are dropped, counted in rigwatch_event_export_errors_total)"
        )
        XCTAssertNil(export.takeFirstFailure())
    }
}

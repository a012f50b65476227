// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchAlerts
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// `rigwatch explain ID` on an alert log written the way the router writes it.
final class ExplainCLITests: XCTestCase {
    private func envelope(id: String, title: String, wallNs: Int64) -> AlertEnvelope {
        let shell = ProcessSummary(
            pid: 4242, ppid: 4241, exe: "/bin/sh", argv: ["sh", "-c", "id > /tmp/x"], uid: 0, euid: 0, gid: 0, egid: 0,
            lineageUid: 1001, cgroupId: 7, comm: "sh")
        let logrotate = ProcessSummary(
            pid: 4241, ppid: 4200, exe: "/usr/sbin/logrotate", argv: ["/usr/sbin/logrotate", "--force", "/tmp/c"],
            uid: 0, euid: 0, gid: 0, egid: 0, lineageUid: 1001, cgroupId: 7, comm: "logrotate")
        var alert = Alert(
            rule: "unexpected-root-child", severity: .high, title: title, eventTimeNs: 5, chain: [shell, logrotate],
            evidence: [("class", "shell"), ("entry", "/usr/sbin/logrotate --force /tmp/c")], dedupKey: "k-\(title)")
        alert.id = id
        return AlertEnvelope(
            alert: alert, host: "rwtest-rig", sensorVersion: "test", eventWallNs: wallNs, detectedWallNs: wallNs,
            count: 1, firstWallNs: wallNs, lastWallNs: wallNs)
    }

    func testAnAlertIsExplainedAndEveryRunWithItsIdShown() throws {
        let dir = NSTemporaryDirectory() + "rwtest-explain-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "/alerts.jsonl"
        let lines = [
            envelope(id: "unexpected-root-child-1", title: "first run", wallNs: 1_796_000_000_000_000_000),
            envelope(id: "unexpected-root-child-2", title: "other", wallNs: 1_796_000_001_000_000_000),
            envelope(id: "unexpected-root-child-1", title: "second run", wallNs: 1_796_000_002_000_000_000),
        ].map(AlertEnvelopeJSON.encode)
        try (lines.joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)

        let r = try runCommand(Repo.rigwatchBinary, ["explain", "--log", log, "unexpected-root-child-1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let block = """
            unexpected-root-child-1: unexpected-root-child (high) on rwtest-rig, TIME
              TITLE
            rule: \(RuleCatalog.meaning["unexpected-root-child"]!)
            what ran (the process first, then its ancestors):
              pid 4242 uid 0 euid 0: sh -c 'id > /tmp/x'
              pid 4241 uid 0 euid 0: /usr/sbin/logrotate --force /tmp/c
            evidence:
              class: shell
              entry: /usr/sbin/logrotate --force /tmp/c

            """
        XCTAssertEqual(
            r.stdout,
            block.replacingOccurrences(of: "TIME", with: "2026-11-30T00:53:20.000Z").replacingOccurrences(
                of: "TITLE", with: "first run") + "\n"
                + block.replacingOccurrences(of: "TIME", with: "2026-11-30T00:53:22.000Z").replacingOccurrences(
                    of: "TITLE", with: "second run"))

        let missing = try runCommand(Repo.rigwatchBinary, ["explain", "--log", log, "file-change-9"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no alert file-change-9 in \(log)"), missing.stderr)
        let unreadable = try runCommand(Repo.rigwatchBinary, ["explain", "--log", dir + "/absent.jsonl", "x-1"])
        XCTAssertEqual(unreadable.status, 2)
        XCTAssertTrue(unreadable.stderr.contains("cannot read the alert log \(dir)/absent.jsonl"), unreadable.stderr)
    }

    func testEveryRuleTheDocsListHasAMeaning() throws {
        let schema = try String(contentsOfFile: Repo.root + "/docs/alert-schema.md", encoding: .utf8)
        let start = try XCTUnwrap(schema.range(of: "The rules: "))
        let end = try XCTUnwrap(schema.range(of: "(each with", range: start.upperBound..<schema.endIndex))
        let rules = schema[start.upperBound..<end.lowerBound].split(separator: "`", omittingEmptySubsequences: false)
            .enumerated().filter { $0.offset % 2 == 1 }
            .map { String($0.element) }
        XCTAssertGreaterThan(rules.count, 15)
        for rule in rules { XCTAssertNotNil(RuleCatalog.meaning[rule], rule) }
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchSources
import RigwatchTestSupport
import XCTest

@testable import RigwatchCore

/// The enforce kind end to end: binary and JSON round trips (what record and replay
/// rely on), its decode errors, and what `EnforcementDetector` says of an entry and of
/// a child stopped by its profiles.
final class EnforceEventTests: XCTestCase {
    static let header = MiningScenario.header(4242, ts: 5_000_000_000, lineage: 1001, uid: 0, comm: "sh")

    static func judged(_ argv: [String], flags: ExecEvent.Flags = []) -> ExecEvent {
        ExecEvent(
            header: header, loginUid: noLineage, flags: flags, argc: UInt32(argv.count), oldPid: header.tgid,
            filename: Array(argv[0].utf8), args: ExecEvent.joinArgs(argv))
    }

    static let entry = EnforceEvent(
        action: .killed, rule: nil, half: 1, exec: judged(["/usr/bin/touch", "/tmp/x"]))
    static let child = EnforceEvent(
        action: .refused, stage: .child, childClass: .shellOrInterpreter, rule: nil, half: 0,
        exec: judged(["/usr/bin/sh", "-c", "id"]))
    static let events: [Event] = [
        .enforce(entry), .enforce(child),
        .enforce(
            EnforceEvent(
                action: .undecided, stage: .child, childClass: .undecided, rule: nil, half: 0,
                exec: judged(["/tmp/tool", "a"], flags: .script))),
        .enforce(
            EnforceEvent(
                action: .wouldDeny, stage: .child, childClass: .writablePath, rule: 7, half: 1,
                exec: judged(["/tmp/tool"]))),
    ]

    func testBinaryAndJSONRoundTrip() throws {
        for event in Self.events {
            XCTAssertEqual(try EventDecoder.decode(EventEncoder.encode(event)), event)
        }
        let text = Self.events.map { EventFormat.json($0, origin: .unknown) }.joined(separator: "\n") + "\n"
        XCTAssertEqual(try TraceFile.read(bytes: Array(text.utf8)).events, Self.events)
        let line = EventFormat.json(.enforce(Self.child), origin: .unknown)
        XCTAssertTrue(
            line.hasPrefix(
                #"{"type":"enforce","time":"1970-01-01T00:00:05.000000Z","host":"unknown","ts_ns":5000000000,"pid":4242,"tid":4242,"ppid":1,"uid":0,"euid":0,"gid":0,"egid":0,"lineage_uid":1001,"cgroup_id":6000,"comm":"sh","action":"refused","rule":null,"half":0,"stage":"child","child_class":"shell-or-interpreter","#
            ), line)
        XCTAssertTrue(
            EventFormat.json(.enforce(Self.entry), origin: .unknown).contains(#""stage":"entry","child_class":null,"#))
    }

    func testDecodeErrors() {
        func corrupt(_ offset: Int, _ value: UInt32) -> String {
            var bytes = EventEncoder.encode(.enforce(Self.child))
            bytes.withUnsafeMutableBytes { $0.storeBytes(of: value, toByteOffset: offset, as: UInt32.self) }
            do {
                _ = try EventDecoder.decode(bytes)
                return "decoded"
            } catch { return String(describing: error) }
        }
        XCTAssertEqual(corrupt(ABIOffsets.Enforce.stage, 9), "unknown enforce stage 9")
        XCTAssertEqual(corrupt(ABIOffsets.Enforce.childClass, 7), "unknown child class 7")
        // Version 6's enforce layout (never released) had neither field: not read as 7's.
        XCTAssertEqual(corrupt(ABIOffsets.Header.abiVersion, 6), "event kind 10 does not exist in ABI version 6")
        let bad = #"{"type":"enforce","stage":"grandchild"}"#
        XCTAssertThrowsError(try TraceFile.read(bytes: Array((bad + "\n").utf8)))
    }

    func testAlertsNameTheStageAndTheClass() throws {
        let user = WatchedUser(uid: 1001, name: "vastai_kaalia")
        let policies = PolicySet.defaultPolicy(watched: [user], canon: .mergedUsr)
        let engine = Engine(
            config: EngineConfig(watchedUsers: [user]), detectors: [EnforcementDetector(policies: policies)])
        let alerts = Self.events.flatMap { engine.consume($0) }
        XCTAssertEqual(
            alerts.map { "\($0.rule) \($0.severity): \($0.title)" },
            [
                "enforcement-denied high: rigwatch stopped vastai_kaalia's unlisted root command (killed before it ran): /usr/bin/touch /tmp/x",
                "enforcement-denied high: rigwatch stopped vastai_kaalia's root child of an allowed command (shell-or-interpreter, not in its profile) (exec refused): /usr/bin/sh -c id",
                "enforcement-undecided low: enforcement could not decide vastai_kaalia's root command in the kernel; it ran: /tmp/tool a",
                "enforcement-audit medium: enforcement would stop vastai_kaalia's root child of an allowed command, from a writable path (audit mode): /tmp/tool",
            ])
        let evidence = Dictionary(alerts[1].evidence, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(evidence["stage"], "child of an allowed command")
        XCTAssertEqual(evidence["child_class"], "shell-or-interpreter")
        XCTAssertEqual(evidence["denied_by"], "no child profile of the allowed command above allows it")
        let writable = Dictionary(alerts[3].evidence, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(writable["denied_by"], "a writable path: no child profile can allow it")
        XCTAssertNil(Dictionary(alerts[0].evidence, uniquingKeysWith: { a, _ in a })["stage"])
    }
}

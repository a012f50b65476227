// SPDX-License-Identifier: Apache-2.0
import RigwatchAlerts
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// What goes into the spool comes back exactly: invisible and format characters
/// (a leading BOM, bidi controls, zero-width) and u64 extremes survive the round trip,
/// and numbers that do not fit are refused, not trapped on.
final class AlertEnvelopeRoundTripTests: XCTestCase {
    private func envelope(title: String, argv: [String], ts: UInt64 = 5_000_000_123) -> AlertEnvelope {
        var alert = Alert(
            rule: "privileged-exec", severity: .high, title: title, eventTimeNs: ts,
            chain: [
                ProcessSummary(
                    pid: 42, ppid: 1, exe: argv.first ?? "", argv: argv, uid: 1001, euid: 0, gid: 1001, egid: 0,
                    lineageUid: 1001, cgroupId: .max, comm: "x")
            ],
            evidence: [("command", argv.joined(separator: " "))], dedupKey: "k|" + title)
        alert.id = "privileged-exec-1"
        return AlertEnvelope(
            alert: alert, host: "rig", sensorVersion: "0.1.0", eventWallNs: -1, detectedWallNs: 1_750_000_000_000,
            count: 1, firstWallNs: 1, lastWallNs: 2)
    }

    func testInvisibleCharactersSurviveTheSpool() throws {
        let tricky = ["\u{FEFF}/tmp/x", "a\u{202E}cod.sh", "zero\u{200B}width", "\u{FEFF}"]
        let original = envelope(title: "\u{FEFF}/tmp/x ran", argv: tricky)
        let decoded = try AlertEnvelopeJSON.decode(Array(AlertEnvelopeJSON.encode(original).utf8))
        XCTAssertEqual(decoded.alert.title.unicodeScalars.first, "\u{FEFF}")
        XCTAssertEqual(decoded.alert.title, original.alert.title)
        XCTAssertEqual(decoded.alert.chain.first?.argv, tricky)
        XCTAssertEqual(decoded.alert.chain.first?.cgroupId, .max)
        XCTAssertEqual(decoded.alert.evidence.map(\.1), original.alert.evidence.map(\.1))
        XCTAssertEqual(decoded.alert.dedupKey, original.alert.dedupKey)
        XCTAssertEqual(decoded.eventWallNs, -1)
    }

    func testNumbersOutOfRangeAreRefusedNotTrapped() throws {
        let line = AlertEnvelopeJSON.encode(envelope(title: "t", argv: ["/bin/true"]))
        for (from, to) in [
            (#""count":1"#, #""count":-1"#), (#""ts_ns":5000000123"#, #""ts_ns":-5"#),
            (#""event_wall_ns":-1"#, #""event_wall_ns":18446744073709551615"#),
        ] {
            XCTAssertTrue(line.contains(from), from)
            XCTAssertThrowsError(
                try AlertEnvelopeJSON.decode(Array(line.replacingOccurrences(of: from, with: to).utf8)))
        }
        XCTAssertThrowsError(try AlertEnvelopeJSON.decode(Array("{\"rule\":".utf8)))
    }
}

/// Bytes that are not UTF-8 in a process of the chain: exact in the alert log and the
/// spool (`exe_hex`, `args_hex`, as events write them), visible as `\xHH` on Discord.
final class ChainBytesTests: XCTestCase {
    func testInvalidUTF8InTheChainIsKeptExactlyAndShownVisibly() throws {
        let exe: [UInt8] = Array("/tmp/x".utf8) + [0xFF]
        let args: [UInt8] = exe + [0] + Array("-c".utf8) + [0, 0xC3, 0x28, 0]
        // Through the engine, as the sensor builds a chain: an unlisted exec by the watched user.
        let kaalia: UInt32 = 1001
        let engine = Engine(
            config: EngineConfig(watchedUids: [kaalia], userNames: [kaalia: "vastai_kaalia"]),
            detectors: Engine.standardDetectors(
                policies: PolicySet.defaultPolicy(
                    watched: [WatchedUser(uid: kaalia, name: "vastai_kaalia")], canon: .mergedUsr)))
        let exec = Event.exec(
            ExecEvent(
                header: Scenario.header(42, ppid: 41, ts: 1000, euid: 0, lineage: kaalia), loginUid: kaalia,
                flags: [], argc: 3, oldPid: 42, filename: exe, args: args))
        let summary = try XCTUnwrap(engine.consume(exec).first?.chain.first)
        XCTAssertEqual(summary.exeBytes, exe)
        XCTAssertEqual(summary.argsBytes, args)
        XCTAssertEqual(summary.commandLine, #"$'/tmp/x\xFF' -c $'\xC3('"#)

        var alert = Alert(
            rule: "unlisted-privileged-exec", severity: .high, title: "t", eventTimeNs: 1, chain: [summary],
            evidence: [], dedupKey: "k")
        alert.id = "a-1"
        let envelope = AlertEnvelope(
            alert: alert, host: "rig", sensorVersion: "0.1.0", eventWallNs: 1, detectedWallNs: 2, count: 1,
            firstWallNs: 1, lastWallNs: 2)
        let line = AlertEnvelopeJSON.encode(envelope)
        XCTAssertTrue(line.contains(#""exe_hex":"2f746d702f78ff""#), line)
        XCTAssertTrue(line.contains(#""args_hex":"2f746d702f78ff002d6300c32800""#), line)
        let back = try AlertEnvelopeJSON.decode(Array(AlertEnvelopeJSON.encode(envelope).utf8))
        XCTAssertEqual(back.alert.chain.first?.exeBytes, exe)
        XCTAssertEqual(back.alert.chain.first?.argsBytes, args)

        let payload = DiscordPayload.build([back][...]).json
        XCTAssertTrue(payload.contains(#"$'/tmp/x\\xFF' -c $'\\xC3('"#), payload)
        XCTAssertFalse(payload.contains("\u{FFFD}"), payload)
    }
}

/// The one alert shape, field for field, and the spool records 0.1.0 wrote before it.
final class AlertShapeTests: XCTestCase {
    private func envelope() -> AlertEnvelope {
        let sudo = ProcessSummary(
            pid: 41, ppid: 1, exe: "/usr/bin/sudo", argv: ["sudo", "/bin/sh"], uid: 1001, euid: 0, gid: 1001,
            egid: 0, lineageUid: 1001, cgroupId: 7, comm: "sudo")
        let shell = ProcessSummary(
            pid: 42, ppid: 41, exe: "/bin/sh", argv: ["/bin/sh"], uid: 0, euid: 0, gid: 0, egid: 0, lineageUid: 1001,
            cgroupId: 7, comm: "sh")
        var alert = Alert(
            rule: "unlisted-privileged-exec", severity: .high, title: "root shell", eventTimeNs: 5_000_000_123,
            chain: [shell, sudo], evidence: [("command", "/bin/sh"), ("via", "sudo /bin/sh"), ("command", "again")],
            dedupKey: "k")
        alert.id = "unlisted-privileged-exec-1"
        return AlertEnvelope(
            alert: alert, host: "rig", sensorVersion: "0.1.0", eventWallNs: 1_764_655_108_123_456_789,
            detectedWallNs: 1_764_655_108_200_000_000)
    }

    func testTheLineHasTheSubjectItsAncestorsAndEvidenceAsAnObject() {
        XCTAssertEqual(
            AlertEnvelopeJSON.encode(envelope()),
            #"{"type":"alert","id":"unlisted-privileged-exec-1","rule":"unlisted-privileged-exec","severity":"high","title":"root shell","time":"2025-12-02T05:58:28.123456Z","host":"rig","sensor_version":"0.1.0","detection_time":"2025-12-02T05:58:28.200000Z","event_wall_ns":1764655108123456789,"detected_wall_ns":1764655108200000000,"ts_ns":5000000123,"count":1,"first_wall_ns":1764655108123456789,"last_wall_ns":1764655108123456789,"subject":{"pid":42,"ppid":41,"exe":"/bin/sh","argv":["/bin/sh"],"uid":0,"euid":0,"gid":0,"egid":0,"lineage_uid":1001,"cgroup_id":7,"comm":"sh"},"chain":[{"pid":41,"ppid":1,"exe":"/usr/bin/sudo","argv":["sudo","/bin/sh"],"uid":1001,"euid":0,"gid":1001,"egid":0,"lineage_uid":1001,"cgroup_id":7,"comm":"sudo"}],"evidence":{"command":"/bin/sh","via":"sudo /bin/sh","command_2":"again"},"dedup_key":"k"}"#
        )
    }

    func testTheLineReadsBackInOrder() throws {
        let back = try AlertEnvelopeJSON.decode(Array(AlertEnvelopeJSON.encode(envelope()).utf8))
        XCTAssertEqual(back.alert.chain.map(\.pid), [42, 41])
        XCTAssertEqual(back.alert.evidence.map(\.0), ["command", "via", "command_2"])
        XCTAssertEqual(back.alert.evidence.map(\.1), ["/bin/sh", "sudo /bin/sh", "again"])
        XCTAssertEqual(back.eventWallNs, 1_764_655_108_123_456_789)
    }

    /// A record 0.1.0 spooled (subject first in `chain`, evidence as pairs) still delivers after an upgrade.
    func testARecordSpooledBeforeTheOneShapeStillReads() throws {
        let old =
            #"{"type":"alert","id":"a-1","rule":"r","severity":"low","title":"t","host":"rig","sensor_version":"0.1.0","event_time":"2025-12-02T05:58:28.123Z","detection_time":"2025-12-02T05:58:28.200Z","event_wall_ns":1,"detected_wall_ns":2,"ts_ns":3,"count":2,"first_wall_ns":1,"last_wall_ns":4,"chain":[{"pid":42,"ppid":41,"exe":"/bin/sh","argv":["/bin/sh"],"uid":0,"euid":0,"gid":0,"egid":0,"lineage_uid":null,"cgroup_id":7,"comm":"sh"},{"pid":41,"ppid":1,"exe":"/usr/bin/sudo","argv":[],"uid":1001,"euid":0,"gid":1001,"egid":0,"lineage_uid":1001,"cgroup_id":7,"comm":"sudo"}],"evidence":[["b","2"],["a","1"]],"dedup_key":"k"}"#
        let e = try AlertEnvelopeJSON.decode(Array(old.utf8))
        XCTAssertEqual(e.alert.subject?.pid, 42)
        XCTAssertEqual(e.alert.chain.map(\.pid), [42, 41])
        XCTAssertEqual(e.alert.chain.first?.lineageUid, noLineage)
        XCTAssertEqual(e.alert.evidence.map { "\($0.0)=\($0.1)" }, ["b=2", "a=1"])
        XCTAssertEqual(e.count, 2)
        XCTAssertEqual(e.lastWallNs, 4)
    }

    func testTheTextLineStartsWithTimeAndHost() {
        XCTAssertEqual(
            AlertEnvelopeText.line(envelope()),
            "2025-12-02T05:58:28.123456Z rig ALERT [high] unlisted-privileged-exec: root shell | pid=42 uid=0 euid=0 /bin/sh argv=[/bin/sh] | command=/bin/sh via='sudo /bin/sh' command=again"
        )
    }
}

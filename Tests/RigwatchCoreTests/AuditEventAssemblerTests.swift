// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// Audit records captured on a real kernel (Tests/Fixtures/audit) turned into events.
final class AuditEventAssemblerTests: XCTestCase {
    static let user: UInt32 = 999

    static func fixture(_ name: String) throws -> [(UInt16, String)] {
        let text = try String(contentsOfFile: Repo.fixture("audit/\(name)"), encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: true).compactMap { line in
            guard !line.hasPrefix("#"), let space = line.firstIndex(of: " "), let type = UInt16(line[..<space]) else {
                return nil
            }
            return (type, String(line[line.index(after: space)...]))
        }
    }

    func assembler(argsCap: Int = KernelABI.argsMax) -> AuditEventAssembler {
        var options = AuditEventAssembler.Options()
        options.watchedUids = [Self.user]
        options.argsCap = argsCap
        return AuditEventAssembler(options: options, cgroupOf: { _ in 42 })
    }

    func run(_ records: [(UInt16, String)], _ a: AuditEventAssembler) -> [Event] {
        var events: [Event] = []
        for (type, text) in records { events += a.consume(type: type, text: text) }
        return events + a.flush()
    }

    func scenarioEvents(argsCap: Int = KernelABI.argsMax) throws -> (events: [Event], errors: [AuditParseError]) {
        let a = assembler(argsCap: argsCap)
        let events = run(try Self.fixture("scenarios.txt"), a)
        return (events, a.takeErrors())
    }

    func testExecWithTrickyArgvHasPathArgvIdsAndLineage() throws {
        let (events, errors) = try scenarioEvents()
        XCTAssertEqual(errors, [])
        let e = try XCTUnwrap(
            events.compactMap(\.execEvent).first { $0.header.tgid == 19376 && $0.path == "/bin/echo" })
        XCTAssertEqual(e.path, "/bin/echo")
        XCTAssertEqual(e.argv, ["/bin/echo", "with space", "it's \"quoted\"", "ünïcødé ✓ 日本", "", "--flag=$HOME;`x`"])
        XCTAssertEqual(e.argc, 6)
        XCTAssertEqual(e.header.pid, 19376)
        XCTAssertEqual(e.header.ppid, 19288)
        XCTAssertEqual([e.header.uid, e.header.euid, e.header.gid, e.header.egid], [999, 999, 999, 999])
        XCTAssertEqual(e.header.lineageUid, Self.user)
        XCTAssertEqual(e.header.comm.description, "echo")
        XCTAssertEqual(e.header.cgroupId, 42)
        XCTAssertEqual(e.header.timestampNs, 1_795_610_746_023_000_000)
        XCTAssertEqual(e.loginUid, 0xffff_ffff)
        XCTAssertEqual(e.oldPid, 19376)
        XCTAssertEqual(e.flags, [])
    }

    func testSetresuidDropAndRefusedEscalation() throws {
        let (events, _) = try scenarioEvents()
        let creds = events.compactMap(\.credEvent)
        let drop = try XCTUnwrap(creds.first { $0.header.tgid == 19377 })
        XCTAssertEqual(drop.syscall, .setresuid)
        XCTAssertEqual(drop.result, 0)
        XCTAssertEqual(drop.requested, [999, 999, 999])
        XCTAssertEqual(drop.before, CredIds(values: [0, 0, 0, 0, 0, 0, 0, 0]))
        XCTAssertEqual(drop.after, CredIds(values: [999, 999, 999, 999, 0, 0, 0, 0]))
        XCTAssertEqual(drop.header.uid, 999)
        XCTAssertEqual(drop.header.lineageUid, Self.user)
        XCTAssertEqual(drop.header.comm.description, "setresuid_helpe")

        let refused = try XCTUnwrap(creds.first { $0.header.tgid == 19378 && $0.result != 0 })
        XCTAssertEqual(refused.syscall, .setresuid)
        XCTAssertEqual(refused.result, -1)  // -EPERM
        XCTAssertEqual(refused.requested, [0, 0, 0])
        XCTAssertEqual(refused.before, refused.after)
        XCTAssertEqual(refused.after.uid, 999)
        XCTAssertEqual(refused.header.lineageUid, Self.user)
    }

    func testSudoChainCarriesLineageToRootChild() throws {
        let (events, _) = try scenarioEvents()
        let execs = events.compactMap(\.execEvent)
        let sudo = try XCTUnwrap(execs.first { $0.path == "/usr/bin/sudo" })
        XCTAssertEqual(sudo.header.uid, 999)
        XCTAssertEqual(sudo.header.euid, 0)
        XCTAssertTrue(sudo.flags.contains(.setuid))
        XCTAssertEqual(sudo.header.lineageUid, Self.user)
        let id = try XCTUnwrap(execs.first { $0.path == "/usr/bin/id" && $0.header.ppid == 19379 })
        XCTAssertEqual(id.argv, ["/usr/bin/id", "-u"])
        XCTAssertEqual([id.header.uid, id.header.euid], [0, 0])
        XCTAssertEqual(id.header.lineageUid, Self.user)
        // sudo's no-op set*id calls (ids already as asked) are not reported, as with BPF.
        let sudoCreds = events.compactMap(\.credEvent).filter { $0.header.tgid == 19379 }
        XCTAssertFalse(sudoCreds.isEmpty)
        XCTAssertTrue(sudoCreds.allSatisfy { $0.before != $0.after || $0.result < 0 })
    }

    func testArgumentSplitAcrossChunksAndRecords() throws {
        let full = try XCTUnwrap(
            try scenarioEvents(argsCap: 1 << 20).events.compactMap(\.execEvent).first { $0.header.tgid == 19384 })
        XCTAssertEqual(full.argc, 3)
        XCTAssertEqual(full.argv, ["/bin/true", String(repeating: "x", count: 12000), "short"])
        XCTAssertEqual(full.flags, [])
        let capped = try XCTUnwrap(
            try scenarioEvents().events.compactMap(\.execEvent).first { $0.header.tgid == 19384 })
        XCTAssertEqual(capped.args.count, KernelABI.argsMax)
        XCTAssertEqual(capped.flags, [.argsTruncated])
        XCTAssertEqual(capped.argc, 3)
    }

    func testInterleavedSerialsGiveTheSameEvents() throws {
        let records = try Self.fixture("scenarios.txt")
        let echo = records.filter { $0.1.contains(":1079)") }
        let sudo = records.filter { $0.1.contains(":1090)") }
        XCTAssertGreaterThan(echo.count, 4)
        var mixed: [(UInt16, String)] = []
        for i in 0..<max(echo.count, sudo.count) {
            if i < sudo.count { mixed.append(sudo[i]) }
            if i < echo.count { mixed.append(echo[i]) }
        }
        let sequential = run(echo + sudo, assembler()).compactMap(\.execEvent)
        let interleaved = run(mixed, assembler()).compactMap(\.execEvent)
        XCTAssertEqual(sequential.count, 2)
        XCTAssertEqual(Set(sequential.map(\.path)), Set(interleaved.map(\.path)))
        for e in sequential { XCTAssertEqual(interleaved.first { $0.header.tgid == e.header.tgid }, e) }
    }

    func testMissingEOEFinishesOnIdleOrWhenTooManyPending() throws {
        let records = try Self.fixture("scenarios.txt").filter {
            $0.1.contains(":1079)") && $0.0 != AuditRecordType.eoe
        }
        let a = assembler()
        var events: [Event] = []
        for (t, text) in records { events += a.consume(type: t, text: text) }
        XCTAssertEqual(events, [], "nothing before the group is known to be complete")
        XCTAssertEqual(a.idleTick(), [], "one idle poll: the rest may still come")
        let late = a.idleTick()
        XCTAssertEqual(late.compactMap(\.execEvent).first?.path, "/bin/echo")
        XCTAssertEqual(a.pendingGroups, 0)

        var options = AuditEventAssembler.Options()
        options.maxPendingGroups = 1
        let small = AuditEventAssembler(options: options)
        for (t, text) in records { _ = small.consume(type: t, text: text) }
        let next = small.consume(
            type: AuditRecordType.syscall,
            text:
                "audit(1795610746.100:2000): arch=c000003e syscall=39 success=yes exit=1 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"x\" exe=\"/x\" key=(null)"
        )
        XCTAssertEqual(
            next.compactMap(\.execEvent).first?.path, "/bin/echo",
            "the oldest group is finished when the limit is reached")
    }

    func testRecordsCutShortAreErrorsNeverCrashes() throws {
        let records = try Self.fixture("scenarios.txt")
        let group = records.filter { $0.1.contains(":1079)") }
        for (index, record) in group.enumerated() where record.0 != AuditRecordType.eoe {
            for cut in stride(from: 0, to: record.1.utf8.count, by: 7) {
                let a = assembler()
                var copy = group
                copy[index].1 = String(decoding: Array(record.1.utf8.prefix(cut)), as: UTF8.self)
                let events = run(copy, a)
                let errors = a.takeErrors()
                // Either the cut was detected, or what remained still describes the exec.
                XCTAssertTrue(!errors.isEmpty || events.count <= 1, "cut \(cut) of type \(record.0)")
            }
        }
        let a = assembler()
        _ = a.consume(
            type: AuditRecordType.syscall,
            text:
                "audit(1795610746.023:2999): arch=c000003e syscall=59 success=yes exit=0 a0=7ffd26c4ca86 ppid=19288 pid=19376 comm=\"ec"
        )
        XCTAssertEqual(
            a.takeErrors().map(\.message),
            ["serial 2999 type 1300: unterminated quoted value of comm (record cut short?)"])
        _ = a.consume(type: AuditRecordType.syscall, text: "audit(17956107")
        XCTAssertEqual(a.takeErrors().map(\.message), ["type 1300: malformed header, expected \".\" at byte 14"])
        _ = a.consume(
            type: AuditRecordType.syscall,
            text: "audit(1795610746.023:3000): arch=c000003e syscall=59 success=yes exit=0 items=2 ppid=1 pid")
        XCTAssertEqual(
            a.takeErrors().map(\.message), ["serial 3000 type 1300: field \"pid\" has no value (record cut short?)"])
        // Whole fields but no ids: reported when the group completes.
        _ = a.consume(
            type: AuditRecordType.syscall,
            text: "audit(1795610746.023:3001): arch=c000003e syscall=59 success=yes exit=0 items=2 ppid=1 pid=5")
        _ = a.consume(type: AuditRecordType.execve, text: "audit(1795610746.023:3001): argc=2 a0=\"/bin/x\" a1=6869")
        _ = a.consume(type: AuditRecordType.eoe, text: "audit(1795610746.023:3001): ")
        XCTAssertEqual(a.takeErrors().map(\.message), ["serial 3001 type 1300: no uid field (record cut short?)"])
        _ = a.consume(
            type: AuditRecordType.syscall,
            text:
                "audit(1795610746.023:3002): arch=c000003e syscall=59 success=yes exit=0 items=2 ppid=1 pid=5 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 comm=\"x\""
        )
        _ = a.consume(type: AuditRecordType.execve, text: "audit(1795610746.023:3002): argc=2 a0=\"/bin/x\" a1=686")
        _ = a.consume(type: AuditRecordType.eoe, text: "audit(1795610746.023:3002): ")
        XCTAssertEqual(
            a.takeErrors().map(\.message), ["serial 3002: a1 has an odd number of hex digits (record cut short?)"])
        // Later groups are unaffected.
        let events = run(group, a)
        XCTAssertEqual(events.compactMap(\.execEvent).first?.path, "/bin/echo")
    }

    func testHexEncodedFieldsAndTimestampOffset() throws {
        var options = AuditEventAssembler.Options()
        options.wallMinusBootNs = 1_795_000_000_000_000_000
        let a = AuditEventAssembler(options: options)
        let lines: [(UInt16, String)] = [
            (
                1300,
                "audit(1795610746.250:7): arch=c000003e syscall=322 success=yes exit=0 a0=3 a1=0 a2=0 a3=0 items=1 ppid=10 pid=11 auid=1000 uid=5 gid=6 euid=5 suid=5 fsuid=5 egid=7 sgid=6 fsgid=7 tty=pts0 ses=3 comm=6D7920636F6D6D20746861742069732077617920746F6F206C6F6E67 exe=\"/opt/x\" key=\"rigwatch\""
            ),
            (1309, "audit(1795610746.250:7): argc=3 a0=2F6F70742F6D792078 a1=\"plain\" a2=\"\""),
            (
                1302,
                "audit(1795610746.250:7): item=0 name=2F6F70742F6D792078 inode=1 dev=fe:00 mode=0100755 nametype=NORMAL"
            ),
            (1320, "audit(1795610746.250:7): "),
        ]
        let e = try XCTUnwrap(run(lines, a).first?.execEvent)
        XCTAssertEqual(e.path, "/opt/my x")
        XCTAssertEqual(e.argv, ["/opt/my x", "plain", ""])
        XCTAssertEqual(e.header.comm.description, "my comm that is")
        XCTAssertEqual(e.header.timestampNs, 610_746_250_000_000)
        XCTAssertEqual(e.loginUid, 1000)
        XCTAssertEqual(e.flags, [.setgid])
    }

    func testCredOf32BitCallAndUnknownProcess() throws {
        let a = assembler()
        // setresuid32 on i386 by a process the assembler never saw: before is unknown, so reported as before = after.
        let events = run(
            [
                (
                    1300,
                    "audit(1795610746.250:8): arch=40000003 syscall=208 success=yes exit=0 a0=3e7 a1=ffffffff a2=3e7 a3=0 items=0 ppid=1 pid=50 auid=4294967295 uid=999 gid=0 euid=0 suid=999 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm=\"x32\" exe=\"/x32\" key=\"rigwatch\""
                ),
                (1320, "audit(1795610746.250:8): "),
                (
                    1300,
                    "audit(1795610746.251:9): arch=c000003e syscall=122 success=yes exit=0 a0=3e7 a1=0 a2=0 a3=0 items=0 ppid=1 pid=50 auid=4294967295 uid=999 gid=0 euid=0 suid=999 fsuid=999 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm=\"x32\" exe=\"/x32\" key=\"rigwatch\""
                ),
                (1320, "audit(1795610746.251:9): "),
            ], a)
        let creds = events.compactMap(\.credEvent)
        XCTAssertEqual(creds.count, 2)
        XCTAssertEqual(creds[0].syscall, .setresuid)
        XCTAssertEqual(creds[0].requested, [999, 0xffff_ffff, 999])
        XCTAssertEqual(creds[0].before, creds[0].after)
        XCTAssertEqual(creds[0].header.lineageUid, Self.user)
        XCTAssertEqual(creds[1].syscall, .setfsuid)
        XCTAssertEqual(creds[1].requested, [999, 0xffff_ffff, 0xffff_ffff])
        XCTAssertEqual(creds[1].before.fsuid, 0)
        XCTAssertEqual(creds[1].after.fsuid, 999)
    }

    func testPidReusedUnderAnotherParentDropsLineageAndSeedsCount() throws {
        let a = assembler()
        a.seed([
            ProcessSnapshot(pid: 100, ppid: 1, uid: 999, euid: 999),
            ProcessSnapshot(pid: 101, ppid: 100, uid: 0, euid: 0),
        ])
        XCTAssertEqual(a.lineage(of: 101), Self.user)
        func exec(_ serial: Int, pid: Int, ppid: Int) -> [(UInt16, String)] {
            [
                (
                    1300,
                    "audit(1795610746.250:\(serial)): arch=c000003e syscall=59 success=yes exit=0 a0=0 a1=0 a2=0 a3=0 items=1 ppid=\(ppid) pid=\(pid) auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"id\" exe=\"/usr/bin/id\" key=\"rigwatch\""
                ),
                (1309, "audit(1795610746.250:\(serial)): argc=1 a0=\"id\""),
                (1320, "audit(1795610746.250:\(serial)): "),
            ]
        }
        XCTAssertEqual(run(exec(1, pid: 101, ppid: 100), a).first?.execEvent?.header.lineageUid, Self.user)
        XCTAssertEqual(run(exec(2, pid: 101, ppid: 7), a).first?.execEvent?.header.lineageUid, noLineage)
        XCTAssertNil(a.lineage(of: 101))
        // fork carries lineage to a child that execs after its parent is gone (reparented).
        let fork: [(UInt16, String)] = [
            (
                1300,
                "audit(1795610746.250:3): arch=c000003e syscall=56 success=yes exit=300 a0=1200011 a1=0 a2=0 a3=0 items=0 ppid=1 pid=100 auid=0 uid=999 gid=0 euid=999 suid=999 fsuid=999 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"sh\" exe=\"/bin/sh\" key=\"rigwatch\""
            ),
            (1320, "audit(1795610746.250:3): "),
        ]
        let f = try XCTUnwrap(run(fork, a).first?.forkEvent)
        XCTAssertEqual(f.childPid, 300)
        XCTAssertEqual(f.header.lineageUid, Self.user)
        XCTAssertEqual(run(exec(4, pid: 300, ppid: 1), a).first?.execEvent?.header.lineageUid, Self.user)
    }
}

extension Event {
    var execEvent: ExecEvent? {
        if case .exec(let e) = self { return e }
        return nil
    }
    var credEvent: CredEvent? {
        if case .cred(let e) = self { return e }
        return nil
    }
    var forkEvent: ForkEvent? {
        if case .fork(let e) = self { return e }
        return nil
    }
}

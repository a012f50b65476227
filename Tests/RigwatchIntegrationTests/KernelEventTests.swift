// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchSources
import XCTest

/// The real BPF program in this kernel, driven by real processes of a real test user.
final class KernelEventTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    func testExecOfTestUserCarriesPathArgvIdsAndLineage() throws {
        let user = try TestUser.create(self, suffix: "exec")
        let sensor = try SensorHarness(watching: [user.uid])
        let args = ["with space", "it's \"quoted\"", "ünïcødé ✓ 日本", "", "--flag=$HOME;`x`"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = user.asUser(["/bin/echo"] + args)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let pid = UInt32(process.processIdentifier)

        let exec = try sensor.waitFor { $0.exec.flatMap { $0.header.tgid == pid && $0.path == "/bin/echo" ? $0 : nil } }
        let e = try XCTUnwrap(exec, "no exec event for /bin/echo (pid \(pid))")
        XCTAssertEqual(e.argv, ["/bin/echo"] + args)
        XCTAssertEqual(e.argc, UInt32(args.count + 1))
        XCTAssertEqual(e.header.uid, user.uid)
        XCTAssertEqual(e.header.euid, user.uid)
        XCTAssertEqual(e.header.gid, user.gid)
        XCTAssertEqual(e.header.egid, user.gid)
        XCTAssertEqual(e.header.lineageUid, user.uid)
        XCTAssertEqual(e.header.ppid, UInt32(getpid()))
        XCTAssertEqual(e.header.comm.description, "echo")
        XCTAssertEqual(e.flags, [])
        XCTAssertNotEqual(e.header.cgroupId, 0)

        // The setpriv exec before it ran as root, outside any watched lineage.
        let setpriv = try sensor.waitFor {
            $0.exec.flatMap { $0.header.tgid == pid && $0.path == "/usr/bin/setpriv" ? $0 : nil }
        }
        XCTAssertEqual(setpriv?.header.uid, 0)
        XCTAssertEqual(setpriv?.header.lineageUid, noLineage)

        let exit = try sensor.waitFor { $0.exit.flatMap { $0.header.tgid == pid ? $0 : nil } }
        XCTAssertEqual(exit?.exitCode, 0)
        XCTAssertEqual(exit?.signal, 0)
        XCTAssertEqual(exit?.header.lineageUid, user.uid)
        XCTAssertEqual(sensor.malformed, [])
    }

    func testLongArgvIsTruncatedAndFlagged() throws {
        let sensor = try SensorHarness(watching: [])
        let long = String(repeating: "x", count: 3000)
        try sh("/bin/true \(long) \(long)")
        let e = try XCTUnwrap(
            try sensor.waitFor { $0.exec.flatMap { $0.path == "/bin/true" && $0.argc == 3 ? $0 : nil } })
        XCTAssertTrue(e.flags.contains(.argsTruncated))
        XCTAssertEqual(e.args.count, KernelABI.argsMax)
        XCTAssertEqual(e.argv.count, 3)
        XCTAssertEqual(e.argv[1], long)
        XCTAssertEqual(e.argv[2], String(repeating: "x", count: KernelABI.argsMax - "/bin/true".utf8.count - 1 - 3001))
    }

    func testSetresuidHelperProducesCredentialEvent() throws {
        let user = try TestUser.create(self, suffix: "cred")
        let helper = try buildHelper("setresuid_helper")
        let sensor = try SensorHarness(watching: [user.uid])

        // Root drops to the test user: a change, and the start of a watched lineage.
        let drop = Process()
        drop.executableURL = URL(fileURLWithPath: helper)
        drop.arguments = ["\(user.uid)", "\(user.uid)", "\(user.uid)"]
        try drop.run()
        drop.waitUntilExit()
        XCTAssertEqual(drop.terminationStatus, 0)
        let dropPid = UInt32(drop.processIdentifier)
        let c = try XCTUnwrap(try sensor.waitFor { $0.cred.flatMap { $0.header.tgid == dropPid ? $0 : nil } })
        XCTAssertEqual(c.syscall, .setresuid)
        XCTAssertEqual(c.result, 0)
        XCTAssertEqual(c.requested, [user.uid, user.uid, user.uid])
        XCTAssertEqual(c.before, CredIds(uid: 0, euid: 0, suid: 0, fsuid: 0, gid: 0, egid: 0, sgid: 0, fsgid: 0))
        XCTAssertEqual(
            c.after,
            CredIds(uid: user.uid, euid: user.uid, suid: user.uid, fsuid: user.uid, gid: 0, egid: 0, sgid: 0, fsgid: 0))
        XCTAssertEqual(c.header.uid, user.uid)
        XCTAssertEqual(c.header.lineageUid, user.uid)

        // The test user tries to become root: refused, and reported because it failed.
        let escalate = Process()
        escalate.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        escalate.arguments = user.asUser([helper, "0", "0", "0"])
        try escalate.run()
        escalate.waitUntilExit()
        XCTAssertEqual(escalate.terminationStatus, EPERM)
        let escPid = UInt32(escalate.processIdentifier)
        let f = try XCTUnwrap(
            try sensor.waitFor {
                $0.cred.flatMap { $0.header.tgid == escPid && $0.syscall == .setresuid && $0.result != 0 ? $0 : nil }
            })
        XCTAssertEqual(f.result, -EPERM)
        XCTAssertEqual(f.requested, [0, 0, 0])
        XCTAssertEqual(f.before, f.after)
        XCTAssertEqual(f.after.uid, user.uid)
        XCTAssertEqual(f.header.lineageUid, user.uid)
    }

    func testSudoChildCarriesTestUserLineage() throws {
        let user = try TestUser.create(self, suffix: "sudo")
        try installSudoers(self, name: "rwtest-sudo", content: "\(user.name) ALL=(root) NOPASSWD: /usr/bin/id\n")
        let sensor = try SensorHarness(watching: [user.uid])
        let r = try runCommand("/usr/bin/setpriv", user.asUser(["/usr/bin/sudo", "-n", "/usr/bin/id", "-u"]))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "0")

        let sudo = try XCTUnwrap(
            try sensor.waitFor {
                $0.exec.flatMap { $0.path == "/usr/bin/sudo" && $0.header.uid == user.uid ? $0 : nil }
            })
        XCTAssertEqual(sudo.header.euid, 0)
        XCTAssertTrue(sudo.flags.contains(.setuid))
        XCTAssertEqual(sudo.header.lineageUid, user.uid)

        let id = try XCTUnwrap(try sensor.waitFor { $0.exec.flatMap { $0.path == "/usr/bin/id" ? $0 : nil } })
        XCTAssertEqual(id.argv, ["/usr/bin/id", "-u"])
        XCTAssertEqual(id.header.uid, 0)
        XCTAssertEqual(id.header.euid, 0)
        XCTAssertEqual(id.header.lineageUid, user.uid)
        XCTAssertEqual(
            sensor.source.lineage(of: id.header.tgid), nil, "lineage entry must be removed when the process exits")
    }

    func testProcessesStartedBeforeTheSensorAreSeeded() throws {
        let user = try TestUser.create(self, suffix: "seed")
        try installSudoers(self, name: "rwtest-seed", content: "\(user.name) ALL=(root) NOPASSWD: /bin/sh\n")
        // A root shell below the test user's sudo, started before the sensor loads.
        let marker = "/tmp/rwtest-seed-go-\(getpid())"
        unlink(marker)
        addTeardownBlock { unlink(marker) }
        let early = Process()
        early.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        early.arguments = user.asUser([
            "/usr/bin/sudo", "-n", "/bin/sh", "-c",
            "while [ ! -e \(marker) ]; do /bin/sleep 0.05; done; /usr/bin/id -u",
        ])
        early.standardOutput = FileHandle.nullDevice
        try early.run()
        addTeardownBlock { if early.isRunning { early.terminate() } }
        // Wait until the root shell runs.
        var shellPid: UInt32?
        for _ in 0..<100 where shellPid == nil {
            usleep(50_000)
            shellPid =
                ProcScan.snapshot().first {
                    $0.uid == 0 && $0.ppid != 0 && isDescendant($0.pid, of: UInt32(early.processIdentifier))
                        && comm(of: $0.pid) == "sh"
                }?.pid
        }
        let shell = try XCTUnwrap(shellPid, "root shell under sudo did not start")

        let sensor = try SensorHarness(watching: [user.uid])
        XCTAssertEqual(sensor.source.lineage(of: shell), user.uid, "the running root shell was not seeded from /proc")
        _ = FileManager.default.createFile(atPath: marker, contents: nil)
        early.waitUntilExit()
        XCTAssertEqual(early.terminationStatus, 0)

        let id = try XCTUnwrap(
            try sensor.waitFor { $0.exec.flatMap { $0.path == "/usr/bin/id" && $0.header.ppid == shell ? $0 : nil } })
        XCTAssertEqual(id.header.uid, 0)
        XCTAssertEqual(id.header.lineageUid, user.uid)
    }

    func testFullRingBufferCountsDrops() throws {
        let sensor = try SensorHarness(watching: [], ringBufferBytes: 4096)
        // Nothing polls while 200 execs run, so the 4 KiB buffer must overflow.
        try sh("i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done")
        XCTAssertGreaterThan(sensor.source.drops(), 0)
        try sensor.drain()
        XCTAssertGreaterThan(sensor.events.count, 0)
        XCTAssertLessThan(sensor.events.filter { $0.exec?.path == "/bin/true" }.count, 200)
    }
}

private func comm(of pid: UInt32) -> String? {
    (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
}

private func isDescendant(_ pid: UInt32, of ancestor: UInt32) -> Bool {
    let parents = Dictionary(ProcScan.snapshot().map { ($0.pid, $0.ppid) }, uniquingKeysWith: { a, _ in a })
    var current = pid
    for _ in 0..<64 {
        guard let parent = parents[current], parent != 0 else { return false }
        if parent == ancestor { return true }
        current = parent
    }
    return false
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchSources
import XCTest

/// The audit source in the test process, collecting events as they are polled.
final class AuditHarness {
    let source: AuditSource
    private(set) var events: [Event] = []

    init(watching uids: [UInt32]) throws {
        var options = AuditSource.Options()
        options.watchedUids = uids
        source = try AuditSource(options: options)
        // weak: closing in deinit flushes pending groups through this handler.
        try source.start { [weak self] in self?.events.append($0) }
    }

    deinit { source.close() }

    func waitFor<T>(timeout: TimeInterval = 5, _ match: (Event) -> T?) throws -> T? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            try source.poll(timeoutMs: 50)
            for event in events { if let found = match(event) { return found } }
        } while Date() < deadline
        return nil
    }
}

/// The BPF scenarios of KernelEventTests through the kernel audit subsystem.
final class AuditSourceTests: XCTestCase {
    static let trickyArgs = ["with space", "it's \"quoted\"", "ünïcødé ✓ 日本", "", "--flag=$HOME;`x`"]

    override func setUpWithError() throws {
        try requireRoot()
        let before = try auditStatus()
        // Whatever happens, no rigwatch rule and no stale audit pid stay behind.
        addTeardownBlock {
            _ = try? runCommand("/usr/sbin/auditctl", ["-D", "-k", "rigwatch"])
            if let e = before["enabled"] { _ = try? runCommand("/usr/sbin/auditctl", ["-e", e]) }
        }
    }

    func runAsUser(_ user: TestUser, _ command: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        p.arguments = user.asUser(command)
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p
    }

    func testExecOfTestUserThroughAudit() throws {
        let user = try TestUser.create(self, suffix: "aexec")
        let sensor = try AuditHarness(watching: [user.uid])
        XCTAssertEqual(sensor.source.mode, .owner)
        let p = try runAsUser(user, ["/bin/echo"] + Self.trickyArgs)
        XCTAssertEqual(p.terminationStatus, 0)
        let pid = UInt32(p.processIdentifier)
        let e = try XCTUnwrap(
            try sensor.waitFor { $0.exec.flatMap { $0.header.tgid == pid && $0.path == "/bin/echo" ? $0 : nil } },
            "no exec event for /bin/echo (pid \(pid))")
        XCTAssertEqual(e.argv, ["/bin/echo"] + Self.trickyArgs)
        XCTAssertEqual(e.argc, UInt32(Self.trickyArgs.count + 1))
        XCTAssertEqual([e.header.uid, e.header.euid], [user.uid, user.uid])
        XCTAssertEqual([e.header.gid, e.header.egid], [user.gid, user.gid])
        XCTAssertEqual(e.header.lineageUid, user.uid)
        XCTAssertEqual(e.header.ppid, UInt32(getpid()))
        XCTAssertEqual(e.header.comm.description, "echo")
        XCTAssertEqual(e.flags, [])
        let setpriv = try sensor.waitFor {
            $0.exec.flatMap { $0.header.tgid == pid && $0.path == "/usr/bin/setpriv" ? $0 : nil }
        }
        XCTAssertEqual(setpriv?.header.uid, 0)
        XCTAssertEqual(setpriv?.header.lineageUid, noLineage)
        XCTAssertEqual(sensor.source.assembler.takeErrors(), [])
    }

    func testSetresuidHelperThroughAudit() throws {
        let user = try TestUser.create(self, suffix: "acred")
        let helper = try buildHelper("setresuid_helper")
        let sensor = try AuditHarness(watching: [user.uid])
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
        XCTAssertEqual(c.header.lineageUid, user.uid)

        let escalate = try runAsUser(user, [helper, "0", "0", "0"])
        XCTAssertEqual(escalate.terminationStatus, EPERM)
        let escPid = UInt32(escalate.processIdentifier)
        let f = try XCTUnwrap(
            try sensor.waitFor { $0.cred.flatMap { $0.header.tgid == escPid && $0.result != 0 ? $0 : nil } })
        XCTAssertEqual(f.syscall, .setresuid)
        XCTAssertEqual(f.result, -EPERM)
        XCTAssertEqual(f.requested, [0, 0, 0])
        XCTAssertEqual(f.before, f.after)
        XCTAssertEqual(f.after.uid, user.uid)
        XCTAssertEqual(f.header.lineageUid, user.uid)
    }

    func testSudoChainThroughAuditCarriesLineage() throws {
        let user = try TestUser.create(self, suffix: "asudo")
        try installSudoers(self, name: "rwtest-asudo", content: "\(user.name) ALL=(root) NOPASSWD: /usr/bin/id\n")
        let sensor = try AuditHarness(watching: [user.uid])
        let r = try runCommand("/usr/bin/setpriv", user.asUser(["/usr/bin/sudo", "-n", "/usr/bin/id", "-u"]))
        XCTAssertEqual(r.status, 0, r.stderr)
        let sudo = try XCTUnwrap(
            try sensor.waitFor {
                $0.exec.flatMap { $0.path == "/usr/bin/sudo" && $0.header.uid == user.uid ? $0 : nil }
            })
        XCTAssertEqual(sudo.header.euid, 0)
        XCTAssertTrue(sudo.flags.contains(.setuid))
        XCTAssertEqual(sudo.header.lineageUid, user.uid)
        let id = try XCTUnwrap(
            try sensor.waitFor {
                $0.exec.flatMap { $0.path == "/usr/bin/id" && $0.header.lineageUid == user.uid ? $0 : nil }
            })
        XCTAssertEqual(id.argv, ["/usr/bin/id", "-u"])
        XCTAssertEqual([id.header.uid, id.header.euid], [0, 0])
    }

    /// One scenario once per source: the exec and cred streams agree after normalisation.
    func testAuditAndBPFGiveTheSameExecAndCredEvents() throws {
        let user = try TestUser.create(self, suffix: "apar")
        let helper = try buildHelper("setresuid_helper")
        func scenario(_ poll: (UInt32) throws -> [Event]) throws -> [String] {
            let p = try runAsUser(user, ["/bin/echo"] + Self.trickyArgs)
            let q = try runAsUser(user, [helper, "0", "0", "0"])
            let pids: Set<UInt32> = [UInt32(p.processIdentifier), UInt32(q.processIdentifier)]
            return try poll(UInt32(q.processIdentifier)).filter { pids.contains($0.header.tgid) }.compactMap(
                Self.normalised)
        }
        let audit = try AuditHarness(watching: [user.uid])
        let viaAudit = try scenario { last in
            _ = try audit.waitFor { $0.cred.flatMap { $0.header.tgid == last ? $0 : nil } }
            return audit.events
        }
        audit.source.close()
        let bpf = try SensorHarness(watching: [user.uid])
        let viaBPF = try scenario { last in
            _ = try bpf.waitFor { $0.cred.flatMap { $0.header.tgid == last ? $0 : nil } }
            return bpf.events
        }
        XCTAssertFalse(viaBPF.isEmpty)
        XCTAssertEqual(viaAudit, viaBPF)
    }

    /// What both sources know: no times, pids, cgroups, old pid or login uid.
    static func normalised(_ e: Event) -> String? {
        switch e {
        case .exec(let x):
            let h = x.header
            return
                "exec \(x.path) \(x.argv) argc=\(x.argc) ids=\([h.uid, h.euid, h.gid, h.egid]) lineage=\(h.lineageUid) flags=\(x.flags.rawValue) comm=\(h.comm)"
        case .cred(let c):
            return
                "cred \(c.syscall) \(c.result) \(c.requested) \(c.before.values) \(c.after.values) lineage=\(c.header.lineageUid) comm=\(c.header.comm)"
        default:
            return nil
        }
    }

    /// With auditd as the audit pid: rigwatch listens on the multicast group, auditd
    /// keeps logging, and its rules survive rigwatch's exit.
    func testCoexistsWithAuditd() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/auditd") else {
            throw SetupError("auditd is not installed (Debian package auditd)")
        }
        let status = try auditStatus()
        XCTAssertEqual(status["pid"], "0", "another audit daemon already runs")
        let auditd = Process()
        auditd.executableURL = URL(fileURLWithPath: "/usr/sbin/auditd")
        auditd.arguments = ["-n", "-s", "nochange"]
        auditd.standardOutput = FileHandle.nullDevice
        auditd.standardError = FileHandle.nullDevice
        try auditd.run()
        addTeardownBlock {
            if auditd.isRunning {
                auditd.terminate()
                auditd.waitUntilExit()
            }
            _ = try? runCommand("/usr/sbin/auditctl", ["-D", "-k", "rwtest-auditd"])
        }
        var owned = false
        for _ in 0..<100 where !owned {
            usleep(50_000)
            owned = (try? auditStatus())?["pid"] == String(auditd.processIdentifier)
        }
        XCTAssertTrue(owned, "auditd did not become the audit pid")
        try sh("/usr/sbin/auditctl -e 1 && /usr/sbin/auditctl -a always,exit -F arch=b64 -S chmod -k rwtest-auditd")
        let rulesBefore = try sh("/usr/sbin/auditctl -l")

        let user = try TestUser.create(self, suffix: "aaud")
        let marker = "rwtest-marker-\(getpid())"
        do {
            let sensor = try AuditHarness(watching: [user.uid])
            XCTAssertEqual(sensor.source.mode, .listener(daemonPid: UInt32(auditd.processIdentifier)))
            let p = try runAsUser(user, ["/bin/echo", marker])
            let pid = UInt32(p.processIdentifier)
            let e = try sensor.waitFor {
                $0.exec.flatMap { $0.header.tgid == pid && $0.path == "/bin/echo" ? $0 : nil }
            }
            XCTAssertEqual(e?.argv, ["/bin/echo", marker])
            XCTAssertEqual(e?.header.lineageUid, user.uid)
            XCTAssertEqual(
                (try auditStatus())["pid"], String(auditd.processIdentifier), "rigwatch must not take the audit pid")
        }
        XCTAssertEqual(try sh("/usr/sbin/auditctl -l"), rulesBefore, "auditd's rules must be untouched")
        XCTAssertFalse(try sh("/usr/sbin/auditctl -l").contains("rigwatch"))
        // auditd logged the exec too (its log is written asynchronously).
        let hex = marker.utf8.map { String(format: "%02X", $0) }.joined()
        var logged = false
        for _ in 0..<50 where !logged {
            let log = (try? String(contentsOfFile: "/var/log/audit/audit.log", encoding: .utf8)) ?? ""
            logged = log.contains(marker) || log.contains(hex)
            if !logged { usleep(100_000) }
        }
        XCTAssertTrue(logged, "auditd did not log the exec")
    }

    func testOwnerModeRestoresAuditState() throws {
        let before = try auditStatus()
        XCTAssertEqual(before["pid"], "0")
        try sh("/usr/sbin/auditctl -a always,exit -F arch=b64 -S chmod -k rwtest-owner")
        addTeardownBlock { _ = try? runCommand("/usr/sbin/auditctl", ["-D", "-k", "rwtest-owner"]) }
        do {
            let sensor = try AuditHarness(watching: [])
            XCTAssertEqual(sensor.source.mode, .owner)
            XCTAssertEqual((try auditStatus())["pid"], String(getpid()))
            XCTAssertTrue(try sh("/usr/sbin/auditctl -l").contains("key=rigwatch"))
            sensor.source.close()
        }
        let after = try auditStatus()
        XCTAssertEqual(after["pid"], "0")
        XCTAssertEqual(after["enabled"], before["enabled"])
        XCTAssertEqual(after["backlog_limit"], before["backlog_limit"])
        let rules = try sh("/usr/sbin/auditctl -l")
        XCTAssertFalse(rules.contains("rigwatch"))
        XCTAssertTrue(rules.contains("rwtest-owner"))
    }
}

/// `auditctl -s` as a dictionary.
func auditStatus() throws -> [String: String] {
    let r = try runCommand("/usr/sbin/auditctl", ["-s"])
    var out: [String: String] = [:]
    for line in r.stdout.split(separator: "\n") {
        let parts = line.split(separator: " ", maxSplits: 1)
        if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
    }
    return out
}

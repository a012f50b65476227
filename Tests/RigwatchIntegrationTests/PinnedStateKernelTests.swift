// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// Kernel state that outlives the sensor, on the real kernel: a watched user who may
/// `sudo kill` stops or kills `rigwatch run`, acts while it is down, and the next
/// start reads all of it, in order, once, with the tamper alert naming the sender.
/// Every test pins into a directory of its own (`--pin-dir /sys/fs/bpf/rwtest-pin-…`).
final class PinnedStateKernelTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    private struct Setup {
        let user: TestUser
        let dir: String
        let config: String
        let pins: String
        var alertLog: String { (config as NSString).deletingLastPathComponent + "/alerts.jsonl" }

        /// Prevention off: where BPF-LSM runs it would refuse the watched user's kill
        /// (TamperPreventionKernelTests); these tests are about what happens after one.
        func arguments(_ extra: [String] = []) -> [String] {
            ["run", "--config", config, "--events", "all", "--pin-dir", pins, "--bpf-hook", "tamper-prevent=off"]
                + extra
        }
    }

    /// A watched user allowed `sudo kill *` (what the issue measured), a watched
    /// directory and an unwatched one it owns, a configuration and a pin directory
    /// of the test's own.
    private func setUp(_ suffix: String) throws -> Setup {
        let user = try TestUser.create(self, suffix: suffix)
        try installSudoers(self, name: "rwtest\(suffix)", content: "\(user.name) ALL=(root) NOPASSWD: /bin/kill *\n")
        let dir = "/tmp/rwtest-\(suffix)-\(UUID().uuidString.prefix(8))"
        for sub in ["watched", "own"] {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true)
            chown("\(dir)/\(sub)", user.uid, user.gid)
        }
        chmod(dir, 0o755)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let config = try scratchConfig(
            self,
            body: """
                watch_users: [\(user.name)]
                files:
                  paths: [\(dir)/watched]
                """)
        return Setup(user: user, dir: dir, config: config, pins: testPinDirectory(self))
    }

    private func asUser(_ user: TestUser, _ script: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try runCommand("/usr/bin/setpriv", user.asUser(["/bin/sh", "-c", script]))
        XCTAssertEqual(r.status, 0, "\(script): \(r.stderr)", file: file, line: line)
    }

    /// The marker of `/bin/true MARKER` exec events, in output order.
    private func markers(_ out: SensorOutput, prefix: String) -> [String] {
        out.events("exec").compactMap { e in
            guard let argv = e["argv"] as? [String], argv.count == 2, argv[0] == "/bin/true", argv[1].hasPrefix(prefix)
            else { return nil }
            return argv[1]
        }
    }

    private func index(in out: SensorOutput, _ match: ([String: Any]) -> Bool) -> Int? {
        out.events.firstIndex(where: match)
    }

    private func signalEvent(_ name: String, target: Int32) -> ([String: Any]) -> Bool {
        {
            $0["type"] as? String == "tamper" && $0["signal"] as? String == name
                && ($0["target_pid"] as? NSNumber)?.int32Value == target
        }
    }

    private func alertLogLines(_ path: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    // MARK: Killed, then restarted

    /// `sudo kill -9` by the watched user, an exec and a file write while the sensor
    /// is down, a restart: the restarted sensor reports the kill (naming who sent it),
    /// then the downtime, then its own events, each exactly once.
    func testEventsWhileKilledArriveAfterRestartInOrderOnceWithTheKillNamed() throws {
        let s = try setUp("pink")
        let first = try SensorProcess(s.arguments())
        let firstPid = first.process.processIdentifier
        try asUser(s.user, "for i in 1 2 3; do /bin/true rwtest-seq-$i; done")
        Thread.sleep(forTimeInterval: TestTime.scaled(1))
        try asUser(s.user, "sudo -n /bin/kill -9 \(firstPid)")
        first.process.waitUntilExit()
        let out1 = SensorOutput(first.stop(0))
        XCTAssertEqual(first.process.terminationReason, .uncaughtSignal)

        // Down: the kernel goes on recording into the pinned ring buffer.
        try asUser(s.user, "for i in 4 5 6; do /bin/true rwtest-seq-$i; done; echo job > \(s.dir)/watched/rwtest-down")
        // The dead sensor's threads left self_tids as they exited: a reused pid is not the sensor.
        let tids = try runCommand("/usr/sbin/bpftool", ["-j", "map", "dump", "pinned", "\(s.pins)/self_tids"])
        XCTAssertEqual(tids.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "[]", tids.stderr)

        let second = try SensorProcess(s.arguments())
        XCTAssertTrue(second.stderrText.contains("adopted the pinned BPF state at \(s.pins)"), second.stderrText)
        try asUser(s.user, "for i in 7 8 9; do /bin/true rwtest-seq-$i; done")
        Thread.sleep(forTimeInterval: TestTime.scaled(1))
        let out2 = SensorOutput(second.stop())
        XCTAssertEqual(second.status, 0, second.stderrText)

        // Every exec once, across both sensors; the downtime's in the second, in order.
        let all = markers(out1, prefix: "rwtest-seq-") + markers(out2, prefix: "rwtest-seq-")
        XCTAssertEqual(all, (1...9).map { "rwtest-seq-\($0)" }, "first: \(markers(out1, prefix: "rwtest-seq-"))")
        XCTAssertEqual(Array(markers(out2, prefix: "rwtest-seq-").prefix(3)), (4...6).map { "rwtest-seq-\($0)" })

        // The kill comes first, then the downtime exec, then the write, then the new events.
        let kill = try XCTUnwrap(index(in: out2, signalEvent("SIGKILL", target: firstPid)), "\(out2.events("tamper"))")
        let tamper = out2.events[kill]
        XCTAssertEqual(tamper["comm"] as? String, "kill")
        XCTAssertEqual((tamper["uid"] as? NSNumber)?.uint32Value, 0)
        XCTAssertEqual((tamper["lineage_uid"] as? NSNumber)?.uint32Value, s.user.uid)
        let sender = try XCTUnwrap((tamper["pid"] as? NSNumber)?.int32Value)
        let exec4 = try XCTUnwrap(index(in: out2) { ($0["argv"] as? [String])?.last == "rwtest-seq-4" })
        let write = try XCTUnwrap(
            index(in: out2) {
                $0["type"] as? String == "file_change" && $0["path"] as? String == "\(s.dir)/watched/rwtest-down"
            })
        let exec7 = try XCTUnwrap(index(in: out2) { ($0["argv"] as? [String])?.last == "rwtest-seq-7" })
        XCTAssertLessThan(kill, exec4)
        XCTAssertLessThan(exec4, write)
        XCTAssertLessThan(write, exec7)
        XCTAssertEqual(out2.events.filter(signalEvent("SIGKILL", target: firstPid)).count, 1)
        // The kill's own exec, in whichever sensor read it: `kill -9 <sensor>`, by that pid.
        let killExecs = (out1.events("exec") + out2.events("exec")).filter {
            ($0["pid"] as? NSNumber)?.int32Value == sender && $0["filename"] as? String == "/bin/kill"
        }
        XCTAssertEqual(killExecs.count, 1)
        XCTAssertEqual(killExecs.first?["argv"] as? [String], ["/bin/kill", "-9", String(firstPid)])

        // The alert, in the output and in the alert log: who sent SIGKILL, from which lineage.
        let alerts = out2.alerts(rule: "sensor-tamper").filter { jsonText($0).contains("SIGKILL") }
        XCTAssertEqual(alerts.count, 1, "\(out2.alerts.map(jsonText))")
        let evidence = alerts.first?["evidence"] as? [String: Any]
        XCTAssertEqual(evidence?["pid"] as? String, String(sender))
        XCTAssertEqual(evidence?["target_pid"] as? String, String(firstPid))
        XCTAssertTrue((evidence?["lineage"] as? String)?.contains(s.user.name) == true, "\(evidence ?? [:])")
        XCTAssertTrue((alerts.first?["title"] as? String)?.contains("SIGKILL sent to the sensor") == true)
        XCTAssertEqual(out2.alerts(rule: "file-change").filter { jsonText($0).contains("rwtest-down") }.count, 1)
        let logged = alertLogLines(s.alertLog)
        XCTAssertEqual(
            logged.filter { $0["rule"] as? String == "sensor-tamper" && jsonText($0).contains("SIGKILL") }.count, 1,
            "\(logged.map(jsonText))")
    }

    /// `-STOP`, a crontab-like drop, `-KILL` (what blinded the sensor before): after
    /// the restart, alerts for the stop, the drop and the kill, in that order.
    func testStopThenFileDropThenKillAllAlertAfterRestart() throws {
        let s = try setUp("pins")
        let first = try SensorProcess(s.arguments())
        let firstPid = first.process.processIdentifier
        try asUser(s.user, "sudo -n /bin/kill -STOP \(firstPid)")
        Thread.sleep(forTimeInterval: TestTime.scaled(0.5))
        try asUser(s.user, "echo '* * * * * root /bin/sh /tmp/x' > \(s.dir)/watched/rwtest-cron")
        try asUser(s.user, "sudo -n /bin/kill -KILL \(firstPid)")
        first.process.waitUntilExit()
        let out1 = SensorOutput(first.stop(0))

        let second = try SensorProcess(s.arguments())
        Thread.sleep(forTimeInterval: TestTime.scaled(1))
        let out2 = SensorOutput(second.stop())
        XCTAssertEqual(second.status, 0, second.stderrText)

        // A frozen sensor reads nothing: all of it arrives after the restart.
        XCTAssertFalse(
            out1.alerts.contains { ["SIGSTOP", "SIGKILL", "rwtest-cron"].contains(where: jsonText($0).contains) })
        let stop = out2.alerts.firstIndex {
            $0["rule"] as? String == "sensor-tamper" && jsonText($0).contains("SIGSTOP")
        }
        let drop = out2.alerts.firstIndex {
            $0["rule"] as? String == "file-change" && jsonText($0).contains("rwtest-cron")
        }
        let kill = out2.alerts.firstIndex {
            $0["rule"] as? String == "sensor-tamper" && jsonText($0).contains("SIGKILL")
        }
        let found = [stop, drop, kill].compactMap { $0 }
        XCTAssertEqual(found.count, 3, "\(out2.alerts.map(jsonText))")
        XCTAssertEqual(found, found.sorted(), "stop, drop, kill: \(out2.alerts.map(jsonText))")
        XCTAssertEqual(
            out2.alerts(rule: "sensor-tamper").filter { jsonText($0).contains("SIGSTOP") }.first?["severity"]
                as? String, "high")
        let logged = alertLogLines(s.alertLog).map(jsonText)
        for what in ["SIGSTOP", "SIGKILL", "rwtest-cron"] {
            XCTAssertEqual(logged.filter { $0.contains(what) }.count, 1, "\(what) in \(logged)")
        }
    }

    // MARK: Handover

    /// A restart with other settings (another argv capture) loads other programs: they
    /// take over from the pinned ones while a watched user execs as fast as it can,
    /// across the stop, the downtime and the handover. Every exec is reported once.
    func testHandoverToOtherProgramsLosesAndDoublesNothing() throws {
        let s = try setUp("pinh")
        let stopFile = "\(s.dir)/stop"
        let countFile = "\(s.dir)/own/count"
        let first = try SensorProcess(s.arguments())
        let loop = Process()
        loop.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        loop.arguments = s.user.asUser([
            "/bin/sh", "-c",
            "i=0; while [ ! -e \(stopFile) ]; do /bin/true rwtest-h-$i; i=$((i+1)); done; echo $i > \(countFile)",
        ])
        try loop.run()
        addTeardownBlock {
            _ = FileManager.default.createFile(atPath: stopFile, contents: nil)
            loop.waitUntilExit()
        }
        Thread.sleep(forTimeInterval: TestTime.scaled(1))
        let out1 = SensorOutput(first.stop())
        XCTAssertEqual(first.status, 0, first.stderrText)
        XCTAssertTrue(first.stderrText.contains("stays pinned at \(s.pins)"), first.stderrText)
        Thread.sleep(forTimeInterval: TestTime.scaled(0.5))

        let second = try SensorProcess(s.arguments(["--args-cap", "2048"]))
        XCTAssertTrue(second.stderrText.contains("handed over from generation 1 to 2"), second.stderrText)
        Thread.sleep(forTimeInterval: TestTime.scaled(1))
        _ = FileManager.default.createFile(atPath: stopFile, contents: nil)
        loop.waitUntilExit()
        let count = try XCTUnwrap(
            Int(
                (try String(contentsOfFile: countFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)
            ))
        Thread.sleep(forTimeInterval: TestTime.scaled(1))
        let out2 = SensorOutput(second.stop())
        XCTAssertEqual(second.status, 0, second.stderrText)

        let seen = markers(out1, prefix: "rwtest-h-") + markers(out2, prefix: "rwtest-h-")
        var times: [String: Int] = [:]
        for marker in seen { times[marker, default: 0] += 1 }
        let missing = (0..<count).filter { times["rwtest-h-\($0)"] == nil }
        let doubled = times.filter { $0.value > 1 }.keys.sorted()
        XCTAssertGreaterThan(count, 100, "the loop must run across the handover")
        XCTAssertEqual(missing, [], "of \(count) execs")
        XCTAssertEqual(doubled, [], "of \(count) execs")
        XCTAssertEqual(seen.count, count)
        XCTAssertEqual(out1.events("drops").count + out2.events("drops").count, 0)
    }

    // MARK: Incompatible sets, unpinning

    /// A set this build cannot read (a pin_state of another layout; another event ABI
    /// version) is replaced with a line saying so, and the sensor works.
    func testIncompatiblePinnedSetsAreReplacedWithALogLine() throws {
        let s = try setUp("pinx")
        try FileManager.default.createDirectory(atPath: s.pins, withIntermediateDirectories: false)
        _ = try sh(
            "/usr/sbin/bpftool map create \(s.pins)/pin_state type array key 4 value 8 entries 1 name pin_state")
        let first = try SensorProcess(s.arguments())
        XCTAssertTrue(
            first.stderrText.contains("replaced the pinned BPF state at \(s.pins): its pin_state is not this build's"),
            first.stderrText)
        try asUser(s.user, "/bin/true rwtest-x-1")
        Thread.sleep(forTimeInterval: TestTime.scaled(1))
        let out1 = SensorOutput(first.stop())
        XCTAssertEqual(markers(out1, prefix: "rwtest-x-"), ["rwtest-x-1"])

        // The set it left, marked as pinned by event ABI version 2.
        let value = (["2", "0", "0", "0"] + Array(repeating: "0", count: 44)).joined(separator: " ")
        _ = try sh("/usr/sbin/bpftool map update pinned \(s.pins)/pin_state key 0 0 0 0 value \(value)")
        let second = try SensorProcess(s.arguments())
        XCTAssertTrue(
            second.stderrText.contains("it was pinned by event ABI version 2, this build's is \(KernelABI.version)"),
            second.stderrText)
        XCTAssertTrue(second.stderrText.contains("BPF state pinned at \(s.pins) (generation 1)"), second.stderrText)
        try asUser(s.user, "/bin/true rwtest-x-2")
        Thread.sleep(forTimeInterval: TestTime.scaled(1))
        let out2 = SensorOutput(second.stop())
        XCTAssertEqual(markers(out2, prefix: "rwtest-x-"), ["rwtest-x-2"])
    }

    /// The pinned set stays after a service-manager-style stop; `rigwatch unpin`
    /// refuses while a sensor runs on it and removes it all once none does; so does a
    /// clean stop with `--unpin-on-exit`. Nothing stays attached after either.
    func testUnpinAndUnpinOnExitRemoveThePinDirectoryEntirely() throws {
        let s = try setUp("pinu")
        // The ids of the links pinned there, and whether any of them still exists.
        func pinnedLinks() throws -> [String] {
            let dir = "\(s.pins)/links-1"
            return try FileManager.default.contentsOfDirectory(atPath: dir).map { name in
                let r = try runCommand("/usr/sbin/bpftool", ["-j", "link", "show", "pinned", "\(dir)/\(name)"])
                let o = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
                return ((o?["id"] as? NSNumber)?.stringValue) ?? "?"
            }
        }
        func anyExists(_ ids: [String]) throws -> Bool {
            try ids.contains { try runCommand("/usr/sbin/bpftool", ["link", "show", "id", $0]).status == 0 }
        }
        let sensor = try SensorProcess(s.arguments())
        let refused = try runCommand(Repo.rigwatchBinary, ["unpin", "--pin-dir", s.pins])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("in use by the running sensor pid \(sensor.process.processIdentifier)"))
        sensor.stop()
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(s.pins)/events"))
        let links = try pinnedLinks()
        XCTAssertGreaterThan(links.count, 10)
        XCTAssertTrue(try anyExists(links), "the pinned links record while no sensor runs")

        let unpin = try runCommand(Repo.rigwatchBinary, ["unpin", "--pin-dir", s.pins])
        XCTAssertEqual(unpin.status, 0, unpin.stderr)
        XCTAssertTrue(unpin.stdout.contains("removed \(s.pins)"), unpin.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.pins))
        XCTAssertFalse(try anyExists(links), "unpinned links are released")
        let again = try runCommand(Repo.rigwatchBinary, ["unpin", "--pin-dir", s.pins])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("nothing pinned at \(s.pins)"), again.stdout)

        let once = try SensorProcess(s.arguments(["--unpin-on-exit"]))
        let onceLinks = try pinnedLinks()
        once.stop()
        XCTAssertEqual(once.status, 0, once.stderrText)
        XCTAssertTrue(once.stderrText.contains("unpinned \(s.pins)"), once.stderrText)
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.pins))
        XCTAssertFalse(try anyExists(onceLinks))

        let outside = try runCommand(Repo.rigwatchBinary, ["unpin", "--pin-dir", "/sys/fs/bpf"])
        XCTAssertNotEqual(outside.status, 0)
        XCTAssertTrue(outside.stderr.contains("below /sys/fs/bpf"), outside.stderr)
    }
}

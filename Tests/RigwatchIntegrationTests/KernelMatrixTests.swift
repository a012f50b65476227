// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchTestSupport
import XCTest

/// What must work on every kernel of the matrix (this host's, and Debian 12's stock
/// 6.1 booted under qemu by `make vm-test`), with the sensor's defaults: the hooks
/// are whatever this kernel's feature plan chose. One sensor run covers an exec
/// through real sudo, a connect and bytes to a non-loopback address, a file change
/// and a signal to the sensor, so the slow emulated kernel starts the sensor once.
final class KernelMatrixTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    func testDefaultsWatchExecNetworkFilesAndSignals() throws {
        let user = try TestUser.create(self, suffix: "km")
        try installSudoers(self, name: "rwtestkm", content: "\(user.name) ALL=(root) NOPASSWD: ALL\n")
        let dir = "/tmp/rwtest-km-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: "\(dir)/watched", withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let host = try NetTestHost(self, index: 7)
        try host.startSink(tcpPort: 5201, udpPort: 5202)
        let config = try scratchConfig(
            self,
            body: """
                watch_users: [\(user.name)]
                files:
                  paths: [\(dir)/watched]
                network:
                  snapshot_interval_seconds: 1
                  allow_private: false
                """)
        let sensor = try SensorProcess(["run", "--config", config, "--events", "all"])
        XCTAssertTrue(sensor.stderrText.contains("net-bytes: "), "the plan is said at start: \(sensor.stderrText)")

        // An unlisted command as root through the real sudo, with awkward argv.
        let argv = ["/bin/echo", "two words", "it's", "ünï"]
        let echo = try runCommand("/usr/bin/setpriv", user.asUser(["/usr/bin/sudo", "-n"] + argv))
        XCTAssertEqual(echo.status, 0, echo.stderr)
        // A file change under a watched path, through sudo.
        let tee = try runCommand(
            "/usr/bin/setpriv",
            user.asUser(["/bin/sh", "-c", "echo job | sudo -n /usr/bin/tee \(dir)/watched/job > /dev/null"]))
        XCTAssertEqual(tee.status, 0, tee.stderr)
        // A connect and bytes to an address outside this host (a test namespace).
        let send = try runCommand(
            "/usr/bin/setpriv",
            user.asUser(["/usr/bin/env", "python3", NetTestHost.script, "tcp", host.peerAddress, "5201", "3000000"]))
        XCTAssertEqual(send.status, 0, send.stderr)
        let lines = send.stdout.split(separator: "\n")
        let senderPid = try XCTUnwrap(UInt32(lines.first ?? ""), send.stdout)
        let sport = try XCTUnwrap(lines.first { $0.hasPrefix("sport ") }.flatMap { Int($0.dropFirst(6)) }, send.stdout)
        // A signal to the sensor from another process.
        _ = try sh("/bin/kill -HUP \(sensor.process.processIdentifier)")
        try sensor.waitForStderr("SIGHUP")
        sleep(2)
        let out = SensorOutput(sensor.stop())
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)

        // The exec: exact argv, root through sudo, the user's lineage, sudo its parent.
        let execs = out.events("exec").filter { ($0["argv"] as? [String]) == argv }
        XCTAssertEqual(execs.count, 1, "\(out.events("exec").map { $0["argv"] ?? "" })")
        let exec = try XCTUnwrap(execs.first)
        XCTAssertEqual(exec["filename"] as? String, "/bin/echo")
        XCTAssertEqual((exec["euid"] as? NSNumber)?.uint32Value, 0)
        XCTAssertEqual((exec["lineage_uid"] as? NSNumber)?.uint32Value, user.uid)
        let parent = (exec["ppid"] as? NSNumber)?.uint32Value
        let sudoExecs = out.events("exec").filter { ($0["pid"] as? NSNumber)?.uint32Value == parent }
        XCTAssertEqual(sudoExecs.last?["filename"] as? String, "/usr/bin/sudo", "\(sudoExecs)")
        XCTAssertEqual((sudoExecs.last?["uid"] as? NSNumber)?.uint32Value, user.uid)
        let unlisted = out.alerts(rule: "unlisted-privileged-exec").filter { jsonText($0).contains("two words") }
        XCTAssertEqual(unlisted.count, 1, "\(out.alerts.map(jsonText))")

        // The file change, from the opened file.
        let changes = out.events("file_change").filter { $0["path"] as? String == "\(dir)/watched/job" }
        XCTAssertEqual(changes.count, 1, "\(out.events("file_change"))")
        XCTAssertEqual(changes.first?["op"] as? String, "open_write")
        XCTAssertEqual((changes.first?["euid"] as? NSNumber)?.uint32Value, 0)
        XCTAssertEqual((changes.first?["lineage_uid"] as? NSNumber)?.uint32Value, user.uid)
        XCTAssertEqual(out.alerts(rule: "file-change").filter { jsonText($0).contains("\(dir)/watched/job") }.count, 1)

        // The connect, with the port the kernel bound, and every byte sent.
        let connects = out.events("connect").filter { ($0["pid"] as? NSNumber)?.uint32Value == senderPid }
        XCTAssertEqual(connects.count, 1, "\(out.events("connect"))")
        XCTAssertEqual(connects.first?["daddr"] as? String, host.peerAddress)
        XCTAssertEqual(connects.first?["saddr"] as? String, host.hostAddress)
        XCTAssertEqual((connects.first?["dport"] as? NSNumber)?.intValue, 5201)
        XCTAssertEqual((connects.first?["sport"] as? NSNumber)?.intValue, sport)
        XCTAssertEqual((connects.first?["lineage_uid"] as? NSNumber)?.uint32Value, user.uid)
        let sent = out.events("net_bytes").filter {
            ($0["pid"] as? NSNumber)?.uint32Value == senderPid && $0["daddr"] as? String == host.peerAddress
        }
        XCTAssertEqual(sent.reduce(0) { $0 + (($1["bytes"] as? NSNumber)?.intValue ?? 0) }, 3_000_000, "\(sent)")
        XCTAssertEqual(sent.first.flatMap { ($0["gid"] as? NSNumber)?.uint32Value }, user.gid)
        XCTAssertEqual(
            out.alerts(rule: "watched-user-outbound").filter { jsonText($0).contains(host.peerAddress) }.count, 1)

        // The signal, with its sender.
        let hups = out.events("tamper").filter {
            $0["op"] as? String == "signal" && $0["signal"] as? String == "SIGHUP"
        }
        XCTAssertEqual(hups.count, 1, "\(out.events("tamper"))")
        XCTAssertEqual((hups.first?["uid"] as? NSNumber)?.uint32Value, 0)
        XCTAssertEqual(out.alerts(rule: "sensor-tamper").filter { jsonText($0).contains("SIGHUP") }.count, 1)
        // Nothing lost on the way.
        XCTAssertEqual(out.events("drops").count, 0)
    }

    /// Each bytes-sent rung, forced: those this kernel offers count the same transfer
    /// byte for byte; those it lacks are refused before anything loads, naming the
    /// missing kernel piece. On this host tp_btf and syscalls run; on 6.1 fexit,
    /// kprobe and syscalls do.
    func testEveryNetBytesRungCountsTheSameBytesOrIsRefused() throws {
        let user = try TestUser.create(self, suffix: "kmr")
        let host = try NetTestHost(self, index: 8)
        try host.startSink(tcpPort: 5201, udpPort: 5202)
        let config = try scratchConfig(
            self,
            body: """
                watch_users: [\(user.name)]
                network:
                  snapshot_interval_seconds: 1
                """)
        var ran: [String] = []
        for rung in ["tp_btf", "fexit", "kprobe", "syscalls"] {
            let hook = "net-bytes=\(rung)"
            let check = try runCommand(Repo.rigwatchBinary, ["check-kernel", "--json", "--bpf-hook", hook])
            guard check.status == 0 else {
                XCTAssertEqual(check.status, 2, "\(rung): \(check.stdout)\n\(check.stderr)")
                let report = try XCTUnwrap(
                    try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], check.stdout)
                let problems = (report["problems"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
                XCTAssertTrue(
                    problems.contains { $0.contains("net-bytes") && $0.contains(rung) }, "\(rung): \(problems)")
                // run refuses the same hook before loading anything.
                let run = try runCommand(
                    Repo.rigwatchBinary, ["run", "--config", config, "--bpf-hook", hook, "--duration", "1"])
                XCTAssertNotEqual(run.status, 0, "\(rung) is unavailable here, yet run started: \(run.stderr)")
                XCTAssertFalse(run.stderr.contains("sensor attached"), run.stderr)
                continue
            }
            ran.append(rung)
            let sensor = try SensorProcess(["run", "--config", config, "--events", "all", "--bpf-hook", hook])
            XCTAssertTrue(
                sensor.stderrText.contains("net-bytes: \(rung == "syscalls" ? "tracepoint/syscalls" : rung)"),
                "\(rung): \(sensor.stderrText)")
            let tcp = try runCommand(
                "/usr/bin/setpriv",
                user.asUser(["/usr/bin/env", "python3", NetTestHost.script, "tcp", host.peerAddress, "5201", "2000000"])
            )
            let udp = try runCommand(
                "/usr/bin/setpriv",
                user.asUser([
                    "/usr/bin/env", "python3", NetTestHost.script, "udp", host.peerAddress, "5202", "100", "1000",
                ]))
            XCTAssertEqual(tcp.status, 0, tcp.stderr)
            XCTAssertEqual(udp.status, 0, udp.stderr)
            sleep(2)
            let out = SensorOutput(sensor.stop())
            XCTAssertEqual(sensor.status, 0, sensor.stderrText)
            func sent(_ r: CommandResult, _ proto: String) -> Int {
                let pid = UInt32(r.stdout.split(separator: "\n").first ?? "") ?? 0
                return out.events("net_bytes").filter {
                    ($0["pid"] as? NSNumber)?.uint32Value == pid && $0["daddr"] as? String == host.peerAddress
                        && $0["protocol"] as? String == proto
                }.reduce(0) { $0 + (($1["bytes"] as? NSNumber)?.intValue ?? 0) }
            }
            XCTAssertEqual(sent(tcp, "tcp"), 2_000_000, "\(rung)")
            XCTAssertEqual(sent(udp, "udp"), 100_000, "\(rung)")
        }
        // Every kernel of the matrix offers at least the syscall rung and one better one.
        XCTAssertTrue(ran.contains("syscalls"), "\(ran)")
        XCTAssertGreaterThanOrEqual(ran.count, 2, "\(ran)")
    }
}

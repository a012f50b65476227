// SPDX-License-Identifier: Apache-2.0
import Foundation
import XCTest

/// Outbound connects and in-kernel byte accounting on the real kernel: a test
/// user sends to a second test host behind a veth pair while `rigwatch run` watches.
final class NetworkKernelTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    struct Output {
        var events: [[String: Any]] = []
        var alerts: [[String: Any]] = []
    }

    /// Runs the sensor around `traffic` and returns what it printed. `hooks` forces
    /// feature rungs (`--bpf-hook FEATURE=RUNG`), to test each fallback on this kernel.
    private func watch(config: String, hooks: [String] = [], _ traffic: () throws -> Void) throws -> Output {
        let sensor = try SensorProcess(
            ["run", "--config", config, "--events", "all"] + hooks.flatMap { ["--bpf-hook", $0] })
        try traffic()
        sleep(1)
        let stdout = sensor.stop()
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
        var output = Output()
        for line in Data(stdout.utf8).split(separator: 0x0a) {
            guard let o = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
            if o["type"] as? String == "alert" { output.alerts.append(o) } else { output.events.append(o) }
        }
        return output
    }

    private func config(user: String) throws -> String {
        try scratchConfig(
            self,
            body: """
                watch_users: [\(user)]
                network:
                  snapshot_interval_seconds: 1
                  allow_private: false
                  exfiltration:
                    window_seconds: 600
                    bytes_per_window: 100000000
                    budgets: []  # the short window alone; SlowExfiltrationKernelTests has the budgets
                """)
    }

    private func send(_ user: TestUser, _ args: [String]) throws -> UInt32 {
        try sendReporting(user, args).pid
    }

    /// The sender's pid and, for tcp, the local port it was bound to.
    private func sendReporting(_ user: TestUser, _ args: [String]) throws -> (pid: UInt32, sport: Int?) {
        let r = try runCommand("/usr/bin/setpriv", user.asUser(["/usr/bin/env", "python3", NetTestHost.script] + args))
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        let pid = try XCTUnwrap(UInt32(lines.first ?? ""), r.stdout)
        let sport = lines.first { $0.hasPrefix("sport ") }.flatMap { Int($0.dropFirst(6)) }
        return (pid, sport)
    }

    private func bytes(_ out: Output, pid: UInt32, to address: String, port: Int, protocol proto: String) -> Int {
        out.events.filter {
            $0["type"] as? String == "net_bytes" && ($0["pid"] as? NSNumber)?.uint32Value == pid
                && $0["daddr"] as? String == address && ($0["dport"] as? NSNumber)?.intValue == port
                && $0["protocol"] as? String == proto
        }.reduce(0) { $0 + (($1["bytes"] as? NSNumber)?.intValue ?? 0) }
    }

    func testTransferToAnUnknownHostIsCountedAndAlertsOnce() throws {
        try assertTransferIsCounted(suffix: "net", hostIndex: 1, hooks: [])
    }

    /// The fallback rungs this kernel can run, forced: the syscall tracepoints for
    /// bytes and UDP destinations, the classic tracepoint for connects. The same
    /// traffic must give the same events, byte for byte.
    func testFallbackHooksCountTheSameTransfer() throws {
        try assertTransferIsCounted(
            suffix: "netfb", hostIndex: 6,
            hooks: ["net-bytes=syscalls", "udp-dest=syscalls", "connect=tracepoint"])
    }

    private func assertTransferIsCounted(
        suffix: String, hostIndex: Int, hooks: [String],
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let user = try TestUser.create(self, suffix: suffix)
        let host = try NetTestHost(self, index: hostIndex)
        try host.startSink(tcpPort: 5201, udpPort: 5202)
        var tcp: (pid: UInt32, sport: Int?) = (0, nil)
        var udpPid: UInt32 = 0
        var udpMsgPid: UInt32 = 0
        let out = try watch(config: try config(user: user.name), hooks: hooks) {
            tcp = try sendReporting(user, ["tcp", host.peerAddress, "5201", "200000000"])
            udpPid = try send(user, ["udp", host.peerAddress, "5202", "1000", "1200"])
            udpMsgPid = try send(user, ["udpmsg", host.peerAddress, "5202", "500", "1000"])
        }
        let tcpPid = tcp.pid
        // The connect event, exactly: the local port is the one the kernel bound.
        let connects = out.events.filter {
            $0["type"] as? String == "connect" && ($0["pid"] as? NSNumber)?.uint32Value == tcpPid
        }
        XCTAssertEqual(connects.count, 1, file: file, line: line)
        XCTAssertEqual(connects.first?["daddr"] as? String, host.peerAddress, file: file, line: line)
        XCTAssertEqual((connects.first?["dport"] as? NSNumber)?.intValue, 5201, file: file, line: line)
        XCTAssertEqual(connects.first?["saddr"] as? String, host.hostAddress, file: file, line: line)
        XCTAssertNotNil(tcp.sport, file: file, line: line)
        XCTAssertEqual((connects.first?["sport"] as? NSNumber)?.intValue, tcp.sport, file: file, line: line)
        XCTAssertEqual(connects.first?["family"] as? String, "ipv4", file: file, line: line)
        XCTAssertEqual((connects.first?["uid"] as? NSNumber)?.uint32Value, user.uid, file: file, line: line)
        XCTAssertEqual((connects.first?["lineage_uid"] as? NSNumber)?.uint32Value, user.uid, file: file, line: line)
        // Byte totals summed in the kernel: every byte, none twice (the last snapshot is taken at stop).
        XCTAssertEqual(
            bytes(out, pid: tcpPid, to: host.peerAddress, port: 5201, protocol: "tcp"), 200_000_000, file: file,
            line: line)
        XCTAssertEqual(
            bytes(out, pid: udpPid, to: host.peerAddress, port: 5202, protocol: "udp"), 1_200_000, file: file,
            line: line)
        // sendmsg() with an address: the destination comes from the udp-dest hook.
        XCTAssertEqual(
            bytes(out, pid: udpMsgPid, to: host.peerAddress, port: 5202, protocol: "udp"), 500_000, file: file,
            line: line)
        // The sender's ids, all four (gid and egid were once left 0).
        let tcpBytes = out.events.filter {
            $0["type"] as? String == "net_bytes" && ($0["pid"] as? NSNumber)?.uint32Value == tcpPid
        }
        XCTAssertFalse(tcpBytes.isEmpty, file: file, line: line)
        for event in tcpBytes {
            XCTAssertEqual((event["uid"] as? NSNumber)?.uint32Value, user.uid, file: file, line: line)
            XCTAssertEqual((event["euid"] as? NSNumber)?.uint32Value, user.uid, file: file, line: line)
            XCTAssertEqual((event["gid"] as? NSNumber)?.uint32Value, user.gid, file: file, line: line)
            XCTAssertEqual((event["egid"] as? NSNumber)?.uint32Value, user.gid, file: file, line: line)
            XCTAssertEqual((event["lineage_uid"] as? NSNumber)?.uint32Value, user.uid, file: file, line: line)
        }
        // Never one event per send: 200 MB in 1 MiB writes is ~200 sends.
        XCTAssertLessThan(out.events.filter { $0["type"] as? String == "net_bytes" }.count, 40, file: file, line: line)

        let exfil = out.alerts.filter { $0["rule"] as? String == "exfiltration" }
        XCTAssertEqual(exfil.count, 1, "\(out.alerts)", file: file, line: line)
        XCTAssertEqual(
            (exfil.first?["subject"] as? [String: Any])?["pid"] as? NSNumber, NSNumber(value: tcpPid), file: file,
            line: line)
        let outbound = out.alerts.filter { $0["rule"] as? String == "watched-user-outbound" }
        XCTAssertEqual(outbound.count, 1, "one per destination: \(outbound)", file: file, line: line)
    }

    func testTheSameTransferToAnAllowlistedHostRaisesNone() throws {
        let user = try TestUser.create(self, suffix: "nok")
        let host = try NetTestHost(self, index: 2)
        try host.startSink(tcpPort: 5201, udpPort: 5202)
        let cfg = try scratchConfig(
            self,
            body: """
                watch_users: [\(user.name)]
                network:
                  snapshot_interval_seconds: 1
                  allow_private: false
                  watched_user_allow: ["10.231.2.0/30"]
                  exfiltration:
                    bytes_per_window: 100000000
                    allow: ["10.231.2.0/30"]
                """)
        var pid: UInt32 = 0
        let out = try watch(config: cfg) {
            pid = try send(user, ["tcp", host.peerAddress, "5201", "200000000"])
        }
        XCTAssertEqual(bytes(out, pid: pid, to: host.peerAddress, port: 5201, protocol: "tcp"), 200_000_000)
        XCTAssertEqual(
            out.alerts.filter { ["exfiltration", "watched-user-outbound"].contains($0["rule"] as? String ?? "") }.count,
            0, "\(out.alerts)")
    }

    func testLoopbackTrafficIsNotCounted() throws {
        let user = try TestUser.create(self, suffix: "lo")
        let sink = Process()
        sink.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sink.arguments = ["python3", NetTestHost.script, "sink", "15201", "15202"]
        let sinkOut = Pipe()
        sink.standardOutput = sinkOut
        try sink.run()
        addTeardownBlock {
            sink.terminate()
            sink.waitUntilExit()
        }
        _ = sinkOut.fileHandleForReading.availableData
        var pid: UInt32 = 0
        let out = try watch(config: try config(user: user.name)) {
            pid = try send(user, ["tcp", "127.0.0.1", "15201", "150000000"])
        }
        // The sensor saw the sender (its exec), but none of its loopback traffic.
        let execs = out.events.filter {
            ($0["pid"] as? NSNumber)?.uint32Value == pid && $0["type"] as? String == "exec"
        }
        XCTAssertEqual(execs.compactMap { $0["filename"] as? String }.last?.hasSuffix("python3"), true, "\(execs)")
        XCTAssertEqual(
            out.events.filter {
                ($0["pid"] as? NSNumber)?.uint32Value == pid
                    && ["connect", "net_bytes"].contains($0["type"] as? String ?? "")
            }.count, 0)
        XCTAssertEqual(
            out.alerts.filter { ["exfiltration", "watched-user-outbound"].contains($0["rule"] as? String ?? "") }.count,
            0)
    }
}

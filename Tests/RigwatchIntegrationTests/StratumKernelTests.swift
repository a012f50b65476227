// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchTestSupport
import XCTest

/// Stratum on the wire and container-runtime sockets, on the real kernel: a
/// stand-in miner with a plain name and its pool in a config file speaks stratum to
/// a listener in a test network namespace on a port no pool uses; a watched test
/// user connects to a unix listener standing in for docker.sock.
final class StratumKernelTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    static let port = 7011  // not a pool port: only the bytes can tell

    /// A scratch directory /tmp/rwtest-stratum-PID-N (0755), removed afterwards.
    private func scratchDir(_ tag: String) throws -> String {
        let dir = "/tmp/rwtest-stratum-\(getpid())-\(tag)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(
            atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    /// A copy of python3 named `worker`: nothing in its name, argv or port says miner.
    private func standInMiner(in dir: String) throws -> String {
        let worker = dir + "/worker"
        let python = URL(fileURLWithPath: "/usr/bin/python3").resolvingSymlinksInPath().path
        try FileManager.default.copyItem(atPath: python, toPath: worker)
        chmod(worker, 0o755)
        let script = dir + "/worker.py"
        try FileManager.default.copyItem(
            atPath: Repo.root + "/Tests/Fixtures/helpers/stand_in_miner.py", toPath: script)
        chmod(script, 0o644)
        return worker
    }

    private func run(_ user: TestUser, _ argv: [String]) throws -> UInt32 {
        let r = try runCommand("/usr/bin/setpriv", user.asUser(argv))
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(UInt32(r.stdout.split(separator: "\n").first ?? ""), r.stdout)
    }

    private func sensor(_ body: String) throws -> SensorProcess {
        try SensorProcess([
            "run", "--config", try scratchConfig(self, body: body), "--events", "all",
            "--nvml-library", "/nonexistent/rwtest-libnvidia-ml.so.1", "--nvidia-smi", "/nonexistent/rwtest-nvidia-smi",
        ])
    }

    func testStratumLoginFromAPlainlyNamedProcessIsAHighMiningAlert() throws {
        let user = try TestUser.create(self, suffix: "strat")
        let host = try NetTestHost(self, index: 41)
        try host.startSink(tcpPort: Self.port, udpPort: Self.port + 1)
        let dir = try scratchDir("miner")
        let worker = try standInMiner(in: dir)
        let login = dir + "/pool.json"
        try #"{"pool": "\#(host.peerAddress):\#(Self.port)", "speak": "login"}"#.write(
            toFile: login, atomically: true, encoding: .utf8)
        let http = dir + "/web.json"
        try #"{"pool": "\#(host.peerAddress):\#(Self.port)", "speak": "http"}"#.write(
            toFile: http, atomically: true, encoding: .utf8)
        chmod(login, 0o644)
        chmod(http, 0o644)

        let sensor = try sensor("watch_users: [\(user.name)]\nnetwork:\n  snapshot_interval_seconds: 1\n")
        let webPid = try run(user, [worker, dir + "/worker.py", http])
        let minerPid = try run(user, [worker, dir + "/worker.py", login])
        sleep(2)
        let out = SensorOutput(sensor.stop())
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)

        // One first_payload per connection, exactly what each sent (the start of it).
        let payloads = out.events("first_payload")
        let web = payloads.filter { ($0["pid"] as? NSNumber)?.uint32Value == webPid }
        let miner = payloads.filter { ($0["pid"] as? NSNumber)?.uint32Value == minerPid }
        XCTAssertEqual(web.count, 1, "\(payloads)")
        XCTAssertEqual(miner.count, 1, "\(payloads)")
        let event = try XCTUnwrap(miner.first)
        XCTAssertEqual(event["daddr"] as? String, host.peerAddress)
        XCTAssertEqual((event["dport"] as? NSNumber)?.intValue, Self.port)
        XCTAssertEqual(event["saddr"] as? String, host.hostAddress)
        XCTAssertEqual(event["protocol"] as? String, "tcp")
        XCTAssertEqual((event["uid"] as? NSNumber)?.uint32Value, user.uid)
        XCTAssertEqual((event["lineage_uid"] as? NSNumber)?.uint32Value, user.uid)
        XCTAssertEqual(event["comm"] as? String, "worker")
        let text = try XCTUnwrap(event["data_text"] as? String)
        XCTAssertTrue(text.hasPrefix(#"{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"4AdUnd"#), text)
        XCTAssertTrue(text.hasSuffix(#""agent":"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0"}}\x0a"#), text)
        // All of it fits the capture: send_len is the bytes captured (the newline shows as 4 characters).
        XCTAssertEqual((event["send_len"] as? NSNumber)?.intValue, text.utf8.count - 3)
        XCTAssertTrue((web.first?["data_text"] as? String)?.hasPrefix("POST /notes HTTP/1.1\\x0d\\x0aHost: ") ?? false)

        // The login alone is a high mining incident, naming what it saw; the HTTP request raised nothing.
        let mining = out.alerts(rule: "crypto-mining")
        XCTAssertEqual(mining.count, 1, "\(out.alerts)")
        let alert = try XCTUnwrap(mining.first)
        XCTAssertEqual(alert["severity"] as? String, "high")
        XCTAssertEqual(
            alert["title"] as? String,
            "Crypto-mining suspected (stratum-protocol): stratum login by worker in \(user.name) (uid \(user.uid)) lineage"
        )
        let evidence = try XCTUnwrap(alert["evidence"] as? [String: String])
        XCTAssertEqual(evidence["signals"], "stratum-protocol")
        XCTAssertEqual(evidence["stratum_method"], "login")
        XCTAssertEqual(evidence["stratum_destination"], "\(host.peerAddress):\(Self.port)")
        XCTAssertEqual(evidence["stratum_agent"], "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0")
        XCTAssertEqual(
            evidence["stratum_login"],
            "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge")
        XCTAssertEqual(evidence["stratum_exe"], worker)
        XCTAssertEqual(
            evidence["stratum"], "login to \(host.peerAddress):\(Self.port)/tcp by pid \(minerPid) \(worker)")
        XCTAssertEqual(evidence["subject"], "\(user.name) (uid \(user.uid)) lineage")
        let subject = try XCTUnwrap(alert["subject"] as? [String: Any])
        XCTAssertEqual((subject["pid"] as? NSNumber)?.uint32Value, minerPid)
        XCTAssertEqual(subject["exe"] as? String, worker)
        XCTAssertEqual(subject["argv"] as? [String], [worker, dir + "/worker.py", login])
    }

    func testWatchedLineageConnectingToARuntimeSocketAlertsAndAnUnwatchedUserDoesNot() throws {
        let watched = try TestUser.create(self, suffix: "sockw")
        let other = try TestUser.create(self, suffix: "socko")
        let dir = try scratchDir("sock")
        let socket = dir + "/docker.sock"
        let link = dir + "/innocent.sock"
        let listener = Process()
        listener.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        listener.arguments = [Repo.root + "/Tests/Fixtures/helpers/stand_in_miner.py", "unix-listen", socket]
        let ready = Pipe()
        listener.standardOutput = ready
        try listener.run()
        addTeardownBlock {
            listener.terminate()
            listener.waitUntilExit()
        }
        XCTAssertTrue(String(decoding: ready.fileHandleForReading.availableData, as: UTF8.self).contains("ready"))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: socket)

        let sensor = try sensor(
            """
            watch_users: [\(watched.name)]
            policy:
              runtime_sockets: [/run/docker.sock, "/tmp/rwtest-stratum-*/docker.sock"]
            """)
        let helper = Repo.root + "/Tests/Fixtures/helpers/stand_in_miner.py"
        let direct = try run(watched, ["/usr/bin/python3", helper, "unix-connect", socket])
        let viaLink = try run(watched, ["/usr/bin/python3", helper, "unix-connect", link])
        let unwatched = try run(other, ["/usr/bin/python3", helper, "unix-connect", socket])
        sleep(1)
        let out = SensorOutput(sensor.stop())
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)

        // The kernel reports the watched lineage's connects only, with the listener's bound name.
        let connects = out.events("unix_connect")
        XCTAssertEqual(
            connects.compactMap { ($0["pid"] as? NSNumber)?.uint32Value }.filter {
                [direct, viaLink, unwatched].contains($0)
            },
            [direct, viaLink], "\(connects)")
        let linked = try XCTUnwrap(connects.first { ($0["pid"] as? NSNumber)?.uint32Value == viaLink })
        XCTAssertEqual(linked["path"] as? String, link)
        XCTAssertEqual(linked["peer"] as? String, socket)
        XCTAssertEqual((linked["result"] as? NSNumber)?.intValue, 0)

        let alerts = out.alerts(rule: "root-equivalent-runtime-socket")
        XCTAssertEqual(
            alerts.compactMap { (($0["subject"] as? [String: Any])?["pid"] as? NSNumber)?.uint32Value },
            [direct, viaLink],
            "\(out.alerts)")
        for alert in alerts {
            XCTAssertEqual(alert["severity"] as? String, "high")
            let evidence = try XCTUnwrap(alert["evidence"] as? [String: String])
            XCTAssertEqual(evidence["socket"], socket)
            XCTAssertEqual(evidence["peer"], socket)
            XCTAssertEqual(evidence["pattern"], "/tmp/rwtest-stratum-*/docker.sock")
            XCTAssertEqual(evidence["user"], "\(watched.name) (uid \(watched.uid))")
            XCTAssertEqual(evidence["lineage"], "\(watched.name) (uid \(watched.uid))")
        }
        let first = try XCTUnwrap(alerts.first)
        let pid = (first["subject"] as? [String: Any])?["pid"] as? NSNumber
        XCTAssertEqual(
            first["title"] as? String,
            "Container runtime socket \(socket) connected by /usr/bin/python3 (pid \(pid?.uint32Value ?? 0), \(watched.name)) in \(watched.name)'s lineage"
        )
        XCTAssertEqual((first["evidence"] as? [String: String])?["path"], socket)
        XCTAssertEqual(
            (alerts.last?["evidence"] as? [String: String])?["note"],
            "the path given is not on the list; the listener it reached bound \(socket)")
    }
}

// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchCore
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// Event sequences for the network detectors, built by hand: byte snapshots every
/// few seconds as userspace writes them from the kernel's byte map.
enum NetScenario {
    static let second: UInt64 = 1_000_000_000

    static func ip(_ text: String) -> IPAddress { IPAddress(text) ?? IPAddress(ipv4: 0) }

    static func header(
        _ tgid: UInt32, ts: UInt64, lineage: UInt32 = noLineage, cgroup: UInt64 = 4242,
        uid: UInt32 = 0, comm: String = "rclone"
    ) -> EventHeader {
        EventHeader(
            timestampNs: ts, pid: tgid, tgid: tgid, ppid: 1, uid: uid, euid: uid, gid: uid, egid: uid,
            lineageUid: lineage, cgroupId: cgroup, comm: Comm(comm))
    }

    /// `snapshots` byte snapshots of `bytesEach`, one per `interval` seconds from `start`: sends cover
    /// the whole interval; the snapshot is read 200 ms after its last send.
    static func transfer(
        _ tgid: UInt32, to destination: String, port: UInt16 = 443, proto: NetProtocol = .tcp,
        start: UInt64, snapshots: Int, bytesEach: UInt64, interval: UInt64 = 5,
        lineage: UInt32 = noLineage, cgroup: UInt64 = 4242
    ) -> [Event] {
        (0..<UInt64(snapshots)).map { i in
            let first = (start + i * interval) * second + (i > 0 ? 1_000_000 : 0)
            let last = (start + (i + 1) * interval) * second
            return .netBytes(
                NetBytesEvent(
                    header: header(tgid, ts: last + 200_000_000, lineage: lineage, cgroup: cgroup),
                    proto: proto, destination: ip(destination), destinationPort: port,
                    bytes: bytesEach, sends: 100, firstNs: first, lastNs: last))
        }
    }

    static func connect(
        _ tgid: UInt32, to destination: String, port: UInt16 = 443, ts: UInt64,
        lineage: UInt32 = noLineage, cgroup: UInt64 = 5, comm: String = "curl"
    ) -> Event {
        let family = ip(destination).family
        return .connect(
            ConnectEvent(
                header: header(tgid, ts: ts, lineage: lineage, cgroup: cgroup, uid: 1001, comm: comm),
                source: family == .ipv4 ? ip("192.0.2.10") : ip("2001:db8::10"), sourcePort: 40_000,
                destination: ip(destination), destinationPort: port))
    }

    /// bash (tgid - 1) started `exe` as `tgid`, so alerts have a chain to show.
    static func processes(
        _ tgid: UInt32, exe: String, lineage: UInt32 = noLineage, cgroup: UInt64 = 4242, uid: UInt32 = 0
    ) -> [Event] {
        [
            Scenario.exec(tgid - 1, ppid: 1, ts: 1, argv: ["/bin/bash"], uid: uid, lineage: lineage),
            Scenario.fork(tgid - 1, ppid: 1, child: tgid, ts: 2, uid: uid, lineage: lineage),
            Scenario.exec(
                tgid, ppid: tgid - 1, ts: 3, argv: [exe, "copy", "/data", "remote:"], uid: uid, lineage: lineage),
        ]
    }

    static func engine(
        _ exfiltration: ExfiltrationSettings = ExfiltrationSettings(),
        outbound: WatchedOutboundSettings = WatchedOutboundSettings(), watched: [UInt32] = [1001]
    ) -> Engine {
        Engine(
            config: EngineConfig(watchedUids: watched, userNames: [1001: "vastai_kaalia"]),
            detectors: Engine.standardDetectors(
                network: NetworkSettings(exfiltration: exfiltration, watchedOutbound: outbound)))
    }
}

final class ExfiltrationTests: XCTestCase {
    private typealias N = NetScenario

    private func evidence(_ alert: Alert?, _ key: String) -> String? {
        alert?.evidence.first { $0.0 == key }?.1
    }

    // MARK: exfiltration

    func test200MBOver40SecondsAlertsExactlyOnce() throws {
        let engine = N.engine(ExfiltrationSettings(bytesPerWindow: 200_000_000))
        for e in N.processes(900, exe: "/usr/bin/rclone") { XCTAssertEqual(engine.consume(e), []) }
        // 8 snapshots of 25 MB over 40 s, then 4 more: the window crosses 200 MB at the 8th.
        let events = N.transfer(900, to: "203.0.113.50", start: 100, snapshots: 12, bytesEach: 25_000_000)
        var alertsAt: [Int] = []
        var alerts: [Alert] = []
        for (i, e) in events.enumerated() {
            let raised = engine.consume(e)
            if !raised.isEmpty { alertsAt.append(i) }
            alerts += raised
        }
        XCTAssertEqual(alertsAt, [7])
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertEqual(alert.rule, "exfiltration")
        XCTAssertEqual(alert.severity, .high)
        XCTAssertEqual(alert.eventTimeNs, 140_200_000_000)
        XCTAssertEqual(
            alert.title, "Outbound transfer: 200.0 MB to 203.0.113.50:443/tcp in 40.0 s (5.00 MB/s) from cgroup 4242")
        XCTAssertEqual(
            alert.evidence.map(\.0),
            [
                "destination", "protocol", "bytes", "duration_seconds", "rate_bytes_per_second",
                "window_seconds", "trigger", "subject", "cgroup_id",
            ])
        XCTAssertEqual(
            alert.evidence.map(\.1),
            [
                "203.0.113.50:443", "tcp", "200000000", "40.000", "5000000", "600",
                "bytes_per_window", "cgroup 4242", "4242",
            ])
        XCTAssertEqual(alert.chain.map(\.pid), [900, 899])
        XCTAssertEqual(alert.chain.first?.exe, "/usr/bin/rclone")
        XCTAssertEqual(alert.dedupKey, "exfiltration|cgroup:4242|203.0.113.50")
    }

    func testAllowlistedPrivateAndLoopbackDestinationsRaiseNone() {
        let allow = [CIDR("198.51.100.0/24"), CIDR("2001:db8:77::/48")].compactMap { $0 }
        let settings = ExfiltrationSettings(bytesPerWindow: 100_000_000, allow: allow)
        for destination in [
            "198.51.100.20", "::ffff:198.51.100.21", "2001:db8:77::1", "10.1.2.3", "192.168.7.7",
            "100.64.1.1", "fd00::5", "127.0.0.1", "::1", "0.0.0.0",
        ] {
            let engine = N.engine(settings)
            let alerts = N.transfer(900, to: destination, start: 10, snapshots: 12, bytesEach: 150_000_000).flatMap(
                engine.consume)
            XCTAssertEqual(alerts, [], destination)
        }
        // Private ranges count once allow_private is off; loopback never does.
        var strict = settings
        strict.allowPrivate = false
        for (destination, expected) in [("10.1.2.3", 1), ("fe80::1", 1), ("127.0.0.1", 0), ("198.51.100.20", 0)] {
            let engine = N.engine(strict)
            let alerts = N.transfer(900, to: destination, start: 10, snapshots: 12, bytesEach: 150_000_000).flatMap(
                engine.consume)
            XCTAssertEqual(alerts.count, expected, destination)
        }
    }

    func testBurstsBelowTheThresholdsRaiseNone() {
        let engine = N.engine()  // 1 GiB per 600 s; 20 MB/s for 60 s
        var alerts: [Alert] = []
        // 500 MB in 10 s: fast, but short and under the window's bytes.
        alerts += N.transfer(900, to: "203.0.113.50", start: 10, snapshots: 2, bytesEach: 250_000_000).flatMap(
            engine.consume)
        // 8 MB/s for two minutes: long, but slower than the sustained rate, and 960 MB stays under 1 GiB.
        alerts += N.transfer(900, to: "203.0.113.51", start: 10, snapshots: 24, bytesEach: 40_000_000).flatMap(
            engine.consume)
        // 900 MB in bursts a window apart never sums to 1 GiB within one window.
        for k: UInt64 in 0..<3 {
            alerts += N.transfer(901, to: "203.0.113.52", start: 1000 + k * 700, snapshots: 1, bytesEach: 900_000_000)
                .flatMap(engine.consume)
        }
        XCTAssertEqual(alerts, [])
    }

    func testSustainedRateAloneTriggers() throws {
        let settings = ExfiltrationSettings(bytesPerWindow: 100_000_000_000)  // bytes rule out of reach
        var engine = N.engine(settings)
        // 25 MB/s: the run reaches 60 s at the 12th snapshot.
        var alerts: [(Int, Alert)] = []
        for (i, e) in N.transfer(900, to: "203.0.113.50", start: 0, snapshots: 14, bytesEach: 125_000_000).enumerated()
        {
            alerts += engine.consume(e).map { (i, $0) }
        }
        XCTAssertEqual(alerts.map(\.0), [11])
        let alert = try XCTUnwrap(alerts.first?.1)
        XCTAssertEqual(evidence(alert, "trigger"), "sustained_rate")
        XCTAssertEqual(evidence(alert, "bytes"), "1500000000")
        XCTAssertEqual(evidence(alert, "duration_seconds"), "60.000")
        XCTAssertEqual(evidence(alert, "rate_bytes_per_second"), "25000000")
        XCTAssertEqual(
            evidence(alert, "sustained"), "1500000000 bytes in 60.000 s, each snapshot at least 20000000 bytes/s")

        // A pause breaks the run: 30 s, 20 s of silence, 30 s again never makes 60 s.
        engine = N.engine(settings)
        var paused = N.transfer(900, to: "203.0.113.50", start: 0, snapshots: 6, bytesEach: 125_000_000)
        paused += N.transfer(900, to: "203.0.113.50", start: 50, snapshots: 6, bytesEach: 125_000_000)
        XCTAssertEqual(paused.flatMap(engine.consume), [])

        // Just under the rate for two minutes: nothing.
        engine = N.engine(settings)
        XCTAssertEqual(
            N.transfer(900, to: "203.0.113.50", start: 0, snapshots: 24, bytesEach: 99_000_000).flatMap(engine.consume),
            [])
    }

    func testProcessesOfOneSnapshotAddUpForTheSustainedRate() {
        // Two processes of one container at 12.5 MB/s each: together 25 MB/s for 60 s.
        let engine = N.engine(ExfiltrationSettings(bytesPerWindow: 100_000_000_000))
        let a = N.transfer(900, to: "203.0.113.50", start: 0, snapshots: 12, bytesEach: 62_500_000)
        let b = N.transfer(901, to: "203.0.113.50", port: 8443, start: 0, snapshots: 12, bytesEach: 62_500_000)
        let alerts = zip(a, b).flatMap { [$0.0, $0.1] }.flatMap(engine.consume)
        XCTAssertEqual(alerts.count, 1)
        XCTAssertEqual(evidence(alerts.first, "trigger"), "sustained_rate")
        XCTAssertEqual(evidence(alerts.first, "ports"), "443/tcp, 8443/tcp")
        XCTAssertEqual(evidence(alerts.first, "sender_pids"), "900, 901")
    }

    func testWindowsSlide() {
        let engine = N.engine(ExfiltrationSettings(windowSeconds: 600, bytesPerWindow: 100_000_000))
        var alerts: [Alert] = []
        // First burst: alert.
        alerts += N.transfer(900, to: "203.0.113.50", start: 0, snapshots: 2, bytesEach: 75_000_000).flatMap(
            engine.consume)
        XCTAssertEqual(alerts.count, 1)
        XCTAssertEqual(evidence(alerts.last, "bytes"), "150000000")
        // A second burst in the same window: quiet.
        alerts += N.transfer(900, to: "203.0.113.50", start: 300, snapshots: 2, bytesEach: 75_000_000).flatMap(
            engine.consume)
        XCTAssertEqual(alerts.count, 1)
        // A third a window later: a new alert, counting only the bytes inside its window.
        alerts += N.transfer(900, to: "203.0.113.50", start: 1000, snapshots: 2, bytesEach: 75_000_000).flatMap(
            engine.consume)
        XCTAssertEqual(alerts.count, 2)
        XCTAssertEqual(evidence(alerts.last, "bytes"), "150000000")
        XCTAssertEqual(evidence(alerts.last, "duration_seconds"), "10.000")
        XCTAssertEqual(
            alerts.map(\.dedupKey), ["exfiltration|cgroup:4242|203.0.113.50", "exfiltration|cgroup:4242|203.0.113.50"])
        XCTAssertEqual(alerts.map(\.id), ["exfiltration-1", "exfiltration-2"])
        // Bytes spread so that no 600 s window holds 100 MB: none, though the total is far above.
        let slow = N.engine(ExfiltrationSettings(windowSeconds: 600, bytesPerWindow: 100_000_000))
        let spread = (0..<UInt64(10)).flatMap { k in
            N.transfer(900, to: "203.0.113.60", start: k * 700, snapshots: 1, bytesEach: 90_000_000)
        }
        XCTAssertEqual(spread.flatMap(slow.consume), [])
    }

    func testSubjectIsTheWatchedLineageElseTheCgroup() throws {
        // The short window alone (the budgets have their own tests).
        let engine = N.engine(ExfiltrationSettings(bytesPerWindow: 200_000_000, budgets: []))
        // Two processes of the watched user in different cgroups add up.
        var events = N.transfer(
            901, to: "203.0.113.50", start: 0, snapshots: 1, bytesEach: 100_000_000, lineage: 1001, cgroup: 1)
        events += N.transfer(
            902, to: "203.0.113.50", start: 1, snapshots: 1, bytesEach: 100_000_000, lineage: 1001, cgroup: 2)
        let alerts = events.flatMap(engine.consume)
        XCTAssertEqual(alerts.count, 1)
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertEqual(evidence(alert, "subject"), "vastai_kaalia (uid 1001) lineage")
        XCTAssertEqual(evidence(alert, "sender_pids"), "901, 902")
        XCTAssertEqual(alert.dedupKey, "exfiltration|lineage:1001|203.0.113.50")
        // The process table never saw 902: the chain is the header's view of it.
        XCTAssertEqual(alert.chain.map(\.pid), [902])
        XCTAssertEqual(alert.chain.first?.comm, "rclone")
        XCTAssertEqual(alert.chain.first?.cgroupId, 2)

        // An unwatched lineage is charged to each cgroup: 100 MB each stays under the threshold.
        let other = N.engine(ExfiltrationSettings(bytesPerWindow: 200_000_000))
        var separate = N.transfer(
            901, to: "203.0.113.50", start: 0, snapshots: 1, bytesEach: 100_000_000, lineage: 2000, cgroup: 1)
        separate += N.transfer(
            902, to: "203.0.113.50", start: 1, snapshots: 1, bytesEach: 100_000_000, lineage: 2000, cgroup: 2)
        XCTAssertEqual(separate.flatMap(other.consume), [])
        // Destinations are separate too.
        let split = N.engine(ExfiltrationSettings(bytesPerWindow: 200_000_000))
        var two = N.transfer(901, to: "203.0.113.50", start: 0, snapshots: 1, bytesEach: 150_000_000)
        two += N.transfer(901, to: "203.0.113.51", start: 1, snapshots: 1, bytesEach: 150_000_000)
        XCTAssertEqual(two.flatMap(split.consume), [])
    }

    func testTrackedPairsAreBounded() {
        var settings = ExfiltrationSettings(bytesPerWindow: 1_000_000_000_000)
        settings.maxTracked = 64
        let detector = ExfiltrationDetector(settings: settings)
        let engine = Engine(detectors: [detector])
        for i in 0..<UInt32(1000) {
            let destination = IPAddress(ipv4: 0xcb00_7100 + i)  // 203.0.113.0 + i, on into the next /24s
            _ = engine.consume(
                .netBytes(
                    NetBytesEvent(
                        header: N.header(900, ts: UInt64(i) * N.second), proto: .udp,
                        destination: destination, destinationPort: 53, bytes: 100, sends: 1,
                        firstNs: UInt64(i) * N.second, lastNs: UInt64(i) * N.second)))
            XCTAssertLessThanOrEqual(detector.trackedCount, 64)
        }
    }

    // MARK: watched-user-outbound

    func testWatchedUserOutboundFiresOncePerDestination() throws {
        let engine = N.engine(outbound: WatchedOutboundSettings(allow: [CIDR("198.51.100.0/24")].compactMap { $0 }))
        var alerts: [Alert] = []
        alerts += engine.consume(N.connect(500, to: "203.0.113.9", ts: 10 * N.second, lineage: 1001))
        alerts += engine.consume(N.connect(501, to: "203.0.113.9", port: 8080, ts: 11 * N.second, lineage: 1001))
        alerts += engine.consume(N.connect(500, to: "2001:db8::9", ts: 12 * N.second, lineage: 1001))
        XCTAssertEqual(alerts.count, 2)
        let first = try XCTUnwrap(alerts.first)
        XCTAssertEqual(first.rule, "watched-user-outbound")
        XCTAssertEqual(first.severity, .medium)
        XCTAssertEqual(
            first.title,
            "vastai_kaalia's process curl connected to 203.0.113.9:443, not on the watched users' allowlist")
        XCTAssertEqual(first.evidence.map(\.0), ["user", "destination", "protocol", "source", "comm", "cgroup_id"])
        XCTAssertEqual(
            first.evidence.map(\.1),
            ["vastai_kaalia (uid 1001)", "203.0.113.9:443", "tcp", "192.0.2.10:40000", "curl", "5"])
        XCTAssertEqual(first.dedupKey, "watched-user-outbound|1001|203.0.113.9")
        XCTAssertEqual(first.chain.map(\.pid), [500])
        XCTAssertEqual(alerts.last.map { evidence($0, "destination") }, "[2001:db8::9]:443")

        // Not for unwatched processes, nor allowlisted, private or loopback destinations.
        XCTAssertEqual(engine.consume(N.connect(600, to: "203.0.113.10", ts: 13 * N.second)), [])
        XCTAssertEqual(engine.consume(N.connect(601, to: "203.0.113.10", ts: 13 * N.second, lineage: 2000)), [])
        for destination in [
            "198.51.100.7", "::ffff:198.51.100.8", "10.0.0.1", "172.20.0.1", "fe80::1", "127.0.0.53", "::1",
        ] {
            XCTAssertEqual(
                engine.consume(N.connect(502, to: destination, ts: 14 * N.second, lineage: 1001)), [], destination)
        }
        // The same destination again, a window later.
        XCTAssertEqual(engine.consume(N.connect(500, to: "203.0.113.9", ts: 609 * N.second, lineage: 1001)), [])
        XCTAssertEqual(engine.consume(N.connect(500, to: "203.0.113.9", ts: 610 * N.second, lineage: 1001)).count, 1)
    }

    func testWatchedUserOutboundJudgesPrivateWhenAsked() {
        let engine = N.engine(outbound: WatchedOutboundSettings(allowPrivate: false))
        XCTAssertEqual(engine.consume(N.connect(500, to: "10.0.0.1", ts: 1, lineage: 1001)).count, 1)
        XCTAssertEqual(engine.consume(N.connect(500, to: "127.0.0.1", ts: 2, lineage: 1001)), [])
    }

    func testNetworkDetectorsAreOffWithoutSettings() {
        let engine = Engine(config: EngineConfig(watchedUids: [1001]), detectors: Engine.standardDetectors())
        var events = N.transfer(900, to: "203.0.113.50", start: 0, snapshots: 30, bytesEach: 500_000_000)
        events.append(N.connect(500, to: "203.0.113.9", ts: 1, lineage: 1001))
        XCTAssertEqual(events.flatMap(engine.consume), [])
    }

    // MARK: Contacts

    /// Reads the engine's contacts the way a mining detector will.
    final class ContactProbe: Detector {
        let name = "probe"
        var seen: [[NetworkContact]] = []
        func observe(_ event: Event, context: DetectionContext) -> [Alert] {
            seen.append(context.networkContacts.miningPoolContacts(of: event.header.tgid))
            return []
        }
    }

    func testEngineRecordsContactsAndMarksMiningPoolPorts() {
        let probe = ContactProbe()
        let engine = Engine(detectors: [probe])
        _ = engine.consume(N.connect(700, to: "203.0.113.77", port: 3333, ts: 5 * N.second))
        _ = engine.consume(N.connect(700, to: "203.0.113.78", port: 443, ts: 6 * N.second))
        _ = engine.consume(N.transfer(700, to: "203.0.113.77", port: 3333, start: 5, snapshots: 1, bytesEach: 4096)[0])
        XCTAssertEqual(probe.seen.last?.count, 1)
        let pool = engine.networkContacts.miningPoolContacts(of: 700)
        XCTAssertEqual(pool.map(\.destination), [N.ip("203.0.113.77")])
        XCTAssertEqual(pool.first?.connects, 1)
        XCTAssertEqual(pool.first?.bytes, 4096)
        XCTAssertEqual(pool.first?.firstNs, 5 * N.second)
        XCTAssertEqual(engine.networkContacts.contacts(of: 700).map(\.port), [3333, 443])
        XCTAssertTrue(MiningSignatures.poolPorts.contains(14444))
        XCTAssertFalse(MiningSignatures.poolPorts.contains(443))
        // Detectors see the contacts of an exiting process; then they go.
        _ = engine.consume(Scenario.exit(700, ppid: 1, ts: 9 * N.second))
        XCTAssertEqual(probe.seen.last?.count, 1)
        XCTAssertEqual(engine.networkContacts.contacts(of: 700), [])
    }

    func testContactsAreBounded() {
        var contacts = NetworkContacts(perProcess: 4, capacity: 16)
        contacts.record(N.connect(1, to: "203.0.113.1", port: 4444, ts: 0))
        for i in 1...10 {
            contacts.record(N.connect(1, to: "203.0.113.\(i + 1)", port: 443, ts: UInt64(i)))
        }
        XCTAssertEqual(contacts.contacts(of: 1).count, 4)
        XCTAssertEqual(contacts.miningPoolContacts(of: 1).count, 1, "the pool-port contact outlives ordinary ones")
        for tgid in UInt32(2)..<200 { contacts.record(N.connect(tgid, to: "203.0.113.1", ts: UInt64(tgid))) }
        XCTAssertLessThanOrEqual(contacts.processCount, 16)
        XCTAssertFalse(contacts.contacts(of: 199).isEmpty, "the newest process is kept")
    }

    // MARK: Recorded trace

    func testHandWrittenTraceRaisesExactlyTheExpectedAlerts() throws {
        let trace = try TraceFile.read(path: Repo.fixture("traces") + "/exfiltration.jsonl")
        XCTAssertEqual(trace.events.count, 30)
        let config = try ConfigLoader.parse(
            """
            network:
              exfiltration:
                allow: [198.51.100.0/24]
              watched_user_allow: [198.51.100.0/24]
            """)
        let built = NetworkSettingsBuilder.build(config.network)
        XCTAssertEqual(built.warnings, [])
        func replay() -> [Alert] {
            let engine = Engine(
                config: EngineConfig(
                    watchedUids: trace.header.watchedUsers.map(\.uid), userNames: [1001: "vastai_kaalia"]),
                detectors: Engine.standardDetectors(network: built.settings))
            return trace.events.flatMap(engine.consume)
        }
        let alerts = replay()
        XCTAssertEqual(alerts.map(\.id), ["exfiltration-1"])
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertEqual(alert.eventTimeNs, 50_200_000_000)
        XCTAssertEqual(
            alert.title, "Outbound transfer: 1.20 GB to 203.0.113.50:443/tcp in 40.0 s (30.0 MB/s) from cgroup 4242")
        XCTAssertEqual(
            alert.evidence.map(\.0),
            [
                "destination", "protocol", "bytes", "duration_seconds", "rate_bytes_per_second",
                "window_seconds", "trigger", "subject", "cgroup_id",
            ])
        XCTAssertEqual(
            alert.evidence.map(\.1),
            [
                "203.0.113.50:443", "tcp", "1200000000", "40.000", "30000000", "600",
                "bytes_per_window", "cgroup 4242", "4242",
            ])
        XCTAssertEqual(alert.chain.map(\.pid), [901, 900])
        XCTAssertEqual(alert.chain.map(\.exe), ["/usr/bin/rclone", "/bin/bash"])
        XCTAssertEqual(alert.dedupKey, "exfiltration|cgroup:4242|203.0.113.50")
        XCTAssertEqual(replay(), alerts, "replay is deterministic")

        // Without the allowlists the second case raises both rules: the watched daemon's 1.8 GB
        // crosses the hour's and the day's budgets on the way to the window's 1 GiB.
        let open = Engine(
            config: EngineConfig(watchedUids: [1001]),
            detectors: Engine.standardDetectors(network: NetworkSettings()))
        let openAlerts = trace.events.flatMap(open.consume)
        XCTAssertEqual(
            openAlerts.map(\.rule),
            ["exfiltration", "watched-user-outbound", "exfiltration", "exfiltration", "exfiltration"])
        XCTAssertEqual(
            openAlerts.map { evidence($0, "trigger") },
            [
                "bytes_per_window", nil, "budget_3600s", "budget_86400s", "bytes_per_window",
            ])
    }
}

/// `network:` in the configuration file and the settings built from it.
final class NetworkConfigTests: XCTestCase {
    func testDefaults() throws {
        let network = try ConfigLoader.parse("").network
        XCTAssertEqual(network, NetworkConfig())
        XCTAssertEqual(network.snapshotIntervalSeconds, 5)
        XCTAssertEqual(network.exfiltration.windowSeconds, 600)
        XCTAssertEqual(network.exfiltration.bytesPerWindow, 1_073_741_824)
        XCTAssertEqual(network.exfiltration.sustainedBytesPerSecond, 20_000_000)
        XCTAssertEqual(network.exfiltration.sustainedSeconds, 60)
        XCTAssertTrue(network.allowPrivate)
        let built = NetworkSettingsBuilder.build(network)
        XCTAssertEqual(built.settings, NetworkSettings())
        XCTAssertEqual(built.warnings, [])
    }

    func testReadsEveryKey() throws {
        let config = try ConfigLoader.parse(
            """
            network:
              snapshot_interval_seconds: 2
              allow_private: false
              exfiltration:
                window_seconds: 300
                bytes_per_window: 500000000
                sustained_bytes_per_second: 0
                sustained_seconds: 30
                allow:
                  - 198.51.100.0/24
                  - 2001:db8::/32
                  - backup.example.com
              watched_user_allow: [203.0.113.7, console.vast.ai]
            """, file: "n.yaml")
        let n = config.network
        XCTAssertEqual(n.snapshotIntervalSeconds, 2)
        XCTAssertFalse(n.allowPrivate)
        XCTAssertEqual(n.exfiltration.windowSeconds, 300)
        XCTAssertEqual(n.exfiltration.bytesPerWindow, 500_000_000)
        XCTAssertEqual(n.exfiltration.sustainedBytesPerSecond, 0)
        XCTAssertEqual(n.exfiltration.sustainedSeconds, 30)
        XCTAssertEqual(
            n.exfiltration.allow.map(\.target),
            [
                .block(try CIDR.parse("198.51.100.0/24")),
                .block(try CIDR.parse("2001:db8::/32")), .host("backup.example.com"),
            ])
        XCTAssertEqual(n.exfiltration.allow.map(\.origin), ["n.yaml:10", "n.yaml:11", "n.yaml:12"])
        XCTAssertEqual(
            n.watchedUserAllow.map(\.target), [.block(try CIDR.parse("203.0.113.7")), .host("console.vast.ai")])

        // Names resolve through the given resolver; one that fails is a warning, not an error.
        let built = NetworkSettingsBuilder.build(n) { name in
            name == "backup.example.com"
                ? .success([NetScenario.ip("192.0.2.44"), NetScenario.ip("2001:db8:1::44")])
                : .failure(.init("Name or service not known"))
        }
        XCTAssertEqual(
            built.warnings,
            [
                "n.yaml:13: network.watched_user_allow: host name 'console.vast.ai' does not resolve (Name or service not known); ignored"
            ])
        let e = built.settings.exfiltration
        XCTAssertEqual(e.windowSeconds, 300)
        XCTAssertEqual(e.bytesPerWindow, 500_000_000)
        XCTAssertEqual(e.sustainedBytesPerSecond, 0)
        XCTAssertEqual(e.sustainedSeconds, 30)
        XCTAssertFalse(e.allowPrivate)
        XCTAssertEqual(
            e.allow.map(\.description), ["198.51.100.0/24", "2001:db8::/32", "192.0.2.44/32", "2001:db8:1::44/128"])
        XCTAssertEqual(built.settings.watchedOutbound.allow.map(\.description), ["203.0.113.7/32"])
        XCTAssertFalse(built.settings.watchedOutbound.allowPrivate)
        XCTAssertEqual(built.settings.watchedOutbound.windowSeconds, 300)
    }

    func testMistakesAreErrorsWithTheirLine() {
        let cases: [(String, String)] = [
            (
                "network:\n  exfiltration:\n    allow: [10.0.0.0/33]\n",
                "c.yaml:3:13: network.exfiltration.allow[0]: '10.0.0.0/33' has a bad prefix length (IPv4: 0-32, IPv6: 0-128)"
            ),
            (
                "network:\n  watched_user_allow:\n    - 10.0.0.0/8\n    - 10.0.0.1/8\n",
                "c.yaml:4:7: network.watched_user_allow[1]: '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)"
            ),
            (
                "network:\n  watched_user_allow: [300.1.1.1]\n",
                "c.yaml:2:24: network.watched_user_allow[0]: '300.1.1.1' is not an IPv4 or IPv6 address"
            ),
            (
                "network:\n  watched_user_allow: [\"bad name!\"]\n",
                "c.yaml:2:24: network.watched_user_allow[0]: 'bad name!' is neither a CIDR nor a host name"
            ),
            (
                "network:\n  watched_user_allow: 10.0.0.0/8\n",
                "c.yaml:2:23: network.watched_user_allow must be a list of CIDRs or host names"
            ),
            (
                "network:\n  exfiltration:\n    window_seconds: 0\n",
                "c.yaml:3:21: network.exfiltration.window_seconds must be between 1 and 604800, not 0"
            ),
            (
                "network:\n  snapshot_interval_seconds: fast\n",
                "c.yaml:2:30: network.snapshot_interval_seconds must be an integer"
            ),
            (
                "network:\n  allow_private: maybe\n",
                "c.yaml:2:18: network.allow_private must be true or false"
            ),
            (
                "network:\n  exfiltration:\n    bytes: 5\n",
                "c.yaml:3:5: unknown key 'bytes' in network.exfiltration (known: window_seconds, bytes_per_window, sustained_bytes_per_second, sustained_seconds, allow, budgets)"
            ),
            (
                "network:\n  allow: []\n",
                "c.yaml:2:3: unknown key 'allow' in network (known: snapshot_interval_seconds, exfiltration, allow_private, watched_user_allow, watched_user_allow_programs, trusted_destinations)"
            ),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try ConfigLoader.parse(text, file: "c.yaml"), expected) {
                XCTAssertEqual(String(describing: $0), expected)
            }
        }
    }

    func testSystemResolverReadsLiteralsAndReportsFailures() {
        // Numeric names resolve without DNS; a name under .invalid never resolves (RFC 6761).
        XCTAssertEqual(
            try NetworkSettingsBuilder.resolveWithGetaddrinfo("192.0.2.5").get(), [NetScenario.ip("192.0.2.5")])
        XCTAssertEqual(
            try NetworkSettingsBuilder.resolveWithGetaddrinfo("2001:db8::5").get(), [NetScenario.ip("2001:db8::5")])
        if case .success(let addresses) = NetworkSettingsBuilder.resolveWithGetaddrinfo("no-such-host.invalid") {
            XCTAssertEqual(addresses, [], "a .invalid name must not resolve")
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import XCTest

/// The long-horizon byte budgets of the `exfiltration` detector: slow transfers the
/// short window never sees, per watched lineage and destination block. Time is the
/// snapshots' own (the kernel's send times), as in replay.
final class ExfiltrationBudgetTests: XCTestCase {
    private typealias N = NetScenario

    private func evidence(_ alert: Alert?, _ key: String) -> String? {
        alert?.evidence.first { $0.0 == key }?.1
    }

    private func budgets(_ list: [ByteBudget]) -> ExfiltrationSettings {
        ExfiltrationSettings(budgets: list)
    }

    /// Feeds `events` and returns each alert with the index of the event that raised it.
    private func run(_ engine: Engine, _ events: [Event]) -> [(Int, Alert)] {
        events.enumerated().flatMap { i, e in engine.consume(e).map { (i, $0) } }
    }

    func testTheDefaultsCatch1Point5MBPerSecondForTwoMinutesWithTheHourBudget() throws {
        XCTAssertEqual(
            ExfiltrationSettings().budgets,
            [
                ByteBudget(horizonSeconds: 3600, bytes: 134_217_728),
                ByteBudget(horizonSeconds: 86_400, bytes: 536_870_912),
            ])
        let engine = N.engine()  // every default: 1 GiB per 600 s, 20 MB/s for 60 s, the two budgets
        for e in N.processes(900, exe: "/usr/bin/rclone", lineage: 1001) { XCTAssertEqual(engine.consume(e), []) }
        // 1.5 MB/s for 120 s: 24 snapshots of 7.5 MB; the 18th (135 MB, 90 s in) crosses 128 MiB.
        let events = N.transfer(
            900, to: "203.0.113.50", start: 100, snapshots: 24, bytesEach: 7_500_000, lineage: 1001)
        let alerts = run(engine, events)
        XCTAssertEqual(alerts.map(\.0), [17], "the short window stays quiet; the hour's budget fires once")
        let alert = try XCTUnwrap(alerts.first?.1)
        XCTAssertEqual(alert.rule, "exfiltration")
        XCTAssertEqual(alert.severity, .high)
        XCTAssertEqual(alert.eventTimeNs, 190_200_000_000)
        XCTAssertEqual(
            alert.title,
            "Outbound data over 1 h: 135.0 MB to 203.0.113.0/24, over the budget of 134.2 MB, "
                + "from vastai_kaalia (uid 1001) lineage")
        XCTAssertEqual(
            alert.evidence.map(\.0),
            [
                "destination", "addresses", "bytes_in_horizon", "horizon_seconds", "budget_bytes", "trigger",
                "subject", "process", "cgroup_id",
            ])
        XCTAssertEqual(
            alert.evidence.map(\.1),
            [
                "203.0.113.0/24", "203.0.113.50:443/tcp", "135000000", "3600", "134217728", "budget_3600s",
                "vastai_kaalia (uid 1001) lineage", "rclone (pid 900)", "4242",
            ])
        XCTAssertEqual(alert.chain.map(\.pid), [900, 899])
        XCTAssertEqual(alert.chain.first?.exe, "/usr/bin/rclone")
        XCTAssertEqual(alert.dedupKey, "exfiltration|budget:3600|lineage:1001|203.0.113.0/24")
    }

    func testTheDayBudgetCatchesATrickleTheHourMisses() throws {
        let engine = N.engine()
        // 25 MB every 15 minutes (100 MB an hour, under 128 MiB): the 22nd snapshot makes 550 MB in a day.
        let events = N.transfer(
            900, to: "198.18.7.9", start: 0, snapshots: 30, bytesEach: 25_000_000, interval: 900, lineage: 1001)
        let alerts = run(engine, events)
        XCTAssertEqual(alerts.map(\.0), [21])
        let alert = try XCTUnwrap(alerts.first?.1)
        XCTAssertEqual(evidence(alert, "trigger"), "budget_86400s")
        XCTAssertEqual(evidence(alert, "bytes_in_horizon"), "550000000")
        XCTAssertEqual(evidence(alert, "horizon_seconds"), "86400")
        XCTAssertEqual(evidence(alert, "budget_bytes"), "536870912")
        XCTAssertEqual(evidence(alert, "destination"), "198.18.7.0/24")
        XCTAssertEqual(
            alert.title,
            "Outbound data over 24 h: 550.0 MB to 198.18.7.0/24, over the budget of 536.9 MB, "
                + "from vastai_kaalia (uid 1001) lineage")
        XCTAssertEqual(alert.dedupKey, "exfiltration|budget:86400|lineage:1001|198.18.7.0/24")
    }

    func testOneAlertPerHorizonThenAgainWithOnlyTheBytesInsideIt() {
        let engine = N.engine(budgets([ByteBudget(horizonSeconds: 3600, bytes: 100_000_000)]))
        // 10 MB a minute for 70 minutes: over the budget at the 10th minute, quiet for an hour,
        // then again with the last hour's 60 minutes only.
        let events = N.transfer(
            900, to: "203.0.113.50", start: 0, snapshots: 70, bytesEach: 10_000_000, interval: 60, lineage: 1001)
        let alerts = run(engine, events)
        XCTAssertEqual(alerts.map(\.0), [9, 69])
        XCTAssertEqual(alerts.map { evidence($0.1, "bytes_in_horizon") }, ["100000000", "600000000"])
        XCTAssertEqual(alerts.map(\.1.eventTimeNs), [600_200_000_000, 4_200_200_000_000])
        XCTAssertEqual(
            alerts.map(\.1.dedupKey),
            Array(repeating: "exfiltration|budget:3600|lineage:1001|203.0.113.0/24", count: 2))
    }

    func testNeighbouringAddressesShareTheBlocksBudget() throws {
        let settings = budgets([ByteBudget(horizonSeconds: 3600, bytes: 100_000_000)])
        var engine = N.engine(settings)
        var events = N.transfer(900, to: "203.0.113.10", start: 0, snapshots: 1, bytesEach: 40_000_000, lineage: 1001)
        events += N.transfer(
            901, to: "203.0.113.200", port: 8443, start: 5, snapshots: 1, bytesEach: 50_000_000, lineage: 1001)
        // The IPv4-mapped form of a neighbour is the same block.
        events += N.transfer(
            901, to: "::ffff:203.0.113.7", start: 10, snapshots: 1, bytesEach: 10_000_000, lineage: 1001)
        // Another /24 is another budget.
        events += N.transfer(900, to: "203.0.114.1", start: 15, snapshots: 1, bytesEach: 90_000_000, lineage: 1001)
        var alerts = run(engine, events)
        XCTAssertEqual(alerts.map(\.0), [2])
        let alert = try XCTUnwrap(alerts.first?.1)
        XCTAssertEqual(evidence(alert, "destination"), "203.0.113.0/24")
        XCTAssertEqual(
            evidence(alert, "addresses"), "203.0.113.200:8443/tcp, 203.0.113.10:443/tcp, [::ffff:203.0.113.7]:443/tcp")
        XCTAssertEqual(evidence(alert, "bytes_in_horizon"), "100000000")
        XCTAssertEqual(evidence(alert, "sender_pids"), "900, 901")
        XCTAssertEqual(evidence(alert, "process"), "rclone (pid 901)")

        // IPv6 counts per /64.
        engine = N.engine(settings)
        events = N.transfer(900, to: "2001:db8:1:2::5", start: 0, snapshots: 1, bytesEach: 60_000_000, lineage: 1001)
        events += N.transfer(
            900, to: "2001:db8:1:2:ffff::9", start: 5, snapshots: 1, bytesEach: 60_000_000, lineage: 1001)
        events += N.transfer(900, to: "2001:db8:1:3::5", start: 10, snapshots: 1, bytesEach: 60_000_000, lineage: 1001)
        alerts = run(engine, events)
        XCTAssertEqual(alerts.map(\.0), [1])
        XCTAssertEqual(evidence(alerts.first?.1, "destination"), "2001:db8:1:2::/64")
        XCTAssertEqual(
            evidence(alerts.first?.1, "addresses"), "[2001:db8:1:2::5]:443/tcp, [2001:db8:1:2:ffff::9]:443/tcp")
    }

    func testPrivateAndCGNATCountUnlessTrustedOrAllowed() {
        let settings = ExfiltrationSettings(
            allow: [CIDR("198.51.100.0/24")].compactMap { $0 }, trusted: [CIDR("192.168.50.0/24")].compactMap { $0 },
            budgets: [ByteBudget(horizonSeconds: 3600, bytes: 100_000_000)])
        XCTAssertTrue(settings.allowPrivate, "the short window's default, which the budgets do not follow")
        for destination in [
            "10.1.2.3", "172.20.0.5", "192.168.7.7", "100.64.1.1", "169.254.3.3", "fd00::5", "fe80::1",
        ] {
            let engine = N.engine(settings)
            let alerts = N.transfer(
                900, to: destination, start: 10, snapshots: 2, bytesEach: 60_000_000, lineage: 1001
            ).flatMap(engine.consume)
            XCTAssertEqual(alerts.map { evidence($0, "trigger") }, ["budget_3600s"], destination)
        }
        for destination in ["192.168.50.9", "198.51.100.20", "127.0.0.1", "::1", "0.0.0.0"] {
            let engine = N.engine(settings)
            let alerts = N.transfer(
                900, to: destination, start: 10, snapshots: 2, bytesEach: 60_000_000, lineage: 1001
            ).flatMap(engine.consume)
            XCTAssertEqual(alerts, [], destination)
        }
        // Trusted is trusted by the short window too, with allow_private off.
        var strict = settings
        strict.allowPrivate = false
        strict.bytesPerWindow = 100_000_000
        let engine = N.engine(strict)
        XCTAssertEqual(
            N.transfer(900, to: "192.168.50.9", start: 10, snapshots: 2, bytesEach: 60_000_000).flatMap(
                engine.consume), [])
    }

    func testContainersAndUnwatchedLineagesAreNotBudgeted() {
        let engine = N.engine(budgets([ByteBudget(horizonSeconds: 3600, bytes: 10_000_000)]))
        // 600 MB over ten minutes from a renter's container, and from an unwatched user's lineage.
        var events = N.transfer(900, to: "203.0.113.50", start: 0, snapshots: 120, bytesEach: 5_000_000)
        events += N.transfer(
            901, to: "203.0.113.51", start: 0, snapshots: 120, bytesEach: 5_000_000, lineage: 2000, cgroup: 7)
        XCTAssertEqual(events.flatMap(engine.consume), [])
    }

    func testEmptyBudgetsTurnThemOff() {
        let engine = N.engine(budgets([]))
        let events = N.transfer(900, to: "203.0.113.50", start: 0, snapshots: 60, bytesEach: 7_500_000, lineage: 1001)
        XCTAssertEqual(events.flatMap(engine.consume), [])
    }

    func testReloadAppliesNewBudgetsAndKeepsTheCountedBytes() throws {
        let detector = ExfiltrationDetector(settings: budgets([ByteBudget(horizonSeconds: 3600, bytes: 1_000_000_000)]))
        let engine = Engine(
            config: EngineConfig(watchedUids: [1001], userNames: [1001: "vastai_kaalia"]), detectors: [detector])
        let events = N.transfer(
            900, to: "203.0.113.50", start: 0, snapshots: 4, bytesEach: 40_000_000, lineage: 1001)
        XCTAssertEqual(events[0...1].flatMap(engine.consume), [])
        // SIGHUP: the same horizon with a smaller budget; the 80 MB counted so far stay.
        engine.apply(
            DetectorSettings(
                network: NetworkSettings(exfiltration: budgets([ByteBudget(horizonSeconds: 3600, bytes: 100_000_000)])))
        )
        XCTAssertEqual(detector.settings.budgets, [ByteBudget(horizonSeconds: 3600, bytes: 100_000_000)])
        let alerts = engine.consume(events[2])
        XCTAssertEqual(alerts.map { evidence($0, "bytes_in_horizon") }, ["120000000"])
        XCTAssertEqual(alerts.map { evidence($0, "budget_bytes") }, ["100000000"])
        // A new horizon starts from zero: 40 MB is under its 100 MB.
        engine.apply(
            DetectorSettings(
                network: NetworkSettings(exfiltration: budgets([ByteBudget(horizonSeconds: 7200, bytes: 100_000_000)])))
        )
        XCTAssertEqual(engine.consume(events[3]), [])
        XCTAssertEqual(detector.budgetTrackedCount, 1)
    }

    func testTrackedPairsAreBoundedAndEvictionAlerts() throws {
        let settings = ExfiltrationSettings(
            budgets: [ByteBudget(horizonSeconds: 3600, bytes: 1_000_000_000)], budgetMaxTracked: 64)
        let detector = ExfiltrationDetector(settings: settings)
        let engine = Engine(
            config: EngineConfig(watchedUids: [1001], userNames: [1001: "vastai_kaalia"]), detectors: [detector])
        var alerts: [(UInt32, Alert)] = []
        for i in 0..<UInt32(200) {
            let destination = IPAddress(ipv4: 0xcb00_0000 + (i << 8) + 1)  // 203.0.0.1, 203.0.1.1, …: a /24 each
            let ts = UInt64(i) * N.second
            alerts += engine.consume(
                .netBytes(
                    NetBytesEvent(
                        header: N.header(900, ts: ts, lineage: 1001), proto: .udp, destination: destination,
                        destinationPort: 53, bytes: 1000 + UInt64(i), sends: 1, firstNs: ts, lastNs: ts))
            ).map { (i, $0) }
            XCTAssertLessThanOrEqual(detector.budgetTrackedCount, 64)
        }
        // The 65th pair evicts 8; the next evictions fall inside the hour's quiet and wait for it.
        XCTAssertEqual(alerts.map(\.0), [64])
        let alert = try XCTUnwrap(alerts.first?.1)
        XCTAssertEqual(alert.rule, "exfiltration")
        XCTAssertEqual(alert.severity, .medium)
        XCTAssertEqual(
            alert.title,
            "Exfiltration budgets full: 8 least recently active (lineage, destination) pairs forgotten (limit 64)")
        XCTAssertEqual(
            alert.evidence.map(\.0),
            ["trigger", "evicted", "tracked_limit", "largest_evicted_bytes", "subject", "cgroup_id"])
        XCTAssertEqual(
            alert.evidence.map(\.1),
            ["budget_tracking_full", "8", "64", "1007", "vastai_kaalia (uid 1001) lineage", "4242"])
        XCTAssertEqual(alert.dedupKey, "exfiltration|budget-tracking-full")
        // Over an hour on, the evictions since are reported, all of them (16 more rounds of 8).
        let late = 4000 * N.second
        let more = engine.consume(
            .netBytes(
                NetBytesEvent(
                    header: N.header(900, ts: late, lineage: 1001), proto: .udp, destination: N.ip("198.18.0.1"),
                    destinationPort: 53, bytes: 1, sends: 1, firstNs: late, lastNs: late)))
        XCTAssertEqual(more.map { evidence($0, "trigger") }, ["budget_tracking_full"])
        XCTAssertEqual(more.map { evidence($0, "evicted") }, ["128"])
        XCTAssertEqual(more.map { evidence($0, "largest_evicted_bytes") }, ["1135"])
        XCTAssertEqual(
            detector.budgetTrackedCount, 1, "an hour of silence empties every counter; the sweep forgets them")
    }
}

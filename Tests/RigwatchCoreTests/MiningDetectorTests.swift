// SPDX-License-Identifier: Apache-2.0
import RigwatchConfig
import RigwatchSources
import RigwatchTestSupport
import XCTest

@testable import RigwatchCore

final class MiningDetectorTests: XCTestCase {
    typealias S = MiningScenario

    static let config = """
        mining:
          allowed_cgroups: [5000]
          allowed_process_names: [train-worker]
        """

    private func replay(_ name: String, yaml: String = config) throws -> [Alert] {
        let trace = try TraceFile.read(path: Repo.fixture("traces") + "/" + name)
        let settings = try XCTUnwrap(try ConfigLoader.parse(yaml).mining.settings)
        let engine = Engine(
            config: EngineConfig(watchedUsers: trace.header.watchedUsers),
            detectors: Engine.standardDetectors(mining: settings))
        return trace.events.flatMap(engine.consume)
    }

    private func evidence(_ alert: Alert?, _ name: String) -> String? { alert?.evidence.first { $0.0 == name }?.1 }

    // MARK: Recorded-trace scenarios

    /// (a) All three signals agree: one critical alert, raised when the GPU signal matures.
    func testWatchedUsersMinerWithStratumArgsPoolAndBusyGPUIsOneCriticalAlert() throws {
        let alerts = try replay("mining-watched-miner.jsonl")
        XCTAssertEqual(alerts.map(\.rule), ["crypto-mining"])
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertEqual(alert.severity, .critical)
        XCTAssertEqual(evidence(alert, "signals"), "exec-signature, pool-connection, gpu-busy")
        XCTAssertEqual(evidence(alert, "subject"), "vastai_kaalia (uid 1001) lineage")
        let signature = try XCTUnwrap(evidence(alert, "exec_signature"))
        XCTAssertTrue(signature.contains("miner-name: xmrig"), signature)
        XCTAssertTrue(signature.contains("stratum-url: stratum+tcp://pool.supportxmr.com:3333"), signature)
        XCTAssertTrue(signature.contains("pool-domain: pool.supportxmr.com"), signature)
        XCTAssertTrue(signature.contains("miner-flags: -o stratum+tcp://pool.supportxmr.com:3333, -u 4Ad"), signature)
        XCTAssertEqual(evidence(alert, "pool_connection"), "198.51.100.7:3333/tcp by pid 701 (1 connect, 0 bytes sent)")
        XCTAssertEqual(
            evidence(alert, "gpu"),
            "GPU 0 (GPU-5b3a1c2e-8f41-4d7a-9c0e-1f2a3b4c5d6e): util min 97% avg 98.5% "
                + "max 100% over 60.0 s (31 samples), at least 80% for 60 s")
        XCTAssertEqual(evidence(alert, "gpu_processes"), "701 (xmrig): in the lineage of watched uid 1001")
        XCTAssertEqual(alert.chain.map(\.pid), [701, 700])
        XCTAssertEqual(alert.subject?.exe, "/tmp/.cache/xmrig")
        XCTAssertEqual(alert.eventTimeNs, 162_500_000_000, "raised by the sample that made 60 s of busy GPU")
    }

    /// (b) Allowed container at 100%: named by NVML, then invisible to nvidia-smi but still live.
    func testTrainingJobInAnAllowedContainerRaisesNothing() throws {
        XCTAssertEqual(try replay("mining-training-allowed.jsonl").map(\.title), [])
        // Without the allowance the same trace is an idle host busy for minutes.
        let unallowed = try replay("mining-training-allowed.jsonl", yaml: "mining: {}")
        XCTAssertEqual(unallowed.map(\.severity), [.low])
        XCTAssertEqual(evidence(unallowed.first, "signals"), "gpu-busy")
        XCTAssertEqual(evidence(unallowed.first, "subject"), "cgroup 5000")
    }

    /// (c) No signature at all: the busy GPU and the pool port agree.
    func testRenamedMinerOnABusyIdleHostWithAPoolConnectionAlerts() throws {
        let alerts = try replay("mining-renamed-miner.jsonl")
        XCTAssertEqual(alerts.map(\.severity), [.high])
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertEqual(evidence(alert, "signals"), "pool-connection, gpu-busy")
        XCTAssertEqual(evidence(alert, "subject"), "cgroup 6000")
        XCTAssertEqual(
            evidence(alert, "pool_connection"), "203.0.113.20:14444/tcp by pid 3001 (1 connect, 0 bytes sent)")
        XCTAssertEqual(
            evidence(alert, "gpu_processes"), "3001 (worker): in cgroup 6000, not an allowed container or process name")
        XCTAssertEqual(alert.subject?.argv, ["worker", "--config", "/etc/worker.json"])
        XCTAssertNil(evidence(alert, "exec_signature"))
    }

    /// (d) A miner's name while the GPU stays idle: low, after the hold for the GPU signal.
    func testMinerNameOnAnIdleGPUIsLow() throws {
        let alerts = try replay("mining-idle-miner-name.jsonl")
        XCTAssertEqual(alerts.map(\.severity), [.low])
        let alert = try XCTUnwrap(alerts.first)
        XCTAssertEqual(evidence(alert, "signals"), "exec-signature")
        XCTAssertEqual(evidence(alert, "exec_signature"), "miner-name: lolMiner")
        XCTAssertEqual(alert.subject?.pid, 4001, "the miner exited; the alert still names it")
        XCTAssertEqual(alert.eventTimeNs, 176 * S.second, "first event after the 75 s hold")
    }

    // MARK: Correlation

    func testOneIncidentNotOneAlertPerSample() {
        let events =
            [S.exec(3001, ["worker"], ts: 10 * S.second), S.connect(3001, port: 3333, ts: 11 * S.second)]
            + S.gpu(from: 12, to: 1200, util: 100, pids: [3001])
        let alerts = S.run(events)
        XCTAssertEqual(alerts.map(\.severity), [.high])
        XCTAssertEqual(alerts.first?.eventTimeNs, 72 * S.second)
    }

    /// The GPU joins an incident already raised: one escalation each time a new signal joins, none for more of the same.
    func testLaterSignalsEscalateOnceEach() throws {
        var events = [S.exec(4001, ["/opt/t-rex", "--version"], ts: 10 * S.second, comm: "t-rex")]
        events += S.gpu(from: 12, to: 200, util: 5, pids: [])  // idle: low after the hold (10 + 75 s)
        events += S.gpu(from: 202, to: 400, util: 99, pids: [4001])  // busy from 202 s: the GPU matures at 262 s
        events.append(S.connect(4001, port: 4444, ts: 300 * S.second, comm: "t-rex"))
        events.append(S.connect(4001, port: 5555, ts: 310 * S.second, comm: "t-rex"))
        let alerts = S.run(events)
        XCTAssertEqual(alerts.map(\.severity), [.low, .high, .critical])
        XCTAssertEqual(alerts.map(\.eventTimeNs), [86 * S.second, 262 * S.second, 300 * S.second])
        XCTAssertNil(evidence(alerts[0], "escalation"))
        XCTAssertEqual(evidence(alerts[1], "escalation"), "low → high: gpu-busy joined")
        XCTAssertEqual(evidence(alerts[2], "escalation"), "high → critical: pool-connection joined")
        XCTAssertTrue(alerts[1].title.hasPrefix("Crypto-mining escalated to high"), alerts[1].title)
        XCTAssertEqual(Set(alerts.map(\.dedupKey)).count, 3, "an escalation is not deduplicated away")
    }

    // MARK: Titles

    private let stratum = "stratum+tcp://pool.supportxmr.com:3333"

    /// The launcher's exec matches first (its argv is the miner's); the title names the miner it starts.
    func testTitleOfAMinerStartedByEnvNamesTheMinerViaEnv() {
        let events =
            [
                S.exec(4001, ["env", "XMRIG_X=1", "./xmrig", "-o", stratum], path: "/usr/bin/env", ts: 10 * S.second),
                S.exec(4001, ["./xmrig", "-o", stratum], ts: 10 * S.second + 1),
            ] + S.gpu(from: 12, to: 100, util: 1)
        let alerts = S.run(events)
        XCTAssertEqual(
            alerts.map(\.title),
            ["Crypto-mining suspected (exec-signature): xmrig (via env) in cgroup 6000"])
        XCTAssertEqual(evidence(alerts.first, "process1"), "pid 4001 /usr/bin/env", "the evidence keeps the exec")
    }

    func testTitleOfAMinerStartedByAChainOfLaunchersNamesEachLauncher() {
        let argv = ["nice", "-n", "5", "timeout", "1h", "/tmp/xmrig", "-o", stratum]
        let events =
            [S.exec(4001, argv, path: "/usr/bin/nice", ts: 10 * S.second)] + S.gpu(from: 12, to: 100, util: 1)
        XCTAssertEqual(
            S.run(events).map(\.title),
            ["Crypto-mining suspected (exec-signature): xmrig (via nice, timeout) in cgroup 6000"])
    }

    func testTitleOfAMinerRunDirectlyNamesItsExecutable() {
        let events =
            [S.exec(4001, ["./xmrig", "-o", stratum], path: "/tmp/.cache/xmrig", ts: 10 * S.second)]
            + S.gpu(from: 12, to: 100, util: 1)
        XCTAssertEqual(
            S.run(events).map(\.title), ["Crypto-mining suspected (exec-signature): xmrig in cgroup 6000"])
    }

    /// argv[0] is the caller's choice: a miner that calls itself `env` is named by its executable.
    func testTitleIgnoresALauncherNameInArgvZero() {
        let events =
            [S.exec(4001, ["env", "sshd", "-o", stratum], path: "/tmp/xmrig", ts: 10 * S.second)]
            + S.gpu(from: 12, to: 100, util: 1)
        XCTAssertEqual(
            S.run(events).map(\.title), ["Crypto-mining suspected (exec-signature): xmrig in cgroup 6000"])
    }

    func testANewIncidentAfterTheQuietPeriod() {
        var events = [S.exec(4001, ["xmrig"], ts: 10 * S.second)]
        events += S.gpu(from: 12, to: 100, util: 1)
        events.append(S.exec(4002, ["xmrig"], ts: 300 * S.second))  // within 600 s: same incident
        events += S.gpu(from: 302, to: 1000, util: 1)
        events.append(S.exec(4003, ["xmrig"], ts: 1001 * S.second))  // 701 s after the last signal: a new one
        events += S.gpu(from: 1002, to: 1100, util: 1)
        let alerts = S.run(events)
        XCTAssertEqual(alerts.map(\.eventTimeNs), [86 * S.second, 1076 * S.second])
        XCTAssertEqual(alerts.map(\.severity), [.low, .low])
        XCTAssertNotEqual(alerts.first?.dedupKey, alerts.last?.dedupKey)
    }

    /// nvidia-smi names no compute process: the busy GPU is charged to whoever reached a pool.
    func testBusyGPUWithoutProcessesJoinsTheContainerThatReachedAPool() {
        let events =
            [S.exec(3001, ["worker"], ts: 10 * S.second), S.connect(3001, port: 14444, ts: 11 * S.second)]
            + S.gpu(from: 12, to: 100, util: 100, pids: [])
        let alerts = S.run(events)
        XCTAssertEqual(alerts.map(\.severity), [.high])
        XCTAssertEqual(evidence(alerts.first, "subject"), "cgroup 6000")
        XCTAssertEqual(evidence(alerts.first, "gpu_reason"), "busy while no allowed workload runs")
    }

    func testBusyGPUWithNobodyToChargeIsAHostIncident() {
        let alerts = S.run(S.gpu(from: 0, to: 100, util: 90))
        XCTAssertEqual(alerts.map(\.severity), [.low])
        XCTAssertEqual(evidence(alerts.first, "subject"), "the host (GPU use not attributed to a known process)")
        XCTAssertEqual(alerts.first?.chain, [])
    }

    func testAPoolPortAloneRaisesNothing() {
        let events =
            [
                S.exec(3001, ["curl", "http://example.com:8080/"], ts: 10 * S.second),
                S.connect(3001, port: 8080, ts: 11 * S.second, comm: "curl"),
            ] + S.gpu(from: 12, to: 200, util: 0)
        XCTAssertEqual(S.run(events).map(\.title), [])
    }

    func testBusyGPUBelowTheDurationOrThresholdRaisesNothing() {
        XCTAssertEqual(
            S.run(
                S.gpu(from: 0, to: 58, util: 100) + S.gpu(from: 60, to: 62, util: 10)
                    + S.gpu(from: 64, to: 120, util: 100)
            ).count, 0)
        XCTAssertEqual(S.run(S.gpu(from: 0, to: 300, util: 79)).count, 0)
    }

    /// A watched user's process on the GPU is suspect even while allowed work runs beside it.
    func testWatchedLineageComputeProcessIsSuspectBesideAllowedWork() {
        let events =
            [
                S.exec(2001, ["python3", "train.py"], ts: 1 * S.second, cgroup: 5000),
                S.exec(701, ["/tmp/gpu-burn"], ts: 2 * S.second, lineage: S.kaalia, cgroup: 77),
            ]
            + S.gpu(from: 4, to: 100, util: 100, pids: [2001, 701])
        let alerts = S.run(events, settings: MiningSettings(allowedCgroups: [5000]))
        XCTAssertEqual(alerts.map(\.severity), [.low])
        XCTAssertEqual(evidence(alerts.first, "subject"), "vastai_kaalia (uid 1001) lineage")
        XCTAssertEqual(evidence(alerts.first, "gpu_processes"), "701 (gpu-burn): in the lineage of watched uid 1001")
    }

    func testAllowedProcessNameMakesTheGPUBusyLegitimate() {
        let events =
            [S.exec(2001, ["/opt/app/train-worker", "--rank", "0"], ts: 1 * S.second, cgroup: 7000)]
            + S.gpu(from: 2, to: 200, util: 100, pids: [2001]) + S.gpu(from: 202, to: 400, util: 100, pids: [])
        XCTAssertEqual(S.run(events, settings: MiningSettings(allowedProcessNames: ["train-worker"])).count, 0)
    }

    func testMinerArgvNamingAPortOffTheListMakesThatPortAPoolConnection() {
        let events =
            [
                S.exec(3001, ["/usr/bin/srbminer-multi", "--pool", "gulf.moneroocean.stream:443"], ts: 10 * S.second),
                S.connect(3001, port: 443, ts: 11 * S.second, comm: "srbminer-multi"),
            ] + S.gpu(from: 12, to: 100, util: 0)
        let alerts = S.run(events)
        XCTAssertEqual(alerts.map(\.severity), [.high])
        XCTAssertEqual(evidence(alerts.first, "signals"), "exec-signature, pool-connection")
    }

    func testStandardDetectorsWithoutMiningSettingsHaveNoMiningDetector() {
        XCTAssertTrue(Engine(detectors: Engine.standardDetectors()).detectors(of: MiningDetector.self).isEmpty)
        XCTAssertEqual(
            Engine(detectors: Engine.standardDetectors(mining: MiningSettings())).detectors(of: MiningDetector.self)
                .count, 1)
    }

    func testSeverityByAgreeingSignals() {
        XCTAssertEqual((1...3).map { MiningSignal.severity(agreeing: $0) }, [.low, .high, .critical])
    }

    // MARK: Signatures

    private let matcher = ExecSignatureMatcher(signatures: .standard)

    private func kinds(_ argv: [String], path: String? = nil, comm: String? = nil) -> [ExecSignatureHit.Kind] {
        let exe = path ?? argv[0]
        return matcher.match(path: exe, comm: comm ?? String(exe.split(separator: "/").last ?? ""), argv: argv).map(
            \.kind)
    }

    func testMinerNamesMatchCaseInsensitively() {
        XCTAssertEqual(kinds(["/opt/PhoenixMiner"]), [.minerName])
        XCTAssertEqual(kinds(["./SRBMiner-MULTI"]), [.minerName])
        XCTAssertEqual(kinds(["XMRIG"]), [.minerName])
        XCTAssertEqual(kinds(["/usr/bin/t-rex", "-c", "config.json"]), [.minerName])
        // argv[0] names the miner though the file was renamed, or the other way round.
        XCTAssertEqual(kinds(["nbminer"], path: "/tmp/a.out", comm: "a.out"), [.minerName])
        XCTAssertEqual(kinds([], path: "/tmp/lolminer", comm: "lolminer"), [.minerName])
        // Not a substring match: xmrig-proxy, minerd-helper and "miner" are other programs.
        XCTAssertEqual(kinds(["/usr/bin/xmrig-proxy"]), [])
        XCTAssertEqual(kinds(["miner"]), [])
        XCTAssertEqual(kinds(["/usr/bin/python3", "rigel.py"]), [])
    }

    func testCommCutAt15CharactersStillMatches() {
        let long = ExecSignatureMatcher(
            signatures: MiningSignatures.standard.extended(minerNames: ["CryptoDredgeMinerX"]))
        // The exe was renamed; only the comm the kernel kept (15 bytes) is left to judge.
        XCTAssertEqual(long.minerName(path: "/x/renamed", comm: "CryptoDredgeMin", argv0: "renamed"), "CryptoDredgeMin")
        XCTAssertEqual(long.minerName(path: "/x/renamed", comm: "cryptodredgemin", argv0: nil), "cryptodredgemin")
        XCTAssertNil(
            long.minerName(path: "/x/renamed", comm: "CryptoDredge", argv0: nil), "a short comm must match whole")
        XCTAssertEqual(
            long.minerName(path: "/x/CryptoDredgeMinerX", comm: "CryptoDredgeMin", argv0: nil), "CryptoDredgeMinerX")
    }

    func testStratumURLs() {
        for url in [
            "stratum+tcp://eth.example:4444", "stratum+ssl://x.example:443", "stratum2+tcp://y.example:3333",
            "stratum1+tcp://z.example:1", "STRATUM+TCP://Upper.example:3333", "stratum+tls://w.example:443",
        ] {
            XCTAssertEqual(ExecSignatureMatcher.stratumURL(url), url, url)
        }
        XCTAssertEqual(
            ExecSignatureMatcher.stratumURL("--url=stratum+tcp://h.example:3333"), "stratum+tcp://h.example:3333")
        XCTAssertNil(ExecSignatureMatcher.stratumURL("stratum"))
        XCTAssertNil(ExecSignatureMatcher.stratumURL("stratum-docs.txt"))
        XCTAssertNil(ExecSignatureMatcher.stratumURL("stratum+http://a"))
        XCTAssertEqual(
            kinds(["/opt/w", "-P", "stratum1+tcp://0xabc@eu1.ethermine.org:4444"]), [.stratumURL, .poolDomain])
    }

    func testPoolDomains() {
        XCTAssertEqual(matcher.poolDomain("pool.supportxmr.com:3333"), "pool.supportxmr.com")
        XCTAssertEqual(matcher.poolDomain("--url=stratum+ssl://wallet.w1@EU1.Ethermine.org:5555"), "eu1.ethermine.org")
        XCTAssertEqual(matcher.poolDomain("fr.minexmr.com."), "fr.minexmr.com")
        XCTAssertEqual(matcher.poolDomain("eu-west.stratum.antpool.com"), "eu-west.stratum.antpool.com", "a sub-domain")
        XCTAssertNil(matcher.poolDomain("pool.supportxmr.com.example.net"))
        XCTAssertNil(matcher.poolDomain("notpool.supportxmr.co"))
        XCTAssertNil(matcher.poolDomain("/data/pool.txt"))
        let extended = ExecSignatureMatcher(
            signatures: MiningSignatures.standard.extended(poolDomains: ["MoneroOcean.stream"]))
        XCTAssertEqual(extended.poolDomain("gulf.moneroocean.stream:10128"), "gulf.moneroocean.stream")
    }

    func testMinerFlagsCombination() {
        let eth = "0x" + String(repeating: "ab12", count: 10)
        XCTAssertEqual(
            MinerFlags.match(["--algo", "ethash", "--pool", "h.example:4444"]), "--algo ethash, --pool h.example:4444")
        XCTAssertEqual(MinerFlags.match(["-a", "KAWPOW", "-u", eth + ".rig1"]), "-a KAWPOW, -u \(eth).rig1")
        XCTAssertEqual(MinerFlags.match(["-o", "10.0.0.9:3333", "-u", eth]), "-o 10.0.0.9:3333, -u \(eth)")
        XCTAssertEqual(
            MinerFlags.match(["--algo=randomx", "--url=stratum+tcp://h.example:3333"]),
            "--algo randomx, --url stratum+tcp://h.example:3333")
        XCTAssertEqual(
            MinerFlags.match([
                "-a", "autolykos2", "-o", "h.example:9999", "-u", "9f" + String(repeating: "Q", count: 48),
            ])?
            .components(separatedBy: ", ").count, 3)
    }

    func testMinerFlagsFalsePositiveGuards() {
        XCTAssertNil(MinerFlags.match(["--algo", "ethash"]), "an algorithm alone")
        XCTAssertNil(MinerFlags.match(["-o", "h.example:3333"]), "a pool alone")
        XCTAssertNil(MinerFlags.match(["-o", "h.example:3333", "-u", "bob"]), "-u that is no wallet")
        XCTAssertNil(MinerFlags.match(["-a", "3", "-o", "cracked.txt", "hashes.txt"]), "hashcat")
        XCTAssertNil(MinerFlags.match(["-u", "user:secret", "-o", "out.html", "https://example.com"]), "curl")
        XCTAssertNil(
            MinerFlags.match(["-o", "/tmp/out:1", "-u", "0x" + String(repeating: "0", count: 40)]), "a path is no pool")
        XCTAssertNil(MinerFlags.match(["--algo", "sha256", "--user", "alice"]), "not a mining algorithm, not a wallet")
        XCTAssertEqual(kinds(["gcc", "-o", "main.o", "-a", "x"]), [])
        XCTAssertEqual(kinds(["python3", "train.py", "--epochs", "90", "-o", "checkpoints/run1"]), [])
    }

    func testWalletLike() {
        XCTAssertTrue(MinerFlags.isWalletLike("0x" + String(repeating: "A1", count: 20)))
        XCTAssertTrue(
            MinerFlags.isWalletLike(
                "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge"))
        XCTAssertTrue(MinerFlags.isWalletLike("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq.worker1"))
        XCTAssertTrue(MinerFlags.isWalletLike("RVN:RXq2Ubh3sv4dFQqFwwEaKjbnXNdDcpk6N8.rig"))
        XCTAssertFalse(MinerFlags.isWalletLike("0x1234"))
        XCTAssertFalse(MinerFlags.isWalletLike("alice"))
        XCTAssertFalse(MinerFlags.isWalletLike("user:password"))
        XCTAssertFalse(MinerFlags.isWalletLike(String(repeating: "a", count: 40)), "letters only")
    }

    func testBuiltInSignaturesMatchTheDataFile() throws {
        let text = try String(
            contentsOfFile: Repo.fixture("traces") + "/../data/mining-signatures.txt", encoding: .utf8)
        var sections: [String: [String]] = [:]
        var current = ""
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            if line.hasPrefix("[") {
                current = String(line.dropFirst().dropLast())
                continue
            }
            sections[current, default: []] += line.split(separator: " ").map(String.init)
        }
        let standard = MiningSignatures.standard
        XCTAssertEqual(standard.poolPorts, Set((sections["ports"] ?? []).compactMap { UInt16($0) }))
        XCTAssertEqual(MiningSignatures.poolPorts, standard.poolPorts)
        XCTAssertEqual(standard.minerNames, Set((sections["binaries"] ?? []).map { $0.lowercased() }))
        let domains =
            (sections["domains"] ?? []) + (sections["domains-on-443"] ?? []) + (sections["domains-on-80"] ?? [])
        XCTAssertEqual(standard.poolDomains, Set(domains))
    }

    // MARK: Config

    func testMiningConfigDefaultsAndKeys() throws {
        let defaults = try ConfigLoader.parse("").mining
        XCTAssertEqual(defaults, MiningConfig())
        XCTAssertEqual(defaults.gpuIntervalSeconds, 2)
        XCTAssertEqual(defaults.settings, MiningSettings())
        let config = try ConfigLoader.parse(
            """
            mining:
              gpu_busy_percent: 90
              gpu_busy_seconds: 120
              gpu_interval_seconds: 5
              quiet_seconds: 300
              allowed_cgroups: [5000, 5001]
              allowed_process_names: [python3, train-worker]
              extra_miner_names: [MyMiner]
              extra_pool_domains: [pool.example.org]
              extra_pool_ports: [1234]
            """
        ).mining
        XCTAssertEqual(config.gpuIntervalSeconds, 5)
        let settings = try XCTUnwrap(config.settings)
        XCTAssertEqual(settings.busyPercent, 90)
        XCTAssertEqual(settings.busySeconds, 120)
        XCTAssertEqual(settings.holdSeconds, 135)
        XCTAssertEqual(settings.quietSeconds, 300)
        XCTAssertEqual(settings.allowedCgroups, [5000, 5001])
        XCTAssertEqual(settings.allowedProcessNames, ["python3", "train-worker"])
        XCTAssertTrue(settings.signatures.minerNames.isSuperset(of: ["myminer", "xmrig"]))
        XCTAssertTrue(settings.signatures.poolDomains.contains("pool.example.org"))
        XCTAssertTrue(settings.signatures.poolPorts.isSuperset(of: [1234, 3333]))
        XCTAssertNil(try ConfigLoader.parse("mining:\n  enabled: false\n").mining.settings)
    }

    func testMiningConfigErrorsHaveLineNumbers() {
        let cases: [(String, String)] = [
            (
                "mining:\n  gpu_busy_percent: 101\n",
                "<config>:2:21: mining.gpu_busy_percent must be between 1 and 100, not 101"
            ),
            ("mining:\n  allowed_cgroups: [12, x]\n", "<config>:2:25: mining.allowed_cgroups[1] must be an integer"),
            (
                "mining:\n  extra_pool_ports: [70000]\n",
                "<config>:2:22: mining.extra_pool_ports[0] must be between 1 and 65535, not 70000"
            ),
            (
                "mining:\n  extra_pool_domains: [\"not a host\"]\n",
                "<config>:2:24: mining.extra_pool_domains[0]: 'not a host' is not a host name"
            ),
            (
                "mining:\n  gpu_busy_secs: 5\n",
                "<config>:2:3: unknown key 'gpu_busy_secs' in mining (known: enabled, gpu_busy_percent, "
                    + "gpu_busy_seconds, gpu_interval_seconds, quiet_seconds, allowed_cgroups, allowed_process_names, "
                    + "extra_miner_names, extra_pool_domains, extra_pool_ports)"
            ),
        ]
        for (yaml, message) in cases {
            XCTAssertThrowsError(try ConfigLoader.parse(yaml)) { XCTAssertEqual(String(describing: $0), message) }
        }
    }
}

/// The byte prefilter must never hide an exec the full matcher would flag.
final class ExecPrefilterTests: XCTestCase {
    private func exec(_ argv: [String], path: String? = nil, comm: String? = nil) -> ExecEvent {
        let p = path ?? argv[0]
        return ExecEvent(
            header: EventHeader(
                timestampNs: 1, pid: 9, tgid: 9, ppid: 1, uid: 0, euid: 0, gid: 0, egid: 0,
                lineageUid: noLineage, cgroupId: 1,
                comm: Comm(comm ?? String(p.split(separator: "/").last ?? ""))),
            loginUid: noLineage, flags: [], argc: UInt32(argv.count), oldPid: 9,
            filename: Array(p.utf8), args: ExecEvent.joinArgs(argv))
    }

    func testPrefilterAgreesWithTheMatcherOnEveryClass() {
        let signatures = MiningSignatures.standard
        let prefilter = ExecPrefilter(signatures: signatures)
        let matcher = ExecSignatureMatcher(signatures: signatures)
        let cases: [ExecEvent] = [
            exec(["/opt/x/XMRig", "--donate-level", "1"]),
            exec(["./t-rex"], path: "/tmp/t-rex"),
            exec(["/usr/bin/python3", "-c", "x"], comm: "xmrig"),
            exec(["/tmp/a", "-o", "StRaTuM+TCP://1.2.3.4:3333"]),
            exec(["/tmp/a", "--url", "eu1.ethermine.org:4444"]),
            exec(["/tmp/a", "-u", "user@pool.supportxmr.com"]),
            exec(["/tmp/a", "--algo", "kawpow", "-o", "10.0.0.1:3333"]),
            exec(["/tmp/a", "-a", "ethash", "-u", "0x52bc44d5378309ee2abf1539bf71de1b7d7be3b5"]),
            exec(["/usr/bin/docker", "ps", "-a"]),
            exec(["/usr/bin/python3", "/opt/app/train.py", "--epochs", "10"]),
            exec(["/usr/bin/curl", "-o", "out.html", "https://example.com/"]),
            exec(["/tmp/\u{212A}awpowminer"]),
        ]
        for e in cases {
            let hits = matcher.match(path: e.path, comm: e.header.comm.description, argv: e.argv)
            if !hits.isEmpty {
                XCTAssertFalse(prefilter.checks(e).isEmpty, "the prefilter hid \(e.argv) (\(hits))")
            }
            // Check by check: the checks it names find exactly what all of them find.
            let gated = matcher.match(
                path: e.path, comm: e.header.comm.description, argv: e.argv, checks: prefilter.checks(e))
            XCTAssertEqual(gated, hits, "\(e.argv)")
        }
        XCTAssertEqual(prefilter.checks(cases[0]), [.minerName])
        XCTAssertEqual(prefilter.checks(cases[3]), [.stratumURL])
        XCTAssertEqual(prefilter.checks(cases[6]), [.minerFlags])
        XCTAssertEqual(prefilter.checks(cases[8]), [], "ordinary -a alone is not a maybe")
        XCTAssertEqual(
            prefilter.checks(exec(["/usr/bin/journalctl", "-o", "short-precise", "-u", "vastai"])), [.minerFlags],
            "the daemon's journalctl is options only: no host tokens")
        XCTAssertTrue(prefilter.checks(cases[9]).isEmpty)
        XCTAssertFalse(prefilter.checks(cases[11]).isEmpty, "non-ASCII names go to the full matcher")
    }
}

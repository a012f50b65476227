// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// `rigwatch check-kernel` and the feature plan as `run` reports it, on this kernel.
/// What the kernel has is judged from sources other than the probe where there are
/// any (tracefs events for sock_send_length, the kprobe event source, the version
/// for bpf_loop), so the test holds on this host and on Debian 12's stock 6.1.
final class CheckKernelTests: XCTestCase {
    override func setUpWithError() throws {
        try requireRoot()
        guard FileManager.default.isExecutableFile(atPath: Repo.rigwatchBinary) else {
            throw SetupError("\(Repo.rigwatchBinary) is not built: run `swift build` (make test does)")
        }
    }

    static var tracefs: String {
        FileManager.default.fileExists(atPath: "/sys/kernel/tracing/events")
            ? "/sys/kernel/tracing" : "/sys/kernel/debug/tracing"
    }
    /// The kernel has the sock_send_length tracepoint (6.3+), as tracefs lists it.
    static var hasSockSendLength: Bool {
        FileManager.default.fileExists(atPath: tracefs + "/events/sock/sock_send_length")
    }
    /// The kernel has a kprobe event source at all (CONFIG_KPROBES).
    static var hasKprobes: Bool {
        FileManager.default.fileExists(atPath: "/sys/bus/event_source/devices/kprobe")
            || FileManager.default.fileExists(atPath: tracefs + "/kprobe_events")
    }

    func checkKernel(_ args: [String] = []) throws -> CommandResult {
        // Mounts tracefs itself when missing, as run does.
        try runCommand(Repo.rigwatchBinary, ["check-kernel"] + args)
    }

    func json(_ r: CommandResult) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
    }

    func testCapabilityTableAndPlanForThisKernel() throws {
        let r = try checkKernel()
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let text = r.stdout
        let lines = text.split(separator: "\n").map(String.init)
        func line(_ prefix: String) -> String { lines.first { $0.hasPrefix(prefix) } ?? "(no line \(prefix))" }
        XCTAssertTrue(
            text.hasPrefix("kernel \(try sh("uname -r").trimmingCharacters(in: .whitespacesAndNewlines))\n"), text)
        for row in [
            "BTF", "ring buffer", "bpf_loop helper", "program types", "tp_btf events", "tracefs", "tp_btf attach",
            "fexit attach", "kprobe attach", "kretprobe attach", "BPF-LSM", "cgroup v2 root",
        ] {
            XCTAssertTrue(lines.contains { $0.hasPrefix("  " + row + " ") }, "row \(row) in:\n\(text)")
        }
        XCTAssertTrue(line("  BTF ").contains("yes"), text)
        XCTAssertTrue(line("  ring buffer ").hasSuffix("yes"), text)
        XCTAssertTrue(line("  tp_btf attach ").hasSuffix("ok"), text)
        // One line per feature, each a label.
        let features = [
            "process", "credentials", "connect", "net-bytes", "udp-dest", "first-payload", "unix-connect",
            "file-watch", "tamper-signal", "tamper-access", "tamper-prevent",
        ]
        for feature in features {
            XCTAssertEqual(lines.filter { $0.hasPrefix("  \(feature): ") }.count, 1, "\(feature) in:\n\(text)")
        }
        XCTAssertTrue(line("  process: ").hasPrefix("  process: tp_btf/sched_process_{exec,fork,exit}"), text)
        XCTAssertTrue(
            line("  file-watch: ").hasPrefix("  file-watch: tracepoint/syscalls/"),
            "bpf_loop is there on 5.17+: \(text)")
        XCTAssertTrue(text.contains("\nBPF source: can run on this kernel\n"), text)

        // fexit and kprobe as this kernel has them: on this host (6.18) both are
        // unavailable and bytes come from sock_send_length; on 6.1 fexit carries them.
        let fexitOK = line("  fexit attach ").hasSuffix(" ok")
        if Self.hasSockSendLength {
            XCTAssertEqual(line("  net-bytes: "), "  net-bytes: tp_btf/sock_send_length", text)
        } else if fexitOK {
            XCTAssertEqual(line("  net-bytes: "), "  net-bytes: fexit/inet_sendmsg (sock_send_length absent)", text)
        } else {
            XCTAssertTrue(line("  net-bytes: ").contains("sock_send_length absent; fexit attach refused"), text)
        }
        if !fexitOK {
            XCTAssertTrue(
                line("  fexit attach ").contains("unavailable: loading probe_fexit (fexit/inet_sendmsg)"), text)
        }
        if Self.hasKprobes {
            XCTAssertTrue(line("  kprobe attach ").hasSuffix(" ok"), text)
        } else {
            XCTAssertTrue(line("  kprobe attach ").contains("unavailable (no kprobe support"), text)
            XCTAssertTrue(line("  kretprobe attach ").contains("unavailable (no kprobe support"), text)
        }
    }

    func testJSONReportParsesAndAgreesWithTheText() throws {
        let r = try checkKernel(["--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try json(r)
        let kernel = try XCTUnwrap(report["kernel"] as? [String: Any])
        XCTAssertEqual(kernel["release"] as? String, try sh("uname -r").trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(kernel["btf"] as? Bool, true)
        XCTAssertEqual(kernel["ring_buffer"] as? Bool, true)
        let attach = try XCTUnwrap(kernel["attach"] as? [String: [String: Any]])
        XCTAssertEqual(Set(attach.keys), ["tp_btf", "fexit", "kprobe", "kretprobe", "lsm"])
        XCTAssertEqual((attach["kprobe"]?["errno"] as? NSNumber)?.intValue == 0, Self.hasKprobes, "\(attach)")
        XCTAssertEqual((kernel["btf_trace_events"] as? [String])?.contains("sock_send_length"), Self.hasSockSendLength)

        let features = try XCTUnwrap(report["features"] as? [[String: Any]])
        XCTAssertEqual(
            features.compactMap { $0["feature"] as? String },
            [
                "process", "credentials", "connect", "net-bytes", "udp-dest", "first-payload", "unix-connect",
                "file-watch", "tamper-signal", "tamper-access", "tamper-prevent", "enforce", "enforce-lsm",
            ])
        let text = try checkKernel().stdout
        for feature in features {
            let label = try XCTUnwrap(feature["label"] as? String)
            XCTAssertTrue(text.contains("\n  \(label)\n"), "\(label) in:\n\(text)")
            XCTAssertEqual(feature["active"] as? Bool, feature["rung"] as? String != nil)
        }
        let netBytes = try XCTUnwrap(features.first { $0["feature"] as? String == "net-bytes" })
        if Self.hasSockSendLength {
            XCTAssertEqual(netBytes["rung"] as? String, "tp_btf")
            XCTAssertEqual(netBytes["programs"] as? [String], ["handle_send_length"])
        }
        let programs = try XCTUnwrap(report["programs"] as? [String])
        XCTAssertEqual(programs.count, features.reduce(0) { $0 + (($1["programs"] as? [String])?.count ?? 0) })
        XCTAssertEqual((report["problems"] as? [[String: Any]])?.count, 0, "\(report["problems"] ?? "")")
        let source = try XCTUnwrap(report["bpf_source"] as? [String: Any])
        XCTAssertEqual(source["can_run"] as? Bool, true)
        XCTAssertEqual(source["auto"] as? String, "bpf")
        XCTAssertEqual((report["exit_status"] as? NSNumber)?.intValue, 0)
    }

    /// A forced rung this kernel lacks is refused, in check-kernel and in run, naming
    /// the missing piece; auto does not hide it behind the audit source. Without
    /// kprobes (this host) that is the kprobe rung; on a kernel with kprobes but
    /// without sock_send_length (Debian 12's 6.1 in the kernel matrix), tp_btf.
    func testForcedRungThisKernelLacksIsRefusedNamingTheMissingPiece() throws {
        let (hook, reason) =
            Self.hasKprobes
            ? ("net-bytes=tp_btf", "this kernel cannot run tp_btf/sock_send_length: sock_send_length absent")
            : ("net-bytes=kprobe", "this kernel cannot run kprobe/inet_sendmsg: no kprobe support (CONFIG_KPROBES")
        if Self.hasKprobes {
            // Only meaningful where sock_send_length is indeed absent: the BTF says so.
            let btf = try XCTUnwrap(FileManager.default.contents(atPath: "/sys/kernel/btf/vmlinux"))
            XCTAssertNil(
                btf.range(of: Data("btf_trace_sock_send_length".utf8)),
                "a kernel with kprobes and sock_send_length offers every rung")
        }
        let check = try checkKernel(["--bpf-hook", hook])
        XCTAssertEqual(check.status, 2, check.stdout + check.stderr)
        XCTAssertTrue(check.stdout.contains("  - --bpf-hook \(hook): \(reason)"), check.stdout)
        let report = try json(try checkKernel(["--json", "--bpf-hook", hook]))
        XCTAssertEqual((report["exit_status"] as? NSNumber)?.intValue, 2)
        XCTAssertEqual((report["problems"] as? [[String: Any]])?.first?["kind"] as? String, "hook")
        XCTAssertEqual((report["bpf_source"] as? [String: Any])?["auto"] as? String, "none")

        let run = try runCommand(
            Repo.rigwatchBinary, ["run", "--duration", "1", "--bpf-hook", hook, "--config", try scratchConfig(self)])
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("error: --bpf-hook \(hook): \(reason)"), run.stderr)
        XCTAssertFalse(run.stderr.contains("sensor attached"), run.stderr)
        XCTAssertFalse(run.stderr.contains("falling back to the audit source"), run.stderr)
    }

    func testHookArgumentsThatMeanNothingAreRefused() throws {
        let off = try runCommand(
            Repo.rigwatchBinary,
            ["run", "--duration", "1", "--bpf-hook", "process=off", "--config", try scratchConfig(self)])
        XCTAssertEqual(off.status, 2, off.stderr)
        XCTAssertTrue(off.stderr.contains("--bpf-hook process=off: process is required and cannot be off"), off.stderr)
        XCTAssertFalse(off.stderr.contains("sensor attached"), off.stderr)
        let unknown = try checkKernel(["--bpf-hook", "net-bytes=carrier-pigeon"])
        XCTAssertEqual(unknown.status, 64, unknown.stderr)
        XCTAssertTrue(
            unknown.stderr.contains(
                "net-bytes has no rung carrier-pigeon (rungs: tp_btf, fexit, kprobe, syscalls, off)"), unknown.stderr)
    }

    /// run says the plan at start (one line per feature), writes it to the state file
    /// and the metrics, and status shows it.
    func testRunReportsTheFeaturesInItsLogStateAndMetrics() throws {
        let config = try scratchConfig(self)
        let dir = (config as NSString).deletingLastPathComponent
        let r = try runCommand(
            Repo.rigwatchBinary,
            [
                "run", "--duration", "1", "--events", "none", "--watch-user", "root",
                "--bpf-hook", "connect=tracepoint", "--config", config,
            ])
        XCTAssertEqual(r.status, 0, r.stderr)
        let featureLines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("rigwatch: feature ") }
        XCTAssertEqual(featureLines.count, FeatureTable.features.count, r.stderr)
        XCTAssertTrue(r.stderr.contains("rigwatch: feature process: tp_btf/sched_process_{exec,fork,exit}\n"), r.stderr)
        XCTAssertTrue(
            r.stderr.contains("rigwatch: feature connect: tracepoint/sock/inet_sock_set_state (forced)\n"), r.stderr)
        let firstFeature = try XCTUnwrap(r.stderr.range(of: "rigwatch: feature "))
        let attached = try XCTUnwrap(r.stderr.range(of: "sensor attached"))
        XCTAssertLessThan(firstFeature.lowerBound, attached.lowerBound, "the plan is said before the programs attach")

        let state = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/state.json")))
                as? [String: Any])
        XCTAssertEqual(state["source"] as? String, "bpf")
        let features = try XCTUnwrap(state["features"] as? [[String: Any]])
        XCTAssertEqual(features.count, FeatureTable.features.count)
        let connect = try XCTUnwrap(features.first { $0["feature"] as? String == "connect" })
        XCTAssertEqual(connect["hook"] as? String, "tracepoint")
        XCTAssertEqual(connect["active"] as? Bool, true)
        XCTAssertEqual(connect["label"] as? String, "connect: tracepoint/sock/inet_sock_set_state (forced)")

        let metrics = try String(contentsOfFile: dir + "/rigwatch.prom", encoding: .utf8)
        XCTAssertTrue(metrics.contains("# TYPE rigwatch_feature_active gauge\n"), metrics)
        XCTAssertTrue(metrics.contains("rigwatch_feature_active{feature=\"process\",hook=\"tp_btf\"} 1\n"), metrics)
        XCTAssertTrue(metrics.contains("rigwatch_feature_active{feature=\"connect\",hook=\"tracepoint\"} 1\n"), metrics)
        XCTAssertEqual(
            metrics.components(separatedBy: "rigwatch_feature_active{").count - 1, FeatureTable.features.count, metrics)

        let status = try runCommand(Repo.rigwatchBinary, ["status", "--state-file", dir + "/state.json"])
        XCTAssertTrue(
            status.stdout.contains("  features:           process: tp_btf/sched_process_{exec,fork,exit}\n"),
            status.stdout)
        XCTAssertTrue(
            status.stdout.contains("\n                      connect: tracepoint/sock/inet_sock_set_state (forced)\n"),
            status.stdout)
    }

    /// An object without the core's programs cannot run the required features: the
    /// error names the missing piece, and auto falls back to audit saying so.
    func testMissingCoreNamesWhatIsMissingAndAutoFallsBackToAudit() throws {
        let object = Repo.root + "/build/bpf/features/network.bpf.o"
        guard FileManager.default.fileExists(atPath: object) else {
            throw SetupError("\(object) missing: run `make bpf`")
        }
        addTeardownBlock { _ = try? runCommand("/sbin/auditctl", ["-D", "-k", "rigwatch"]) }
        let bpf = try runCommand(
            Repo.rigwatchBinary,
            ["run", "--source", "bpf", "--duration", "1", "--bpf-object", object, "--config", try scratchConfig(self)])
        XCTAssertEqual(bpf.status, 3, bpf.stderr)
        XCTAssertTrue(
            bpf.stderr.contains(
                "error: process (required) cannot load: tp_btf/sched_process_{exec,fork,exit}: the BPF object has no program handle_exec"
            ),
            bpf.stderr)
        XCTAssertFalse(bpf.stderr.contains("No such process"), bpf.stderr)
        let auto = try runCommand(
            Repo.rigwatchBinary,
            ["run", "--duration", "2", "--events", "none", "--bpf-object", object, "--config", try scratchConfig(self)])
        XCTAssertEqual(auto.status, 0, auto.stderr)
        XCTAssertTrue(
            auto.stderr.contains(
                "BPF source unavailable (process (required) cannot load: tp_btf/sched_process_{exec,fork,exit}: the BPF object has no program handle_exec"
            ),
            auto.stderr)
        XCTAssertTrue(auto.stderr.contains("falling back to the audit source"), auto.stderr)
        XCTAssertTrue(auto.stderr.contains("audit source: "), auto.stderr)
    }
}

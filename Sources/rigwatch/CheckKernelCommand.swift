// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchCore
import RigwatchSources

/// `rigwatch check-kernel`: what this kernel offers the BPF source and which hook each
/// feature would run on, without starting the sensor.
struct CheckKernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-kernel",
        abstract: "Probe this kernel's BPF support and print the feature plan, without starting the sensor.",
        discussion: """
            Exit status: 0 when the BPF source can run here (with the --bpf-hook rungs given), \
            2 when a --bpf-hook cannot be honoured (or not root), 3 when this kernel cannot run the \
            BPF source (then `--source auto`, the default, uses the audit subsystem).
            """
    )

    @Flag(help: "Print the facts and the plan as one JSON object.")
    var json = false

    @Option(
        name: .customLong("bpf-hook"),
        help: ArgumentHelp(
            "Plan with a feature forced onto one rung, FEATURE=RUNG (repeatable; RUNG may be off).",
            valueName: "feature=rung"))
    var bpfHooks: [String] = []

    @Flag(name: .customLong("no-mount"), help: "Do not mount tracefs or securityfs when missing.")
    var noMount = false

    @Option(name: .customLong("bpf-object"), help: .hidden)
    var bpfObject: String?

    /// For `bpf.hooks`, which --bpf-hook overrides per feature.
    @OptionGroup var config: ConfigOption

    func validate() throws {
        let problems = FeaturePlanner.parseHooks(bpfHooks).problems
        if !problems.isEmpty { throw ValidationError(problems.map(\.message).joined(separator: "; ")) }
    }

    func run() throws {
        do { try Preflight.requireRoot() } catch {
            Log.error("\(error.description) (check-kernel loads probe programs)")
            throw ExitCode(2)
        }
        var options = BPFSource.Options()
        options.objectPath = bpfObject
        options.hooks = try config.load().bpf.hooks.merging(FeaturePlanner.parseHooks(bpfHooks).hooks) {
            _, commandLine in commandLine
        }
        var probe = KernelProbe()
        probe.mountIfMissing = !noMount
        let planned: BPFSource.Planned
        do {
            planned = try BPFSource.planFeatures(options, probe: probe)
        } catch {
            Log.error("\(error)")
            throw ExitCode(3)
        }
        for note in planned.notes { Log.info(note) }
        let auto = FeaturePlanner.autoSource(planned.plan)
        let status: Int32 = planned.plan.canLoad ? 0 : (planned.plan.problems.contains { $0.kind == .hook } ? 2 : 3)
        if json {
            let report = KernelReport.json(facts: planned.facts, plan: planned.plan, auto: auto, exitStatus: status)
            FileHandle.standardOutput.write(Data(report.utf8))
        } else {
            print(Self.text(planned.facts, planned.plan, auto: auto), terminator: "")
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// The capability table, the plan, and the verdict.
    static func text(_ facts: KernelFacts, _ plan: FeaturePlan, auto: (source: String, reason: String?)) -> String {
        var lines = ["kernel \(facts.release)"]
        func row(_ name: String, _ value: String) {
            lines.append("  " + name.padding(toLength: 20, withPad: " ", startingAt: 0) + value)
        }
        func yes(_ b: Bool) -> String { b ? "yes" : "no" }
        row("BTF", facts.btf ? "yes (vmlinux)" : "no: \(facts.btfError ?? "CONFIG_DEBUG_INFO_BTF")")
        row("ring buffer", yes(facts.ringBuffer))
        for helper in Set(FeatureTable.features.flatMap { $0.rungs.compactMap(\.helper) }).sorted() {
            let since = KernelFacts.helperSince[helper].map { ", kernel \($0)" } ?? ""
            row("\(helper) helper", facts.helpers.contains(helper) ? "yes" : "no (tracepoint programs\(since))")
        }
        let types = ["tracepoint", "raw_tracepoint", "tracing", "kprobe", "lsm", "cgroup_sock_addr"]
        // libbpf probes "tracing" as an fentry program: tp_btf has its own attach row.
        row(
            "program types",
            types.map { "\($0 == "tracing" ? "tracing (fentry)" : $0) \(yes(facts.progTypes.contains($0)))" }.joined(
                separator: ", "))
        let wantedEvents = Set(FeatureTable.allPrograms.compactMap { target(of: $0.section, kind: "tp_btf") }).sorted()
        let missingEvents = wantedEvents.filter { !facts.btfTraceEvents.contains($0) }
        row(
            "tp_btf events",
            "\(wantedEvents.count - missingEvents.count) of \(wantedEvents.count)"
                + (missingEvents.isEmpty ? "" : "; absent: " + missingEvents.joined(separator: ", ")))
        let wantedTracepoints = Set(FeatureTable.allPrograms.compactMap { target(of: $0.section, kind: "tracepoint") })
            .sorted()
        if let tracefs = facts.tracefs {
            let missing = wantedTracepoints.filter { !facts.tracepoints.contains($0) }
            row(
                "tracefs",
                "\(tracefs): \(wantedTracepoints.count - missing.count) of \(wantedTracepoints.count) tracepoints"
                    + (missing.isEmpty ? "" : "; absent: " + missing.joined(separator: ", ")))
        } else {
            row("tracefs", "not mounted (at \(KernelProbe.tracefsPaths.joined(separator: " or ")))")
        }
        for probe in AttachProbe.allCases where probe != .lsm {
            let result = facts.attachResult(probe)
            var value = result.ok ? "ok" : "unavailable"
            if !result.ok && (probe == .kprobe || probe == .kretprobe) && facts.kprobeEvents == false {
                value += " (no kprobe support: no kprobe PMU, no kprobe_events)"
            }
            if !result.ok && !result.message.isEmpty { value += ": " + result.message }
            row("\(probe.rawValue) attach", value)
        }
        let lsmList = facts.lsm.map { $0.joined(separator: ",") } ?? "unknown (\(KernelProbe.lsmPath) unreadable)"
        let lsmAttach = facts.attachResult(.lsm)
        let lsmVerdict =
            facts.bpfLSM
            ? "active"
            : (facts.lsm?.contains("bpf") == true
                ? "listed, but LSM programs refused" : "inactive (bpf not in the LSM list)")
        row(
            "BPF-LSM",
            "\(lsmVerdict); lsm=\(lsmList); lsm attach " + (lsmAttach.ok ? "ok" : "unavailable: \(lsmAttach.message)"))
        row("cgroup v2 root", facts.cgroupV2Root ?? "none")
        lines.append("features:")
        for feature in plan.features {
            lines.append("  " + feature.label)
        }
        let total = plan.programs.count
        lines.append(
            "programs: \(total) to load"
                + (plan.unplanned.isEmpty
                    ? "" : "; in no feature (never loaded): " + plan.unplanned.joined(separator: ", ")))
        if plan.canLoad {
            lines.append("BPF source: can run on this kernel")
        } else {
            lines.append("BPF source: cannot run with this plan:")
            for problem in plan.problems { lines.append("  - " + problem.message) }
            switch auto.source {
            case "audit": lines.append("--source auto (the default) would use the audit source")
            default: lines.append("fix the --bpf-hook arguments; --source auto would not fall back to audit for them")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func target(of section: String, kind: String) -> String? {
        let parts = section.split(separator: "/", maxSplits: 1).map(String.init)
        return parts.count == 2 && parts[0] == kind ? parts[1] : nil
    }
}

/// `check-kernel --json`: the facts, the plan and the verdict, one JSON object.
enum KernelReport {
    static func json(
        facts: KernelFacts, plan: FeaturePlan, auto: (source: String, reason: String?), exitStatus: Int32
    )
        -> String
    {
        var w = JSONWriter()
        w.field("kernel", raw: facts.json)
        w.field("features", raw: "[" + plan.features.map(\.json).joined(separator: ",") + "]")
        w.field("programs", strings: plan.programs)
        w.field("unplanned", strings: plan.unplanned)
        w.field("problems", raw: "[" + plan.problems.map(\.json).joined(separator: ",") + "]")
        var source = JSONWriter()
        source.field("can_run", plan.canLoad)
        // What --source auto would use: bpf, audit, or none (a --bpf-hook to fix).
        source.field("auto", auto.source)
        if let reason = auto.reason { source.field("reason", reason) }
        w.field("bpf_source", raw: source.finish())
        w.field("exit_status", exitStatus)
        return w.finish() + "\n"
    }
}

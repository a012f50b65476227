// SPDX-License-Identifier: Apache-2.0
/// Chooses, per feature, the best rung of the feature table this kernel can run,
/// honouring rungs the operator forced, and lists the programs to load.
/// Pure: the facts, the object's programs and the forced rungs are its inputs.
public enum FeaturePlanner {
    /// What keeps one program (or rung) off this kernel: a short reason for the
    /// status line, and the longer account when there is one.
    struct Missing: Equatable {
        var reason: String
        var detail: String?
    }

    /// `--bpf-hook FEATURE=RUNG` arguments (RUNG may be `off`), checked against the
    /// table. A feature given twice with different rungs is a problem.
    public static func parseHooks(_ arguments: [String]) -> (hooks: [String: String], problems: [FeaturePlan.Problem]) {
        var hooks: [String: String] = [:]
        var problems: [FeaturePlan.Problem] = []
        let names = FeatureTable.features.map(\.name).joined(separator: ", ")
        for argument in arguments {
            let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                problems.append(.init(.hook, "--bpf-hook \(argument): expected FEATURE=RUNG, e.g. net-bytes=fexit"))
                continue
            }
            let (name, rung) = (parts[0], parts[1])
            guard let feature = FeatureTable.feature(named: name) else {
                problems.append(.init(.hook, "--bpf-hook \(argument): no feature \(name) (features: \(names))"))
                continue
            }
            guard rung == "off" || feature.rung(named: rung) != nil else {
                let rungs = (feature.rungs.map(\.name) + (feature.required ? [] : ["off"])).joined(separator: ", ")
                problems.append(.init(.hook, "--bpf-hook \(argument): \(name) has no rung \(rung) (rungs: \(rungs))"))
                continue
            }
            if let earlier = hooks[name], earlier != rung {
                problems.append(.init(.hook, "--bpf-hook: \(name) given twice (\(earlier) and \(rung))"))
                continue
            }
            hooks[name] = rung
        }
        return (hooks, problems)
    }

    /// The plan for `facts`, given the object's programs and the forced rungs
    /// (feature name → rung name or "off"; unknown names are reported as problems).
    /// `refused`: programs the kernel would not load or attach on an earlier try
    /// (name → why); their rungs count as unavailable, like a missing hook.
    public static func plan(
        facts: KernelFacts, objectPrograms: [BPFProgramRef],
        forced: [String: String] = [:], refused: [String: String] = [:]
    ) -> FeaturePlan {
        var problems: [FeaturePlan.Problem] = []
        if let below = facts.belowMinimum { problems.append(.init(.kernel, below)) }
        for (name, rung) in forced.sorted(by: { $0.key < $1.key }) {
            guard let feature = FeatureTable.feature(named: name) else {
                problems.append(.init(.hook, "--bpf-hook \(name)=\(rung): no feature \(name)"))
                continue
            }
            if rung != "off" && feature.rung(named: rung) == nil {
                problems.append(.init(.hook, "--bpf-hook \(name)=\(rung): \(name) has no rung \(rung)"))
            }
        }
        let object = Dictionary(objectPrograms.map { ($0.name, $0.section) }, uniquingKeysWith: { a, _ in a })
        var choices: [FeaturePlan.Choice] = []
        for feature in FeatureTable.features {
            var choice = FeaturePlan.Choice(
                feature: feature.name, required: feature.required, rung: nil, hook: nil, forced: false,
                skipped: [], offReason: nil, note: nil, programs: [], leftOut: [])
            if let dependency = feature.dependsOn, choices.first(where: { $0.feature == dependency })?.active == false {
                choice.offReason = "\(dependency) is off"
                if let rung = forced[feature.name], rung != "off" {
                    problems.append(
                        .init(
                            .hook,
                            "--bpf-hook \(feature.name)=\(rung): \(feature.name) is only useful with \(dependency), which is off"
                        ))
                }
                choices.append(choice)
                continue
            }
            let forcedRung = forced[feature.name]
            if forcedRung == "off" {
                if feature.required {
                    problems.append(
                        .init(.hook, "--bpf-hook \(feature.name)=off: \(feature.name) is required and cannot be off"))
                } else {
                    choice.forced = true
                    choice.offReason = "forced off"
                    choices.append(choice)
                    continue
                }
            }
            var evaluations: [(rung: FeatureRung, result: RungResult)] = []
            for rung in feature.rungs {
                evaluations.append((rung, evaluate(rung, facts: facts, object: object, refused: refused)))
            }
            if let forcedRung, forcedRung != "off",
                let target = evaluations.first(where: { $0.rung.name == forcedRung })
            {
                switch target.result {
                case .available(let programs, let leftOut):
                    choose(&choice, target.rung, programs: programs, leftOut: leftOut, facts: facts)
                    choice.forced = true
                    choices.append(choice)
                    continue
                case .unavailable(let missing):
                    let detail = missing.detail.map { " [\($0)]" } ?? ""
                    problems.append(
                        .init(
                            .hook,
                            "--bpf-hook \(feature.name)=\(forcedRung): this kernel cannot run \(target.rung.hook): \(missing.reason)\(detail)"
                        ))
                }
            }
            // The best available rung; those above it are the skipped ones.
            var skipped: [FeaturePlan.Skipped] = []
            for (rung, result) in evaluations {
                switch result {
                case .available(let programs, let leftOut):
                    choose(&choice, rung, programs: programs, leftOut: leftOut, facts: facts)
                case .unavailable(let missing):
                    skipped.append(.init(rung: rung.name, reason: missing.reason, detail: missing.detail))
                    continue
                }
                break
            }
            choice.skipped = skipped
            if !choice.active {
                choice.offReason =
                    skipped.count == 1
                    ? skipped[0].reason
                    : skipped.map { "\($0.rung): \($0.reason)" }.joined(separator: "; ")
                if feature.required {
                    let why = skipped.map { s -> String in
                        let hook = feature.rung(named: s.rung)?.hook ?? s.rung
                        return "\(hook): \(s.reason)" + (s.detail.map { " [\($0)]" } ?? "")
                    }.joined(separator: "; ")
                    problems.append(.init(.kernel, "\(feature.name) (required) cannot load: \(why)"))
                }
            }
            choices.append(choice)
        }
        let planned = Set(FeatureTable.allPrograms.map(\.name))
        return FeaturePlan(
            features: choices, programs: choices.flatMap(\.programs),
            unplanned: objectPrograms.map(\.name).filter { !planned.contains($0) },
            problems: problems)
    }

    enum RungResult: Equatable {
        case available(programs: [String], leftOut: [FeaturePlan.LeftOut])
        case unavailable(Missing)
    }

    private static func choose(
        _ choice: inout FeaturePlan.Choice, _ rung: FeatureRung, programs: [String],
        leftOut: [FeaturePlan.LeftOut], facts: KernelFacts
    ) {
        choice.rung = rung.name
        choice.hook = rung.hook
        choice.programs = programs
        choice.leftOut = leftOut
        if rung.programs.contains(where: { $0.section.hasPrefix("cgroup/") }) { choice.note = facts.cgroupV2Root }
    }

    /// Whether the kernel (and the object) can run this rung, and with which programs.
    static func evaluate(
        _ rung: FeatureRung, facts: KernelFacts, object: [String: String],
        refused: [String: String] = [:]
    ) -> RungResult {
        if let helper = rung.helper, !facts.helpers.contains(helper) {
            let since = KernelFacts.helperSince[helper].map { " (kernel < \($0))" } ?? ""
            return .unavailable(Missing(reason: "no \(helper) helper\(since)"))
        }
        var programs: [String] = []
        var leftOut: [FeaturePlan.LeftOut] = []
        var firstMissing: Missing?
        for program in rung.programs {
            let missing: Missing?
            if let why = refused[program.name] {
                missing = Missing(reason: "the kernel refused \(program.name)", detail: why)
            } else if let section = object[program.name] {
                missing =
                    section == program.section
                    ? requirement(ofSection: section, facts: facts)
                    : Missing(reason: "the BPF object's \(program.name) is \(section), not \(program.section)")
            } else {
                missing = Missing(reason: "the BPF object has no program \(program.name)")
            }
            guard let missing else {
                programs.append(program.name)
                continue
            }
            if firstMissing == nil { firstMissing = missing }
            guard rung.partial else { return .unavailable(missing) }
            leftOut.append(.init(program: program.name, reason: missing.reason))
        }
        if programs.isEmpty, let firstMissing { return .unavailable(firstMissing) }
        return .available(programs: programs, leftOut: leftOut)
    }

    /// What the kernel must offer for a program of this libbpf section, nil when it does.
    static func requirement(ofSection section: String, facts: KernelFacts) -> Missing? {
        let parts = section.split(separator: "/", maxSplits: 1).map(String.init)
        let kind = parts[0]
        let target = parts.count > 1 ? parts[1] : ""
        switch kind {
        case "tp_btf":
            guard facts.btf else { return Missing(reason: "no kernel BTF", detail: facts.btfError) }
            guard facts.btfTraceEvents.contains(target) else { return Missing(reason: "\(target) absent") }
            return attachProblem(.tpBTF, facts: facts)
        case "fentry", "fexit":
            guard facts.btf else { return Missing(reason: "no kernel BTF", detail: facts.btfError) }
            guard facts.btfFuncs.contains(target) else { return Missing(reason: "\(target) not in kernel BTF") }
            return attachProblem(.fexit, facts: facts)
        case "kprobe", "kretprobe":
            if let problem = attachProblem(kind == "kprobe" ? .kprobe : .kretprobe, facts: facts) { return problem }
            if facts.btf && !facts.btfFuncs.contains(target) { return Missing(reason: "\(target) not in kernel BTF") }
            return nil
        case "tracepoint", "tp":
            guard facts.tracefs != nil else { return Missing(reason: "tracefs not mounted") }
            guard facts.progTypes.contains("tracepoint") else { return Missing(reason: "no tracepoint programs") }
            guard facts.tracepoints.contains(target) else {
                return Missing(reason: "\(target.split(separator: "/").last.map(String.init) ?? target) absent")
            }
            return nil
        case "cgroup":
            guard facts.progTypes.contains("cgroup_sock_addr") else {
                return Missing(reason: "no cgroup sock_addr programs")
            }
            guard facts.cgroupV2Root != nil else { return Missing(reason: "no cgroup v2 root") }
            return nil
        case "lsm":
            guard facts.bpfLSM else {
                return Missing(
                    reason: facts.lsm?.contains("bpf") == true ? "LSM programs refused" : "bpf LSM not active")
            }
            return nil
        default:
            return Missing(reason: "unknown section \(section)")
        }
    }

    private static func attachProblem(_ probe: AttachProbe, facts: KernelFacts) -> Missing? {
        let result = facts.attachResult(probe)
        guard !result.ok else { return nil }
        let detail = result.message.isEmpty ? nil : result.message
        switch probe {
        case .kprobe, .kretprobe:
            if facts.kprobeEvents == false {
                return Missing(
                    reason: "no kprobe support (CONFIG_KPROBES: no kprobe PMU, no kprobe_events)", detail: detail)
            }
            return Missing(reason: "\(probe.rawValue) attach failed", detail: detail)
        case .fexit:
            return Missing(reason: "fexit attach refused", detail: detail)
        case .tpBTF:
            return Missing(reason: "tp_btf attach refused", detail: detail)
        case .lsm:
            return Missing(reason: "lsm attach refused", detail: detail)
        }
    }

    /// What `--source auto` does with this plan: the BPF source when it can load,
    /// otherwise audit and the one reason why. Hook problems are the operator's to fix
    /// and never turn into a fallback.
    public static func autoSource(_ plan: FeaturePlan) -> (source: String, reason: String?) {
        let kernel = plan.problems.filter { $0.kind == .kernel }
        if plan.problems.contains(where: { $0.kind == .hook }) { return ("none", plan.problemSummary) }
        if kernel.isEmpty { return ("bpf", nil) }
        return ("audit", kernel.map(\.message).joined(separator: "; "))
    }
}

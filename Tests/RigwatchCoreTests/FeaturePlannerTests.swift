// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchAlerts
import RigwatchConfig
import RigwatchCore
import RigwatchSources
import XCTest

/// The feature plan on the kernels rigwatch meets: which programs load, which
/// fallbacks, forced rungs, and what is refused with which words.
final class FeaturePlannerTests: XCTestCase {
    // MARK: kernels

    static let allTracepoints = Set(FeatureTable.allPrograms.compactMap { target($0.section, "tracepoint") })
    static let allEvents = Set(FeatureTable.allPrograms.compactMap { target($0.section, "tp_btf") })
    static let funcs: Set<String> = ["inet_sendmsg", "inet6_sendmsg"]
    static let allProgTypes: Set<String> = [
        "tracepoint", "raw_tracepoint", "tracing", "kprobe", "lsm", "cgroup_sock_addr",
    ]
    static let allAttach: [AttachProbe: AttachResult] = Dictionary(
        uniqueKeysWithValues: AttachProbe.allCases.map { ($0, .ok) })

    static func target(_ section: String, _ kind: String) -> String? {
        let parts = section.split(separator: "/", maxSplits: 1).map(String.init)
        return parts.count == 2 && parts[0] == kind ? parts[1] : nil
    }

    /// Ubuntu 20.04 GA: no BTF, no ring buffer, no openat2.
    static let ubuntu2004 = KernelFacts(
        release: "5.4.0-26-generic", btf: false,
        btfError: "loading kernel BTF from /sys/kernel/btf/vmlinux: No such file or directory",
        ringBuffer: false, helpers: [],
        progTypes: ["tracepoint", "raw_tracepoint", "tracing", "kprobe", "cgroup_sock_addr"],
        tracepoints: allTracepoints.subtracting(["syscalls/sys_enter_openat2", "syscalls/sys_exit_openat2"]),
        attach: [
            .tpBTF: AttachResult(errno: 2, message: "loading probe_tp_btf: no BTF"),
            .fexit: AttachResult(errno: 2, message: "no BTF"),
            .kprobe: .ok, .kretprobe: .ok, .lsm: AttachResult(errno: 22, message: "no BTF"),
        ],
        kprobeEvents: true, lsm: ["capability", "yama", "apparmor"], cgroupV2Root: "/sys/fs/cgroup/unified")

    /// Ubuntu 22.04 GA: no sock_send_length (6.3), no bpf_loop (5.17); fexit and kprobes work.
    static let ubuntu2204 = KernelFacts(
        release: "5.15.0-25-generic", helpers: ["bpf_ringbuf_reserve"], progTypes: allProgTypes,
        btfTraceEvents: allEvents.subtracting(["sock_send_length"]), btfFuncs: funcs, tracepoints: allTracepoints,
        attach: allAttach, kprobeEvents: true, lsm: ["lockdown", "capability", "yama", "apparmor"],
        cgroupV2Root: "/sys/fs/cgroup")

    /// Debian 12 stock 6.1: no sock_send_length; bpf_loop, fexit, kprobes and BPF-LSM work.
    static let debian12 = KernelFacts(
        release: "6.1.0-18-amd64", helpers: ["bpf_loop", "bpf_ringbuf_reserve"], progTypes: allProgTypes,
        btfTraceEvents: allEvents.subtracting(["sock_send_length"]), btfFuncs: funcs, tracepoints: allTracepoints,
        attach: allAttach, kprobeEvents: true,
        lsm: ["lockdown", "capability", "landlock", "yama", "apparmor", "tomoyo", "bpf"], cgroupV2Root: "/sys/fs/cgroup"
    )

    /// This dev VM, 6.18: sock_send_length present; fexit and LSM refused, no kprobes built in.
    static let devVM = KernelFacts(
        release: "6.18.44-fc-v657", helpers: ["bpf_loop", "bpf_ringbuf_reserve"],
        progTypes: ["tracepoint", "raw_tracepoint", "kprobe", "cgroup_sock_addr"],
        btfTraceEvents: allEvents, btfFuncs: funcs, tracepoints: allTracepoints,
        attach: [
            .tpBTF: .ok,
            .fexit: AttachResult(
                errno: 1, message: "loading probe_fexit (fexit/inet_sendmsg): Operation not permitted"),
            .kprobe: AttachResult(
                errno: 2, message: "attaching probe_kprobe (kprobe/inet_sendmsg): No such file or directory"),
            .kretprobe: AttachResult(
                errno: 2, message: "attaching probe_kretprobe (kretprobe/inet_sendmsg): No such file or directory"),
            .lsm: AttachResult(
                errno: 1, message: "loading probe_lsm (lsm/bprm_check_security): Operation not permitted"),
        ],
        kprobeEvents: false, lsm: ["lockdown", "capability", "landlock", "bpf"], cgroupV2Root: "/sys/fs/cgroup/unified")

    /// The object as the contract describes it: every program of every rung.
    static let object = FeatureTable.allPrograms

    func plan(
        _ facts: KernelFacts, object: [BPFProgramRef] = FeaturePlannerTests.object, _ hooks: [String] = []
    ) -> FeaturePlan {
        let parsed = FeaturePlanner.parseHooks(hooks)
        XCTAssertEqual(parsed.problems, [], "hooks \(hooks)")
        return FeaturePlanner.plan(facts: facts, objectPrograms: object, forced: parsed.hooks)
    }

    func rungs(_ plan: FeaturePlan) -> [String: String] {
        Dictionary(uniqueKeysWithValues: plan.features.map { ($0.feature, $0.rung ?? "off") })
    }

    func programs(of rung: String, _ feature: String) -> [String] {
        FeatureTable.feature(named: feature)!.rung(named: rung)!.programs.map(\.name)
    }

    // MARK: kernels

    func testUbuntu2004IsBelowTheMinimumAndAutoUsesAudit() {
        let p = plan(Self.ubuntu2004)
        XCTAssertFalse(p.canLoad)
        XCTAssertEqual(p.problems.first?.kind, .kernel)
        let message = p.problems.first?.message ?? ""
        XCTAssertTrue(message.contains("kernel 5.4 is older than 5.8"), message)
        XCTAssertTrue(message.contains("no kernel BTF"), message)
        XCTAssertTrue(message.contains("no BPF ring buffer"), message)
        XCTAssertTrue(
            p.problems.contains {
                $0.message.hasPrefix(
                    "process (required) cannot load: tp_btf/sched_process_{exec,fork,exit}: no kernel BTF")
            },
            "\(p.problems)")
        let auto = FeaturePlanner.autoSource(p)
        XCTAssertEqual(auto.source, "audit")
        XCTAssertTrue(auto.reason?.contains("kernel 5.4 is older than 5.8") ?? false)
        XCTAssertNotNil(Self.ubuntu2004.belowMinimum)
    }

    func testUbuntu2204UsesFexitForBytesAndHasNoFileWatch() {
        let p = plan(Self.ubuntu2204)
        XCTAssertTrue(p.canLoad, "\(p.problems)")
        XCTAssertEqual(
            rungs(p),
            [
                "process": "tp_btf", "credentials": "tracepoint", "connect": "tp_btf", "net-bytes": "fexit",
                "udp-dest": "cgroup", "file-watch": "off", "tamper-signal": "tp_btf", "tamper-access": "tracepoint",
            ])
        XCTAssertEqual(p.choice("net-bytes")?.label, "net-bytes: fexit/inet_sendmsg (sock_send_length absent)")
        XCTAssertEqual(p.choice("file-watch")?.label, "file-watch: off: no bpf_loop helper (kernel < 5.17)")
        XCTAssertEqual(p.choice("udp-dest")?.label, "udp-dest: cgroup/sendmsg4 (/sys/fs/cgroup)")
        XCTAssertTrue(p.programs.contains("fexit_inet_sendmsg") && p.programs.contains("fexit_inet6_sendmsg"))
        XCTAssertFalse(p.programs.contains("handle_send_length"))
        XCTAssertFalse(
            p.programs.contains { $0.hasPrefix("enter_open") || $0.hasPrefix("exit_rename") }, "no file-watch program")
        XCTAssertFalse(Self.ubuntu2204.bpfLSM, "bpf is not in Ubuntu's LSM list")
        XCTAssertEqual(FeaturePlanner.autoSource(p).source, "bpf")
    }

    /// Issue 13: Debian 12's stock kernel lacks sock_send_length; the sensor now runs
    /// with the fexit fallback instead of failing the whole object.
    func testDebian12RunsWithTheFexitFallback() {
        let p = plan(Self.debian12)
        XCTAssertTrue(p.canLoad, "\(p.problems)")
        XCTAssertEqual(
            rungs(p),
            [
                "process": "tp_btf", "credentials": "tracepoint", "connect": "tp_btf", "net-bytes": "fexit",
                "udp-dest": "cgroup", "file-watch": "tracepoint", "tamper-signal": "tp_btf",
                "tamper-access": "tracepoint",
            ])
        XCTAssertEqual(p.choice("net-bytes")?.label, "net-bytes: fexit/inet_sendmsg (sock_send_length absent)")
        XCTAssertEqual(
            p.choice("net-bytes")?.skipped, [.init(rung: "tp_btf", reason: "sock_send_length absent", detail: nil)])
        XCTAssertFalse(p.programs.contains("handle_send_length"), "the program that broke issue 13 is not loaded")
        let expected =
            programs(of: "tp_btf", "process") + programs(of: "tracepoint", "credentials")
            + programs(of: "tp_btf", "connect")
            + programs(of: "fexit", "net-bytes") + programs(of: "cgroup", "udp-dest")
            + programs(of: "tracepoint", "file-watch")
            + programs(of: "tp_btf", "tamper-signal") + programs(of: "tracepoint", "tamper-access")
        XCTAssertEqual(p.programs, expected)
        XCTAssertEqual(p.programs.count, 3 + 16 + 1 + 2 + 2 + 28 + 1 + 3)
        XCTAssertEqual(p.choice("file-watch")?.leftOut, [])
        XCTAssertTrue(Self.debian12.bpfLSM)
        XCTAssertEqual(p.unplanned, [])
    }

    func testDevVMUsesSockSendLengthAndNeverFexitOrKprobes() {
        let p = plan(Self.devVM)
        XCTAssertTrue(p.canLoad, "\(p.problems)")
        XCTAssertEqual(rungs(p)["net-bytes"], "tp_btf")
        XCTAssertEqual(p.choice("net-bytes")?.label, "net-bytes: tp_btf/sock_send_length")
        XCTAssertEqual(rungs(p)["file-watch"], "tracepoint")
        XCTAssertEqual(p.choice("udp-dest")?.label, "udp-dest: cgroup/sendmsg4 (/sys/fs/cgroup/unified)")
        XCTAssertFalse(
            p.programs.contains { $0.hasPrefix("fexit_") || $0.hasPrefix("kprobe_") || $0.hasPrefix("kretprobe_") })
        XCTAssertEqual(p.programs.count, 55)
        XCTAssertFalse(Self.devVM.bpfLSM, "bpf is listed but LSM programs are refused")
    }

    /// Without sock_send_length and with fexit refused, kprobes are next; without
    /// those too, the syscall tracepoints.
    func testNetBytesFallsThroughEveryRung() {
        var facts = Self.debian12
        facts.attach[.fexit] = AttachResult(errno: 524, message: "attaching probe_fexit: Unknown error 524")
        var p = plan(facts)
        XCTAssertEqual(
            p.choice("net-bytes")?.label,
            "net-bytes: kprobe/inet_sendmsg (sock_send_length absent; fexit attach refused)")
        XCTAssertEqual(p.choice("net-bytes")?.programs, programs(of: "kprobe", "net-bytes"))
        XCTAssertEqual(p.choice("net-bytes")?.skipped.last?.detail, "attaching probe_fexit: Unknown error 524")
        facts.attach[.kprobe] = AttachResult(errno: 2, message: "no kprobes")
        facts.kprobeEvents = false
        p = plan(facts)
        XCTAssertEqual(p.choice("net-bytes")?.rung, "syscalls")
        XCTAssertEqual(p.choice("net-bytes")?.programs, programs(of: "syscalls", "net-bytes"))
        XCTAssertTrue(
            p.choice("net-bytes")?.label.contains("no kprobe support") ?? false, p.choice("net-bytes")?.label ?? "")
        XCTAssertEqual(rungs(p)["udp-dest"], "cgroup", "udp-dest still rides along")
    }

    func testUdpDestUsesSyscallsWithoutACgroupRootAndIsOffWithoutNetBytes() {
        var facts = Self.debian12
        facts.cgroupV2Root = nil
        var p = plan(facts)
        XCTAssertEqual(
            p.choice("udp-dest")?.label, "udp-dest: tracepoint/syscalls/sys_enter_{sendto,sendmsg} (no cgroup v2 root)")
        XCTAssertEqual(p.choice("udp-dest")?.programs, ["udp_enter_sendto", "udp_enter_sendmsg"])
        p = plan(Self.debian12, ["net-bytes=off"])
        XCTAssertEqual(p.choice("net-bytes")?.label, "net-bytes: off (forced)")
        XCTAssertEqual(p.choice("udp-dest")?.label, "udp-dest: off: net-bytes is off")
        XCTAssertFalse(p.programs.contains { $0.hasPrefix("udp") || $0.hasPrefix("fexit") })
        XCTAssertTrue(p.canLoad)
    }

    /// Within the file-watch rung a missing tracepoint leaves its program out; the rest load.
    func testFileWatchLeavesOutAbsentTracepoints() {
        var facts = Self.debian12
        facts.tracepoints.subtract([
            "syscalls/sys_enter_open", "syscalls/sys_exit_open", "syscalls/sys_enter_creat", "syscalls/sys_exit_creat",
        ])
        let p = plan(facts)
        let fileWatch = p.choice("file-watch")
        XCTAssertEqual(fileWatch?.rung, "tracepoint")
        XCTAssertEqual(fileWatch?.leftOut.map(\.program), ["enter_open", "enter_creat", "exit_open", "exit_creat"])
        XCTAssertEqual(fileWatch?.leftOut.first?.reason, "sys_enter_open absent")
        XCTAssertEqual(fileWatch?.programs.count, 24)
        XCTAssertTrue(
            fileWatch?.label.contains("without enter_open, enter_creat, exit_open, exit_creat: sys_enter_open absent")
                ?? false,
            fileWatch?.label ?? "")
        XCTAssertFalse(p.programs.contains("enter_open"))
        XCTAssertTrue(p.programs.contains("enter_openat"))
    }

    func testRequiredFeatureNamesTheMissingKernelPiece() {
        var facts = Self.debian12
        facts.tracefs = nil
        facts.tracepoints = []
        let p = plan(facts)
        XCTAssertFalse(p.canLoad)
        XCTAssertEqual(p.problems.map(\.kind), [.kernel])
        XCTAssertEqual(
            p.problems.first?.message,
            "credentials (required) cannot load: tracepoint/syscalls/sys_{enter,exit}_set*id: tracefs not mounted")
        XCTAssertEqual(FeaturePlanner.autoSource(p).source, "audit")

        var noExec = Self.debian12
        noExec.btfTraceEvents.remove("sched_process_exec")
        let q = plan(noExec)
        XCTAssertEqual(
            q.problems.first?.message,
            "process (required) cannot load: tp_btf/sched_process_{exec,fork,exit}: sched_process_exec absent")
    }

    /// An object that lacks a rung's program (the split not landed, an old build) makes
    /// that rung unavailable rather than failing the load with "no program named".
    func testObjectWithoutARungsProgramFallsBack() {
        let object = Self.object.filter { !$0.name.hasPrefix("fexit_") }
        let p = plan(Self.debian12, object: object)
        XCTAssertEqual(
            p.choice("net-bytes")?.label,
            "net-bytes: kprobe/inet_sendmsg (sock_send_length absent; the BPF object has no program fexit_inet_sendmsg)"
        )
        let extra = plan(
            Self.debian12, object: Self.object + [BPFProgramRef("debug_thing", "tracepoint/syscalls/sys_enter_kill")])
        XCTAssertEqual(extra.unplanned, ["debug_thing"])
        XCTAssertFalse(extra.programs.contains("debug_thing"))
    }

    /// A program the kernel refused when the sensor loaded it costs its rung: the next
    /// plan runs the feature one rung lower, or names it when a required one is left with nothing.
    func testRefusedProgramsCostTheirRung() throws {
        var p = FeaturePlanner.plan(
            facts: Self.debian12, objectPrograms: Self.object,
            refused: ["fexit_inet6_sendmsg": "loading BPF programs (verifier or kernel refused them): Invalid argument"]
        )
        XCTAssertEqual(
            p.choice("net-bytes")?.label,
            "net-bytes: kprobe/inet_sendmsg (sock_send_length absent; the kernel refused fexit_inet6_sendmsg)")
        XCTAssertEqual(
            p.choice("net-bytes")?.skipped.last?.detail,
            "loading BPF programs (verifier or kernel refused them): Invalid argument")
        XCTAssertTrue(p.canLoad)
        p = FeaturePlanner.plan(
            facts: Self.debian12, objectPrograms: Self.object, refused: ["enter_openat2": "attaching enter_openat2"])
        XCTAssertEqual(
            p.choice("file-watch")?.leftOut,
            [.init(program: "enter_openat2", reason: "the kernel refused enter_openat2")])
        p = FeaturePlanner.plan(
            facts: Self.debian12, objectPrograms: Self.object, refused: ["handle_fork": "Permission denied"])
        XCTAssertEqual(
            p.problems.first?.message,
            "process (required) cannot load: tp_btf/sched_process_{exec,fork,exit}: the kernel refused handle_fork [Permission denied]"
        )

        let verifier = """
            loading BPF programs (verifier or kernel refused them): Permission denied
            libbpf: prog 'fexit_inet_sendmsg': BPF program load failed: Permission denied
            libbpf: prog 'fexit_inet_sendmsg': -- BEGIN PROG LOAD LOG --
            R1 invalid mem access 'scalar'
            -- END PROG LOAD LOG --
            libbpf: prog 'fexit_inet_sendmsg': failed to load: -13
            """
        let found = try XCTUnwrap(BPFSource.refusedProgram(in: verifier))
        XCTAssertEqual(found.program, "fexit_inet_sendmsg")
        XCTAssertEqual(found.why, "loading BPF programs (verifier or kernel refused them): Permission denied")
        XCTAssertEqual(
            BPFSource.refusedProgram(
                in: "attaching kprobe_inet_sendmsg (kprobe/inet_sendmsg): No such file or directory\nlibbpf: ...")?
                .program,
            "kprobe_inet_sendmsg")
        XCTAssertNil(BPFSource.refusedProgram(in: "creating ring buffer consumer: Cannot allocate memory"))
    }

    // MARK: forced rungs

    func testForcedRungsReplaceTheAutomaticChoice() {
        let p = plan(
            Self.debian12, ["net-bytes=syscalls", "connect=tracepoint", "file-watch=off", "udp-dest=syscalls"])
        XCTAssertTrue(p.canLoad, "\(p.problems)")
        XCTAssertEqual(rungs(p)["net-bytes"], "syscalls")
        XCTAssertEqual(
            p.choice("net-bytes")?.label,
            "net-bytes: tracepoint/syscalls/sys_{enter,exit}_{sendto,sendmsg,write,writev} (forced)")
        XCTAssertEqual(p.choice("connect")?.programs, ["tp_sock_state"])
        XCTAssertEqual(p.choice("file-watch")?.label, "file-watch: off (forced)")
        XCTAssertEqual(p.choice("udp-dest")?.programs, ["udp_enter_sendto", "udp_enter_sendmsg"])
        XCTAssertFalse(p.programs.contains("fexit_inet_sendmsg"))
        XCTAssertFalse(p.programs.contains("handle_sock_state"))
        XCTAssertFalse(p.programs.contains("enter_openat"))
        XCTAssertTrue(p.programs.contains("bytes_enter_write"))
        // Forcing the rung auto would pick anyway is fine, and marked.
        XCTAssertEqual(
            plan(Self.debian12, ["net-bytes=fexit"]).choice("net-bytes")?.label,
            "net-bytes: fexit/inet_sendmsg (forced)")
    }

    func testForcingAnUnavailableRungIsAnErrorNamingWhatIsMissing() {
        var p = plan(Self.devVM, ["net-bytes=kprobe"])
        XCTAssertFalse(p.canLoad)
        XCTAssertEqual(p.problems.map(\.kind), [.hook])
        var message = p.problems.first?.message ?? ""
        XCTAssertTrue(
            message.hasPrefix(
                "--bpf-hook net-bytes=kprobe: this kernel cannot run kprobe/inet_sendmsg: no kprobe support"), message)
        XCTAssertTrue(
            message.contains("attaching probe_kprobe (kprobe/inet_sendmsg): No such file or directory"), message)
        XCTAssertEqual(
            FeaturePlanner.autoSource(p).source, "none", "a forced rung is never hidden by the audit fallback")

        p = plan(Self.devVM, ["net-bytes=fexit"])
        message = p.problems.first?.message ?? ""
        XCTAssertTrue(
            message.hasPrefix(
                "--bpf-hook net-bytes=fexit: this kernel cannot run fexit/inet_sendmsg: fexit attach refused"), message)
        XCTAssertTrue(message.contains("Operation not permitted"), message)

        p = plan(Self.debian12, ["net-bytes=tp_btf"])
        XCTAssertEqual(
            p.problems.first?.message,
            "--bpf-hook net-bytes=tp_btf: this kernel cannot run tp_btf/sock_send_length: sock_send_length absent")

        p = plan(Self.ubuntu2204, ["file-watch=tracepoint"])
        XCTAssertEqual(
            p.problems.first?.message,
            "--bpf-hook file-watch=tracepoint: this kernel cannot run \(FeatureTable.feature(named: "file-watch")!.rungs[0].hook): no bpf_loop helper (kernel < 5.17)"
        )

        p = plan(Self.debian12, ["net-bytes=off", "udp-dest=cgroup"])
        XCTAssertEqual(
            p.problems.first?.message,
            "--bpf-hook udp-dest=cgroup: udp-dest is only useful with net-bytes, which is off")
    }

    func testRequiredFeaturesCannotBeForcedOff() {
        let p = plan(Self.debian12, ["process=off"])
        XCTAssertFalse(p.canLoad)
        XCTAssertEqual(p.problems, [.init(.hook, "--bpf-hook process=off: process is required and cannot be off")])
        XCTAssertEqual(rungs(p)["process"], "tp_btf", "shown as auto would run it")
        XCTAssertEqual(
            plan(Self.debian12, ["credentials=off"]).problems.first?.message,
            "--bpf-hook credentials=off: credentials is required and cannot be off")
    }

    func testHookArgumentsAreChecked() {
        let parsed = FeaturePlanner.parseHooks([
            "net-bytes=kprobe", "nope=off", "net-bytes", "connect=fexit", "process=off", "connect=tp_btf",
            "connect=tracepoint",
        ])
        XCTAssertEqual(parsed.hooks, ["net-bytes": "kprobe", "process": "off", "connect": "tp_btf"])
        XCTAssertEqual(
            parsed.problems.map(\.message),
            [
                "--bpf-hook nope=off: no feature nope (features: process, credentials, connect, net-bytes, udp-dest, file-watch, tamper-signal, tamper-access)",
                "--bpf-hook net-bytes: expected FEATURE=RUNG, e.g. net-bytes=fexit",
                "--bpf-hook connect=fexit: connect has no rung fexit (rungs: tp_btf, tracepoint, off)",
                "--bpf-hook: connect given twice (tp_btf and tracepoint)",
            ])
        XCTAssertTrue(parsed.problems.allSatisfy { $0.kind == .hook })
    }

    /// `bpf.hooks` in the configuration: the same names and checks as `--bpf-hook`, errors with their line.
    func testConfigurationHooks() throws {
        let config = try ConfigLoader.parse(
            "bpf:\n  hooks:\n    net-bytes: syscalls\n    file-watch: off\n", file: "rw.yaml")
        XCTAssertEqual(config.bpf.hooks, ["net-bytes": "syscalls", "file-watch": "off"])
        XCTAssertEqual(try ConfigLoader.parse("").bpf.hooks, [:])
        XCTAssertThrowsError(try ConfigLoader.parse("bpf:\n  hooks:\n    net-bytes: carrier-pigeon\n", file: "rw.yaml"))
        {
            XCTAssertEqual(
                String(describing: $0),
                "rw.yaml:3:16: bpf.hooks.net-bytes: net-bytes has no rung carrier-pigeon (rungs: tp_btf, fexit, kprobe, syscalls, off)"
            )
        }
        XCTAssertThrowsError(try ConfigLoader.parse("bpf:\n  hooks:\n    netbytes: fexit\n", file: "rw.yaml")) {
            XCTAssertTrue(
                String(describing: $0).hasPrefix(
                    "rw.yaml:3:5: unknown key 'netbytes' in bpf.hooks (known: process, credentials,"), "\($0)")
        }
        XCTAssertThrowsError(try ConfigLoader.parse("bpf:\n  hooks:\n    process: off\n", file: "rw.yaml")) {
            XCTAssertEqual(
                String(describing: $0), "rw.yaml:3:14: bpf.hooks.process: process is required and cannot be off")
        }
        // The plan is made when the programs load: a changed bpf.hooks takes a restart.
        XCTAssertTrue(ConfigReloadPlan.restartOnlyKeys.contains("bpf.hooks"))
    }

    // MARK: the table and the object

    func testTableMatchesTheContract() {
        XCTAssertEqual(
            FeatureTable.features.map(\.name),
            [
                "process", "credentials", "connect", "net-bytes", "udp-dest", "file-watch", "tamper-signal",
                "tamper-access",
            ])
        XCTAssertEqual(FeatureTable.features.filter(\.required).map(\.name), ["process", "credentials"])
        XCTAssertEqual(
            FeatureTable.feature(named: "net-bytes")?.rungs.map(\.name), ["tp_btf", "fexit", "kprobe", "syscalls"])
        XCTAssertEqual(FeatureTable.feature(named: "file-watch")?.rungs.first?.programs.count, 28)
        XCTAssertEqual(FeatureTable.feature(named: "credentials")?.rungs.first?.programs.count, 16)
        let names = FeatureTable.allPrograms.map(\.name)
        XCTAssertEqual(names.count, Set(names).count, "a program belongs to one rung")
    }

    /// Every program of the embedded sensor object belongs to exactly one rung, with
    /// the same section, and every rung's programs are in the object.
    func testEveryProgramOfTheEmbeddedObjectBelongsToExactlyOneRung() throws {
        let object = try BPFObject.programs()
        XCTAssertFalse(object.isEmpty)
        var owners: [String: [String]] = [:]
        for feature in FeatureTable.features {
            for rung in feature.rungs {
                for program in rung.programs {
                    owners[program.name, default: []].append("\(feature.name)/\(rung.name) \(program.section)")
                }
            }
        }
        for program in object {
            let rungs = owners[program.name] ?? []
            XCTAssertEqual(
                rungs.count, 1,
                "\(program.name) (\(program.section)) belongs to \(rungs.isEmpty ? "no rung" : rungs.joined(separator: ", "))"
            )
            if let owner = FeatureTable.allPrograms.first(where: { $0.name == program.name }) {
                XCTAssertEqual(owner.section, program.section, "section of \(program.name)")
            }
        }
        let inObject = Set(object.map(\.name))
        let missing = FeatureTable.allPrograms.map(\.name).filter { !inObject.contains($0) }
        XCTAssertEqual(missing, [], "programs of the table that the object lacks")
    }

    // MARK: facts and reporting

    func testKernelVersionParsing() {
        XCTAssertEqual(KernelVersion(release: "6.1.0-18-amd64"), KernelVersion(6, 1, 0))
        XCTAssertEqual(KernelVersion(release: "5.15.0-91-generic"), KernelVersion(5, 15, 0))
        XCTAssertEqual(KernelVersion(release: "6.18.44-fc-v657"), KernelVersion(6, 18, 44))
        XCTAssertEqual(KernelVersion(release: "5.4"), KernelVersion(5, 4))
        XCTAssertEqual(KernelVersion(release: "4.19.0+"), KernelVersion(4, 19, 0))
        XCTAssertNil(KernelVersion(release: "linux"))
        XCTAssertTrue(KernelVersion(5, 7, 19) < FeatureTable.minimumKernel)
        XCTAssertFalse(KernelVersion(5, 8, 0) < FeatureTable.minimumKernel)
        XCTAssertNil(Self.debian12.belowMinimum)
        var old = Self.debian12
        old.release = "5.7.0"
        XCTAssertEqual(
            old.belowMinimum,
            "the BPF source needs kernel 5.8 or later with BTF and a BPF ring buffer: kernel 5.7 is older than 5.8")
    }

    func testFactsRoundTripThroughJSON() throws {
        let data = try JSONEncoder().encode(Self.devVM)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains(#""attach":{"#), text)
        XCTAssertTrue(text.contains(#""kprobe_events":false"#), text)
        XCTAssertEqual(try JSONDecoder().decode(KernelFacts.self, from: data), Self.devVM)
        let plan = plan(Self.debian12)
        XCTAssertEqual(try JSONDecoder().decode(FeaturePlan.self, from: try JSONEncoder().encode(plan)), plan)
    }

    func testMetricsReportEachFeatureAndItsHook() {
        var s = MetricsText.Snapshot()
        XCTAssertFalse(MetricsText.render(s).contains("rigwatch_feature_active"), "no family without features (audit)")
        s.features = [
            MetricsText.Feature(name: "net-bytes", hook: "fexit", active: true),
            MetricsText.Feature(name: "file-watch", hook: "off", active: false),
        ]
        let text = MetricsText.render(s)
        XCTAssertTrue(
            text.hasSuffix(
                """
                # TYPE rigwatch_feature_active gauge
                rigwatch_feature_active{feature="net-bytes",hook="fexit"} 1
                rigwatch_feature_active{feature="file-watch",hook="off"} 0

                """), text)
    }

    func testStatusShowsTheFeatures() throws {
        var state = ServiceState(
            sensorVersion: "0.1.0", host: "rig", pid: 1, startedAt: 0, updatedAt: 10, intervalSeconds: 5,
            source: "bpf", watchedUsers: [])
        let plan = plan(Self.debian12)
        state.features = plan.features.map {
            ServiceState.Feature(feature: $0.feature, hook: $0.rung ?? "off", label: $0.label, active: $0.active)
        }
        let text = StatusReport.text(state, verdict: .running, now: 10, path: "/x")
        XCTAssertTrue(text.contains("  features:           process: tp_btf/sched_process_{exec,fork,exit}\n"), text)
        XCTAssertTrue(
            text.contains("\n                      net-bytes: fexit/inet_sendmsg (sock_send_length absent)\n"), text)
        let decoded = try ServiceState.decode(try state.json())
        XCTAssertEqual(decoded.features, state.features)
        // A state file from before features were reported still reads.
        var old = try JSONSerialization.jsonObject(with: try state.json()) as! [String: Any]
        old["features"] = nil
        XCTAssertNil(try ServiceState.decode(try JSONSerialization.data(withJSONObject: old)).features)
    }
}

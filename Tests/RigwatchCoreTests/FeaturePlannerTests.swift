// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchConfig
import RigwatchCore
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// The feature plan on the kernels rigwatch meets: which programs load, which
/// fallbacks, forced rungs, and what is refused with which words.
final class FeaturePlannerTests: XCTestCase {
    // MARK: kernels

    func plan(
        _ facts: KernelFacts, object: [BPFProgramRef] = KernelSamples.object, _ hooks: [String] = []
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
        let p = plan(KernelSamples.ubuntu2004)
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
        XCTAssertNotNil(KernelSamples.ubuntu2004.belowMinimum)
    }

    func testUbuntu2204UsesFexitForBytesAndHasNoFileWatch() {
        let p = plan(KernelSamples.ubuntu2204)
        XCTAssertTrue(p.canLoad, "\(p.problems)")
        XCTAssertEqual(
            rungs(p),
            [
                "process": "tp_btf", "credentials": "tracepoint", "connect": "tp_btf", "net-bytes": "fexit",
                "udp-dest": "cgroup", "first-payload": "syscalls", "unix-connect": "tracepoint", "file-watch": "off",
                "tamper-signal": "tp_btf", "tamper-access": "tracepoint", "tamper-prevent": "off", "enforce": "off",
                "enforce-lsm": "off",
            ])
        XCTAssertEqual(p.choice("enforce")?.label, "enforce: off: no bpf_loop helper (kernel < 5.17)")
        XCTAssertEqual(p.choice("net-bytes")?.label, "net-bytes: fexit/inet_sendmsg (sock_send_length absent)")
        XCTAssertEqual(p.choice("file-watch")?.label, "file-watch: off: no bpf_loop helper (kernel < 5.17)")
        XCTAssertEqual(p.choice("udp-dest")?.label, "udp-dest: cgroup/sendmsg4 (/sys/fs/cgroup)")
        XCTAssertTrue(p.programs.contains("fexit_inet_sendmsg") && p.programs.contains("fexit_inet6_sendmsg"))
        XCTAssertFalse(p.programs.contains("handle_send_length"))
        XCTAssertFalse(
            p.programs.contains { $0.hasPrefix("enter_open") || $0.hasPrefix("exit_rename") }, "no file-watch program")
        XCTAssertFalse(KernelSamples.ubuntu2204.bpfLSM, "bpf is not in Ubuntu's LSM list")
        XCTAssertEqual(FeaturePlanner.autoSource(p).source, "bpf")
    }

    /// Issue 13: Debian 12's stock kernel lacks sock_send_length; the sensor now runs
    /// with the fexit fallback instead of failing the whole object.
    func testDebian12RunsWithTheFexitFallback() {
        let p = plan(KernelSamples.debian12)
        XCTAssertTrue(p.canLoad, "\(p.problems)")
        XCTAssertEqual(
            rungs(p),
            [
                "process": "tp_btf", "credentials": "tracepoint", "connect": "tp_btf", "net-bytes": "fexit",
                "udp-dest": "cgroup", "first-payload": "syscalls", "unix-connect": "tracepoint",
                "file-watch": "tracepoint", "tamper-signal": "tp_btf", "tamper-access": "tracepoint",
                "tamper-prevent": "lsm", "enforce": "tp_btf", "enforce-lsm": "lsm",
            ])
        XCTAssertEqual(p.choice("net-bytes")?.label, "net-bytes: fexit/inet_sendmsg (sock_send_length absent)")
        XCTAssertEqual(
            p.choice("net-bytes")?.skipped, [.init(rung: "tp_btf", reason: "sock_send_length absent", detail: nil)])
        XCTAssertFalse(p.programs.contains("handle_send_length"), "the program that broke issue 13 is not loaded")
        let expected =
            programs(of: "tp_btf", "process") + programs(of: "tracepoint", "credentials")
            + programs(of: "tp_btf", "connect")
            + programs(of: "fexit", "net-bytes") + programs(of: "cgroup", "udp-dest")
            + programs(of: "syscalls", "first-payload") + programs(of: "tracepoint", "unix-connect")
            + programs(of: "tracepoint", "file-watch")
            + programs(of: "tp_btf", "tamper-signal") + programs(of: "tracepoint", "tamper-access")
            + programs(of: "lsm", "tamper-prevent") + programs(of: "tp_btf", "enforce")
            + programs(of: "lsm", "enforce-lsm")
        XCTAssertEqual(p.programs, expected)
        XCTAssertEqual(p.programs.count, 3 + 16 + 1 + 2 + 2 + 4 + 2 + 28 + 1 + 3 + 2 + 6)
        XCTAssertEqual(p.choice("file-watch")?.leftOut, [])
        XCTAssertTrue(KernelSamples.debian12.bpfLSM)
        XCTAssertEqual(p.unplanned, [])
    }

    func testDevVMUsesSockSendLengthAndNeverFexitOrKprobes() {
        let p = plan(KernelSamples.devVM)
        XCTAssertTrue(p.canLoad, "\(p.problems)")
        XCTAssertEqual(rungs(p)["net-bytes"], "tp_btf")
        XCTAssertEqual(p.choice("net-bytes")?.label, "net-bytes: tp_btf/sock_send_length")
        XCTAssertEqual(rungs(p)["file-watch"], "tracepoint")
        XCTAssertEqual(p.choice("udp-dest")?.label, "udp-dest: cgroup/sendmsg4 (/sys/fs/cgroup/unified)")
        XCTAssertFalse(
            p.programs.contains { $0.hasPrefix("fexit_") || $0.hasPrefix("kprobe_") || $0.hasPrefix("kretprobe_") })
        XCTAssertEqual(p.programs.count, 64)
        XCTAssertEqual(p.choice("enforce")?.label, "enforce: tp_btf/sched_process_{exec,fork,exit}")
        XCTAssertEqual(p.choice("enforce-lsm")?.label, "enforce-lsm: off: LSM programs refused")
        XCTAssertEqual(
            p.choice("first-payload")?.label,
            "first-payload: tracepoint/syscalls/sys_enter_{write,sendto,sendmsg,writev}")
        XCTAssertEqual(p.choice("unix-connect")?.programs, ["unix_enter_connect", "unix_exit_connect"])
        XCTAssertFalse(KernelSamples.devVM.bpfLSM, "bpf is listed but LSM programs are refused")
        XCTAssertEqual(p.choice("tamper-prevent")?.label, "tamper-prevent: off: LSM programs refused")
    }

    /// Without sock_send_length and with fexit refused, kprobes are next; without
    /// those too, the syscall tracepoints.
    func testNetBytesFallsThroughEveryRung() {
        var facts = KernelSamples.debian12
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
        var facts = KernelSamples.debian12
        facts.cgroupV2Root = nil
        var p = plan(facts)
        XCTAssertEqual(
            p.choice("udp-dest")?.label, "udp-dest: tracepoint/syscalls/sys_enter_{sendto,sendmsg} (no cgroup v2 root)")
        XCTAssertEqual(p.choice("udp-dest")?.programs, ["udp_enter_sendto", "udp_enter_sendmsg"])
        p = plan(KernelSamples.debian12, ["net-bytes=off"])
        XCTAssertEqual(p.choice("net-bytes")?.label, "net-bytes: off (forced)")
        XCTAssertEqual(p.choice("udp-dest")?.label, "udp-dest: off: net-bytes is off")
        XCTAssertFalse(p.programs.contains { $0.hasPrefix("udp") || $0.hasPrefix("fexit") })
        XCTAssertTrue(p.canLoad)
    }

    /// Within the file-watch rung a missing tracepoint leaves its program out; the rest load.
    func testFileWatchLeavesOutAbsentTracepoints() {
        var facts = KernelSamples.debian12
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
        var facts = KernelSamples.debian12
        facts.tracefs = nil
        facts.tracepoints = []
        let p = plan(facts)
        XCTAssertFalse(p.canLoad)
        XCTAssertEqual(p.problems.map(\.kind), [.kernel])
        XCTAssertEqual(
            p.problems.first?.message,
            "credentials (required) cannot load: tracepoint/syscalls/sys_{enter,exit}_set*id: tracefs not mounted")
        XCTAssertEqual(FeaturePlanner.autoSource(p).source, "audit")

        var noExec = KernelSamples.debian12
        noExec.btfTraceEvents.remove("sched_process_exec")
        let q = plan(noExec)
        XCTAssertEqual(
            q.problems.first?.message,
            "process (required) cannot load: tp_btf/sched_process_{exec,fork,exit}: sched_process_exec absent")
    }

    /// An object that lacks a rung's program (the split not landed, an old build) makes
    /// that rung unavailable rather than failing the load with "no program named".
    func testObjectWithoutARungsProgramFallsBack() {
        let object = KernelSamples.object.filter { !$0.name.hasPrefix("fexit_") }
        let p = plan(KernelSamples.debian12, object: object)
        XCTAssertEqual(
            p.choice("net-bytes")?.label,
            "net-bytes: kprobe/inet_sendmsg (sock_send_length absent; the BPF object has no program fexit_inet_sendmsg)"
        )
        let extra = plan(
            KernelSamples.debian12,
            object: KernelSamples.object + [BPFProgramRef("debug_thing", "tracepoint/syscalls/sys_enter_kill")])
        XCTAssertEqual(extra.unplanned, ["debug_thing"])
        XCTAssertFalse(extra.programs.contains("debug_thing"))
    }

    /// A program the kernel refused when the sensor loaded it costs its rung: the next
    /// plan runs the feature one rung lower, or names it when a required one is left with nothing.
    func testRefusedProgramsCostTheirRung() throws {
        var p = FeaturePlanner.plan(
            facts: KernelSamples.debian12, objectPrograms: KernelSamples.object,
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
            facts: KernelSamples.debian12, objectPrograms: KernelSamples.object,
            refused: ["enter_openat2": "attaching enter_openat2"])
        XCTAssertEqual(
            p.choice("file-watch")?.leftOut,
            [.init(program: "enter_openat2", reason: "the kernel refused enter_openat2")])
        p = FeaturePlanner.plan(
            facts: KernelSamples.debian12, objectPrograms: KernelSamples.object,
            refused: ["handle_fork": "Permission denied"])
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
            KernelSamples.debian12, ["net-bytes=syscalls", "connect=tracepoint", "file-watch=off", "udp-dest=syscalls"])
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
            plan(KernelSamples.debian12, ["net-bytes=fexit"]).choice("net-bytes")?.label,
            "net-bytes: fexit/inet_sendmsg (forced)")
    }

    func testForcingAnUnavailableRungIsAnErrorNamingWhatIsMissing() {
        var p = plan(KernelSamples.devVM, ["net-bytes=kprobe"])
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

        p = plan(KernelSamples.devVM, ["net-bytes=fexit"])
        message = p.problems.first?.message ?? ""
        XCTAssertTrue(
            message.hasPrefix(
                "--bpf-hook net-bytes=fexit: this kernel cannot run fexit/inet_sendmsg: fexit attach refused"), message)
        XCTAssertTrue(message.contains("Operation not permitted"), message)

        p = plan(KernelSamples.debian12, ["net-bytes=tp_btf"])
        XCTAssertEqual(
            p.problems.first?.message,
            "--bpf-hook net-bytes=tp_btf: this kernel cannot run tp_btf/sock_send_length: sock_send_length absent")

        p = plan(KernelSamples.ubuntu2204, ["file-watch=tracepoint"])
        XCTAssertEqual(
            p.problems.first?.message,
            "--bpf-hook file-watch=tracepoint: this kernel cannot run \(FeatureTable.feature(named: "file-watch")!.rungs[0].hook): no bpf_loop helper (kernel < 5.17)"
        )

        p = plan(KernelSamples.debian12, ["net-bytes=off", "udp-dest=cgroup"])
        XCTAssertEqual(
            p.problems.first?.message,
            "--bpf-hook udp-dest=cgroup: udp-dest is only useful with net-bytes, which is off")
    }

    func testRequiredFeaturesCannotBeForcedOff() {
        let p = plan(KernelSamples.debian12, ["process=off"])
        XCTAssertFalse(p.canLoad)
        XCTAssertEqual(p.problems, [.init(.hook, "--bpf-hook process=off: process is required and cannot be off")])
        XCTAssertEqual(rungs(p)["process"], "tp_btf", "shown as auto would run it")
        XCTAssertEqual(
            plan(KernelSamples.debian12, ["credentials=off"]).problems.first?.message,
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
                "--bpf-hook nope=off: no feature nope (features: process, credentials, connect, net-bytes, udp-dest, first-payload, unix-connect, file-watch, tamper-signal, tamper-access, tamper-prevent, enforce, enforce-lsm)",
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
                "process", "credentials", "connect", "net-bytes", "udp-dest", "first-payload", "unix-connect",
                "file-watch", "tamper-signal", "tamper-access", "tamper-prevent", "enforce", "enforce-lsm",
            ])
        XCTAssertEqual(FeatureTable.feature(named: "first-payload")?.dependsOn, "connect")
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
        XCTAssertNil(KernelSamples.debian12.belowMinimum)
        var old = KernelSamples.debian12
        old.release = "5.7.0"
        XCTAssertEqual(
            old.belowMinimum,
            "the BPF source needs kernel 5.8 or later with BTF and a BPF ring buffer: kernel 5.7 is older than 5.8")
    }

    func testFactsRoundTripThroughJSON() throws {
        let text = KernelSamples.devVM.json
        XCTAssertTrue(text.contains(#""attach":{"#), text)
        XCTAssertTrue(text.contains(#""kprobe_events":false"#), text)
        XCTAssertEqual(KernelFacts(json: try JSONValue.parse(Array(text.utf8))), KernelSamples.devVM)
        let plan = plan(KernelSamples.debian12)
        for choice in plan.features {
            let o = try JSONValue.parse(Array(choice.json.utf8))
            XCTAssertEqual(o["feature"]?.string, choice.feature)
            XCTAssertEqual(o["active"]?.bool, choice.active)
            XCTAssertEqual(o["rung"]?.string, choice.rung)
            XCTAssertEqual(o["hook"]?.string, choice.hook)
            XCTAssertEqual(o["label"]?.string, choice.label)
            XCTAssertEqual(o["programs"]?.array?.compactMap(\.string), choice.programs)
            XCTAssertEqual(o["skipped"]?.array?.compactMap { $0["reason"]?.string }, choice.skipped.map(\.reason))
            XCTAssertEqual(o["left_out"]?.array?.compactMap { $0["program"]?.string }, choice.leftOut.map(\.program))
        }
    }
}

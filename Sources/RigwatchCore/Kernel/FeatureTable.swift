// SPDX-License-Identifier: Apache-2.0
/// The sensor's kernel features and, for each, the hook rungs it can run on (best
/// first). A rung is the set of BPF programs loaded for the feature when it is
/// chosen; program names and sections are the BPF object's (bpf/*.bpf.c).
public struct BPFProgramRef: Hashable, Sendable {
    public var name: String
    /// libbpf's section name: "tp_btf/sched_process_exec", "tracepoint/syscalls/sys_enter_setuid".
    public var section: String

    public init(_ name: String, _ section: String) {
        self.name = name
        self.section = section
    }
}

public struct FeatureRung: Equatable, Sendable {
    /// The rung's name as `--bpf-hook FEATURE=RUNG` spells it: tp_btf, fexit, kprobe, syscalls, tracepoint, cgroup.
    public let name: String
    /// What the status line shows for it: "fexit/inet_sendmsg".
    public let hook: String
    public let programs: [BPFProgramRef]
    /// A helper the rung's tracepoint programs call that older kernels lack.
    public let helper: String?
    /// Programs whose hook point this kernel lacks are left out (the rest still load).
    public let partial: Bool

    public init(_ name: String, hook: String, programs: [BPFProgramRef], helper: String? = nil, partial: Bool = false) {
        self.name = name
        self.hook = hook
        self.programs = programs
        self.helper = helper
        self.partial = partial
    }
}

public struct KernelFeature: Equatable, Sendable {
    /// "net-bytes".
    public let name: String
    /// The BPF source cannot run without it.
    public let required: Bool
    public let rungs: [FeatureRung]
    /// Only useful while this other feature is on (udp-dest names net-bytes).
    public let dependsOn: String?
    /// One line for the capability table.
    public let summary: String

    public init(_ name: String, required: Bool = false, dependsOn: String? = nil, summary: String, rungs: [FeatureRung])
    {
        self.name = name
        self.required = required
        self.rungs = rungs
        self.dependsOn = dependsOn
        self.summary = summary
    }

    public func rung(named name: String) -> FeatureRung? { rungs.first { $0.name == name } }
}

public enum FeatureTable {
    public static let minimumKernel = KernelVersion(5, 8, 0)

    public static func feature(named name: String) -> KernelFeature? { features.first { $0.name == name } }

    /// Every program of every rung, in table order.
    public static var allPrograms: [BPFProgramRef] { features.flatMap { $0.rungs.flatMap(\.programs) } }

    public static let features: [KernelFeature] = [
        KernelFeature(
            "process", required: true, summary: "exec, fork and exit; process lineage",
            rungs: [
                FeatureRung(
                    "tp_btf", hook: "tp_btf/sched_process_{exec,fork,exit}",
                    programs: [
                        BPFProgramRef("handle_exec", "tp_btf/sched_process_exec"),
                        BPFProgramRef("handle_fork", "tp_btf/sched_process_fork"),
                        BPFProgramRef("handle_exit", "tp_btf/sched_process_exit"),
                    ])
            ]),
        KernelFeature(
            "credentials", required: true, summary: "set*id credential changes",
            rungs: [
                FeatureRung(
                    "tracepoint", hook: "tracepoint/syscalls/sys_{enter,exit}_set*id",
                    programs: syscalls(
                        ["setuid", "setreuid", "setresuid", "setfsuid", "setgid", "setregid", "setresgid", "setfsgid"],
                        enter: "enter_", exit: "exit_"))
            ]),
        KernelFeature(
            "connect", summary: "TCP connections (inet_sock_set_state)",
            rungs: [
                FeatureRung(
                    "tp_btf", hook: "tp_btf/inet_sock_set_state",
                    programs: [
                        BPFProgramRef("handle_sock_state", "tp_btf/inet_sock_set_state")
                    ]),
                FeatureRung(
                    "tracepoint", hook: "tracepoint/sock/inet_sock_set_state",
                    programs: [
                        BPFProgramRef("tp_sock_state", "tracepoint/sock/inet_sock_set_state")
                    ]),
            ]),
        KernelFeature(
            "net-bytes", summary: "bytes sent per process and destination",
            rungs: [
                FeatureRung(
                    "tp_btf", hook: "tp_btf/sock_send_length",
                    programs: [
                        BPFProgramRef("handle_send_length", "tp_btf/sock_send_length")
                    ]),
                FeatureRung(
                    "fexit", hook: "fexit/inet_sendmsg",
                    programs: [
                        BPFProgramRef("fexit_inet_sendmsg", "fexit/inet_sendmsg"),
                        BPFProgramRef("fexit_inet6_sendmsg", "fexit/inet6_sendmsg"),
                    ]),
                FeatureRung(
                    "kprobe", hook: "kprobe/inet_sendmsg",
                    programs: [
                        BPFProgramRef("kprobe_inet_sendmsg", "kprobe/inet_sendmsg"),
                        BPFProgramRef("kretprobe_inet_sendmsg", "kretprobe/inet_sendmsg"),
                        BPFProgramRef("kprobe_inet6_sendmsg", "kprobe/inet6_sendmsg"),
                        BPFProgramRef("kretprobe_inet6_sendmsg", "kretprobe/inet6_sendmsg"),
                    ]),
                FeatureRung(
                    "syscalls", hook: "tracepoint/syscalls/sys_{enter,exit}_{sendto,sendmsg,write,writev}",
                    programs: syscalls(
                        ["sendto", "sendmsg", "write", "writev"], enter: "bytes_enter_", exit: "bytes_exit_",
                        paired: true)),
            ]),
        KernelFeature(
            "udp-dest", dependsOn: "net-bytes", summary: "destinations of unconnected UDP sends",
            rungs: [
                FeatureRung(
                    "cgroup", hook: "cgroup/sendmsg4",
                    programs: [
                        BPFProgramRef("udp4_sendmsg", "cgroup/sendmsg4"),
                        BPFProgramRef("udp6_sendmsg", "cgroup/sendmsg6"),
                    ]),
                FeatureRung(
                    "syscalls", hook: "tracepoint/syscalls/sys_enter_{sendto,sendmsg}",
                    programs: [
                        BPFProgramRef("udp_enter_sendto", "tracepoint/syscalls/sys_enter_sendto"),
                        BPFProgramRef("udp_enter_sendmsg", "tracepoint/syscalls/sys_enter_sendmsg"),
                    ]),
            ]),
        // The first bytes of each new outbound TCP connection (stratum logins). Syscall
        // entry is the one hook where the sender's buffer is still there on every kernel
        // (the bytes hooks see the socket after the data went); a write of a process with
        // no fresh connection costs one hash lookup.
        KernelFeature(
            "first-payload", dependsOn: "connect", summary: "first bytes sent on new TCP connections",
            rungs: [
                FeatureRung(
                    "syscalls", hook: "tracepoint/syscalls/sys_enter_{write,sendto,sendmsg,writev}",
                    programs: ["write", "sendto", "sendmsg", "writev"].map {
                        BPFProgramRef("payload_enter_\($0)", "tracepoint/syscalls/sys_enter_\($0)")
                    })
            ]),
        KernelFeature(
            "unix-connect", summary: "the watched lineages' connects to unix stream sockets",
            rungs: [
                FeatureRung(
                    "tracepoint", hook: "tracepoint/syscalls/sys_{enter,exit}_connect",
                    programs: syscalls(["connect"], enter: "unix_enter_", exit: "unix_exit_"))
            ]),
        KernelFeature(
            "file-watch", summary: "changes to watched paths (open, rename, unlink, link families)",
            rungs: [
                FeatureRung(
                    "tracepoint",
                    hook: "tracepoint/syscalls/sys_{enter,exit}_{open*,creat,rename*,unlink*,rmdir,link*,symlink*}",
                    programs: syscalls(["open", "openat", "creat", "openat2"], enter: "enter_", exit: "exit_")
                        + syscalls(
                            [
                                "rename", "renameat", "renameat2", "unlink", "unlinkat", "rmdir", "link", "linkat",
                                "symlink", "symlinkat",
                            ],
                            enter: "enter_", exit: "exit_"),
                    helper: "bpf_loop", partial: true)
            ]),
        KernelFeature(
            "tamper-signal", summary: "signals aimed at the sensor",
            rungs: [
                FeatureRung(
                    "tp_btf", hook: "tp_btf/signal_generate",
                    programs: [
                        BPFProgramRef("handle_signal", "tp_btf/signal_generate")
                    ]),
                FeatureRung(
                    "tracepoint", hook: "tracepoint/signal/signal_generate",
                    programs: [
                        BPFProgramRef("tp_signal_generate", "tracepoint/signal/signal_generate")
                    ]),
            ]),
        KernelFeature(
            "tamper-access", summary: "ptrace and process_vm_* aimed at the sensor",
            rungs: [
                FeatureRung(
                    "tracepoint", hook: "tracepoint/syscalls/sys_enter_{ptrace,process_vm_readv,process_vm_writev}",
                    programs: ["ptrace", "process_vm_readv", "process_vm_writev"].map {
                        BPFProgramRef("enter_\($0)", "tracepoint/syscalls/sys_enter_\($0)")
                    })
            ]),
        // Refusing, not reporting: only where the bpf LSM is active (lsm= on the kernel
        // command line or in CONFIG_LSM); elsewhere the watched lineages can still stop the
        // sensor, and the pinned programs record what they do meanwhile.
        KernelFeature(
            "tamper-prevent", summary: "signals and ptrace attaches from the watched lineages refused (BPF-LSM)",
            rungs: [
                FeatureRung(
                    "lsm", hook: "lsm/{task_kill,ptrace_access_check}",
                    programs: [
                        BPFProgramRef("deny_signal", "lsm/task_kill"),
                        BPFProgramRef("deny_ptrace", "lsm/ptrace_access_check"),
                    ])
            ]),
        // The whitelist decided in the kernel (enforcement.mode); loaded wherever it can
        // run, idle while the mode is off, so a reload can turn it on.
        KernelFeature(
            "enforce", summary: "unlisted root execs of the watched lineages stopped in the kernel (enforcement)",
            rungs: [
                FeatureRung(
                    "tp_btf", hook: "tp_btf/sched_process_{exec,fork,exit}",
                    programs: [
                        BPFProgramRef("enforce_exec", "tp_btf/sched_process_exec"),
                        BPFProgramRef("enforce_fork", "tp_btf/sched_process_fork"),
                        BPFProgramRef("enforce_exit", "tp_btf/sched_process_exit"),
                    ], helper: "bpf_loop")
            ]),
        // Refusing the exec itself (EPERM) where BPF-LSM is active; enforce still judges
        // after exec and kills what slipped through.
        KernelFeature(
            "enforce-lsm", dependsOn: "enforce",
            summary: "unlisted root execs refused with EPERM before they load (BPF-LSM)",
            rungs: [
                FeatureRung(
                    "lsm", hook: "lsm/bprm_check_security",
                    programs: [
                        BPFProgramRef("enforce_enter_execve", "tracepoint/syscalls/sys_enter_execve"),
                        BPFProgramRef("enforce_enter_execveat", "tracepoint/syscalls/sys_enter_execveat"),
                        BPFProgramRef("enforce_bprm", "lsm/bprm_check_security"),
                    ], helper: "bpf_loop")
            ]),
    ]

    /// enter programs of every syscall, then exit programs (the contract's order);
    /// `paired` interleaves them per syscall instead.
    private static func syscalls(
        _ names: [String], enter: String, exit: String, paired: Bool = false
    ) -> [BPFProgramRef] {
        let enters = names.map { BPFProgramRef(enter + $0, "tracepoint/syscalls/sys_enter_\($0)") }
        let exits = names.map { BPFProgramRef(exit + $0, "tracepoint/syscalls/sys_exit_\($0)") }
        guard paired else { return enters + exits }
        return zip(enters, exits).flatMap { [$0, $1] }
    }
}

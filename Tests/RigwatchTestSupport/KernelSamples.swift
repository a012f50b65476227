// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// What the kernel probe finds on the kernels rigwatch meets, as facts the planner
/// and the reports are tested with.
public enum KernelSamples {
    public static let allTracepoints = Set(FeatureTable.allPrograms.compactMap { target($0.section, "tracepoint") })
    public static let allEvents = Set(FeatureTable.allPrograms.compactMap { target($0.section, "tp_btf") })
    public static let funcs: Set<String> = ["inet_sendmsg", "inet6_sendmsg"]
    public static let allProgTypes: Set<String> = [
        "tracepoint", "raw_tracepoint", "tracing", "kprobe", "lsm", "cgroup_sock_addr",
    ]
    public static let allAttach: [AttachProbe: AttachResult] = Dictionary(
        uniqueKeysWithValues: AttachProbe.allCases.map { ($0, .ok) })

    public static func target(_ section: String, _ kind: String) -> String? {
        let parts = section.split(separator: "/", maxSplits: 1).map(String.init)
        return parts.count == 2 && parts[0] == kind ? parts[1] : nil
    }

    /// Ubuntu 20.04 GA: no BTF, no ring buffer, no openat2.
    public static let ubuntu2004 = KernelFacts(
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
    public static let ubuntu2204 = KernelFacts(
        release: "5.15.0-25-generic", helpers: ["bpf_ringbuf_reserve"], progTypes: allProgTypes,
        btfTraceEvents: allEvents.subtracting(["sock_send_length"]), btfFuncs: funcs, tracepoints: allTracepoints,
        attach: allAttach, kprobeEvents: true, lsm: ["lockdown", "capability", "yama", "apparmor"],
        cgroupV2Root: "/sys/fs/cgroup")

    /// Debian 12 stock 6.1: no sock_send_length; bpf_loop, fexit, kprobes and BPF-LSM work.
    public static let debian12 = KernelFacts(
        release: "6.1.0-18-amd64", helpers: ["bpf_loop", "bpf_ringbuf_reserve"], progTypes: allProgTypes,
        btfTraceEvents: allEvents.subtracting(["sock_send_length"]), btfFuncs: funcs, tracepoints: allTracepoints,
        attach: allAttach, kprobeEvents: true,
        lsm: ["lockdown", "capability", "landlock", "yama", "apparmor", "tomoyo", "bpf"], cgroupV2Root: "/sys/fs/cgroup"
    )

    /// This dev VM, 6.18: sock_send_length present; fexit and LSM refused, no kprobes built in.
    public static let devVM = KernelFacts(
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
    public static let object = FeatureTable.allPrograms
}

// SPDX-License-Identifier: GPL-2.0-only
/* Not part of the sensor: the tiny programs the kernel probe (Sources/CBPF/rw_probe.c)
 * loads and attaches one at a time to learn which hook classes this kernel really
 * allows. BTF and tracefs say a hook point exists; only a real attach says the
 * kernel lets a program sit there (fentry/fexit need ftrace direct calls, kprobes
 * need CONFIG_KPROBES). Each program does nothing and is detached at once. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* BTF-typed tracepoints (the process feature's hook class); any event does. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(probe_tp_btf)
{
	return 0;
}

/* The function the net-bytes fallbacks hook (fexit, kprobe, kretprobe). */
SEC("fexit/inet_sendmsg")
int BPF_PROG(probe_fexit, struct socket *sock, struct msghdr *msg, size_t size, int ret)
{
	return 0;
}

SEC("kprobe/inet_sendmsg")
int BPF_KPROBE(probe_kprobe)
{
	return 0;
}

SEC("kretprobe/inet_sendmsg")
int BPF_KRETPROBE(probe_kretprobe)
{
	return 0;
}

/* BPF-LSM: loading proves the program type, attaching proves the hook exists; neither
 * says the bpf LSM is active (that is the lsm= list in /sys/kernel/security/lsm).
 * Returning 0 allows every exec during the instant it is attached. */
SEC("lsm/bprm_check_security")
int BPF_PROG(probe_lsm, struct linux_binprm *bprm)
{
	return 0;
}

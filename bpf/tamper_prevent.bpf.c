// SPDX-License-Identifier: GPL-2.0-only
/* Tamper prevention, where BPF-LSM is active: a signal (kill, tgkill, sigqueue,
 * pidfd_send_signal) or a ptrace-style attach (ptrace, process_vm_readv/writev,
 * /proc/PID/mem) aimed at the sensor by a process of a watched lineage is refused
 * with EPERM, and the refusal is recorded (RW_TAMPER_DENIED): a watched user allowed
 * `sudo kill *` can no longer stop or kill the sensor. PID 1 (the service manager's
 * stop and restart) and processes outside the watched lineages pass, and are
 * reported as before (tamper.bpf.c). Signal 0 (does it exist?) and read-mode access
 * checks (ps, /proc/PID/stat) pass unreported. Optional: the lsm rung or off. */
#include "lib/tamper.h"

char LICENSE[] SEC("license") = "GPL";
#define RW_EPERM	      1
#define RW_PTRACE_MODE_ATTACH 0x02

/* The caller descends from a watched user, and is neither PID 1 nor the sensor. */
static __always_inline int from_watched_lineage(void)
{
	__u32 tgid = current_tgid();
	if (tgid == 1 || from_sensor())
		return 0;
	const struct cred *cred = BPF_CORE_READ(current_task(), cred);
	return lineage_of(tgid, BPF_CORE_READ(cred, uid.val), BPF_CORE_READ(cred, euid.val)) != RW_NO_LINEAGE;
}

/* The refusal is decided by every generation (a handover runs two); the gate picks
 * the one that records it. */
SEC("lsm/task_kill")
int BPF_PROG(deny_signal, struct task_struct *p, struct kernel_siginfo *info, int sig, const struct cred *cred, int ret)
{
	int mine = rw_gate(ctx, RW_GATE_deny_signal);
	/* cred: a signal sent on another's behalf (USB async I/O); the caller is not the sender. */
	if (sig == 0 || cred || !is_sensor_thread(BPF_CORE_READ(p, tgid)) || !from_watched_lineage())
		return ret;
	if (mine)
		emit_tamper(RW_TAMPER_SIGNAL, BPF_CORE_READ(p, pid), sig, 0, RW_TAMPER_DENIED);
	return -RW_EPERM;
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(deny_ptrace, struct task_struct *child, unsigned int mode, int ret)
{
	int mine = rw_gate(ctx, RW_GATE_deny_ptrace);
	if (!(mode & RW_PTRACE_MODE_ATTACH) || !is_sensor_thread(BPF_CORE_READ(child, tgid)) || !from_watched_lineage())
		return ret;
	if (mine)
		emit_tamper(RW_TAMPER_PTRACE, BPF_CORE_READ(child, pid), mode, 0, RW_TAMPER_DENIED);
	return -RW_EPERM;
}

// SPDX-License-Identifier: GPL-2.0-only
/* Process lifecycle and lineage: exec (argv from the new mm), fork (lineage is
 * inherited before anything else), exit (lineage forgotten, and an ending sensor
 * thread). The core of the sensor: required on every kernel; tp_btf since 5.5. */
#include "lib/common.h"

char LICENSE[] SEC("license") = "GPL";

/* Bytes of argv to capture; set by userspace before load (power of two, <= RW_ARGS_MAX). */
const volatile __u32 args_cap = RW_ARGS_MAX;

/* Scratch space for building an exec record, which is too big for the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rw_exec);
} exec_scratch SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	if (!rw_gate(ctx, RW_GATE_handle_exec))
		return 0;
	__u32 zero = 0;
	struct rw_exec *ev = bpf_map_lookup_elem(&exec_scratch, &zero);
	if (!ev)
		return 0;

	fill_header(&ev->hdr, RW_EVENT_EXEC, 0, task);
	ev->flags = 0;
	ev->old_pid = old_pid;
	ev->reserved = 0;
	ev->loginuid = RW_NO_LINEAGE;
	if (bpf_core_field_exists(task->loginuid))
		ev->loginuid = BPF_CORE_READ(task, loginuid.val);
	if (ev->hdr.euid != ev->hdr.uid)
		ev->flags |= RW_EXEC_SETUID;
	if (ev->hdr.egid != ev->hdr.gid)
		ev->flags |= RW_EXEC_SETGID;

	/* Zero the tail so records never carry a previous exec's bytes (traces stay deterministic). */
	__builtin_memset(ev->filename, 0, sizeof(ev->filename));
	const char *filename = BPF_CORE_READ(bprm, filename);
	long n = bpf_probe_read_kernel_str(ev->filename, sizeof(ev->filename), filename);
	if (n < 0)
		ev->filename[0] = 0;
	else if (n == sizeof(ev->filename))
		ev->flags |= RW_EXEC_FNAME_TRUNC;
	/* binfmt_script and binfmt_misc point bprm->interp at the interpreter; otherwise it is bprm->filename. */
	if (BPF_CORE_READ(bprm, interp) != filename)
		ev->flags |= RW_EXEC_SCRIPT;

	/* argv from the new mm: never read at syscall entry, where it races with the caller. */
	ev->argc = BPF_CORE_READ(bprm, argc);
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	__u64 len = end > start ? end - start : 0;
	if (len > args_cap) {
		len = args_cap;
		ev->flags |= RW_EXEC_ARGS_TRUNC;
	}
	len &= (RW_ARGS_MAX - 1) | RW_ARGS_MAX; /* bound for the verifier */
	if (len > RW_ARGS_MAX)
		len = RW_ARGS_MAX;
	if (len > 0 && bpf_probe_read_user(ev->args, len, (const void *)start) < 0) {
		ev->flags |= RW_EXEC_ARGS_FAULT;
		len = 0;
	}
	ev->args_len = len;

	__u64 size = __builtin_offsetof(struct rw_exec, args) + len;
	ev->hdr.size = size;
	if (size > sizeof(*ev))
		return 0;
	if (bpf_ringbuf_output(&events, ev, size, submit_flags()) < 0)
		count_drop();
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	if (!rw_gate(ctx, RW_GATE_handle_fork))
		return 0;
	__u32 child_pid = BPF_CORE_READ(child, pid);
	__u32 child_tgid = BPF_CORE_READ(child, tgid);
	if (child_pid != child_tgid)
		return 0; /* a new thread, not a new process */

	/* Inherit lineage before anything else, so the child is tracked even if the event is lost. */
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	const struct cred *cred = BPF_CORE_READ(parent, cred);
	__u32 origin = lineage_of(ptgid, BPF_CORE_READ(cred, uid.val), BPF_CORE_READ(cred, euid.val));
	if (origin != RW_NO_LINEAGE)
		bpf_map_update_elem(&lineage, &child_tgid, &origin, BPF_ANY);

	struct rw_fork *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_drop();
		return 0;
	}
	fill_header(&ev->hdr, RW_EVENT_FORK, sizeof(*ev), parent);
	ev->child_pid = child_pid;
	ev->child_tgid = child_tgid;
	bpf_ringbuf_submit(ev, submit_flags());
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
	__u32 pid = BPF_CORE_READ(task, pid);
	__u32 tgid = BPF_CORE_READ(task, tgid);
	/* Every generation forgets an ending sensor thread (see self_tids): idempotent. */
	bpf_map_delete_elem(&self_tids, &pid);
	if (!rw_gate(ctx, RW_GATE_handle_exit))
		return 0;
	if (pid != tgid)
		return 0; /* a thread; the process ends with its leader */

	struct rw_exit *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (ev) {
		fill_header(&ev->hdr, RW_EVENT_EXIT, sizeof(*ev), task);
		int code = BPF_CORE_READ(task, exit_code);
		ev->signal = code & 0x7f;
		ev->exit_code = ev->signal ? -1 : (code >> 8) & 0xff;
		bpf_ringbuf_submit(ev, submit_flags());
	} else {
		count_drop();
	}
	bpf_map_delete_elem(&lineage, &tgid);
	return 0;
}

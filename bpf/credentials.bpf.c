// SPDX-License-Identifier: GPL-2.0-only
/* Credential changes: the setuid family, remembered at syscall entry and reported
 * at exit when an id changed or the call failed. Becoming a watched user starts a
 * lineage, as an exec by one does. Required; syscall tracepoints exist on every
 * kernel built with CONFIG_FTRACE_SYSCALLS (all distribution kernels). */
#include "lib/common.h"

char LICENSE[] SEC("license") = "GPL";

/* Credential syscall in flight: thread id -> ids and arguments at entry. */
struct cred_entry {
	__u32 syscall;
	__u32 requested[3];
	struct rw_ids before;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct cred_entry);
} cred_inflight SEC(".maps");

static __always_inline void read_ids(struct task_struct *task, struct rw_ids *ids)
{
	const struct cred *cred = BPF_CORE_READ(task, cred);
	ids->uid = BPF_CORE_READ(cred, uid.val);
	ids->euid = BPF_CORE_READ(cred, euid.val);
	ids->suid = BPF_CORE_READ(cred, suid.val);
	ids->fsuid = BPF_CORE_READ(cred, fsuid.val);
	ids->gid = BPF_CORE_READ(cred, gid.val);
	ids->egid = BPF_CORE_READ(cred, egid.val);
	ids->sgid = BPF_CORE_READ(cred, sgid.val);
	ids->fsgid = BPF_CORE_READ(cred, fsgid.val);
}

static __always_inline int ids_differ(const struct rw_ids *a, const struct rw_ids *b)
{
	return a->uid != b->uid || a->euid != b->euid || a->suid != b->suid || a->fsuid != b->fsuid ||
	       a->gid != b->gid || a->egid != b->egid || a->sgid != b->sgid || a->fsgid != b->fsgid;
}

static __always_inline int cred_enter(__u32 syscall, __u32 a0, __u32 a1, __u32 a2)
{
	struct cred_entry entry = {};
	__u32 tid = current_tid();
	entry.syscall = syscall;
	entry.requested[0] = a0;
	entry.requested[1] = a1;
	entry.requested[2] = a2;
	read_ids(current_task(), &entry.before);
	bpf_map_update_elem(&cred_inflight, &tid, &entry, BPF_ANY);
	return 0;
}

static __always_inline int cred_exit(void *ctx, __u32 gate, long ret)
{
	if (!rw_gate(ctx, gate))
		return 0; /* the other generation reports it and clears the entry */
	__u32 tid = current_tid();
	struct cred_entry *entry = bpf_map_lookup_elem(&cred_inflight, &tid);
	if (!entry)
		return 0;
	struct task_struct *task = current_task();
	struct rw_ids after;
	read_ids(task, &after);
	int changed = ids_differ(&after, &entry->before);
	/* setfs*id returns the previous id, never an error code. */
	int failed = ret < 0 && entry->syscall != RW_SYS_SETFSUID && entry->syscall != RW_SYS_SETFSGID;
	if (!changed && !failed) {
		bpf_map_delete_elem(&cred_inflight, &tid);
		return 0;
	}

	/* Becoming a watched user starts a lineage, as exec by one does. */
	__u32 tgid = current_tgid();
	if (!bpf_map_lookup_elem(&lineage, &tgid)) {
		__u32 start = RW_NO_LINEAGE;
		if (is_watched(after.uid))
			start = after.uid;
		else if (is_watched(after.euid))
			start = after.euid;
		if (start != RW_NO_LINEAGE)
			bpf_map_update_elem(&lineage, &tgid, &start, BPF_NOEXIST);
	}

	struct rw_cred *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_drop();
		bpf_map_delete_elem(&cred_inflight, &tid);
		return 0;
	}
	fill_header(&ev->hdr, RW_EVENT_CRED, sizeof(*ev), task);
	ev->syscall = entry->syscall;
	ev->ret = ret;
	ev->requested[0] = entry->requested[0];
	ev->requested[1] = entry->requested[1];
	ev->requested[2] = entry->requested[2];
	ev->reserved = 0;
	ev->before = entry->before;
	ev->after = after;
	bpf_ringbuf_submit(ev, submit_flags());
	bpf_map_delete_elem(&cred_inflight, &tid);
	return 0;
}

#define NO_ID 0xffffffffu

SEC("tracepoint/syscalls/sys_enter_setuid")
int enter_setuid(struct trace_event_raw_sys_enter *ctx)
{
	return cred_enter(RW_SYS_SETUID, ctx->args[0], NO_ID, NO_ID);
}

SEC("tracepoint/syscalls/sys_enter_setreuid")
int enter_setreuid(struct trace_event_raw_sys_enter *ctx)
{
	return cred_enter(RW_SYS_SETREUID, ctx->args[0], ctx->args[1], NO_ID);
}

SEC("tracepoint/syscalls/sys_enter_setresuid")
int enter_setresuid(struct trace_event_raw_sys_enter *ctx)
{
	return cred_enter(RW_SYS_SETRESUID, ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_setfsuid")
int enter_setfsuid(struct trace_event_raw_sys_enter *ctx)
{
	return cred_enter(RW_SYS_SETFSUID, ctx->args[0], NO_ID, NO_ID);
}

SEC("tracepoint/syscalls/sys_enter_setgid")
int enter_setgid(struct trace_event_raw_sys_enter *ctx)
{
	return cred_enter(RW_SYS_SETGID, ctx->args[0], NO_ID, NO_ID);
}

SEC("tracepoint/syscalls/sys_enter_setregid")
int enter_setregid(struct trace_event_raw_sys_enter *ctx)
{
	return cred_enter(RW_SYS_SETREGID, ctx->args[0], ctx->args[1], NO_ID);
}

SEC("tracepoint/syscalls/sys_enter_setresgid")
int enter_setresgid(struct trace_event_raw_sys_enter *ctx)
{
	return cred_enter(RW_SYS_SETRESGID, ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_setfsgid")
int enter_setfsgid(struct trace_event_raw_sys_enter *ctx)
{
	return cred_enter(RW_SYS_SETFSGID, ctx->args[0], NO_ID, NO_ID);
}

#define CRED_EXIT(name)                                               \
	SEC("tracepoint/syscalls/sys_exit_" #name)                    \
	int exit_##name(struct trace_event_raw_sys_exit *ctx)         \
	{                                                             \
		return cred_exit(ctx, RW_GATE_exit_##name, ctx->ret); \
	}

CRED_EXIT(setuid)
CRED_EXIT(setreuid)
CRED_EXIT(setresuid)
CRED_EXIT(setfsuid)
CRED_EXIT(setgid)
CRED_EXIT(setregid)
CRED_EXIT(setresgid)
CRED_EXIT(setfsgid)

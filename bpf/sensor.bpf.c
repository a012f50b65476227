// SPDX-License-Identifier: GPL-2.0
/* rigwatch kernel sensor: exec, credential changes, fork and exit, with the
 * watched users' process lineage tracked in the kernel; outbound network activity;
 * file changes under watched paths (file_watch.bpf.h); tamper signals (tamper.bpf.h).
 * Only tracepoint, raw_tp and tp_btf programs: fentry/fexit, LSM and kprobes
 * are not available on the hosts we target. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

/* Bytes of argv to capture; set by userspace before load (power of two, <= RW_ARGS_MAX). */
const volatile __u32 args_cap = RW_ARGS_MAX;
/* Wake the consumer only once this much is queued; below it the consumer finds the
 * records on its next periodic drain (a few ms). A wakeup per event would cost an
 * exec storm a context switch per record. 0 = wake on every record. */
const volatile __u64 wakeup_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024); /* resized by userspace before load */
} events SEC(".maps");

/* Failed ring-buffer reservations, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* uid -> 1 for each watched user; written by userspace before attach. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} watched_uids SEC(".maps");

/* tgid -> watched uid its lineage started from. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} lineage SEC(".maps");

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

/* Scratch space for building an exec record, which is too big for the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rw_exec);
} exec_scratch SEC(".maps");

/* Bytes sent per (process, destination, port, protocol), read and reset by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct rw_net_key);
	__type(value, struct rw_net_value);
} net_bytes SEC(".maps");

/* Destination of an unconnected UDP send in flight, per thread. */
struct sendto_dest {
	__u16 family;
	__u16 port;          /* host byte order */
	__u8 addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct sendto_dest);
} sendto_inflight SEC(".maps");

static __always_inline __u64 submit_flags(void)
{
	if (!wakeup_bytes)
		return 0;
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&drops, &zero);
	if (n)
		*n += 1;
}

static __always_inline int is_watched(__u32 uid)
{
	return bpf_map_lookup_elem(&watched_uids, &uid) != NULL;
}

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

/* Lineage of a process: its recorded origin, or itself when it runs as a
 * watched user and has none yet (then the origin is recorded). */
static __always_inline __u32 lineage_of(__u32 tgid, __u32 uid, __u32 euid)
{
	__u32 *origin = bpf_map_lookup_elem(&lineage, &tgid);
	if (origin)
		return *origin;
	__u32 start = RW_NO_LINEAGE;
	if (is_watched(uid))
		start = uid;
	else if (is_watched(euid))
		start = euid;
	if (start != RW_NO_LINEAGE)
		bpf_map_update_elem(&lineage, &tgid, &start, BPF_NOEXIST);
	return start;
}

static __always_inline void fill_header(struct rw_header *hdr, __u16 kind, __u16 size,
					struct task_struct *task)
{
	const struct cred *cred = BPF_CORE_READ(task, cred);
	hdr->kind = kind;
	hdr->size = size;
	hdr->abi_version = RW_ABI_VERSION;
	hdr->timestamp_ns = bpf_ktime_get_boot_ns();
	hdr->pid = BPF_CORE_READ(task, pid);
	hdr->tgid = BPF_CORE_READ(task, tgid);
	hdr->ppid = BPF_CORE_READ(task, real_parent, tgid);
	hdr->uid = BPF_CORE_READ(cred, uid.val);
	hdr->euid = BPF_CORE_READ(cred, euid.val);
	hdr->gid = BPF_CORE_READ(cred, gid.val);
	hdr->egid = BPF_CORE_READ(cred, egid.val);
	hdr->lineage_uid = lineage_of(hdr->tgid, hdr->uid, hdr->euid);
	hdr->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(hdr->comm, sizeof(hdr->comm));
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
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

/* ---- credential syscalls: remember at entry, report at exit ---- */

static __always_inline int cred_enter(__u32 syscall, __u32 a0, __u32 a1, __u32 a2)
{
	struct cred_entry entry = {};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	entry.syscall = syscall;
	entry.requested[0] = a0;
	entry.requested[1] = a1;
	entry.requested[2] = a2;
	read_ids((struct task_struct *)bpf_get_current_task_btf(), &entry.before);
	bpf_map_update_elem(&cred_inflight, &tid, &entry, BPF_ANY);
	return 0;
}

static __always_inline int cred_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct cred_entry *entry = bpf_map_lookup_elem(&cred_inflight, &tid);
	if (!entry)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
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
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
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

#define CRED_EXIT(name)                                            \
	SEC("tracepoint/syscalls/sys_exit_" #name)                 \
	int exit_##name(struct trace_event_raw_sys_exit *ctx)      \
	{                                                          \
		return cred_exit(ctx->ret);                        \
	}

CRED_EXIT(setuid)
CRED_EXIT(setreuid)
CRED_EXIT(setresuid)
CRED_EXIT(setfsuid)
CRED_EXIT(setgid)
CRED_EXIT(setregid)
CRED_EXIT(setresgid)
CRED_EXIT(setfsgid)

/* ---- network: outbound connects and bytes sent ---- */

#define TCP_SYN_SENT 2

static __always_inline int is_loopback(__u16 family, const __u8 *addr)
{
	if (family == RW_AF_INET)
		return addr[0] == 127;
	/* ::1, and ::ffff:127.x.y.z */
	int zero10 = 1;
	for (int i = 0; i < 10; i++)
		if (addr[i])
			zero10 = 0;
	if (zero10 && addr[10] == 0xff && addr[11] == 0xff)
		return addr[12] == 127;
	for (int i = 0; i < 15; i++)
		if (addr[i])
			return 0;
	return addr[15] == 1;
}

/* Remote address and port of a socket; returns 0 when it has none. */
static __always_inline int sock_dest(const struct sock *sk, __u16 *family, __u8 addr[16], __u16 *port)
{
	*family = BPF_CORE_READ(sk, __sk_common.skc_family);
	*port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (*family == RW_AF_INET) {
		__be32 a = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(addr, &a, 4);
		return a != 0;
	}
	if (*family == RW_AF_INET6) {
		struct in6_addr a6;
		BPF_CORE_READ_INTO(&a6, sk, __sk_common.skc_v6_daddr);
		__builtin_memcpy(addr, &a6, 16);
		return (a6.in6_u.u6_addr32[0] | a6.in6_u.u6_addr32[1] | a6.in6_u.u6_addr32[2] | a6.in6_u.u6_addr32[3]) != 0;
	}
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(handle_sock_state, const struct sock *sk, int oldstate, int newstate)
{
	if (newstate != TCP_SYN_SENT)
		return 0;
	__u16 family, dport;
	__u8 daddr[16] = {};
	if (!sock_dest(sk, &family, daddr, &dport) || is_loopback(family, daddr))
		return 0;
	struct rw_connect *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_drop();
		return 0;
	}
	fill_header(&ev->hdr, RW_EVENT_CONNECT, sizeof(*ev), (struct task_struct *)bpf_get_current_task_btf());
	ev->family = family;
	ev->protocol = RW_IPPROTO_TCP;
	ev->dport = dport;
	/* The local port is often not bound yet at SYN_SENT (0 then). */
	ev->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	__builtin_memcpy(ev->daddr, daddr, 16);
	__builtin_memset(ev->saddr, 0, 16);
	if (family == RW_AF_INET) {
		__be32 a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__builtin_memcpy(ev->saddr, &a, 4);
	} else {
		struct in6_addr a6;
		BPF_CORE_READ_INTO(&a6, sk, __sk_common.skc_v6_rcv_saddr);
		__builtin_memcpy(ev->saddr, &a6, 16);
	}
	bpf_ringbuf_submit(ev, submit_flags());
	return 0;
}

/* Destination of an unconnected UDP send (sendto, sendmsg, sendmmsg with an
 * address), from the cgroup hook that runs inside udp_sendmsg before the send;
 * sock_send_length picks it up right after. Attached to the cgroup v2 root, so
 * every process on the host passes it. It never refuses a send. */
SEC("cgroup/sendmsg4")
int udp4_sendmsg(struct bpf_sock_addr *ctx)
{
	struct sendto_dest dest = {};
	__u32 ip = ctx->user_ip4;
	dest.family = RW_AF_INET;
	dest.port = bpf_ntohs((__u16)ctx->user_port);
	__builtin_memcpy(dest.addr, &ip, 4);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&sendto_inflight, &tid, &dest, BPF_ANY);
	return 1;
}

SEC("cgroup/sendmsg6")
int udp6_sendmsg(struct bpf_sock_addr *ctx)
{
	struct sendto_dest dest = {};
	dest.family = RW_AF_INET6;
	dest.port = bpf_ntohs((__u16)ctx->user_port);
	__u32 a0 = ctx->user_ip6[0], a1 = ctx->user_ip6[1], a2 = ctx->user_ip6[2], a3 = ctx->user_ip6[3];
	__builtin_memcpy(dest.addr, &a0, 4);
	__builtin_memcpy(dest.addr + 4, &a1, 4);
	__builtin_memcpy(dest.addr + 8, &a2, 4);
	__builtin_memcpy(dest.addr + 12, &a3, 4);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&sendto_inflight, &tid, &dest, BPF_ANY);
	return 1;
}

/* Every send on a socket (TCP and UDP, any syscall), summed in the kernel:
 * never one ring-buffer event per send. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(handle_send_length, struct sock *sk, int ret, int flags)
{
	if (ret <= 0)
		return 0;
	struct rw_net_key key = {};
	__u16 family, port;
	__u16 protocol = BPF_CORE_READ(sk, sk_protocol);
	if (protocol != RW_IPPROTO_TCP && protocol != RW_IPPROTO_UDP)
		return 0;
	if (!sock_dest(sk, &family, key.daddr, &port)) {
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		struct sendto_dest *dest = bpf_map_lookup_elem(&sendto_inflight, &tid);
		if (!dest)
			return 0; /* no destination known: nothing to attribute */
		family = dest->family;
		port = dest->port;
		__builtin_memcpy(key.daddr, dest->addr, 16);
		bpf_map_delete_elem(&sendto_inflight, &tid);
	}
	if (family != RW_AF_INET && family != RW_AF_INET6)
		return 0;
	if (is_loopback(family, key.daddr))
		return 0;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.family = family;
	key.protocol = protocol;
	key.dport = port;

	__u64 now = bpf_ktime_get_boot_ns();
	struct rw_net_value *value = bpf_map_lookup_elem(&net_bytes, &key);
	if (value) {
		__sync_fetch_and_add(&value->bytes, ret);
		__sync_fetch_and_add(&value->sends, 1);
		value->last_ns = now;
		return 0;
	}
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct rw_net_value fresh = {};
	fresh.bytes = ret;
	fresh.sends = 1;
	fresh.first_ns = now;
	fresh.last_ns = now;
	fresh.cgroup_id = bpf_get_current_cgroup_id();
	fresh.uid = BPF_CORE_READ(task, cred, uid.val);
	fresh.lineage_uid = lineage_of(key.tgid, fresh.uid, BPF_CORE_READ(task, cred, euid.val));
	fresh.pid = (__u32)bpf_get_current_pid_tgid();
	fresh.ppid = BPF_CORE_READ(task, real_parent, tgid);
	bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
	/* Another CPU may have created it meanwhile: then add to theirs. */
	if (bpf_map_update_elem(&net_bytes, &key, &fresh, BPF_NOEXIST) != 0) {
		value = bpf_map_lookup_elem(&net_bytes, &key);
		if (value) {
			__sync_fetch_and_add(&value->bytes, ret);
			__sync_fetch_and_add(&value->sends, 1);
		}
	}
	return 0;
}

#include "file_watch.bpf.h"
#include "tamper.bpf.h"

// SPDX-License-Identifier: GPL-2.0-only
/* Connects of AF_UNIX stream sockets to a filesystem path, by the watched lineages
 * only (a container runtime's socket is root for whoever reaches it): the path is
 * read at sys_enter_connect, the result and the listener's bound name at exit.
 * Every other task pays one lineage lookup per connect(2). */
#include "lib/common.h"

char LICENSE[] SEC("license") = "GPL";

#define RW_AF_UNIX	1
#define RW_SOCK_STREAM	1
#define RW_SUN_PATH_MAX 108
#define RW_S_IFMT	0170000
#define RW_S_IFSOCK	0140000

/* A connect in flight, per thread, from entry to exit. */
struct unix_connect_stage {
	int fd;
	__u32 reserved;
	char path[RW_UNIX_PATH_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct unix_connect_stage);
} unix_connect_inflight SEC(".maps");

/* Scratch for building a stage (too big for the stack beside the rest). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct unix_connect_stage);
} unix_connect_scratch SEC(".maps");

/* The socket open as fd in the current task, or NULL when fd is no socket. */
static __always_inline struct socket *fd_socket(int fd)
{
	struct file *file = fd_file(current_task(), fd);
	if (!file)
		return NULL;
	umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & RW_S_IFMT) != RW_S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(file, private_data);
}

SEC("tracepoint/syscalls/sys_enter_connect")
int unix_enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	/* Staging, not recording: no gate (lib/handover.h). */
	__u32 tgid = current_tgid();
	if (!bpf_map_lookup_elem(&lineage, &tgid)) {
		/* A watched user's process not yet recorded (lineage_of records it). */
		const struct cred *cred = BPF_CORE_READ(current_task(), cred);
		if (lineage_of(tgid, BPF_CORE_READ(cred, uid.val), BPF_CORE_READ(cred, euid.val)) == RW_NO_LINEAGE)
			return 0;
	}
	const void *uaddr = (const void *)ctx->args[1];
	long addrlen = ctx->args[2];
	__u16 family = 0;
	if (!uaddr || addrlen <= 2 || bpf_probe_read_user(&family, sizeof(family), uaddr) || family != RW_AF_UNIX)
		return 0;
	struct socket *sock = fd_socket(ctx->args[0]);
	if (!sock || BPF_CORE_READ(sock, type) != RW_SOCK_STREAM)
		return 0;
	__u32 zero = 0;
	struct unix_connect_stage *stage = bpf_map_lookup_elem(&unix_connect_scratch, &zero);
	if (!stage)
		return 0;
	__builtin_memset(stage, 0, sizeof(*stage));
	__u32 n = (addrlen - 2) & 0x7f; /* bounds for the verifier, then the real one */
	if (n > RW_SUN_PATH_MAX)
		n = RW_SUN_PATH_MAX;
	if (bpf_probe_read_user(stage->path, n, uaddr + 2) || stage->path[0] == 0)
		return 0; /* unreadable, or an abstract name: no path to match */
	stage->path[RW_UNIX_PATH_LEN - 1] = 0;
	stage->fd = ctx->args[0];
	__u32 tid = current_tid();
	bpf_map_update_elem(&unix_connect_inflight, &tid, stage, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int unix_exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	if (!rw_gate(ctx, RW_GATE_unix_exit_connect))
		return 0; /* the other generation reports it and clears the entry */
	__u32 tid = current_tid();
	struct unix_connect_stage *stage = bpf_map_lookup_elem(&unix_connect_inflight, &tid);
	if (!stage)
		return 0;
	struct rw_unix_connect *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_drop();
		bpf_map_delete_elem(&unix_connect_inflight, &tid);
		return 0;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	fill_header(&ev->hdr, RW_EVENT_UNIX_CONNECT, sizeof(*ev), current_task());
	ev->ret = ctx->ret;
	__builtin_memcpy(ev->path, stage->path, sizeof(ev->path));
	if (ctx->ret == 0) {
		struct socket *sock = fd_socket(stage->fd);
		struct unix_sock *self = sock ? (struct unix_sock *)BPF_CORE_READ(sock, sk) : NULL;
		struct unix_sock *peer = self ? (struct unix_sock *)BPF_CORE_READ(self, peer) : NULL;
		struct unix_address *addr = peer ? BPF_CORE_READ(peer, addr) : NULL;
		if (addr) {
			int len = BPF_CORE_READ(addr, len) - 2; /* less sun_family */
			__u32 n = len > 0 ? (__u32)len & 0x7f : 0;
			if (n > RW_SUN_PATH_MAX)
				n = RW_SUN_PATH_MAX;
			if (n > 0) {
				const void *name =
					(const void *)addr + bpf_core_field_offset(struct unix_address, name);
				if (bpf_probe_read_kernel(ev->peer, n, name + 2) || ev->peer[0] == 0)
					__builtin_memset(ev->peer, 0, sizeof(ev->peer)); /* abstract: no path */
			}
		}
	}
	bpf_map_delete_elem(&unix_connect_inflight, &tid);
	bpf_ringbuf_submit(ev, submit_flags());
	return 0;
}

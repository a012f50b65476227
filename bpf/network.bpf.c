// SPDX-License-Identifier: GPL-2.0-only
/* Outbound network activity, each part with its fallbacks (the userspace feature
 * plan loads one rung per part, best first, from what the kernel offers):
 *
 *   connect    tp_btf/inet_sock_set_state -> tracepoint/sock/inet_sock_set_state
 *   net-bytes  tp_btf/sock_send_length (>= ~6.3; every protocol, one hook)
 *              -> fexit/inet_sendmsg + inet6_sendmsg (trampoline: as cheap as tp_btf)
 *              -> kprobe+kretprobe on the same (an int3 and a return trampoline each)
 *              -> syscall tracepoints of sendto/sendmsg/write/writev (every write(2)
 *                 on the host pays an fd lookup: the costliest, the last resort)
 *   udp-dest   cgroup/sendmsg4+6 on the cgroup v2 root -> sys_enter_sendto/sendmsg
 *   first-payload  sys_enter_{write,sendto,sendmsg,writev}: the first bytes sent on a
 *              connect that just succeeded (armed below, at SYN_SENT -> ESTABLISHED)
 *
 * Loopback destinations are never reported. */
#include "lib/net.h"

char LICENSE[] SEC("license") = "GPL";

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT	2
#define RW_S_IFMT	0170000
#define RW_S_IFSOCK	0140000

/* ---- connect: the socket left SYN_SENT ---- */

/* A connect between SYN_SENT and its outcome, by socket: the record is built in the
 * connecting task (the header describes it) and sent when the socket leaves
 * SYN_SENT, which may happen in softirq context, with the local port bound by then. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct rw_connect);
} connect_pending SEC(".maps");

/* ---- first-payload: the first bytes sent on a new connection ---- */

/* Connections that just succeeded, by socket: the deadline of their first send. An
 * entry goes at that send, at its deadline, or to LRU eviction, never lingers. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} payload_pending SEC(".maps");

/* The processes that own such connections: the send hooks look here first, so a
 * write(2) of any other process costs one hash lookup and no fd walk. */
struct payload_owner {
	__u64 deadline_ns; /* the latest of its connections' deadlines */
	__u64 pending;	   /* its connections still waiting (approximate: LRU evicts) */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct payload_owner);
} payload_owners SEC(".maps");

static __always_inline void payload_arm(const struct sock *sk, __u32 tgid, __u64 now)
{
	__u64 key = (__u64)sk;
	__u64 deadline = now + RW_PAYLOAD_TTL_NS;
	bpf_map_update_elem(&payload_pending, &key, &deadline, BPF_ANY);
	struct payload_owner *owner = bpf_map_lookup_elem(&payload_owners, &tgid);
	if (owner) {
		owner->deadline_ns = deadline;
		__sync_fetch_and_add(&owner->pending, 1);
		return;
	}
	struct payload_owner fresh = {.deadline_ns = deadline, .pending = 1};
	bpf_map_update_elem(&payload_owners, &tgid, &fresh, BPF_NOEXIST);
}

/* One connection of the current process is done with (sent, expired, or gone). */
static __always_inline void payload_release(__u32 tgid, struct payload_owner *owner)
{
	__sync_fetch_and_add(&owner->pending, -1);
	if ((__s64)owner->pending <= 0)
		bpf_map_delete_elem(&payload_owners, &tgid);
}

/* A send of `count` bytes from the user buffer `buf` on fd, by the current task. */
static __always_inline int payload_send(void *ctx, __u32 gate, int fd, const void *buf, __u64 count)
{
	/* The owner lookup first: it is all that every other write on the host pays. */
	__u32 tgid = current_tgid();
	struct payload_owner *owner = bpf_map_lookup_elem(&payload_owners, &tgid);
	if (!owner || !rw_gate(ctx, gate) || count == 0)
		return 0;
	__u64 now = bpf_ktime_get_boot_ns();
	if (now > owner->deadline_ns) {
		bpf_map_delete_elem(&payload_owners, &tgid);
		return 0;
	}
	struct task_struct *task = current_task();
	struct file *file = fd_file(task, fd);
	if (!file)
		return 0;
	umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & RW_S_IFMT) != RW_S_IFSOCK)
		return 0;
	struct socket *sock = BPF_CORE_READ(file, private_data);
	const struct sock *sk = BPF_CORE_READ(sock, sk);
	__u64 key = (__u64)sk;
	__u64 *deadline = bpf_map_lookup_elem(&payload_pending, &key);
	if (!deadline)
		return 0;
	int expired = now > *deadline;
	bpf_map_delete_elem(&payload_pending, &key);
	payload_release(tgid, owner);
	if (expired)
		return 0;

	struct rw_first_payload *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_drop();
		return 0;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	fill_header(&ev->hdr, RW_EVENT_FIRST_PAYLOAD, sizeof(*ev), task);
	__u16 family = 0, dport = 0;
	sock_dest(sk, &family, ev->daddr, &dport);
	sock_source(sk, family, ev->saddr, &ev->sport);
	ev->family = family;
	ev->protocol = RW_IPPROTO_TCP;
	ev->dport = dport;
	ev->send_len = count > 0xffffffffull ? 0xffffffffu : (__u32)count;
	__u32 n = count < RW_PAYLOAD_PREFIX ? (__u32)count : RW_PAYLOAD_PREFIX;
	n &= (RW_PAYLOAD_PREFIX << 1) - 1; /* the verifier's bound; n <= RW_PAYLOAD_PREFIX already */
	if (n > RW_PAYLOAD_PREFIX)
		n = RW_PAYLOAD_PREFIX;
	if (bpf_probe_read_user(ev->data, n, buf) == 0) {
		ev->len = n;
	} else {
		__builtin_memset(ev->data, 0, sizeof(ev->data));
		ev->flags = RW_PAYLOAD_FAULT;
	}
	bpf_ringbuf_submit(ev, submit_flags());
	return 0;
}

/* The first buffer of an iovec array in user memory (writev, sendmsg). */
static __always_inline int payload_iov(void *ctx, __u32 gate, int fd, const struct iovec *iov)
{
	struct iovec first = {};
	if (!iov || bpf_probe_read_user(&first, sizeof(first), iov))
		return 0;
	return payload_send(ctx, gate, fd, first.iov_base, first.iov_len);
}

SEC("tracepoint/syscalls/sys_enter_write")
int payload_enter_write(struct trace_event_raw_sys_enter *ctx)
{
	return payload_send(ctx, RW_GATE_payload_enter_write, ctx->args[0], (const void *)ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int payload_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	return payload_send(ctx, RW_GATE_payload_enter_sendto, ctx->args[0], (const void *)ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_writev")
int payload_enter_writev(struct trace_event_raw_sys_enter *ctx)
{
	if (ctx->args[2] == 0)
		return 0;
	return payload_iov(ctx, RW_GATE_payload_enter_writev, ctx->args[0], (const struct iovec *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int payload_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	struct user_msghdr msg = {};
	if (bpf_probe_read_user(&msg, sizeof(msg), (const void *)ctx->args[1]) || msg.msg_iovlen == 0)
		return 0;
	return payload_iov(ctx, RW_GATE_payload_enter_sendmsg, ctx->args[0], msg.msg_iov);
}

static __always_inline int sock_state(void *ctx, __u32 gate, const struct sock *sk, int oldstate, int newstate)
{
	/* At the start, so both generations reach the gate on every invocation; the
	 * staging at SYN_SENT is done by both (same map, same value). */
	int mine = rw_gate(ctx, gate);
	__u64 key = (__u64)sk;
	if (newstate == TCP_SYN_SENT) {
		struct rw_connect ev = {};
		__u16 family, dport;
		if (!sock_dest(sk, &family, ev.daddr, &dport) || is_loopback(family, ev.daddr))
			return 0;
		fill_header(&ev.hdr, RW_EVENT_CONNECT, sizeof(ev), current_task());
		ev.family = family;
		ev.protocol = RW_IPPROTO_TCP;
		ev.dport = dport;
		bpf_map_update_elem(&connect_pending, &key, &ev, BPF_ANY);
		return 0;
	}
	if (oldstate != TCP_SYN_SENT || !mine)
		return 0;
	struct rw_connect *pending = bpf_map_lookup_elem(&connect_pending, &key);
	if (!pending)
		return 0;
	/* The port is bound by inet_hash_connect after SYN_SENT is entered: read it now. */
	sock_source(sk, pending->family, pending->saddr, &pending->sport);
	pending->hdr.timestamp_ns = bpf_ktime_get_boot_ns();
	if (newstate == TCP_ESTABLISHED)
		payload_arm(sk, pending->hdr.tgid, pending->hdr.timestamp_ns);
	if (bpf_ringbuf_output(&events, pending, sizeof(*pending), submit_flags()) < 0)
		count_drop();
	bpf_map_delete_elem(&connect_pending, &key);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(handle_sock_state, const struct sock *sk, int oldstate, int newstate)
{
	return sock_state(ctx, RW_GATE_handle_sock_state, sk, oldstate, newstate);
}

SEC("tracepoint/sock/inet_sock_set_state")
int tp_sock_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	return sock_state(ctx, RW_GATE_tp_sock_state, (const struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate);
}

/* ---- net-bytes ---- */

SEC("tp_btf/sock_send_length")
int BPF_PROG(handle_send_length, struct sock *sk, int ret, int flags)
{
	if (rw_gate(ctx, RW_GATE_handle_send_length))
		account_send(sk, ret);
	return 0;
}

SEC("fexit/inet_sendmsg")
int BPF_PROG(fexit_inet_sendmsg, struct socket *sock, struct msghdr *msg, size_t size, int ret)
{
	if (rw_gate(ctx, RW_GATE_fexit_inet_sendmsg))
		account_send(BPF_CORE_READ(sock, sk), ret);
	return 0;
}

SEC("fexit/inet6_sendmsg")
int BPF_PROG(fexit_inet6_sendmsg, struct socket *sock, struct msghdr *msg, size_t size, int ret)
{
	if (rw_gate(ctx, RW_GATE_fexit_inet6_sendmsg))
		account_send(BPF_CORE_READ(sock, sk), ret);
	return 0;
}

/* The socket of a send in flight, per thread, from entry to return (kprobe and
 * syscall rungs, which see the socket and the result at different points). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u64);
} send_inflight SEC(".maps");

static __always_inline void send_begin(const struct sock *sk)
{
	if (!sk)
		return;
	__u32 tid = current_tid();
	__u64 value = (__u64)sk;
	bpf_map_update_elem(&send_inflight, &tid, &value, BPF_ANY);
}

static __always_inline void send_end(void *ctx, __u32 gate, long ret)
{
	if (!rw_gate(ctx, gate))
		return; /* the other generation counts it and clears the entry */
	__u32 tid = current_tid();
	__u64 *sk = bpf_map_lookup_elem(&send_inflight, &tid);
	if (!sk)
		return;
	const struct sock *sock = (const struct sock *)*sk;
	bpf_map_delete_elem(&send_inflight, &tid);
	account_send(sock, ret);
}

SEC("kprobe/inet_sendmsg")
int BPF_KPROBE(kprobe_inet_sendmsg, struct socket *sock)
{
	send_begin(BPF_CORE_READ(sock, sk));
	return 0;
}

SEC("kretprobe/inet_sendmsg")
int BPF_KRETPROBE(kretprobe_inet_sendmsg, int ret)
{
	send_end(ctx, RW_GATE_kretprobe_inet_sendmsg, ret);
	return 0;
}

SEC("kprobe/inet6_sendmsg")
int BPF_KPROBE(kprobe_inet6_sendmsg, struct socket *sock)
{
	send_begin(BPF_CORE_READ(sock, sk));
	return 0;
}

SEC("kretprobe/inet6_sendmsg")
int BPF_KRETPROBE(kretprobe_inet6_sendmsg, int ret)
{
	send_end(ctx, RW_GATE_kretprobe_inet6_sendmsg, ret);
	return 0;
}

/* Syscall rung: the fd is resolved at entry and only sockets are remembered. */
static __always_inline int bytes_enter(int fd)
{
	struct file *file = fd_file(current_task(), fd);
	if (!file)
		return 0;
	umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & RW_S_IFMT) != RW_S_IFSOCK)
		return 0;
	struct socket *sock = BPF_CORE_READ(file, private_data);
	send_begin(BPF_CORE_READ(sock, sk));
	return 0;
}

#define BYTES_SYSCALL(name)                                           \
	SEC("tracepoint/syscalls/sys_enter_" #name)                   \
	int bytes_enter_##name(struct trace_event_raw_sys_enter *ctx) \
	{                                                             \
		return bytes_enter(ctx->args[0]);                     \
	}                                                             \
	SEC("tracepoint/syscalls/sys_exit_" #name)                    \
	int bytes_exit_##name(struct trace_event_raw_sys_exit *ctx)   \
	{                                                             \
		send_end(ctx, RW_GATE_bytes_exit_##name, ctx->ret);   \
		return 0;                                             \
	}

BYTES_SYSCALL(sendto)
BYTES_SYSCALL(sendmsg)
BYTES_SYSCALL(write)
BYTES_SYSCALL(writev)

/* ---- udp-dest: where an unconnected UDP send goes ---- */

/* From the cgroup hook that runs inside udp_sendmsg before the send; the bytes
 * hook picks it up right after. Attached to the cgroup v2 root, so every process
 * on the host passes it. It never refuses a send. */
SEC("cgroup/sendmsg4")
int udp4_sendmsg(struct bpf_sock_addr *ctx)
{
	struct sendto_dest dest = {};
	__u32 ip = ctx->user_ip4;
	dest.family = RW_AF_INET;
	dest.port = bpf_ntohs((__u16)ctx->user_port);
	__builtin_memcpy(dest.addr, &ip, 4);
	__u32 tid = current_tid();
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
	__u32 tid = current_tid();
	bpf_map_update_elem(&sendto_inflight, &tid, &dest, BPF_ANY);
	return 1;
}

/* Without a cgroup v2 root: the address the caller passed, read from its memory
 * at syscall entry (sendto's addr, sendmsg's msg_name; sendmmsg is not covered). */
static __always_inline int stash_user_sockaddr(const void *uaddr)
{
	if (!uaddr)
		return 0;
	struct sendto_dest dest = {};
	__u16 family = 0, port = 0;
	if (bpf_probe_read_user(&family, sizeof(family), uaddr) || bpf_probe_read_user(&port, sizeof(port), uaddr + 2))
		return 0;
	if (family == RW_AF_INET) {
		if (bpf_probe_read_user(dest.addr, 4, uaddr + 4))
			return 0;
	} else if (family == RW_AF_INET6) {
		if (bpf_probe_read_user(dest.addr, 16, uaddr + 8))
			return 0;
	} else {
		return 0;
	}
	dest.family = family;
	dest.port = bpf_ntohs(port);
	__u32 tid = current_tid();
	bpf_map_update_elem(&sendto_inflight, &tid, &dest, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int udp_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	return stash_user_sockaddr((const void *)ctx->args[4]);
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int udp_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	const void *name = NULL;
	if (bpf_probe_read_user(&name, sizeof(name), (const void *)ctx->args[1])) /* user_msghdr.msg_name */
		return 0;
	return stash_user_sockaddr(name);
}

/* SPDX-License-Identifier: GPL-2.0-only */
/* Socket helpers for the network feature: a socket's remote end, loopback, and the
 * in-kernel byte accounting every bytes-sent hook ends in. */
#ifndef RW_LIB_NET_H
#define RW_LIB_NET_H

#include "lib/common.h"

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
		return (a6.in6_u.u6_addr32[0] | a6.in6_u.u6_addr32[1] | a6.in6_u.u6_addr32[2] |
			a6.in6_u.u6_addr32[3]) != 0;
	}
	return 0;
}

/* Local address and bound port of a socket. */
static __always_inline void sock_source(const struct sock *sk, __u16 family, __u8 addr[16], __u16 *port)
{
	*port = BPF_CORE_READ(sk, __sk_common.skc_num);
	__builtin_memset(addr, 0, 16);
	if (family == RW_AF_INET) {
		__be32 a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__builtin_memcpy(addr, &a, 4);
	} else {
		struct in6_addr a6;
		BPF_CORE_READ_INTO(&a6, sk, __sk_common.skc_v6_rcv_saddr);
		__builtin_memcpy(addr, &a6, 16);
	}
}

/* Destination of an unconnected UDP send in flight, per thread (udp-dest feature). */
struct sendto_dest {
	__u16 family;
	__u16 port; /* host byte order */
	__u8 addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct sendto_dest);
} sendto_inflight SEC(".maps");

/* Bytes sent per (process, destination, port, protocol), read and reset by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct rw_net_key);
	__type(value, struct rw_net_value);
} net_bytes SEC(".maps");

/* `sent` bytes went out on sk from the current task: summed in the kernel, never
 * one ring-buffer event per send. Every net-bytes hook ends here. */
static __always_inline void account_send(const struct sock *sk, long sent)
{
	if (sent <= 0 || !sk)
		return;
	struct rw_net_key key = {};
	__u16 family, port;
	__u16 protocol = BPF_CORE_READ(sk, sk_protocol);
	if (protocol != RW_IPPROTO_TCP && protocol != RW_IPPROTO_UDP)
		return;
	if (!sock_dest(sk, &family, key.daddr, &port)) {
		__u32 tid = current_tid();
		struct sendto_dest *dest = bpf_map_lookup_elem(&sendto_inflight, &tid);
		if (!dest)
			return; /* no destination known: nothing to attribute */
		family = dest->family;
		port = dest->port;
		__builtin_memcpy(key.daddr, dest->addr, 16);
		bpf_map_delete_elem(&sendto_inflight, &tid);
	}
	if (family != RW_AF_INET && family != RW_AF_INET6)
		return;
	if (is_loopback(family, key.daddr))
		return;
	key.tgid = current_tgid();
	key.family = family;
	key.protocol = protocol;
	key.dport = port;

	__u64 now = bpf_ktime_get_boot_ns();
	struct rw_net_value *value = bpf_map_lookup_elem(&net_bytes, &key);
	if (value) {
		__sync_fetch_and_add(&value->bytes, sent);
		__sync_fetch_and_add(&value->sends, 1);
		value->last_ns = now;
		return;
	}
	struct task_struct *task = current_task();
	const struct cred *cred = BPF_CORE_READ(task, cred);
	struct rw_net_value fresh = {};
	fresh.bytes = sent;
	fresh.sends = 1;
	fresh.first_ns = now;
	fresh.last_ns = now;
	fresh.cgroup_id = bpf_get_current_cgroup_id();
	fresh.uid = BPF_CORE_READ(cred, uid.val);
	fresh.euid = BPF_CORE_READ(cred, euid.val);
	fresh.gid = BPF_CORE_READ(cred, gid.val);
	fresh.egid = BPF_CORE_READ(cred, egid.val);
	fresh.lineage_uid = lineage_of(key.tgid, fresh.uid, fresh.euid);
	fresh.pid = current_tid();
	fresh.ppid = BPF_CORE_READ(task, real_parent, tgid);
	bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
	/* Another CPU may have created it meanwhile: then add to theirs. */
	if (bpf_map_update_elem(&net_bytes, &key, &fresh, BPF_NOEXIST) != 0) {
		value = bpf_map_lookup_elem(&net_bytes, &key);
		if (value) {
			__sync_fetch_and_add(&value->bytes, sent);
			__sync_fetch_and_add(&value->sends, 1);
		}
	}
}

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/* The handover gate. The sensor's maps and links stay pinned in bpffs while it is
 * down, so the kernel keeps recording; a restart of the same build adopts the
 * pinned links as they are. A restart with other programs (an upgrade, other
 * settings) attaches its own before detaching the old ones, so for a while two
 * generations run on the same hooks into the same ring buffer. The gate makes
 * exactly one of them handle each invocation: the older generation records until
 * userspace flips active_generation; the newer one, attached later and so run
 * right after the older on the same invocation, reads the older one's decision
 * from its gate slot and makes the opposite one. Without a pinned set (0) every
 * program records.
 *
 * Only programs that record (ring-buffer records, byte counts) pass the gate, at
 * their very start. Syscall-entry staging does not: both generations stage the same
 * value into the same pinned map, so a syscall straddling the flip is still found. */
#ifndef RW_LIB_HANDOVER_H
#define RW_LIB_HANDOVER_H

/* The generation of this program set; set by userspace before load. */
const volatile __u32 generation __weak = 1;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rw_pin_state);
} pin_state SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RW_GATE_SLOTS);
	__type(key, __u32);
	__type(value, struct rw_gate_slot);
} gate_slots SEC(".maps") __weak;

/* One slot per recording program, by name: append only, never renumbered, since a
 * newer build pairs its programs with the running older build's by these ids. */
enum rw_gate_id {
	RW_GATE_handle_exec,
	RW_GATE_handle_fork,
	RW_GATE_handle_exit,
	RW_GATE_exit_setuid,
	RW_GATE_exit_setreuid,
	RW_GATE_exit_setresuid,
	RW_GATE_exit_setfsuid,
	RW_GATE_exit_setgid,
	RW_GATE_exit_setregid,
	RW_GATE_exit_setresgid,
	RW_GATE_exit_setfsgid,
	RW_GATE_exit_open,
	RW_GATE_exit_openat,
	RW_GATE_exit_creat,
	RW_GATE_exit_openat2,
	RW_GATE_exit_rename,
	RW_GATE_exit_renameat,
	RW_GATE_exit_renameat2,
	RW_GATE_exit_unlink,
	RW_GATE_exit_unlinkat,
	RW_GATE_exit_rmdir,
	RW_GATE_exit_link,
	RW_GATE_exit_linkat,
	RW_GATE_exit_symlink,
	RW_GATE_exit_symlinkat,
	RW_GATE_handle_sock_state,
	RW_GATE_tp_sock_state,
	RW_GATE_handle_send_length,
	RW_GATE_fexit_inet_sendmsg,
	RW_GATE_fexit_inet6_sendmsg,
	RW_GATE_kretprobe_inet_sendmsg,
	RW_GATE_kretprobe_inet6_sendmsg,
	RW_GATE_bytes_exit_sendto,
	RW_GATE_bytes_exit_sendmsg,
	RW_GATE_bytes_exit_write,
	RW_GATE_bytes_exit_writev,
	RW_GATE_handle_signal,
	RW_GATE_tp_signal_generate,
	RW_GATE_enter_ptrace,
	RW_GATE_enter_process_vm_readv,
	RW_GATE_enter_process_vm_writev,
	RW_GATE_deny_signal,
	RW_GATE_deny_ptrace,
	RW_GATE_payload_enter_write,
	RW_GATE_payload_enter_sendto,
	RW_GATE_payload_enter_sendmsg,
	RW_GATE_payload_enter_writev,
	RW_GATE_unix_exit_connect,
	RW_GATE_enforce_exec,
	RW_GATE_enforce_fork,
	RW_GATE_enforce_exit,
	RW_GATE_enforce_bprm,
	RW_GATE_COUNT,
};

_Static_assert(RW_GATE_COUNT <= RW_GATE_SLOTS, "more gated programs than gate slots");

/* Whether this program records the invocation ctx (see the top of this file). */
static __always_inline int rw_gate(void *ctx, __u32 id)
{
	__u32 zero = 0;
	struct rw_pin_state *st = bpf_map_lookup_elem(&pin_state, &zero);
	if (!st || !st->active_generation)
		return 1;
	__u32 active = st->active_generation, paired = st->paired_generation;
	if (!paired)
		return active == generation; /* no handover under way */
	struct rw_gate_slot *slot = bpf_map_lookup_elem(&gate_slots, &id);
	if (!slot)
		return active == generation;
	__u64 task = bpf_get_current_task();
	int mine = active == generation;
	if (paired == generation && slot->ctx == (__u64)ctx && slot->task == task && slot->generation < generation)
		mine = !slot->handled; /* the older generation saw this very invocation first */
	slot->ctx = (__u64)ctx;
	slot->task = task;
	slot->generation = generation;
	slot->handled = mine;
	return mine;
}

#endif

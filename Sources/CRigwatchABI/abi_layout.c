/* SPDX-License-Identifier: Apache-2.0 */
/* Field offsets and sizes of the record structs, computed by the C compiler
 * (see include/rw_abi_layout.h). List every field of a struct here: the Swift
 * test checks that each struct's fields tile it exactly. */
#include <stddef.h>
#include "events.h"
#include "rw_abi_layout.h"

#define F(type, field)                                                                            \
	{                                                                                         \
#type "." #field, offsetof(struct type, field), sizeof(((struct type *)0)->field) \
	}
#define S(type)                            \
	{                                  \
#type, sizeof(struct type) \
	}

static const struct rw_abi_field fields[] = {
	F(rw_header, kind),
	F(rw_header, size),
	F(rw_header, abi_version),
	F(rw_header, timestamp_ns),
	F(rw_header, pid),
	F(rw_header, tgid),
	F(rw_header, ppid),
	F(rw_header, uid),
	F(rw_header, euid),
	F(rw_header, gid),
	F(rw_header, egid),
	F(rw_header, lineage_uid),
	F(rw_header, cgroup_id),
	F(rw_header, comm),

	F(rw_exec, hdr),
	F(rw_exec, loginuid),
	F(rw_exec, flags),
	F(rw_exec, argc),
	F(rw_exec, args_len),
	F(rw_exec, old_pid),
	F(rw_exec, reserved),
	F(rw_exec, filename),
	F(rw_exec, args),

	F(rw_ids, uid),
	F(rw_ids, euid),
	F(rw_ids, suid),
	F(rw_ids, fsuid),
	F(rw_ids, gid),
	F(rw_ids, egid),
	F(rw_ids, sgid),
	F(rw_ids, fsgid),

	F(rw_cred, hdr),
	F(rw_cred, syscall),
	F(rw_cred, ret),
	F(rw_cred, requested),
	F(rw_cred, reserved),
	F(rw_cred, before),
	F(rw_cred, after),

	F(rw_fork, hdr),
	F(rw_fork, child_pid),
	F(rw_fork, child_tgid),

	F(rw_exit, hdr),
	F(rw_exit, exit_code),
	F(rw_exit, signal),

	F(rw_drops, hdr),
	F(rw_drops, lost),
	F(rw_drops, total),

	F(rw_connect, hdr),
	F(rw_connect, family),
	F(rw_connect, protocol),
	F(rw_connect, sport),
	F(rw_connect, dport),
	F(rw_connect, saddr),
	F(rw_connect, daddr),

	F(rw_net_bytes, hdr),
	F(rw_net_bytes, family),
	F(rw_net_bytes, protocol),
	F(rw_net_bytes, dport),
	F(rw_net_bytes, reserved),
	F(rw_net_bytes, daddr),
	F(rw_net_bytes, bytes),
	F(rw_net_bytes, sends),
	F(rw_net_bytes, first_ns),
	F(rw_net_bytes, last_ns),

	F(rw_gpu_process, pid),
	F(rw_gpu_process, reserved),
	F(rw_gpu_process, used_memory_bytes),

	F(rw_gpu_sample, hdr),
	F(rw_gpu_sample, gpu_index),
	F(rw_gpu_sample, flags),
	F(rw_gpu_sample, util_gpu),
	F(rw_gpu_sample, util_memory),
	F(rw_gpu_sample, temperature_c),
	F(rw_gpu_sample, power_mw),
	F(rw_gpu_sample, memory_used_bytes),
	F(rw_gpu_sample, memory_total_bytes),
	F(rw_gpu_sample, nprocs),
	F(rw_gpu_sample, reserved),
	F(rw_gpu_sample, uuid),
	F(rw_gpu_sample, procs),

	F(rw_file_change, hdr),
	F(rw_file_change, op),
	F(rw_file_change, flags),
	F(rw_file_change, open_flags),
	F(rw_file_change, ret),
	F(rw_file_change, mntns),
	F(rw_file_change, reserved),
	F(rw_file_change, path),
	F(rw_file_change, path2),

	F(rw_tamper, hdr),
	F(rw_tamper, op),
	F(rw_tamper, target_pid),
	F(rw_tamper, arg),
	F(rw_tamper, result),
	F(rw_tamper, flags),

	F(rw_integrity, hdr),
	F(rw_integrity, problem),
	F(rw_integrity, expected),
	F(rw_integrity, found),
	F(rw_integrity, reserved),
	F(rw_integrity, name),

	F(rw_auth, hdr),
	F(rw_auth, auid),
	F(rw_auth, ses),
	F(rw_auth, record_type),
	F(rw_auth, success),
	F(rw_auth, reserved),
	F(rw_auth, op),
	F(rw_auth, acct),
	F(rw_auth, exe),
	F(rw_auth, hostname),
	F(rw_auth, addr),
	F(rw_auth, terminal),
};

static const struct rw_abi_struct structs[] = {
	S(rw_header),	  S(rw_exec),	     S(rw_ids),	    S(rw_cred),	     S(rw_fork),
	S(rw_exit),	  S(rw_drops),	     S(rw_connect), S(rw_net_bytes), S(rw_gpu_process),
	S(rw_gpu_sample), S(rw_file_change), S(rw_tamper),  S(rw_integrity), S(rw_auth),
};

const struct rw_abi_field *rw_abi_fields(size_t *count)
{
	*count = sizeof(fields) / sizeof(fields[0]);
	return fields;
}

const struct rw_abi_struct *rw_abi_structs(size_t *count)
{
	*count = sizeof(structs) / sizeof(structs[0]);
	return structs;
}

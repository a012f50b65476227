/* SPDX-License-Identifier: GPL-2.0-only */
/* What every feature object of the sensor shares: the headers, the maps declared
 * once (lib/maps.h), the handover gate (lib/handover.h) and the helpers that
 * build a record header and keep lineage. */
#ifndef RW_LIB_COMMON_H
#define RW_LIB_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "events.h"
#include "lib/maps.h"
#include "lib/handover.h"

/* The current task through the helper every kernel since 4.x has, read with CO-RE:
 * bpf_get_current_task_btf() would need 5.11. */
static __always_inline struct task_struct *current_task(void)
{
	return (struct task_struct *)bpf_get_current_task();
}

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

static __always_inline __u32 current_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

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

static __always_inline void fill_header(struct rw_header *hdr, __u16 kind, __u16 size, struct task_struct *task)
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

/* The file open as fd in task, or NULL. */
static __always_inline struct file *fd_file(struct task_struct *task, int fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (fd < 0 || !fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

#endif

// SPDX-License-Identifier: GPL-2.0-only
/* File-change monitoring. Opens for writing are resolved from the opened file, so
 * symlinks, "..", relative paths and chroots are what the kernel resolved. Renames,
 * unlinks and links are judged from the syscall's path string joined to the cwd or
 * dirfd: no syscall tracepoint carries their resolved dentries. The walks and the
 * matching run in bpf_loop callbacks (5.17): an unrolled walk blows the verifier's
 * instruction limit, so without bpf_loop the feature is off (said at start). */
#include "lib/path_match.h"

char LICENSE[] SEC("license") = "GPL";

#define RW_AT_FDCWD  -100
#define RW_O_ACCMODE 00000003
#define RW_O_CREAT   00000100
#define RW_O_TRUNC   00001000

/* Open flags of an open-for-write in flight, per thread. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u32);
} open_inflight SEC(".maps");

/* A matched rename/unlink/link between syscall entry and exit, per thread. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct rw_file_change);
} file_inflight SEC(".maps");

struct walk_ctx {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *root;
	struct vfsmount *root_mnt;
	int reached_top;
};

/* One step up: to the parent dentry, or across a mount point to the parent mount.
 * Names are collected leaf first in s->names. (bpf_loop callbacks are verified
 * once, where an unrolled walk would be verified per iteration and path.) */
static long walk_step(__u32 i, struct walk_ctx *c)
{
	/* Locals, not c->..., inside BPF_CORE_READ: relocations are for kernel types only. */
	struct dentry *dentry = c->dentry;
	struct vfsmount *vfsmnt = c->vfsmnt;
	struct mount *mnt = c->mnt;
	if (dentry == c->root && vfsmnt == c->root_mnt) {
		c->reached_top = 1;
		return 1;
	}
	if (dentry == BPF_CORE_READ(vfsmnt, mnt_root)) {
		struct mount *parent = BPF_CORE_READ(mnt, mnt_parent);
		if (parent == mnt) {
			c->reached_top = 1;
			return 1;
		}
		c->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		c->mnt = parent;
		c->vfsmnt = (void *)parent + bpf_core_field_offset(struct mount, mnt);
		return 0;
	}
	struct dentry *up = BPF_CORE_READ(dentry, d_parent);
	if (up == dentry) {
		c->reached_top = 1;
		return 1;
	}
	struct file_scratch *s = scratch();
	if (!s || s->n >= RW_PATH_DEPTH)
		return 1;
	s->names[s->n & (RW_PATH_DEPTH - 1)] = BPF_CORE_READ(dentry, d_name.name);
	s->n++;
	c->dentry = up;
	return 0;
}

/* Appends "/" and component n-1-i (root first) to s->buf. */
static long copy_step(__u32 i, void *unused)
{
	struct file_scratch *s = scratch();
	if (!s || i >= s->n || s->pos >= RW_PATH_LEN - 1)
		return 1;
	__u32 j = s->n - 1 - i;
	s->buf[path_off(s->pos)] = '/';
	s->pos++;
	long len = bpf_probe_read_kernel_str(&s->buf[path_off(s->pos)], RW_PATH_LEN, s->names[j & (RW_PATH_DEPTH - 1)]);
	if (len > 1)
		s->pos += len - 1;
	return 0;
}

/* Writes the path of (dentry, vfsmnt) as the task's root sees it into s->buf, like
 * d_path: crossing mount points, stopping at the task's root or its namespace's top.
 * Returns its length, or -1 when deeper than RW_PATH_DEPTH (then nothing matches). */
static __always_inline int dentry_path(struct file_scratch *s, struct task_struct *task, struct dentry *dentry,
				       struct vfsmount *vfsmnt)
{
	struct walk_ctx walk = {
		.dentry = dentry,
		.vfsmnt = vfsmnt,
		.mnt = (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt),
		.root = BPF_CORE_READ(task, fs, root.dentry),
		.root_mnt = BPF_CORE_READ(task, fs, root.mnt),
	};
	s->n = 0;
	bpf_loop(2 * RW_PATH_DEPTH, walk_step, &walk, 0);
	if (!walk.reached_top)
		return -1;
	s->pos = 0;
	bpf_loop(RW_PATH_DEPTH, copy_step, NULL, 0);
	__u64 pos = s->pos;
	if (pos == 0) {
		s->buf[0] = '/';
		pos = 1;
	}
	if (pos > 2 * RW_PATH_LEN - 1)
		pos = 2 * RW_PATH_LEN - 1;
	s->buf[pos & (2 * RW_PATH_LEN - 1)] = 0;
	return pos;
}

/* The syscall's path string, joined to the cwd (AT_FDCWD) or to the directory
 * open as dfd when relative, into s->buf. Returns its length or -1. */
static __always_inline int string_path(struct file_scratch *s, struct task_struct *task, int dfd, const char *upath)
{
	char first = 0;
	if (!upath || bpf_probe_read_user(&first, 1, upath))
		return -1;
	if (first == '/') {
		long len = bpf_probe_read_user_str(s->buf, RW_PATH_LEN, upath);
		return len > 0 ? len - 1 : -1;
	}
	int base;
	if (dfd == RW_AT_FDCWD) {
		base = dentry_path(s, task, BPF_CORE_READ(task, fs, pwd.dentry), BPF_CORE_READ(task, fs, pwd.mnt));
	} else {
		struct file *dir = fd_file(task, dfd);
		if (!dir)
			return -1;
		base = dentry_path(s, task, BPF_CORE_READ(dir, f_path.dentry), BPF_CORE_READ(dir, f_path.mnt));
	}
	if (base < 0 || base >= RW_PATH_LEN - 1)
		return -1;
	__u64 pos = base;
	if (pos > 1)
		s->buf[path_off(pos++)] = '/';
	long len = bpf_probe_read_user_str(&s->buf[path_off(pos)], RW_PATH_LEN, upath);
	if (len <= 0)
		return -1;
	return pos + len - 1;
}

static __always_inline void copy_path(char *dst, struct file_scratch *s, int len, __u32 *flags, __u32 trunc_flag)
{
	__builtin_memcpy(dst, s->buf, RW_PATH_LEN);
	dst[RW_PATH_LEN - 1] = 0;
	if (len >= RW_PATH_LEN - 1)
		*flags |= trunc_flag;
}

static __always_inline __u32 mount_ns(struct task_struct *task)
{
	return BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
}

/* ---- opens for writing: flags at entry, the opened file at exit ---- */

static __always_inline int open_enter(__u32 flags)
{
	if ((flags & RW_O_ACCMODE) == 0 && !(flags & (RW_O_CREAT | RW_O_TRUNC)))
		return 0; /* read-only: the common case, dropped at once */
	__u32 tid = current_tid();
	bpf_map_update_elem(&open_inflight, &tid, &flags, BPF_ANY);
	return 0;
}

static __always_inline int open_exit(void *ctx, __u32 gate, long ret)
{
	if (!rw_gate(ctx, gate))
		return 0; /* the other generation reports it and clears the entry */
	__u32 tid = current_tid();
	__u32 *staged = bpf_map_lookup_elem(&open_inflight, &tid);
	if (!staged)
		return 0;
	__u32 flags = *staged;
	bpf_map_delete_elem(&open_inflight, &tid);
	if (ret < 0)
		return 0; /* nothing opened, nothing to resolve */
	struct file_scratch *s = scratch();
	struct task_struct *task = current_task();
	struct file *file = fd_file(task, ret);
	if (!s || !file)
		return 0;
	int len = dentry_path(s, task, BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt));
	if (len < 0 || !path_is_watched())
		return 0;
	struct rw_file_change *ev = &s->ev;
	fill_header(&ev->hdr, RW_EVENT_FILE_CHANGE, sizeof(*ev), task);
	ev->op = RW_FILE_OPEN_WRITE;
	ev->flags = 0;
	ev->open_flags = flags;
	ev->ret = ret;
	ev->mntns = mount_ns(task);
	ev->reserved = 0;
	copy_path(ev->path, s, len, &ev->flags, RW_FILE_PATH_TRUNC);
	__builtin_memset(ev->path2, 0, RW_PATH_LEN);
	if (bpf_ringbuf_output(&events, ev, sizeof(*ev), submit_flags()))
		count_drop();
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int enter_open(struct trace_event_raw_sys_enter *ctx)
{
	return open_enter(ctx->args[1]);
}
SEC("tracepoint/syscalls/sys_enter_openat")
int enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	return open_enter(ctx->args[2]);
}
SEC("tracepoint/syscalls/sys_enter_creat")
int enter_creat(struct trace_event_raw_sys_enter *ctx)
{
	return open_enter(RW_O_CREAT | RW_O_TRUNC | 1);
}
SEC("tracepoint/syscalls/sys_enter_openat2")
int enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};
	if (bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]))
		return 0;
	return open_enter((__u32)how.flags);
}

SEC("tracepoint/syscalls/sys_exit_open")
int exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return open_exit(ctx, RW_GATE_exit_open, ctx->ret);
}
SEC("tracepoint/syscalls/sys_exit_openat")
int exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return open_exit(ctx, RW_GATE_exit_openat, ctx->ret);
}
SEC("tracepoint/syscalls/sys_exit_creat")
int exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	return open_exit(ctx, RW_GATE_exit_creat, ctx->ret);
}
SEC("tracepoint/syscalls/sys_exit_openat2")
int exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return open_exit(ctx, RW_GATE_exit_openat2, ctx->ret);
}

/* ---- renames, unlinks, links: judged at entry from the strings, sent at exit ---- */

/* Resolves one string into s->ev.path (second = 0) or s->ev.path2 and returns
 * whether it is (or may be) watched. A global function: the verifier checks it
 * once on its own, not once per caller and path through the caller; hence the
 * scalar arguments (a user pointer is not memory the verifier could check). */
__noinline int stage_path(int dfd, __u64 upath, int second)
{
	struct file_scratch *s = scratch();
	if (!s)
		return 0;
	struct task_struct *task = current_task();
	char *dst = second ? s->ev.path2 : s->ev.path;
	int len = string_path(s, task, dfd, (const char *)upath);
	if (len < 0) {
		dst[0] = 0;
		return 0;
	}
	int watched = path_is_watched();
	if (!watched && path_is_noncanonical(s)) {
		s->ev.flags |= RW_FILE_NONCANONICAL;
		watched = 1;
	}
	copy_path(dst, s, len, &s->ev.flags, second ? RW_FILE_PATH2_TRUNC : RW_FILE_PATH_TRUNC);
	return watched;
}

/* op with its first path (judged unless judge_first is 0: a symlink's target is
 * text, not a path) and optional second path (the new name). */
static __always_inline int stage_change(__u32 op, int dfd1, const char *path1, int judge_first, int dfd2,
					const char *path2, __u32 op_flags)
{
	struct file_scratch *s = scratch();
	if (!s)
		return 0;
	struct task_struct *task = current_task();
	struct rw_file_change *ev = &s->ev;
	ev->flags = RW_FILE_FROM_STRING;
	int watched = 0;
	if (judge_first) {
		watched = stage_path(dfd1, (__u64)path1, 0);
	} else {
		long len = bpf_probe_read_user_str(ev->path, RW_PATH_LEN, path1);
		if (len <= 0)
			ev->path[0] = 0;
	}
	if (path2)
		watched |= stage_path(dfd2, (__u64)path2, 1);
	else
		__builtin_memset(ev->path2, 0, RW_PATH_LEN);
	if (!watched)
		return 0;
	fill_header(&ev->hdr, RW_EVENT_FILE_CHANGE, sizeof(*ev), task);
	ev->op = op;
	ev->open_flags = op_flags;
	ev->ret = 0;
	ev->mntns = mount_ns(task);
	ev->reserved = 0;
	__u32 tid = current_tid();
	bpf_map_update_elem(&file_inflight, &tid, ev, BPF_ANY);
	return 0;
}

static __always_inline int change_exit(void *ctx, __u32 gate, long ret)
{
	if (!rw_gate(ctx, gate))
		return 0;
	__u32 tid = current_tid();
	struct rw_file_change *ev = bpf_map_lookup_elem(&file_inflight, &tid);
	if (!ev)
		return 0;
	ev->ret = ret;
	ev->hdr.timestamp_ns = bpf_ktime_get_boot_ns();
	if (bpf_ringbuf_output(&events, ev, sizeof(*ev), submit_flags()))
		count_drop();
	bpf_map_delete_elem(&file_inflight, &tid);
	return 0;
}

#define ARG_STR(n) ((const char *)ctx->args[n])

SEC("tracepoint/syscalls/sys_enter_rename")
int enter_rename(struct trace_event_raw_sys_enter *ctx)
{
	return stage_change(RW_FILE_RENAME, RW_AT_FDCWD, ARG_STR(0), 1, RW_AT_FDCWD, ARG_STR(1), 0);
}
SEC("tracepoint/syscalls/sys_enter_renameat")
int enter_renameat(struct trace_event_raw_sys_enter *ctx)
{
	return stage_change(RW_FILE_RENAME, ctx->args[0], ARG_STR(1), 1, ctx->args[2], ARG_STR(3), 0);
}
SEC("tracepoint/syscalls/sys_enter_renameat2")
int enter_renameat2(struct trace_event_raw_sys_enter *ctx)
{
	return stage_change(RW_FILE_RENAME, ctx->args[0], ARG_STR(1), 1, ctx->args[2], ARG_STR(3), ctx->args[4]);
}
SEC("tracepoint/syscalls/sys_enter_unlink")
int enter_unlink(struct trace_event_raw_sys_enter *ctx)
{
	return stage_change(RW_FILE_UNLINK, RW_AT_FDCWD, ARG_STR(0), 1, 0, NULL, 0);
}
SEC("tracepoint/syscalls/sys_enter_unlinkat")
int enter_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	return stage_change(RW_FILE_UNLINK, ctx->args[0], ARG_STR(1), 1, 0, NULL, ctx->args[2]);
}
SEC("tracepoint/syscalls/sys_enter_rmdir")
int enter_rmdir(struct trace_event_raw_sys_enter *ctx)
{
	return stage_change(RW_FILE_UNLINK, RW_AT_FDCWD, ARG_STR(0), 1, 0, NULL, 0);
}
SEC("tracepoint/syscalls/sys_enter_link")
int enter_link(struct trace_event_raw_sys_enter *ctx)
{
	return stage_change(RW_FILE_LINK, RW_AT_FDCWD, ARG_STR(0), 1, RW_AT_FDCWD, ARG_STR(1), 0);
}
SEC("tracepoint/syscalls/sys_enter_linkat")
int enter_linkat(struct trace_event_raw_sys_enter *ctx)
{
	return stage_change(RW_FILE_LINK, ctx->args[0], ARG_STR(1), 1, ctx->args[2], ARG_STR(3), ctx->args[4]);
}
SEC("tracepoint/syscalls/sys_enter_symlink")
int enter_symlink(struct trace_event_raw_sys_enter *ctx)
{
	return stage_change(RW_FILE_LINK, 0, ARG_STR(0), 0, RW_AT_FDCWD, ARG_STR(1), 0);
}
SEC("tracepoint/syscalls/sys_enter_symlinkat")
int enter_symlinkat(struct trace_event_raw_sys_enter *ctx)
{
	return stage_change(RW_FILE_LINK, 0, ARG_STR(0), 0, ctx->args[1], ARG_STR(2), 0);
}

#define CHANGE_EXIT(name)                                               \
	SEC("tracepoint/syscalls/sys_exit_" #name)                      \
	int exit_##name(struct trace_event_raw_sys_exit *ctx)           \
	{                                                               \
		return change_exit(ctx, RW_GATE_exit_##name, ctx->ret); \
	}

CHANGE_EXIT(rename)
CHANGE_EXIT(renameat)
CHANGE_EXIT(renameat2)
CHANGE_EXIT(unlink)
CHANGE_EXIT(unlinkat)
CHANGE_EXIT(rmdir)
CHANGE_EXIT(link)
CHANGE_EXIT(linkat)
CHANGE_EXIT(symlink)
CHANGE_EXIT(symlinkat)

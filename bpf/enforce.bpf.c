// SPDX-License-Identifier: GPL-2.0-only
/* Enforcement: a privileged exec of a watched lineage that the whitelist does not
 * allow is stopped in the kernel (enforce_config.mode deny) or reported as what
 * deny would stop (audit). The lineage is followed as the detector follows it
 * (PrivilegedExecDetector): a privilege gateway (sudo, su, any setuid binary) is
 * not judged, the first root exec below it is the entry and must match a rule;
 * what an allowed entry runs is covered by it, except below a wrapper (timeout,
 * env, ...), whose command is an entry of its own, and each root exec below an
 * allowed entry is judged against the entry's child profiles (lib/child_profile.h:
 * a shell, an interpreter or a program outside the system directories needs one,
 * a writable path is never allowed). Only watched lineages are ever judged. Where BPF-LSM is active, bprm_check_security refuses the exec (EPERM)
 * before the new image is loaded, judging the argv the caller passed; the
 * sched_process_exec program judges again on the argv the kernel copied and kills
 * what slipped through (a caller rewriting its argv between the copy and the
 * check). Without BPF-LSM the stop is that SIGKILL: the new image is mapped but has
 * not run an instruction; what exec itself did (the file was opened, the old image
 * is gone) stays done. Needs bpf_loop (5.17). */
#include "lib/child_profile.h"

char LICENSE[] SEC("license") = "GPL";

#define RW_SIGKILL	9
#define RW_NAME_KEY_LEN 16

enum enforce_state_kind {
	ENFORCE_GATEWAY = 1,   /* below a gateway: the next root exec is an entry */
	ENFORCE_WRAPPER = 2,   /* below an allowed wrapper: the same */
	ENFORCE_COVERED = 3,   /* below an allowed entry: root children judged by its profiles */
	ENFORCE_DENIED = 4,    /* below an entry that was not allowed (already reported) */
	ENFORCE_USERSPACE = 5, /* below an entry the kernel could not decide */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rw_enforce_config);
} enforce_config SEC(".maps");

/* Where a process stands, inherited at fork. */
struct enforce_lineage {
	__u32 kind;	/* enum enforce_state_kind */
	__u32 half;	/* COVERED: the policy half the profiles were found in */
	__u32 profiles; /* COVERED: the child profiles that apply, a bit each */
	__u32 unsure;	/* COVERED: a profile could not be decided */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct enforce_lineage);
} enforce_state SEC(".maps");

/* Program basenames (NUL-padded) -> 1 gateway, 2 wrapper; written by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, char[RW_NAME_KEY_LEN]);
	__type(value, __u32);
} enforce_names SEC(".maps");

/* The argv pointer each exec of a watched lineage was called with, by thread,
 * staged at syscall entry for bprm_check_security (which has no syscall args). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} exec_argv SEC(".maps");

struct enforce_scratch {
	struct rw_enforce ev;
	char arg[RW_FILENAME_LEN]; /* one argv string read from the caller */
	__u64 argv;		   /* the caller's argv array */
	__u32 at;		   /* bytes of s->args filled */
	__u32 cut;		   /* the caller's argv did not fit: leave it to the exec hook */
	char name[RW_NAME_KEY_LEN];
	__u32 nuls[4]; /* where the first three argv words end */
	__u32 found;
	__u32 base; /* where the path's basename starts */
	__u32 word; /* the argv word compared with the path */
	__u32 same;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enforce_scratch);
} enforce_scratch SEC(".maps");

static __always_inline __u64 key_len(__u64 len)
{
	asm volatile("" : "+r"(len));
	return len & (RW_NAME_KEY_LEN - 1);
}

static __always_inline struct rw_enforce_config *enforce_settings(void)
{
	__u32 zero = 0;
	struct rw_enforce_config *c = bpf_map_lookup_elem(&enforce_config, &zero);
	return c && c->mode != RW_ENFORCE_OFF ? c : NULL;
}

static __always_inline struct enforce_scratch *enforce_scratch_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&enforce_scratch, &zero);
}

static long basename_step(__u32 i, void *unused)
{
	struct policy_scratch *s = policy_scratch_get();
	struct enforce_scratch *e = enforce_scratch_get();
	if (!s || !e || i >= s->path_len)
		return 1;
	if (s->path[i & (RW_FILENAME_LEN - 1)] == '/')
		e->base = i + 1;
	return 0;
}

/* 1 gateway, 2 wrapper, 0 neither, by the basename of s->path. */
static __always_inline __u32 name_kind(struct policy_scratch *s, struct enforce_scratch *e)
{
	e->base = 0;
	bpf_loop(RW_FILENAME_LEN, basename_step, NULL, 0);
	__u32 len = s->path_len - e->base;
	if (len == 0 || len >= RW_NAME_KEY_LEN)
		return 0;
	__builtin_memset(e->name, 0, sizeof(e->name));
	bpf_probe_read_kernel(e->name, key_len(len), s->path + name_len(e->base));
	__u32 *kind = bpf_map_lookup_elem(&enforce_names, e->name);
	return kind ? *kind : 0;
}

static long find_words_step(__u32 i, void *unused)
{
	struct policy_scratch *s = policy_scratch_get();
	struct enforce_scratch *e = enforce_scratch_get();
	if (!s || !e || i >= s->args_len || e->found >= 3)
		return 1;
	if (s->args[args_off(i)] == 0) {
		e->nuls[e->found & 3] = i;
		e->found++;
	}
	return 0;
}

/* One byte of the argv word at e->word against the path. */
static long compare_step(__u32 k, void *unused)
{
	struct policy_scratch *s = policy_scratch_get();
	struct enforce_scratch *e = enforce_scratch_get();
	if (!s || !e)
		return 1;
	if (s->args[args_off(e->word + k)] != s->path[k & (RW_FILENAME_LEN - 1)]) {
		e->same = 0;
		return 1;
	}
	return 0;
}

/* A script's argv starts with its interpreter ("/bin/sh /path/script a b"): judge
 * the command line its caller gave, from the word that is the script's path (word
 * 1 or 2), as the detector does (ExecEvent.callerArgs). */
static __always_inline void caller_args(struct policy_scratch *s, struct enforce_scratch *e)
{
	e->found = 0;
	bpf_loop(RW_ARGS_MAX, find_words_step, NULL, 0);
	for (__u32 word = 1; word < 3; word++) {
		if (word >= e->found)
			break;
		__u32 start = e->nuls[(word - 1) & 3] + 1;
		__u32 end = e->nuls[word & 3];
		if (end - start != s->path_len)
			continue;
		e->word = start;
		e->same = 1;
		bpf_loop(s->path_len, compare_step, NULL, 0);
		if (!e->same)
			continue;
		/* The caller's words to the front, through the record's buffer (no overlap). */
		__u32 left = s->args_len - start;
		bpf_probe_read_kernel(e->ev.args, args_size(left), s->args + args_off(start));
		bpf_probe_read_kernel(s->args, args_size(left), e->ev.args);
		s->args_len = left;
		s->argc -= word;
		return;
	}
}

/* Below these the kernel judges nothing more: a refused or undecided command was
 * reported, and what runs below it was the detector's already. */
static __always_inline int settled(__u32 state)
{
	return state == ENFORCE_DENIED || state == ENFORCE_USERSPACE;
}

/* Kept across a drop of privileges (sudo -u other below root), as the detector keeps it. */
static __always_inline int kept(__u32 state)
{
	return settled(state) || state == ENFORCE_COVERED;
}

static __always_inline void set_state(__u32 tgid, __u32 state)
{
	struct enforce_lineage value = {.kind = state};
	bpf_map_update_elem(&enforce_state, &tgid, &value, BPF_ANY);
}

static __always_inline void set_covered(__u32 tgid, __u32 half, struct child_scratch *c)
{
	struct enforce_lineage value = {
		.kind = ENFORCE_COVERED, .half = half, .profiles = c->mask, .unsure = c->undecided};
	bpf_map_update_elem(&enforce_state, &tgid, &value, BPF_ANY);
}

static __always_inline void report(struct task_struct *task, struct policy_scratch *s, struct enforce_scratch *e,
				   __u32 action, __u32 flags, __u32 stage, __u32 child_class)
{
	struct rw_enforce *ev = &e->ev;
	fill_header(&ev->hdr, RW_EVENT_ENFORCE, 0, task);
	ev->action = action;
	ev->stage = stage;
	ev->child_class = child_class;
	ev->rule = s->rule;
	ev->argc = s->argc;
	ev->flags = flags;
	ev->half = s->half;
	__builtin_memset(ev->filename, 0, sizeof(ev->filename));
	bpf_probe_read_kernel(ev->filename, name_len(s->path_len), s->path);
	__u32 len = args_size(s->args_len);
	bpf_probe_read_kernel(ev->args, args_size(len), s->args);
	ev->args_len = len;
	__u64 size = __builtin_offsetof(struct rw_enforce, args) + len;
	ev->hdr.size = size;
	if (size > sizeof(*ev))
		return;
	if (bpf_ringbuf_output(&events, ev, size, submit_flags()) < 0)
		count_drop();
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(enforce_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct rw_enforce_config *config = enforce_settings();
	if (!config || !rw_gate(ctx, RW_GATE_enforce_exec))
		return 0;
	__u32 tgid = BPF_CORE_READ(task, tgid);
	const struct cred *cred = BPF_CORE_READ(task, cred);
	__u32 uid = BPF_CORE_READ(cred, uid.val), euid = BPF_CORE_READ(cred, euid.val);
	__u32 origin = lineage_of(tgid, uid, euid);
	if (origin == RW_NO_LINEAGE)
		return 0;
	struct enforce_lineage *statep = bpf_map_lookup_elem(&enforce_state, &tgid);
	struct enforce_lineage lineage = {};
	if (statep)
		lineage = *statep;
	if (euid != 0) {
		/* Dropped privileges (sudo -u other): judged again when it regains root. */
		if (!kept(lineage.kind))
			bpf_map_delete_elem(&enforce_state, &tgid);
		return 0;
	}
	if (settled(lineage.kind))
		return 0;

	struct policy_scratch *s = policy_scratch_get();
	struct enforce_scratch *e = enforce_scratch_get();
	struct child_scratch *c = child_scratch_get();
	if (!s || !e || !c)
		return 0;
	__builtin_memset(s->path, 0, sizeof(s->path));
	const char *filename = BPF_CORE_READ(bprm, filename);
	long n = bpf_probe_read_kernel_str(s->path, sizeof(s->path), filename);
	__u32 flags = 0;
	if (n <= 1)
		return 0;
	if (n == sizeof(s->path))
		flags |= RW_EXEC_FNAME_TRUNC;
	s->path_len = n - 1;
	__u32 covered = lineage.kind == ENFORCE_COVERED;
	__u32 kind = covered ? 0 : name_kind(s, e);
	if (!covered && (uid != euid || kind == 1)) {
		set_state(tgid, ENFORCE_GATEWAY);
		return 0;
	}

	/* argv from the new mm, as the exec record has it. */
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	__u64 len = end > start ? end - start : 0;
	s->truncated = 0;
	if (len > RW_ARGS_MAX) {
		len = RW_ARGS_MAX;
		s->truncated = 1;
		flags |= RW_EXEC_ARGS_TRUNC;
	}
	if (len > 0 && bpf_probe_read_user(s->args, args_size(len), (const void *)start) < 0)
		len = 0;
	s->args_len = len;
	s->argc = BPF_CORE_READ(bprm, argc);
	if (BPF_CORE_READ(bprm, interp) != filename) {
		flags |= RW_EXEC_SCRIPT;
		caller_args(s, e);
	}
	s->half = config->half;
	__u32 stage = covered ? RW_ENFORCE_CHILD : RW_ENFORCE_ENTRY;
	__u32 verdict = RW_VERDICT_UNDECIDED;
	c->child_class = 0;
	if (flags & RW_EXEC_FNAME_TRUNC) {
		verdict = RW_VERDICT_UNDECIDED;
	} else if (covered) {
		/* Profiles are numbered per half: after a reload they are not known here. */
		if (lineage.half == config->half)
			verdict = child_verdict(s, c, lineage.profiles, lineage.unsure);
		else
			c->child_class = RW_CHILD_UNDECIDED;
	} else {
		decide_as(s, RW_POLICY_ROLE_USER, origin);
		verdict = s->verdict;
	}

	if (verdict == RW_VERDICT_ALLOWED) {
		if (covered)
			return 0;
		if (kind == 2) {
			set_state(tgid, ENFORCE_WRAPPER);
			return 0;
		}
		entry_profiles(s, c);
		set_covered(tgid, config->half, c);
		return 0;
	}
	if (verdict == RW_VERDICT_UNDECIDED) {
		set_state(tgid, ENFORCE_USERSPACE);
		report(task, s, e, RW_ENFORCE_UNDECIDED, flags, stage, c->child_class);
		return 0;
	}
	set_state(tgid, ENFORCE_DENIED);
	if (config->mode == RW_ENFORCE_DENY) {
		bpf_send_signal(RW_SIGKILL);
		report(task, s, e, RW_ENFORCE_KILLED, flags, stage, c->child_class);
	} else {
		report(task, s, e, RW_ENFORCE_WOULD_DENY, flags, stage, c->child_class);
	}
	return 0;
}

static __always_inline void stash_argv(__u64 argv)
{
	struct rw_enforce_config *config = enforce_settings();
	if (!config || config->mode != RW_ENFORCE_DENY)
		return;
	__u32 tgid = current_tgid();
	if (!bpf_map_lookup_elem(&lineage, &tgid)) {
		const struct cred *cred = BPF_CORE_READ(current_task(), cred);
		if (lineage_of(tgid, BPF_CORE_READ(cred, uid.val), BPF_CORE_READ(cred, euid.val)) == RW_NO_LINEAGE)
			return;
	}
	__u64 id = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&exec_argv, &id, &argv, BPF_ANY);
}

SEC("tracepoint/syscalls/sys_enter_execve")
int enforce_enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	stash_argv(ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int enforce_enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	stash_argv(ctx->args[2]);
	return 0;
}

/* One argv string of the caller, appended NUL-terminated to s->args. */
static long read_argv_step(__u32 i, void *unused)
{
	struct policy_scratch *s = policy_scratch_get();
	struct enforce_scratch *e = enforce_scratch_get();
	if (!s || !e)
		return 1;
	const char *arg = NULL;
	if (bpf_probe_read_user(&arg, sizeof(arg), (const void *)(e->argv + (__u64)i * sizeof(arg))) < 0) {
		e->cut = 1;
		return 1;
	}
	if (!arg)
		return 1;
	long n = bpf_probe_read_user_str(e->arg, sizeof(e->arg), arg);
	if (n <= 0 || n >= (long)sizeof(e->arg) || e->at + n > RW_ARGS_MAX) {
		e->cut = 1; /* a long or unreadable word: judged whole by the exec hook */
		return 1;
	}
	bpf_probe_read_kernel(s->args + args_off(e->at), name_len(n), e->arg);
	e->at += n;
	s->argc++;
	return 0;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(enforce_bprm, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	struct rw_enforce_config *config = enforce_settings();
	if (!config || config->mode != RW_ENFORCE_DENY)
		return 0;
	/* A script's interpreter: the script itself was judged on the first call. */
	const char *filename = BPF_CORE_READ(bprm, filename);
	if (BPF_CORE_READ(bprm, interp) != filename)
		return 0;
	struct task_struct *task = current_task();
	__u32 tgid = current_tgid();
	const struct cred *cred = BPF_CORE_READ(task, cred);
	__u32 uid = BPF_CORE_READ(cred, uid.val), euid = BPF_CORE_READ(cred, euid.val);
	__u32 origin = lineage_of(tgid, uid, euid);
	if (origin == RW_NO_LINEAGE)
		return 0;
	/* The new credentials are computed after this hook: a setuid-root file makes euid 0. */
	struct inode *inode = BPF_CORE_READ(bprm, file, f_inode);
	if ((BPF_CORE_READ(inode, i_mode) & 04000) && BPF_CORE_READ(inode, i_uid.val) == 0)
		euid = 0;
	if (euid != 0 || uid != euid)
		return 0; /* not root, or a gateway: the exec hook keeps the state */
	struct enforce_lineage *statep = bpf_map_lookup_elem(&enforce_state, &tgid);
	struct enforce_lineage lineage = {};
	if (statep)
		lineage = *statep;
	if (settled(lineage.kind))
		return 0;
	__u32 covered = lineage.kind == ENFORCE_COVERED;
	if (covered && lineage.half != config->half)
		return 0; /* profiles of the other half: the exec hook reports it undecided */
	__u64 id = bpf_get_current_pid_tgid();
	__u64 *argv = bpf_map_lookup_elem(&exec_argv, &id);
	struct policy_scratch *s = policy_scratch_get();
	struct enforce_scratch *e = enforce_scratch_get();
	struct child_scratch *c = child_scratch_get();
	if (!argv || !s || !e || !c)
		return 0;
	e->argv = *argv;
	bpf_map_delete_elem(&exec_argv, &id);

	__builtin_memset(s->path, 0, sizeof(s->path));
	long n = bpf_probe_read_kernel_str(s->path, sizeof(s->path), filename);
	if (n <= 1 || n == sizeof(s->path))
		return 0;
	s->path_len = n - 1;
	if (!covered && name_kind(s, e) == 1)
		return 0;
	e->at = 0;
	e->cut = 0;
	s->argc = 0;
	bpf_loop(1024, read_argv_step, NULL, 0);
	if (e->cut)
		return 0;
	s->args_len = e->at;
	s->truncated = 0;
	s->half = config->half;
	__u32 verdict;
	c->child_class = 0;
	if (covered) {
		verdict = child_verdict(s, c, lineage.profiles, lineage.unsure);
	} else {
		decide_as(s, RW_POLICY_ROLE_USER, origin);
		verdict = s->verdict;
	}
	if (verdict != RW_VERDICT_DENIED)
		return 0;
	if (rw_gate(ctx, RW_GATE_enforce_bprm))
		report(task, s, e, RW_ENFORCE_REFUSED, 0, covered ? RW_ENFORCE_CHILD : RW_ENFORCE_ENTRY,
		       c->child_class);
	return -1; /* EPERM */
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(enforce_fork, struct task_struct *parent, struct task_struct *child)
{
	if (!enforce_settings() || !rw_gate(ctx, RW_GATE_enforce_fork))
		return 0;
	__u32 child_tgid = BPF_CORE_READ(child, tgid);
	if (BPF_CORE_READ(child, pid) != child_tgid)
		return 0; /* a thread shares its process's state */
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	struct enforce_lineage *state = bpf_map_lookup_elem(&enforce_state, &ptgid);
	if (state)
		bpf_map_update_elem(&enforce_state, &child_tgid, state, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(enforce_exit, struct task_struct *task)
{
	if (!rw_gate(ctx, RW_GATE_enforce_exit))
		return 0;
	__u32 tgid = BPF_CORE_READ(task, tgid);
	if (BPF_CORE_READ(task, pid) == tgid)
		bpf_map_delete_elem(&enforce_state, &tgid);
	return 0;
}

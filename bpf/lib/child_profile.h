/* SPDX-License-Identifier: GPL-2.0-only */
/* Child profiles in the kernel: what an allowed root entry may start, judged as
 * the detector judges it (Core's ChildProfileSet and RootChildClasses). A covered
 * child (a root exec below an allowed entry) is classed by its canonical path: a
 * writable or relative path is never allowed; a shell, an interpreter or a
 * program outside the system directories runs only when the allow list of a
 * profile whose command matched the entry names it; anything else runs. Every
 * step is the whitelist matcher (lib/policy_match.h) on another rule set
 * (enum rw_policy_role), which userspace compiles (Core's KernelPolicy), so the
 * classes and profiles are the detector's own data. The profiles that apply are
 * found once, at the entry, and kept as a mask in the lineage's state. Kept apart
 * from the hooks so a test object runs exactly this code
 * (Tests/Fixtures/bpf/policy_match_test.bpf.c). */
#ifndef RW_LIB_CHILD_PROFILE_H
#define RW_LIB_CHILD_PROFILE_H

#include "lib/policy_match.h"

#define RW_CHILD_UNDECIDED 0xff /* the class could not be decided in the kernel */

struct child_scratch {
	char saved[RW_FILENAME_LEN]; /* s->path while the name is judged */
	__u32 saved_len;
	__u32 mask;	 /* profiles: found (entry) or applying (child) */
	__u32 allowed;	 /* a profile's allow list took the child */
	__u32 undecided; /* a profile could not be decided */
	__u32 child_class;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct child_scratch);
} child_scratch SEC(".maps");

static __always_inline struct child_scratch *child_scratch_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&child_scratch, &zero);
}

static __always_inline void decide_as(struct policy_scratch *s, __u32 role, __u32 id)
{
	s->role = role;
	s->uid = id;
	policy_decide(s);
}

static long entry_profile_step(__u32 p, void *unused)
{
	struct policy_scratch *s = policy_scratch_get();
	struct child_scratch *c = child_scratch_get();
	if (!s || !c)
		return 1;
	decide_as(s, RW_POLICY_ROLE_PROFILE_ENTRY, p);
	if (s->verdict == RW_VERDICT_ALLOWED)
		c->mask |= 1u << (p & (RW_POLICY_PROFILES_MAX - 1));
	else if (s->verdict == RW_VERDICT_UNDECIDED)
		c->undecided = 1;
	return 0;
}

/* The profiles whose command matches the allowed entry in s (path and argv as
 * judged) into c->mask; c->undecided when one could not be decided. Most entries
 * match no profile's path: one lookup in the PROFILED set says so. */
static __always_inline void entry_profiles(struct policy_scratch *s, struct child_scratch *c)
{
	c->mask = 0;
	c->undecided = 0;
	decide_as(s, RW_POLICY_ROLE_PROFILED, 0);
	if (s->verdict == RW_VERDICT_UNDECIDED)
		c->undecided = 1;
	else if (s->verdict == RW_VERDICT_ALLOWED)
		bpf_loop(RW_POLICY_PROFILES_MAX, entry_profile_step, NULL, 0);
}

/* enum rw_child_class of s->path, or RW_CHILD_UNDECIDED. */
static __always_inline __u32 child_class(struct policy_scratch *s, struct child_scratch *c)
{
	if (s->path[0] != '/')
		return RW_CHILD_WRITABLE; /* relative: the caller's working directory */
	decide_as(s, RW_POLICY_ROLE_PATH_CLASS, 0);
	if (s->verdict == RW_VERDICT_UNDECIDED)
		return RW_CHILD_UNDECIDED;
	if (s->verdict == RW_VERDICT_DENIED && s->rule >= 0)
		return RW_CHILD_WRITABLE;
	__u32 system = s->verdict == RW_VERDICT_ALLOWED;
	if (s->last_slash < 0 || s->canon_len >= RW_FILENAME_LEN || s->last_slash >= s->canon_len)
		return RW_CHILD_UNDECIDED;
	/* The name, as "/" + the canonical path's last component, judged in place of the path. */
	bpf_probe_read_kernel(c->saved, sizeof(c->saved), s->path);
	c->saved_len = s->path_len;
	__u32 len = s->canon_len - s->last_slash;
	__builtin_memset(s->path, 0, sizeof(s->path));
	bpf_probe_read_kernel(s->path, name_len(len), s->canon + canon_off(s->last_slash));
	s->path_len = len;
	decide_as(s, RW_POLICY_ROLE_NAME_CLASS, 0);
	bpf_probe_read_kernel(s->path, sizeof(s->path), c->saved);
	s->path_len = c->saved_len;
	if (s->verdict == RW_VERDICT_UNDECIDED)
		return RW_CHILD_UNDECIDED;
	if (s->verdict == RW_VERDICT_ALLOWED)
		return RW_CHILD_NAMED;
	return system ? RW_CHILD_ORDINARY : RW_CHILD_OUTSIDE;
}

static long allow_step(__u32 p, void *unused)
{
	struct policy_scratch *s = policy_scratch_get();
	struct child_scratch *c = child_scratch_get();
	if (!s || !c)
		return 1;
	if (!((c->mask >> (p & (RW_POLICY_PROFILES_MAX - 1))) & 1))
		return 0;
	decide_as(s, RW_POLICY_ROLE_PROFILE_ALLOW, p);
	if (s->verdict == RW_VERDICT_ALLOWED) {
		c->allowed = 1;
		return 1;
	}
	if (s->verdict == RW_VERDICT_UNDECIDED)
		c->undecided = 1;
	return 0;
}

/* The verdict (enum rw_policy_verdict) on the root exec in s below an allowed
 * entry whose profiles are `mask` (`unsure`: they could not all be decided); its
 * class into c->child_class. A denial names no rule (s->rule -1). */
static __always_inline __u32 child_verdict(struct policy_scratch *s, struct child_scratch *c, __u32 mask, __u32 unsure)
{
	__u32 cls = child_class(s, c);
	c->child_class = cls;
	s->rule = -1;
	if (cls == RW_CHILD_UNDECIDED)
		return RW_VERDICT_UNDECIDED;
	if (cls == RW_CHILD_ORDINARY)
		return RW_VERDICT_ALLOWED;
	if (cls == RW_CHILD_WRITABLE)
		return RW_VERDICT_DENIED; /* whoever wrote the file chose the code: no profile allows it */
	c->mask = mask;
	c->allowed = 0;
	c->undecided = unsure;
	if (mask)
		bpf_loop(RW_POLICY_PROFILES_MAX, allow_step, NULL, 0);
	s->rule = -1;
	if (c->allowed)
		return RW_VERDICT_ALLOWED;
	return c->undecided ? RW_VERDICT_UNDECIDED : RW_VERDICT_DENIED;
}

#endif

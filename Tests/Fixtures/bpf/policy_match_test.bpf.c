// SPDX-License-Identifier: GPL-2.0-only
/* Runs the in-kernel whitelist matcher (bpf/lib/policy_match.h) and the child
 * profiles (bpf/lib/child_profile.h) on one command the test hands in, through
 * BPF_PROG_TEST_RUN: the code the enforcement hooks run, with the same verifier,
 * judged against the userspace matcher on the same rules. */
#include "lib/child_profile.h"

char LICENSE[] SEC("license") = "GPL";

struct policy_match_args {
	char path[RW_FILENAME_LEN];
	char args[RW_ARGS_MAX];
	__u32 path_len;
	__u32 args_len;
	__u32 argc;
	__u32 truncated;
	__u32 uid;
	__u32 half;
	__u32 mode;	   /* enum policy_match_mode */
	__u32 profiles;	   /* CHILD: the entry's profiles; PROFILES: the answer */
	__u32 unsure;	   /* CHILD: the entry's; PROFILES: the answer */
	__u32 child_class; /* CHILD: the answer */
	__u32 verdict;
	__s32 rule;
};

enum policy_match_mode {
	MODE_ENTRY = 0,	   /* the whitelist's verdict for uid */
	MODE_PROFILES = 1, /* the child profiles an allowed entry gets */
	MODE_CHILD = 2,	   /* the verdict on a covered child */
};

SEC("syscall")
int policy_match(struct policy_match_args *args)
{
	struct policy_scratch *s = policy_scratch_get();
	struct child_scratch *c = child_scratch_get();
	if (!s || !c)
		return 1;
	if (args->path_len >= RW_FILENAME_LEN || args->args_len > RW_ARGS_MAX)
		return 2;
	bpf_probe_read_kernel(s->path, sizeof(s->path), args->path);
	bpf_probe_read_kernel(s->args, sizeof(s->args), args->args);
	s->path_len = args->path_len;
	s->args_len = args->args_len;
	s->argc = args->argc;
	s->truncated = args->truncated;
	s->half = args->half;
	if (args->mode == MODE_PROFILES) {
		entry_profiles(s, c);
		args->profiles = c->mask;
		args->unsure = c->undecided;
		return 0;
	}
	if (args->mode == MODE_CHILD) {
		args->verdict = child_verdict(s, c, args->profiles, args->unsure);
		args->child_class = c->child_class;
		args->rule = s->rule;
		return 0;
	}
	decide_as(s, RW_POLICY_ROLE_USER, args->uid);
	args->verdict = s->verdict;
	args->rule = s->rule;
	return 0;
}

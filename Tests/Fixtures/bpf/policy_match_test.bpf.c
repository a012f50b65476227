// SPDX-License-Identifier: GPL-2.0-only
/* Runs the in-kernel whitelist matcher (bpf/lib/policy_match.h) on one command the
 * test hands in, through BPF_PROG_TEST_RUN: the code the enforcement hooks run,
 * with the same verifier, judged against the userspace matcher on the same rules. */
#include "lib/policy_match.h"

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
	__u32 verdict;
	__s32 rule;
};

SEC("syscall")
int policy_match(struct policy_match_args *args)
{
	struct policy_scratch *s = policy_scratch_get();
	if (!s)
		return 1;
	if (args->path_len >= RW_FILENAME_LEN || args->args_len > RW_ARGS_MAX)
		return 2;
	bpf_probe_read_kernel(s->path, sizeof(s->path), args->path);
	bpf_probe_read_kernel(s->args, sizeof(s->args), args->args);
	s->path_len = args->path_len;
	s->args_len = args->args_len;
	s->argc = args->argc;
	s->truncated = args->truncated;
	s->uid = args->uid;
	s->half = args->half;
	policy_decide(s);
	args->verdict = s->verdict;
	args->rule = s->rule;
	return 0;
}

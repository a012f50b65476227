// SPDX-License-Identifier: GPL-2.0-only
/* Runs the file-watch path matchers (bpf/lib/path_match.h) in the kernel on a path
 * the test hands in, through BPF_PROG_TEST_RUN: the same code the sensor runs, with
 * the same verifier, without a syscall to trigger it. */
#include "lib/path_match.h"

char LICENSE[] SEC("license") = "GPL";

struct path_match_args {
	char path[RW_PATH_LEN];
	__s32 watched;
	__s32 noncanonical;
};

SEC("syscall")
int path_match(struct path_match_args *args)
{
	struct file_scratch *s = scratch();
	if (!s)
		return 1;
	__builtin_memset(s->buf, 0, sizeof(s->buf));
	if (bpf_probe_read_kernel_str(s->buf, RW_PATH_LEN, args->path) < 0)
		return 2;
	args->watched = path_is_watched();
	args->noncanonical = path_is_noncanonical(s);
	return 0;
}

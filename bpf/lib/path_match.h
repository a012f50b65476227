/* SPDX-License-Identifier: GPL-2.0-only */
/* Path matching for file-change monitoring: a path built in the per-CPU scratch
 * buffer against the watched prefixes, and the scan for "." / ".." / "//" parts.
 * Kept apart from the kernel-structure walks so a test object can run exactly
 * these helpers in the kernel (BPF_PROG_TEST_RUN, Tests/Fixtures/bpf/). Needs the
 * bpf_loop helper (5.17). */
#ifndef RW_LIB_PATH_MATCH_H
#define RW_LIB_PATH_MATCH_H

#include "lib/common.h"

#define RW_PATH_DEPTH 32 /* dentries walked up from a file; deeper paths are not reported */

/* An offset below RW_PATH_LEN the verifier can see as such: the asm keeps the
 * compiler from folding the mask into arithmetic the verifier cannot bound. */
static __always_inline __u64 path_off(__u64 pos)
{
	asm volatile("" : "+r"(pos));
	return pos & (RW_PATH_LEN - 1);
}

/* Watched paths, written by userspace before attach and on reload. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RW_FILE_WATCH_MAX);
	__type(key, __u32);
	__type(value, struct rw_file_watch);
} file_watch SEC(".maps");

/* Per-CPU room for building paths and the record (too big for the stack). The
 * path buffer is twice RW_PATH_LEN so a component copied at any offset below
 * RW_PATH_LEN stays inside it. */
struct file_scratch {
	char buf[2 * RW_PATH_LEN];
	const unsigned char *names[RW_PATH_DEPTH];
	struct rw_file_change ev;
	/* Loop counters live here, not in the bpf_loop context on the stack: the
	 * verifier tracks stack constants exactly and would explore every count. */
	__u32 n;    /* names collected */
	__u32 run;  /* characters of the current path component */
	__u32 dots; /* of which dots */
	__u32 pad;
	__u64 pos; /* bytes written to buf */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct file_scratch);
} file_scratch SEC(".maps");

static __always_inline struct file_scratch *scratch(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&file_scratch, &zero);
}

struct match_ctx {
	int matched;
};

/* One watched path against s->buf: equal, or s->buf lies below it. */
static long match_one(__u32 i, struct match_ctx *ctx)
{
	struct file_scratch *s = scratch();
	struct rw_file_watch *w = bpf_map_lookup_elem(&file_watch, &i);
	if (!s || !w)
		return 1;
	__u32 len = w->len;
	if (len == 0 || len >= RW_FILE_WATCH_LEN)
		return 0;
	for (__u32 k = 0; k < RW_FILE_WATCH_LEN; k++) {
		if (k == len) {
			char c = s->buf[k];
			if (c == 0 || c == '/') {
				ctx->matched = 1;
				return 1;
			}
			return 0;
		}
		if (s->buf[k] != w->path[k])
			return 0;
	}
	return 0;
}

static __always_inline int path_is_watched(void)
{
	struct match_ctx ctx = {};
	bpf_loop(RW_FILE_WATCH_MAX, match_one, &ctx, 0);
	return ctx.matched;
}

struct canon_ctx {
	int noncanonical;
};

/* One character of s->buf: a component that is "", "." or ".." ends at '/' or NUL. */
static long canon_step(__u32 i, struct canon_ctx *ctx)
{
	struct file_scratch *s = scratch();
	if (!s)
		return 1;
	char c = s->buf[i & (2 * RW_PATH_LEN - 1)];
	if (c == '/' || c == 0) {
		if (i > 0 && (s->run == 0 || (s->run == s->dots && s->dots <= 2))) {
			/* "" between two slashes, "." or ".."; a trailing slash alone is fine */
			if (!(c == 0 && s->run == 0)) {
				ctx->noncanonical = 1;
				return 1;
			}
		}
		s->run = 0;
		s->dots = 0;
		return c == 0;
	}
	s->run++;
	if (c == '.')
		s->dots++;
	return 0;
}

static __always_inline int path_is_noncanonical(struct file_scratch *s)
{
	struct canon_ctx ctx = {};
	s->run = 0;
	s->dots = 0;
	bpf_loop(RW_PATH_LEN, canon_step, &ctx, 0);
	return ctx.noncanonical;
}

#endif

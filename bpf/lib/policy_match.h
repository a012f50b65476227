/* SPDX-License-Identifier: GPL-2.0-only */
/* The whitelist's verdict in the kernel: the same decision as the userspace matcher
 * (Core's CompiledPolicy) on the same rules, which userspace compiles into the maps
 * below (Core's KernelPolicy). The executed path is normalised lexically ("//",
 * "/./", "/x/..") and its merged-/usr alias applied, then the rule with the highest
 * index that matches wins (sudo's last match): exact paths and directories by hash
 * lookup, ALL, command globs with FNM_PATHNAME, each with its argument check on
 * argv[1..] joined by spaces ("*" crossing spaces and slashes, "" for none). Globs
 * run as bit-parallel NFAs (struct rw_policy_glob), one byte per bpf_loop step, so
 * the verifier sees one small callback whatever the pattern. Kept apart from the
 * exec hooks so a test object runs exactly this code in the kernel
 * (BPF_PROG_TEST_RUN, Tests/Fixtures/bpf/policy_match_test.bpf.c). Needs bpf_loop
 * (5.17). */
#ifndef RW_LIB_POLICY_MATCH_H
#define RW_LIB_POLICY_MATCH_H

#include "lib/common.h"

#define RW_POLICY_DEPTH 64 /* path components kept while normalising; deeper is undecided */
#define RW_CANON_LEN	(2 * RW_FILENAME_LEN)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * RW_POLICY_RULES_MAX);
	__type(key, __u32);
	__type(value, struct rw_policy_rule);
} policy_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * RW_POLICY_GLOBS_MAX);
	__type(key, __u32);
	__type(value, struct rw_policy_glob);
} policy_globs SEC(".maps");

/* Exact paths and directories -> the rules naming them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * RW_POLICY_RULES_MAX);
	__type(key, struct rw_policy_key);
	__type(value, struct rw_policy_list);
} policy_paths SEC(".maps");

/* (half, watched uid) -> that user's set; a watched user without one may run nothing as root. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 512); /* per half: watched users, two per child profile, three more */
	__type(key, struct rw_policy_user);
	__type(value, struct rw_policy_set);
} policy_sets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, RW_POLICY_ALIASES);
	__type(key, __u32);
	__type(value, struct rw_policy_alias);
} policy_aliases SEC(".maps");

/* The query and every loop's state. Loop state lives here, not in a bpf_loop
 * context on the stack, where the verifier would track each count exactly. */
struct policy_scratch {
	/* Filled by the caller. */
	char path[RW_FILENAME_LEN]; /* the executed path, NUL-terminated */
	char args[RW_ARGS_MAX];	    /* argv as captured, NUL-separated */
	__u32 path_len;
	__u32 args_len;
	__u32 argc;	 /* the true count */
	__u32 truncated; /* argv longer than the capture: argument patterns cannot match */
	__u32 uid;	 /* the lineage's watched user, or a profile number (role) */
	__u32 role;	 /* enum rw_policy_role: which rule set judges */
	__u32 half;
	/* The answer. */
	__u32 verdict; /* enum rw_policy_verdict */
	__s32 rule;    /* the deciding rule, or -1 */
	/* Normalising. */
	char norm[RW_CANON_LEN];
	char canon[RW_CANON_LEN];
	__u16 starts[RW_POLICY_DEPTH];
	__u64 n;
	__u64 mark;
	__u32 depth;
	__u32 in_component;
	__u32 too_deep;
	__u32 canon_len;
	__s32 last_slash;
	__s32 alias; /* the alias slot norm starts with, or -1 */
	/* The argument string. */
	__u32 user_start;
	__u32 user_len;
	__u32 has_args;
	/* Matching. */
	struct rw_policy_key key;
	struct rw_policy_key dir;
	struct rw_policy_list exact;
	struct rw_policy_set set;
	__u32 exact_at; /* next entries of exact.rules and set.globs */
	__u32 glob_at;
	__s32 floor; /* best of ALL and directories: candidates at or below it cannot win */
	__s32 best;
	__s32 candidate; /* -1: none under way */
	__u32 phase;	 /* 0: the command glob over the path, 1: the argument pattern */
	__s32 glob;
	__u32 pos;
	__u32 done;
	__u32 undecided;
	__u64 states[RW_GLOB_WORDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct policy_scratch);
} policy_scratch SEC(".maps");

static __always_inline struct policy_scratch *policy_scratch_get(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&policy_scratch, &zero);
}

/* Offsets the verifier can bound (see path_off in lib/path_match.h for the asm). */
static __always_inline __u64 canon_off(__u64 pos)
{
	asm volatile("" : "+r"(pos));
	return pos & (RW_CANON_LEN - 1);
}

static __always_inline __u64 args_off(__u64 pos)
{
	asm volatile("" : "+r"(pos));
	return pos & (RW_ARGS_MAX - 1);
}

static __always_inline __u64 name_len(__u64 len)
{
	asm volatile("" : "+r"(len));
	return len & (RW_FILENAME_LEN - 1);
}

/* A size of at most RW_ARGS_MAX bytes (a whole capture). */
static __always_inline __u64 args_size(__u64 len)
{
	asm volatile("" : "+r"(len));
	len &= 2 * RW_ARGS_MAX - 1;
	return len > RW_ARGS_MAX ? RW_ARGS_MAX : len;
}

static __always_inline __u64 alias_len(__u64 len)
{
	asm volatile("" : "+r"(len));
	return len & (2 * RW_POLICY_ALIAS_LEN - 1);
}

/* A path component has ended at norm[n]: "." and "" go, ".." takes the one before
 * with it, anything else is kept (its start remembered for a later ".."). */
static __always_inline void end_component(struct policy_scratch *s)
{
	__u64 mark = s->mark;
	__u64 len = s->n - mark - 1;
	char a = s->norm[canon_off(mark + 1)];
	char b = s->norm[canon_off(mark + 2)];
	if (len == 1 && a == '.') {
		s->n = mark;
	} else if (len == 2 && a == '.' && b == '.') {
		s->n = 0;
		if (s->depth > 0) {
			s->depth--;
			s->n = s->starts[s->depth & (RW_POLICY_DEPTH - 1)];
		}
	} else if (s->depth < RW_POLICY_DEPTH) {
		s->starts[s->depth & (RW_POLICY_DEPTH - 1)] = mark;
		s->depth++;
	} else {
		s->too_deep = 1;
	}
	s->in_component = 0;
}

/* One byte of the absolute path (index path_len acts as a final '/'). */
static long normalise_step(__u32 i, void *unused)
{
	struct policy_scratch *s = policy_scratch_get();
	if (!s)
		return 1;
	char c = i < s->path_len ? s->path[i & (RW_FILENAME_LEN - 1)] : '/';
	if (c == '/') {
		if (s->in_component)
			end_component(s);
		return 0;
	}
	if (!s->in_component) {
		s->mark = s->n;
		s->norm[canon_off(s->n)] = '/';
		s->n++;
		s->in_component = 1;
	}
	s->norm[canon_off(s->n)] = c;
	s->n++;
	return 0;
}

/* norm := the path as the userspace matcher compares it (PathCanon.normalize):
 * absolute paths normalised, a trailing '/' kept; relative ones as they are. */
static __always_inline void normalise(struct policy_scratch *s)
{
	s->n = 0;
	s->depth = 0;
	s->in_component = 0;
	s->too_deep = 0;
	if (s->path[0] != '/') {
		bpf_probe_read_kernel(s->norm, name_len(s->path_len), s->path);
		s->n = name_len(s->path_len);
		s->last_slash = -1;
		return;
	}
	bpf_loop(s->path_len + 1, normalise_step, NULL, 0);
	if (s->n == 0) {
		s->norm[0] = '/';
		s->n = 1;
	}
	char last = s->path[(s->path_len - 1) & (RW_FILENAME_LEN - 1)];
	if (last == '/' && s->norm[canon_off(s->n - 1)] != '/') {
		s->norm[canon_off(s->n)] = '/';
		s->n++;
	}
	if (s->norm[canon_off(s->n - 1)] == '/')
		s->last_slash = s->n - 1;
	else
		s->last_slash = s->depth > 0 ? s->starts[(s->depth - 1) & (RW_POLICY_DEPTH - 1)] : 0;
}

/* Whether alias slot k is set and norm starts with it; the first such slot wins. */
static long alias_step(__u32 k, void *unused)
{
	struct policy_scratch *s = policy_scratch_get();
	struct rw_policy_alias *a = bpf_map_lookup_elem(&policy_aliases, &k);
	if (!s || !a)
		return 1;
	__u32 len = a->alias_len;
	if (len == 0 || len > RW_POLICY_ALIAS_LEN || a->target_len > RW_POLICY_ALIAS_LEN || len > s->n)
		return 0;
	/* Branch-free over the 16 bytes: a loop of branches here exceeds 6.1's jump limit. */
	__u32 diff = 0;
	for (__u32 j = 0; j < RW_POLICY_ALIAS_LEN; j++)
		diff |= (__u32)(unsigned char)(a->alias[j] ^ s->norm[j]) & (0u - (__u32)(j < len));
	if (diff)
		return 0;
	s->alias = k;
	return 1;
}

/* canon := norm with the first alias it starts with replaced by its target. */
static __always_inline void apply_alias(struct policy_scratch *s)
{
	__u32 drop = 0, put = 0;
	s->alias = -1;
	bpf_loop(RW_POLICY_ALIASES, alias_step, NULL, 0);
	__u32 k = s->alias;
	struct rw_policy_alias *hit = s->alias >= 0 ? bpf_map_lookup_elem(&policy_aliases, &k) : NULL;
	if (hit) {
		drop = hit->alias_len;
		put = hit->target_len;
		bpf_probe_read_kernel(s->canon, alias_len(put), hit->target);
	}
	__u64 tail = s->n - drop;
	bpf_probe_read_kernel(s->canon + alias_len(put), name_len(tail), s->norm + alias_len(drop));
	s->canon_len = put + tail;
	if (s->last_slash >= 0)
		s->last_slash = s->last_slash - drop + put;
}

/* argv[1..] as sudo's user_args: after the first NUL, less one trailing NUL. */
struct first_nul {
	__s64 at;
};

static long find_nul_step(__u32 i, struct first_nul *ctx)
{
	struct policy_scratch *s = policy_scratch_get();
	if (!s)
		return 1;
	if (s->args[args_off(i)] == 0) {
		ctx->at = i;
		return 1;
	}
	return 0;
}

static __always_inline void split_args(struct policy_scratch *s)
{
	s->has_args = 0;
	s->user_start = 0;
	s->user_len = 0;
	__u32 len = s->args_len;
	if (s->argc <= 1 || len == 0 || len > RW_ARGS_MAX)
		return;
	struct first_nul nul = {.at = -1};
	bpf_loop(len, find_nul_step, &nul, 0);
	if (nul.at < 0)
		return;
	__u32 start = nul.at + 1;
	__u32 end = len;
	if (end > start && s->args[args_off(end - 1)] == 0)
		end--;
	s->user_start = start;
	s->user_len = end > start ? end - start : 0;
	s->has_args = 1;
}

static __always_inline void reset_states(struct policy_scratch *s)
{
	s->states[0] = 1;
	for (int w = 1; w < RW_GLOB_WORDS; w++)
		s->states[w] = 0;
}

/* The candidate's path matched: its argument check, decided at once (any, none)
 * or by the argument pattern's NFA from the next step. */
static __always_inline void start_arguments(struct policy_scratch *s, struct rw_policy_rule *rule)
{
	s->phase = 1;
	s->pos = 0;
	reset_states(s);
	s->glob = rule->args_glob;
	if (rule->args == RW_POLICY_ARGS_ANY || (rule->args == RW_POLICY_ARGS_NONE && !s->has_args)) {
		s->best = s->candidate;
		s->done = 1;
	} else if (rule->args != RW_POLICY_ARGS_PATTERN || s->truncated) {
		s->candidate = -1; /* what was cut off cannot be checked */
	}
}

/* The next candidate, highest first, of the exact path's rules and the command
 * globs; none left above the floor ends the search. */
static __always_inline void next_candidate(struct policy_scratch *s)
{
	s->candidate = -1;
	__s64 e = s->exact_at < s->exact.count && s->exact_at < RW_POLICY_LIST_MAX
			  ? (__s64)s->exact.rules[s->exact_at & (RW_POLICY_LIST_MAX - 1)]
			  : -1;
	__s64 g = s->glob_at < s->set.glob_count && s->glob_at < RW_POLICY_SET_GLOBS
			  ? (__s64)s->set.globs[s->glob_at & (RW_POLICY_SET_GLOBS - 1)]
			  : -1;
	__s64 r;
	int is_glob = g > e;
	if (is_glob) {
		r = g;
		s->glob_at++;
	} else {
		r = e;
		s->exact_at++;
	}
	if (r < 0 || r <= s->floor) {
		s->done = 1;
		return;
	}
	__u32 index = r;
	struct rw_policy_rule *rule = bpf_map_lookup_elem(&policy_rules, &index);
	if (!rule || rule->undecidable) {
		s->undecided = 1;
		s->done = 1;
		return;
	}
	s->candidate = r;
	s->pos = 0;
	reset_states(s);
	if (is_glob) {
		s->phase = 0;
		s->glob = rule->command_glob;
		return;
	}
	start_arguments(s, rule); /* an exact path: only the arguments are left to check */
}

/* The command glob matched: check the candidate's arguments, as for an exact path. */
static __always_inline void command_matched(struct policy_scratch *s)
{
	__u32 index = s->candidate;
	struct rw_policy_rule *rule = bpf_map_lookup_elem(&policy_rules, &index);
	if (!rule) {
		s->candidate = -1;
		return;
	}
	start_arguments(s, rule);
}

/* One step of the search: pick a candidate, or feed its NFA one byte, or judge
 * the NFA at the end of its subject. */
static long match_step(__u32 i, void *unused)
{
	struct policy_scratch *s = policy_scratch_get();
	if (!s || s->done)
		return 1;
	if (s->candidate < 0) {
		next_candidate(s);
		return s->done ? 1 : 0;
	}
	__u32 index = s->glob;
	struct rw_policy_glob *g = bpf_map_lookup_elem(&policy_globs, &index);
	if (!g) {
		s->candidate = -1;
		return 0;
	}
	__u32 len = s->phase == 0 ? s->canon_len : s->user_len;
	if (s->pos >= len) {
		__u32 f = g->final_state & (RW_GLOB_STATES - 1);
		int accepted = (s->states[f >> 6 & (RW_GLOB_WORDS - 1)] >> (f & 63)) & 1;
		if (!accepted)
			s->candidate = -1;
		else if (s->phase == 0)
			command_matched(s);
		else {
			s->best = s->candidate;
			s->done = 1;
		}
		return s->done ? 1 : 0;
	}
	unsigned char c;
	if (s->phase == 0) {
		c = s->canon[canon_off(s->pos)];
	} else {
		c = s->args[args_off(s->user_start + s->pos)];
		if (c == 0)
			c = ' '; /* raw argv read as sudo's space-joined string */
	}
	__u32 k = g->byte_class[c] & (RW_GLOB_CLASSES - 1);
	int stars = !(g->pathname && c == '/');
	__u64 carry = 0, live = 0;
	/* Shift-And over the words, low first; each word's top bit carries into the next. */
	for (int w = 0; w < RW_GLOB_WORDS; w++) {
		__u64 d = s->states[w];
		__u64 n = ((d << 1) | carry) & g->accept[k][w];
		if (stars)
			n |= d & g->star[w];
		carry = d >> 63;
		s->states[w] = n;
		live |= n;
	}
	s->pos++;
	if (!live)
		s->candidate = -1;
	return 0;
}

/* Steps enough for every candidate's path and argument string, with room. */
#define RW_POLICY_STEPS (1u << 20)

/* The verdict for s->path, s->args (filled by the caller) by the rule set of
 * (s->role, s->uid) in policy half s->half, into s->verdict and s->rule. */
static __always_inline void policy_decide(struct policy_scratch *s)
{
	s->verdict = RW_VERDICT_DENIED;
	s->rule = -1;
	s->best = -1;
	s->floor = -1;
	s->undecided = 0;
	s->done = 0;
	s->candidate = -1;
	s->exact_at = 0;
	s->glob_at = 0;
	s->exact.count = 0;
	s->exact.overflow = 0;

	struct rw_policy_user user = {.half = s->half, .uid = s->uid, .role = s->role};
	struct rw_policy_set *set = bpf_map_lookup_elem(&policy_sets, &user);
	if (!set)
		return; /* a watched user without rules may run nothing as root */
	bpf_probe_read_kernel(&s->set, sizeof(s->set), set);
	if (s->set.overflow) {
		s->verdict = RW_VERDICT_UNDECIDED; /* more rules than the kernel's tables hold */
		return;
	}
	if (s->path_len == 0 || s->path_len >= RW_FILENAME_LEN) {
		s->verdict = RW_VERDICT_UNDECIDED;
		return;
	}
	normalise(s);
	apply_alias(s);
	if (s->too_deep || s->canon_len >= RW_FILENAME_LEN) {
		s->verdict = RW_VERDICT_UNDECIDED;
		return;
	}
	split_args(s);
	s->floor = s->set.all_rule;

	if (s->last_slash >= 0) {
		__builtin_memset(&s->key, 0, sizeof(s->key));
		s->key.set = s->set.set;
		s->key.len = s->canon_len;
		bpf_probe_read_kernel(s->key.path, name_len(s->canon_len), s->canon);
		/* Exact paths never end in '/' (that is a directory rule's key). */
		struct rw_policy_list *list = NULL;
		if (s->canon[canon_off(s->canon_len - 1)] != '/')
			list = bpf_map_lookup_elem(&policy_paths, &s->key);
		if (list)
			bpf_probe_read_kernel(&s->exact, sizeof(s->exact), list);
		if (s->exact.overflow) {
			s->verdict = RW_VERDICT_UNDECIDED;
			return;
		}
		/* A directory rule: the path's directory, with a name below it. */
		__u32 dir_len = s->last_slash + 1;
		if (dir_len < s->canon_len) {
			__builtin_memset(&s->dir, 0, sizeof(s->dir));
			s->dir.set = s->set.set;
			s->dir.len = dir_len;
			bpf_probe_read_kernel(s->dir.path, name_len(dir_len), s->canon);
			struct rw_policy_list *dirs = bpf_map_lookup_elem(&policy_paths, &s->dir);
			if (dirs && dirs->count > 0 && (__s32)dirs->rules[0] > s->floor)
				s->floor = dirs->rules[0];
		}
	} else {
		s->set.glob_count = 0; /* a relative path: only ALL can match */
	}

	bpf_loop(RW_POLICY_STEPS, match_step, NULL, 0);
	if (s->undecided || !s->done) {
		s->verdict = RW_VERDICT_UNDECIDED;
		return;
	}
	s->rule = s->best > s->floor ? s->best : s->floor;
	if (s->rule < 0)
		return;
	__u32 index = s->rule;
	struct rw_policy_rule *rule = bpf_map_lookup_elem(&policy_rules, &index);
	if (!rule) {
		s->verdict = RW_VERDICT_UNDECIDED;
		return;
	}
	if (!rule->negated)
		s->verdict = RW_VERDICT_ALLOWED;
}

#endif

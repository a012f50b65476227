/* SPDX-License-Identifier: Apache-2.0 */
/* See include/rw_bpf_test.h. */
#include "rw_bpf_test.h"
#include "events.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct path_match_args {
	char path[RW_PATH_LEN];
	int32_t watched;
	int32_t noncanonical;
};

static int failed(int rc, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, strerror(rc < 0 ? -rc : rc));
	return rc < 0 ? rc : -rc;
}

int rw_test_path_match(const void *object, size_t object_size, const char *const *watched, size_t nwatched,
		       const char *const *paths, size_t npaths, int32_t *watched_out, int32_t *noncanonical_out,
		       char *err, size_t errlen)
{
	struct bpf_object *obj = bpf_object__open_mem(object, object_size, NULL);
	if (!obj)
		return failed(-errno, "opening the path-match object", err, errlen);
	int rc = bpf_object__load(obj);
	if (rc) {
		bpf_object__close(obj);
		return failed(rc, "loading the path-match object", err, errlen);
	}
	struct bpf_map *map = bpf_object__find_map_by_name(obj, "file_watch");
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "path_match");
	if (!map || !prog) {
		bpf_object__close(obj);
		return failed(-ENOENT, "path-match object lacks file_watch or path_match", err, errlen);
	}
	for (uint32_t i = 0; i < nwatched && i < RW_FILE_WATCH_MAX; i++) {
		struct rw_file_watch w;
		memset(&w, 0, sizeof(w));
		size_t len = strlen(watched[i]);
		if (len >= RW_FILE_WATCH_LEN) {
			bpf_object__close(obj);
			return failed(-ENAMETOOLONG, "watched path", err, errlen);
		}
		memcpy(w.path, watched[i], len);
		w.len = (uint32_t)len;
		if (bpf_map__update_elem(map, &i, sizeof(i), &w, sizeof(w), BPF_ANY)) {
			rc = -errno;
			bpf_object__close(obj);
			return failed(rc, "writing file_watch", err, errlen);
		}
	}
	for (size_t i = 0; i < npaths; i++) {
		struct path_match_args args;
		memset(&args, 0, sizeof(args));
		snprintf(args.path, sizeof(args.path), "%s", paths[i]);
		/* A syscall program's context is copied back into ctx_in (ctx_out must be unset). */
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
		rc = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
		if (rc || opts.retval != 0) {
			rc = rc ? -errno : -EIO;
			bpf_object__close(obj);
			return failed(rc, "running path_match", err, errlen);
		}
		watched_out[i] = args.watched;
		noncanonical_out[i] = args.noncanonical;
	}
	bpf_object__close(obj);
	return 0;
}

struct rw_test_object {
	struct bpf_object *obj;
};

int rw_test_object_load(const void *object, size_t object_size, struct rw_test_object **out, char *err, size_t errlen)
{
	*out = NULL;
	struct bpf_object *obj = bpf_object__open_mem(object, object_size, NULL);
	if (!obj)
		return failed(-errno, "opening the test object", err, errlen);
	int rc = bpf_object__load(obj);
	if (rc) {
		bpf_object__close(obj);
		return failed(rc, "loading the test object", err, errlen);
	}
	struct rw_test_object *o = calloc(1, sizeof(*o));
	if (!o) {
		bpf_object__close(obj);
		return failed(-ENOMEM, "allocating", err, errlen);
	}
	o->obj = obj;
	*out = o;
	return 0;
}

int rw_test_map_update(struct rw_test_object *o, const char *map, const void *key, size_t key_size, const void *value,
		       size_t value_size, char *err, size_t errlen)
{
	struct bpf_map *m = bpf_object__find_map_by_name(o->obj, map);
	if (!m)
		return failed(-ENOENT, map, err, errlen);
	if (bpf_map__update_elem(m, key, key_size, value, value_size, BPF_ANY))
		return failed(-errno, map, err, errlen);
	return 0;
}

/* The context of Tests/Fixtures/bpf/policy_match_test.bpf.c. */
struct policy_match_args {
	char path[RW_FILENAME_LEN];
	char args[RW_ARGS_MAX];
	uint32_t path_len;
	uint32_t args_len;
	uint32_t argc;
	uint32_t truncated;
	uint32_t uid;
	uint32_t half;
	uint32_t mode;
	uint32_t profiles;
	uint32_t unsure;
	uint32_t child_class;
	uint32_t verdict;
	int32_t rule;
};

static int run_policy_match(struct rw_test_object *o, struct policy_match_args *a, char *err, size_t errlen)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(o->obj, "policy_match");
	if (!prog)
		return failed(-ENOENT, "policy_match program", err, errlen);
	/* A syscall program's context is copied back into ctx_in. */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = a, .ctx_size_in = sizeof(*a));
	int rc = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (rc || opts.retval != 0)
		return failed(rc ? -errno : -EIO, "running policy_match", err, errlen);
	return 0;
}

/* The fixture's context for one command: static, 4 KiB and more is not for the stack. */
static struct policy_match_args *command_args(const char *path, uint32_t path_len, const char *args, uint32_t args_len,
					      uint32_t argc, uint32_t half)
{
	static struct policy_match_args a;
	memset(&a, 0, sizeof(a));
	memcpy(a.path, path, path_len);
	memcpy(a.args, args, args_len);
	a.path_len = path_len;
	a.args_len = args_len;
	a.argc = argc;
	a.half = half;
	return &a;
}

int rw_test_policy_match(struct rw_test_object *o, const char *path, uint32_t path_len, const char *args,
			 uint32_t args_len, uint32_t argc, uint32_t truncated, uint32_t uid, uint32_t half,
			 uint32_t *verdict, int32_t *rule, char *err, size_t errlen)
{
	if (path_len >= RW_FILENAME_LEN || args_len > RW_ARGS_MAX)
		return failed(-E2BIG, "policy_match input", err, errlen);
	struct policy_match_args *a = command_args(path, path_len, args, args_len, argc, half);
	a->truncated = truncated;
	a->uid = uid;
	int rc = run_policy_match(o, a, err, errlen);
	if (rc)
		return rc;
	*verdict = a->verdict;
	*rule = a->rule;
	return 0;
}

int rw_test_entry_profiles(struct rw_test_object *o, const char *path, uint32_t path_len, const char *args,
			   uint32_t args_len, uint32_t argc, uint32_t half, uint32_t *profiles, uint32_t *unsure,
			   char *err, size_t errlen)
{
	if (path_len >= RW_FILENAME_LEN || args_len > RW_ARGS_MAX)
		return failed(-E2BIG, "policy_match input", err, errlen);
	struct policy_match_args *a = command_args(path, path_len, args, args_len, argc, half);
	a->mode = 1;
	int rc = run_policy_match(o, a, err, errlen);
	if (rc)
		return rc;
	*profiles = a->profiles;
	*unsure = a->unsure;
	return 0;
}

int rw_test_child_verdict(struct rw_test_object *o, const char *path, uint32_t path_len, const char *args,
			  uint32_t args_len, uint32_t argc, uint32_t half, uint32_t profiles, uint32_t unsure,
			  uint32_t *verdict, uint32_t *child_class, char *err, size_t errlen)
{
	if (path_len >= RW_FILENAME_LEN || args_len > RW_ARGS_MAX)
		return failed(-E2BIG, "policy_match input", err, errlen);
	struct policy_match_args *a = command_args(path, path_len, args, args_len, argc, half);
	a->mode = 2;
	a->profiles = profiles;
	a->unsure = unsure;
	int rc = run_policy_match(o, a, err, errlen);
	if (rc)
		return rc;
	*verdict = a->verdict;
	*child_class = a->child_class;
	return 0;
}

void rw_test_object_close(struct rw_test_object *o)
{
	if (!o)
		return;
	bpf_object__close(o->obj);
	free(o);
}

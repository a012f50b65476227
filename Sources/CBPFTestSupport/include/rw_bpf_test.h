/* SPDX-License-Identifier: Apache-2.0 */
/* Test support: runs BPF helpers of the sensor in the kernel with BPF_PROG_TEST_RUN.
 * Linked into the test targets only, never into rigwatch. */
#ifndef RIGWATCH_RW_BPF_TEST_H
#define RIGWATCH_RW_BPF_TEST_H

#include <stddef.h>
#include <stdint.h>

/* Loads the path-match test object (object bytes), writes `watched` (nwatched
 * absolute paths) into its file_watch map, and runs its `path_match` program once
 * per path. watched_out[i] and noncanonical_out[i] get the matchers' verdicts.
 * Returns 0 or a negative errno with a reason in err. */
int rw_test_path_match(const void *object, size_t object_size, const char *const *watched, size_t nwatched,
		       const char *const *paths, size_t npaths, int32_t *watched_out, int32_t *noncanonical_out,
		       char *err, size_t errlen);

/* A BPF object loaded for a test: maps written by name, programs run by name. */
struct rw_test_object;

int rw_test_object_load(const void *object, size_t object_size, struct rw_test_object **out, char *err, size_t errlen);
/* Writes one entry of the named map (BPF_ANY). */
int rw_test_map_update(struct rw_test_object *o, const char *map, const void *key, size_t key_size, const void *value,
		       size_t value_size, char *err, size_t errlen);
/* Runs the policy-match test object's program on one command: path (path_len bytes),
 * args (argv as captured, args_len bytes), the true argc, truncated (argv cut), the
 * lineage's uid and the policy half. *verdict gets enum rw_policy_verdict, *rule the
 * deciding rule or -1. */
int rw_test_policy_match(struct rw_test_object *o, const char *path, uint32_t path_len, const char *args,
			 uint32_t args_len, uint32_t argc, uint32_t truncated, uint32_t uid, uint32_t half,
			 uint32_t *verdict, int32_t *rule, char *err, size_t errlen);
/* The child profiles (a bit each) an allowed entry gets, and whether one could not be
 * decided (bpf/lib/child_profile.h entry_profiles). */
int rw_test_entry_profiles(struct rw_test_object *o, const char *path, uint32_t path_len, const char *args,
			   uint32_t args_len, uint32_t argc, uint32_t half, uint32_t *profiles, uint32_t *unsure,
			   char *err, size_t errlen);
/* The verdict on a root exec below an allowed entry with those profiles, and its
 * enum rw_child_class (bpf/lib/child_profile.h child_verdict). */
int rw_test_child_verdict(struct rw_test_object *o, const char *path, uint32_t path_len, const char *args,
			  uint32_t args_len, uint32_t argc, uint32_t half, uint32_t profiles, uint32_t unsure,
			  uint32_t *verdict, uint32_t *child_class, char *err, size_t errlen);
void rw_test_object_close(struct rw_test_object *o);

#endif

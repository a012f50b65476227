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

#endif

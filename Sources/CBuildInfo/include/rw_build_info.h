/* SPDX-License-Identifier: Apache-2.0 */
/* What this binary was built from, for `rigwatch --version`. */
#ifndef RIGWATCH_RW_BUILD_INFO_H
#define RIGWATCH_RW_BUILD_INFO_H

#ifdef __cplusplus
extern "C" {
#endif

/* The git commit the binary was built from (12 hex digits, "-dirty" when tracked files
 * had changes), or "unknown" for a build without `make` or from a tree without .git. */
const char *rw_build_commit(void);

#ifdef __cplusplus
}
#endif

#endif

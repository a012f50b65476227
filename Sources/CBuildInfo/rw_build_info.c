/* SPDX-License-Identifier: Apache-2.0 */
#include "rw_build_info.h"

/* The default, weak: the Makefile generates generated/rw_build_commit.c with a strong
 * definition naming the commit (`make build-info`). A plain `swift build` without it
 * still links, and says "unknown" rather than a commit it cannot know. A new source file
 * is picked up by SwiftPM's next build, where a header found by __has_include would not
 * be noticed once the file was compiled without it. */
__attribute__((weak)) const char *rw_build_commit(void)
{
	return "unknown";
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The layout of the kernel records (events.h) as the C compiler sees it, for
 * the Swift tests: every field of every record struct Swift reads, with its
 * offsetof and sizeof, so a Swift offset that disagrees with C, or a C field
 * that Swift does not account for, is a test failure rather than a misread. */
#ifndef RIGWATCH_ABI_LAYOUT_H
#define RIGWATCH_ABI_LAYOUT_H

#include <stddef.h>

struct rw_abi_field {
	const char *name; /* "struct.field", e.g. "rw_exec.flags" */
	size_t offset;	  /* offsetof */
	size_t size;	  /* sizeof the field */
};

struct rw_abi_struct {
	const char *name; /* "rw_exec" */
	size_t size;	  /* sizeof */
};

/* The fields, grouped by struct in declaration order; *count is set to their number. */
const struct rw_abi_field *rw_abi_fields(size_t *count);

/* The structs the fields belong to. */
const struct rw_abi_struct *rw_abi_structs(size_t *count);

#endif /* RIGWATCH_ABI_LAYOUT_H */

/* SPDX-License-Identifier: Apache-2.0 */
/* Counts heap allocations of the whole process, for benchmarks only: this
 * target defines malloc and friends, forwarding to glibc's __libc_* entry
 * points. Link it into benchmark executables, never into rigwatch. */
#ifndef RIGWATCH_ALLOC_COUNTER_H
#define RIGWATCH_ALLOC_COUNTER_H
#include <stdint.h>

/* Allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) since start. */
uint64_t rw_alloc_count(void);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* See include/alloc_counter.h. */
#define _GNU_SOURCE
#include "alloc_counter.h"

#include <errno.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static uint64_t allocations;

uint64_t rw_alloc_count(void)
{
	return __atomic_load_n(&allocations, __ATOMIC_RELAXED);
}

static inline void count(void)
{
	__atomic_fetch_add(&allocations, 1, __ATOMIC_RELAXED);
}

void *malloc(size_t size)
{
	count();
	return __libc_malloc(size);
}
void *calloc(size_t n, size_t size)
{
	count();
	return __libc_calloc(n, size);
}
void *realloc(void *p, size_t size)
{
	count();
	return __libc_realloc(p, size);
}
void *memalign(size_t alignment, size_t size)
{
	count();
	return __libc_memalign(alignment, size);
}
void *aligned_alloc(size_t alignment, size_t size)
{
	count();
	return __libc_memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
	count();
	void *p = __libc_memalign(alignment, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* What the loader (rw_bpf.c) and the kernel probes (rw_probe.c) both need from
 * libbpf: its log captured while they work, and an object's program list. */
#ifndef RIGWATCH_RW_LIBBPF_UTIL_H
#define RIGWATCH_RW_LIBBPF_UTIL_H

#include <bpf/libbpf.h>
#include <stddef.h>

/* libbpf reports through one global print callback: this installs a capture of its
 * warnings (debug lines dropped) into a cleared buffer and returns the callback it
 * replaced. When the buffer fills, keep_newest keeps the newest half (a verifier's
 * verdict is at the end of its log), else the first lines (they say why). */
libbpf_print_fn_t rw_log_capture(int keep_newest);
/* What was captured since, NUL-terminated. */
const char *rw_log_text(size_t *len);

/* The programs of obj as "name\tsection\n" lines into out, NUL-terminated. Returns
 * their number, or -ENOSPC when out is too small. */
int rw_list_programs(struct bpf_object *obj, char *out, size_t outlen);

#endif

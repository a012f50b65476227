/* SPDX-License-Identifier: Apache-2.0 */
/* The bpffs side of the sensor's pinned state (rw_bpf.c decides what to adopt):
 * paths, the pin_state record, map compatibility, link pins, removal, and the
 * facts a decision needs (is the owner alive, how much is unread). Layout of a
 * pin directory:
 *
 *   <dir>/<map>                 every map of the object but libbpf's internal ones
 *   <dir>/links-<generation>/<program>   the links of one program set
 *
 * Functions that fail return a negative errno; "why" buffers get a short reason. */
#ifndef RIGWATCH_RW_PIN_H
#define RIGWATCH_RW_PIN_H

#include "events.h"

#include <bpf/libbpf.h>
#include <stddef.h>
#include <stdint.h>

#define RW_PIN_NAME_LEN 64

/* dir/name into out; -ENAMETOOLONG when it does not fit. */
int rw_pin_path(char *out, size_t outlen, const char *dir, const char *name);
/* dir/links-<generation> into out. */
int rw_pin_links_dir(char *out, size_t outlen, const char *dir, uint32_t generation);
/* Creates dir and its missing parents (each on bpffs). */
int rw_pin_mkdir(const char *dir);

/* Reads dir/pin_state: 1 read, 0 absent, negative when it is there but unusable
 * (not an array of one rw_pin_state: why says what it is). */
int rw_pin_read_state(const char *dir, struct rw_pin_state *out, char *why, size_t whylen);
int rw_pin_write_state(int fd, const struct rw_pin_state *state);

/* Whether the map pinned at path can serve map (type, key and value sizes, entries,
 * flags as libbpf's reuse requires): 1 yes, 0 nothing pinned there, -1 no (why). */
int rw_pin_map_compatible(const char *path, const struct bpf_map *map, char *why, size_t whylen);

/* The names pinned in a links directory, at most max; returns how many, or a negative errno. */
int rw_pin_list(const char *dir, char names[][RW_PIN_NAME_LEN], int max);
/* Whether the link pinned at path is still attached: 1 yes, 0 detached, negative errno. */
int rw_pin_link_attached(const char *path);
/* Whether the link open as fd is still attached (see rw_pin_link_attached). */
int rw_link_fd_attached(int fd);

/* Removes everything pinned under dir (maps, link directories); the directory itself
 * too when remove_dir. Objects whose last reference was the pin are released: links
 * detach their programs. Returns the number of pins removed or a negative errno. */
int rw_pin_remove_tree(const char *dir, int remove_dir);

/* Start time of process pid (/proc/PID/stat field 22), 0 when it does not exist. */
uint64_t rw_process_start(uint32_t pid);
/* The sensor recorded in state is a running process other than this one. */
int rw_pin_owner_alive(const struct rw_pin_state *state);

/* Bytes written to the ring buffer map fd and not yet consumed. */
uint64_t rw_ring_unread(int fd);

/* 64-bit FNV-1a, continued from h (start with RW_FNV_OFFSET). */
#define RW_FNV_OFFSET 0xcbf29ce484222325ull
uint64_t rw_fnv(uint64_t h, const void *data, size_t len);

#endif

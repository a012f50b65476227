/* SPDX-License-Identifier: Apache-2.0 */
/* C glue between libbpf and the Swift BPF source: open, load and attach the
 * embedded sensor object, poll its ring buffer, read and write its maps.
 * Every function that can fail returns 0 or a negative errno and writes a
 * human-readable reason (libbpf's own log, verifier output included) to err. */
#ifndef RIGWATCH_RW_BPF_H
#define RIGWATCH_RW_BPF_H

#include <stddef.h>
#include <stdint.h>

struct rw_sensor;

struct rw_sensor_config {
	uint32_t ring_buffer_bytes; /* power of two, multiple of the page size; 0 = default */
	uint32_t args_cap;	    /* argv capture in bytes (<= RW_ARGS_MAX); 0 = default */
	uint64_t wakeup_bytes;	    /* wake the consumer once this much is queued; 0 = every record */
	const char *btf_path;	    /* kernel BTF for CO-RE; NULL = /sys/kernel/btf/vmlinux */
	const void *object;	    /* BPF ELF object to load; NULL = the embedded sensor */
	size_t object_size;
	const char *cgroup_path; /* cgroup v2 root for the cgroup hooks; NULL = leave them out */
	uint32_t self_tgid;	 /* the sensor's pid, for tamper signals; 0 = not reported */
	/* Names of the programs to load and attach (the feature plan), NULL-terminated;
	 * NULL = every program of the object. A name the object lacks is an error. */
	const char *const *programs;
};

/* The programs of a BPF object (NULL = the embedded sensor) as "name\tsection\n"
 * lines into out, NUL-terminated. Returns the number of programs or a negative errno. */
int rw_object_programs(const void *object, size_t object_size, char *out, size_t outlen);

/* Called for each ring-buffer record, in place: the bytes are valid only during the call.
 * Return 0 to continue, non-zero to stop the current poll. */
typedef int (*rw_record_fn)(void *ctx, const void *data, size_t size);

/* Open and load (verify) the programs. On failure *out is NULL. */
int rw_sensor_open(const struct rw_sensor_config *cfg, struct rw_sensor **out, char *err, size_t errlen);
/* Watched uids must be set before attach so no early event misses its lineage. */
int rw_sensor_watch_uid(struct rw_sensor *s, uint32_t uid, char *err, size_t errlen);
int rw_sensor_attach(struct rw_sensor *s, rw_record_fn fn, void *ctx, char *err, size_t errlen);
/* Record that process tgid descends from watched uid origin (seeding from /proc). Keeps an existing entry. */
int rw_sensor_seed_lineage(struct rw_sensor *s, uint32_t tgid, uint32_t origin);
/* Lineage origin recorded for tgid, or RW_NO_LINEAGE. */
uint32_t rw_sensor_lineage_of(struct rw_sensor *s, uint32_t tgid);
/* Wait up to timeout_ms for a wakeup, then consume everything queued (records below
 * the wakeup threshold arrive without one). Returns records consumed or a negative errno. */
int rw_sensor_poll(struct rw_sensor *s, int timeout_ms);
/* Reads and deletes every entry of the in-kernel byte map and hands each to the
 * record callback as a struct rw_net_bytes record stamped now_ns (boot clock).
 * Returns the number of entries, or a negative errno. */
int rw_sensor_net_snapshot(struct rw_sensor *s, uint64_t now_ns);
/* Sum over CPUs of failed ring-buffer reservations since load. */
int rw_sensor_drops(struct rw_sensor *s, uint64_t *out);
/* Number of attached programs (links). */
int rw_sensor_attached_count(struct rw_sensor *s);
/* Whether link `index` (0 ..< attached count) is still attached: 1 yes, 0 detached by
 * someone (e.g. bpftool link detach), or a negative errno. Writes its program's name. */
int rw_sensor_link_status(struct rw_sensor *s, int index, char *name, size_t namelen);
/* Keys of the watched_uids map as the kernel holds them now; returns how many
 * (at most max are written) or a negative errno. */
int rw_sensor_watched_uid_list(struct rw_sensor *s, uint32_t *out, int max);
/* Sets watched path slot index (< RW_FILE_WATCH_MAX); NULL or "" clears it. */
int rw_sensor_set_file_watch(struct rw_sensor *s, uint32_t index, const char *path);
/* Reads slot index into out (NUL-terminated); returns its length or a negative errno. */
int rw_sensor_file_watch(struct rw_sensor *s, uint32_t index, char *out, size_t outlen);
/* Adds (present != 0) or removes a thread id of the sensor in self_tids. */
int rw_sensor_set_self_tid(struct rw_sensor *s, uint32_t tid, int present);
/* 1 when tid is in self_tids, 0 when not, or a negative errno. */
int rw_sensor_has_self_tid(struct rw_sensor *s, uint32_t tid);
/* Detach all programs and free maps and the object. NULL is allowed. */
/* Detaches every program; the ring buffer and maps stay, so what the programs
 * wrote until then can still be polled. */
void rw_sensor_detach(struct rw_sensor *s);
void rw_sensor_destroy(struct rw_sensor *s);

/* The libbpf version this binary was built against, as "major.minor". */
const char *rw_libbpf_version(void);

#endif

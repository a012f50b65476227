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
	/* Names of the programs to load and attach (the feature plan), NULL-terminated;
	 * NULL = every program of the object. A name the object lacks is an error. */
	const char *const *programs;
	/* A bpffs directory to keep the maps and links in, so the kernel goes on
	 * recording while no sensor runs and the next one adopts them (see
	 * rw_sensor_pin_report); NULL = nothing pinned. The embedded sensor only. */
	const char *pin_dir;
};

/* What rw_sensor_open found in the pin directory and did with it. */
enum rw_pin_mode {
	RW_PIN_OFF = 0,	     /* nothing pinned */
	RW_PIN_FRESH = 1,    /* nothing (usable) was pinned: a new set, pinned at attach */
	RW_PIN_ADOPTED = 2,  /* the pinned set was this very program set: its maps and links taken over */
	RW_PIN_HANDOVER = 3, /* the pinned maps taken over; new programs replace the pinned ones at attach */
};

struct rw_pin_report {
	int mode;		 /* enum rw_pin_mode */
	uint32_t generation;	 /* of the program set now recording */
	uint64_t unread_bytes;	 /* in the ring buffer(s) taken over: what was recorded while no one read */
	uint64_t reported_drops; /* the drops counter as the previous sensors reported it */
	char note[2048];	 /* what was found and done (replacements and why), lines; may be empty */
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
/* Writes (BPF_ANY) or deletes one entry of the map named `map` (the policy and
 * enforcement maps, written whole by userspace). -ENOENT: the object has no such map.
 * Deleting an absent key succeeds. */
int rw_sensor_map_update(struct rw_sensor *s, const char *map, const void *key, size_t key_size, const void *value,
			 size_t value_size);
int rw_sensor_map_delete(struct rw_sensor *s, const char *map, const void *key, size_t key_size);
int rw_sensor_map_lookup(struct rw_sensor *s, const char *map, const void *key, size_t key_size, void *value,
			 size_t value_size);
/* Removes one policy half's keys from policy_paths and policy_sets (before it is
 * written again). Returns how many were removed or a negative errno. */
int rw_sensor_policy_clear_half(struct rw_sensor *s, uint32_t half);
/* The kernel's run-time statistics of a loaded program (kernel.bpf_stats_enabled=1
 * makes it count): total ns and runs. -ENOENT: no such loaded program. */
int rw_sensor_prog_stats(struct rw_sensor *s, const char *name, uint64_t *run_time_ns, uint64_t *run_count);
/* 1 when tid is in self_tids, 0 when not, or a negative errno. */
int rw_sensor_has_self_tid(struct rw_sensor *s, uint32_t tid);
/* Removes every watched uid but the n in keep (after writing those: no moment
 * watches no one). Returns how many were removed or a negative errno. */
int rw_sensor_unwatch_others(struct rw_sensor *s, const uint32_t *keep, int n);
/* Empties self_tids (a pinned set names the previous sensor's threads). */
int rw_sensor_clear_self_tids(struct rw_sensor *s);
int rw_sensor_pin_report(struct rw_sensor *s, struct rw_pin_report *out);
/* Notes in the pinned state that the drops counter was reported up to total. */
int rw_sensor_set_reported_drops(struct rw_sensor *s, uint64_t total);
/* Detaches every program; the ring buffer and maps stay, so what the programs
 * wrote until then can still be polled. Pinned links are unpinned first. */
void rw_sensor_detach(struct rw_sensor *s);
/* The explicit end of a pinned set: detaches and removes the whole pin directory
 * (the maps stay readable through this sensor until destroy). */
int rw_sensor_unpin(struct rw_sensor *s);
/* Frees this process's hold on everything; a pinned set stays in the kernel,
 * recording. NULL is allowed. */
void rw_sensor_destroy(struct rw_sensor *s);

/* Removes a pin directory no sensor runs on (rigwatch unpin, uninstall): -EBUSY
 * (owner's pid in *owner) while the sensor that pinned it still runs, unless force.
 * Returns the number of pins removed. */
int rw_pin_dir_remove(const char *dir, int force, uint32_t *owner);

/* The libbpf version this binary was built against, as "major.minor". */
const char *rw_libbpf_version(void);

#endif

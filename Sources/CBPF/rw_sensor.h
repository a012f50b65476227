/* SPDX-License-Identifier: Apache-2.0 */
/* The loader's state, shared by rw_bpf.c (open, attach, poll, maps) and
 * rw_sensor_pin.c (adopting and keeping the pinned set). Private to CBPF. */
#ifndef RIGWATCH_RW_SENSOR_H
#define RIGWATCH_RW_SENSOR_H

#include "rw_bpf.h"
#include "rw_pin.h"

#include <bpf/libbpf.h>
#include <limits.h>

#define MAX_LINKS 128

struct rw_sensor {
	struct rw_sensor_bpf *skel; /* the embedded sensor; NULL for another object (tests) */
	struct bpf_object *obj;
	struct bpf_map *events;
	struct bpf_map *drops;
	struct bpf_map *watched;
	struct bpf_map *lineage;
	struct bpf_map *net_bytes;  /* may be absent (test objects) */
	struct bpf_map *file_watch; /* may be absent */
	struct bpf_map *self_tids;  /* may be absent */
	int cgroup_fd;		    /* cgroup v2 root the cgroup hooks attach to; -1 = none */
	struct ring_buffer *rb;
	rw_record_fn record_fn;
	void *record_ctx;
	struct bpf_link *links[MAX_LINKS];
	char link_names[MAX_LINKS][RW_PIN_NAME_LEN];
	/* Created here and pinned: libbpf's close would disable a tracepoint's perf
	 * event under the pinned link, so they are disconnected and closed by hand. */
	int link_disconnected[MAX_LINKS];
	int nlinks;

	/* Pinned state (rw_sensor_pin.c); pin_mode RW_PIN_OFF when nothing is pinned. */
	int pin_mode;
	struct bpf_map *pin_state;  /* the embedded sensor's pin_state map */
	volatile __u32 *generation; /* its `generation` setting (writable until load) */
	const void *object;	    /* the object's bytes, for the fingerprint */
	size_t object_size;
	char pin_dir[PATH_MAX];
	struct rw_pin_state pin;  /* what this sensor last wrote (or, before attach, found) */
	uint32_t old_generation;  /* the generation a handover replaces */
	uint64_t new_fingerprint; /* of the programs this sensor runs (on record once they record) */
	int adopt_links;	  /* pinned links to open after load (RW_PIN_ADOPTED) */
	int old_events_fd;	  /* a replaced ring buffer still holding records, drained after the handover; -1 */
	uint64_t unread_bytes;
	char pin_note[2048];
};

/* Before load: reads the pin directory, decides (fresh, adopt, hand over, replace
 * what cannot be used), sets the maps' pin paths and the programs' generation. */
int rw_pin_prepare(struct rw_sensor *s, const struct rw_sensor_config *cfg, char *err, size_t errlen);
/* After load: opens the adopted links. */
int rw_pin_after_load(struct rw_sensor *s, char *err, size_t errlen);
/* rw_sensor_attach's part: before attaching (handover pairing), after each link
 * (pin it), and at the end (flip, settle, release the old set, drain its ring). */
int rw_pin_attach_begin(struct rw_sensor *s);
int rw_pin_link(struct rw_sensor *s, int index, char *err, size_t errlen);
int rw_pin_attach_end(struct rw_sensor *s, char *err, size_t errlen);
/* Releases or detaches one link as its kind needs (see link_disconnected). */
void rw_link_release(struct rw_sensor *s, int index, int detach);
/* At destroy: this sensor no longer owns the pinned set. */
void rw_pin_release(struct rw_sensor *s);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel state that outlives the sensor. A stopped, killed or crashed sensor
 * leaves its maps and links pinned in bpffs, so its programs go on recording into
 * the pinned ring buffer (and lineage, drops, byte counts) while nothing reads
 * it; the next start takes them over and reads from where the last one stopped
 * (the ring buffer's consumer position is part of the map), so what happened
 * while it was down arrives first, in order, once. The handover:
 *
 * - the same program set (same object, programs and load-time settings: the
 *   fingerprint) is adopted as it is: its links are opened from their pins and
 *   no program is loaded. Nothing is detached or attached, so nothing can be lost
 *   or doubled. This is every restart of the same build: a crash, a kill,
 *   `systemctl restart`.
 * - another program set (an upgrade, other settings) loads with the pinned maps,
 *   attaches its programs beside the pinned ones (both run; the handover gate,
 *   bpf/lib/handover.h, lets exactly one record each invocation), flips the gate
 *   to itself, and only then releases the old links. Detaching first would leave
 *   hooks unwatched for as long as attaching takes; attaching first without the
 *   gate would record the overlap twice.
 * - a set this build cannot read (another ABI version, a pin_state of another
 *   layout) is removed and replaced, said in the note; a single map of another
 *   shape (the ring buffer resized) is replaced alone, an old ring buffer being
 *   drained after the handover.
 *
 * A crash between the steps of a handover leaves pin_state naming both
 * generations; the next start keeps the one the gate last let record. */
#include "rw_sensor.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* How long both generations run paired after the flip before the newer one stops
 * consulting the older one's decisions: far longer than one program run, so no
 * invocation can straddle both the flip and the end of the pairing. */
#define RW_HANDOVER_SETTLE_US 1000000

static void note(struct rw_sensor *s, const char *fmt, ...)
{
	size_t used = strlen(s->pin_note);
	if (used + 2 >= sizeof(s->pin_note))
		return;
	if (used)
		s->pin_note[used++] = '\n';
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->pin_note + used, sizeof(s->pin_note) - used, fmt, ap);
	va_end(ap);
}

static int failed(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		if (n > 0 && (size_t)n < errlen)
			snprintf(err + n, errlen - n, ": %s", strerror(rc < 0 ? -rc : rc));
	}
	return rc < 0 ? rc : -rc;
}

/* The object, the programs attach will attach and the load-time settings: equal
 * fingerprints mean the pinned programs are exactly the ones this start would load. */
static uint64_t fingerprint(struct rw_sensor *s, const struct rw_sensor_config *cfg)
{
	uint64_t h = rw_fnv(RW_FNV_OFFSET, s->object, s->object_size);
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, s->obj)
	{
		if (bpf_program__autoload(prog))
			h = rw_fnv(h, bpf_program__name(prog), strlen(bpf_program__name(prog)) + 1);
	}
	uint32_t sizes[2] = {cfg->args_cap, bpf_map__max_entries(s->events)};
	h = rw_fnv(h, sizes, sizeof(sizes));
	h = rw_fnv(h, &cfg->wakeup_bytes, sizeof(cfg->wakeup_bytes));
	const char *cgroup = cfg->cgroup_path ? cfg->cgroup_path : "";
	const char *btf = cfg->btf_path ? cfg->btf_path : "";
	h = rw_fnv(h, cgroup, strlen(cgroup) + 1);
	return rw_fnv(h, btf, strlen(btf) + 1);
}

static int planned(struct rw_sensor *s, char names[][RW_PIN_NAME_LEN], int max)
{
	int n = 0;
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, s->obj)
	{
		if (!bpf_program__autoload(prog))
			continue;
		if (n < max)
			snprintf(names[n], RW_PIN_NAME_LEN, "%s", bpf_program__name(prog));
		n++;
	}
	return n;
}

/* Whether the links of generation are exactly the planned programs, each attached;
 * says why not in the note. */
static int links_match(struct rw_sensor *s, uint32_t generation, char names[][RW_PIN_NAME_LEN], int n)
{
	char dir[PATH_MAX], path[PATH_MAX];
	static char pinned[MAX_LINKS][RW_PIN_NAME_LEN];
	if (rw_pin_links_dir(dir, sizeof(dir), s->pin_dir, generation))
		return 0;
	int found = rw_pin_list(dir, pinned, MAX_LINKS);
	if (found != n) {
		note(s, "the pinned set has %d links, this sensor attaches %d programs", found < 0 ? 0 : found, n);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (rw_pin_path(path, sizeof(path), dir, names[i]) || rw_pin_link_attached(path) != 1) {
			note(s, "the pinned link of %s is missing or detached", names[i]);
			return 0;
		}
	}
	return 1;
}

/* Links directories of generations other than keep: left by an interrupted handover. */
static void remove_stray_links(struct rw_sensor *s, uint32_t keep)
{
	static char names[256][RW_PIN_NAME_LEN];
	char keepname[32], path[PATH_MAX];
	snprintf(keepname, sizeof(keepname), "links-%u", keep);
	int n = rw_pin_list(s->pin_dir, names, 256);
	for (int i = 0; i < n && i < 256; i++) {
		if (strncmp(names[i], "links-", 6) || !strcmp(names[i], keepname))
			continue;
		if (rw_pin_path(path, sizeof(path), s->pin_dir, names[i]) == 0 && rw_pin_remove_tree(path, 1) >= 0)
			note(s, "removed %s, left by an interrupted handover", names[i]);
	}
}

static uint64_t unread_at(const char *path)
{
	int fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	uint64_t n = rw_ring_unread(fd);
	close(fd);
	return n;
}

int rw_pin_prepare(struct rw_sensor *s, const struct rw_sensor_config *cfg, char *err, size_t errlen)
{
	char path[PATH_MAX], why[512] = "";
	if (snprintf(s->pin_dir, sizeof(s->pin_dir), "%s", cfg->pin_dir) >= (int)sizeof(s->pin_dir))
		return failed(-ENAMETOOLONG, err, errlen, "pin directory %s", cfg->pin_dir);
	int rc = rw_pin_mkdir(s->pin_dir);
	if (rc)
		return failed(rc, err, errlen, "creating the pin directory %s (bpffs mounted at /sys/fs/bpf?)",
			      s->pin_dir);

	struct rw_pin_state old;
	memset(&old, 0, sizeof(old));
	int have = rw_pin_read_state(s->pin_dir, &old, why, sizeof(why));
	static char entries[4][RW_PIN_NAME_LEN];
	if (have == 0 && rw_pin_list(s->pin_dir, entries, 4) > 0) {
		have = -1;
		snprintf(why, sizeof(why), "it holds pins but no pin_state");
	}
	if (have > 0 && old.abi_version != RW_ABI_VERSION) {
		have = -1;
		snprintf(why, sizeof(why), "it was pinned by event ABI version %u, this build's is %u", old.abi_version,
			 RW_ABI_VERSION);
	}
	if (have > 0 && rw_pin_owner_alive(&old))
		return failed(-EBUSY, err, errlen, "the pinned BPF state at %s is in use by the running sensor pid %u",
			      s->pin_dir, old.owner_tgid);
	if (have < 0) {
		uint64_t lost = rw_pin_path(path, sizeof(path), s->pin_dir, "events") ? 0 : unread_at(path);
		int removed = rw_pin_remove_tree(s->pin_dir, 0);
		note(s,
		     "replaced the pinned BPF state at %s: %s (%d pins removed, %llu bytes of unread records "
		     "discarded)",
		     s->pin_dir, why, removed, (unsigned long long)lost);
		have = 0;
	}

	uint64_t fp = fingerprint(s, cfg);
	uint32_t generation = 1;
	s->pin_mode = RW_PIN_FRESH;
	if (have) {
		/* An interrupted handover: keep the generation the gate last let record. */
		if (old.paired_generation) {
			if (old.active_generation == old.paired_generation) {
				old.generation = old.paired_generation;
				old.fingerprint = 0; /* its settings are not on record: hand over again */
			}
			old.paired_generation = 0;
			old.active_generation = old.generation;
		}
		remove_stray_links(s, old.generation);
		int replaced = 0;
		struct bpf_map *map;
		bpf_object__for_each_map(map, s->obj)
		{
			if (bpf_map__is_internal(map) ||
			    rw_pin_path(path, sizeof(path), s->pin_dir, bpf_map__name(map)))
				continue;
			if (rw_pin_map_compatible(path, map, why, sizeof(why)) >= 0)
				continue;
			note(s, "pinned map %s replaced: %s", bpf_map__name(map), why);
			if (map == s->events)
				s->old_events_fd = bpf_obj_get(path); /* drained after the handover */
			unlink(path);
			replaced++;
		}
		if (rw_pin_path(path, sizeof(path), s->pin_dir, "events") == 0)
			s->unread_bytes = unread_at(path);
		if (s->old_events_fd >= 0)
			s->unread_bytes += rw_ring_unread(s->old_events_fd);

		static char names[MAX_LINKS][RW_PIN_NAME_LEN];
		int n = planned(s, names, MAX_LINKS);
		int adopt = 0;
		if (old.fingerprint != fp)
			note(s,
			     "the pinned programs (generation %u) are another build's or were loaded with other "
			     "settings",
			     old.generation);
		else if (!replaced && n <= MAX_LINKS)
			adopt = links_match(s, old.generation, names, n);
		s->old_generation = old.generation;
		generation = adopt ? old.generation : old.generation + 1;
		s->pin_mode = adopt ? RW_PIN_ADOPTED : RW_PIN_HANDOVER;
		s->pin = old;
		if (adopt) {
			/* Maps only: the programs are the pinned ones, opened after load. */
			for (int i = 0; i < n; i++)
				snprintf(s->link_names[i], RW_PIN_NAME_LEN, "%s", names[i]);
			s->adopt_links = n; /* opened after load (rw_pin_after_load) */
			struct bpf_program *prog;
			bpf_object__for_each_program(prog, s->obj) bpf_program__set_autoload(prog, false);
		}
	} else {
		memset(&s->pin, 0, sizeof(s->pin));
		s->pin.abi_version = RW_ABI_VERSION;
	}
	s->new_fingerprint = fp;
	if (s->pin_mode == RW_PIN_FRESH)
		s->pin.fingerprint = fp;
	*s->generation = generation;

	struct bpf_map *map;
	bpf_object__for_each_map(map, s->obj)
	{
		if (bpf_map__is_internal(map))
			continue;
		rc = rw_pin_path(path, sizeof(path), s->pin_dir, bpf_map__name(map));
		if (!rc)
			rc = bpf_map__set_pin_path(map, path);
		if (rc)
			return failed(rc, err, errlen, "pinning map %s", bpf_map__name(map));
	}
	return 0;
}

int rw_pin_after_load(struct rw_sensor *s, char *err, size_t errlen)
{
	if (s->pin_mode != RW_PIN_ADOPTED)
		return 0;
	char dir[PATH_MAX], path[PATH_MAX];
	int n = s->adopt_links;
	rw_pin_links_dir(dir, sizeof(dir), s->pin_dir, s->pin.generation);
	for (int i = 0; i < n; i++) {
		rw_pin_path(path, sizeof(path), dir, s->link_names[i]);
		struct bpf_link *link = bpf_link__open(path);
		if (!link)
			return failed(-errno, err, errlen, "adopting the pinned link %s", path);
		s->links[s->nlinks++] = link;
	}
	return 0;
}

static int write_state(struct rw_sensor *s)
{
	return rw_pin_write_state(bpf_map__fd(s->pin_state), &s->pin);
}

int rw_pin_attach_begin(struct rw_sensor *s)
{
	uint32_t generation = *s->generation;
	if (s->pin_mode == RW_PIN_FRESH) {
		s->pin.generation = generation;
		s->pin.active_generation = generation;
		return write_state(s);
	}
	if (s->pin_mode == RW_PIN_HANDOVER) {
		/* The old set goes on recording; from now on it leaves its decisions in the
		 * gate slots for the programs about to be attached. */
		s->pin.active_generation = s->old_generation;
		s->pin.paired_generation = generation;
		return write_state(s);
	}
	return 0;
}

int rw_pin_link(struct rw_sensor *s, int index, char *err, size_t errlen)
{
	char dir[PATH_MAX], path[PATH_MAX];
	rw_pin_links_dir(dir, sizeof(dir), s->pin_dir, *s->generation);
	int rc = rw_pin_mkdir(dir);
	if (!rc)
		rc = rw_pin_path(path, sizeof(path), dir, s->link_names[index]);
	if (!rc)
		rc = bpf_link__pin(s->links[index], path);
	if (rc)
		return failed(rc, err, errlen, "pinning the link of %s", s->link_names[index]);
	bpf_link__disconnect(s->links[index]);
	s->link_disconnected[index] = 1;
	return 0;
}

/* What the replaced ring buffer holds, to the record callback, before anything the
 * new one holds: it was written earlier. */
static void drain_old_ring(struct rw_sensor *s)
{
	if (s->old_events_fd < 0)
		return;
	struct ring_buffer *old =
		ring_buffer__new(s->old_events_fd, (ring_buffer_sample_fn)s->record_fn, s->record_ctx, NULL);
	if (old) {
		ring_buffer__consume(old);
		ring_buffer__free(old);
	}
	close(s->old_events_fd);
	s->old_events_fd = -1;
}

int rw_pin_attach_end(struct rw_sensor *s, char *err, size_t errlen)
{
	uint32_t generation = *s->generation;
	int rc;
	if (s->pin_mode == RW_PIN_HANDOVER) {
		s->pin.active_generation = generation; /* the flip */
		if ((rc = write_state(s)))
			return failed(rc, err, errlen, "handing over to generation %u", generation);
		usleep(RW_HANDOVER_SETTLE_US);
		s->pin.paired_generation = 0;
		s->pin.generation = generation;
		s->pin.fingerprint = s->new_fingerprint;
		if ((rc = write_state(s)))
			return failed(rc, err, errlen, "handing over to generation %u", generation);
		char dir[PATH_MAX];
		rw_pin_links_dir(dir, sizeof(dir), s->pin_dir, s->old_generation);
		/* Their pins were the old links' last references: this detaches them. */
		int released = rw_pin_remove_tree(dir, 1);
		note(s, "handed over from generation %u to %u (%d old links released)", s->old_generation, generation,
		     released);
		drain_old_ring(s);
	}
	s->pin.owner_tgid = (uint32_t)getpid();
	s->pin.owner_start = rw_process_start(s->pin.owner_tgid);
	if ((rc = write_state(s)))
		return failed(rc, err, errlen, "writing the pinned state");
	return 0;
}

void rw_link_release(struct rw_sensor *s, int index, int detach)
{
	struct bpf_link *link = s->links[index];
	if (!link)
		return;
	if (detach && bpf_link__pin_path(link))
		bpf_link__unpin(link);
	if (s->link_disconnected[index])
		close(bpf_link__fd(link)); /* the pin, if kept, holds the link */
	bpf_link__destroy(link);	   /* disconnected: frees; else detaches (or closes an adopted link) */
	s->links[index] = NULL;
	s->link_disconnected[index] = 0;
}

void rw_pin_release(struct rw_sensor *s)
{
	if (s->pin_mode == RW_PIN_OFF || !s->pin_state || s->pin.owner_tgid != (uint32_t)getpid())
		return;
	s->pin.owner_tgid = 0;
	s->pin.owner_start = 0;
	write_state(s);
}

int rw_sensor_pin_report(struct rw_sensor *s, struct rw_pin_report *out)
{
	memset(out, 0, sizeof(*out));
	out->mode = s->pin_mode;
	out->generation = s->pin_mode == RW_PIN_OFF ? 0 : *s->generation;
	out->unread_bytes = s->unread_bytes;
	out->reported_drops = s->pin.reported_drops;
	snprintf(out->note, sizeof(out->note), "%s", s->pin_note);
	return 0;
}

int rw_sensor_set_reported_drops(struct rw_sensor *s, uint64_t total)
{
	if (s->pin_mode == RW_PIN_OFF)
		return 0;
	s->pin.reported_drops = total;
	return write_state(s);
}

int rw_sensor_unpin(struct rw_sensor *s)
{
	if (s->pin_mode == RW_PIN_OFF)
		return 0;
	rw_sensor_detach(s);
	int rc = rw_pin_remove_tree(s->pin_dir, 1);
	s->pin_mode = RW_PIN_OFF;
	return rc < 0 ? rc : 0;
}

int rw_pin_dir_remove(const char *dir, int force, uint32_t *owner)
{
	struct rw_pin_state state;
	char why[256];
	if (owner)
		*owner = 0;
	if (rw_pin_read_state(dir, &state, why, sizeof(why)) > 0 && rw_pin_owner_alive(&state) && !force) {
		if (owner)
			*owner = state.owner_tgid;
		return -EBUSY;
	}
	return rw_pin_remove_tree(dir, 1);
}

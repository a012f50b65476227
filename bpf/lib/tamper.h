/* SPDX-License-Identifier: GPL-2.0-only */
/* What the tamper features share: who the sensor is (self_tids, lib/maps.h) and
 * the tamper record (reports: tamper.bpf.c; refusals: tamper_prevent.bpf.c). */
#ifndef RW_LIB_TAMPER_H
#define RW_LIB_TAMPER_H

#include "lib/common.h"

static __always_inline int is_sensor_thread(__u32 tid)
{
	return bpf_map_lookup_elem(&self_tids, &tid) != NULL;
}

/* The caller is the sensor: its process id is one of the sensor's thread ids. */
static __always_inline int from_sensor(void)
{
	return is_sensor_thread(current_tgid());
}

static __always_inline void emit_tamper(__u32 op, __u32 target, __s64 arg, __s32 result, __u32 flags)
{
	struct rw_tamper *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_drop();
		return;
	}
	fill_header(&ev->hdr, RW_EVENT_TAMPER, sizeof(*ev), current_task());
	ev->op = op;
	ev->target_pid = target;
	ev->arg = arg;
	ev->result = result;
	ev->flags = flags;
	bpf_ringbuf_submit(ev, 0); /* rare and urgent: wake the consumer now */
}

#endif

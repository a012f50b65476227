/* SPDX-License-Identifier: GPL-2.0-only */
/* Maps and load-time settings more than one feature object uses. Declared __weak
 * here, once: each feature object carries a copy and bpftool's static linker
 * folds them into one map in the sensor object. A map only one feature uses is
 * declared in that feature's .bpf.c. */
#ifndef RW_LIB_MAPS_H
#define RW_LIB_MAPS_H

/* Wake the consumer only once this much is queued; below it the consumer finds the
 * records on its next periodic drain (a few ms). A wakeup per event would cost an
 * exec storm a context switch per record. 0 = wake on every record. */
const volatile __u64 wakeup_bytes __weak = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024); /* resized by userspace before load */
} events SEC(".maps") __weak;

/* Failed ring-buffer reservations, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps") __weak;

/* uid -> 1 for each watched user; written by userspace before attach. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} watched_uids SEC(".maps") __weak;

/* Thread ids of the sensor, its process id among them, kept in step by userspace
 * (ptrace targets one thread). The process feature forgets each as it exits, so
 * a reused id is never taken for the sensor while the sensor is down. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u8);
} self_tids SEC(".maps") __weak;

/* tgid -> watched uid its lineage started from. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} lineage SEC(".maps") __weak;

#endif

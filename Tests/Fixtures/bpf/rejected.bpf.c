// SPDX-License-Identifier: GPL-2.0-only
/* A BPF object the verifier must reject: it has the sensor's maps and one program
 * that reads past a map value. Used to test that rigwatch prints the verifier's reason. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u8);
} watched_uids SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} lineage SEC(".maps");

SEC("tp_btf/sched_process_exec")
int rejected_exec(void *ctx)
{
	__u32 zero = 0;
	__u64 *value = bpf_map_lookup_elem(&drops, &zero);
	if (!value)
		return 0;
	return *(value + 8); /* 64 bytes past an 8-byte value */
}

/* SPDX-License-Identifier: Apache-2.0 */
/* What this kernel offers the BPF sensor, asked of the kernel itself through libbpf:
 * BTF lookups, program/map/helper support, and real attaches of tiny probe programs
 * (bpf/probe.bpf.c). Nothing here touches the sensor object; the Swift kernel probe
 * (Sources/RigwatchSources/KernelProbe.swift) turns the answers into KernelFacts.
 * Functions that can fail return a negative errno and write a human-readable reason
 * (with libbpf's own words when it said any) to err. */
#ifndef RIGWATCH_RW_PROBE_H
#define RIGWATCH_RW_PROBE_H

#include <stddef.h>

struct rw_btf;

/* Loads kernel BTF: path NULL = this kernel's vmlinux BTF (btf__load_vmlinux_btf,
 * /sys/kernel/btf/vmlinux first); otherwise the BTF (or ELF with .BTF) at path. */
int rw_btf_open(const char *path, struct rw_btf **out, char *err, size_t errlen);
/* 1 when the BTF has typedef btf_trace_<event> (a tp_btf target), 0 when not. */
int rw_btf_has_trace_event(const struct rw_btf *btf, const char *event);
/* 1 when the BTF has FUNC <name> (an fentry/fexit target), 0 when not. */
int rw_btf_has_func(const struct rw_btf *btf, const char *name);
/* NULL is allowed. */
void rw_btf_close(struct rw_btf *btf);

/* Program and map types by libbpf's names ("tracing", "tracepoint", "kprobe", "lsm",
 * "cgroup_sock_addr"; "ringbuf"): 1 supported, 0 not, negative errno when the probe
 * itself failed (-EINVAL: a name this libbpf does not know; -EPERM: not privileged). */
int rw_probe_prog_type(const char *prog_type);
int rw_probe_map_type(const char *map_type);
/* Helper by name ("bpf_loop", "bpf_ringbuf_reserve", ...) from programs of prog_type:
 * 1 usable, 0 not, negative errno (-EINVAL: unknown name; -EOPNOTSUPP: libbpf cannot
 * probe helpers for that program type). */
int rw_probe_helper(const char *prog_type, const char *helper);

/* Loads probe program `program` of bpf/probe.bpf.c alone (probe_tp_btf, probe_fexit, probe_kprobe,
 * probe_kretprobe, probe_lsm), attaches it and detaches it at once. 0 when both
 * worked; otherwise a negative errno and err says which step failed and why. */
int rw_probe_attach(const char *program, char *err, size_t errlen);

/* The probe object's programs as "name\tsection\n" lines (NUL-terminated); returns
 * their number, or -ENOENT when rigwatch was built without bpf/probe.bpf.c. */
int rw_probe_programs(char *out, size_t outlen);

#endif

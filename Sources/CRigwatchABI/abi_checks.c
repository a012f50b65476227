/* SPDX-License-Identifier: Apache-2.0 */
/* Compile-time checks of the event ABI layout. The BPF program and the Swift
 * decoder both rely on these sizes and offsets; a change must bump RW_ABI_VERSION. */
#include <stddef.h>
#include "events.h"

_Static_assert(sizeof(struct rw_header) == 72, "rw_header layout changed");
_Static_assert(offsetof(struct rw_exec, filename) == 96, "rw_exec layout changed");
_Static_assert(offsetof(struct rw_exec, args) == 352, "rw_exec layout changed");
_Static_assert(sizeof(struct rw_cred) == 160, "rw_cred layout changed");
_Static_assert(sizeof(struct rw_fork) == 80, "rw_fork layout changed");
_Static_assert(sizeof(struct rw_exit) == 80, "rw_exit layout changed");
_Static_assert(sizeof(struct rw_drops) == 88, "rw_drops layout changed");
_Static_assert(sizeof(struct rw_connect) == 112, "rw_connect layout changed");
_Static_assert(sizeof(struct rw_net_key) == 28, "rw_net_key layout changed");
_Static_assert(sizeof(struct rw_net_value) == 88, "rw_net_value layout changed");
_Static_assert(sizeof(struct rw_net_bytes) == 128, "rw_net_bytes layout changed");
_Static_assert(offsetof(struct rw_gpu_sample, procs) == 168, "rw_gpu_sample layout changed");
_Static_assert(sizeof(struct rw_gpu_process) == 16, "rw_gpu_process layout changed");
_Static_assert(sizeof(struct rw_gpu_sample) == 168 + 16 * RW_GPU_MAX_PROCS, "rw_gpu_sample layout changed");
_Static_assert(sizeof(struct rw_file_watch) == 132, "rw_file_watch layout changed");
_Static_assert(offsetof(struct rw_file_change, path) == 96, "rw_file_change layout changed");
_Static_assert(sizeof(struct rw_file_change) == 96 + 2 * RW_PATH_LEN, "rw_file_change layout changed");
_Static_assert(sizeof(struct rw_tamper) == 96, "rw_tamper layout changed");
_Static_assert(sizeof(struct rw_integrity) == 152, "rw_integrity layout changed");
_Static_assert(offsetof(struct rw_auth, op) == 88, "rw_auth layout changed");
_Static_assert(sizeof(struct rw_auth) == 568, "rw_auth layout changed");
_Static_assert(offsetof(struct rw_first_payload, data) == 128, "rw_first_payload layout changed");
_Static_assert(sizeof(struct rw_first_payload) == 128 + RW_PAYLOAD_PREFIX, "rw_first_payload layout changed");
_Static_assert(offsetof(struct rw_unix_connect, path) == 80, "rw_unix_connect layout changed");
_Static_assert(sizeof(struct rw_unix_connect) == 80 + 2 * RW_UNIX_PATH_LEN, "rw_unix_connect layout changed");
_Static_assert(sizeof(struct rw_pin_state) == 48, "rw_pin_state layout changed");
_Static_assert(sizeof(struct rw_gate_slot) == 24, "rw_gate_slot layout changed");
_Static_assert(offsetof(struct rw_exec, args) + RW_ARGS_MAX <= 0xffff, "exec record must fit rw_header.size");

/* SPDX-License-Identifier: Apache-2.0 */
/* NVML, loaded with dlopen at run time: rigwatch has no link-time dependency on
 * the NVIDIA driver, so the same binary runs on hosts without GPUs. */
#ifndef RIGWATCH_RW_NVML_H
#define RIGWATCH_RW_NVML_H

#include <stddef.h>
#include <stdint.h>
#include "events.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An initialized NVML: the library handle and the entry points it resolved. */
struct rw_nvml;

/* Loads library_path (NULL = "libnvidia-ml.so.1"), resolves every entry point
 * the sampler uses and calls nvmlInit_v2. Returns 0 and sets *out, or -1 with
 * a one-line reason in err (the dlerror text, the missing symbol, or NVML's
 * own error string). */
int rw_nvml_open(const char *library_path, struct rw_nvml **out, char *err, size_t errlen);

/* Number of GPUs, or -1 (see rw_nvml_last_error). */
int rw_nvml_device_count(struct rw_nvml *nvml);

/* Fills *out with GPU `index` at now_ns (CLOCK_BOOTTIME): a complete
 * RW_EVENT_GPU_SAMPLE record, hdr.size bytes long, unused bytes zero.
 * A metric the GPU does not support is left 0. Returns 0, or -1 when the GPU
 * could not be read (see rw_nvml_last_error). */
int rw_nvml_sample(struct rw_nvml *nvml, unsigned index, uint64_t now_ns, struct rw_gpu_sample *out);

/* The reason the last failing call failed ("" when none did). */
const char *rw_nvml_last_error(const struct rw_nvml *nvml);

/* Which compute-process entry point was resolved: 3, 2 or 1 (unsuffixed). */
int rw_nvml_process_api_version(const struct rw_nvml *nvml);

/* nvmlShutdown and dlclose; NULL is allowed. */
void rw_nvml_close(struct rw_nvml *nvml);

#ifdef __cplusplus
}
#endif

#endif /* RIGWATCH_RW_NVML_H */

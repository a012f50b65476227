/* SPDX-License-Identifier: Apache-2.0 */
/* The NVML reader behind the GPU sampler. No NVIDIA header is available (or
 * wanted) at build time, so the few types used are declared here as the NVML
 * ABI defines them; every entry point is resolved with dlsym. */
#define _GNU_SOURCE
#include "rw_nvml.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The NVML ABI subset ------------------------------------------------ */

typedef int nvml_return;   /* nvmlReturn_t */
typedef void *nvml_device; /* nvmlDevice_t */

#define NVML_SUCCESS			0
#define NVML_ERROR_NOT_SUPPORTED	3
#define NVML_ERROR_NO_PERMISSION	4
#define NVML_ERROR_INSUFFICIENT_SIZE	7
#define NVML_TEMPERATURE_GPU		0
#define NVML_DEVICE_UUID_V2_BUFFER_SIZE 96
/* usedGpuMemory when the driver cannot tell (e.g. no permission). */
#define NVML_VALUE_NOT_AVAILABLE (~0ULL)

struct nvml_utilization {
	unsigned int gpu, memory;
}; /* nvmlUtilization_t */
struct nvml_memory {
	unsigned long long total, free, used;
}; /* nvmlMemory_t (v1) */

/* nvmlProcessInfo_v1_t: taken by the unsuffixed nvmlDeviceGetComputeRunningProcesses. */
struct nvml_process_v1 {
	unsigned int pid;
	unsigned long long usedGpuMemory;
};
/* nvmlProcessInfo_v2_t, which is also what nvmlProcessInfo_t is since NVML 11:
 * taken by both the _v2 and the _v3 entry points (v3 changed semantics, not layout). */
struct nvml_process_v2 {
	unsigned int pid;
	unsigned long long usedGpuMemory;
	unsigned int gpuInstanceId;
	unsigned int computeInstanceId;
};
_Static_assert(sizeof(struct nvml_process_v1) == 16, "nvmlProcessInfo_v1_t is 16 bytes");
_Static_assert(sizeof(struct nvml_process_v2) == 24, "nvmlProcessInfo_v2_t is 24 bytes");

typedef nvml_return (*fn_void)(void);
typedef const char *(*fn_error_string)(nvml_return);
typedef nvml_return (*fn_count)(unsigned int *);
typedef nvml_return (*fn_handle)(unsigned int, nvml_device *);
typedef nvml_return (*fn_uuid)(nvml_device, char *, unsigned int);
typedef nvml_return (*fn_utilization)(nvml_device, struct nvml_utilization *);
typedef nvml_return (*fn_memory)(nvml_device, struct nvml_memory *);
typedef nvml_return (*fn_uint)(nvml_device, unsigned int *);
typedef nvml_return (*fn_temperature)(nvml_device, int, unsigned int *);
typedef nvml_return (*fn_processes)(nvml_device, unsigned int *, void *);

/* ---- The handle --------------------------------------------------------- */

struct rw_nvml {
	void *lib;
	fn_void shutdown;
	fn_error_string error_string; /* optional: numeric codes without it */
	fn_count device_count;
	fn_handle handle_by_index;
	fn_uuid uuid;
	fn_utilization utilization;
	fn_memory memory;
	fn_uint power;
	fn_temperature temperature;
	fn_processes processes;
	int process_api;       /* 3, 2 or 1 */
	size_t process_stride; /* bytes per entry of that API's struct */
	void *process_buf;     /* reused between samples; grows when needed */
	unsigned int process_cap;
	char error[256];
};

static void set_error(struct rw_nvml *nvml, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(nvml->error, sizeof(nvml->error), fmt, ap);
	va_end(ap);
}

static const char *describe(const struct rw_nvml *nvml, nvml_return rc, char *buf, size_t len)
{
	const char *text = nvml->error_string ? nvml->error_string(rc) : NULL;
	if (text)
		snprintf(buf, len, "%s (NVML error %d)", text, rc);
	else
		snprintf(buf, len, "NVML error %d", rc);
	return buf;
}

/* ---- Open / close ------------------------------------------------------- */

static void *resolve(struct rw_nvml *nvml, const char *name, const char *path, char *err, size_t errlen)
{
	dlerror();
	void *sym = dlsym(nvml->lib, name);
	if (!sym) {
		const char *why = dlerror();
		snprintf(err, errlen, "%s has no %s (%s): not a usable NVML", path, name, why ? why : "symbol is NULL");
	}
	return sym;
}

int rw_nvml_open(const char *library_path, struct rw_nvml **out, char *err, size_t errlen)
{
	const char *path = library_path ? library_path : "libnvidia-ml.so.1";
	*out = NULL;
	if (errlen)
		err[0] = 0;

	struct rw_nvml *nvml = calloc(1, sizeof(*nvml));
	if (!nvml) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nvml->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!nvml->lib) {
		const char *why = dlerror();
		snprintf(err, errlen, "%s not loadable (%s)", path, why ? why : "dlopen failed");
		free(nvml);
		return -1;
	}

	/* The _v2 names are the ABI every driver since NVML 5 exports; the
	 * unsuffixed ones are kept by NVIDIA for old binaries only. */
	fn_void init;
#define RESOLVE(field, type, name)                                   \
	if (!(field = (type)resolve(nvml, name, path, err, errlen))) \
		goto fail;
	RESOLVE(init, fn_void, "nvmlInit_v2");
	RESOLVE(nvml->shutdown, fn_void, "nvmlShutdown");
	RESOLVE(nvml->device_count, fn_count, "nvmlDeviceGetCount_v2");
	RESOLVE(nvml->handle_by_index, fn_handle, "nvmlDeviceGetHandleByIndex_v2");
	RESOLVE(nvml->uuid, fn_uuid, "nvmlDeviceGetUUID");
	RESOLVE(nvml->utilization, fn_utilization, "nvmlDeviceGetUtilizationRates");
	RESOLVE(nvml->memory, fn_memory, "nvmlDeviceGetMemoryInfo");
	RESOLVE(nvml->power, fn_uint, "nvmlDeviceGetPowerUsage");
	RESOLVE(nvml->temperature, fn_temperature, "nvmlDeviceGetTemperature");
#undef RESOLVE
	nvml->error_string = (fn_error_string)dlsym(nvml->lib, "nvmlErrorString");

	/* Newest process API first; older drivers export only the older ones. */
	static const struct {
		const char *name;
		int version;
		size_t stride;
	} process_apis[] = {
		{"nvmlDeviceGetComputeRunningProcesses_v3", 3, sizeof(struct nvml_process_v2)},
		{"nvmlDeviceGetComputeRunningProcesses_v2", 2, sizeof(struct nvml_process_v2)},
		{"nvmlDeviceGetComputeRunningProcesses", 1, sizeof(struct nvml_process_v1)},
	};
	for (size_t i = 0; i < sizeof(process_apis) / sizeof(process_apis[0]) && !nvml->processes; i++) {
		nvml->processes = (fn_processes)dlsym(nvml->lib, process_apis[i].name);
		nvml->process_api = process_apis[i].version;
		nvml->process_stride = process_apis[i].stride;
	}
	if (!nvml->processes) {
		snprintf(err, errlen,
			 "%s has no nvmlDeviceGetComputeRunningProcesses (nor _v2, _v3): not a usable NVML", path);
		goto fail;
	}

	nvml_return rc = init();
	if (rc != NVML_SUCCESS) {
		char why[160];
		snprintf(err, errlen, "%s: nvmlInit_v2 failed: %s", path, describe(nvml, rc, why, sizeof(why)));
		goto fail;
	}
	*out = nvml;
	return 0;

fail:
	dlclose(nvml->lib);
	free(nvml);
	return -1;
}

void rw_nvml_close(struct rw_nvml *nvml)
{
	if (!nvml)
		return;
	nvml->shutdown();
	dlclose(nvml->lib);
	free(nvml->process_buf);
	free(nvml);
}

const char *rw_nvml_last_error(const struct rw_nvml *nvml)
{
	return nvml->error;
}

int rw_nvml_process_api_version(const struct rw_nvml *nvml)
{
	return nvml->process_api;
}

/* ---- Sampling ----------------------------------------------------------- */

int rw_nvml_device_count(struct rw_nvml *nvml)
{
	unsigned int count = 0;
	nvml_return rc = nvml->device_count(&count);
	if (rc != NVML_SUCCESS) {
		char why[160];
		set_error(nvml, "nvmlDeviceGetCount_v2 failed: %s", describe(nvml, rc, why, sizeof(why)));
		return -1;
	}
	return count > 0x7fffffff ? 0x7fffffff : (int)count;
}

/* A metric the GPU does not have is 0, not a failed sample. */
static int tolerable(nvml_return rc)
{
	return rc == NVML_SUCCESS || rc == NVML_ERROR_NOT_SUPPORTED;
}

static int metric_failed(struct rw_nvml *nvml, const char *call, unsigned index, nvml_return rc)
{
	char why[160];
	set_error(nvml, "%s (GPU %u) failed: %s", call, index, describe(nvml, rc, why, sizeof(why)));
	return -1;
}

/* Grows the reused process buffer to hold at least `need` entries. */
static int reserve_processes(struct rw_nvml *nvml, unsigned int need)
{
	if (need <= nvml->process_cap)
		return 0;
	void *buf = realloc(nvml->process_buf, (size_t)need * nvml->process_stride);
	if (!buf)
		return -1;
	nvml->process_buf = buf;
	nvml->process_cap = need;
	return 0;
}

/* Reads the compute processes into out->procs (first RW_GPU_MAX_PROCS, with
 * RW_GPU_PROCS_TRUNC when there were more). Processes come and go between the
 * sizing call and the reading call, so a few retries with headroom. */
static int read_processes(struct rw_nvml *nvml, nvml_device dev, unsigned index, struct rw_gpu_sample *out)
{
	static const char *names[] = {"", "nvmlDeviceGetComputeRunningProcesses",
				      "nvmlDeviceGetComputeRunningProcesses_v2",
				      "nvmlDeviceGetComputeRunningProcesses_v3"};
	const char *name = names[nvml->process_api];
	unsigned int count = 0;
	nvml_return rc = NVML_ERROR_INSUFFICIENT_SIZE;
	for (int attempt = 0; attempt < 4 && rc == NVML_ERROR_INSUFFICIENT_SIZE; attempt++) {
		if (reserve_processes(nvml, count + 16) != 0) {
			set_error(nvml, "%s (GPU %u): out of memory for %u processes", name, index, count);
			return -1;
		}
		count = nvml->process_cap;
		rc = nvml->processes(dev, &count, nvml->process_buf);
	}
	/* No permission to list processes (a locked-down container): the metrics still count. */
	if (rc == NVML_ERROR_NOT_SUPPORTED || rc == NVML_ERROR_NO_PERMISSION)
		return 0;
	if (rc != NVML_SUCCESS)
		return metric_failed(nvml, name, index, rc);
	if (count > nvml->process_cap) /* a driver that reports success with more than fits */
		count = nvml->process_cap;

	unsigned int kept = count > RW_GPU_MAX_PROCS ? RW_GPU_MAX_PROCS : count;
	if (count > RW_GPU_MAX_PROCS)
		out->flags |= RW_GPU_PROCS_TRUNC;
	const unsigned char *entry = nvml->process_buf;
	for (unsigned int i = 0; i < kept; i++, entry += nvml->process_stride) {
		/* pid and usedGpuMemory sit at the same offsets in v1 and v2. */
		const struct nvml_process_v1 *p = (const struct nvml_process_v1 *)entry;
		out->procs[i].pid = p->pid;
		out->procs[i].used_memory_bytes = p->usedGpuMemory == NVML_VALUE_NOT_AVAILABLE ? 0 : p->usedGpuMemory;
	}
	out->nprocs = kept;
	return 0;
}

int rw_nvml_sample(struct rw_nvml *nvml, unsigned index, uint64_t now_ns, struct rw_gpu_sample *out)
{
	/* Whole struct zeroed: traces must be byte-for-byte deterministic. */
	memset(out, 0, sizeof(*out));
	nvml->error[0] = 0;

	nvml_device dev = NULL;
	nvml_return rc = nvml->handle_by_index(index, &dev);
	if (rc != NVML_SUCCESS)
		return metric_failed(nvml, "nvmlDeviceGetHandleByIndex_v2", index, rc);

	out->gpu_index = index;
	out->flags = RW_GPU_FROM_NVML;

	char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE] = {0};
	rc = nvml->uuid(dev, uuid, sizeof(uuid));
	if (!tolerable(rc))
		return metric_failed(nvml, "nvmlDeviceGetUUID", index, rc);
	if (rc == NVML_SUCCESS) {
		uuid[sizeof(uuid) - 1] = 0;
		size_t len = strnlen(uuid, RW_GPU_UUID_LEN - 1);
		memcpy(out->uuid, uuid, len); /* the rest stays NUL */
	}

	struct nvml_utilization util = {0, 0};
	rc = nvml->utilization(dev, &util);
	if (!tolerable(rc))
		return metric_failed(nvml, "nvmlDeviceGetUtilizationRates", index, rc);
	if (rc == NVML_SUCCESS) {
		out->util_gpu = util.gpu;
		out->util_memory = util.memory;
	}

	struct nvml_memory mem = {0, 0, 0};
	rc = nvml->memory(dev, &mem);
	if (!tolerable(rc))
		return metric_failed(nvml, "nvmlDeviceGetMemoryInfo", index, rc);
	if (rc == NVML_SUCCESS) {
		out->memory_used_bytes = mem.used;
		out->memory_total_bytes = mem.total;
	}

	unsigned int value = 0;
	rc = nvml->power(dev, &value);
	if (!tolerable(rc))
		return metric_failed(nvml, "nvmlDeviceGetPowerUsage", index, rc);
	if (rc == NVML_SUCCESS)
		out->power_mw = value;

	value = 0;
	rc = nvml->temperature(dev, NVML_TEMPERATURE_GPU, &value);
	if (!tolerable(rc))
		return metric_failed(nvml, "nvmlDeviceGetTemperature", index, rc);
	if (rc == NVML_SUCCESS)
		out->temperature_c = value;

	if (read_processes(nvml, dev, index, out) != 0)
		return -1;

	out->hdr.kind = RW_EVENT_GPU_SAMPLE;
	out->hdr.size = (__u16)(offsetof(struct rw_gpu_sample, procs) + out->nprocs * sizeof(struct rw_gpu_process));
	out->hdr.abi_version = RW_ABI_VERSION;
	out->hdr.timestamp_ns = now_ns;
	out->hdr.lineage_uid = RW_NO_LINEAGE;
	return 0;
}

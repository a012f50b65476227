/* SPDX-License-Identifier: Apache-2.0 */
/* A stand-in libnvidia-ml.so for the GPU sampler tests: exports the NVML entry
 * points rigwatch resolves and serves values from the file named by
 * RW_FAKE_NVML_SCRIPT, re-read on every nvmlDeviceGetCount_v2 so a test can
 * change the values between two samples.
 *
 * Script, one GPU per line (# comments and blank lines ignored):
 *   index uuid util_gpu util_mem mem_used mem_total power_mw temp_c procs
 * Any metric may be NS (NVML_ERROR_NOT_SUPPORTED) or LOST (NVML_ERROR_GPU_IS_LOST);
 * procs is "-" for none, or pid:bytes,pid:bytes,... (bytes may be NA: not available).
 * A line "init_error N" makes nvmlInit_v2 return N.
 *
 * Build variants (cc -shared -fPIC [-D...]):
 *   -DPROCESS_API=3 (default), 2 or 1: which nvmlDeviceGetComputeRunningProcesses
 *     is exported (with its struct layout: v2 = 24 bytes for _v3 and _v2, v1 = 16 bytes)
 *   -DOMIT_UUID: no nvmlDeviceGetUUID, to test the missing-symbol error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PROCESS_API
#define PROCESS_API 3
#endif

#define MAX_GPUS  8
#define MAX_PROCS 128
#define NS	  (-1LL) /* NOT_SUPPORTED */
#define LOST	  (-2LL) /* GPU_IS_LOST */
#define NA	  (-3LL) /* process memory not available */

struct proc {
	unsigned int pid;
	long long mem;
};
struct gpu {
	unsigned int index;
	char uuid[128];
	long long util, mem_util, used, total, power, temp;
	int procs_ns;
	unsigned int nprocs;
	struct proc procs[MAX_PROCS];
};

static struct gpu gpus[MAX_GPUS];
static unsigned int ngpus;
static int init_error;

static long long metric(const char *s)
{
	if (!strcmp(s, "NS"))
		return NS;
	if (!strcmp(s, "LOST"))
		return LOST;
	if (!strcmp(s, "NA"))
		return NA;
	return strtoll(s, NULL, 10);
}

static void parse_procs(struct gpu *g, char *list)
{
	if (!strcmp(list, "NS")) {
		g->procs_ns = 1;
		return;
	}
	if (!strcmp(list, "-"))
		return;
	for (char *save = NULL, *item = strtok_r(list, ",", &save); item && g->nprocs < MAX_PROCS;
	     item = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(item, ':');
		if (!colon)
			continue;
		*colon = 0;
		g->procs[g->nprocs].pid = (unsigned int)strtoul(item, NULL, 10);
		g->procs[g->nprocs].mem = metric(colon + 1);
		g->nprocs++;
	}
}

static void load(void)
{
	memset(gpus, 0, sizeof(gpus));
	ngpus = 0;
	init_error = 0;
	const char *path = getenv("RW_FAKE_NVML_SCRIPT");
	FILE *f = path ? fopen(path, "r") : NULL;
	if (!f)
		return;
	static char line[8192];
	while (fgets(line, sizeof(line), f)) {
		char uuid[128], u[32], mu[32], used[32], total[32], power[32], temp[32], procs[8000];
		unsigned int index;
		int code;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "init_error %d", &code) == 1) {
			init_error = code;
			continue;
		}
		if (ngpus == MAX_GPUS)
			break;
		if (sscanf(line, "%u %127s %31s %31s %31s %31s %31s %31s %7999s", &index, uuid, u, mu, used, total,
			   power, temp, procs) != 9)
			continue;
		struct gpu *g = &gpus[ngpus++];
		g->index = index;
		snprintf(g->uuid, sizeof(g->uuid), "%s", uuid);
		g->util = metric(u);
		g->mem_util = metric(mu);
		g->used = metric(used);
		g->total = metric(total);
		g->power = metric(power);
		g->temp = metric(temp);
		parse_procs(g, procs);
	}
	fclose(f);
}

typedef int nvmlReturn_t;
typedef struct gpu *nvmlDevice_t;
typedef struct {
	unsigned int gpu, memory;
} nvmlUtilization_t;
typedef struct {
	unsigned long long total, free, used;
} nvmlMemory_t;
typedef struct {
	unsigned int pid;
	unsigned long long usedGpuMemory;
} nvmlProcessInfo_v1_t;
typedef struct {
	unsigned int pid;
	unsigned long long usedGpuMemory;
	unsigned int gpuInstanceId, computeInstanceId;
} nvmlProcessInfo_v2_t;

static nvmlReturn_t status_of(long long v)
{
	return v == NS ? 3 : v == LOST ? 15 : 0;
}

nvmlReturn_t nvmlInit_v2(void)
{
	load();
	return init_error;
}
nvmlReturn_t nvmlShutdown(void)
{
	return 0;
}

const char *nvmlErrorString(nvmlReturn_t r)
{
	switch (r) {
	case 0:
		return "Success";
	case 2:
		return "Invalid Argument";
	case 3:
		return "Not Supported";
	case 7:
		return "Insufficient Size";
	case 9:
		return "Driver Not Loaded";
	case 15:
		return "GPU is lost";
	default:
		return "Unknown Error";
	}
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
	load();
	*count = ngpus;
	return 0;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
	if (index >= ngpus)
		return 2;
	*device = &gpus[index];
	return 0;
}

#ifndef OMIT_UUID
nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *uuid, unsigned int length)
{
	if (strlen(d->uuid) + 1 > length)
		return 7;
	strcpy(uuid, d->uuid);
	return 0;
}
#endif

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u)
{
	if (status_of(d->util))
		return status_of(d->util);
	u->gpu = (unsigned int)d->util;
	u->memory = d->mem_util < 0 ? 0 : (unsigned int)d->mem_util;
	return 0;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m)
{
	if (status_of(d->used))
		return status_of(d->used);
	m->total = (unsigned long long)d->total;
	m->used = (unsigned long long)d->used;
	m->free = m->total - m->used;
	return 0;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned int *mw)
{
	if (status_of(d->power))
		return status_of(d->power);
	*mw = (unsigned int)d->power;
	return 0;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned int *c)
{
	if (sensor != 0)
		return 2; /* only NVML_TEMPERATURE_GPU */
	if (status_of(d->temp))
		return status_of(d->temp);
	*c = (unsigned int)d->temp;
	return 0;
}

/* NVML's sizing protocol: too small a buffer answers INSUFFICIENT_SIZE with the
 * count needed. Entries are written with the struct of the exported version. */
#define FILL_PROCESSES(type)                                                                                \
	if (d->procs_ns)                                                                                    \
		return 3;                                                                                   \
	if (*count < d->nprocs) {                                                                           \
		*count = d->nprocs;                                                                         \
		return 7;                                                                                   \
	}                                                                                                   \
	type *out = infos;                                                                                  \
	for (unsigned int i = 0; i < d->nprocs; i++) {                                                      \
		memset(&out[i], 0xAB, sizeof(out[i])); /* junk in unread fields */                          \
		out[i].pid = d->procs[i].pid;                                                               \
		out[i].usedGpuMemory = d->procs[i].mem == NA ? ~0ULL : (unsigned long long)d->procs[i].mem; \
	}                                                                                                   \
	*count = d->nprocs;                                                                                 \
	return 0;

#if PROCESS_API == 3
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t d, unsigned int *count,
						     void *infos){FILL_PROCESSES(nvmlProcessInfo_v2_t)}
#elif PROCESS_API == 2
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t d, unsigned int *count,
						     void *infos){FILL_PROCESSES(nvmlProcessInfo_v2_t)}
#else
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t d, unsigned int *count, void *infos)
{
	FILL_PROCESSES(nvmlProcessInfo_v1_t)
}
#endif

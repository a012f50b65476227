/* SPDX-License-Identifier: Apache-2.0 */
/* See rw_libbpf_util.h. */
#include "rw_libbpf_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char log_buf[32768];
static size_t log_len;
static int log_keep_newest;

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	char line[4096];
	int n = vsnprintf(line, sizeof(line), fmt, args);
	if (n <= 0)
		return 0;
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	if (len >= sizeof(log_buf) / 2)
		return 0;
	if (log_len + len >= sizeof(log_buf)) {
		if (!log_keep_newest)
			return 0;
		size_t keep = sizeof(log_buf) / 2;
		memmove(log_buf, log_buf + log_len - keep, keep);
		log_len = keep;
	}
	memcpy(log_buf + log_len, line, len);
	log_len += len;
	log_buf[log_len] = 0;
	return 0;
}

libbpf_print_fn_t rw_log_capture(int keep_newest)
{
	log_len = 0;
	log_buf[0] = 0;
	log_keep_newest = keep_newest;
	return libbpf_set_print(capture_print);
}

const char *rw_log_text(size_t *len)
{
	if (len)
		*len = log_len;
	return log_buf;
}

int rw_list_programs(struct bpf_object *obj, char *out, size_t outlen)
{
	int n = 0;
	size_t used = 0;
	if (outlen)
		out[0] = 0;
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj)
	{
		int w = snprintf(out + used, outlen > used ? outlen - used : 0, "%s\t%s\n", bpf_program__name(prog),
				 bpf_program__section_name(prog));
		if (w < 0 || used + (size_t)w >= outlen)
			return -ENOSPC;
		used += (size_t)w;
		n++;
	}
	return n;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* bpffs helpers for the sensor's pinned state. See rw_pin.h. */
#include "rw_pin.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int rw_pin_path(char *out, size_t outlen, const char *dir, const char *name)
{
	int n = snprintf(out, outlen, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

int rw_pin_links_dir(char *out, size_t outlen, const char *dir, uint32_t generation)
{
	int n = snprintf(out, outlen, "%s/links-%u", dir, generation);
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

int rw_pin_mkdir(const char *dir)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int rw_pin_read_state(const char *dir, struct rw_pin_state *out, char *why, size_t whylen)
{
	char path[4096];
	int rc = rw_pin_path(path, sizeof(path), dir, "pin_state");
	if (rc)
		return rc;
	int fd = bpf_obj_get(path);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		rc = -errno;
		snprintf(why, whylen, "%s cannot be opened: %s", path, strerror(errno));
		return rc;
	}
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_MAP_TYPE_ARRAY ||
	    info.value_size != sizeof(*out) || info.max_entries != 1) {
		snprintf(why, whylen, "its pin_state is not this build's (value of %u bytes, this build's has %zu)",
			 info.value_size, sizeof(*out));
		close(fd);
		return -EPROTO;
	}
	__u32 zero = 0;
	rc = bpf_map_lookup_elem(fd, &zero, out) ? -errno : 1;
	if (rc < 0)
		snprintf(why, whylen, "its pin_state cannot be read: %s", strerror(-rc));
	close(fd);
	return rc;
}

int rw_pin_write_state(int fd, const struct rw_pin_state *state)
{
	__u32 zero = 0;
	return bpf_map_update_elem(fd, &zero, state, BPF_ANY) ? -errno : 0;
}

int rw_pin_map_compatible(const char *path, const struct bpf_map *map, char *why, size_t whylen)
{
	int fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	memset(&info, 0, sizeof(info));
	int rc = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (rc) {
		snprintf(why, whylen, "unreadable (%s)", strerror(errno));
		return -1;
	}
	if (info.type != (__u32)bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
	    info.value_size != bpf_map__value_size(map) || info.max_entries != bpf_map__max_entries(map) ||
	    info.map_flags != bpf_map__map_flags(map)) {
		snprintf(why, whylen,
			 "pinned with type %u, key %u, value %u, %u entries, flags 0x%x; this build's is %u, %u, %u, "
			 "%u, 0x%x",
			 info.type, info.key_size, info.value_size, info.max_entries, info.map_flags,
			 (unsigned)bpf_map__type(map), bpf_map__key_size(map), bpf_map__value_size(map),
			 bpf_map__max_entries(map), bpf_map__map_flags(map));
		return -1;
	}
	return 1;
}

int rw_pin_list(const char *dir, char names[][RW_PIN_NAME_LEN], int max)
{
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n < max)
			snprintf(names[n], RW_PIN_NAME_LEN, "%s", e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

int rw_link_fd_attached(int fd)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	/* A detached cgroup link keeps existing but loses its cgroup; tracepoint links
	 * cannot be detached from outside, only released. */
	if (info.type == BPF_LINK_TYPE_CGROUP)
		return info.cgroup.cgroup_id != 0;
	return info.prog_id != 0;
}

int rw_pin_link_attached(const char *path)
{
	int fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	int rc = rw_link_fd_attached(fd);
	close(fd);
	return rc;
}

int rw_pin_remove_tree(const char *dir, int remove_dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	int removed = 0, rc = 0;
	struct dirent *e;
	char path[4096];
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (rw_pin_path(path, sizeof(path), dir, e->d_name))
			continue;
		struct stat st;
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			int n = rw_pin_remove_tree(path, 1);
			if (n < 0)
				rc = n;
			else
				removed += n;
		} else if (unlink(path) == 0) {
			removed++;
		} else if (errno != ENOENT) {
			rc = -errno;
		}
	}
	closedir(d);
	if (remove_dir && rmdir(dir) && errno != ENOENT)
		rc = -errno;
	return rc < 0 ? rc : removed;
}

uint64_t rw_process_start(uint32_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* The comm may hold spaces and parentheses: count fields after its last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	int field = 2;
	for (p++; *p && field < 22; p++) {
		if (*p == ' ')
			field++;
	}
	return field == 22 ? strtoull(p, NULL, 10) : 0;
}

int rw_pin_owner_alive(const struct rw_pin_state *state)
{
	if (!state->owner_tgid || state->owner_tgid == (uint32_t)getpid())
		return 0;
	uint64_t start = rw_process_start(state->owner_tgid);
	return start != 0 && start == state->owner_start;
}

uint64_t rw_ring_unread(int fd)
{
	long page = sysconf(_SC_PAGESIZE);
	/* The consumer position is the first page, the producer's the second. */
	unsigned long *pos = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, 0);
	if (pos == MAP_FAILED)
		return 0;
	unsigned long consumer = __atomic_load_n(pos, __ATOMIC_ACQUIRE);
	unsigned long producer = __atomic_load_n((unsigned long *)((char *)pos + page), __ATOMIC_ACQUIRE);
	munmap(pos, 2 * page);
	return producer > consumer ? producer - consumer : 0;
}

uint64_t rw_fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Ring ownership and CPU affinity of the workers: see src/util/cpu.h. */
#define _GNU_SOURCE
#include "util/cpu.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

unsigned int se_cpu_rings_of_worker(unsigned int worker, unsigned int workers,
				    unsigned int nr_rings, unsigned int *out, unsigned int max)
{
	unsigned int n = 0;

	if (!workers)
		return 0;
	for (unsigned int r = 0; r < nr_rings && n < max; r++)
		if (se_cpu_ring_owner(r, workers) == worker)
			out[n++] = r;
	return n;
}

unsigned int se_cpu_online_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)n : 1;
}

int se_cpu_nth_online(unsigned int n)
{
	cpu_set_t set;
	int count;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	count = CPU_COUNT(&set);
	if (!count)
		return -1;
	n %= (unsigned int)count;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (n-- == 0)
			return cpu;
	}
	return -1;
}

int se_cpu_pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

unsigned int se_cpu_quota_parse(const char *cpu_max)
{
	unsigned long long quota, period;
	char extra;

	if (sscanf(cpu_max, "%llu %llu %c", &quota, &period, &extra) != 2 || !quota || !period)
		return 0;
	if (quota / period >= UINT_MAX)
		return UINT_MAX;
	return (unsigned int)((quota + period - 1) / period);
}

static bool se_cpu_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	return ok;
}

/* The limit set on one cgroup directory (0: none), v2 or v1. */
static unsigned int se_cpu_quota_of_dir(const char *dir, bool v2)
{
	char path[PATH_MAX + 32], line[64], both[160];
	long long quota;

	if (v2) {
		snprintf(path, sizeof(path), "%s/cpu.max", dir);
		return se_cpu_read_line(path, line, sizeof(line)) ? se_cpu_quota_parse(line) : 0;
	}
	snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
	if (!se_cpu_read_line(path, line, sizeof(line)) || (quota = atoll(line)) <= 0)
		return 0; /* -1: no limit */
	snprintf(both, sizeof(both), "%lld ", quota);
	snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
	if (!se_cpu_read_line(path, line, sizeof(line)))
		return 0;
	strncat(both, line, sizeof(both) - strlen(both) - 1);
	both[strcspn(both, "\n")] = '\0';
	return se_cpu_quota_parse(both);
}

/* The smallest limit from dir up to base (the hierarchy's mount point). */
static unsigned int se_cpu_quota_along(const char *base, const char *cgroup_path, bool v2)
{
	char dir[PATH_MAX];
	unsigned int best = 0;
	size_t base_len;

	snprintf(dir, sizeof(dir), "%s%s", base, cgroup_path);
	/* A container that sees its own cgroup at the mount point, under the node's path. */
	if (access(dir, F_OK))
		snprintf(dir, sizeof(dir), "%s", base);
	base_len = strlen(base);
	for (;;) {
		unsigned int q = se_cpu_quota_of_dir(dir, v2);
		char *slash;

		if (q && (!best || q < best))
			best = q;
		slash = strrchr(dir, '/');
		if (strlen(dir) <= base_len || !slash || (size_t)(slash - dir) < base_len)
			return best;
		*slash = '\0';
	}
}

/* Is name one of the comma-separated controllers of a v1 hierarchy ("cpu,cpuacct")? */
static bool se_cpu_lists_controller(const char *list, const char *name)
{
	size_t n = strlen(name);

	while (*list) {
		size_t len = strcspn(list, ",");

		if (len == n && !strncmp(list, name, n))
			return true;
		list += len;
		if (*list == ',')
			list++;
	}
	return false;
}

unsigned int se_cpu_usable_count(const char *proc_cgroup, const char *cgroup_root,
				 unsigned int *quota)
{
	cpu_set_t set;
	unsigned int usable = se_cpu_online_count(), best = 0;
	char line[PATH_MAX + 64], base[PATH_MAX];
	FILE *f;

	if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0)
		usable = (unsigned int)CPU_COUNT(&set);
	f = fopen(proc_cgroup, "re");
	while (f && fgets(line, sizeof(line), f)) {
		/* "0::/path" (v2), or "4:cpu,cpuacct:/path" (v1) */
		char *ctrl = strchr(line, ':'), *path = ctrl ? strchr(ctrl + 1, ':') : NULL;
		unsigned int q = 0;

		if (!path)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		*ctrl++ = '\0';
		if (!strcmp(line, "0") && !*ctrl) {
			q = se_cpu_quota_along(cgroup_root, path, true);
		} else if (se_cpu_lists_controller(ctrl, "cpu")) {
			snprintf(base, sizeof(base), "%s/%s", cgroup_root, ctrl);
			q = se_cpu_quota_along(base, path, false);
		}
		if (q && (!best || q < best))
			best = q;
	}
	if (f)
		fclose(f);
	*quota = best;
	return best && best < usable ? best : usable;
}

void se_cpu_plan(unsigned int usable, unsigned int possible, unsigned int want_workers,
		 unsigned int want_rings, unsigned int *workers, unsigned int *rings)
{
	unsigned int r = want_rings ? want_rings : usable > want_workers ? usable : want_workers;
	unsigned int w = want_workers ? want_workers : usable;

	if (possible && r > possible)
		r = possible;
	if (!r)
		r = 1;
	if (w > r)
		w = r; /* a worker without a ring would have nothing to do */
	*rings = r;
	*workers = w ? w : 1;
}

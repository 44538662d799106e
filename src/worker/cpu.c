// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Ring ownership and CPU affinity of the workers: see include/sockeye/cpu.h. */
#define _GNU_SOURCE
#include "sockeye/cpu.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
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

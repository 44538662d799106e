/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which worker owns which ring, which CPU a worker is pinned to, and how many of each. Ring r
 * belongs to worker r % workers, so every ring has exactly one consumer and the rings of a
 * worker are spread over the CPUs like its load.
 */
#ifndef SOCKEYE_CPU_H
#define SOCKEYE_CPU_H

#include <stdbool.h>
#include <stdint.h>

static inline unsigned int se_cpu_ring_owner(unsigned int ring, unsigned int workers)
{
	return ring % workers;
}

/* Rings owned by worker w, written to out (at most max); returns how many. Pure. */
unsigned int se_cpu_rings_of_worker(unsigned int worker, unsigned int workers,
				    unsigned int nr_rings, unsigned int *out, unsigned int max);

/* The n-th online CPU, wrapping around (workers may outnumber CPUs); -1 if none. */
int se_cpu_nth_online(unsigned int n);

/* Pin the calling thread to cpu. Context: the thread itself. 0 or -errno. */
int se_cpu_pin_self(int cpu);

unsigned int se_cpu_online_count(void);

/*
 * The CPUs sockeye may use: its affinity mask, and the CPU limit of its cgroup (v2 cpu.max,
 * or v1 cpu.cfs_quota_us over cpu.cfs_period_us; the smallest along its path, rounded up).
 * A pod limited to 2 CPUs on a 96-CPU node gets 2 workers and 2 rings, not 96 of each.
 * proc_cgroup and cgroup_root name /proc/self/cgroup and /sys/fs/cgroup (tests give others).
 * *quota gets the limit in CPUs, 0 when there is none.
 */
unsigned int se_cpu_usable_count(const char *proc_cgroup, const char *cgroup_root,
				 unsigned int *quota);

/* "50000 100000" (cpu.max) to CPUs, rounded up; 0 for "max" or anything else. Pure. */
unsigned int se_cpu_quota_parse(const char *cpu_max);

/*
 * Workers and rings from what was asked (0: not given) and what the machine offers: rings
 * default to the usable CPUs (at least the workers asked for), at most one per possible CPU
 * (a connection's ring is its first CPU modulo the rings); workers default to the usable CPUs,
 * at most one per ring. Pure.
 */
void se_cpu_plan(unsigned int usable, unsigned int possible, unsigned int want_workers,
		 unsigned int want_rings, unsigned int *workers, unsigned int *rings);

#endif /* SOCKEYE_CPU_H */

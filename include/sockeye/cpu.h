/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which worker owns which ring, and which CPU a worker is pinned to. There is one ring per
 * possible CPU; ring r belongs to worker r % workers, so every ring has exactly one
 * consumer and the rings of a worker are spread over the CPUs like its load.
 */
#ifndef SOCKEYE_CPU_H
#define SOCKEYE_CPU_H

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

#endif /* SOCKEYE_CPU_H */

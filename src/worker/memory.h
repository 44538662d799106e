/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The most memory a configuration can take, whatever the traffic (docs/tuning.md, "Memory":
 * memory is bounded by configuration, not by traffic). Every structure that grows with
 * traffic has a limit that a flag sets; this adds them up so that the start-up line can state
 * the bound, and a pod's memory limit can be set from it. Kernel memory (rings, maps) is
 * included: it is charged to sockeye's cgroup. Pure.
 */
#ifndef SOCKEYE_MEMORY_H
#define SOCKEYE_MEMORY_H

#include <stdint.h>

#include "config/config.h"

struct se_memory_bound {
	uint64_t rings;	      /* ring buffers (kernel memory, mapped into sockeye) */
	uint64_t kernel_maps; /* the connection map, parked closes, per-CPU scratch */
	uint64_t conn_state;  /* the workers' connection tables and HTTP state */
	uint64_t buffers;     /* --buffer-budget of every worker */
	uint64_t windows;     /* shards, merged windows, the export queue, cumulative totals */
	uint64_t process;     /* code, libraries, allocator and thread stacks, as measured */
	uint64_t total;
};

/* The bound of cfg run with `workers` workers draining `rings` rings on a machine with
 * `possible_cpus` possible CPUs. */
void se_memory_bound(const struct se_config *cfg, unsigned int workers, unsigned int rings,
		     unsigned int possible_cpus, struct se_memory_bound *out);

#endif /* SOCKEYE_MEMORY_H */

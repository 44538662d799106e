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

/* One group's share of a /metrics page (--listen, sinks/prometheus/prom_page.h): its points,
 * attributes and strings in the page's arena, at the longest path or name; and what a page
 * holds besides its groups (sockeye's own metrics, the arena's last chunk). Checked by
 * tests/unit/sinks/test_otlp_metrics.c. */
#define SE_MEMORY_PROM_PAGE_GROUP 1536
#define SE_MEMORY_PROM_PAGE_FIXED (128u << 10)

struct se_memory_bound {
	uint64_t rings;	      /* ring buffers (kernel memory, mapped into sockeye) */
	uint64_t kernel_maps; /* the connection map, parked closes, per-CPU scratch */
	uint64_t conn_state;  /* the workers' connection tables and HTTP state */
	uint64_t buffers;     /* --buffer-budget of every worker */
	uint64_t windows;     /* shards, merged windows, the export queue, cumulative totals,
			       * --listen's pages */
	uint64_t process;     /* code, libraries, allocator and thread stacks, as measured */
	uint64_t total;
};

/* The bound of cfg run with `workers` workers draining `rings` rings on a machine with
 * `possible_cpus` possible CPUs. */
void se_memory_bound(const struct se_config *cfg, unsigned int workers, unsigned int rings,
		     unsigned int possible_cpus, struct se_memory_bound *out);

#endif /* SOCKEYE_MEMORY_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where the sender exports each merged window: a sink is a struct whose first member is a
 * struct se_sink, and its ops say how to export to it. The sinks (sinks/stdout, sinks/otlp)
 * are created by main and lent to the export side, so the pipeline never names one: a new
 * sink is a new folder under sinks/ and a line in main.
 *
 * Context: ops are called by the sender thread only.
 */
#ifndef SOCKEYE_SINK_H
#define SOCKEYE_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline/window_queue.h"

/* Whether sockeye is stopping: deadline_ns(arg) is 0 while it runs, and once it stops the
 * CLOCK_MONOTONIC time by which exporting must be over. */
struct se_sink_stop {
	uint64_t (*deadline_ns)(void *arg);
	void *arg;
};

struct se_sink;

struct se_sink_ops {
	/* Export one window. A sink that waits (a network) ends by stop's deadline once
	 * sockeye is stopping. */
	void (*export)(struct se_sink *s, const struct se_export_window *ew,
		       const struct se_sink_stop *stop);
	/* Optional: add what failed since the last call into the counters of the window about
	 * to be exported (SE_UC_*), so that every window is either delivered or counted. */
	void (*count_failures)(struct se_sink *s, uint64_t *counters);
	void (*free)(struct se_sink *s);
	/* A remote sink may be slow: the sender orders the sinks by this (sender.h). */
	bool remote;
};

struct se_sink {
	const struct se_sink_ops *ops;
};

static inline void se_sink_free(struct se_sink *s)
{
	if (s)
		s->ops->free(s);
}

#endif /* SOCKEYE_SINK_H */

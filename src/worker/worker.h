/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A worker: one pinned thread that drains the rings it owns in batches, keeps its own
 * connection table and stream reassembly, and at every window edge seals its shard and
 * publishes it for the merger (RCU, once per window). Everything it touches per event is
 * its own: no lock, no atomic.
 */
#ifndef SOCKEYE_WORKER_H
#define SOCKEYE_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

struct se_probe;
struct se_publish;
struct se_worker;

/* Context: main. Every worker gets the same first window start (CLOCK_REALTIME, aligned),
 * so their shards line up. NULL and errno on failure. */
struct se_worker *se_worker_new(unsigned int id, unsigned int workers, const struct se_config *cfg,
				const struct se_probe *probe, struct se_publish *pub,
				int64_t real_minus_mono_ns, uint64_t first_window_start_ns);
int se_worker_start(struct se_worker *w);
/* Ask the worker to drain what is left, seal its last (partial) window and exit.
 * Context: main (stop_real_ns ends the final window). */
void se_worker_stop(struct se_worker *w, uint64_t stop_real_ns);
int se_worker_join(struct se_worker *w);
/* The worker hit an error it cannot recover from and stopped. Context: main. */
bool se_worker_failed(struct se_worker *w);
void se_worker_free(struct se_worker *w);

#endif /* SOCKEYE_WORKER_H */

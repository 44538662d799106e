/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The merger thread: woken by each shard a worker publishes (RCU, see publish.h), it reads
 * them, merges the shards of each window (waiting at most a grace time for a lagging
 * worker) and pushes complete windows, in order, to the export queue (window_queue.h), which
 * never makes it wait.
 */
#ifndef SOCKEYE_MERGER_H
#define SOCKEYE_MERGER_H

#include "config/config.h"
#include "agg/window.h"
#include "pipeline/window_queue.h"

struct se_probe;
struct se_publish;
struct se_merger;

/* Context: main. NULL and errno on failure. probe may be NULL (no kernel counters). */
struct se_merger *se_merger_new(const struct se_config *cfg, unsigned int workers,
				const struct se_probe *probe, struct se_publish *pub,
				struct se_window_queue *queue);
int se_merger_start(struct se_merger *m);
/* Stop is under way: from now on windows wait for every worker's shard. Context: main. */
void se_merger_stopping(struct se_merger *m);
/* Returns once every worker's final shard has been merged and every window pushed.
 * Context: main, after the workers were joined. */
int se_merger_join(struct se_merger *m);
void se_merger_free(struct se_merger *m);

#endif /* SOCKEYE_MERGER_H */

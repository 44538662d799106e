/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Everything after the workers, as one object: the RCU publication of their shards
 * (publish.h), the merger thread (merger.h), the bounded queue of merged windows
 * (window_queue.h) and the sender thread (sender.h).
 *
 *   worker --publish--> merger --queue (drops oldest, counted)--> sender --> sinks
 *
 * No lock and no atomic per event: a worker touches this once per window, to publish.
 */
#ifndef SOCKEYE_EXPORT_H
#define SOCKEYE_EXPORT_H

#include <stdint.h>

#include "config/config.h"
#include "pipeline/health.h"
#include "pipeline/publish.h"
#include "pipeline/sink.h"

struct se_probe;
struct se_export;

/* Context: main. NULL on failure. probe may be NULL (no kernel counters), health too (no
 * readiness to tell). The sinks and health are lent: they must outlive se_export_free. */
struct se_export *se_export_new(const struct se_config *cfg, unsigned int workers,
				const struct se_probe *probe, struct se_sink *const *sinks,
				unsigned int nsinks, struct se_health *health);
/* Where workers publish their shards (se_publish_shard). */
struct se_publish *se_export_publish(struct se_export *e);
/* Start the merger and the sender. 0 or -errno. */
int se_export_start(struct se_export *e);
/* Stop is under way: windows wait for every worker's final shard, and OTLP exports have
 * SE_SENDER_STOP_BUDGET_S left (sender.h). Context: main. */
void se_export_stopping(struct se_export *e);
/* After the workers were joined: merge what they published, export it all, stop. */
int se_export_join(struct se_export *e);
void se_export_free(struct se_export *e);
/* Windows the merger pushed to the export queue so far, and how many of them were dropped. */
void se_export_queue_counts(struct se_export *e, uint64_t *pushed, uint64_t *dropped);

#endif /* SOCKEYE_EXPORT_H */

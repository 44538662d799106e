/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * How workers hand sealed shards to the merger: RCU publication (docs/architecture.md,
 * "Windows and publication"). Each worker owns a list of the shards it sealed, oldest first.
 * The worker is the list's only updater: it appends a shard with a release store
 * (rcu_assign_pointer's semantics) and unlinks the shards the merger has claimed, freeing them
 * with call_rcu once no reader can still hold them. The merger reads inside an RCU read-side
 * critical section (liburcu, memb flavour): it walks every list, merges the shards it has not
 * claimed yet and marks them claimed (the one thing it writes). Nothing here is per event; a
 * worker never waits for the merger, and its list holds only the shards sealed since the
 * merger's last pass. Each shard published rings the merger's doorbell (an eventfd: one
 * write per shard, so per window and worker), which it sleeps on between windows.
 *
 * The links are C11 atomics rather than liburcu's rculist, whose loads and stores
 * ThreadSanitizer cannot see (util/tsan.h); the grace periods, the read-side critical
 * sections and call_rcu are liburcu's.
 */
#ifndef SOCKEYE_PUBLISH_H
#define SOCKEYE_PUBLISH_H

#include "agg/window.h"

struct se_publish;

/* Context: main. NULL on ENOMEM. */
struct se_publish *se_publish_new(unsigned int workers);
/* Frees every shard still listed, after the callbacks already queued have run. Context:
 * main, once no worker or merger thread uses it. */
void se_publish_free(struct se_publish *p);

/* A thread that publishes (calls call_rcu) or reads registers with liburcu first, and
 * unregisters before it ends. Not per event. */
void se_publish_thread_online(void);
void se_publish_thread_offline(void);

/* Append a sealed shard to its worker's list (shard->worker < workers), first unlinking
 * the shards already claimed. Context: that worker's thread only (one updater per list). */
void se_publish_shard(struct se_publish *p, struct se_shard *shard);

/* Wake the merger: se_publish_shard does, once per shard; and whoever changes what the
 * merger waits for (a stop). Any thread. */
void se_publish_ring(struct se_publish *p);
/* Wait until rung, or timeout_ms (-1: no timeout). Context: the merger thread. */
void se_publish_wait(struct se_publish *p, int timeout_ms);

/* Call take(arg, shard) for every shard not claimed yet, oldest first within a worker, and
 * claim it. The shard must not be kept past the call. Returns how many were taken.
 * Context: the merger thread (one reader). */
unsigned int se_publish_collect(struct se_publish *p,
				void (*take)(void *arg, const struct se_shard *shard), void *arg);

#endif /* SOCKEYE_PUBLISH_H */

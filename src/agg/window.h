/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Windows and shards. A shard is one worker's share of one window: the counters it kept,
 * a record per connection that moved data, its HTTP groups and the gauges it sampled at the
 * edge. At each window edge a worker seals its shard and hands it to the sender, which
 * merges the shards of a window into one se_window.
 */
#ifndef SOCKEYE_WINDOW_H
#define SOCKEYE_WINDOW_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <urcu/urcu-memb.h> /* struct rcu_head */

#include "sockeye/abi.h"
#include "conn/table.h"
#include "agg/delay_hist.h"
#include "proto/proto.h"
#include "util/counter.h"

struct se_conn_record {
	uint64_t id;
	uint32_t pid;
	uint8_t role;
	uint8_t proto; /* enum se_proto, as detected so far */
	bool tls;      /* its bytes are TLS records (ciphertext) */
	struct se_endpoint local;
	struct se_endpoint peer;
	struct se_conn_activity dir[SE_DIR__COUNT];
	uint64_t digest[SE_DIR__COUNT];
};

struct se_shard {
	/* Publication (src/pipeline/publish.c). sync: next is written by the worker (release) and
	 * read by the merger inside an RCU read-side section; claimed is written by the merger
	 * (release) and read by the worker (acquire); rcu frees it after a grace period. */
	_Atomic(struct se_shard *) next;
	atomic_bool claimed;
	struct rcu_head rcu;
	uint64_t start_ns; /* window bounds, CLOCK_REALTIME */
	uint64_t end_ns;
	uint32_t worker;
	bool final; /* last shard of this worker: it has stopped */
	uint64_t counters[SE_UC__COUNT];
	uint32_t nconns;
	uint32_t cap;
	struct se_conn_record *conns;
	void *parts[SE_PROTO__COUNT]; /* each parsed protocol's part (protocol.h) */
	/* gauges, sampled by the worker at the seal */
	uint64_t conns_active; /* connections in the worker's table */
	uint64_t buffer_bytes; /* bytes its connections hold from --buffer-budget */
	/* kernel timestamp to end of aggregation, one record in SE_SHARD_DELAY_EVERY */
	struct se_delay_hist delay;
};

/* The worker samples its own lag on one record in this many (a clock read each). */
#define SE_SHARD_DELAY_EVERY 16

/* Context: worker (at start and at each seal, never per event). NULL on ENOMEM. Each
 * protocol's part keeps at most max_groups groups (and allocates only when requests come). */
struct se_shard *se_shard_new(uint32_t worker, uint64_t start_ns, uint64_t end_ns,
			      uint32_t max_groups);
void se_shard_free(struct se_shard *s);
/* Append a record (grows geometrically). 0 or -ENOMEM. */
int se_shard_add_conn(struct se_shard *s, const struct se_conn_record *r);

/* Kernel-side view of a window: counter deltas since the previous window. */
struct se_kernel_window {
	uint64_t counters[SE_KC__COUNT];
	uint64_t prog_missed; /* hook runs skipped by the kernel (another BPF program active) */
};

/* A merged window, as exported. */
struct se_window {
	uint64_t start_ns;
	uint64_t end_ns;
	uint32_t shards; /* shards merged so far */
	uint64_t counters[SE_UC__COUNT];
	uint32_t nconns;
	uint32_t cap;
	struct se_conn_record *conns;
	uint32_t max_groups;
	/* each parsed protocol's part (protocol.h), with no span limit of its own: the shards'
	 * bound it. NULL until made (se_window_part), or when memory ran out. */
	void *parts[SE_PROTO__COUNT];
	uint64_t conns_active; /* summed over the shards merged (not over added windows) */
	uint64_t buffer_bytes;
	struct se_delay_hist delay; /* of every shard merged or window added */
};

/* Never fails: parts that cannot be made now are made when something is merged into them. */
void se_window_init(struct se_window *w, uint64_t start_ns, uint64_t end_ns, uint32_t max_groups);
void se_window_fini(struct se_window *w);
/* The protocol's part of w, made if needed; NULL for a protocol with none, or on ENOMEM. */
void *se_window_part(struct se_window *w, unsigned int proto);
/*
 * Add everything src counted (counters, records, protocol parts) without counting a shard:
 * the sender carries late shards into the next window this way. Gauges are not carried: they
 * are samples of src's edge, and the shards of w's own edge report current values.
 * Whatever the merge loses to w's limits or to memory is counted in w's counters (by each
 * protocol). src is left untouched. 0 or -ENOMEM (the rest is still added).
 */
int se_window_add(struct se_window *w, const struct se_window *src);
/* Add only what src counted (counters, delay): what remains of a window that is dropped. */
void se_window_add_counts(struct se_window *w, const struct se_window *src);
/*
 * Add the shard as one of the window's shards: counters, records, protocol parts, gauges
 * (summed). What the parts lost to their limits (which the worker does not count) goes into
 * the counters. The shard is left untouched. 0 or -ENOMEM (the rest is still merged).
 */
int se_window_merge(struct se_window *w, const struct se_shard *s);

#endif /* SOCKEYE_WINDOW_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reconciliation of a worker's connection table with the kernel's `conns` map: how a
 * connection whose close record was lost (its ring full and the parking map full: counted
 * as close_lost) still ends. A pass sights in the table every `conns` entry of the worker's
 * rings, lets a second go by, then ends the older table entries the kernel did not have.
 * A pass starts at the first window edge after close_lost grew, and at least once a minute.
 *
 * Context: owned by one worker; no locking. Every step is bounded (a batch of the kernel
 * walk, a slice of the table), so a pass over the largest tables never stalls the drain.
 */
#ifndef SOCKEYE_RECONCILE_H
#define SOCKEYE_RECONCILE_H

#include <stdbool.h>
#include <stdint.h>

#include <bpf/bpf.h>

#include "sockeye/abi.h"
#include "conn/table.h"

/* `conns` entries read per step (one BPF_MAP_LOOKUP_BATCH call). */
#define SE_RECONCILE_BATCH 1024
/* Table slots looked at per step of the scan. */
#define SE_RECONCILE_SCAN_SLICE 16384

enum se_reconcile_phase {
	SE_RECONCILE_IDLE = 0,
	SE_RECONCILE_WALK,   /* reading `conns`, a batch per step */
	SE_RECONCILE_SETTLE, /* walked; waiting for close records still on their way */
	SE_RECONCILE_SCAN,   /* ending what the walk did not sight, a slice per step */
};

struct se_reconcile;

/* bpf_map_lookup_batch's signature: tests pass a fake kernel map. */
typedef int (*se_reconcile_batch_fn)(int fd, void *in_batch, void *out_batch, void *keys,
				     void *values, __u32 *count,
				     const struct bpf_map_batch_opts *opts);
/* The kernel's close_lost counter (summed over CPUs) into *out; 0 or -errno. */
typedef int (*se_reconcile_lost_fn)(const struct se_reconcile *r, uint64_t *out);
/* End c, which the kernel no longer has (it stays in the table until the seal frees it). */
typedef void (*se_reconcile_end_fn)(void *ctx, struct se_conn *c);

struct se_reconcile {
	/* immutable after init */
	int conns_fd;
	int counters_fd;
	unsigned int worker, workers; /* whose rings are this worker's (se_cpu_ring_owner) */
	int ncpus;		      /* width of a per-CPU counter */
	se_reconcile_batch_fn lookup_batch;
	se_reconcile_lost_fn read_close_lost;
	/* scratch, sized at init */
	__u64 *keys;
	struct se_conn_state *vals;
	__u64 *percpu;
	/* state */
	enum se_reconcile_phase phase;
	bool walk_started;	  /* the batch cursor holds a position */
	bool warned;		  /* a failed walk was logged once */
	__u64 cursor;		  /* BPF_MAP_LOOKUP_BATCH position (a bucket, for a hash map) */
	uint64_t close_lost_seen; /* close_lost when the last pass began */
	uint64_t next_pass_ns;	  /* CLOCK_MONOTONIC: the next pass at the latest */
	uint64_t settled_ns;	  /* CLOCK_MONOTONIC: the scan may begin at an edge after it */
	uint32_t scan_pos;	  /* next table slot */
	uint32_t scan_left;	  /* unsighted entries the scan has yet to meet */
	uint64_t passes;	  /* passes begun (diagnostics, tests) */
};

/*
 * conns_fd, counters_fd: the kernel's `conns` and `counters` maps; worker, workers: as in
 * se_cpu_ring_owner. The first periodic pass comes a minute after now_mono. 0 or -ENOMEM.
 */
int se_reconcile_init(struct se_reconcile *r, int conns_fd, int counters_fd, unsigned int worker,
		      unsigned int workers, uint64_t now_mono);
void se_reconcile_fini(struct se_reconcile *r);

/*
 * At every window edge, once the worker has drained its rings and collected the parked
 * close records: begins a pass if close_lost grew since the last one or a minute has gone
 * by, and begins the scan of a walked pass whose settling time is over.
 */
void se_reconcile_edge(struct se_reconcile *r, struct se_conn_table *t, uint64_t now_mono);

/* Whether a pass is in progress: the worker must keep calling se_reconcile_step. */
static inline bool se_reconcile_running(const struct se_reconcile *r)
{
	return r->phase != SE_RECONCILE_IDLE;
}

/*
 * Once per drain loop, after the drain: one bounded step of the pass in progress, if any.
 * The scan hands each connection to end; nothing else of the table changes.
 */
void se_reconcile_step(struct se_reconcile *r, struct se_conn_table *t, uint64_t now_mono,
		       se_reconcile_end_fn end, void *ctx);

#endif /* SOCKEYE_RECONCILE_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reconciliation of a worker's connection table with the kernel's `conns` map (see
 * src/conn/reconcile.h).
 *
 * Why an entry the scan ends is really gone from the kernel:
 * - The kernel inserts a connection into `conns` before it writes the open record, so an
 *   entry in the table when the pass began was in `conns` before the walk started.
 *   Entries inserted later count as sighted (se_conn_table_insert).
 * - BPF_MAP_LOOKUP_BATCH walks a hash map bucket by bucket and copies each bucket whole
 *   under its lock (kernel/bpf/hashtab.c), and a key always hashes to the same bucket: a
 *   key present from the walk's start to its end is returned. (BPF_MAP_GET_NEXT_KEY gives
 *   no such promise: when its current key is deleted it starts again from the first
 *   bucket.) So an older entry the walk did not sight left `conns` before the walk ended.
 * - A connection leaves `conns` just before its close record is written or parked
 *   (se_conn_end in bpf/emit.bpf.h). The scan begins at a window edge at least
 *   SE_RECONCILE_SETTLE_NS after the walk ended, once the worker has drained its rings and
 *   collected the parked closes: a close record that was going to arrive has arrived and
 *   marked the entry closed. What is left lost its close record.
 * A table entry the kernel still has is never ended; one that a pass misses (moved by a
 * removal during a chunked scan) is ended by the next pass.
 */
#include "conn/reconcile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "util/clock.h"
#include "util/cpu.h"
#include "util/log.h"

/* Every minute at the latest: an end lost without being counted would otherwise stay. */
#define SE_RECONCILE_PERIOD_NS (60 * SE_NS_PER_S)
/* From the walk's end to the scan: far beyond the microseconds between a connection
 * leaving `conns` and its close record being committed, even for a preempted program. */
#define SE_RECONCILE_SETTLE_NS (1 * SE_NS_PER_S)

static int se_reconcile_read_close_lost(const struct se_reconcile *r, uint64_t *out)
{
	__u32 key = SE_KC_DROP_CLOSE_LOST;

	if (bpf_map_lookup_elem(r->counters_fd, &key, r->percpu))
		return -errno;
	*out = 0;
	for (int c = 0; c < r->ncpus; c++)
		*out += r->percpu[c];
	return 0;
}

int se_reconcile_init(struct se_reconcile *r, int conns_fd, int counters_fd, unsigned int worker,
		      unsigned int workers, uint64_t now_mono)
{
	memset(r, 0, sizeof(*r));
	r->conns_fd = conns_fd;
	r->counters_fd = counters_fd;
	r->worker = worker;
	r->workers = workers;
	r->ncpus = libbpf_num_possible_cpus();
	if (r->ncpus <= 0)
		r->ncpus = 1; /* the counter then reads as unchanged: the periodic pass remains */
	r->lookup_batch = bpf_map_lookup_batch;
	r->read_close_lost = se_reconcile_read_close_lost;
	r->keys = calloc(SE_RECONCILE_BATCH, sizeof(*r->keys));
	r->vals = calloc(SE_RECONCILE_BATCH, sizeof(*r->vals));
	r->percpu = calloc((size_t)r->ncpus, sizeof(*r->percpu));
	r->next_pass_ns = now_mono + SE_RECONCILE_PERIOD_NS;
	if (!r->keys || !r->vals || !r->percpu) {
		se_reconcile_fini(r);
		return -ENOMEM;
	}
	return 0;
}

void se_reconcile_fini(struct se_reconcile *r)
{
	free(r->keys);
	free(r->vals);
	free(r->percpu);
	r->keys = NULL;
	r->vals = NULL;
	r->percpu = NULL;
}

void se_reconcile_edge(struct se_reconcile *r, struct se_conn_table *t, uint64_t now_mono)
{
	uint64_t lost = r->close_lost_seen;

	switch (r->phase) {
	case SE_RECONCILE_IDLE:
		if (r->read_close_lost(r, &lost))
			lost = r->close_lost_seen; /* unreadable: the periodic pass still comes */
		if (lost == r->close_lost_seen && now_mono < r->next_pass_ns)
			return;
		/* Read before the walk: a loss counted later begins another pass at a later
		 * edge, whether this walk catches its connection or not. (One whose open
		 * record the worker has yet to read counts as sighted in this pass and is
		 * judged by a later one, the periodic one at the latest.) */
		r->close_lost_seen = lost;
		r->next_pass_ns = now_mono + SE_RECONCILE_PERIOD_NS;
		r->walk_started = false;
		r->passes++;
		se_conn_table_begin_pass(t);
		r->phase = SE_RECONCILE_WALK;
		return;
	case SE_RECONCILE_SETTLE:
		if (now_mono < r->settled_ns)
			return;
		if (!t->unsighted) { /* every older entry was sighted or has been freed */
			r->phase = SE_RECONCILE_IDLE;
			return;
		}
		r->scan_pos = 0;
		r->scan_left = t->unsighted;
		r->phase = SE_RECONCILE_SCAN;
		return;
	default: /* a walk or a scan goes on, a step per loop */
		return;
	}
}

/* One batch of `conns`: sight this worker's connections; at the end, settle. */
static void se_reconcile_walk(struct se_reconcile *r, struct se_conn_table *t, uint64_t now_mono)
{
	__u32 n = SE_RECONCILE_BATCH;
	int ret = r->lookup_batch(r->conns_fd, r->walk_started ? &r->cursor : NULL, &r->cursor,
				  r->keys, r->vals, &n, NULL);

	if (ret && ret != -ENOENT) {
		/* An incomplete walk proves nothing: end nothing, try again at the next pass.
		 * (-ENOSPC would be one hash bucket holding more than a batch.) */
		if (!r->warned)
			se_warn("worker %u: cannot read the kernel's connection map (%s): "
				"connections whose close was lost stay until a later pass",
				r->worker, strerror(-ret));
		r->warned = true;
		r->phase = SE_RECONCILE_IDLE;
		return;
	}
	if (n > SE_RECONCILE_BATCH)
		n = SE_RECONCILE_BATCH;
	for (__u32 i = 0; i < n; i++) {
		struct se_conn *c;

		if (se_cpu_ring_owner(r->vals[i].ring, r->workers) != r->worker)
			continue;
		c = se_conn_table_lookup(t, r->vals[i].id);
		if (c)
			se_conn_table_sight(t, c);
	}
	r->walk_started = true;
	if (ret == -ENOENT) { /* the last batch */
		r->settled_ns = now_mono + SE_RECONCILE_SETTLE_NS;
		r->phase = SE_RECONCILE_SETTLE;
	}
}

/* One slice of the table: end the older entries the walk did not sight. */
static void se_reconcile_scan(struct se_reconcile *r, struct se_conn_table *t,
			      se_reconcile_end_fn end, void *ctx)
{
	uint32_t stop = t->capacity - r->scan_pos > SE_RECONCILE_SCAN_SLICE
			    ? r->scan_pos + SE_RECONCILE_SCAN_SLICE
			    : t->capacity;

	for (; r->scan_pos < stop && r->scan_left; r->scan_pos++) {
		struct se_conn *c = &t->slots[r->scan_pos];

		if (!c->id || !se_conn_table_unsighted(t, c))
			continue;
		r->scan_left--;
		if (!c->closed)
			end(ctx, c);
	}
	if (r->scan_pos >= t->capacity || !r->scan_left)
		r->phase = SE_RECONCILE_IDLE;
}

void se_reconcile_step(struct se_reconcile *r, struct se_conn_table *t, uint64_t now_mono,
		       se_reconcile_end_fn end, void *ctx)
{
	if (r->phase == SE_RECONCILE_WALK)
		se_reconcile_walk(r, t, now_mono);
	else if (r->phase == SE_RECONCILE_SCAN)
		se_reconcile_scan(r, t, end, ctx);
}

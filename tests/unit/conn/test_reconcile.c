// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the reconciliation of a worker's table with the kernel's connection map
 * (src/conn/reconcile.c), against a fake map walked in order, a slot per "bucket": when a
 * pass begins, that only what the kernel no longer has is ended, and only after the walk
 * has settled and at a window edge; that connections opened during the walk, or closed by
 * their own record, are kept; that other workers' rings are ignored; that a failed walk
 * ends nothing; and that walk and scan go in bounded steps.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/clock.h"
#include "conn/reconcile.h"

#define KERNEL_MAX 70000
#define WORKER	   0
#define WORKERS	   2 /* rings 0 and 2 are this worker's, ring 1 the other's */
#define SEC	   SE_NS_PER_S

/* The fake `conns`: slot i holds an entry if live; the walk visits the slots in order. */
static struct {
	struct se_conn_state v[KERNEL_MAX];
	bool live[KERNEL_MAX];
	uint32_t n;	    /* slots in use */
	int fail;	    /* returned by the next batch instead of entries */
	unsigned int calls; /* batches read */
	uint64_t lost;	    /* close_lost */
} k;

static uint64_t ended[KERNEL_MAX];
static uint32_t nended;

static int fake_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values,
		      __u32 *count, const struct bpf_map_batch_opts *opts)
{
	uint64_t pos = in_batch ? *(uint64_t *)in_batch : 0;
	struct se_conn_state *out = values;
	__u32 n = 0;

	(void)fd;
	(void)keys;
	(void)opts;
	k.calls++;
	if (k.fail)
		return k.fail;
	for (; pos < k.n && n < *count; pos++)
		if (k.live[pos])
			out[n++] = k.v[pos];
	*(uint64_t *)out_batch = pos;
	*count = n;
	return pos >= k.n ? -ENOENT : 0;
}

static int fake_lost(const struct se_reconcile *r, uint64_t *out)
{
	(void)r;
	*out = k.lost;
	return 0;
}

static void end_cb(void *ctx, struct se_conn *c)
{
	assert_false(c->closed);
	c->closed = true; /* as the worker does: freed at its seal */
	ended[nended++] = c->id;
}

/* A connection the kernel holds in slot `slot`, on `ring`. */
static void kernel_add(uint32_t slot, uint64_t id, uint32_t ring)
{
	memset(&k.v[slot], 0, sizeof(k.v[slot]));
	k.v[slot].id = id;
	k.v[slot].ring = ring;
	k.live[slot] = true;
	if (slot >= k.n)
		k.n = slot + 1;
}

static int setup(void **state)
{
	(void)state;
	memset(&k, 0, sizeof(k));
	nended = 0;
	return 0;
}

static void start(struct se_reconcile *r, struct se_conn_table *t, uint32_t max_live)
{
	assert_int_equal(se_conn_table_init(t, max_live), 0);
	assert_int_equal(se_reconcile_init(r, -1, -1, WORKER, WORKERS, 0), 0);
	r->lookup_batch = fake_batch;
	r->read_close_lost = fake_lost;
}

static void stop(struct se_reconcile *r, struct se_conn_table *t)
{
	se_reconcile_fini(r);
	se_conn_table_fini(t);
}

/* Steps until the phase changes (a walk or a scan done); returns how many. */
static unsigned int steps(struct se_reconcile *r, struct se_conn_table *t, uint64_t now)
{
	enum se_reconcile_phase at = r->phase;
	unsigned int n = 0;

	while (r->phase == at && n < 1000) {
		se_reconcile_step(r, t, now, end_cb, NULL);
		n++;
	}
	return n;
}

static bool was_ended(uint64_t id)
{
	for (uint32_t i = 0; i < nended; i++)
		if (ended[i] == id)
			return true;
	return false;
}

static void test_no_pass_without_cause(void **state)
{
	struct se_reconcile r;
	struct se_conn_table t;

	(void)state;
	start(&r, &t, 64);
	se_conn_table_insert(&t, 1); /* the kernel has nothing: yet no pass looks */
	for (uint64_t now = 0; now < 55 * SEC; now += 5 * SEC) {
		se_reconcile_edge(&r, &t, now);
		se_reconcile_step(&r, &t, now, end_cb, NULL);
		assert_int_equal(r.phase, SE_RECONCILE_IDLE);
	}
	assert_int_equal(k.calls, 0);
	/* A minute on, the periodic pass begins and ends what the kernel lacks. */
	se_reconcile_edge(&r, &t, 60 * SEC);
	assert_int_equal(r.phase, SE_RECONCILE_WALK);
	steps(&r, &t, 60 * SEC);
	se_reconcile_edge(&r, &t, 61 * SEC);
	assert_int_equal(r.phase, SE_RECONCILE_SCAN);
	steps(&r, &t, 61 * SEC);
	assert_int_equal(nended, 1);
	assert_int_equal(ended[0], 1);
	stop(&r, &t);
}

static void test_lost_close_ends_only_what_the_kernel_lacks(void **state)
{
	struct se_reconcile r;
	struct se_conn_table t;

	(void)state;
	start(&r, &t, 64);
	for (uint64_t id = 1; id <= 8; id++)
		se_conn_table_insert(&t, id);
	kernel_add(0, 1, 0);
	kernel_add(1, 2, 2);
	kernel_add(2, 3, 0);
	kernel_add(3, 5, 1); /* 5's entry says ring 1: not this worker's, so not a sighting */
	kernel_add(4, 100, 1);
	/* 4, 6, 7, 8 are gone from the kernel */

	k.lost = 3;
	se_reconcile_edge(&r, &t, 5 * SEC);
	assert_int_equal(r.phase, SE_RECONCILE_WALK);
	assert_int_equal(t.unsighted, 8);
	assert_int_equal(steps(&r, &t, 5 * SEC), 1);
	assert_int_equal(r.phase, SE_RECONCILE_SETTLE);
	assert_int_equal(t.unsighted, 5);
	/* 7's close record arrives while the pass settles: it ends as usual */
	se_conn_table_lookup(&t, 7)->closed = true;
	/* steps between edges do nothing; an edge within the settling second neither */
	se_reconcile_step(&r, &t, 5 * SEC, end_cb, NULL);
	se_reconcile_edge(&r, &t, 5 * SEC + SEC / 2);
	assert_int_equal(r.phase, SE_RECONCILE_SETTLE);
	assert_int_equal(nended, 0);

	se_reconcile_edge(&r, &t, 6 * SEC);
	assert_int_equal(r.phase, SE_RECONCILE_SCAN);
	steps(&r, &t, 6 * SEC);
	assert_int_equal(r.phase, SE_RECONCILE_IDLE);
	assert_int_equal(nended, 4);
	assert_true(was_ended(4) && was_ended(6) && was_ended(8));
	assert_true(was_ended(5)); /* the kernel's 5 is another worker's connection */
	assert_false(was_ended(1) || was_ended(2) || was_ended(3) || was_ended(7));

	/* The counter unchanged: no new pass; grown: the next edge begins one. */
	se_reconcile_edge(&r, &t, 10 * SEC);
	assert_int_equal(r.phase, SE_RECONCILE_IDLE);
	k.lost = 4;
	se_reconcile_edge(&r, &t, 15 * SEC);
	assert_int_equal(r.phase, SE_RECONCILE_WALK);
	assert_int_equal(r.passes, 2);
	stop(&r, &t);
}

/*
 * A walk of several batches while connections come and go: one opened (in the kernel where
 * the walk has passed, then in the table) is kept; one whose kernel entry outlives the walk
 * is sighted; one deleted ahead of the walk is ended.
 */
static void test_connections_during_the_walk(void **state)
{
	struct se_reconcile r;
	struct se_conn_table t;
	uint32_t total = 3 * SE_RECONCILE_BATCH;

	(void)state;
	start(&r, &t, 4096);
	for (uint32_t i = 0; i < total; i++) {
		kernel_add(i, 1000 + i, i % 3);
		if (i % 3 != 1)
			se_conn_table_insert(&t, 1000 + i);
	}
	k.lost = 1;
	se_reconcile_edge(&r, &t, 5 * SEC);
	se_reconcile_step(&r, &t, 5 * SEC, end_cb, NULL); /* the first batch */
	assert_int_equal(r.phase, SE_RECONCILE_WALK);
	/* opened now, into a slot already walked */
	kernel_add(10, 99999, 0);
	se_conn_table_insert(&t, 99999);
	/* closed ahead of the walk, and its close record lost */
	k.live[total - 1] = false; /* id 1000 + total - 1, ring (total - 1) % 3 == 2: mine */
	steps(&r, &t, 5 * SEC);
	assert_int_equal(r.phase, SE_RECONCILE_SETTLE);
	assert_int_equal(k.calls, 3); /* batches of SE_RECONCILE_BATCH, the last one says end */
	se_reconcile_edge(&r, &t, 10 * SEC);
	steps(&r, &t, 10 * SEC);
	assert_int_equal(nended, 1);
	assert_int_equal(ended[0], 1000 + total - 1);
	stop(&r, &t);
}

static void test_failed_walk_ends_nothing(void **state)
{
	struct se_reconcile r;
	struct se_conn_table t;

	(void)state;
	start(&r, &t, 64);
	se_conn_table_insert(&t, 1);
	k.lost = 1;
	k.fail = -EPERM;
	se_reconcile_edge(&r, &t, 5 * SEC);
	se_reconcile_step(&r, &t, 5 * SEC, end_cb, NULL);
	assert_int_equal(r.phase, SE_RECONCILE_IDLE);
	se_reconcile_edge(&r, &t, 10 * SEC); /* no new loss: waits for the period */
	assert_int_equal(r.phase, SE_RECONCILE_IDLE);
	assert_int_equal(nended, 0);

	k.fail = 0;
	k.lost = 2;
	se_reconcile_edge(&r, &t, 15 * SEC);
	steps(&r, &t, 15 * SEC);
	se_reconcile_edge(&r, &t, 20 * SEC);
	steps(&r, &t, 20 * SEC);
	assert_int_equal(nended, 1);
	stop(&r, &t);
}

/* Every entry sighted: the settled pass ends without looking through the table. */
static void test_all_sighted_skips_the_scan(void **state)
{
	struct se_reconcile r;
	struct se_conn_table t;

	(void)state;
	start(&r, &t, 64);
	for (uint64_t id = 1; id <= 10; id++) {
		se_conn_table_insert(&t, id);
		kernel_add((uint32_t)id, id, 0);
	}
	k.lost = 1;
	se_reconcile_edge(&r, &t, 5 * SEC);
	steps(&r, &t, 5 * SEC);
	assert_int_equal(t.unsighted, 0);
	se_reconcile_edge(&r, &t, 10 * SEC);
	assert_int_equal(r.phase, SE_RECONCILE_IDLE);
	assert_int_equal(nended, 0);
	stop(&r, &t);
}

/* The largest tables are scanned a slice per step, and the scan stops once it has met every
 * unsighted entry. */
static void test_scan_in_slices(void **state)
{
	struct se_reconcile r;
	struct se_conn_table t;
	uint32_t n = 60000, gone = 0;
	unsigned int nsteps;

	(void)state;
	start(&r, &t, 65536);
	for (uint32_t i = 0; i < n; i++) {
		se_conn_table_insert(&t, i + 1);
		if (i % 600)
			kernel_add(i, i + 1, 0);
		else
			gone++;
	}
	k.lost = 1;
	se_reconcile_edge(&r, &t, 5 * SEC);
	nsteps = steps(&r, &t, 5 * SEC);
	assert_int_equal(nsteps, (n + SE_RECONCILE_BATCH - 1) / SE_RECONCILE_BATCH);
	se_reconcile_edge(&r, &t, 10 * SEC);
	nsteps = steps(&r, &t, 10 * SEC);
	assert_true(nsteps > 1);
	assert_true(nsteps <= (t.capacity + SE_RECONCILE_SCAN_SLICE - 1) / SE_RECONCILE_SCAN_SLICE);
	assert_int_equal(nended, gone);
	stop(&r, &t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_no_pass_without_cause, setup),
		cmocka_unit_test_setup(test_lost_close_ends_only_what_the_kernel_lacks, setup),
		cmocka_unit_test_setup(test_connections_during_the_walk, setup),
		cmocka_unit_test_setup(test_failed_walk_ends_nothing, setup),
		cmocka_unit_test_setup(test_all_sighted_skips_the_scan, setup),
		cmocka_unit_test_setup(test_scan_in_slices, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

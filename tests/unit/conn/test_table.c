// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the worker-local connection table (src/conn/table.c): sizing, insert, lookup,
 * the max_live bound, backward-shift removal (checked against a reference set under random
 * churn and on hand-built collision chains, including one that wraps around the end of the
 * slot array), the active list walked at the window seal, and the accounting of a
 * reconciliation pass.
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

#include "conn/table.h"
#include "util/hash.h"

/* Deterministic generator so a failure reproduces (xorshift64*). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t home_of(const struct se_conn_table *t, uint64_t id)
{
	return (uint32_t)se_hash_u64(id) & (t->capacity - 1);
}

/* The entry for id is there, carries the tag written at insert, and is found at or after home. */
static void assert_present(struct se_conn_table *t, uint64_t id)
{
	struct se_conn *c = se_conn_table_lookup(t, id);

	assert_non_null(c);
	assert_int_equal(c->id, id);
	assert_int_equal(c->pid, (uint32_t)(id * 7 + 1));
}

static struct se_conn *insert_tagged(struct se_conn_table *t, uint64_t id)
{
	struct se_conn *c = se_conn_table_insert(t, id);

	assert_non_null(c);
	c->pid = (uint32_t)(id * 7 + 1);
	return c;
}

static void test_init_sizes(void **state)
{
	struct se_conn_table t;

	assert_int_equal(se_conn_table_init(&t, 0), -EINVAL);
	assert_int_equal(se_conn_table_init(&t, (1u << 30) + 1), -EINVAL);

	assert_int_equal(se_conn_table_init(&t, 1), 0);
	assert_int_equal(t.capacity, 16);
	assert_int_equal(t.max_live, 1);
	assert_int_equal(t.live, 0);
	se_conn_table_fini(&t);

	assert_int_equal(se_conn_table_init(&t, 1000), 0);
	assert_int_equal(t.capacity, 2048); /* power of two, at least twice max_live */
	se_conn_table_fini(&t);

	assert_int_equal(se_conn_table_init(&t, 1024), 0);
	assert_int_equal(t.capacity, 2048);
	se_conn_table_fini(&t);
	se_conn_table_fini(&t); /* twice is harmless */
}

static void test_insert_lookup_remove(void **state)
{
	struct se_conn_table t;
	struct se_conn *a, *b;

	assert_int_equal(se_conn_table_init(&t, 64), 0);
	assert_null(se_conn_table_lookup(&t, 42));

	a = se_conn_table_insert(&t, 42);
	assert_non_null(a);
	assert_int_equal(a->id, 42);
	assert_int_equal(a->next_active, UINT32_MAX);
	assert_false(a->in_active_list);
	assert_false(a->closed);
	assert_int_equal(t.live, 1);
	a->pid = 1234;

	/* Inserting an existing id returns the same entry, untouched. */
	b = se_conn_table_insert(&t, 42);
	assert_ptr_equal(a, b);
	assert_int_equal(b->pid, 1234);
	assert_int_equal(t.live, 1);
	assert_ptr_equal(se_conn_table_lookup(&t, 42), a);

	b = se_conn_table_insert(&t, 43);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_equal(t.live, 2);

	se_conn_table_remove(&t, a);
	assert_int_equal(t.live, 1);
	assert_null(se_conn_table_lookup(&t, 42));
	assert_non_null(se_conn_table_lookup(&t, 43));

	/* A re-inserted id comes back zeroed. */
	a = se_conn_table_insert(&t, 42);
	assert_non_null(a);
	assert_int_equal(a->pid, 0);
	se_conn_table_fini(&t);
}

static void test_capacity_limit(void **state)
{
	struct se_conn_table t;
	struct se_conn *c;
	const uint32_t max = 64;

	assert_int_equal(se_conn_table_init(&t, max), 0);
	for (uint64_t id = 1; id <= max; id++)
		insert_tagged(&t, id);
	assert_int_equal(t.live, max);
	assert_null(se_conn_table_insert(&t, max + 1));
	assert_null(se_conn_table_insert(&t, 1ull << 40));
	assert_int_equal(t.live, max);
	assert_null(se_conn_table_lookup(&t, max + 1));

	/* Existing ids are still returned when full. */
	c = se_conn_table_insert(&t, 17);
	assert_non_null(c);
	assert_int_equal(c->id, 17);

	/* One out, one in. */
	se_conn_table_remove(&t, se_conn_table_lookup(&t, 5));
	assert_non_null(se_conn_table_insert(&t, max + 1));
	assert_null(se_conn_table_insert(&t, max + 2));
	for (uint64_t id = 1; id <= max; id++)
		if (id != 5)
			assert_present(&t, id);
	se_conn_table_fini(&t);
}

/* Insert many ids, remove a random half, check the rest are found and the removed are not. */
static void check_remove_half(const uint64_t *ids, uint32_t n)
{
	struct se_conn_table t;
	bool *gone = calloc(n, sizeof(*gone));

	assert_non_null(gone);
	assert_int_equal(se_conn_table_init(&t, n), 0);
	for (uint32_t i = 0; i < n; i++)
		insert_tagged(&t, ids[i]);
	assert_int_equal(t.live, n);

	for (uint32_t removed = 0; removed < n / 2;) {
		uint32_t i = (uint32_t)(rng() % n);

		if (gone[i])
			continue;
		se_conn_table_remove(&t, se_conn_table_lookup(&t, ids[i]));
		gone[i] = true;
		removed++;
	}
	assert_int_equal(t.live, n - n / 2);
	for (uint32_t i = 0; i < n; i++) {
		if (gone[i])
			assert_null(se_conn_table_lookup(&t, ids[i]));
		else
			assert_present(&t, ids[i]);
	}
	se_conn_table_fini(&t);
	free(gone);
}

static void test_remove_half_sequential_ids(void **state)
{
	enum { N = 5000 };
	static uint64_t ids[N];

	for (uint32_t i = 0; i < N; i++)
		ids[i] = i + 1; /* the kernel hands out ids from a counter */
	check_remove_half(ids, N);
}

static void test_remove_half_random_ids(void **state)
{
	enum { N = 5000 };
	static uint64_t ids[N];

	for (uint32_t i = 0; i < N; i++) {
		ids[i] = rng() | 1; /* nonzero; duplicates are astronomically unlikely */
		for (uint32_t k = 0; k < i; k++)
			assert_true(ids[k] != ids[i]);
	}
	check_remove_half(ids, N);
}

/* Long random churn against a reference set, with the table kept at its max_live bound. */
static void test_churn_against_reference(void **state)
{
	enum { MAX = 200, UNIVERSE = 600, ROUNDS = 100000 };
	struct se_conn_table t;
	bool present[UNIVERSE + 1] = { false };
	uint32_t live = 0;

	assert_int_equal(se_conn_table_init(&t, MAX), 0);
	for (uint32_t round = 0; round < ROUNDS; round++) {
		uint64_t id = rng() % UNIVERSE + 1;
		struct se_conn *c;

		if (rng() & 1) {
			c = se_conn_table_insert(&t, id);
			if (present[id]) {
				assert_non_null(c);
				assert_int_equal(c->pid, (uint32_t)(id * 7 + 1));
			} else if (live == MAX) {
				assert_null(c);
			} else {
				assert_non_null(c);
				c->pid = (uint32_t)(id * 7 + 1);
				present[id] = true;
				live++;
			}
		} else {
			c = se_conn_table_lookup(&t, id);
			assert_int_equal(c != NULL, present[id]);
			if (c) {
				se_conn_table_remove(&t, c);
				present[id] = false;
				live--;
			}
		}
		assert_int_equal(t.live, live);
		if (round % 1000)
			continue;
		for (uint64_t k = 1; k <= UNIVERSE; k++) {
			if (present[k])
				assert_present(&t, k);
			else
				assert_null(se_conn_table_lookup(&t, k));
		}
	}
	se_conn_table_fini(&t);
}

/* The n smallest ids whose home slot is `home`. */
static void ids_with_home(const struct se_conn_table *t, uint32_t home, uint64_t *out, uint32_t n)
{
	uint64_t id = 1;

	for (uint32_t k = 0; k < n; id++)
		if (home_of(t, id) == home)
			out[k++] = id;
}

/*
 * A collision chain that wraps from the last slot to slot 0, mixed with entries whose home is
 * slot 0 itself: removing any one keeps every other reachable from its home.
 */
static void test_remove_in_wrapping_chain(void **state)
{
	enum { LAST = 3, FIRST = 3 };
	struct se_conn_table t;
	uint64_t at_last[LAST], at_zero[FIRST], all[LAST + FIRST];

	assert_int_equal(se_conn_table_init(&t, 8), 0); /* 16 slots */
	ids_with_home(&t, t.capacity - 1, at_last, LAST);
	ids_with_home(&t, 0, at_zero, FIRST);
	se_conn_table_fini(&t);
	for (uint32_t victim = 0; victim < LAST + FIRST; victim++) {
		uint32_t n = 0;

		assert_int_equal(se_conn_table_init(&t, 8), 0);
		/* Interleaved, the chains share slots: 15 0 1 2 3 4 hold l0 z0 l1 z1 l2 z2 */
		for (uint32_t k = 0; k < LAST; k++) {
			all[n++] = at_last[k];
			insert_tagged(&t, at_last[k]);
			if (k < FIRST) {
				all[n++] = at_zero[k];
				insert_tagged(&t, at_zero[k]);
			}
		}
		assert_int_equal(t.slots[t.capacity - 1].id, at_last[0]);
		se_conn_table_remove(&t, se_conn_table_lookup(&t, all[victim]));
		for (uint32_t k = 0; k < n; k++)
			if (k == victim)
				assert_null(se_conn_table_lookup(&t, all[k]));
			else
				assert_present(&t, all[k]);
		/* No hole is left inside a chain: the occupied run is contiguous again. */
		for (uint32_t s = 0; s < n - 2; s++)
			assert_true(t.slots[s].id != 0);
		assert_int_equal(t.slots[n - 2].id, 0);
		se_conn_table_fini(&t);
	}
}

/* Removal leaves the streams of an entry freed (the leak check of ASan fails otherwise). */
static void noop_sink(void *ctx, const struct se_segment *seg)
{
}

static void park_one(struct se_conn *c)
{
	static const uint8_t payload[32] = "parked";
	struct se_stream_counters cnt = { 0 };
	struct se_segment seg = { .offset = 100, .len = 32, .data = payload, .captured = 32 };

	se_stream_init(&c->stream[SE_DIR_IN], 0);
	se_stream_init(&c->stream[SE_DIR_OUT], 0);
	se_stream_push(&c->stream[SE_DIR_IN], &seg, noop_sink, NULL, &cnt);
	se_stream_push(&c->stream[SE_DIR_OUT], &seg, noop_sink, NULL, &cnt);
	assert_int_equal(c->stream[SE_DIR_IN].npending, 1);
}

static void test_streams_freed(void **state)
{
	struct se_conn_table t;

	assert_int_equal(se_conn_table_init(&t, 64), 0);
	park_one(se_conn_table_insert(&t, 1));
	park_one(se_conn_table_insert(&t, 2));
	se_conn_table_remove(&t, se_conn_table_lookup(&t, 1));
	se_conn_table_fini(&t); /* frees entry 2's parked copies */
}

static void test_active_list(void **state)
{
	struct se_conn_table t;
	struct se_conn *a, *b, *c, *p;
	bool seen_a = false, seen_b = false, seen_c = false;

	assert_int_equal(se_conn_table_init(&t, 64), 0);
	assert_null(se_conn_table_pop_active(&t));
	a = se_conn_table_insert(&t, 10);
	b = se_conn_table_insert(&t, 20);
	c = se_conn_table_insert(&t, 30);

	se_conn_table_mark_active(&t, a);
	se_conn_table_mark_active(&t, a); /* idempotent */
	se_conn_table_mark_active(&t, b);
	se_conn_table_mark_active(&t, a);
	se_conn_table_mark_active(&t, c);
	se_conn_table_mark_active(&t, b);
	assert_true(a->in_active_list && b->in_active_list && c->in_active_list);

	for (int i = 0; i < 3; i++) {
		p = se_conn_table_pop_active(&t);
		assert_non_null(p);
		assert_false(p->in_active_list);
		assert_int_equal(p->next_active, UINT32_MAX);
		if (p == a) {
			assert_false(seen_a);
			seen_a = true;
		} else if (p == b) {
			assert_false(seen_b);
			seen_b = true;
		} else {
			assert_ptr_equal(p, c);
			assert_false(seen_c);
			seen_c = true;
		}
	}
	assert_null(se_conn_table_pop_active(&t));
	assert_null(se_conn_table_pop_active(&t));

	/* Popped entries can be marked again (the next window). */
	se_conn_table_mark_active(&t, b);
	assert_ptr_equal(se_conn_table_pop_active(&t), b);
	assert_null(se_conn_table_pop_active(&t));
	se_conn_table_fini(&t);
}

/* Reconciliation passes: who is unsighted, and the count of those neither sighted nor removed
 * (including removals whose backward shift moves unsighted entries). */
static void test_reconcile_pass(void **state)
{
	struct se_conn_table t;
	uint64_t ids[200];
	uint32_t unsighted = 0;

	assert_int_equal(se_conn_table_init(&t, 256), 0);
	for (int i = 0; i < 200; i++)
		assert_false(se_conn_table_unsighted(&t, insert_tagged(&t, ids[i] = rng() | 1)));
	assert_int_equal(t.unsighted, 0); /* no pass yet */

	se_conn_table_begin_pass(&t);
	assert_int_equal(t.unsighted, 200);
	for (int i = 0; i < 200; i++)
		assert_true(se_conn_table_unsighted(&t, se_conn_table_lookup(&t, ids[i])));
	/* An entry inserted during the pass counts as sighted. */
	assert_false(se_conn_table_unsighted(&t, insert_tagged(&t, 7)));
	assert_int_equal(t.unsighted, 200);

	/* Sight a third (twice: counted once), remove another third and the new entry. */
	for (int i = 0; i < 200; i++) {
		struct se_conn *c = se_conn_table_lookup(&t, ids[i]);

		if (i % 3 == 0) {
			se_conn_table_sight(&t, c);
			se_conn_table_sight(&t, c);
			assert_false(se_conn_table_unsighted(&t, c));
		} else if (i % 3 == 1) {
			se_conn_table_remove(&t, c);
		}
	}
	se_conn_table_remove(&t, se_conn_table_lookup(&t, 7));
	for (int i = 0; i < 200; i++) {
		struct se_conn *c = se_conn_table_lookup(&t, ids[i]);

		if (i % 3 == 1) {
			assert_null(c);
			continue;
		}
		assert_non_null(c);
		assert_int_equal(se_conn_table_unsighted(&t, c), i % 3 == 2);
		unsighted += i % 3 == 2;
	}
	assert_int_equal(t.unsighted, unsighted);

	/* A new pass starts from every live entry again. */
	se_conn_table_begin_pass(&t);
	assert_int_equal(t.unsighted, t.live);
	se_conn_table_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_sizes),
		cmocka_unit_test(test_insert_lookup_remove),
		cmocka_unit_test(test_capacity_limit),
		cmocka_unit_test(test_remove_half_sequential_ids),
		cmocka_unit_test(test_remove_half_random_ids),
		cmocka_unit_test(test_churn_against_reference),
		cmocka_unit_test(test_remove_in_wrapping_chain),
		cmocka_unit_test(test_streams_freed),
		cmocka_unit_test(test_active_list),
		cmocka_unit_test(test_reconcile_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

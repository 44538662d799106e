// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of shards and their merge into windows (src/agg/window.c): counters add up over
 * shards, records are concatenated in merge order with their contents intact (enough of them
 * to make both arrays grow), empty shards merge cleanly, and a merged shard is left untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sockeye/window.h"

#define WORKERS 4
/* Records per shard: past the initial capacity of 16 so that every array has to grow. */
#define RECORDS_PER_SHARD 37

static struct se_conn_record record_of(uint32_t worker, uint32_t i)
{
	struct se_conn_record r;

	memset(&r, 0, sizeof(r));
	r.id = (uint64_t)worker << 32 | i;
	r.pid = 1000 + worker;
	r.role = (uint8_t)(i % 3);
	r.family = 2;
	r.local_port = (uint16_t)(8000 + worker);
	r.peer_port = (uint16_t)(40000 + i);
	r.local_addr[0] = (uint8_t)worker;
	r.peer_addr[15] = (uint8_t)i;
	r.dir[SE_DIR_IN].bytes = i * 10;
	r.dir[SE_DIR_OUT].events = i + worker;
	r.digest[SE_DIR_IN] = r.id * 0x9e3779b97f4a7c15ull;
	return r;
}

/* Shard of worker w: counters w*100 + c + 1, records record_of(w, 0..n-1). */
static struct se_shard *shard_of(uint32_t w, uint32_t n)
{
	struct se_shard *s = se_shard_new(w, 1000, 2000 + w);

	assert_non_null(s);
	assert_int_equal(s->worker, w);
	assert_int_equal(s->start_ns, 1000);
	assert_int_equal(s->end_ns, 2000 + w);
	for (int c = 0; c < SE_UC__COUNT; c++)
		s->counters[c] = w * 100 + (uint64_t)c + 1;
	for (uint32_t i = 0; i < n; i++) {
		struct se_conn_record r = record_of(w, i);

		assert_int_equal(se_shard_add_conn(s, &r), 0);
	}
	assert_int_equal(s->nconns, n);
	assert_true(s->cap >= n);
	return s;
}

static void test_shard_lifecycle(void **state)
{
	struct se_shard *s = se_shard_new(3, 10, 20);

	assert_non_null(s);
	assert_int_equal(s->nconns, 0);
	assert_null(s->conns);
	assert_false(s->final);
	for (int c = 0; c < SE_UC__COUNT; c++)
		assert_int_equal(s->counters[c], 0);
	se_shard_free(s);
	se_shard_free(NULL);

	s = shard_of(1, 100);
	for (uint32_t i = 0; i < 100; i++) {
		struct se_conn_record r = record_of(1, i);

		assert_memory_equal(&s->conns[i], &r, sizeof(r));
	}
	se_shard_free(s);
}

static void test_merge_sums_and_concatenates(void **state)
{
	struct se_shard *shards[WORKERS];
	struct se_window w;
	uint32_t at = 0;

	se_window_init(&w, 1000, 2000);
	assert_int_equal(w.start_ns, 1000);
	assert_int_equal(w.end_ns, 2000);
	assert_int_equal(w.shards, 0);
	assert_int_equal(w.nconns, 0);

	for (uint32_t k = 0; k < WORKERS; k++) {
		struct se_shard before;

		shards[k] = shard_of(k, RECORDS_PER_SHARD + k);
		before = *shards[k];
		assert_int_equal(se_window_merge(&w, shards[k]), 0);
		/* The shard is left untouched: same fields, same records. */
		assert_memory_equal(&before, shards[k], sizeof(before));
		for (uint32_t i = 0; i < shards[k]->nconns; i++) {
			struct se_conn_record r = record_of(k, i);

			assert_memory_equal(&shards[k]->conns[i], &r, sizeof(r));
		}
	}
	assert_int_equal(w.shards, WORKERS);
	assert_int_equal(w.start_ns, 1000);
	assert_int_equal(w.end_ns, 2000 + WORKERS - 1); /* the latest end of its shards */
	for (int c = 0; c < SE_UC__COUNT; c++) {
		uint64_t sum = 0;

		for (uint32_t k = 0; k < WORKERS; k++)
			sum += k * 100 + (uint64_t)c + 1;
		assert_int_equal(w.counters[c], sum);
	}
	/* Records: shard 0's in order, then shard 1's, ... */
	assert_int_equal(w.nconns, WORKERS * RECORDS_PER_SHARD + (WORKERS - 1) * WORKERS / 2);
	assert_true(w.cap >= w.nconns);
	for (uint32_t k = 0; k < WORKERS; k++) {
		for (uint32_t i = 0; i < RECORDS_PER_SHARD + k; i++) {
			struct se_conn_record r = record_of(k, i);

			assert_memory_equal(&w.conns[at++], &r, sizeof(r));
		}
	}
	for (uint32_t k = 0; k < WORKERS; k++)
		se_shard_free(shards[k]);
	se_window_fini(&w);
	assert_null(w.conns);
	assert_int_equal(w.nconns, 0);
	se_window_fini(&w); /* twice is harmless */
}

/* Shards with no records: counters still add up, nothing is appended. */
static void test_merge_empty_shards(void **state)
{
	struct se_shard *empty = shard_of(0, 0);
	struct se_shard *full = shard_of(1, 5);
	struct se_window w;

	se_window_init(&w, 1000, 1500);
	assert_int_equal(se_window_merge(&w, empty), 0); /* into a window with no records yet */
	assert_int_equal(w.nconns, 0);
	assert_int_equal(w.shards, 1);
	assert_int_equal(w.end_ns, 2000);
	assert_int_equal(se_window_merge(&w, full), 0);
	assert_int_equal(se_window_merge(&w, empty), 0); /* after some records */
	assert_int_equal(w.nconns, 5);
	assert_int_equal(w.shards, 3);
	assert_int_equal(w.counters[SE_UC_EVENTS], 1 + 101 + 1);
	for (uint32_t i = 0; i < 5; i++) {
		struct se_conn_record r = record_of(1, i);

		assert_memory_equal(&w.conns[i], &r, sizeof(r));
	}
	se_shard_free(empty);
	se_shard_free(full);
	se_window_fini(&w);
}

/* Many shards of one record each: capacity doubles rather than grows by one. */
static void test_merge_many_shards(void **state)
{
	enum { N = 1000 };
	struct se_window w;

	se_window_init(&w, 0, 1);
	for (uint32_t k = 0; k < N; k++) {
		struct se_shard *s = shard_of(k, 1);

		assert_int_equal(se_window_merge(&w, s), 0);
		se_shard_free(s);
		/* A power of two from 16 on, at most twice what is used. */
		assert_int_equal(w.cap & (w.cap - 1), 0);
		assert_true(w.cap >= 16 && w.cap < 2 * w.nconns + 16);
	}
	assert_int_equal(w.nconns, N);
	for (uint32_t k = 0; k < N; k++)
		assert_int_equal(w.conns[k].id, (uint64_t)k << 32);
	se_window_fini(&w);
}

static void test_counter_names(void **state)
{
	for (int u = 0; u < SE_UC__COUNT; u++) {
		assert_non_null(se_user_counter_names[u]);
		for (int v = 0; v < u; v++)
			assert_string_not_equal(se_user_counter_names[u], se_user_counter_names[v]);
	}
	assert_true(se_user_counter_is_drop(SE_UC_STREAM_GAP));
	assert_true(se_user_counter_is_drop(SE_UC_UNKNOWN_CONN));
	assert_true(se_user_counter_is_drop(SE_UC_CONN_TABLE_FULL));
	assert_true(se_user_counter_is_drop(SE_UC_BAD_RECORD));
	assert_true(se_user_counter_is_drop(SE_UC_PARK_ALLOC));
	assert_false(se_user_counter_is_drop(SE_UC_EVENTS));
	assert_false(se_user_counter_is_drop(SE_UC_GAP_BYTES));
	assert_false(se_user_counter_is_drop(SE_UC_DUPLICATE));
	assert_false(se_user_counter_is_drop(SE_UC_REORDERED));
	assert_false(se_user_counter_is_drop(SE_UC_CONNS_OPENED));
	assert_false(se_user_counter_is_drop(SE_UC_CONNS_CLOSED));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shard_lifecycle),
		cmocka_unit_test(test_merge_sums_and_concatenates),
		cmocka_unit_test(test_merge_empty_shards),
		cmocka_unit_test(test_merge_many_shards),
		cmocka_unit_test(test_counter_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the load generator's latency histogram (bench/loadgen/latency.c): buckets
 * tile 0..68.7 s without gaps, each within 1/128 of its values; values past that are clamped;
 * percentiles are within a bucket of the exact ones, never above the max and monotonic;
 * merging equals adding every value into one histogram.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "latency.h"

#define NS_PER_MS 1000000ull

static struct se_lg_lat *new_hist(void)
{
	struct se_lg_lat *h = malloc(sizeof(*h));

	assert_non_null(h);
	se_lg_lat_init(h);
	return h;
}

static void test_buckets_tile(void **state)
{
	for (uint32_t i = 0; i < SE_LG_LAT_BUCKETS; i++) {
		uint64_t lo = se_lg_lat_lowest(i), hi = se_lg_lat_highest(i);

		assert_true(lo <= hi);
		assert_int_equal(se_lg_lat_index(lo), i);
		assert_int_equal(se_lg_lat_index(hi), i);
		if (i + 1 < SE_LG_LAT_BUCKETS)
			assert_int_equal(se_lg_lat_lowest(i + 1), hi + 1);
		/* width within 1/128 of the bucket's smallest value */
		if (i >= SE_LG_LAT_LINEAR)
			assert_true((hi - lo + 1) * SE_LG_LAT_SUB <= lo);
		else
			assert_int_equal(lo, hi);
	}
	assert_int_equal(se_lg_lat_lowest(0), 0);
	assert_int_equal(se_lg_lat_index(SE_LG_LAT_MAX_NS), SE_LG_LAT_BUCKETS - 1);
	assert_true(se_lg_lat_highest(SE_LG_LAT_BUCKETS - 1) >= SE_LG_LAT_MAX_NS);
	assert_int_equal(se_lg_lat_index(UINT64_MAX), SE_LG_LAT_BUCKETS - 1);
	/* 1 us falls in a bucket 4 ns wide, 1 s in one of 2^22 ns (4.2 ms, 0.4%) */
	assert_int_equal(
	    se_lg_lat_highest(se_lg_lat_index(1000)) - se_lg_lat_lowest(se_lg_lat_index(1000)), 3);
	assert_int_equal(se_lg_lat_highest(se_lg_lat_index(1000000000)) -
			     se_lg_lat_lowest(se_lg_lat_index(1000000000)),
			 (1u << 22) - 1);
}

static void test_empty_and_single(void **state)
{
	struct se_lg_lat *h = new_hist();
	static const double ps[] = { 0, 50, 90, 99, 99.9, 100 };

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		assert_int_equal(se_lg_lat_percentile(h, ps[i]), 0);
	se_lg_lat_add(h, 123456789);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++)
		assert_int_equal(se_lg_lat_percentile(h, ps[i]), 123456789);
	assert_int_equal(h->count, 1);
	assert_int_equal(h->min_ns, 123456789);
	free(h);
}

/* 1..1000 ms once each: the p-th percentile is p * 10 ms, within one bucket above. */
static void test_percentiles(void **state)
{
	struct se_lg_lat *h = new_hist();
	static const double ps[] = { 0.1, 1, 10, 50, 90, 99, 99.9 };

	for (uint64_t v = 1; v <= 1000; v++)
		se_lg_lat_add(h, v * NS_PER_MS);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		uint64_t exact = (uint64_t)(ps[i] * 10 + 0.5) * NS_PER_MS;
		uint64_t got = se_lg_lat_percentile(h, ps[i]);

		print_message("p%g: %llu (exact %llu)\n", ps[i], (unsigned long long)got,
			      (unsigned long long)exact);
		assert_true(got >= exact);
		assert_true(got - exact <= exact / SE_LG_LAT_SUB);
	}
	assert_int_equal(se_lg_lat_percentile(h, 100), 1000 * NS_PER_MS);
	assert_int_equal(h->max_ns, 1000 * NS_PER_MS);
	assert_int_equal(h->min_ns, NS_PER_MS);
	assert_int_equal(h->sum_ns, 500500 * NS_PER_MS);
	free(h);
}

/* A tail: 999 fast values and one slow one; p99.9 is a fast one, max the slow one. */
static void test_tail(void **state)
{
	struct se_lg_lat *h = new_hist();

	for (int i = 0; i < 999; i++)
		se_lg_lat_add(h, 50000);
	se_lg_lat_add(h, 2 * 1000 * NS_PER_MS);
	assert_true(se_lg_lat_percentile(h, 99.9) < 51000);
	assert_true(se_lg_lat_percentile(h, 99.95) >= 2 * 1000 * NS_PER_MS * 127 / 128);
	assert_int_equal(se_lg_lat_percentile(h, 100), 2 * 1000 * NS_PER_MS);
	free(h);
}

static void test_clamped(void **state)
{
	struct se_lg_lat *h = new_hist();

	se_lg_lat_add(h, 120 * 1000 * NS_PER_MS); /* two minutes */
	se_lg_lat_add(h, 1000);
	assert_int_equal(h->clamped, 1);
	assert_int_equal(h->counts[SE_LG_LAT_BUCKETS - 1], 1);
	assert_int_equal(h->max_ns, 120 * 1000 * NS_PER_MS); /* the exact max is kept */
	assert_int_equal(se_lg_lat_percentile(h, 100), 120 * 1000 * NS_PER_MS);
	assert_true(se_lg_lat_percentile(h, 99) <= 120 * 1000 * NS_PER_MS);
	free(h);
}

/* Pseudo-random values over six decades: merge == one histogram; percentiles monotonic. */
static void test_merge_and_monotonic(void **state)
{
	struct se_lg_lat *a = new_hist(), *b = new_hist(), *all = new_hist(), *m = new_hist();
	struct se_lg_lat *empty = new_hist();
	uint64_t x = 88172645463325252ull, prev = 0;

	for (int i = 0; i < 100000; i++) {
		uint64_t v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = 1000 + x % 1000 * (1ull << (x >> 40) % 20);
		se_lg_lat_add(i % 3 ? a : b, v);
		se_lg_lat_add(all, v);
	}
	se_lg_lat_merge(m, a);
	se_lg_lat_merge(m, b);
	se_lg_lat_merge(m, empty); /* changes nothing */
	assert_memory_equal(m, all, sizeof(*m));
	for (double p = 0; p <= 100; p += 0.5) {
		uint64_t v = se_lg_lat_percentile(m, p);

		assert_true(v >= prev);
		assert_true(v <= m->max_ns);
		prev = v;
	}
	free(a);
	free(b);
	free(all);
	free(m);
	free(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets_tile), cmocka_unit_test(test_empty_and_single),
		cmocka_unit_test(test_percentiles),  cmocka_unit_test(test_tail),
		cmocka_unit_test(test_clamped),	     cmocka_unit_test(test_merge_and_monotonic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

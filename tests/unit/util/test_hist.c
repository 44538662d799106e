// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of explicit-bounds histograms (src/util/hist.c): the exported bounds
 * (docs/output.md), bucket edges (a value equal to a bound counts in that bound's bucket, one more
 * in the next), count/sum/min/max, and merging (into and from empty histograms, and equal to
 * adding every value into one histogram).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/clock.h"
#include "util/hist.h"

static void assert_bounds(const struct se_hist_bounds *b, const uint64_t *units, uint32_t n,
			  uint64_t scale)
{
	assert_int_equal(b->n, n);
	assert_true(b->n <= SE_HIST_BOUNDS_MAX);
	assert_int_equal(b->scale, scale);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(b->v[i], units[i] * scale);
		if (i)
			assert_true(b->v[i] > b->v[i - 1]);
	}
}

static void test_bounds_tables(void **state)
{
	static const uint64_t http_ms[] = { 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000 };
	static const uint64_t body[] = { 100, 1000, 10000, 100000, 1000000 };
	static const uint64_t dns_ms[] = { 1, 5, 10, 50, 100, 500 };

	assert_bounds(&se_hist_http_duration, http_ms, 11, SE_NS_PER_MS);
	assert_bounds(&se_hist_http_body_size, body, 5, 1);
	assert_bounds(&se_hist_dns_duration, dns_ms, 6, SE_NS_PER_MS);
}

/* The only bucket holding a count is `bucket`. */
static void assert_single_bucket(const struct se_hist *h, const struct se_hist_bounds *b,
				 uint32_t bucket)
{
	for (uint32_t i = 0; i <= SE_HIST_BOUNDS_MAX; i++)
		assert_int_equal(h->counts[i], i == bucket ? 1 : 0);
	assert_true(bucket <= b->n);
}

static void check_edges(const struct se_hist_bounds *b)
{
	struct se_hist h;

	memset(&h, 0, sizeof(h));
	se_hist_add(&h, b, 0);
	assert_single_bucket(&h, b, 0);
	for (uint32_t i = 0; i < b->n; i++) {
		/* bounds[i-1] < v <= bounds[i] */
		memset(&h, 0, sizeof(h));
		se_hist_add(&h, b, b->v[i]);
		assert_single_bucket(&h, b, i);
		memset(&h, 0, sizeof(h));
		se_hist_add(&h, b, b->v[i] - 1);
		assert_single_bucket(&h, b, i);
		memset(&h, 0, sizeof(h));
		se_hist_add(&h, b, b->v[i] + 1);
		assert_single_bucket(&h, b, i + 1);
	}
	memset(&h, 0, sizeof(h));
	se_hist_add(&h, b, UINT64_MAX);
	assert_single_bucket(&h, b, b->n);
}

static void test_bucket_edges(void **state)
{
	check_edges(&se_hist_http_duration);
	check_edges(&se_hist_http_body_size);
	check_edges(&se_hist_dns_duration);
}

static void test_count_sum_min_max(void **state)
{
	const struct se_hist_bounds *b = &se_hist_http_duration;
	struct se_hist h;

	memset(&h, 0, sizeof(h));
	se_hist_add(&h, b, 7 * SE_NS_PER_MS);
	assert_int_equal(h.count, 1);
	assert_int_equal(h.sum, 7 * SE_NS_PER_MS);
	assert_int_equal(h.min, 7 * SE_NS_PER_MS);
	assert_int_equal(h.max, 7 * SE_NS_PER_MS);
	se_hist_add(&h, b, 3);
	se_hist_add(&h, b, 6000 * SE_NS_PER_MS);
	se_hist_add(&h, b, 0); /* zero is a value like any other: it becomes the min */
	assert_int_equal(h.count, 4);
	assert_int_equal(h.sum, 7 * SE_NS_PER_MS + 3 + 6000 * SE_NS_PER_MS);
	assert_int_equal(h.min, 0);
	assert_int_equal(h.max, 6000 * SE_NS_PER_MS);
	assert_int_equal(h.counts[0], 2);  /* 3 ns, 0 */
	assert_int_equal(h.counts[2], 1);  /* 7 ms: (5, 10] */
	assert_int_equal(h.counts[11], 1); /* 6 s: past 5000 ms */

	/* A first value larger than the zeroed min still becomes the min. */
	memset(&h, 0, sizeof(h));
	se_hist_add(&h, &se_hist_http_body_size, 500);
	se_hist_add(&h, &se_hist_http_body_size, 200);
	assert_int_equal(h.min, 200);
	assert_int_equal(h.max, 500);
}

static void test_merge(void **state)
{
	const struct se_hist_bounds *b = &se_hist_http_duration;
	static const uint64_t a_vals[] = { 5, 2 * SE_NS_PER_MS, 30 * SE_NS_PER_MS };
	static const uint64_t b_vals[] = { 1, 999 * SE_NS_PER_MS, 5000 * SE_NS_PER_MS + 1,
					   10 * SE_NS_PER_MS };
	struct se_hist x, y, all, empty, d;

	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	memset(&all, 0, sizeof(all));
	memset(&empty, 0, sizeof(empty));
	for (size_t i = 0; i < sizeof(a_vals) / sizeof(a_vals[0]); i++) {
		se_hist_add(&x, b, a_vals[i]);
		se_hist_add(&all, b, a_vals[i]);
	}
	for (size_t i = 0; i < sizeof(b_vals) / sizeof(b_vals[0]); i++) {
		se_hist_add(&y, b, b_vals[i]);
		se_hist_add(&all, b, b_vals[i]);
	}
	/* into an empty one: a copy */
	memset(&d, 0, sizeof(d));
	se_hist_merge(&d, &x, b);
	assert_memory_equal(&d, &x, sizeof(d));
	/* from an empty one: nothing changes (its zero min must not win) */
	se_hist_merge(&d, &empty, b);
	assert_memory_equal(&d, &x, sizeof(d));
	/* both: as if every value had been added to one */
	se_hist_merge(&d, &y, b);
	assert_memory_equal(&d, &all, sizeof(d));
	assert_int_equal(d.count, 7);
	assert_int_equal(d.min, 1);
	assert_int_equal(d.max, 5000 * SE_NS_PER_MS + 1);
	/* empty into empty stays empty */
	memset(&d, 0, sizeof(d));
	se_hist_merge(&d, &empty, b);
	assert_memory_equal(&d, &empty, sizeof(d));
	/* the other order gives the same histogram */
	memset(&d, 0, sizeof(d));
	se_hist_merge(&d, &y, b);
	se_hist_merge(&d, &x, b);
	assert_memory_equal(&d, &all, sizeof(d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds_tables),
		cmocka_unit_test(test_bucket_edges),
		cmocka_unit_test(test_count_sum_min_max),
		cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

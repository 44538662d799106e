// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the log-linear delay histogram (src/agg/delay_hist.c): every quantile of a
 * set of values is at or above the exact quantile and within 12.5 % of it, small values
 * are exact, huge values land in the last bucket, merging equals adding into one histogram.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agg/delay_hist.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t exact_quantile(const uint64_t *sorted, size_t n, double q)
{
	size_t rank = (size_t)(q * (double)n + 0.999999999);

	return sorted[(rank ? rank : 1) - 1];
}

static void test_empty(void **state)
{
	struct se_delay_hist h;

	memset(&h, 0, sizeof(h));
	assert_int_equal(se_delay_hist_quantile(&h, 0.5), 0);
	assert_int_equal(se_delay_hist_quantile(&h, 1.0), 0);
}

static void test_small_values_exact(void **state)
{
	struct se_delay_hist h;

	for (uint64_t v = 0; v < 8; v++) {
		memset(&h, 0, sizeof(h));
		se_delay_hist_add(&h, v);
		assert_int_equal(se_delay_hist_quantile(&h, 0.5), v);
		assert_int_equal(h.max, v);
	}
}

/* One value per bucket edge: the quantile of a single value is that value's bucket upper
 * bound capped by max, so it is the value itself. */
static void test_single_values(void **state)
{
	struct se_delay_hist h;

	for (uint64_t v = 1; v < (1ull << 40); v = v * 3 / 2 + 1) {
		memset(&h, 0, sizeof(h));
		se_delay_hist_add(&h, v);
		assert_int_equal(se_delay_hist_quantile(&h, 0.99), v);
	}
}

static void test_quantiles_within_resolution(void **state)
{
	enum { N = 20000 };
	static uint64_t v[N];
	static const double qs[] = { 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0 };
	struct se_delay_hist h;
	unsigned int seed = 7;

	memset(&h, 0, sizeof(h));
	for (size_t i = 0; i < N; i++) {
		/* spread over 1 us .. 100 ms, log-uniformly */
		int shift = rand_r(&seed) % 17;

		v[i] = (1000ull << shift) + (uint64_t)rand_r(&seed) % (1000ull << shift);
		se_delay_hist_add(&h, v[i]);
	}
	qsort(v, N, sizeof(v[0]), cmp_u64);
	assert_int_equal(h.count, N);
	assert_int_equal(h.max, v[N - 1]);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		uint64_t exact = exact_quantile(v, N, qs[i]);
		uint64_t got = se_delay_hist_quantile(&h, qs[i]);

		assert_true(got >= exact);
		assert_true((double)got <= (double)exact * 1.125 + 1);
	}
}

static void test_huge_values_clamp(void **state)
{
	struct se_delay_hist h;

	memset(&h, 0, sizeof(h));
	se_delay_hist_add(&h, UINT64_MAX);
	se_delay_hist_add(&h, 1ull << 45);
	assert_int_equal(h.counts[SE_DELAY_BUCKETS - 1], 2);
	assert_int_equal(se_delay_hist_quantile(&h, 1.0), UINT64_MAX);
}

static void test_merge_equals_adding(void **state)
{
	struct se_delay_hist a, b, all;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&all, 0, sizeof(all));
	for (uint64_t v = 1; v < 5000000; v = v * 5 / 4 + 3) {
		se_delay_hist_add((v & 1) ? &a : &b, v);
		se_delay_hist_add(&all, v);
	}
	se_delay_hist_merge(&a, &b);
	assert_memory_equal(&a, &all, sizeof(all));
	memset(&b, 0, sizeof(b));
	se_delay_hist_merge(&a, &b); /* merging an empty one changes nothing */
	assert_memory_equal(&a, &all, sizeof(all));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_small_values_exact),
		cmocka_unit_test(test_single_values),
		cmocka_unit_test(test_quantiles_within_resolution),
		cmocka_unit_test(test_huge_values_clamp),
		cmocka_unit_test(test_merge_equals_adding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

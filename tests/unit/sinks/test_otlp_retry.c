// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the OTLP retry policy (src/sinks/otlp/otlp_retry.c): every class of HTTP status
 * gets the outcome the OTLP/HTTP specification gives it (2xx delivered; no answer, 429, 502,
 * 503, 504 retried; anything else rejected), Retry-After is honoured to the millisecond and
 * capped at SE_OTLP_RETRY_MAX_ELAPSED_MS however large it is, the base wait doubles from 1 s
 * to its 30 s cap and stays there, and the jittered wait covers exactly [base/2, base).
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sinks/otlp/otlp_retry.h"

static void test_classify(void **state)
{
	static const struct {
		long status;
		enum se_otlp_outcome outcome;
	} cases[] = {
		{ 0, SE_OTLP_RETRY }, /* no answer: connect error, timeout */
		{ 200, SE_OTLP_DELIVERED }, { 202, SE_OTLP_DELIVERED }, { 204, SE_OTLP_DELIVERED },
		{ 299, SE_OTLP_DELIVERED }, { 100, SE_OTLP_REJECTED },	{ 199, SE_OTLP_REJECTED },
		{ 300, SE_OTLP_REJECTED },  { 301, SE_OTLP_REJECTED },	{ 400, SE_OTLP_REJECTED },
		{ 401, SE_OTLP_REJECTED },  { 403, SE_OTLP_REJECTED },	{ 404, SE_OTLP_REJECTED },
		{ 408, SE_OTLP_REJECTED },  { 413, SE_OTLP_REJECTED },	{ 428, SE_OTLP_REJECTED },
		{ 429, SE_OTLP_RETRY },	    { 430, SE_OTLP_REJECTED },	{ 500, SE_OTLP_REJECTED },
		{ 501, SE_OTLP_REJECTED },  { 502, SE_OTLP_RETRY },	{ 503, SE_OTLP_RETRY },
		{ 504, SE_OTLP_RETRY },	    { 505, SE_OTLP_REJECTED },	{ 599, SE_OTLP_REJECTED },
		{ -1, SE_OTLP_REJECTED },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (se_otlp_classify(cases[i].status) != cases[i].outcome)
			fail_msg("status %ld: outcome %d, expected %d", cases[i].status,
				 se_otlp_classify(cases[i].status), cases[i].outcome);
}

/* A Retry-After longer than the backoff wins; a shorter one (even 0) never makes the wait
 * shorter than the backoff, so a server answering "Retry-After: 0" gets no busy loop. */
static void test_retry_after_honoured(void **state)
{
	/* attempt 0, rnd 12345: backoff 500 + 12345 % 500 = 845 ms */
	assert_int_equal(se_otlp_backoff_ms(0, 0, 12345), 845);
	assert_int_equal(se_otlp_backoff_ms(0, 1, 12345), 1000);
	assert_int_equal(se_otlp_backoff_ms(7, 5, 0), 15000); /* backoff 30000/2 > 5000 */
	assert_int_equal(se_otlp_backoff_ms(3, 45, UINT64_MAX), 45000);
	assert_int_equal(se_otlp_backoff_ms(0, 59, 1), 59000);
	assert_int_equal(se_otlp_backoff_ms(0, 60, 1), SE_OTLP_RETRY_MAX_ELAPSED_MS);
}

static void test_retry_after_capped(void **state)
{
	assert_int_equal(se_otlp_backoff_ms(0, 61, 0), SE_OTLP_RETRY_MAX_ELAPSED_MS);
	assert_int_equal(se_otlp_backoff_ms(0, 3600, 0), SE_OTLP_RETRY_MAX_ELAPSED_MS);
	assert_int_equal(se_otlp_backoff_ms(0, 86400L * 365, 0), SE_OTLP_RETRY_MAX_ELAPSED_MS);
	assert_int_equal(se_otlp_backoff_ms(0, LONG_MAX, 0), SE_OTLP_RETRY_MAX_ELAPSED_MS);
}

/*
 * Retry-After values whose milliseconds do not fit in 64 bits (any the parser accepts: it
 * takes every long) are still "longer than the cap". 18446744073709552 s * 1000 wraps to
 * 384 ms and 4611686018427387904 s * 1000 to 0 ms if the product is not guarded.
 */
static void test_retry_after_huge_not_wrapped(void **state)
{
	assert_int_equal(se_otlp_backoff_ms(0, 18446744073709552L, 0),
			 SE_OTLP_RETRY_MAX_ELAPSED_MS);
	assert_int_equal(se_otlp_backoff_ms(0, 4611686018427387904L, 0),
			 SE_OTLP_RETRY_MAX_ELAPSED_MS);
}

/* Without Retry-After (-1), the largest wait of each attempt is just below its base. */
static void test_exponential_growth(void **state)
{
	static const uint64_t base[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000 };

	for (unsigned int a = 0; a < sizeof(base) / sizeof(base[0]); a++) {
		/* rnd % (base/2) takes every value; base/2 - 1 and 0 are its two ends */
		assert_int_equal(se_otlp_backoff_ms(a, -1, 0), base[a] / 2);
		assert_int_equal(se_otlp_backoff_ms(a, -1, base[a] / 2 - 1), base[a] - 1);
		assert_int_equal(se_otlp_backoff_ms(a, -1, base[a] / 2), base[a] / 2);
	}
	/* the cap holds for any attempt count, without the doubling overflowing */
	assert_int_equal(se_otlp_backoff_ms(64, -1, 0), SE_OTLP_RETRY_MAX_MS / 2);
	assert_int_equal(se_otlp_backoff_ms(1000, -1, SE_OTLP_RETRY_MAX_MS / 2 - 1),
			 SE_OTLP_RETRY_MAX_MS - 1);
	assert_int_equal(se_otlp_backoff_ms(UINT_MAX, -1, 7), SE_OTLP_RETRY_MAX_MS / 2 + 7);
	/* any negative Retry-After means "none given" */
	assert_int_equal(se_otlp_backoff_ms(0, -5, 3), 503);
	assert_int_equal(se_otlp_backoff_ms(0, LONG_MIN, 3), 503);
}

/* Over many random values every wait lies in [base/2, base), and both ends are reached. */
static void test_jitter_bounds(void **state)
{
	static const uint64_t base[] = { 1000, 2000, 4000, 8000, 16000, 30000 };
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (unsigned int a = 0; a < sizeof(base) / sizeof(base[0]); a++) {
		uint64_t lo = UINT64_MAX, hi = 0;

		for (int i = 0; i < 200000; i++) {
			uint64_t ms;

			x ^= x << 13; /* xorshift64, as the exporter draws them */
			x ^= x >> 7;
			x ^= x << 17;
			ms = se_otlp_backoff_ms(a, -1, x);
			if (ms < base[a] / 2 || ms >= base[a])
				fail_msg("attempt %u: wait %llu ms outside [%llu, %llu)", a,
					 (unsigned long long)ms, (unsigned long long)base[a] / 2,
					 (unsigned long long)base[a]);
			lo = ms < lo ? ms : lo;
			hi = ms > hi ? ms : hi;
		}
		assert_int_equal(lo, base[a] / 2);
		assert_int_equal(hi, base[a] - 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_retry_after_honoured),
		cmocka_unit_test(test_retry_after_capped),
		cmocka_unit_test(test_retry_after_huge_not_wrapped),
		cmocka_unit_test(test_exponential_growth),
		cmocka_unit_test(test_jitter_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

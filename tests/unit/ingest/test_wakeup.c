// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the rings' wake-up rule (include/sockeye/wakeup.h), the arithmetic the BPF
 * writers run on each ring's count of ring space written. Writers are simulated as the
 * fetch-and-add orders them: each takes the count from before to before + span, in any
 * interleaving. What the workers rely on: every multiple of the threshold that the count
 * passes wakes exactly once, and from any point a wake-up comes within one threshold of ring
 * space, so a threshold of at most half the ring wakes the worker before the ring fills.
 */
#include <linux/bpf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sockeye/wakeup.h"

#define WRITERS 4
#define RECORDS 20000

/* xorshift64: a fixed interleaving and fixed sizes per seed, so a failure repeats. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_record_span_is_ring_space(void **state)
{
	(void)state;
	assert_int_equal(SE_RING_HDR_SZ, BPF_RINGBUF_HDR_SZ);
	assert_int_equal(se_ring_record_span(0), 8);
	assert_int_equal(se_ring_record_span(1), 16);
	assert_int_equal(se_ring_record_span(8), 16);
	assert_int_equal(se_ring_record_span(56), 64); /* a close record */
	assert_int_equal(se_ring_record_span(57), 72);
}

/*
 * WRITERS writers in a random interleaving, records of random sizes below the threshold,
 * from a count that does not start on a multiple: the wake-ups are exactly the multiples the
 * count passed, each woken by the writer whose span reached it.
 */
static void check_interleaving(uint64_t threshold, uint64_t start, uint64_t seed)
{
	uint64_t count = start, wakes = 0, rnd = seed;
	uint64_t by_writer[WRITERS] = { 0 };

	for (int i = 0; i < RECORDS; i++) {
		unsigned int w = (unsigned int)(next_rand(&rnd) % WRITERS);
		uint64_t span = se_ring_record_span(next_rand(&rnd) % 300);
		uint64_t before = count;

		count += span; /* the fetch-and-add */
		if (se_wakeup_crossed(before, span, threshold)) {
			/* the multiple lies in this writer's span (before, before + span] */
			assert_true((before / threshold + 1) * threshold <= before + span);
			by_writer[w]++;
			wakes++;
		}
	}
	assert_int_equal(wakes, count / threshold - start / threshold);
	for (int w = 0; w < WRITERS; w++) /* not one writer's job: whoever crosses */
		assert_true(by_writer[w] > 0);
}

static void test_one_wake_per_multiple_any_interleaving(void **state)
{
	(void)state;
	check_interleaving(4096, 0, 0x9e3779b97f4a7c15ull);
	check_interleaving(64 << 10, 12345, 0x2545f4914f6cdd1dull);
	check_interleaving(1000, 999, 0xda942042e4dd58b5ull);  /* not a power of two */
	check_interleaving(1000, 1000, 0x5851f42d4c957f2dull); /* from a multiple */
}

/* From any count, a wake-up comes within one threshold of ring space written. */
static void test_wake_within_one_threshold(void **state)
{
	uint64_t threshold = 128 << 10, rnd = 0x14057b7ef767814full, count = 777;

	(void)state;
	for (int round = 0; round < 200; round++) {
		uint64_t from = count;
		int woke = 0;

		while (!woke) {
			uint64_t span = se_ring_record_span(next_rand(&rnd) % 4096);

			woke = se_wakeup_crossed(count, span, threshold);
			count += span;
			assert_true(count - from <= threshold + se_ring_record_span(4096));
		}
		count += next_rand(&rnd) % threshold; /* a drain, and more records: any phase */
	}
}

static void test_large_record_and_no_threshold(void **state)
{
	(void)state;
	/* a span of a threshold or more always wakes, once */
	assert_true(se_wakeup_crossed(0, 4096, 4096));
	assert_true(se_wakeup_crossed(1, 3 * 4096, 4096));
	assert_true(se_wakeup_crossed(4096, 4096, 4096));
	/* a span ending on a multiple wakes; one starting on it does not (its predecessor did) */
	assert_true(se_wakeup_crossed(4000, 96, 4096));
	assert_false(se_wakeup_crossed(4096, 8, 4096));
	assert_false(se_wakeup_crossed(4000, 95, 4096));
	/* threshold 0: the timer only */
	assert_false(se_wakeup_crossed(0, 1u << 20, 0));
	assert_false(se_wakeup_crossed(123, 8, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_span_is_ring_space),
		cmocka_unit_test(test_one_wake_per_multiple_any_interleaving),
		cmocka_unit_test(test_wake_within_one_threshold),
		cmocka_unit_test(test_large_record_and_no_threshold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

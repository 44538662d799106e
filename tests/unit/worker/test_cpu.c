// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of ring ownership and CPU choice (src/worker/cpu.c). Ownership is the property
 * that makes the workers lock-free, so it is checked exhaustively over small shapes: every ring
 * has exactly one owner, the owner lists agree with se_cpu_ring_owner, workers get counts that
 * differ by at most one, and `max` bounds what is written.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sockeye/cpu.h"

#define WORKERS_TESTED 8
#define RINGS_TESTED   64
/* Written past the end of an output array to catch writes beyond `max`. */
#define SENTINEL 0xdeadbeefu

static void test_every_ring_one_owner(void **state)
{
	for (unsigned int workers = 1; workers <= WORKERS_TESTED; workers++) {
		for (unsigned int rings = 1; rings <= RINGS_TESTED; rings++) {
			unsigned int owners[RINGS_TESTED] = { 0 };
			unsigned int lo = RINGS_TESTED, hi = 0;

			for (unsigned int w = 0; w < workers; w++) {
				unsigned int out[RINGS_TESTED + 1];
				unsigned int n;

				out[RINGS_TESTED] = SENTINEL;
				n = se_cpu_rings_of_worker(w, workers, rings, out, RINGS_TESTED);
				assert_int_equal(out[RINGS_TESTED], SENTINEL);
				for (unsigned int k = 0; k < n; k++) {
					assert_true(out[k] < rings);
					assert_int_equal(se_cpu_ring_owner(out[k], workers), w);
					if (k)
						assert_true(out[k - 1] < out[k]);
					owners[out[k]]++;
				}
				lo = n < lo ? n : lo;
				hi = n > hi ? n : hi;
			}
			for (unsigned int r = 0; r < rings; r++) {
				assert_int_equal(owners[r], 1);
				assert_true(se_cpu_ring_owner(r, workers) < workers);
			}
			assert_true(hi - lo <= 1);
			/* Balanced means exactly floor or ceil of rings/workers each. */
			assert_int_equal(lo, rings / workers);
		}
	}
}

static void test_max_respected(void **state)
{
	for (unsigned int workers = 1; workers <= WORKERS_TESTED; workers++) {
		for (unsigned int rings = 1; rings <= RINGS_TESTED; rings++) {
			for (unsigned int w = 0; w < workers; w++) {
				unsigned int full[RINGS_TESTED];
				unsigned int total =
				    se_cpu_rings_of_worker(w, workers, rings, full, RINGS_TESTED);

				for (unsigned int max = 0; max <= total + 1; max++) {
					unsigned int out[RINGS_TESTED + 1];
					unsigned int n;

					for (unsigned int k = 0; k <= RINGS_TESTED; k++)
						out[k] = SENTINEL;
					n = se_cpu_rings_of_worker(w, workers, rings, out, max);
					assert_int_equal(n, max < total ? max : total);
					for (unsigned int k = n; k <= RINGS_TESTED; k++)
						assert_int_equal(out[k], SENTINEL);
					/* A bounded list is a prefix of the full one. */
					assert_memory_equal(out, full, n * sizeof(*out));
				}
			}
		}
	}
}

static void test_degenerate(void **state)
{
	unsigned int out[4] = { SENTINEL, SENTINEL, SENTINEL, SENTINEL };

	assert_int_equal(se_cpu_rings_of_worker(0, 0, 16, out, 4), 0); /* no workers */
	assert_int_equal(se_cpu_rings_of_worker(3, 3, 16, out, 4), 0); /* no such worker */
	assert_int_equal(se_cpu_rings_of_worker(0, 4, 0, out, 4), 0);  /* no rings */
	assert_int_equal(out[0], SENTINEL);
	/* More workers than rings: the extra workers own nothing. */
	assert_int_equal(se_cpu_rings_of_worker(5, 8, 3, out, 4), 0);
	assert_int_equal(se_cpu_rings_of_worker(2, 8, 3, out, 4), 1);
	assert_int_equal(out[0], 2);
}

static void test_nth_online_wraps(void **state)
{
	cpu_set_t set;
	int count;

	assert_true(se_cpu_online_count() >= 1);
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	count = CPU_COUNT(&set);
	for (unsigned int n = 0; n < (unsigned int)count * 2 + 3; n++) {
		int cpu = se_cpu_nth_online(n);

		assert_true(cpu >= 0);
		assert_true(CPU_ISSET(cpu, &set));
		assert_int_equal(cpu, se_cpu_nth_online(n % (unsigned int)count));
		if (n && n < (unsigned int)count)
			assert_true(se_cpu_nth_online(n - 1) < cpu);
	}
}

static void *pin_thread(void *arg)
{
	int cpu = *(int *)arg;
	cpu_set_t set;

	if (se_cpu_pin_self(cpu))
		return (void *)1;
	if (sched_getaffinity(0, sizeof(set), &set) || CPU_COUNT(&set) != 1 ||
	    !CPU_ISSET(cpu, &set) || sched_getcpu() != cpu)
		return (void *)2;
	return NULL;
}

/* In a thread of its own, so the test process keeps its affinity. */
static void test_pin_self(void **state)
{
	int cpu = se_cpu_nth_online(1);
	pthread_t th;
	void *ret;

	assert_true(cpu >= 0);
	assert_int_equal(pthread_create(&th, NULL, pin_thread, &cpu), 0);
	assert_int_equal(pthread_join(th, &ret), 0);
	assert_null(ret);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_ring_one_owner),
		cmocka_unit_test(test_max_respected),
		cmocka_unit_test(test_degenerate),
		cmocka_unit_test(test_nth_online_wraps),
		cmocka_unit_test(test_pin_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

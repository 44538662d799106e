// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the bounded window queue (src/pipeline/window_queue.c): first in, first out;
 * a push into a full queue drops the oldest window and frees what it held; the counts of
 * dropped windows (user and kernel counters, delay samples, late shards, the requests of
 * their groups) arrive with the next window popped, once; close lets pop drain, then end;
 * a pop waits for a push from another thread.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/http1/http1_proto.h"
#include "sinks/counters.h"
#include "proto/http1/http1.h"
#include "pipeline/window_queue.h"

#define WINDOW_NS 1000000000ull

/* Window k: start k s, k+1 events, one HTTP group of k+10 requests, kernel event k+100. */
static void make(struct se_export_window *ew, unsigned int k)
{
	struct se_http_request req;

	memset(ew, 0, sizeof(*ew));
	se_window_init(&ew->w, k * WINDOW_NS, (k + 1) * WINDOW_NS, 64);
	ew->w.counters[SE_UC_EVENTS] = k + 1;
	ew->w.counters[SE_UC_HTTP_REQUESTS] = k + 10;
	ew->kernel.counters[SE_KC_EVENTS] = k + 100;
	ew->late_shards = 1;
	se_delay_hist_add(&ew->w.delay, 1000 * (k + 1));
	memset(&req, 0, sizeof(req));
	req.role = SE_ROLE_SERVER;
	req.method = SE_HTTP_GET;
	req.status = 200;
	req.path = "/q";
	req.path_len = 2;
	req.end_ns = 1000;
	for (unsigned int i = 0; i < k + 10; i++)
		assert_int_equal(se_http_groups_add(&se_http_part(ew->w.parts)->http, &req), 0);
}

static void test_fifo(void **state)
{
	struct se_window_queue q;
	struct se_export_window ew;
	uint64_t pushed, dropped;

	assert_int_equal(se_window_queue_init(&q, 4), 0);
	for (unsigned int k = 0; k < 3; k++) {
		make(&ew, k);
		assert_int_equal(se_window_queue_push(&q, &ew), 0);
		assert_null(se_http_part_of(ew.w.parts)->http.groups); /* moved */
	}
	for (unsigned int k = 0; k < 3; k++) {
		assert_true(se_window_queue_pop(&q, &ew));
		assert_int_equal(ew.w.start_ns, k * WINDOW_NS);
		assert_int_equal(ew.w.counters[SE_UC_WINDOWS_DROPPED], 0);
		assert_int_equal(ew.late_shards, 1);
		se_window_fini(&ew.w);
	}
	se_window_queue_counts(&q, &pushed, &dropped);
	assert_int_equal(pushed, 3);
	assert_int_equal(dropped, 0);
	se_window_queue_fini(&q);
}

static void test_full_drops_oldest_and_carries_counts(void **state)
{
	struct se_window_queue q;
	struct se_export_window ew;
	uint64_t pushed, dropped;

	assert_int_equal(se_window_queue_init(&q, 2), 0);
	for (unsigned int k = 0; k < 5; k++) {
		make(&ew, k);
		assert_int_equal(se_window_queue_push(&q, &ew), k >= 2 ? 1 : 0);
	}
	se_window_queue_counts(&q, &pushed, &dropped);
	assert_int_equal(pushed, 5);
	assert_int_equal(dropped, 3);

	/* windows 0, 1, 2 were dropped: their counts come with window 3 */
	assert_true(se_window_queue_pop(&q, &ew));
	assert_int_equal(ew.w.start_ns, 3 * WINDOW_NS);
	assert_int_equal(ew.w.counters[SE_UC_EVENTS], 1 + 2 + 3 + 4);
	assert_int_equal(ew.w.counters[SE_UC_HTTP_REQUESTS], 10 + 11 + 12 + 13);
	assert_int_equal(ew.w.counters[SE_UC_WINDOWS_DROPPED], 3);
	assert_int_equal(ew.w.counters[SE_UC_HTTP_EXPORT_DROPPED], 10 + 11 + 12);
	assert_int_equal(ew.kernel.counters[SE_KC_EVENTS], 100 + 101 + 102 + 103);
	assert_int_equal(ew.late_shards, 4);
	assert_int_equal(ew.w.delay.count, 4);
	assert_int_equal(se_http_part(ew.w.parts)->http.n, 1); /* its own group only */
	assert_int_equal(se_http_part(ew.w.parts)->http.groups[0].count, 13);
	se_window_fini(&ew.w);

	/* once only */
	assert_true(se_window_queue_pop(&q, &ew));
	assert_int_equal(ew.w.start_ns, 4 * WINDOW_NS);
	assert_int_equal(ew.w.counters[SE_UC_EVENTS], 5);
	assert_int_equal(ew.w.counters[SE_UC_WINDOWS_DROPPED], 0);
	assert_int_equal(ew.w.counters[SE_UC_HTTP_EXPORT_DROPPED], 0);
	assert_int_equal(ew.kernel.counters[SE_KC_EVENTS], 104);
	se_window_fini(&ew.w);
	se_window_queue_fini(&q);
}

static void test_close_drains_then_ends(void **state)
{
	struct se_window_queue q;
	struct se_export_window ew;

	assert_int_equal(se_window_queue_init(&q, 3), 0);
	make(&ew, 0);
	se_window_queue_push(&q, &ew);
	make(&ew, 1);
	se_window_queue_push(&q, &ew);
	se_window_queue_close(&q);
	assert_true(se_window_queue_pop(&q, &ew));
	se_window_fini(&ew.w);
	assert_true(se_window_queue_pop(&q, &ew));
	assert_int_equal(ew.w.start_ns, WINDOW_NS);
	se_window_fini(&ew.w);
	assert_false(se_window_queue_pop(&q, &ew));
	se_window_queue_fini(&q);
}

/* Windows still queued at fini are freed (ASan checks for leaks). */
static void test_fini_frees_queued(void **state)
{
	struct se_window_queue q;
	struct se_export_window ew;

	assert_int_equal(se_window_queue_init(&q, 2), 0);
	for (unsigned int k = 0; k < 3; k++) {
		make(&ew, k);
		se_window_queue_push(&q, &ew);
	}
	se_window_queue_fini(&q);
}

static void *pusher(void *arg)
{
	struct se_window_queue *q = arg;
	struct se_export_window ew;

	for (unsigned int k = 0; k < 50; k++) {
		make(&ew, k);
		se_window_queue_push(q, &ew);
	}
	se_window_queue_close(q);
	return NULL;
}

/* Another thread pushes while this one pops: every window arrives, in order. */
static void test_pop_waits_for_push(void **state)
{
	struct se_window_queue q;
	struct se_export_window ew;
	pthread_t t;
	unsigned int n = 0;

	assert_int_equal(se_window_queue_init(&q, 64), 0);
	assert_int_equal(pthread_create(&t, NULL, pusher, &q), 0);
	while (se_window_queue_pop(&q, &ew)) {
		assert_int_equal(ew.w.start_ns, n * WINDOW_NS);
		n++;
		se_window_fini(&ew.w);
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(n, 50);
	se_window_queue_fini(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_full_drops_oldest_and_carries_counts),
		cmocka_unit_test(test_close_drains_then_ends),
		cmocka_unit_test(test_fini_frees_queued),
		cmocka_unit_test(test_pop_waits_for_push),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

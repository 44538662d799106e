// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of shards and their merge into windows (src/agg/window.c): counters add up over
 * shards, records are concatenated in merge order with their contents intact (enough of them
 * to make both arrays grow), empty shards merge cleanly, and a merged shard is left untouched.
 * HTTP groups merge key by key, gauges add up over shards, what the group tables overflowed
 * or lost lands in the window's counters exactly once, and adding a window (the sender's
 * late data) carries counters, records and groups but neither gauges nor a shard count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sinks/counters.h"
#include "util/clock.h"
#include "proto/http1/http1.h"
#include "agg/window.h"
#include "proto/http1/http1_proto.h"

#define WORKERS 4
/* Records per shard: past the initial capacity of 16 so that every array has to grow. */
#define RECORDS_PER_SHARD 37
#define MAX_GROUPS	  16 /* 13 ordinary groups, then overflow */

static struct se_conn_record record_of(uint32_t worker, uint32_t i)
{
	struct se_conn_record r;

	memset(&r, 0, sizeof(r));
	r.id = (uint64_t)worker << 32 | i;
	r.pid = 1000 + worker;
	r.role = (uint8_t)(i % 3);
	r.local.family = r.peer.family = 2;
	r.local.port = (uint16_t)(8000 + worker);
	r.peer.port = (uint16_t)(40000 + i);
	r.local.addr[0] = (uint8_t)worker;
	r.peer.addr[15] = (uint8_t)i;
	r.dir[SE_DIR_IN].bytes = i * 10;
	r.dir[SE_DIR_OUT].events = i + worker;
	r.digest[SE_DIR_IN] = r.id * 0x9e3779b97f4a7c15ull;
	return r;
}

/* Shard of worker w: counters w*100 + c + 1, records record_of(w, 0..n-1). */
static struct se_shard *shard_of(uint32_t w, uint32_t n)
{
	struct se_shard *s = se_shard_new(w, 1000, 2000 + w, MAX_GROUPS);

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
	struct se_shard *s = se_shard_new(3, 10, 20, MAX_GROUPS);

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

	se_window_init(&w, 1000, 2000, MAX_GROUPS);
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

	se_window_init(&w, 1000, 1500, MAX_GROUPS);
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

	se_window_init(&w, 0, 1, MAX_GROUPS);
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

/* ---- HTTP groups and gauges ---------------------------------------------------------------- */

static void add_request(struct se_http_groups *g, uint8_t role, const char *path, uint64_t ms)
{
	struct se_http_request r;

	memset(&r, 0, sizeof(r));
	r.role = role;
	r.method = SE_HTTP_GET;
	r.status = 200;
	r.peer.family = 2;
	r.path = path;
	r.path_len = (uint32_t)strlen(path);
	r.start_ns = 5;
	r.end_ns = 5 + ms * SE_NS_PER_MS;
	assert_int_equal(se_http_groups_add(g, &r), 0);
}

static const struct se_http_group *find_group(const struct se_http_groups *g, uint8_t role,
					      const char *path, bool overflow)
{
	for (uint32_t i = 0; i < g->n; i++)
		if (g->groups[i].role == role && g->groups[i].overflow == overflow &&
		    !strcmp(g->groups[i].path, path))
			return &g->groups[i];
	return NULL;
}

static void test_merge_http_and_gauges(void **state)
{
	struct se_shard *shards[3];
	struct se_window w;
	char own[16];

	se_window_init(&w, 1000, 2000, MAX_GROUPS);
	assert_null(se_http_part_of(w.parts)->http.groups); /* init never allocates */
	assert_int_equal(se_http_part(w.parts)->http.max_groups, MAX_GROUPS);
	for (uint32_t k = 0; k < 3; k++) {
		struct se_shard *s = shard_of(k, 2);
		struct se_shard before;
		struct se_http_group saved[8];

		assert_int_equal(se_http_part(s->parts)->http.max_groups, MAX_GROUPS);
		add_request(&se_http_part(s->parts)->http, SE_ROLE_SERVER, "/shared", 1 + k);
		snprintf(own, sizeof(own), "/own/%u", k);
		add_request(&se_http_part(s->parts)->http, SE_ROLE_CLIENT, own, 100);
		add_request(&se_http_part(s->parts)->http, SE_ROLE_CLIENT, own, 100);
		se_http_part(s->parts)->active_requests[SE_ROLE_SERVER] = 10 + k;
		se_http_part(s->parts)->active_requests[SE_ROLE_CLIENT] = 20 + k;
		se_http_part(s->parts)->active_requests[SE_ROLE_UNKNOWN] = 1;
		s->conns_active = 100 + k;
		shards[k] = s;
		before = *s;
		memcpy(saved, se_http_part(s->parts)->http.groups,
		       se_http_part(s->parts)->http.n * sizeof(saved[0]));
		assert_int_equal(se_window_merge(&w, s), 0);
		assert_memory_equal(&before, s, sizeof(before));
		assert_memory_equal(saved, se_http_part(s->parts)->http.groups,
				    se_http_part(s->parts)->http.n * sizeof(saved[0]));
	}
	assert_int_equal(se_http_part(w.parts)->http.n, 4);
	assert_int_equal(
	    find_group(&se_http_part(w.parts)->http, SE_ROLE_SERVER, "/shared", false)->count, 3);
	assert_int_equal(find_group(&se_http_part(w.parts)->http, SE_ROLE_SERVER, "/shared", false)
			     ->duration.sum,
			 (1 + 2 + 3) * SE_NS_PER_MS);
	for (uint32_t k = 0; k < 3; k++) {
		snprintf(own, sizeof(own), "/own/%u", k);
		assert_int_equal(
		    find_group(&se_http_part(w.parts)->http, SE_ROLE_CLIENT, own, false)->count, 2);
	}
	assert_int_equal(se_http_part(w.parts)->active_requests[SE_ROLE_SERVER], 10 + 11 + 12);
	assert_int_equal(se_http_part(w.parts)->active_requests[SE_ROLE_CLIENT], 20 + 21 + 22);
	assert_int_equal(se_http_part(w.parts)->active_requests[SE_ROLE_UNKNOWN], 3);
	assert_int_equal(w.conns_active, 100 + 101 + 102);
	/* the tables overflowed nothing and lost nothing: the counters are the shards' sums */
	assert_int_equal(w.counters[SE_UC_HTTP_GROUP_OVERFLOW],
			 3 * (SE_UC_HTTP_GROUP_OVERFLOW + 1) + 100 + 200);
	for (uint32_t k = 0; k < 3; k++)
		se_shard_free(shards[k]);
	se_window_fini(&w);
	assert_null(se_http_part_of(w.parts)->http.groups);
	se_window_fini(&w);
}

/* Shard A fills its table and overflows 2 requests and loses 3; shard B brings 5 keys the
 * window has no room for. The window's counters get A's 2 + 3 and B's 5, once each. */
static void test_merge_http_losses_counted(void **state)
{
	struct se_shard *a = se_shard_new(0, 1000, 2000, MAX_GROUPS);
	struct se_shard *b = se_shard_new(1, 1000, 2000, MAX_GROUPS);
	struct se_window w;
	char path[16];

	assert_non_null(a);
	assert_non_null(b);
	for (unsigned int i = 0; i < MAX_GROUPS - 3 + 2; i++) {
		snprintf(path, sizeof(path), "/a/%u", i);
		add_request(&se_http_part(a->parts)->http, SE_ROLE_SERVER, path, 1);
	}
	assert_int_equal(se_http_part(a->parts)->http.overflowed, 2);
	se_http_part(a->parts)->http.alloc_failures = 3;
	for (unsigned int i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "/b/%u", i);
		add_request(&se_http_part(b->parts)->http, SE_ROLE_SERVER, path, 1);
	}
	se_window_init(&w, 1000, 2000, MAX_GROUPS);
	assert_int_equal(se_window_merge(&w, a), 0);
	assert_int_equal(w.counters[SE_UC_HTTP_GROUP_OVERFLOW], 2);
	assert_int_equal(w.counters[SE_UC_HTTP_ALLOC], 3);
	assert_int_equal(se_window_merge(&w, b), 0);
	assert_int_equal(w.counters[SE_UC_HTTP_GROUP_OVERFLOW], 2 + 5);
	assert_int_equal(w.counters[SE_UC_HTTP_ALLOC], 3);
	assert_int_equal(se_http_part(w.parts)->http.overflowed, 7);
	assert_int_equal(se_http_part(w.parts)->http.alloc_failures, 3);
	assert_int_equal(
	    find_group(&se_http_part(w.parts)->http, SE_ROLE_SERVER, "_overflow", true)->count, 7);
	assert_int_equal(se_http_part(w.parts)->http.n, MAX_GROUPS - 3 + 1);
	se_shard_free(a);
	se_shard_free(b);
	se_window_fini(&w);
}

/* The sender's late data: shards merged into a window, that window added to the next. */
static void test_add_window(void **state)
{
	struct se_window late, w;
	struct se_shard *s0 = shard_of(0, 3), *s1 = shard_of(1, 20);
	struct se_window late_before;
	char path[16];

	/* late: one shard that overflowed once, with gauges */
	se_window_init(&late, 0, 0, MAX_GROUPS);
	for (unsigned int i = 0; i < MAX_GROUPS - 3 + 1; i++) {
		snprintf(path, sizeof(path), "/late/%u", i);
		add_request(&se_http_part(s0->parts)->http, SE_ROLE_SERVER, path, 1);
	}
	se_http_part(s0->parts)->http.alloc_failures = 1;
	se_http_part(s0->parts)->active_requests[SE_ROLE_SERVER] = 50;
	s0->conns_active = 60;
	assert_int_equal(se_window_merge(&late, s0), 0);
	assert_int_equal(late.counters[SE_UC_HTTP_GROUP_OVERFLOW],
			 1 + SE_UC_HTTP_GROUP_OVERFLOW + 1);
	assert_int_equal(late.counters[SE_UC_HTTP_ALLOC], 1 + SE_UC_HTTP_ALLOC + 1);

	/* w: its own shard with other keys, full enough that late's keys overflow in part */
	se_window_init(&w, 5000, 6000, MAX_GROUPS);
	for (unsigned int i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "/own/%u", i);
		add_request(&se_http_part(s1->parts)->http, SE_ROLE_SERVER, path, 1);
	}
	se_http_part(s1->parts)->active_requests[SE_ROLE_SERVER] = 7;
	s1->conns_active = 8;
	assert_int_equal(se_window_merge(&w, s1), 0);

	late_before = late;
	assert_int_equal(se_window_add(&w, &late), 0);
	assert_memory_equal(&late_before, &late, sizeof(late));
	assert_int_equal(w.shards, 1); /* not a shard of w */
	assert_int_equal(w.start_ns, 5000);
	assert_int_equal(w.end_ns, 6000);
	assert_int_equal(se_http_part(w.parts)->active_requests[SE_ROLE_SERVER],
			 7); /* gauges not carried */
	assert_int_equal(w.conns_active, 8);
	assert_int_equal(w.nconns, 23);
	assert_int_equal(w.conns[20].id, record_of(0, 0).id); /* late records after w's own */
	assert_int_equal(w.counters[SE_UC_EVENTS], 1 + 101);
	/* w has room for 3 more ordinary groups: 3 of late's 13 fit, 10 overflow here; late's
	 * own overflow (1) and loss (1) were counted in late's counters, not again. */
	assert_int_equal(se_http_part(w.parts)->http.n, 13 + 1);
	assert_int_equal(se_http_part(w.parts)->http.overflowed, 10 + 1);
	assert_int_equal(se_http_part(w.parts)->http.alloc_failures, 1);
	assert_int_equal(w.counters[SE_UC_HTTP_GROUP_OVERFLOW],
			 (SE_UC_HTTP_GROUP_OVERFLOW + 101) + (1 + SE_UC_HTTP_GROUP_OVERFLOW + 1) +
			     10);
	assert_int_equal(w.counters[SE_UC_HTTP_ALLOC],
			 (SE_UC_HTTP_ALLOC + 101) + (1 + SE_UC_HTTP_ALLOC + 1));
	se_shard_free(s0);
	se_shard_free(s1);
	se_window_fini(&late);
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
	assert_string_equal(se_user_counter_names[SE_UC_HTTP_REQUESTS], "http_requests");
	assert_string_equal(se_user_counter_names[SE_UC_HTTP_INVALID], "http_invalid");
	assert_string_equal(se_user_counter_names[SE_UC_HTTP_TOO_LARGE], "http_too_large");
	assert_string_equal(se_user_counter_names[SE_UC_HTTP_RESYNC], "http_resync");
	assert_string_equal(se_user_counter_names[SE_UC_HTTP_UNPAIRED], "http_unpaired");
	assert_string_equal(se_user_counter_names[SE_UC_HTTP_UNANSWERED], "http_unanswered");
	assert_string_equal(se_user_counter_names[SE_UC_HTTP_PIPELINE_FULL], "http_pipeline_full");
	assert_string_equal(se_user_counter_names[SE_UC_HTTP_ALLOC], "http_alloc");
	assert_string_equal(se_user_counter_names[SE_UC_HTTP_GROUP_OVERFLOW],
			    "http_group_overflow");
	assert_string_equal(se_user_counter_names[SE_UC_CONNS_NOT_PARSED], "conns_not_parsed");
	assert_string_equal(se_user_counter_names[SE_UC_HTTP_ABANDONED], "http_abandoned");
	assert_string_equal(se_user_counter_names[SE_UC_HTTP_HEAD_TRUNCATED],
			    "http_head_truncated");
	assert_string_equal(se_user_counter_names[SE_UC_WINDOWS_DROPPED], "windows_dropped");
	assert_string_equal(se_user_counter_names[SE_UC_HTTP_EXPORT_DROPPED],
			    "http_export_dropped");
	assert_true(se_user_counter_is_drop(SE_UC_WINDOWS_DROPPED));
	assert_true(se_user_counter_is_drop(SE_UC_HTTP_EXPORT_DROPPED));
	assert_true(se_user_counter_is_drop(SE_UC_HTTP_ABANDONED));
	assert_false(se_user_counter_is_drop(SE_UC_HTTP_HEAD_TRUNCATED));
	assert_true(se_user_counter_is_drop(SE_UC_HTTP_INVALID));
	assert_true(se_user_counter_is_drop(SE_UC_HTTP_TOO_LARGE));
	assert_true(se_user_counter_is_drop(SE_UC_HTTP_UNPAIRED));
	assert_true(se_user_counter_is_drop(SE_UC_HTTP_PIPELINE_FULL));
	assert_true(se_user_counter_is_drop(SE_UC_HTTP_ALLOC));
	assert_false(se_user_counter_is_drop(SE_UC_HTTP_REQUESTS));
	assert_false(se_user_counter_is_drop(SE_UC_HTTP_RESYNC));
	assert_false(se_user_counter_is_drop(SE_UC_HTTP_UNANSWERED));
	assert_false(se_user_counter_is_drop(SE_UC_HTTP_GROUP_OVERFLOW));
	assert_false(se_user_counter_is_drop(SE_UC_CONNS_NOT_PARSED));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shard_lifecycle),
		cmocka_unit_test(test_merge_sums_and_concatenates),
		cmocka_unit_test(test_merge_empty_shards),
		cmocka_unit_test(test_merge_many_shards),
		cmocka_unit_test(test_merge_http_and_gauges),
		cmocka_unit_test(test_merge_http_losses_counted),
		cmocka_unit_test(test_add_window),
		cmocka_unit_test(test_counter_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Micro benchmarks of the per-event user-space path: stream reassembly of an in-order
 * record, a connection-table lookup, a histogram add and a request counted into an existing
 * HTTP group, each printed as ns/op next to a baseline measured in the same run (a memcpy
 * of the same payload; a bare hash of the key; a bare array increment; FNV-1a over the
 * request's path), because these machines are shared and noisy: compare ratios, and take
 * the median of several rounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockeye/clock.h"
#include "sockeye/conn_table.h"
#include "sockeye/hash.h"
#include "sockeye/hist.h"
#include "sockeye/http1.h"
#include "sockeye/http_groups.h"
#include "sockeye/stream.h"

#define ROUNDS	 7
#define OPS	 2000000u
#define PAYLOAD	 512
#define CONNS	 10000u
#define VALUES	 1024u /* durations cycled through by the histogram benchmark */
#define GROUPS	 64u   /* HTTP groups the requests of the group benchmark fall into */
#define PATH_LEN 24

static volatile uint64_t sink_bytes;

static void count_sink(void *ctx, const struct se_segment *seg)
{
	sink_bytes += seg->len;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, ROUNDS, sizeof(*v), cmp_double);
	return v[ROUNDS / 2];
}

static double ns_per_op(uint64_t start)
{
	return (double)(se_clock_mono_ns() - start) / OPS;
}

/* Durations spread over every bucket: 10 us .. 10 s, log-uniform-ish. */
static void fill_durations(uint64_t *v)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (uint32_t i = 0; i < VALUES; i++) {
		x = se_hash_u64(x + i);
		v[i] = (10000ull << (x % 20)) + (x >> 44);
	}
}

/* GROUPS requests with realistic keys ("/api/v1/users/NNNNN", one peer, GET 200). */
static void fill_requests(struct se_http_request *r, char (*paths)[PATH_LEN])
{
	for (uint32_t i = 0; i < GROUPS; i++) {
		int n = snprintf(paths[i], PATH_LEN, "/api/v1/users/%05u", i * 7919u % 100000u);

		memset(&r[i], 0, sizeof(r[i]));
		r[i].role = 1; /* server */
		r[i].method = SE_HTTP_GET;
		r[i].status = 200;
		r[i].family = 2;
		r[i].peer_addr[0] = 10;
		r[i].peer_addr[3] = 7;
		r[i].path = paths[i];
		r[i].path_len = (uint32_t)n;
		r[i].start_ns = 1000;
		r[i].end_ns = 1000 + (uint64_t)i * 100000;
		r[i].request_body_bytes = i * 10;
	}
}

int main(void)
{
	static uint8_t src[PAYLOAD], dst[PAYLOAD];
	double base_copy[ROUNDS], stream[ROUNDS], base_hash[ROUNDS], lookup[ROUNDS];
	double base_inc[ROUNDS], hist_add[ROUNDS], base_fnv[ROUNDS], group_add[ROUNDS];
	static uint64_t durations[VALUES], plain[SE_HIST_BOUNDS_MAX + 1];
	static struct se_http_request reqs[GROUPS];
	static char paths[GROUPS][PATH_LEN];
	struct se_http_groups groups;
	struct se_hist hist = { 0 };
	int failed = 0;
	struct se_stream_counters cnt = { 0 };
	struct se_conn_table table;
	volatile uint64_t h = 0;

	if (se_conn_table_init(&table, CONNS))
		return 1;
	for (uint32_t i = 1; i <= CONNS; i++)
		se_conn_table_insert(&table, i * 7919ull);
	fill_durations(durations);
	fill_requests(reqs, paths);
	se_http_groups_init(&groups, GROUPS * 4);
	for (uint32_t i = 0; i < GROUPS; i++) /* every later add is a hit */
		failed |= se_http_groups_add(&groups, &reqs[i]);

	for (int r = 0; r < ROUNDS; r++) {
		struct se_stream s;
		struct se_segment seg = { .len = PAYLOAD, .data = src, .captured = PAYLOAD };
		uint64_t t = se_clock_mono_ns();

		for (uint32_t i = 0; i < OPS; i++) {
			src[0] = (uint8_t)i;
			memcpy(dst, src, PAYLOAD);
			__asm__ volatile("" : : "r"(dst) : "memory");
		}
		base_copy[r] = ns_per_op(t);

		se_stream_init(&s, 0);
		t = se_clock_mono_ns();
		for (uint32_t i = 0; i < OPS; i++) {
			seg.offset = (uint64_t)i * PAYLOAD;
			se_stream_push(&s, &seg, count_sink, NULL, &cnt);
		}
		stream[r] = ns_per_op(t);

		t = se_clock_mono_ns();
		for (uint32_t i = 0; i < OPS; i++)
			h += se_hash_u64((i % CONNS + 1) * 7919ull);
		base_hash[r] = ns_per_op(t);

		t = se_clock_mono_ns();
		for (uint32_t i = 0; i < OPS; i++)
			h += (uintptr_t)se_conn_table_lookup(&table, (i % CONNS + 1) * 7919ull);
		lookup[r] = ns_per_op(t);

		t = se_clock_mono_ns();
		for (uint32_t i = 0; i < OPS; i++) {
			uint64_t v = durations[i % VALUES];

			plain[v & SE_HIST_BOUNDS_MAX]++;
			plain[SE_HIST_BOUNDS_MAX] += v;
		}
		base_inc[r] = ns_per_op(t);

		t = se_clock_mono_ns();
		for (uint32_t i = 0; i < OPS; i++)
			se_hist_add(&hist, &se_hist_http_duration, durations[i % VALUES]);
		hist_add[r] = ns_per_op(t);

		t = se_clock_mono_ns();
		for (uint32_t i = 0; i < OPS; i++) {
			const struct se_http_request *q = &reqs[i % GROUPS];

			h += se_fnv1a64(SE_FNV1A64_INIT, q->path, q->path_len);
		}
		base_fnv[r] = ns_per_op(t);

		t = se_clock_mono_ns();
		for (uint32_t i = 0; i < OPS; i++)
			failed |= se_http_groups_add(&groups, &reqs[i % GROUPS]);
		group_add[r] = ns_per_op(t);
	}
	printf("benchmark                     ns/op   baseline ns/op  ratio   (median of %d x %u "
	       "ops)\n",
	       ROUNDS, OPS);
	double b = median(base_copy), v = median(stream);
	printf("stream push, in order, %4dB  %6.2f  %6.2f (memcpy)   %5.2f\n", PAYLOAD, v, b,
	       v / b);
	b = median(base_hash);
	v = median(lookup);
	printf("conn table lookup, %5u live %6.2f  %6.2f (hash)     %5.2f\n", CONNS, v, b, v / b);
	b = median(base_inc);
	v = median(hist_add);
	printf("histogram add, %2u bounds      %6.2f  %6.2f (inc)      %5.2f\n",
	       se_hist_http_duration.n, v, b, v / b);
	b = median(base_fnv);
	v = median(group_add);
	printf("http group add, hit, %2u groups %6.2f  %6.2f (fnv1a)    %5.2f\n", GROUPS, v, b,
	       v / b);
	se_conn_table_fini(&table);
	/* every add must have hit: no group past the first GROUPS, none overflowed or lost */
	failed |= groups.n != GROUPS || groups.overflowed || groups.alloc_failures;
	se_http_groups_fini(&groups);
	failed |= hist.count != (uint64_t)ROUNDS * OPS;
	return cnt.gaps != 0 || failed; /* an in-order stream must not report gaps */
}

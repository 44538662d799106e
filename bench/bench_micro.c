// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Micro benchmarks of the per-event user-space path: stream reassembly of an in-order
 * record, a connection-table lookup, a histogram add and a request counted into an existing
 * HTTP group, each printed as ns/op next to a baseline measured in the same run (a memcpy
 * of the same payload; a bare hash of the key; a bare array increment; FNV-1a over the
 * request's path), and a whole HTTP/1.1 exchange (a curl request and an nginx response)
 * through a connection's session: detection done, framing, pairing and the group add, next
 * to finding the end of both heads with memmem, and a browser's request head (long field
 * values: user agent, cookies, a token) parsed alone, next to memmem over it; because these
 * machines are shared and noisy: compare ratios, and take the median of several rounds.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/counters.h"
#include "util/clock.h"
#include "conn/table.h"
#include "util/hash.h"
#include "util/hist.h"
#include "proto/http1/http1.h"
#include "proto/http_groups.h"
#include "proto/http1/http1_proto.h"
#include "proto/session.h"
#include "conn/stream.h"
#include "agg/window.h"

#define ROUNDS	 7
#define OPS	 2000000u
#define PAYLOAD	 512
#define CONNS	 10000u
#define VALUES	 1024u /* durations cycled through by the histogram benchmark */
#define GROUPS	 64u   /* HTTP groups the requests of the group benchmark fall into */
#define PATH_LEN 24

/* What one request costs the worker past reassembly: curl's request, nginx's response. */
static const char bench_req[] = "GET /api/v1/items?id=42 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
				"User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
static const char bench_resp[] = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n"
				 "Date: Thu, 26 Nov 2026 10:00:00 GMT\r\n"
				 "Content-Type: text/plain\r\nContent-Length: 3\r\n"
				 "Connection: keep-alive\r\n\r\nok\n";
#define EXCHANGE_OPS (OPS / 4)

/* A browser's request through a gateway: most of its bytes are long field values. */
static const char bench_browser_req[] =
    "GET /api/v1/orders/12345/items?include=details&sort=desc HTTP/1.1\r\n"
    "Host: shop.example.internal:8080\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "*/*;q=0.8\r\n"
    "Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Cookie: session=3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c; "
    "csrftoken=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789; theme=dark\r\n"
    "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwi"
    "bmFtZSI6IkpvaG4ifQ.abc\r\n"
    "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"
    "Connection: keep-alive\r\n\r\n";

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
		r[i].peer.family = 2;
		r[i].peer.addr[0] = 10;
		r[i].peer.addr[3] = 7;
		r[i].path = paths[i];
		r[i].path_len = (uint32_t)n;
		r[i].start_ns = 1000;
		r[i].end_ns = 1000 + (uint64_t)i * 100000;
		r[i].request_body_bytes = i * 10;
	}
}

/* Median ns per exchange over rounds, and the memmem baseline, into ex[] and base[]. */
static int bench_exchange(double *ex, double *base)
{
	static const struct se_endpoint peer = { .family = 2 /* AF_INET */,
						 .addr = { 127, 0, 0, 1 } };
	uint64_t counters[SE_UC__COUNT] = { 0 };
	struct se_proto_env env = { .counters = counters };
	void *parts[SE_PROTO__COUNT] = { 0 };
	struct se_http_part *part = se_http1_proto.part_new(16, 0);
	struct se_session_ctx ctx;
	struct se_session sess;
	struct se_segment in = { .data = (const uint8_t *)bench_req,
				 .len = sizeof(bench_req) - 1,
				 .captured = sizeof(bench_req) - 1 };
	struct se_segment out = { .data = (const uint8_t *)bench_resp,
				  .len = sizeof(bench_resp) - 1,
				  .captured = sizeof(bench_resp) - 1 };
	volatile uintptr_t found = 0;
	int failed;

	if (!part || se_session_ctx_init(&ctx, &env))
		return 1;
	parts[SE_PROTO_HTTP1] = part;
	se_session_ctx_point(&ctx, counters, parts);
	se_session_init(&sess, SE_ROLE_SERVER, &peer, false);
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t = se_clock_mono_ns();

		for (uint32_t i = 0; i < EXCHANGE_OPS; i++) {
			found += (uintptr_t)memmem(in.data, in.captured, "\r\n\r\n", 4);
			found += (uintptr_t)memmem(out.data, out.captured, "\r\n\r\n", 4);
			__asm__ volatile("" : : : "memory");
		}
		base[r] = ns_per_op(t) * 4;

		t = se_clock_mono_ns();
		for (uint32_t i = 0; i < EXCHANGE_OPS; i++) {
			in.ts_ns = out.ts_ns = i;
			se_session_on_bytes(&sess, &ctx, SE_DIR_IN, &in);
			se_session_on_bytes(&sess, &ctx, SE_DIR_OUT, &out);
			in.offset += in.len;
			out.offset += out.len;
		}
		ex[r] = ns_per_op(t) * 4;
	}
	/* every exchange must have been counted, in one group */
	failed =
	    counters[SE_UC_HTTP_REQUESTS] != (uint64_t)ROUNDS * EXCHANGE_OPS || part->http.n != 1;
	se_session_fini(&sess, &ctx);
	se_session_ctx_fini(&ctx);
	se_http1_proto.part_free(part);
	return failed;
}

/* Median ns per browser head parsed, and the memmem baseline, into head[] and base[]. */
static int bench_browser_head(double *head, double *base)
{
	const uint8_t *req = (const uint8_t *)bench_browser_req;
	size_t len = sizeof(bench_browser_req) - 1;
	volatile uintptr_t found = 0;
	struct se_http1_head h;
	int failed = 0;

	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t = se_clock_mono_ns();

		for (uint32_t i = 0; i < EXCHANGE_OPS; i++) {
			found += (uintptr_t)memmem(req, len, "\r\n\r\n", 4);
			__asm__ volatile("" : : : "memory");
		}
		base[r] = ns_per_op(t) * 4;

		t = se_clock_mono_ns();
		for (uint32_t i = 0; i < EXCHANGE_OPS; i++) {
			failed |= se_http1_parse_head(req, len, true, &h, NULL) != SE_PARSE_OK;
			__asm__ volatile("" : : : "memory");
		}
		head[r] = ns_per_op(t) * 4;
	}
	/* all of it parsed, the two secrets redacted */
	return failed || h.head_len != len || h.redacted != 2;
}

int main(void)
{
	static uint8_t src[PAYLOAD], dst[PAYLOAD];
	double base_copy[ROUNDS], stream[ROUNDS], base_hash[ROUNDS], lookup[ROUNDS];
	double base_inc[ROUNDS], hist_add[ROUNDS], base_fnv[ROUNDS], group_add[ROUNDS];
	double base_memmem[ROUNDS], exchange[ROUNDS], base_browser[ROUNDS], browser[ROUNDS];
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
	failed |= bench_exchange(exchange, base_memmem);
	failed |= bench_browser_head(browser, base_browser);
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
	b = median(base_memmem);
	v = median(exchange);
	printf("http/1.1 exchange, %3zu+%3zuB  %6.2f  %6.2f (memmem)   %5.2f\n",
	       sizeof(bench_req) - 1, sizeof(bench_resp) - 1, v, b, v / b);
	b = median(base_browser);
	v = median(browser);
	printf("http/1.1 browser head, %3zuB   %6.2f  %6.2f (memmem)   %5.2f\n",
	       sizeof(bench_browser_req) - 1, v, b, v / b);
	se_conn_table_fini(&table);
	/* every add must have hit: no group past the first GROUPS, none overflowed or lost */
	failed |= groups.n != GROUPS || groups.overflowed || groups.alloc_failures;
	se_http_groups_fini(&groups);
	failed |= hist.count != (uint64_t)ROUNDS * OPS;
	return cnt.gaps != 0 || failed; /* an in-order stream must not report gaps */
}

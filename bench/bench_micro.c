// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Micro benchmarks of the per-event user-space path: stream reassembly of an in-order
 * record and a connection-table lookup, each printed as ns/op next to a baseline measured
 * in the same run (a memcpy of the same payload; a bare hash of the key), because these
 * machines are shared and noisy: compare ratios, and take the median of several rounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockeye/clock.h"
#include "sockeye/conn_table.h"
#include "sockeye/hash.h"
#include "sockeye/stream.h"

#define ROUNDS	7
#define OPS	2000000u
#define PAYLOAD 512
#define CONNS	10000u

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

int main(void)
{
	static uint8_t src[PAYLOAD], dst[PAYLOAD];
	double base_copy[ROUNDS], stream[ROUNDS], base_hash[ROUNDS], lookup[ROUNDS];
	struct se_stream_counters cnt = { 0 };
	struct se_conn_table table;
	volatile uint64_t h = 0;

	if (se_conn_table_init(&table, CONNS))
		return 1;
	for (uint32_t i = 1; i <= CONNS; i++)
		se_conn_table_insert(&table, i * 7919ull);

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
	se_conn_table_fini(&table);
	return cnt.gaps != 0; /* an in-order stream must not report gaps */
}

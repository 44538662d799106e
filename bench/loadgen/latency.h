// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Latency histogram of the load generator, HdrHistogram-like: values in nanoseconds, exact
 * below 256 ns, then each power of two split into 128 linear sub-buckets, so a bucket's width
 * is at most 1/128 (0.8%) of the values it holds. Bounded: 0..68.7 s (2^36 ns, enough for the
 * 1 us..60 s asked of it) in 3840 counters (30 KiB); larger values count in the last bucket
 * (and in clamped), the exact max is kept apart.
 */
#ifndef SE_LG_LATENCY_H
#define SE_LG_LATENCY_H

#include <stdint.h>

#define SE_LG_LAT_SUB_BITS 7 /* 2^7 sub-buckets per power of two: 1/128 precision */
#define SE_LG_LAT_SUB	   (1u << SE_LG_LAT_SUB_BITS)
#define SE_LG_LAT_LINEAR   (2u * SE_LG_LAT_SUB) /* values below this have a bucket each */
/* Powers of two from 2^8 up to 2^35: their buckets end at 2^36 - 1 ns, 68.7 s. */
#define SE_LG_LAT_OCTAVES 28
#define SE_LG_LAT_MAX_NS  ((1ull << (SE_LG_LAT_OCTAVES + SE_LG_LAT_SUB_BITS + 1)) - 1)
#define SE_LG_LAT_BUCKETS (SE_LG_LAT_LINEAR + SE_LG_LAT_OCTAVES * SE_LG_LAT_SUB)

struct se_lg_lat {
	uint64_t count, sum_ns, min_ns, max_ns;
	uint64_t clamped; /* values above SE_LG_LAT_MAX_NS, counted in the last bucket */
	uint64_t counts[SE_LG_LAT_BUCKETS];
};

void se_lg_lat_init(struct se_lg_lat *h);
void se_lg_lat_add(struct se_lg_lat *h, uint64_t ns);
/* Adds every value of from into into. */
void se_lg_lat_merge(struct se_lg_lat *into, const struct se_lg_lat *from);
/*
 * The smallest bucket value v such that at least p percent of the values are <= v, as the
 * highest value of its bucket, never above the exact max; 0 when empty. p in [0, 100].
 */
uint64_t se_lg_lat_percentile(const struct se_lg_lat *h, double p);

uint32_t se_lg_lat_index(uint64_t ns);
uint64_t se_lg_lat_lowest(uint32_t index);
uint64_t se_lg_lat_highest(uint32_t index);

#endif

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The load generator's latency histogram (see latency.h): log-linear buckets, so adding a
 * value is a count-leading-zeros and a shift, and percentiles walk the counters once.
 */
#include <math.h>
#include <string.h>

#include "latency.h"

_Static_assert(SE_LG_LAT_MAX_NS >= 60ull * 1000000000ull, "a minute fits");

void se_lg_lat_init(struct se_lg_lat *h)
{
	memset(h, 0, sizeof(*h));
}

uint32_t se_lg_lat_index(uint64_t ns)
{
	uint32_t msb, shift;

	if (ns > SE_LG_LAT_MAX_NS)
		ns = SE_LG_LAT_MAX_NS;
	if (ns < SE_LG_LAT_LINEAR)
		return (uint32_t)ns;
	msb = 63 - (uint32_t)__builtin_clzll(ns); /* >= SE_LG_LAT_SUB_BITS + 1 */
	shift = msb - SE_LG_LAT_SUB_BITS;
	/* ns >> shift is in [SUB, 2 * SUB): the linear position inside its power of two */
	return SE_LG_LAT_LINEAR + (shift - 1) * SE_LG_LAT_SUB +
	       (uint32_t)((ns >> shift) - SE_LG_LAT_SUB);
}

static uint32_t bucket_shift(uint32_t index)
{
	return (index - SE_LG_LAT_LINEAR) / SE_LG_LAT_SUB + 1;
}

uint64_t se_lg_lat_lowest(uint32_t index)
{
	if (index < SE_LG_LAT_LINEAR)
		return index;
	return (uint64_t)((index - SE_LG_LAT_LINEAR) % SE_LG_LAT_SUB + SE_LG_LAT_SUB)
	       << bucket_shift(index);
}

uint64_t se_lg_lat_highest(uint32_t index)
{
	if (index < SE_LG_LAT_LINEAR)
		return index;
	return se_lg_lat_lowest(index) + (1ull << bucket_shift(index)) - 1;
}

void se_lg_lat_add(struct se_lg_lat *h, uint64_t ns)
{
	if (ns > SE_LG_LAT_MAX_NS)
		h->clamped++;
	h->counts[se_lg_lat_index(ns)]++;
	if (!h->count || ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	h->count++;
	h->sum_ns += ns;
}

void se_lg_lat_merge(struct se_lg_lat *into, const struct se_lg_lat *from)
{
	if (!from->count)
		return;
	for (uint32_t i = 0; i < SE_LG_LAT_BUCKETS; i++)
		into->counts[i] += from->counts[i];
	if (!into->count || from->min_ns < into->min_ns)
		into->min_ns = from->min_ns;
	if (from->max_ns > into->max_ns)
		into->max_ns = from->max_ns;
	into->count += from->count;
	into->sum_ns += from->sum_ns;
	into->clamped += from->clamped;
}

uint64_t se_lg_lat_percentile(const struct se_lg_lat *h, double p)
{
	uint64_t target, seen = 0;

	if (!h->count)
		return 0;
	if (p >= 100.0)
		return h->max_ns;
	/* the epsilon keeps 99.9% of 1000 at 999 despite the rounding of p / 100 */
	target = (uint64_t)ceil(p / 100.0 * (double)h->count - 1e-9);
	if (target < 1)
		target = 1;
	for (uint32_t i = 0; i < SE_LG_LAT_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= target) {
			uint64_t v = se_lg_lat_highest(i);

			return v < h->max_ns ? v : h->max_ns;
		}
	}
	return h->max_ns;
}

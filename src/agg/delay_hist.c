// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Log-linear delay histogram (see src/agg/delay_hist.h). Values below 8 have a
 * bucket each; a value v >= 8 with its highest bit at e goes to group e - 2, sub-bucket
 * the 3 bits below that highest bit.
 */
#include "agg/delay_hist.h"

#include <math.h>

#define SE_DELAY_SUB (1u << SE_DELAY_SUB_BITS)

static uint32_t se_delay_bucket(uint64_t v)
{
	uint32_t e;

	if (v < SE_DELAY_SUB)
		return (uint32_t)v;
	e = 63 - (uint32_t)__builtin_clzll(v);
	if (e >= SE_DELAY_MAX_LOG2)
		return SE_DELAY_BUCKETS - 1;
	return ((e - SE_DELAY_SUB_BITS + 1) << SE_DELAY_SUB_BITS) |
	       (uint32_t)((v >> (e - SE_DELAY_SUB_BITS)) & (SE_DELAY_SUB - 1));
}

/* The largest value that falls in bucket i. */
static uint64_t se_delay_bucket_upper(uint32_t i)
{
	uint32_t group = i >> SE_DELAY_SUB_BITS, sub = i & (SE_DELAY_SUB - 1), e;

	if (!group)
		return sub;
	e = group + SE_DELAY_SUB_BITS - 1;
	return ((uint64_t)(SE_DELAY_SUB + sub + 1) << (e - SE_DELAY_SUB_BITS)) - 1;
}

void se_delay_hist_add(struct se_delay_hist *h, uint64_t ns)
{
	h->count++;
	if (ns > h->max)
		h->max = ns;
	h->counts[se_delay_bucket(ns)]++;
}

void se_delay_hist_merge(struct se_delay_hist *dst, const struct se_delay_hist *src)
{
	if (!src->count)
		return;
	dst->count += src->count;
	if (src->max > dst->max)
		dst->max = src->max;
	for (uint32_t i = 0; i < SE_DELAY_BUCKETS; i++)
		dst->counts[i] += src->counts[i];
}

uint64_t se_delay_hist_quantile(const struct se_delay_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (uint32_t i = 0; i < SE_DELAY_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			/* the last bucket is open-ended: its values are bounded by max only */
			uint64_t upper =
			    i == SE_DELAY_BUCKETS - 1 ? h->max : se_delay_bucket_upper(i);

			return upper < h->max ? upper : h->max;
		}
	}
	return h->max;
}

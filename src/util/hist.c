// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Explicit-bounds histograms (see src/util/hist.h) and the bounds sockeye exports
 * (docs/output.md). Bounds are kept in the base unit so that adding a value never divides.
 */
#include "util/hist.h"

#include "util/clock.h"

const struct se_hist_bounds se_hist_http_duration = {
	.n = 11,
	.v = { 1 * SE_NS_PER_MS, 5 * SE_NS_PER_MS, 10 * SE_NS_PER_MS, 25 * SE_NS_PER_MS,
	       50 * SE_NS_PER_MS, 100 * SE_NS_PER_MS, 250 * SE_NS_PER_MS, 500 * SE_NS_PER_MS,
	       1000 * SE_NS_PER_MS, 2500 * SE_NS_PER_MS, 5000 * SE_NS_PER_MS },
	.scale = SE_NS_PER_MS,
};

const struct se_hist_bounds se_hist_http_body_size = {
	.n = 5,
	.v = { 100, 1000, 10000, 100000, 1000000 },
	.scale = 1,
};

const struct se_hist_bounds se_hist_dns_duration = {
	.n = 6,
	.v = { 1 * SE_NS_PER_MS, 5 * SE_NS_PER_MS, 10 * SE_NS_PER_MS, 50 * SE_NS_PER_MS,
	       100 * SE_NS_PER_MS, 500 * SE_NS_PER_MS },
	.scale = SE_NS_PER_MS,
};

/*
 * The bucket of v is the number of bounds below it (bounds increase). Counting them all,
 * rather than stopping at the first bound >= v, has no data-dependent branch: at most 15
 * compare-and-adds, which the compiler turns into setcc/adc sequences.
 */
static inline uint32_t se_hist_bucket(const struct se_hist_bounds *b, uint64_t v)
{
	uint32_t i = 0;

	for (uint32_t k = 0; k < b->n; k++)
		i += v > b->v[k];
	return i;
}

void se_hist_add(struct se_hist *h, const struct se_hist_bounds *b, uint64_t v)
{
	if (!h->count || v < h->min)
		h->min = v;
	if (!h->count || v > h->max)
		h->max = v;
	h->count++;
	h->sum += v;
	h->counts[se_hist_bucket(b, v)]++;
}

void se_hist_merge(struct se_hist *dst, const struct se_hist *src, const struct se_hist_bounds *b)
{
	if (!src->count)
		return;
	if (!dst->count || src->min < dst->min)
		dst->min = src->min;
	if (!dst->count || src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
	dst->sum += src->sum;
	for (uint32_t i = 0; i <= b->n; i++)
		dst->counts[i] += src->counts[i];
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Log-linear histogram of delays, for percentiles of sockeye's own lag: the time from a
 * record's kernel timestamp to the end of its aggregation. Each power of two is cut into 8
 * buckets, so a percentile is known within 12.5 %, from 1 ns to 2^40 ns (18 min; longer
 * delays go in the last bucket). Pure, no allocation; adding is a clz, a shift and an add.
 */
#ifndef SOCKEYE_DELAY_HIST_H
#define SOCKEYE_DELAY_HIST_H

#include <stdint.h>

#define SE_DELAY_SUB_BITS 3
#define SE_DELAY_MAX_LOG2 40
#define SE_DELAY_BUCKETS  ((SE_DELAY_MAX_LOG2 - SE_DELAY_SUB_BITS + 1) << SE_DELAY_SUB_BITS)

struct se_delay_hist {
	uint64_t count;
	uint64_t max; /* exact */
	uint64_t counts[SE_DELAY_BUCKETS];
};

void se_delay_hist_add(struct se_delay_hist *h, uint64_t ns);
void se_delay_hist_merge(struct se_delay_hist *dst, const struct se_delay_hist *src);
/*
 * The q-quantile (0 < q <= 1): the upper bound of the bucket holding the ceil(q * count)-th
 * smallest value, never above max, so it errs high by at most 12.5 %. 0 when empty.
 */
uint64_t se_delay_hist_quantile(const struct se_delay_hist *h, double q);

#endif /* SOCKEYE_DELAY_HIST_H */

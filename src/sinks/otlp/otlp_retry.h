/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * When to retry an OTLP export, and how long to wait, as the OTLP/HTTP specification and
 * the OpenTelemetry SDK exporters do: 429, 502, 503, 504 and transport errors are retried
 * with exponential backoff (1 s, doubling to 30 s, with jitter), honouring Retry-After; other
 * statuses are not retried. A window is given up after SE_OTLP_RETRY_MAX_ELAPSED_MS. Pure.
 */
#ifndef SOCKEYE_OTLP_RETRY_H
#define SOCKEYE_OTLP_RETRY_H

#include <stdint.h>

#define SE_OTLP_RETRY_INITIAL_MS     1000
#define SE_OTLP_RETRY_MAX_MS	     30000
#define SE_OTLP_RETRY_MAX_ELAPSED_MS 60000

enum se_otlp_outcome {
	SE_OTLP_DELIVERED = 0,
	SE_OTLP_RETRY,	  /* status 0 (no answer), 429, 502, 503, 504 */
	SE_OTLP_REJECTED, /* any other status: sending it again would not help */
};

enum se_otlp_outcome se_otlp_classify(long status);
/*
 * The wait before retry number `attempt` (0 for the first retry): the backoff,
 * min(INITIAL * 2^attempt, MAX) scaled by a jitter factor in [0.5, 1.0) from rnd, or
 * Retry-After when the server gave a longer one (retry_after_s >= 0, capped at
 * SE_OTLP_RETRY_MAX_ELAPSED_MS).
 */
uint64_t se_otlp_backoff_ms(unsigned int attempt, long retry_after_s, uint64_t rnd);

#endif /* SOCKEYE_OTLP_RETRY_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * OTLP retry policy (see src/sinks/otlp/otlp_retry.h).
 */
#include "sinks/otlp/otlp_retry.h"

enum se_otlp_outcome se_otlp_classify(long status)
{
	if (status >= 200 && status < 300)
		return SE_OTLP_DELIVERED;
	switch (status) {
	case 0:
	case 429:
	case 502:
	case 503:
	case 504:
		return SE_OTLP_RETRY;
	default:
		return SE_OTLP_REJECTED;
	}
}

uint64_t se_otlp_backoff_ms(unsigned int attempt, long retry_after_s, uint64_t rnd)
{
	uint64_t base = SE_OTLP_RETRY_INITIAL_MS, backoff;

	for (unsigned int i = 0; i < attempt && base < SE_OTLP_RETRY_MAX_MS; i++)
		base *= 2;
	if (base > SE_OTLP_RETRY_MAX_MS)
		base = SE_OTLP_RETRY_MAX_MS;
	/* "full jitter" would allow 0; half of it keeps retries from coming back to back */
	backoff = base / 2 + (rnd % (base / 2));
	if (retry_after_s >= 0) {
		/* capped before multiplying: the header comes from the network */
		uint64_t ms = retry_after_s >= SE_OTLP_RETRY_MAX_ELAPSED_MS / 1000
				  ? SE_OTLP_RETRY_MAX_ELAPSED_MS
				  : (uint64_t)retry_after_s * 1000;

		/* never sooner than the backoff: "Retry-After: 0" must not make a busy loop */
		return ms > backoff ? ms : backoff;
	}
	return backoff;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Clock reads for windows and timestamps. */
#include "util/clock.h"

#include <time.h>

static uint64_t se_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * SE_NS_PER_S + (uint64_t)ts.tv_nsec;
}

uint64_t se_clock_mono_ns(void)
{
	return se_clock_ns(CLOCK_MONOTONIC);
}

uint64_t se_clock_real_ns(void)
{
	return se_clock_ns(CLOCK_REALTIME);
}

int64_t se_clock_real_minus_mono_ns(void)
{
	/* Bracket the realtime read with two monotonic reads and use their midpoint. */
	uint64_t m0 = se_clock_mono_ns();
	uint64_t r = se_clock_real_ns();
	uint64_t m1 = se_clock_mono_ns();

	return (int64_t)(r - (m0 + (m1 - m0) / 2));
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Time: the kernel stamps events with CLOCK_MONOTONIC (bpf_ktime_get_ns); windows are
 * aligned to wall-clock (CLOCK_REALTIME) multiples. The offset between the two is taken once
 * at start so a kernel timestamp maps to wall time without a syscall per event.
 */
#ifndef SOCKEYE_CLOCK_H
#define SOCKEYE_CLOCK_H

#include <stdint.h>

#define SE_NS_PER_MS 1000000ull
#define SE_NS_PER_S  1000000000ull

uint64_t se_clock_mono_ns(void);
uint64_t se_clock_real_ns(void);

/* Start of the window of length window_ns containing t (any clock with the same epoch). */
static inline uint64_t se_clock_align_down(uint64_t t, uint64_t window_ns)
{
	return t - t % window_ns;
}

/* realtime - monotonic, sampled now (Context: any thread; called at start). */
int64_t se_clock_real_minus_mono_ns(void);

#endif /* SOCKEYE_CLOCK_H */

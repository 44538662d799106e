/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Explicit-bounds histograms, as OpenTelemetry defines them: bucket i counts values v with
 * bounds[i-1] < v <= bounds[i]; the last bucket counts v > bounds[n-1]. Values are integers
 * in the histogram's base unit (nanoseconds for durations, bytes for sizes); exporters scale.
 * Pure; adding is a few compares and adds, no allocation.
 */
#ifndef SOCKEYE_HIST_H
#define SOCKEYE_HIST_H

#include <stdint.h>

#define SE_HIST_BOUNDS_MAX 15

struct se_hist_bounds {
	uint32_t n;			/* <= SE_HIST_BOUNDS_MAX */
	uint64_t v[SE_HIST_BOUNDS_MAX]; /* increasing, base unit */
	uint64_t scale;			/* base units per exported unit (1e6 for ns -> ms) */
};

/* The exported bounds (docs/output.md): http.server.request.duration (ms),
 * http.server.request.body_size (By), dns.resolution.duration (ms). */
extern const struct se_hist_bounds se_hist_http_duration;
extern const struct se_hist_bounds se_hist_http_body_size;
extern const struct se_hist_bounds se_hist_dns_duration;

struct se_hist {
	uint64_t count;
	uint64_t sum; /* base unit */
	uint64_t min; /* meaningful when count > 0 */
	uint64_t max;
	uint64_t counts[SE_HIST_BOUNDS_MAX + 1];
};

void se_hist_add(struct se_hist *h, const struct se_hist_bounds *b, uint64_t v);
/* Add src into dst (same bounds). */
void se_hist_merge(struct se_hist *dst, const struct se_hist *src, const struct se_hist_bounds *b);

#endif /* SOCKEYE_HIST_H */

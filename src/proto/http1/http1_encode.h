/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * HTTP/1's part of a window for each sink (the encoding members of se_http1_proto). A NULL
 * part reads as an empty one. Context: sender.
 */
#ifndef SOCKEYE_HTTP1_ENCODE_H
#define SOCKEYE_HTTP1_ENCODE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/http1/http1_proto.h"
#include "util/otlp_metric.h"
#include "util/otlp_span.h"

/* One http line per group. */
void se_http1_write_json(FILE *out, const void *part, uint64_t start_ms, uint64_t end_ms);
/* ,"active_requests":{...} of the stats line. */
void se_http1_write_stats(FILE *out, const void *part);

/* Running totals for cumulative temporality: a group table whose series end after ttl_ns
 * without a request (se_http_groups_merge_series). */
void *se_http1_totals_new(uint32_t max_groups);
void se_http1_totals_free(void *totals);
void se_http1_totals_add(void *totals, const void *part, uint64_t start_ns, uint64_t end_ns,
			 uint64_t ttl_ns);
/* The duration and body-size histograms of each role (from totals, or the part's groups when
 * totals is NULL: delta) and the requests in flight. */
void se_http1_otlp_metrics(struct se_otlp_metrics_out *out, const void *part, const void *totals);

/* A span for each traced request, and a summary span for each group's other requests. */
size_t se_http1_otlp_span_count(const void *part);
void se_http1_otlp_spans(struct se_otlp_spans_out *out, const void *part, uint64_t window_end_ns,
			 uint64_t rng[4]);

#endif /* SOCKEYE_HTTP1_ENCODE_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * OTLP metrics as a Prometheus exposition: the text format 0.0.4 or OpenMetrics 1.0.0, named
 * by OpenTelemetry's Prometheus compatibility rules:
 *
 *   - a name's characters outside [a-zA-Z0-9_:] become '_' (runs of them one), a leading digit
 *     gets a '_' before it; attribute keys likewise become label names;
 *   - the unit, in words, is appended unless the name has it already ("By" -> _bytes,
 *     "s" -> _seconds, "a/b" -> _a_per_b); annotations ("{query}") are dropped; "ms" is
 *     converted to seconds, values and bounds alike, since Prometheus' base unit of time
 *     is the second and promtool flags milliseconds; "1" (sockeye's counts) adds nothing;
 *   - monotonic cumulative sums are counters, with _total; other sums and gauges are gauges;
 *     cumulative histograms keep their bounds as le="..." buckets (cumulative, with +Inf),
 *     _sum and _count; delta points are left out (Prometheus has no delta type);
 *   - the resource's attributes are the labels of one target_info sample (an info metric
 *     in OpenMetrics); the points carry only their own attributes.
 *
 * Metrics of one name, wherever they are in the request, are written as one family. No
 * timestamps: Prometheus stamps a scrape itself. Pure apart from the FILE it writes to.
 */
#ifndef SOCKEYE_PROM_TEXT_H
#define SOCKEYE_PROM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"

enum se_prom_format {
	SE_PROM_TEXT = 0,	 /* text/plain; version=0.0.4 */
	SE_PROM_OPENMETRICS = 1, /* application/openmetrics-text; version=1.0.0 */
	SE_PROM_FORMATS,
};

/* The Content-Type of each format's response. */
extern const char *const se_prom_content_type[SE_PROM_FORMATS];

/* Where a piecewise write of an exposition is (se_prom_write_next). */
struct se_prom_cursor {
	enum {
		SE_PROM_AT_TARGET = 0,
		SE_PROM_AT_FAMILIES,
		SE_PROM_AT_END,
		SE_PROM_DONE,
	} stage;
	size_t resource, scope; /* the ResourceMetrics and ScopeMetrics being written */
	size_t leader;		/* the family's first metric in that scope */
	size_t member, point;	/* the metric of the family and its point being written */
	bool in_family;		/* the family's metadata is written */
};

void se_prom_cursor_init(struct se_prom_cursor *c);
/* Write the next piece of the exposition of req to out: target_info, one family's metadata,
 * one point's samples (a histogram's buckets, sum and count), or the end. false once all is
 * written (nothing written then). req must not change between the calls of one cursor. A
 * piece is a few KiB at most: a reader can stream a page of any size. */
bool se_prom_write_next(
    FILE *out, const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req,
    enum se_prom_format fmt, struct se_prom_cursor *c);
/* Write the whole exposition of req to out. 0, or -EIO when out failed. */
int se_prom_write(
    FILE *out, const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req,
    enum se_prom_format fmt);

#endif /* SOCKEYE_PROM_TEXT_H */

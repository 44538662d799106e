/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Building the metrics of one OTLP export: what the sink and each protocol's encoder add to
 * the same list, in order. Every message comes from out's arena (otlp_build.h); a metric that
 * does not fit, or memory that runs out, leaves it incomplete and the arena failed.
 */
#ifndef SOCKEYE_OTLP_METRIC_H
#define SOCKEYE_OTLP_METRIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opentelemetry/proto/metrics/v1/metrics.pb-c.h"
#include "util/hist.h"
#include "util/otlp_build.h"

typedef Opentelemetry__Proto__Metrics__V1__Metric se_pb_metric;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint se_pb_number;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint se_pb_hist;
typedef Opentelemetry__Proto__Metrics__V1__Histogram se_pb_histogram;

/* What one export describes: the window, the series times, the metrics so far. */
struct se_otlp_metrics_out {
	struct se_arena *a;
	uint64_t start_ns; /* of sums and histograms */
	uint64_t time_ns;  /* of every point: the window's end */
	int temporality;   /* AGGREGATION_TEMPORALITY_DELTA or _CUMULATIVE */
	se_pb_metric **metrics;
	size_t nmetrics;
	size_t cap;
};

/* A new metric at the end of the list; NULL when the list is full or memory ran out. */
se_pb_metric *se_otlp_metric(struct se_otlp_metrics_out *c, const char *name, const char *desc,
			     const char *unit);
/* A gauge with one point (attr may be NULL), or none when out of memory. */
void se_otlp_gauge(struct se_otlp_metrics_out *c, const char *name, const char *desc, int64_t value,
		   Opentelemetry__Proto__Common__V1__KeyValue *attr);
/* A monotonic sum with one point per value, attr_key=attr_values[i] on each (attr_key may be
 * NULL: no attribute). */
void se_otlp_sum(struct se_otlp_metrics_out *c, const char *name, const char *desc,
		 const char *attr_key, const char *const *attr_values, const uint64_t *values,
		 size_t n);
/* A monotonic sum ready for n points with attributes of their own (se_otlp_sum_add), or NULL. */
Opentelemetry__Proto__Metrics__V1__Sum *se_otlp_sum_new(struct se_otlp_metrics_out *c,
							const char *name, const char *desc,
							const char *unit, size_t n);
/* A point of s, in series that began at series_start_ns (0: the export's start). 0 or -ENOMEM. */
int se_otlp_sum_add(struct se_otlp_metrics_out *c, Opentelemetry__Proto__Metrics__V1__Sum *s,
		    uint64_t value, const struct se_otlp_attrs *attrs, uint64_t series_start_ns);
/* A histogram metric ready for n points (se_otlp_histogram_add), or NULL. */
se_pb_histogram *se_otlp_histogram(struct se_otlp_metrics_out *c, const char *name,
				   const char *desc, const char *unit, size_t n);
/* A point of h (in b's exported unit) with attrs, in series that began at series_start_ns (0:
 * the export's start). 0 or -ENOMEM. */
int se_otlp_histogram_add(struct se_otlp_metrics_out *c, se_pb_histogram *m,
			  const struct se_hist *h, const struct se_hist_bounds *b,
			  const struct se_otlp_attrs *attrs, uint64_t series_start_ns);

#endif /* SOCKEYE_OTLP_METRIC_H */

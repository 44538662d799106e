/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Windows as OTLP metrics (an ExportMetricsServiceRequest), as docs/output.md describes them.
 * The one model of sockeye's metrics: the OTLP sink sends it, the Prometheus sink renders it
 * (sinks/prometheus), hence its place beside the sinks rather than in one of them.
 *
 *   http.server.request.duration   Histogram ms  1..5000      (http.client.* for the client
 *   http.server.request.body_size  Histogram By  100..1e6      role, as OpenTelemetry names it)
 *   http.server.active_requests    Gauge     1                 (and http.client.active_requests)
 *   tcp.connections.active         Gauge     1
 *   sockeye.events, sockeye.dropped{reason}, sockeye.export.failures{reason}: Sums
 *   sockeye.attach.tier{tier}      Gauge     1 for the active capture tier
 *
 * HTTP attributes: http.request.method, url.path, http.response.status_code,
 * network.peer.address; an overflow group (--max-groups) has otel.metric.overflow=true
 * instead. Cumulative temporality by default: the state keeps running totals of every group
 * (bounded by --max-groups like a window) and counter since the first window. A group's
 * series starts with the window that first counts into it, and ends once no window has for
 * --metrics-ttl: its room is then free for new keys, so a burst of distinct keys cannot lock
 * the totals into the overflow group for good, and a series that comes back starts anew
 * (the OTLP data model's reset). Counters start at the first window. Delta: each window alone,
 * start time its start. Context: sender.
 */
#ifndef SOCKEYE_OTLP_METRICS_H
#define SOCKEYE_OTLP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "sinks/otlp_resource.h"
#include "pipeline/window_queue.h"
#include "proto/proto.h"

/* Why an export failed (sockeye.export.failures{reason}). */
enum se_export_failure {
	SE_EXPORT_FAIL_CONNECT = 0, /* no connection, timeout, or another transport error */
	SE_EXPORT_FAIL_RETRYABLE,   /* 429, 502, 503, 504: retried */
	SE_EXPORT_FAIL_REJECTED,    /* another status: not retried, the window is dropped */
	SE_EXPORT_FAIL_GAVE_UP,	    /* retries ran out: the window is dropped */
	SE_EXPORT_FAIL_ENCODE,	    /* out of memory building the message */
	SE_EXPORT_FAIL_TLS,	    /* TLS failed: not retried, the window is dropped */
	SE_EXPORT_FAIL__COUNT,
};
extern const char *const se_export_failure_names[SE_EXPORT_FAIL__COUNT];

/* Where a sink other than the OTLP one reads sockeye.export.failures so far (the OTLP sink's
 * counts, on the sender thread): get NULL when nothing is exported over OTLP. */
struct se_export_failures_source {
	void (*get)(void *arg, uint64_t failures[SE_EXPORT_FAIL__COUNT]);
	void *arg;
};

struct se_otlp_metrics {
	bool delta;
	uint64_t series_ttl_ns; /* a group's series ends when not counted into for this long */
	uint64_t start_ns;	/* cumulative counters' start: the first window's start */
	uint32_t max_groups;
	void *totals[SE_PROTO__COUNT]; /* each protocol's running totals (protocol.h) */
	uint64_t counters[SE_UC__COUNT];
	uint64_t kernel[SE_KC__COUNT];
	uint64_t prog_missed;
	uint64_t failures_sent[SE_EXPORT_FAIL__COUNT]; /* delta: the totals last reported */
};

void se_otlp_metrics_init(struct se_otlp_metrics *m, bool delta, uint32_t max_groups,
			  uint64_t series_ttl_ns);
void se_otlp_metrics_fini(struct se_otlp_metrics *m);

/*
 * Account ew (running totals, once per window) and build the request for it in a: every
 * string it holds is a literal or a's own, so it stays valid as long as a (the Prometheus
 * endpoint keeps it to render scrapes). failures: sockeye.export.failures so far, by reason
 * (a running total, whatever the temporality). tier: the capture tier's name. NULL when
 * memory ran out (the totals still include ew).
 */
Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *
se_otlp_metrics_build(struct se_otlp_metrics *m, const struct se_otlp_resource *res,
		      const struct se_export_window *ew,
		      const uint64_t failures[SE_EXPORT_FAIL__COUNT], const char *tier,
		      struct se_arena *a);
/* se_otlp_metrics_build, packed into a malloc'd buffer (*out, *len). 0, or -ENOMEM (nothing
 * to send; the totals still include ew). */
int se_otlp_metrics_encode(struct se_otlp_metrics *m, const struct se_otlp_resource *res,
			   const struct se_export_window *ew,
			   const uint64_t failures[SE_EXPORT_FAIL__COUNT], const char *tier,
			   uint8_t **out, size_t *len);

#endif /* SOCKEYE_OTLP_METRICS_H */

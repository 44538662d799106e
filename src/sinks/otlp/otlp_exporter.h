/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The OTLP exporter of the sender thread: each window is encoded once as metrics
 * (otlp_metrics.h), POSTed to <endpoint>/v1/metrics, then, when it has any, as spans
 * (otlp_spans.h) to <endpoint>/v1/traces (otlp_http.h); each POST is retried per
 * otlp_retry.h until delivered, rejected, or given up after a minute. A TLS failure is not
 * retried: the same certificates fail the same way a second later, and the next window tries
 * again on a new connection (so a rotated certificate or CA file is picked up). Failures are
 * counted by reason and exported with the next window (sockeye.export.failures). While it
 * retries, only the sender waits (sender.h). Once sockeye is stopping there is no backoff:
 * each remaining window gets one attempt, all of them ending by the stop deadline
 * (otlp_http.h), and after one that would have been retried the rest are given up, so
 * stopping is bounded.
 */
#ifndef SOCKEYE_OTLP_EXPORTER_H
#define SOCKEYE_OTLP_EXPORTER_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "sinks/otlp/otlp_http.h"
#include "sinks/otlp_metrics.h"
#include "pipeline/health.h"
#include "pipeline/sink.h"
#include "pipeline/window_queue.h"

struct se_otlp_exporter;

/* Context: main (reads the environment for the resource; warns once about an endpoint that
 * would send secrets unencrypted). NULL on failure. */
struct se_otlp_exporter *se_otlp_exporter_new(const struct se_config *cfg);
void se_otlp_exporter_free(struct se_otlp_exporter *e);
/* Export one window; stop says whether, and by when, sockeye is stopping. Context: sender. */
void se_otlp_exporter_export(struct se_otlp_exporter *e, const struct se_export_window *ew,
			     const struct se_sink_stop *stop);
/* Failures so far by reason. Context: sender. */
void se_otlp_exporter_counts(const struct se_otlp_exporter *e,
			     uint64_t failures[SE_EXPORT_FAIL__COUNT]);

/* The exporter as a remote sink: its failures are counted into the window exported next
 * (SE_UC_OTLP_REJECTED, SE_UC_OTLP_UNSENT), and each attempt tells health (lent; may be
 * NULL) whether the collector takes exports. Context: main. NULL on failure. */
struct se_sink *se_otlp_sink_new(const struct se_config *cfg, struct se_health *health);
/* The sink's se_otlp_exporter_counts (sink from se_otlp_sink_new). Context: sender. */
void se_otlp_sink_failures(void *sink, uint64_t failures[SE_EXPORT_FAIL__COUNT]);

#endif /* SOCKEYE_OTLP_EXPORTER_H */

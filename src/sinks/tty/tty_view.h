/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The terminal view: one window's metrics as a compact table for a person watching sockeye
 * in a terminal, redrawn each window. Read from the window's OTLP metrics (delta,
 * sinks/otlp_metrics.h), so it shows what the exports say:
 *
 *   - per role, HTTP and gRPC requests grouped by method and path (every status and peer
 *     together), the top SE_TTY_TOP by count: requests a second, the error share (a server's
 *     5xx, a client's 4xx and 5xx, gRPC's non-zero status, no response at all), p50 and p99
 *     in ms, interpolated in the histogram's buckets as Prometheus' histogram_quantile does,
 *     each bucket narrowed to the group's min and max;
 *   - DNS questions (name and type) the same way, failures being answers other than NOERROR
 *     and queries never answered;
 *   - every loss reason that counted, and sockeye's own CPU and memory.
 *
 * Names come from the network: every byte outside printable ASCII is shown as '?', so a
 * path cannot move the cursor or change the terminal. Pure apart from the FILE it writes to.
 */
#ifndef SOCKEYE_TTY_VIEW_H
#define SOCKEYE_TTY_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"

#define SE_TTY_TOP   8	 /* rows per table */
#define SE_TTY_WIDTH 100 /* columns the view fits in */

/* What the view shows beside the metrics. */
struct se_tty_frame {
	uint64_t start_ns, end_ns; /* the window, CLOCK_REALTIME */
	double cpu_percent;	   /* sockeye's CPU over the window, % of one CPU; < 0: unknown */
	uint64_t rss_bytes;	   /* 0: unknown */
	bool clear;		   /* redraw from the top of the screen */
};

/* Write the view of req (one window, delta temporality) to out. 0, or -EIO. */
int se_tty_render(
    FILE *out, const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req,
    const struct se_tty_frame *frame);

#endif /* SOCKEYE_TTY_VIEW_H */

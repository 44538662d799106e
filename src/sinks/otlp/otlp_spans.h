/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Windows as OTLP spans (an ExportTraceServiceRequest), as docs/output.md describes them:
 *  - a request that came with trace context has its own span (span_buf.h): in the caller's
 *    trace, parent = the caller's span, kind SERVER or CLIENT by role, its own times;
 *  - every other request (with no context, or past the span limit) is summarised: one
 *    span per HTTP group per window, with a new
 *    trace id, its requests counted in sockeye.request.count, ending at the window's end and
 *    lasting the group's mean duration.
 * Names follow the HTTP semantic conventions ("{method}", the route being unknown);
 * attributes as the metrics'; status ERROR for 5xx (server) or 4xx and 5xx (client).
 * Context: sender.
 */
#ifndef SOCKEYE_OTLP_SPANS_H
#define SOCKEYE_OTLP_SPANS_H

#include <stddef.h>
#include <stdint.h>

#include "sinks/otlp_resource.h"
#include "pipeline/window_queue.h"

/* Spans the window gives: 0 means there is nothing to send. */
size_t se_otlp_spans_count(const struct se_window *w);
/* Encode into a malloc'd buffer. rng: the sender's state for new trace and span ids.
 * 0 or -ENOMEM. */
int se_otlp_spans_encode(const struct se_otlp_resource *res, const struct se_window *w,
			 uint64_t rng[4], uint8_t **out, size_t *len);

#endif /* SOCKEYE_OTLP_SPANS_H */

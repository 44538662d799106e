/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Counters of HTTP requests of every version, their groups and spans (util/counter.h). */
#ifndef SOCKEYE_HTTP_COUNTERS_H
#define SOCKEYE_HTTP_COUNTERS_H

#include "util/counter.h"

#define SE_HTTP_COUNTERS(X)                                                                        \
	X(HTTP_REQUESTS, 12, "http_requests", false) /* requests aggregated into groups */         \
	X(HTTP_GROUP_OVERFLOW, 20, "http_group_overflow", false) /* in the overflow group */       \
	/* requests in the groups of windows the export queue dropped */                           \
	X(HTTP_EXPORT_DROPPED, 25, "http_export_dropped", true)                                    \
	X(SPANS, 26, "spans", false) /* spans kept for requests that came with trace context */    \
	/* traced requests past --max-spans-per-second: counted in their group, no span */         \
	X(SPANS_OVER_LIMIT, 27, "spans_over_limit", false)                                         \
	X(SPANS_ALLOC, 28, "spans_alloc", true) /* no memory to keep a span */

SE_COUNTERS_DECLARE(se_http_counter, SE_HTTP_COUNTERS)

#endif /* SOCKEYE_HTTP_COUNTERS_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Counters of HTTP/1.x (util/counter.h); those of every HTTP version: proto/http_counters.h. */
#ifndef SOCKEYE_HTTP1_COUNTERS_H
#define SOCKEYE_HTTP1_COUNTERS_H

#include "util/counter.h"

#define SE_HTTP1_COUNTERS(X)                                                                       \
	X(HTTP_INVALID, 13, "http_invalid", true)     /* malformed (the stream resyncs) */         \
	X(HTTP_TOO_LARGE, 14, "http_too_large", true) /* a head over SE_HTTP1_HEAD_MAX bytes */    \
	/* framing lost in bytes not captured; the message in progress kept, its end estimated */  \
	X(HTTP_RESYNC, 15, "http_resync", false)                                                   \
	X(HTTP_UNPAIRED, 16, "http_unpaired", true) /* a response to no request seen */            \
	/* requests ended by close or timeout, no response */                                      \
	X(HTTP_UNANSWERED, 17, "http_unanswered", false)                                           \
	X(HTTP_PIPELINE_FULL, 18, "http_pipeline_full", true) /* more in flight than tracked */    \
	X(HTTP_ALLOC, 19, "http_alloc", true) /* no memory for parser state or a group */          \
	/* requests behind a response that could not be parsed (their answers may be gone too) */  \
	X(HTTP_ABANDONED, 22, "http_abandoned", true)                                              \
	X(HTTP_HEAD_TRUNCATED, 23, "http_head_truncated", false) /* the first part kept */         \
	/* split heads released after no progress for SE_SESSION_HEAD_STALL_NS */                  \
	X(HTTP_HEAD_STALLED, 32, "http_head_stalled", true)

SE_COUNTERS_DECLARE(se_http1_counter, SE_HTTP1_COUNTERS)

#endif /* SOCKEYE_HTTP1_COUNTERS_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Counters of HTTP/2 (util/counter.h); its requests count in http_requests. */
#ifndef SOCKEYE_HTTP2_COUNTERS_H
#define SOCKEYE_HTTP2_COUNTERS_H

#include "util/counter.h"

#define SE_HTTP2_COUNTERS(X)                                                                       \
	/* requests reported with fields that could not be decoded (HPACK table unknown) */        \
	X(HTTP2_FIELDS_UNKNOWN, 46, "http2_fields_unknown", false)                                 \
	/* a direction's framing lost in bytes not captured or missing, found again at a later     \
	 * segment; what it cost is counted apart (abandoned, unpaired, end_estimated) */          \
	X(HTTP2_LOST_SYNC, 47, "http2_lost_sync", false)                                           \
	/* streams whose response had not begun when the responses' framing was lost, and that     \
	 * showed nothing more: their response went unseen */                                      \
	X(HTTP2_ABANDONED, 48, "http2_abandoned", true)                                            \
	/* responses on streams whose request was not seen (joined mid-way, lost framing) */       \
	X(HTTP2_UNPAIRED, 49, "http2_unpaired", true)                                              \
	/* streams ended by the connection's close or idleness with no response end */             \
	X(HTTP2_UNANSWERED, 50, "http2_unanswered", false)                                         \
	X(HTTP2_RESET, 51, "http2_reset", false) /* streams ended by RST_STREAM (grouped) */       \
	/* streams beyond SE_H2_STREAMS_MAX in flight on one connection: not tracked */            \
	X(HTTP2_STREAMS_FULL, 52, "http2_streams_full", true)                                      \
	X(HTTP2_ALLOC, 53, "http2_alloc", true) /* no memory (or budget) for tracker state */      \
	/* header blocks that could not be decoded (malformed HPACK, invalid frames) */            \
	X(HTTP2_MALFORMED, 54, "http2_malformed", true)                                            \
	/* streams whose end fell in frames not seen: ended at the last time it could have been */ \
	X(HTTP2_END_ESTIMATED, 55, "http2_end_estimated", false)

SE_COUNTERS_DECLARE(se_http2_counter, SE_HTTP2_COUNTERS)

#endif /* SOCKEYE_HTTP2_COUNTERS_H */

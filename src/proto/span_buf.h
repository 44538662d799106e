/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Spans of requests that came with trace context (W3C or B3): each becomes a span of its
 * own, in the caller's trace, whose parent is the caller's span, so an uninstrumented
 * service joins its caller's trace. A worker keeps them per shard, up to a limit per window
 * (--max-spans-per-second, shared out among the workers); the excess is counted, not kept.
 * Times are wall-clock (CLOCK_REALTIME ns), converted from kernel time when added. Pure.
 */
#ifndef SOCKEYE_SPAN_BUF_H
#define SOCKEYE_SPAN_BUF_H

#include <stdint.h>

#include "proto/http_groups.h"

struct se_span {
	uint8_t trace_id[16];
	uint8_t span_id[8];	   /* sockeye's, new */
	uint8_t parent_span_id[8]; /* the caller's */
	uint8_t flags;		   /* W3C trace flags (bit 0: sampled) */
	uint8_t role;
	uint8_t method;
	uint8_t path_truncated;
	uint16_t status;
	uint8_t protocol;    /* enum se_http_protocol */
	int16_t grpc_status; /* gRPC only */
	bool tls;	     /* over TLS */
	struct se_endpoint peer;
	uint64_t start_ns; /* CLOCK_REALTIME */
	uint64_t end_ns;
	uint16_t path_len;
	char path[SE_HTTP_PATH_MAX + 1];
};

struct se_span_buf {
	struct se_span *v;
	uint32_t n;
	uint32_t cap;
	uint32_t limit; /* spans kept at most */
};

/* Never allocates. */
void se_span_buf_init(struct se_span_buf *b, uint32_t limit);
void se_span_buf_fini(struct se_span_buf *b);
/*
 * Keep the span of a traced request. real_minus_mono_ns converts its kernel times; rng
 * makes its span id. 0; 1 when the buffer is at its limit (not kept); -ENOMEM.
 */
int se_span_buf_add(struct se_span_buf *b, const struct se_http_request *r,
		    int64_t real_minus_mono_ns, uint64_t rng[4]);
/* Append src's spans, up to dst's limit; returns how many did not fit (or -ENOMEM). */
int se_span_buf_merge(struct se_span_buf *dst, const struct se_span_buf *src);

#endif /* SOCKEYE_SPAN_BUF_H */

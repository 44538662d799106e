/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Trace context carried by a request: W3C `traceparent`, B3 single (`b3:`) or B3 multi
 * (`X-B3-TraceId`, `X-B3-SpanId`, `X-B3-Sampled`). Pure. When several are present the W3C
 * header wins, then B3 single, then B3 multi (what OpenTelemetry's composite propagators
 * do with W3C listed first). Malformed values are ignored as if absent (the spec's rule).
 */
#ifndef SOCKEYE_TRACECTX_H
#define SOCKEYE_TRACECTX_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/proto.h"

enum se_trace_source {
	SE_TRACE_NONE = 0,
	SE_TRACE_W3C = 1,
	SE_TRACE_B3_SINGLE = 2,
	SE_TRACE_B3_MULTI = 3,
	SE_TRACE_GENERATED = 4, /* sockeye made the trace id (a group's summary span) */
};

struct se_trace_ctx {
	uint8_t trace_id[16]; /* a 64-bit B3 id is right-aligned (upper half zero) */
	uint8_t span_id[8];   /* the caller's span: the parent of the span sockeye reports */
	uint8_t flags;	      /* bit 0: sampled */
	uint8_t source;	      /* enum se_trace_source */
};

/* The fields that carry it, whatever the protocol's framing. */
enum se_trace_header {
	SE_TH_TRACEPARENT,
	SE_TH_B3,
	SE_TH_B3_TRACE_ID,
	SE_TH_B3_SPAN_ID,
	SE_TH_B3_SAMPLED,
	SE_TH_B3_FLAGS,
	SE_TH__COUNT,
	SE_TH_NONE = SE_TH__COUNT,
};

/* Which of them a field name is (any case), or SE_TH_NONE. */
enum se_trace_header se_tracectx_header(const struct se_str *name);
/* The context from the values found (by enum se_trace_header; NULL: absent), by the
 * precedence above. true and *out filled when found. */
bool se_tracectx_from(const struct se_str *const found[SE_TH__COUNT], struct se_trace_ctx *out);

/* A new trace id from a caller-owned xoshiro256** state (never all zero, as W3C requires). */
void se_tracectx_generate(uint64_t rng[4], struct se_trace_ctx *out);
/* A new span id (never all zero). */
void se_tracectx_span_id(uint64_t rng[4], uint8_t out[8]);
/* Seed rng from getrandom(2), falling back on the clock and the thread id. */
void se_tracectx_seed(uint64_t rng[4]);

#endif /* SOCKEYE_TRACECTX_H */

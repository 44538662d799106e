/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The spans of one OTLP export, as the sink and each protocol's encoder add them. */
#ifndef SOCKEYE_OTLP_SPAN_H
#define SOCKEYE_OTLP_SPAN_H

#include <stddef.h>

#include "opentelemetry/proto/trace/v1/trace.pb-c.h"
#include "util/otlp_build.h"

typedef Opentelemetry__Proto__Trace__V1__Span se_pb_span;

struct se_otlp_spans_out {
	struct se_arena *a;
	se_pb_span **spans; /* room for cap */
	size_t n;
	size_t cap;
};

/* Append s (NULL: memory ran out, nothing added). */
static inline void se_otlp_spans_add(struct se_otlp_spans_out *o, se_pb_span *s)
{
	if (s && o->n < o->cap)
		o->spans[o->n++] = s;
}

#endif /* SOCKEYE_OTLP_SPAN_H */

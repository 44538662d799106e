// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Windows as OTLP spans (see src/sinks/otlp/otlp_spans.h).
 */
#include "sinks/otlp/otlp_spans.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "proto/registry.h"
#include "util/otlp_build.h"
#include "util/otlp_span.h"

size_t se_otlp_spans_count(const struct se_window *w)
{
	size_t n = 0;

	for (unsigned int i = 0; se_protocols[i]; i++)
		if (se_protocols[i]->otlp_span_count)
			n += se_protocols[i]->otlp_span_count(w->parts[se_protocols[i]->id]);
	return n;
}

int se_otlp_spans_encode(const struct se_otlp_resource *res, const struct se_window *w,
			 uint64_t rng[4], uint8_t **out, size_t *len)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest req;
	Opentelemetry__Proto__Trace__V1__ResourceSpans rs, *rss[1] = { &rs };
	Opentelemetry__Proto__Trace__V1__ScopeSpans ss, *sss[1] = { &ss };
	struct se_arena a;
	struct se_otlp_spans_out o = { .a = &a };
	int ret = 0;

	se_arena_init(&a);
	o.cap = se_otlp_spans_count(w);
	o.spans = se_arena_alloc(&a, (o.cap ? o.cap : 1) * sizeof(*o.spans));
	if (!o.spans) {
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; se_protocols[i]; i++)
		if (se_protocols[i]->otlp_spans)
			se_protocols[i]->otlp_spans(&o, w->parts[se_protocols[i]->id], w->end_ns,
						    rng);
	opentelemetry__proto__trace__v1__scope_spans__init(&ss);
	ss.scope = se_otlp_scope_msg(&a);
	ss.spans = o.spans;
	ss.n_spans = o.n;
	opentelemetry__proto__trace__v1__resource_spans__init(&rs);
	rs.resource = se_otlp_resource_msg(&a, res);
	rs.scope_spans = sss;
	rs.n_scope_spans = 1;
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&req);
	req.resource_spans = rss;
	req.n_resource_spans = 1;
	ret = se_otlp_pack(&a, &req.base, out, len);
out:
	se_arena_fini(&a);
	return ret;
}

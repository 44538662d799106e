// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Windows as OTLP spans (see src/sinks/otlp/otlp_spans.h).
 */
#include "sinks/otlp/otlp_spans.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "util/endpoint.h"
#include "proto/http1/http1.h"
#include "sinks/otlp/otlp_build.h"
#include "proto/http1/http1_proto.h"
#include "proto/http1/tracectx.h"

typedef Opentelemetry__Proto__Trace__V1__Span se_pb_span;

static uint64_t se_otlp_summarised(const struct se_http_group *g)
{
	return g->count > g->spanned ? g->count - g->spanned : 0;
}

size_t se_otlp_spans_count(const struct se_window *w)
{
	const struct se_http1_part *http = se_http1_part_of(w->parts);
	size_t n = http->spans.n;

	for (uint32_t i = 0; i < http->http.n; i++)
		n += se_otlp_summarised(&http->http.groups[i]) > 0;
	return n;
}

static uint8_t *se_otlp_bytes(struct se_arena *a, const uint8_t *src, size_t n)
{
	uint8_t *p = se_arena_alloc(a, n);

	if (p)
		memcpy(p, src, n);
	return p;
}

/* The parts a span shares with the others: name, kind, attributes, status. */
static se_pb_span *se_otlp_span(struct se_arena *a, uint8_t role, uint8_t method, uint16_t status,
				bool overflow, const char *path, uint16_t family,
				const uint8_t peer[16], size_t extra_attrs)
{
	se_pb_span *s = se_arena_alloc(a, sizeof(*s));
	Opentelemetry__Proto__Trace__V1__Status *st = se_arena_alloc(a, sizeof(*st));
	struct se_otlp_attrs attrs;
	char addr[64];

	if (!s || !st || se_otlp_attrs_init(a, &attrs, 4 + extra_attrs))
		return NULL;
	opentelemetry__proto__trace__v1__span__init(s);
	opentelemetry__proto__trace__v1__status__init(st);
	s->name = se_arena_strdup(a, overflow ? "_OTHER" : se_http_method_name(method));
	s->kind = role == SE_ROLE_SERVER
		      ? OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER
		      : OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT;
	if (!overflow) {
		se_endpoint_format_addr(family, peer, addr, sizeof(addr));
		se_otlp_attrs_add(&attrs, se_otlp_attr_str(a, "http.request.method",
							   se_http_method_name(method)));
		se_otlp_attrs_add(&attrs, se_otlp_attr_str(a, "url.path", path));
		if (status)
			se_otlp_attrs_add(&attrs,
					  se_otlp_attr_int(a, "http.response.status_code", status));
		se_otlp_attrs_add(&attrs, se_otlp_attr_str(a, "network.peer.address", addr));
	}
	s->attributes = attrs.v;
	s->n_attributes = attrs.n;
	if (status >= 500 || (role == SE_ROLE_CLIENT && status >= 400))
		st->code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR;
	s->status = st;
	return s;
}

static se_pb_span *se_otlp_traced_span(struct se_arena *a, const struct se_span *sp)
{
	se_pb_span *s = se_otlp_span(a, sp->role, sp->method, sp->status, false, sp->path,
				     sp->family, sp->peer_addr, 0);

	if (!s)
		return NULL;
	s->trace_id.data = se_otlp_bytes(a, sp->trace_id, 16);
	s->trace_id.len = 16;
	s->span_id.data = se_otlp_bytes(a, sp->span_id, 8);
	s->span_id.len = 8;
	s->parent_span_id.data = se_otlp_bytes(a, sp->parent_span_id, 8);
	s->parent_span_id.len = 8;
	s->flags = sp->flags & 0xff; /* W3C trace flags in the low byte */
	s->start_time_unix_nano = sp->start_ns;
	s->end_time_unix_nano = sp->end_ns;
	return s;
}

static se_pb_span *se_otlp_summary_span(struct se_arena *a, const struct se_window *w,
					const struct se_http_group *g, uint64_t rng[4])
{
	uint64_t n = se_otlp_summarised(g);
	uint64_t mean = g->duration.count ? g->duration.sum / g->duration.count : 0;
	se_pb_span *s = se_otlp_span(a, g->role, g->method, g->status, g->overflow, g->path,
				     g->family, g->peer_addr, 1);
	struct se_trace_ctx t;
	uint8_t span_id[8];

	if (!s)
		return NULL;
	se_tracectx_generate(rng, &t);
	se_tracectx_span_id(rng, span_id);
	s->trace_id.data = se_otlp_bytes(a, t.trace_id, 16);
	s->trace_id.len = 16;
	s->span_id.data = se_otlp_bytes(a, span_id, 8);
	s->span_id.len = 8;
	s->end_time_unix_nano = w->end_ns;
	s->start_time_unix_nano = w->end_ns > mean ? w->end_ns - mean : 0;
	s->attributes[s->n_attributes++] = se_otlp_attr_int(a, "sockeye.request.count", (int64_t)n);
	if (!s->attributes[s->n_attributes - 1])
		s->n_attributes--;
	return s;
}

int se_otlp_spans_encode(const struct se_otlp_resource *res, const struct se_window *w,
			 uint64_t rng[4], uint8_t **out, size_t *len)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest req;
	Opentelemetry__Proto__Trace__V1__ResourceSpans rs, *rss[1] = { &rs };
	Opentelemetry__Proto__Trace__V1__ScopeSpans ss, *sss[1] = { &ss };
	const struct se_http1_part *http = se_http1_part_of(w->parts);
	struct se_arena a;
	size_t n = se_otlp_spans_count(w);
	se_pb_span **spans;
	int ret = 0;

	se_arena_init(&a);
	spans = se_arena_alloc(&a, (n ? n : 1) * sizeof(*spans));
	if (!spans) {
		ret = -ENOMEM;
		goto out;
	}
	opentelemetry__proto__trace__v1__scope_spans__init(&ss);
	for (uint32_t i = 0; i < http->spans.n; i++)
		if ((spans[ss.n_spans] = se_otlp_traced_span(&a, &http->spans.v[i])))
			ss.n_spans++;
	for (uint32_t i = 0; i < http->http.n; i++)
		if (se_otlp_summarised(&http->http.groups[i]) &&
		    (spans[ss.n_spans] = se_otlp_summary_span(&a, w, &http->http.groups[i], rng)))
			ss.n_spans++;
	ss.scope = se_otlp_scope_msg(&a);
	ss.spans = spans;
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

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * HTTP/1's windows for each sink: JSON lines, OTLP metrics and spans, as docs/output.md
 * describes them. Paths come from the network and are valid UTF-8 already (the tracker made
 * them so); in JSON they still go through se_json_write_string().
 */
#include "proto/http1/http1_encode.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>

#include "proto/http1/http1.h"
#include "proto/tracectx.h"
#include "util/clock.h"
#include "util/endpoint.h"
#include "util/json.h"

/* ---- JSON lines ------------------------------------------------------------------------- */

static void se_http1_json_group(FILE *out, uint64_t start_ms, uint64_t end_ms,
				const struct se_http_group *g)
{
	char peer[SE_ENDPOINT_STRLEN] = "";

	if (!g->overflow)
		se_endpoint_format_addr(&g->peer, peer, sizeof(peer));
	fprintf(out,
		"{\"type\":\"http\",\"window_start\":%" PRIu64 ",\"window_end\":%" PRIu64
		",\"role\":\"%s\",\"method\":\"%s\",\"path\":",
		start_ms, end_ms, se_role_name(g->role), se_http_method_name(g->method));
	se_json_write_string(out, g->path, g->path_len);
	fprintf(out, ",\"status\":%u,\"peer\":\"%s\",\"count\":%" PRIu64, g->status, peer,
		g->count);
	se_json_write_hist(out, "duration_ms", &g->duration, &se_hist_http_duration);
	se_json_write_hist(out, "request_body_bytes", &g->request_body, &se_hist_http_body_size);
	fprintf(out,
		",\"traced\":%" PRIu64 ",\"spanned\":%" PRIu64
		",\"path_truncated\":%s,\"overflow\":%s}\n",
		g->traced, g->spanned, g->path_truncated ? "true" : "false",
		g->overflow ? "true" : "false");
}

void se_http1_write_json(FILE *out, const void *part, uint64_t start_ms, uint64_t end_ms)
{
	const struct se_http1_part *p = se_http1_part_or_empty(part);

	for (uint32_t i = 0; i < p->http.n; i++)
		se_http1_json_group(out, start_ms, end_ms, &p->http.groups[i]);
}

void se_http1_write_stats(FILE *out, const void *part)
{
	const struct se_http1_part *p = se_http1_part_or_empty(part);

	fprintf(out, ",\"active_requests\":{\"server\":%" PRIu64 ",\"client\":%" PRIu64 "}",
		p->active_requests[SE_ROLE_SERVER], p->active_requests[SE_ROLE_CLIENT]);
}

/* ---- OTLP metrics ----------------------------------------------------------------------- */

void *se_http1_totals_new(uint32_t max_groups)
{
	struct se_http_groups *t = calloc(1, sizeof(*t));

	if (t)
		se_http_groups_init(t, max_groups);
	return t;
}

void se_http1_totals_free(void *totals)
{
	if (!totals)
		return;
	se_http_groups_fini(totals);
	free(totals);
}

void se_http1_totals_add(void *totals, const void *part, uint64_t start_ns, uint64_t end_ns,
			 uint64_t ttl_ns)
{
	const struct se_http1_part *p = se_http1_part_or_empty(part);

	/* Series end before this window is merged, so their room goes to its new keys; those it
	 * counts into are seen now and go on. */
	if (end_ns > ttl_ns)
		se_http_groups_expire(totals, end_ns - ttl_ns, &p->http);
	/* overflow/ENOMEM: counted there */
	se_http_groups_merge_series(totals, &p->http, start_ns, end_ns);
}

/* The attributes of a group: semantic conventions, or the overflow marker. */
static void se_http1_group_attrs(struct se_arena *a, const struct se_http_group *g,
				 struct se_otlp_attrs *attrs)
{
	char addr[SE_ENDPOINT_STRLEN];

	if (se_otlp_attrs_init(a, attrs, 4))
		return;
	if (g->overflow) {
		se_otlp_attrs_add(attrs, se_otlp_attr_bool(a, "otel.metric.overflow", true));
		return;
	}
	se_endpoint_format_addr(&g->peer, addr, sizeof(addr));
	se_otlp_attrs_add(
	    attrs, se_otlp_attr_str(a, "http.request.method", se_http_method_name(g->method)));
	se_otlp_attrs_add(attrs, se_otlp_attr_str(a, "url.path", g->path));
	if (g->status) /* semantic conventions: absent when there was no response */
		se_otlp_attrs_add(attrs,
				  se_otlp_attr_int(a, "http.response.status_code", g->status));
	se_otlp_attrs_add(attrs, se_otlp_attr_str(a, "network.peer.address", addr));
}

/* The two histograms of one role over the groups of that role. */
static void se_http1_otlp_role(struct se_otlp_metrics_out *c, const struct se_http_groups *groups,
			       uint8_t role)
{
	static const char *const dur[] = { [SE_ROLE_SERVER] = "http.server.request.duration",
					   [SE_ROLE_CLIENT] = "http.client.request.duration" };
	static const char *const body[] = { [SE_ROLE_SERVER] = "http.server.request.body_size",
					    [SE_ROLE_CLIENT] = "http.client.request.body_size" };
	se_pb_histogram *hd, *hb;
	size_t n = 0;

	for (uint32_t i = 0; i < groups->n; i++)
		n += groups->groups[i].role == role;
	if (!n)
		return;
	hd = se_otlp_histogram(c, dur[role], "Duration of HTTP requests.", "ms", n);
	hb = se_otlp_histogram(c, body[role], "Size of HTTP request bodies.", "By", n);
	if (!hd || !hb)
		return;
	for (uint32_t i = 0; i < groups->n; i++) {
		const struct se_http_group *g = &groups->groups[i];
		struct se_otlp_attrs attrs = { 0 };

		if (g->role != role)
			continue;
		se_http1_group_attrs(c->a, g, &attrs);
		if (se_otlp_histogram_add(c, hd, &g->duration, &se_hist_http_duration, &attrs,
					  g->series_start_ns) ||
		    se_otlp_histogram_add(c, hb, &g->request_body, &se_hist_http_body_size, &attrs,
					  g->series_start_ns))
			return;
	}
}

void se_http1_otlp_metrics(struct se_otlp_metrics_out *out, const void *part, const void *totals)
{
	const struct se_http1_part *p = se_http1_part_or_empty(part);
	const struct se_http_groups *groups = totals ? totals : &p->http;

	se_http1_otlp_role(out, groups, SE_ROLE_SERVER);
	se_http1_otlp_role(out, groups, SE_ROLE_CLIENT);
	se_otlp_gauge(out, "http.server.active_requests", "HTTP server requests in flight.",
		      (int64_t)p->active_requests[SE_ROLE_SERVER], NULL);
	se_otlp_gauge(out, "http.client.active_requests", "HTTP client requests in flight.",
		      (int64_t)p->active_requests[SE_ROLE_CLIENT], NULL);
}

/* ---- OTLP spans ------------------------------------------------------------------------- */

static uint64_t se_http1_summarised(const struct se_http_group *g)
{
	return g->count > g->spanned ? g->count - g->spanned : 0;
}

size_t se_http1_otlp_span_count(const void *part)
{
	const struct se_http1_part *p = se_http1_part_or_empty(part);
	size_t n = p->spans.n;

	for (uint32_t i = 0; i < p->http.n; i++)
		n += se_http1_summarised(&p->http.groups[i]) > 0;
	return n;
}

/* The parts a span shares with the others: name, kind, attributes, status. */
static se_pb_span *se_http1_span(struct se_arena *a, uint8_t role, uint8_t method, uint16_t status,
				 bool overflow, const char *path, const struct se_endpoint *peer,
				 size_t extra_attrs)
{
	se_pb_span *s = se_arena_alloc(a, sizeof(*s));
	Opentelemetry__Proto__Trace__V1__Status *st = se_arena_alloc(a, sizeof(*st));
	struct se_otlp_attrs attrs;
	char addr[SE_ENDPOINT_STRLEN];

	if (!s || !st || se_otlp_attrs_init(a, &attrs, 4 + extra_attrs))
		return NULL;
	opentelemetry__proto__trace__v1__span__init(s);
	opentelemetry__proto__trace__v1__status__init(st);
	s->name = se_arena_strdup(a, overflow ? "_OTHER" : se_http_method_name(method));
	s->kind = role == SE_ROLE_SERVER
		      ? OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER
		      : OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT;
	if (!overflow) {
		se_endpoint_format_addr(peer, addr, sizeof(addr));
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

static se_pb_span *se_http1_traced_span(struct se_arena *a, const struct se_span *sp)
{
	se_pb_span *s =
	    se_http1_span(a, sp->role, sp->method, sp->status, false, sp->path, &sp->peer, 0);

	if (!s)
		return NULL;
	s->trace_id.data = se_arena_memdup(a, sp->trace_id, 16);
	s->trace_id.len = 16;
	s->span_id.data = se_arena_memdup(a, sp->span_id, 8);
	s->span_id.len = 8;
	s->parent_span_id.data = se_arena_memdup(a, sp->parent_span_id, 8);
	s->parent_span_id.len = 8;
	s->flags = sp->flags & 0xff; /* W3C trace flags in the low byte */
	s->start_time_unix_nano = sp->start_ns;
	s->end_time_unix_nano = sp->end_ns;
	return s;
}

static se_pb_span *se_http1_summary_span(struct se_arena *a, uint64_t window_end_ns,
					 const struct se_http_group *g, uint64_t rng[4])
{
	uint64_t n = se_http1_summarised(g);
	uint64_t mean = g->duration.count ? g->duration.sum / g->duration.count : 0;
	se_pb_span *s =
	    se_http1_span(a, g->role, g->method, g->status, g->overflow, g->path, &g->peer, 1);
	struct se_trace_ctx t;
	uint8_t span_id[8];

	if (!s)
		return NULL;
	se_tracectx_generate(rng, &t);
	se_tracectx_span_id(rng, span_id);
	s->trace_id.data = se_arena_memdup(a, t.trace_id, 16);
	s->trace_id.len = 16;
	s->span_id.data = se_arena_memdup(a, span_id, 8);
	s->span_id.len = 8;
	s->end_time_unix_nano = window_end_ns;
	s->start_time_unix_nano = window_end_ns > mean ? window_end_ns - mean : 0;
	s->attributes[s->n_attributes++] = se_otlp_attr_int(a, "sockeye.request.count", (int64_t)n);
	if (!s->attributes[s->n_attributes - 1])
		s->n_attributes--;
	return s;
}

void se_http1_otlp_spans(struct se_otlp_spans_out *out, const void *part, uint64_t window_end_ns,
			 uint64_t rng[4])
{
	const struct se_http1_part *p = se_http1_part_or_empty(part);

	for (uint32_t i = 0; i < p->spans.n; i++)
		se_otlp_spans_add(out, se_http1_traced_span(out->a, &p->spans.v[i]));
	for (uint32_t i = 0; i < p->http.n; i++)
		if (se_http1_summarised(&p->http.groups[i]))
			se_otlp_spans_add(out, se_http1_summary_span(out->a, window_end_ns,
								     &p->http.groups[i], rng));
}

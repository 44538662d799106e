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
#include <string.h>

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
		",\"role\":\"%s\"",
		start_ms, end_ms, se_role_name(g->role));
	/* HTTP/1 lines keep the keys they always had; the others say what they are. */
	if (g->protocol != SE_HTTP_PROTO_1)
		fprintf(out, ",\"protocol\":\"%s\"", se_http_protocol_name(g->protocol));
	fprintf(out, ",\"method\":\"%s\",\"path\":", se_http_method_name(g->method));
	se_json_write_string(out, g->path, g->path_len);
	fprintf(out, ",\"status\":%u", g->status);
	if (g->protocol == SE_HTTP_PROTO_GRPC && g->grpc_status != SE_GRPC_STATUS_NONE)
		fprintf(out, ",\"grpc_status\":%d", g->grpc_status);
	if (g->fields_unknown)
		fputs(",\"fields_unknown\":true", out);
	if (g->tls)
		fputs(",\"tls\":true", out);
	fprintf(out, ",\"peer\":\"%s\",\"count\":%" PRIu64, peer, g->count);
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
	const struct se_http_part *p = se_http_part_or_empty(part);

	for (uint32_t i = 0; i < p->http.n; i++)
		se_http1_json_group(out, start_ms, end_ms, &p->http.groups[i]);
}

void se_http1_write_stats(FILE *out, const void *part)
{
	const struct se_http_part *p = se_http_part_or_empty(part);

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
	const struct se_http_part *p = se_http_part_or_empty(part);

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

	if (se_otlp_attrs_init(a, attrs, 6))
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
	if (g->protocol != SE_HTTP_PROTO_1)
		se_otlp_attrs_add(attrs, se_otlp_attr_str(a, "network.protocol.version", "2"));
	if (g->tls) /* the semantic conventions' scheme; absent: plain http */
		se_otlp_attrs_add(attrs, se_otlp_attr_str(a, "url.scheme", "https"));
}

/*
 * gRPC's attributes (the RPC semantic conventions): service and method from the path
 * "/package.Service/Method", each left out when the path does not say (fields not decoded),
 * as is the status when the trailers did not.
 */
static void se_http1_rpc_attrs_add(struct se_arena *a, struct se_otlp_attrs *attrs,
				   const char *path, int16_t grpc_status,
				   const struct se_endpoint *peer)
{
	const char *method = path[0] == '/' ? strchr(path + 1, '/') : NULL;
	char addr[SE_ENDPOINT_STRLEN];

	se_otlp_attrs_add(attrs, se_otlp_attr_str(a, "rpc.system", "grpc"));
	if (method && method[1]) {
		char service[SE_HTTP_PATH_MAX + 1];
		size_t n = (size_t)(method - path - 1);

		memcpy(service, path + 1, n);
		service[n] = '\0';
		se_otlp_attrs_add(attrs, se_otlp_attr_str(a, "rpc.service", service));
		se_otlp_attrs_add(attrs, se_otlp_attr_str(a, "rpc.method", method + 1));
	}
	if (grpc_status != SE_GRPC_STATUS_NONE)
		se_otlp_attrs_add(attrs, se_otlp_attr_int(a, "rpc.grpc.status_code", grpc_status));
	se_endpoint_format_addr(peer, addr, sizeof(addr));
	se_otlp_attrs_add(attrs, se_otlp_attr_str(a, "network.peer.address", addr));
}

/* The attributes of a gRPC group, or the overflow marker. */
static void se_http1_rpc_attrs(struct se_arena *a, const struct se_http_group *g,
			       struct se_otlp_attrs *attrs)
{
	if (se_otlp_attrs_init(a, attrs, 6))
		return;
	if (g->overflow)
		se_otlp_attrs_add(attrs, se_otlp_attr_bool(a, "otel.metric.overflow", true));
	else
		se_http1_rpc_attrs_add(a, attrs, g->path, g->grpc_status, &g->peer);
	if (!g->overflow && g->tls) /* as HTTP's: the two are distinct groups */
		se_otlp_attrs_add(attrs, se_otlp_attr_str(a, "url.scheme", "https"));
}

/* gRPC's duration histogram of one role over its groups. */
static void se_http1_otlp_rpc(struct se_otlp_metrics_out *c, const struct se_http_groups *groups,
			      uint8_t role)
{
	static const char *const dur[] = {
		[SE_ROLE_SERVER] = "rpc.server.duration", [SE_ROLE_CLIENT] = "rpc.client.duration"
	};
	se_pb_histogram *hd;
	size_t n = 0;

	for (uint32_t i = 0; i < groups->n; i++)
		n += groups->groups[i].role == role &&
		     groups->groups[i].protocol == SE_HTTP_PROTO_GRPC;
	if (!n)
		return;
	hd = se_otlp_histogram(c, dur[role], "Duration of RPCs.", "ms", n);
	if (!hd)
		return;
	for (uint32_t i = 0; i < groups->n; i++) {
		const struct se_http_group *g = &groups->groups[i];
		struct se_otlp_attrs attrs = { 0 };

		if (g->role != role || g->protocol != SE_HTTP_PROTO_GRPC)
			continue;
		se_http1_rpc_attrs(c->a, g, &attrs);
		if (se_otlp_histogram_add(c, hd, &g->duration, &se_hist_http_duration, &attrs,
					  g->series_start_ns))
			return;
	}
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

	/* gRPC's requests are RPCs (se_http1_otlp_rpc), as OpenTelemetry's instrumentations
	 * report them. */
	for (uint32_t i = 0; i < groups->n; i++)
		n += groups->groups[i].role == role &&
		     groups->groups[i].protocol != SE_HTTP_PROTO_GRPC;
	if (!n)
		return;
	hd = se_otlp_histogram(c, dur[role], "Duration of HTTP requests.", "ms", n);
	hb = se_otlp_histogram(c, body[role], "Size of HTTP request bodies.", "By", n);
	if (!hd || !hb)
		return;
	for (uint32_t i = 0; i < groups->n; i++) {
		const struct se_http_group *g = &groups->groups[i];
		struct se_otlp_attrs attrs = { 0 };

		if (g->role != role || g->protocol == SE_HTTP_PROTO_GRPC)
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
	const struct se_http_part *p = se_http_part_or_empty(part);
	const struct se_http_groups *groups = totals ? totals : &p->http;

	se_http1_otlp_role(out, groups, SE_ROLE_SERVER);
	se_http1_otlp_role(out, groups, SE_ROLE_CLIENT);
	se_http1_otlp_rpc(out, groups, SE_ROLE_SERVER);
	se_http1_otlp_rpc(out, groups, SE_ROLE_CLIENT);
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
	const struct se_http_part *p = se_http_part_or_empty(part);
	size_t n = p->spans.n;

	for (uint32_t i = 0; i < p->http.n; i++)
		n += se_http1_summarised(&p->http.groups[i]) > 0;
	return n;
}

/* What a span is about: a traced request's, or a group's. */
struct se_http1_span_of {
	uint8_t role;
	uint8_t method;
	uint16_t status;
	uint8_t protocol;
	int16_t grpc_status;
	bool overflow;
	bool tls;
	const char *path;
	const struct se_endpoint *peer;
};

/* gRPC codes a server reports as its own error (the RPC conventions: UNKNOWN,
 * DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS); a client, any but OK. */
static bool se_http1_grpc_error(uint8_t role, int16_t code)
{
	if (code == SE_GRPC_STATUS_NONE || !code)
		return false;
	return role == SE_ROLE_CLIENT || code == 2 || code == 4 || code == 12 || code == 13 ||
	       code == 14 || code == 15;
}

/* The parts a span shares with the others: name, kind, attributes, status. */
static se_pb_span *se_http1_span(struct se_arena *a, const struct se_http1_span_of *o,
				 size_t extra_attrs)
{
	se_pb_span *s = se_arena_alloc(a, sizeof(*s));
	Opentelemetry__Proto__Trace__V1__Status *st = se_arena_alloc(a, sizeof(*st));
	struct se_otlp_attrs attrs;
	char addr[SE_ENDPOINT_STRLEN];
	bool grpc = o->protocol == SE_HTTP_PROTO_GRPC && !o->overflow;

	if (!s || !st || se_otlp_attrs_init(a, &attrs, 6 + extra_attrs))
		return NULL;
	opentelemetry__proto__trace__v1__span__init(s);
	opentelemetry__proto__trace__v1__status__init(st);
	s->kind = o->role == SE_ROLE_SERVER
		      ? OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER
		      : OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT;
	if (grpc) {
		/* "package.Service/Method", or the method when the path was not decoded */
		const char *name =
		    o->path[0] == '/' && strchr(o->path + 1, '/') ? o->path + 1 : NULL;

		s->name = se_arena_strdup(a, name ? name : se_http_method_name(o->method));
		se_http1_rpc_attrs_add(a, &attrs, o->path, o->grpc_status, o->peer);
		if (o->tls)
			se_otlp_attrs_add(&attrs, se_otlp_attr_str(a, "url.scheme", "https"));
	} else {
		s->name =
		    se_arena_strdup(a, o->overflow ? "_OTHER" : se_http_method_name(o->method));
	}
	if (!grpc && !o->overflow) {
		se_endpoint_format_addr(o->peer, addr, sizeof(addr));
		se_otlp_attrs_add(&attrs, se_otlp_attr_str(a, "http.request.method",
							   se_http_method_name(o->method)));
		se_otlp_attrs_add(&attrs, se_otlp_attr_str(a, "url.path", o->path));
		if (o->status)
			se_otlp_attrs_add(
			    &attrs, se_otlp_attr_int(a, "http.response.status_code", o->status));
		se_otlp_attrs_add(&attrs, se_otlp_attr_str(a, "network.peer.address", addr));
		if (o->protocol != SE_HTTP_PROTO_1)
			se_otlp_attrs_add(&attrs,
					  se_otlp_attr_str(a, "network.protocol.version", "2"));
		if (o->tls)
			se_otlp_attrs_add(&attrs, se_otlp_attr_str(a, "url.scheme", "https"));
	}
	s->attributes = attrs.v;
	s->n_attributes = attrs.n;
	if (grpc ? se_http1_grpc_error(o->role, o->grpc_status)
		 : o->status >= 500 || (o->role == SE_ROLE_CLIENT && o->status >= 400))
		st->code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR;
	s->status = st;
	return s;
}

static se_pb_span *se_http1_traced_span(struct se_arena *a, const struct se_span *sp)
{
	const struct se_http1_span_of o = {
		.role = sp->role,
		.method = sp->method,
		.status = sp->status,
		.protocol = sp->protocol,
		.grpc_status = sp->grpc_status,
		.tls = sp->tls,
		.path = sp->path,
		.peer = &sp->peer,
	};
	se_pb_span *s = se_http1_span(a, &o, 0);

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
	const struct se_http1_span_of o = {
		.role = g->role,
		.method = g->method,
		.status = g->status,
		.protocol = g->protocol,
		.grpc_status = g->grpc_status,
		.overflow = g->overflow,
		.tls = g->tls,
		.path = g->path,
		.peer = &g->peer,
	};
	se_pb_span *s = se_http1_span(a, &o, 1);
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
	const struct se_http_part *p = se_http_part_or_empty(part);

	for (uint32_t i = 0; i < p->spans.n; i++)
		se_otlp_spans_add(out, se_http1_traced_span(out->a, &p->spans.v[i]));
	for (uint32_t i = 0; i < p->http.n; i++)
		if (se_http1_summarised(&p->http.groups[i]))
			se_otlp_spans_add(out, se_http1_summary_span(out->a, window_end_ns,
								     &p->http.groups[i], rng));
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Windows as OTLP metrics (see src/sinks/otlp/otlp_metrics.h).
 */
#include "sinks/otlp/otlp_metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "util/endpoint.h"
#include "util/hist.h"
#include "proto/http1/http1.h"
#include "proto/http1/http1_proto.h"
#include "sinks/otlp/otlp_build.h"
#include "sinks/counters.h"

typedef Opentelemetry__Proto__Metrics__V1__Metric se_pb_metric;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint se_pb_number;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint se_pb_hist;

const char *const se_export_failure_names[SE_EXPORT_FAIL__COUNT] = {
	[SE_EXPORT_FAIL_CONNECT] = "connect",	[SE_EXPORT_FAIL_RETRYABLE] = "retryable",
	[SE_EXPORT_FAIL_REJECTED] = "rejected", [SE_EXPORT_FAIL_GAVE_UP] = "gave_up",
	[SE_EXPORT_FAIL_ENCODE] = "encode",	[SE_EXPORT_FAIL_TLS] = "tls",
};

#define SE_OTLP_METRICS_MAX 16

void se_otlp_metrics_init(struct se_otlp_metrics *m, bool delta, uint32_t max_groups,
			  uint64_t series_ttl_ns)
{
	memset(m, 0, sizeof(*m));
	m->delta = delta;
	m->series_ttl_ns = series_ttl_ns;
	se_http_groups_init(&m->total, max_groups);
}

void se_otlp_metrics_fini(struct se_otlp_metrics *m)
{
	se_http_groups_fini(&m->total);
	memset(m, 0, sizeof(*m));
}

/* What one export describes: the window, and the series times. */
struct se_otlp_ctx {
	struct se_arena *a;
	uint64_t start_ns; /* of sums and histograms */
	uint64_t time_ns;  /* of every point: the window's end */
	int temporality;
	se_pb_metric **metrics;
	size_t nmetrics;
};

static se_pb_metric *se_otlp_metric(struct se_otlp_ctx *c, const char *name, const char *desc,
				    const char *unit)
{
	se_pb_metric *m = se_arena_alloc(c->a, sizeof(*m));

	if (!m || c->nmetrics == SE_OTLP_METRICS_MAX)
		return NULL;
	opentelemetry__proto__metrics__v1__metric__init(m);
	m->name = (char *)name;
	m->description = (char *)desc;
	m->unit = (char *)unit;
	c->metrics[c->nmetrics++] = m;
	return m;
}

static se_pb_number *se_otlp_number(struct se_otlp_ctx *c, int64_t value, bool with_start)
{
	se_pb_number *p = se_arena_alloc(c->a, sizeof(*p));

	if (!p)
		return NULL;
	opentelemetry__proto__metrics__v1__number_data_point__init(p);
	p->has_start_time_unix_nano = with_start;
	p->start_time_unix_nano = with_start ? c->start_ns : 0;
	p->has_time_unix_nano = true;
	p->time_unix_nano = c->time_ns;
	p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
	p->as_int = value;
	return p;
}

/* A gauge with one point, or none when out of memory. */
static void se_otlp_gauge(struct se_otlp_ctx *c, const char *name, const char *desc, int64_t value,
			  Opentelemetry__Proto__Common__V1__KeyValue *attr)
{
	se_pb_metric *m = se_otlp_metric(c, name, desc, "1");
	Opentelemetry__Proto__Metrics__V1__Gauge *g = se_arena_alloc(c->a, sizeof(*g));
	se_pb_number **pts = se_arena_alloc(c->a, sizeof(*pts));

	if (!m || !g || !pts || !(pts[0] = se_otlp_number(c, value, false)))
		return;
	opentelemetry__proto__metrics__v1__gauge__init(g);
	if (attr) {
		pts[0]->attributes = se_arena_alloc(c->a, sizeof(*pts[0]->attributes));
		if (pts[0]->attributes) {
			pts[0]->attributes[0] = attr;
			pts[0]->n_attributes = 1;
		}
	}
	g->data_points = pts;
	g->n_data_points = 1;
	m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
	m->gauge = g;
}

/* A monotonic sum with one point per (attribute value, value). */
static void se_otlp_sum(struct se_otlp_ctx *c, const char *name, const char *desc,
			const char *attr_key, const char *const *attr_values,
			const uint64_t *values, size_t n)
{
	se_pb_metric *m = se_otlp_metric(c, name, desc, "1");
	Opentelemetry__Proto__Metrics__V1__Sum *sum = se_arena_alloc(c->a, sizeof(*sum));
	se_pb_number **pts = se_arena_alloc(c->a, n * sizeof(*pts));

	if (!m || !sum || !pts)
		return;
	opentelemetry__proto__metrics__v1__sum__init(sum);
	sum->has_aggregation_temporality = true;
	sum->aggregation_temporality = c->temporality;
	sum->has_is_monotonic = true;
	sum->is_monotonic = true;
	for (size_t i = 0; i < n; i++) {
		se_pb_number *p = se_otlp_number(c, (int64_t)values[i], true);

		if (!p)
			return;
		if (attr_key) {
			p->attributes = se_arena_alloc(c->a, sizeof(*p->attributes));
			if (!p->attributes)
				return;
			p->attributes[0] = se_otlp_attr_str(c->a, attr_key, attr_values[i]);
			p->n_attributes = p->attributes[0] ? 1 : 0;
		}
		pts[sum->n_data_points++] = p;
	}
	sum->data_points = pts;
	m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
	m->sum = sum;
}

/* A point of group g's histogram h: a series of its own in cumulative totals. */
static se_pb_hist *se_otlp_hist_point(struct se_otlp_ctx *c, const struct se_http_group *g,
				      const struct se_hist *h, const struct se_hist_bounds *b,
				      const struct se_otlp_attrs *attrs)
{
	se_pb_hist *p = se_arena_alloc(c->a, sizeof(*p));
	uint64_t *counts = se_arena_alloc(c->a, (b->n + 1) * sizeof(*counts));
	double *bounds = se_arena_alloc(c->a, b->n * sizeof(*bounds));
	double scale = (double)b->scale;

	if (!p || !counts || !bounds)
		return NULL;
	opentelemetry__proto__metrics__v1__histogram_data_point__init(p);
	p->attributes = attrs->v;
	p->n_attributes = attrs->n;
	p->has_start_time_unix_nano = p->has_time_unix_nano = true;
	p->start_time_unix_nano = g->series_start_ns ? g->series_start_ns : c->start_ns;
	p->time_unix_nano = c->time_ns;
	p->has_count = true;
	p->count = h->count;
	p->has_sum = true;
	p->sum = (double)h->sum / scale;
	if (h->count) {
		p->has_min = p->has_max = true;
		p->min = (double)h->min / scale;
		p->max = (double)h->max / scale;
	}
	for (uint32_t i = 0; i <= b->n; i++)
		counts[i] = h->counts[i];
	for (uint32_t i = 0; i < b->n; i++)
		bounds[i] = (double)b->v[i] / scale;
	p->bucket_counts = counts;
	p->n_bucket_counts = b->n + 1;
	p->explicit_bounds = bounds;
	p->n_explicit_bounds = b->n;
	return p;
}

/* The attributes of a group: semantic conventions, or the overflow marker. */
static void se_otlp_group_attrs(struct se_otlp_ctx *c, const struct se_http_group *g,
				struct se_otlp_attrs *attrs)
{
	char addr[64];

	if (se_otlp_attrs_init(c->a, attrs, 4))
		return;
	if (g->overflow) {
		Opentelemetry__Proto__Common__V1__KeyValue *kv =
		    se_otlp_attr_str(c->a, "otel.metric.overflow", "");

		if (kv) { /* a boolean attribute */
			kv->value->value_case =
			    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
			kv->value->bool_value = 1;
		}
		se_otlp_attrs_add(attrs, kv);
		return;
	}
	se_endpoint_format_addr(g->family, g->peer_addr, addr, sizeof(addr));
	se_otlp_attrs_add(
	    attrs, se_otlp_attr_str(c->a, "http.request.method", se_http_method_name(g->method)));
	se_otlp_attrs_add(attrs, se_otlp_attr_str(c->a, "url.path", g->path));
	if (g->status) /* semantic conventions: absent when there was no response */
		se_otlp_attrs_add(attrs,
				  se_otlp_attr_int(c->a, "http.response.status_code", g->status));
	se_otlp_attrs_add(attrs, se_otlp_attr_str(c->a, "network.peer.address", addr));
}

/* The two histograms of one role over the groups of that role. */
static void se_otlp_http_role(struct se_otlp_ctx *c, const struct se_http_groups *groups,
			      uint8_t role)
{
	static const char *const dur[] = { [SE_ROLE_SERVER] = "http.server.request.duration",
					   [SE_ROLE_CLIENT] = "http.client.request.duration" };
	static const char *const body[] = { [SE_ROLE_SERVER] = "http.server.request.body_size",
					    [SE_ROLE_CLIENT] = "http.client.request.body_size" };
	se_pb_metric *md, *mb;
	Opentelemetry__Proto__Metrics__V1__Histogram *hd, *hb;
	size_t n = 0;

	for (uint32_t i = 0; i < groups->n; i++)
		n += groups->groups[i].role == role;
	if (!n)
		return;
	md = se_otlp_metric(c, dur[role], "Duration of HTTP requests.", "ms");
	mb = se_otlp_metric(c, body[role], "Size of HTTP request bodies.", "By");
	hd = se_arena_alloc(c->a, sizeof(*hd));
	hb = se_arena_alloc(c->a, sizeof(*hb));
	if (!md || !mb || !hd || !hb)
		return;
	opentelemetry__proto__metrics__v1__histogram__init(hd);
	opentelemetry__proto__metrics__v1__histogram__init(hb);
	hd->has_aggregation_temporality = hb->has_aggregation_temporality = true;
	hd->aggregation_temporality = hb->aggregation_temporality = c->temporality;
	hd->data_points = se_arena_alloc(c->a, n * sizeof(*hd->data_points));
	hb->data_points = se_arena_alloc(c->a, n * sizeof(*hb->data_points));
	if (!hd->data_points || !hb->data_points)
		return;
	for (uint32_t i = 0; i < groups->n; i++) {
		const struct se_http_group *g = &groups->groups[i];
		struct se_otlp_attrs attrs = { 0 };
		se_pb_hist *pd, *pb;

		if (g->role != role)
			continue;
		se_otlp_group_attrs(c, g, &attrs);
		pd = se_otlp_hist_point(c, g, &g->duration, &se_hist_http_duration, &attrs);
		pb = se_otlp_hist_point(c, g, &g->request_body, &se_hist_http_body_size, &attrs);
		if (!pd || !pb)
			return;
		hd->data_points[hd->n_data_points++] = pd;
		hb->data_points[hb->n_data_points++] = pb;
	}
	md->data_case = mb->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM;
	md->histogram = hd;
	mb->histogram = hb;
}

/* sockeye.dropped{reason}: every loss, kernel and user side. */
static void se_otlp_dropped(struct se_otlp_ctx *c, const uint64_t *uc, const uint64_t *kc,
			    uint64_t prog_missed)
{
	const char *names[SE_KC__COUNT + SE_UC__COUNT + 1];
	uint64_t values[SE_KC__COUNT + SE_UC__COUNT + 1];
	size_t n = 0;

	for (int k = 0; k < SE_KC__COUNT; k++)
		if (se_kernel_counter_is_drop(k)) {
			names[n] = se_kernel_counter_names[k];
			values[n++] = kc[k];
		}
	names[n] = "prog_missed";
	values[n++] = prog_missed;
	for (int u = 0; u < SE_UC__COUNT; u++)
		if (se_user_counter_is_drop(u)) {
			names[n] = se_user_counter_names[u];
			values[n++] = uc[u];
		}
	se_otlp_sum(c, "sockeye.dropped", "Events sockeye could not handle, by reason.", "reason",
		    names, values, n);
}

static void se_otlp_account(struct se_otlp_metrics *m, const struct se_export_window *ew)
{
	const struct se_http1_part *http = se_http1_part_of(ew->w.parts);

	if (!m->start_ns)
		m->start_ns = ew->w.start_ns;
	for (int u = 0; u < SE_UC__COUNT; u++)
		m->counters[u] += ew->w.counters[u];
	for (int k = 0; k < SE_KC__COUNT; k++)
		m->kernel[k] += ew->kernel.counters[k];
	m->prog_missed += ew->kernel.prog_missed;
	if (m->delta)
		return;
	/* Series end before this window is merged, so their room goes to its new keys; those it
	 * counts into are seen now and go on. */
	if (ew->w.end_ns > m->series_ttl_ns)
		se_http_groups_expire(&m->total, ew->w.end_ns - m->series_ttl_ns, &http->http);
	/* overflow/ENOMEM: counted there */
	se_http_groups_merge_series(&m->total, &http->http, ew->w.start_ns, ew->w.end_ns);
}

int se_otlp_metrics_encode(struct se_otlp_metrics *m, const struct se_otlp_resource *res,
			   const struct se_export_window *ew,
			   const uint64_t failures[SE_EXPORT_FAIL__COUNT], const char *tier,
			   uint8_t **out, size_t *len)
{
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest req;
	Opentelemetry__Proto__Metrics__V1__ResourceMetrics rm, *rms[1] = { &rm };
	Opentelemetry__Proto__Metrics__V1__ScopeMetrics sm, *sms[1] = { &sm };
	struct se_arena a;
	struct se_otlp_ctx c;
	const uint64_t *uc = m->delta ? ew->w.counters : m->counters;
	const uint64_t *kc = m->delta ? ew->kernel.counters : m->kernel;
	const struct se_http1_part *http = se_http1_part_of(ew->w.parts);
	uint64_t fails[SE_EXPORT_FAIL__COUNT];
	const char *fail_names[SE_EXPORT_FAIL__COUNT];
	int ret = 0;

	se_otlp_account(m, ew);
	se_arena_init(&a);
	memset(&c, 0, sizeof(c));
	c.a = &a;
	c.time_ns = ew->w.end_ns;
	c.start_ns = m->delta ? ew->w.start_ns : m->start_ns;
	c.temporality =
	    m->delta
		? OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_DELTA
		: OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
	c.metrics = se_arena_alloc(&a, SE_OTLP_METRICS_MAX * sizeof(*c.metrics));
	if (!c.metrics) {
		ret = -ENOMEM;
		goto out;
	}

	se_otlp_http_role(&c, m->delta ? &http->http : &m->total, SE_ROLE_SERVER);
	se_otlp_http_role(&c, m->delta ? &http->http : &m->total, SE_ROLE_CLIENT);
	se_otlp_gauge(&c, "http.server.active_requests", "HTTP server requests in flight.",
		      (int64_t)http->active_requests[SE_ROLE_SERVER], NULL);
	se_otlp_gauge(&c, "http.client.active_requests", "HTTP client requests in flight.",
		      (int64_t)http->active_requests[SE_ROLE_CLIENT], NULL);
	se_otlp_gauge(&c, "tcp.connections.active", "Watched TCP connections open.",
		      (int64_t)ew->w.conns_active, NULL);
	se_otlp_sum(&c, "sockeye.events", "Records handled by sockeye's workers.", NULL, NULL,
		    &uc[SE_UC_EVENTS], 1);
	se_otlp_dropped(&c, uc, kc, m->delta ? ew->kernel.prog_missed : m->prog_missed);
	for (int f = 0; f < SE_EXPORT_FAIL__COUNT; f++) {
		fail_names[f] = se_export_failure_names[f];
		fails[f] = m->delta ? failures[f] - m->failures_sent[f] : failures[f];
		m->failures_sent[f] = failures[f];
	}
	se_otlp_sum(&c, "sockeye.export.failures", "Failed OTLP exports, by reason.", "reason",
		    fail_names, fails, SE_EXPORT_FAIL__COUNT);
	se_otlp_gauge(&c, "sockeye.attach.tier", "The capture tier in use (1).", 1,
		      se_otlp_attr_str(&a, "tier", tier));

	opentelemetry__proto__metrics__v1__scope_metrics__init(&sm);
	sm.scope = se_otlp_scope_msg(&a);
	sm.metrics = c.metrics;
	sm.n_metrics = c.nmetrics;
	opentelemetry__proto__metrics__v1__resource_metrics__init(&rm);
	rm.resource = se_otlp_resource_msg(&a, res);
	rm.scope_metrics = sms;
	rm.n_scope_metrics = 1;
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__init(&req);
	req.resource_metrics = rms;
	req.n_resource_metrics = 1;
	ret = se_otlp_pack(&a, &req.base, out, len);
out:
	se_arena_fini(&a);
	return ret;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of windows as OTLP metrics (src/sinks/otlp_metrics.c). Windows are built by
 * hand, encoded, and the bytes decoded back with protobuf-c, then compared field by field:
 * the resource (its attributes in order, process.pid an int) and the scope; every metric's
 * name, unit, type, temporality and monotonicity; histogram points with their
 * semantic-convention attributes (or only otel.metric.overflow=true), count, sum/min/max in
 * the exported unit, and bucket counts and bounds equal to hist.h's; server and client roles
 * under their own names; gauges with the window's values and no start time; sockeye.events,
 * sockeye.dropped with one point per loss counter (exactly the drop counters' names and
 * prog_missed), sockeye.export.failures (one per reason) and sockeye.attach.tier.
 * Cumulative: three windows give running totals, one start time (the first window's start)
 * and each window's end, and groups seen once stay; delta: each window alone, its own start.
 * The --max-groups limit holds on the cumulative totals with nothing lost.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "proto/dns/dns_proto.h"
#include "proto/http1/http1_proto.h"
#include "sinks/counters.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "sockeye/abi.h"
#include "util/clock.h"
#include "util/hist.h"
#include "proto/http1/http1.h"
#include "sinks/otlp_metrics.h"
#include "capture/probe.h"
#include "worker/memory.h"

typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest pb_request;
typedef Opentelemetry__Proto__Metrics__V1__Metric pb_metric;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint pb_number;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint pb_hist;
typedef Opentelemetry__Proto__Common__V1__KeyValue pb_kv;
typedef Opentelemetry__Proto__Common__V1__AnyValue pb_any;

#define GAUGE	  OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE
#define SUM	  OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM
#define HISTOGRAM OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM
#define CUMULATIVE                                                                                 \
	OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE
#define DELTA                                                                                      \
	OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_DELTA
#define AS_STRING OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
#define AS_BOOL	  OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE
#define AS_INT	  OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE

/* 2026-01-01T00:00:00Z and 10 s windows. */
#define T0	  (1767225600ull * SE_NS_PER_S)
#define WINDOW	  (10ull * SE_NS_PER_S)
#define MS	  SE_NS_PER_MS
#define NO_LIMIT  2048	     /* max_groups of hand-built windows: they never overflow themselves */
#define NO_TTL	  UINT64_MAX /* cumulative series never end */
#define ANY_START UINT64_MAX /* points of several series: each start checked on its own */

static const uint64_t no_failures[SE_EXPORT_FAIL__COUNT];

/* ---- building windows -------------------------------------------------------------------- */

static struct se_otlp_resource resource(void)
{
	struct se_otlp_resource r;

	memset(&r, 0, sizeof(r));
	r.n = 3;
	strcpy(r.attrs[0].key, "service.name");
	strcpy(r.attrs[0].value, "checkout");
	strcpy(r.attrs[1].key, "host.name");
	strcpy(r.attrs[1].value, "node-1");
	strcpy(r.attrs[2].key, "k8s.pod.name");
	strcpy(r.attrs[2].value, "checkout-7d9f");
	r.pid = 4242;
	return r;
}

/* Window number i (0, 1, ...): [T0 + i*WINDOW, T0 + (i+1)*WINDOW). */
static void window_init(struct se_export_window *ew, unsigned int i, uint32_t max_groups)
{
	memset(ew, 0, sizeof(*ew));
	se_window_init(&ew->w, T0 + i * WINDOW, T0 + (i + 1) * WINDOW, max_groups);
}

/* One request into ew; peer is an IPv4 address a.b.c.d given as 0xaabbccdd. */
static void add_v4(struct se_export_window *ew, uint8_t role, uint8_t method, uint16_t status,
		   uint32_t peer, const char *path, uint64_t duration_ns, uint64_t body)
{
	struct se_http_request r;

	memset(&r, 0, sizeof(r));
	r.role = role;
	r.method = method;
	r.status = status;
	r.peer.family = AF_INET;
	r.peer.addr[0] = (uint8_t)(peer >> 24);
	r.peer.addr[1] = (uint8_t)(peer >> 16);
	r.peer.addr[2] = (uint8_t)(peer >> 8);
	r.peer.addr[3] = (uint8_t)peer;
	r.path = path;
	r.path_len = (uint32_t)strlen(path);
	r.start_ns = 1000;
	r.end_ns = 1000 + duration_ns;
	r.request_body_bytes = body;
	r.trace.source = SE_TRACE_GENERATED;
	assert_int_equal(se_http_groups_add(&se_http_part(ew->w.parts)->http, &r), 0);
}

static void add_v6(struct se_export_window *ew, uint8_t role, uint8_t method, uint16_t status,
		   const char *peer, const char *path, uint64_t duration_ns, uint64_t body)
{
	struct se_http_request r;

	memset(&r, 0, sizeof(r));
	r.role = role;
	r.method = method;
	r.status = status;
	r.peer.family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, peer, r.peer.addr), 1);
	r.path = path;
	r.path_len = (uint32_t)strlen(path);
	r.start_ns = 1000;
	r.end_ns = 1000 + duration_ns;
	r.request_body_bytes = body;
	r.trace.source = SE_TRACE_GENERATED;
	assert_int_equal(se_http_groups_add(&se_http_part(ew->w.parts)->http, &r), 0);
}

/* Encode ew and decode the bytes back. */
static pb_request *encode(struct se_otlp_metrics *m, const struct se_export_window *ew,
			  const uint64_t failures[SE_EXPORT_FAIL__COUNT], const char *tier)
{
	struct se_otlp_resource res = resource();
	uint8_t *buf = NULL;
	size_t len = 0;
	pb_request *req;

	assert_int_equal(se_otlp_metrics_encode(m, &res, ew, failures, tier, &buf, &len), 0);
	assert_non_null(buf);
	assert_true(len > 0);
	req = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
	    NULL, len, buf);
	free(buf);
	if (!req)
		fail_msg("the encoded request (%zu bytes) does not decode", len);
	assert_int_equal(req->n_resource_metrics, 1);
	assert_int_equal(req->resource_metrics[0]->n_scope_metrics, 1);
	return req;
}

static void release(pb_request *req)
{
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(
	    req, NULL);
}

/* ---- reading the decoded request ---------------------------------------------------------- */

static size_t nmetrics(const pb_request *req)
{
	return req->resource_metrics[0]->scope_metrics[0]->n_metrics;
}

/* The metric called name (exactly one), or NULL when there is none. */
static const pb_metric *find_metric(const pb_request *req, const char *name)
{
	const Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm =
	    req->resource_metrics[0]->scope_metrics[0];
	const pb_metric *found = NULL;

	for (size_t i = 0; i < sm->n_metrics; i++) {
		if (strcmp(sm->metrics[i]->name, name))
			continue;
		if (found)
			fail_msg("%s appears twice", name);
		found = sm->metrics[i];
	}
	return found;
}

static const pb_metric *metric(const pb_request *req, const char *name)
{
	const pb_metric *m = find_metric(req, name);

	if (!m)
		fail_msg("no metric %s", name);
	return m;
}

static const pb_any *find_attr(pb_kv *const *kvs, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kvs[i]->key, key)) {
			assert_non_null(kvs[i]->value);
			return kvs[i]->value;
		}
	return NULL;
}

static void assert_attr_str(pb_kv *const *kvs, size_t n, const char *key, const char *value)
{
	const pb_any *v = find_attr(kvs, n, key);

	if (!v)
		fail_msg("attribute %s missing", key);
	if (v->value_case != AS_STRING)
		fail_msg("attribute %s: value case %d, not a string", key, v->value_case);
	if (strcmp(v->string_value, value))
		fail_msg("attribute %s = '%s', expected '%s'", key, v->string_value, value);
}

static void assert_attr_int(pb_kv *const *kvs, size_t n, const char *key, int64_t value)
{
	const pb_any *v = find_attr(kvs, n, key);

	if (!v)
		fail_msg("attribute %s missing", key);
	if (v->value_case != AS_INT)
		fail_msg("attribute %s: value case %d, not an int", key, v->value_case);
	assert_int_equal(v->int_value, value);
}

static void assert_dbl(double got, double expect, const char *what)
{
	if (got != expect)
		fail_msg("%s: %.17g, expected %.17g", what, got, expect);
}

/* The histogram point of a group: the one whose url.path is path. */
static const pb_hist *find_point(const pb_metric *m, const char *path)
{
	const pb_hist *found = NULL;

	assert_int_equal(m->data_case, HISTOGRAM);
	for (size_t i = 0; i < m->histogram->n_data_points; i++) {
		const pb_hist *p = m->histogram->data_points[i];
		const pb_any *v = find_attr(p->attributes, p->n_attributes, "url.path");

		if (!v || v->value_case != AS_STRING || strcmp(v->string_value, path))
			continue;
		if (found)
			fail_msg("%s: two points for %s", m->name, path);
		found = p;
	}
	return found;
}

static const pb_hist *point(const pb_metric *m, const char *path)
{
	const pb_hist *p = find_point(m, path);

	if (!p)
		fail_msg("%s: no point for %s", m->name, path);
	return p;
}

/* The overflow point of a histogram (exactly one attribute: otel.metric.overflow=true). */
static const pb_hist *find_overflow_point(const pb_metric *m)
{
	const pb_hist *found = NULL;

	for (size_t i = 0; i < m->histogram->n_data_points; i++) {
		const pb_hist *p = m->histogram->data_points[i];
		const pb_any *v = find_attr(p->attributes, p->n_attributes, "otel.metric.overflow");

		if (!v)
			continue;
		assert_int_equal(p->n_attributes, 1);
		assert_int_equal(v->value_case, AS_BOOL);
		assert_true(v->bool_value);
		if (found)
			fail_msg("%s: two overflow points", m->name);
		found = p;
	}
	return found;
}

/* A sum's point whose "reason" is reason. */
static const pb_number *sum_point(const pb_metric *m, const char *reason)
{
	assert_int_equal(m->data_case, SUM);
	for (size_t i = 0; i < m->sum->n_data_points; i++) {
		const pb_number *p = m->sum->data_points[i];
		const pb_any *v = find_attr(p->attributes, p->n_attributes, "reason");

		assert_non_null(v);
		assert_int_equal(v->value_case, AS_STRING);
		if (!strcmp(v->string_value, reason))
			return p;
	}
	fail_msg("%s: no point for reason %s", m->name, reason);
	return NULL;
}

/* A sum or histogram's shape, and every point's times. */
static void assert_sum(const pb_metric *m, int temporality, uint64_t start, uint64_t time)
{
	assert_int_equal(m->data_case, SUM);
	assert_string_equal(m->unit, "1");
	assert_true(m->sum->has_aggregation_temporality);
	assert_int_equal(m->sum->aggregation_temporality, temporality);
	assert_true(m->sum->has_is_monotonic);
	assert_true(m->sum->is_monotonic);
	assert_true(m->sum->n_data_points > 0);
	for (size_t i = 0; i < m->sum->n_data_points; i++) {
		const pb_number *p = m->sum->data_points[i];

		assert_true(p->has_start_time_unix_nano);
		assert_int_equal(p->start_time_unix_nano, start);
		assert_true(p->has_time_unix_nano);
		assert_int_equal(p->time_unix_nano, time);
		assert_int_equal(
		    p->value_case,
		    OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT);
	}
}

static void assert_histogram(const pb_metric *m, const char *unit, int temporality, uint64_t start,
			     uint64_t time)
{
	assert_int_equal(m->data_case, HISTOGRAM);
	assert_string_equal(m->unit, unit);
	assert_true(m->histogram->has_aggregation_temporality);
	assert_int_equal(m->histogram->aggregation_temporality, temporality);
	assert_true(m->histogram->n_data_points > 0);
	for (size_t i = 0; i < m->histogram->n_data_points; i++) {
		const pb_hist *p = m->histogram->data_points[i];

		assert_true(p->has_start_time_unix_nano);
		if (start != ANY_START)
			assert_int_equal(p->start_time_unix_nano, start);
		assert_true(p->has_time_unix_nano);
		assert_int_equal(p->time_unix_nano, time);
	}
}

/* A one-point gauge: value, no start time, the window's end. */
static const pb_number *assert_gauge(const pb_metric *m, int64_t value, uint64_t time)
{
	const pb_number *p;

	assert_int_equal(m->data_case, GAUGE);
	assert_string_equal(m->unit, "1");
	assert_int_equal(m->gauge->n_data_points, 1);
	p = m->gauge->data_points[0];
	assert_false(p->has_start_time_unix_nano);
	assert_int_equal(p->start_time_unix_nano, 0);
	assert_true(p->has_time_unix_nano);
	assert_int_equal(p->time_unix_nano, time);
	assert_int_equal(p->value_case,
			 OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT);
	assert_int_equal(p->as_int, value);
	return p;
}

/* Count, sum, min, max and buckets of a point, and bounds equal to b's (scaled). */
static void assert_hist_values(const pb_hist *p, const struct se_hist_bounds *b, uint64_t count,
			       double sum, double min, double max, const uint64_t *buckets)
{
	assert_true(p->has_count);
	assert_int_equal(p->count, count);
	assert_true(p->has_sum);
	assert_dbl(p->sum, sum, "sum");
	assert_true(p->has_min);
	assert_dbl(p->min, min, "min");
	assert_true(p->has_max);
	assert_dbl(p->max, max, "max");
	assert_int_equal(p->n_explicit_bounds, b->n);
	for (uint32_t i = 0; i < b->n; i++)
		assert_dbl(p->explicit_bounds[i], (double)b->v[i] / (double)b->scale, "bound");
	assert_int_equal(p->n_bucket_counts, b->n + 1);
	for (uint32_t i = 0; i <= b->n; i++)
		if (p->bucket_counts[i] != buckets[i])
			fail_msg("bucket %u: %llu, expected %llu", i,
				 (unsigned long long)p->bucket_counts[i],
				 (unsigned long long)buckets[i]);
}

/* ---- resource, scope, the list of metrics ----------------------------------------------- */

static void test_resource_and_scope(void **state)
{
	struct se_otlp_metrics m;
	struct se_export_window ew;
	const Opentelemetry__Proto__Resource__V1__Resource *r;
	const Opentelemetry__Proto__Common__V1__InstrumentationScope *scope;
	pb_request *req;

	se_otlp_metrics_init(&m, false, NO_LIMIT, NO_TTL);
	window_init(&ew, 0, NO_LIMIT);
	req = encode(&m, &ew, no_failures, "tracepoint");
	r = req->resource_metrics[0]->resource;
	assert_non_null(r);
	assert_int_equal(r->n_attributes, 4);
	/* in the resource's order, process.pid last */
	assert_string_equal(r->attributes[0]->key, "service.name");
	assert_string_equal(r->attributes[1]->key, "host.name");
	assert_string_equal(r->attributes[2]->key, "k8s.pod.name");
	assert_string_equal(r->attributes[3]->key, "process.pid");
	assert_attr_str(r->attributes, r->n_attributes, "service.name", "checkout");
	assert_attr_str(r->attributes, r->n_attributes, "host.name", "node-1");
	assert_attr_str(r->attributes, r->n_attributes, "k8s.pod.name", "checkout-7d9f");
	assert_attr_int(r->attributes, r->n_attributes, "process.pid", 4242);
	scope = req->resource_metrics[0]->scope_metrics[0]->scope;
	assert_non_null(scope);
	assert_string_equal(scope->name, "sockeye");
	assert_string_equal(scope->version, SOCKEYE_VERSION);
	release(req);
	se_window_fini(&ew.w);
	se_otlp_metrics_fini(&m);
}

/* Every metric with its name, unit and type; nothing else. */
static void test_metric_list(void **state)
{
	static const struct {
		const char *name, *unit;
		int type;
	} expected[] = {
		{ "http.server.request.duration", "ms", HISTOGRAM },
		{ "http.server.request.body_size", "By", HISTOGRAM },
		{ "http.client.request.duration", "ms", HISTOGRAM },
		{ "http.client.request.body_size", "By", HISTOGRAM },
		{ "http.server.active_requests", "1", GAUGE },
		{ "http.client.active_requests", "1", GAUGE },
		{ "dns.queries.in_flight", "1", GAUGE },
		{ "tcp.connections.active", "1", GAUGE },
		{ "sockeye.events", "1", SUM },
		{ "sockeye.dropped", "1", SUM },
		{ "sockeye.export.failures", "1", SUM },
		{ "sockeye.attach.tier", "1", GAUGE },
	};
	struct se_otlp_metrics m;
	struct se_export_window ew;
	pb_request *req;

	se_otlp_metrics_init(&m, false, NO_LIMIT, NO_TTL);
	window_init(&ew, 0, NO_LIMIT);
	add_v4(&ew, SE_ROLE_SERVER, SE_HTTP_GET, 200, 0x0a000007, "/a", 2 * MS, 0);
	add_v4(&ew, SE_ROLE_CLIENT, SE_HTTP_GET, 200, 0x0a000008, "/b", 2 * MS, 0);
	req = encode(&m, &ew, no_failures, "tracepoint");
	assert_int_equal(nmetrics(req), sizeof(expected) / sizeof(expected[0]));
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		const pb_metric *x = metric(req, expected[i].name);

		assert_string_equal(x->unit, expected[i].unit);
		if ((int)x->data_case != expected[i].type)
			fail_msg("%s: data case %d, expected %d", x->name, x->data_case,
				 expected[i].type);
		assert_non_null(x->description);
		assert_true(strlen(x->description) > 0);
	}
	release(req);
	se_window_fini(&ew.w);
	se_otlp_metrics_fini(&m);
}

/* ---- HTTP histograms ---------------------------------------------------------------------- */

static void test_histogram_points(void **state)
{
	/* durations 0.5 ms, 3 ms, 7000 ms: first, second and last (> 5000) buckets */
	static const uint64_t dur_buckets[12] = { 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	/* bodies 0, 150, 2e6 bytes: first, second and last (> 1e6) buckets */
	static const uint64_t body_buckets[6] = { 1, 1, 0, 0, 0, 1 };
	static const uint64_t one_5ms[12] = { 0, 1 };	  /* 5 ms: <= 5, the second */
	static const uint64_t one_100b[6] = { 1 };	  /* 100 B: <= 100, the first */
	static const uint64_t one_1ms[12] = { 1 };	  /* 1 ms exactly: the first */
	static const uint64_t one_1001b[6] = { 0, 0, 1 }; /* 1001 B: (1000, 10000] */
	struct se_otlp_metrics m;
	struct se_export_window ew;
	const pb_metric *dur, *body;
	const pb_hist *p;
	pb_request *req;

	se_otlp_metrics_init(&m, false, NO_LIMIT, NO_TTL);
	window_init(&ew, 0, NO_LIMIT);
	add_v4(&ew, SE_ROLE_SERVER, SE_HTTP_GET, 200, 0x0a000007, "/api/users", MS / 2, 0);
	add_v4(&ew, SE_ROLE_SERVER, SE_HTTP_GET, 200, 0x0a000007, "/api/users", 3 * MS, 150);
	add_v4(&ew, SE_ROLE_SERVER, SE_HTTP_GET, 200, 0x0a000007, "/api/users", 7000 * MS, 2000000);
	add_v6(&ew, SE_ROLE_SERVER, SE_HTTP_POST, 503, "2001:db8::1", "/v1/orders", 5 * MS, 100);
	add_v6(&ew, SE_ROLE_SERVER, 0 /* _OTHER */, 404, "::ffff:192.168.1.2", "/mapped", MS, 1001);
	req = encode(&m, &ew, no_failures, "tracepoint");

	dur = metric(req, "http.server.request.duration");
	body = metric(req, "http.server.request.body_size");
	assert_histogram(dur, "ms", CUMULATIVE, T0, T0 + WINDOW);
	assert_histogram(body, "By", CUMULATIVE, T0, T0 + WINDOW);
	assert_int_equal(dur->histogram->n_data_points, 3);
	assert_int_equal(body->histogram->n_data_points, 3);
	assert_null(find_metric(req, "http.client.request.duration"));
	assert_null(find_metric(req, "http.client.request.body_size"));

	p = point(dur, "/api/users");
	assert_int_equal(p->n_attributes, 4);
	assert_attr_str(p->attributes, p->n_attributes, "http.request.method", "GET");
	assert_attr_str(p->attributes, p->n_attributes, "url.path", "/api/users");
	assert_attr_int(p->attributes, p->n_attributes, "http.response.status_code", 200);
	assert_attr_str(p->attributes, p->n_attributes, "network.peer.address", "10.0.0.7");
	assert_hist_values(p, &se_hist_http_duration, 3, 7003.5, 0.5, 7000.0, dur_buckets);
	p = point(body, "/api/users");
	assert_int_equal(p->n_attributes, 4);
	assert_attr_str(p->attributes, p->n_attributes, "http.request.method", "GET");
	assert_attr_int(p->attributes, p->n_attributes, "http.response.status_code", 200);
	assert_attr_str(p->attributes, p->n_attributes, "network.peer.address", "10.0.0.7");
	assert_hist_values(p, &se_hist_http_body_size, 3, 2000150.0, 0.0, 2000000.0, body_buckets);

	p = point(dur, "/v1/orders");
	assert_attr_str(p->attributes, p->n_attributes, "http.request.method", "POST");
	assert_attr_int(p->attributes, p->n_attributes, "http.response.status_code", 503);
	assert_attr_str(p->attributes, p->n_attributes, "network.peer.address", "2001:db8::1");
	assert_hist_values(p, &se_hist_http_duration, 1, 5.0, 5.0, 5.0, one_5ms);
	assert_hist_values(point(body, "/v1/orders"), &se_hist_http_body_size, 1, 100.0, 100.0,
			   100.0, one_100b);

	p = point(dur, "/mapped");
	assert_attr_str(p->attributes, p->n_attributes, "http.request.method", "_OTHER");
	assert_attr_int(p->attributes, p->n_attributes, "http.response.status_code", 404);
	/* an IPv4-mapped IPv6 peer is written as IPv4 */
	assert_attr_str(p->attributes, p->n_attributes, "network.peer.address", "192.168.1.2");
	assert_hist_values(p, &se_hist_http_duration, 1, 1.0, 1.0, 1.0, one_1ms);
	assert_hist_values(point(body, "/mapped"), &se_hist_http_body_size, 1, 1001.0, 1001.0,
			   1001.0, one_1001b);
	release(req);
	se_window_fini(&ew.w);
	se_otlp_metrics_fini(&m);
}

/* Bounds are hist.h's, in the exported units: ms for durations, bytes for sizes. */
static void test_bounds_are_design_bounds(void **state)
{
	static const double dur_ms[] = { 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000 };
	static const double body_b[] = { 100, 1000, 10000, 100000, 1000000 };
	struct se_otlp_metrics m;
	struct se_export_window ew;
	const pb_hist *p;
	pb_request *req;

	se_otlp_metrics_init(&m, false, NO_LIMIT, NO_TTL);
	window_init(&ew, 0, NO_LIMIT);
	add_v4(&ew, SE_ROLE_CLIENT, SE_HTTP_PUT, 201, 0x7f000001, "/x", 42 * MS, 4242);
	req = encode(&m, &ew, no_failures, "tracepoint");
	p = point(metric(req, "http.client.request.duration"), "/x");
	assert_int_equal(p->n_explicit_bounds, sizeof(dur_ms) / sizeof(dur_ms[0]));
	for (size_t i = 0; i < p->n_explicit_bounds; i++)
		assert_dbl(p->explicit_bounds[i], dur_ms[i], "duration bound");
	p = point(metric(req, "http.client.request.body_size"), "/x");
	assert_int_equal(p->n_explicit_bounds, sizeof(body_b) / sizeof(body_b[0]));
	for (size_t i = 0; i < p->n_explicit_bounds; i++)
		assert_dbl(p->explicit_bounds[i], body_b[i], "body bound");
	release(req);
	se_window_fini(&ew.w);
	se_otlp_metrics_fini(&m);
}

/* Server and client groups go under their own names; a role without groups has none. */
static void test_roles(void **state)
{
	struct se_otlp_metrics m;
	struct se_export_window ew;
	const pb_metric *x;
	pb_request *req;

	se_otlp_metrics_init(&m, true, NO_LIMIT, NO_TTL);
	window_init(&ew, 0, NO_LIMIT);
	add_v4(&ew, SE_ROLE_CLIENT, SE_HTTP_GET, 200, 0x0a000001, "/upstream", 2 * MS, 0);
	add_v4(&ew, SE_ROLE_CLIENT, SE_HTTP_GET, 200, 0x0a000001, "/upstream", 2 * MS, 0);
	req = encode(&m, &ew, no_failures, "tracepoint");
	assert_null(find_metric(req, "http.server.request.duration"));
	assert_null(find_metric(req, "http.server.request.body_size"));
	x = metric(req, "http.client.request.duration");
	assert_int_equal(x->histogram->n_data_points, 1);
	assert_int_equal(point(x, "/upstream")->count, 2);
	x = metric(req, "http.client.request.body_size");
	assert_int_equal(x->histogram->n_data_points, 1);
	release(req);
	se_window_fini(&ew.w);

	window_init(&ew, 1, NO_LIMIT);
	add_v4(&ew, SE_ROLE_SERVER, SE_HTTP_GET, 200, 0x0a000001, "/same", 2 * MS, 0);
	add_v4(&ew, SE_ROLE_CLIENT, SE_HTTP_GET, 200, 0x0a000001, "/same", 2 * MS, 0);
	add_v4(&ew, SE_ROLE_CLIENT, SE_HTTP_GET, 200, 0x0a000001, "/same", 2 * MS, 0);
	req = encode(&m, &ew, no_failures, "tracepoint");
	/* the same key in both roles: one point each, not mixed */
	assert_int_equal(point(metric(req, "http.server.request.duration"), "/same")->count, 1);
	assert_int_equal(point(metric(req, "http.client.request.duration"), "/same")->count, 2);
	release(req);
	se_window_fini(&ew.w);
	se_otlp_metrics_fini(&m);
}

/* No HTTP groups: no http.* histogram metric at all (empty ones would be invalid). */
static void test_no_http_groups(void **state)
{
	struct se_otlp_metrics m;
	struct se_export_window ew;
	pb_request *req;

	for (int delta = 0; delta <= 1; delta++) {
		se_otlp_metrics_init(&m, delta, NO_LIMIT, NO_TTL);
		window_init(&ew, 0, NO_LIMIT);
		ew.w.counters[SE_UC_EVENTS] = 5;
		req = encode(&m, &ew, no_failures, "tracepoint");
		assert_null(find_metric(req, "http.server.request.duration"));
		assert_null(find_metric(req, "http.server.request.body_size"));
		assert_null(find_metric(req, "http.client.request.duration"));
		assert_null(find_metric(req, "http.client.request.body_size"));
		assert_int_equal(nmetrics(req), 8); /* 4 gauges, 3 sums, the tier */
		for (size_t i = 0; i < nmetrics(req); i++) {
			const pb_metric *x = req->resource_metrics[0]->scope_metrics[0]->metrics[i];

			assert_int_not_equal(x->data_case, HISTOGRAM);
		}
		release(req);
		se_window_fini(&ew.w);
		se_otlp_metrics_fini(&m);
	}
}

/* An overflow group carries only otel.metric.overflow=true (a boolean). */
static void test_overflow_group(void **state)
{
	struct se_otlp_metrics m;
	struct se_export_window ew;
	const pb_metric *dur, *body;
	const pb_hist *p;
	uint64_t total = 0;
	char path[32];
	pb_request *req;

	se_otlp_metrics_init(&m, true, 16, NO_TTL);
	window_init(&ew, 0, 16); /* the window itself overflows */
	for (int i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "/p%d", i);
		add_v4(&ew, SE_ROLE_SERVER, SE_HTTP_GET, 200, 0x0a000001, path, 2 * MS, 10);
	}
	req = encode(&m, &ew, no_failures, "tracepoint");
	dur = metric(req, "http.server.request.duration");
	body = metric(req, "http.server.request.body_size");
	p = find_overflow_point(dur);
	assert_non_null(p);
	assert_null(find_attr(p->attributes, p->n_attributes, "url.path"));
	assert_null(find_attr(p->attributes, p->n_attributes, "http.request.method"));
	assert_null(find_attr(p->attributes, p->n_attributes, "network.peer.address"));
	assert_true(p->count > 0);
	assert_non_null(find_overflow_point(body));
	assert_int_equal(find_overflow_point(body)->count, p->count);
	assert_true(dur->histogram->n_data_points <= 16);
	for (size_t i = 0; i < dur->histogram->n_data_points; i++)
		total += dur->histogram->data_points[i]->count;
	assert_int_equal(total, 20);
	release(req);
	se_window_fini(&ew.w);
	se_otlp_metrics_fini(&m);
}

/* ---- gauges, counters -------------------------------------------------------------------- */

static void test_gauges(void **state)
{
	struct se_otlp_metrics m;
	struct se_export_window ew;
	const pb_number *p;
	pb_request *req;

	se_otlp_metrics_init(&m, false, NO_LIMIT, NO_TTL);
	window_init(&ew, 0, NO_LIMIT);
	se_http_part(ew.w.parts)->active_requests[SE_ROLE_SERVER] = 5;
	se_http_part(ew.w.parts)->active_requests[SE_ROLE_CLIENT] = 2;
	ew.w.conns_active = 9;
	req = encode(&m, &ew, no_failures, "tracepoint");
	assert_int_equal(
	    assert_gauge(metric(req, "http.server.active_requests"), 5, T0 + WINDOW)->n_attributes,
	    0);
	assert_int_equal(
	    assert_gauge(metric(req, "http.client.active_requests"), 2, T0 + WINDOW)->n_attributes,
	    0);
	assert_int_equal(
	    assert_gauge(metric(req, "tcp.connections.active"), 9, T0 + WINDOW)->n_attributes, 0);
	p = assert_gauge(metric(req, "sockeye.attach.tier"), 1, T0 + WINDOW);
	assert_int_equal(p->n_attributes, 1);
	assert_attr_str(p->attributes, p->n_attributes, "tier", "tracepoint");
	release(req);
	se_window_fini(&ew.w);

	/* cumulative or not, a gauge is the window's own sample, never a total */
	window_init(&ew, 1, NO_LIMIT);
	se_http_part(ew.w.parts)->active_requests[SE_ROLE_SERVER] = 1;
	ew.w.conns_active = 0;
	req = encode(&m, &ew, no_failures, "kprobe");
	assert_gauge(metric(req, "http.server.active_requests"), 1, T0 + 2 * WINDOW);
	assert_gauge(metric(req, "http.client.active_requests"), 0, T0 + 2 * WINDOW);
	assert_gauge(metric(req, "tcp.connections.active"), 0, T0 + 2 * WINDOW);
	p = assert_gauge(metric(req, "sockeye.attach.tier"), 1, T0 + 2 * WINDOW);
	assert_attr_str(p->attributes, p->n_attributes, "tier", "kprobe");
	release(req);
	se_window_fini(&ew.w);
	se_otlp_metrics_fini(&m);
}

/* Every user and kernel counter set to a distinct value. */
static void fill_counters(struct se_export_window *ew, uint64_t scale)
{
	for (int u = 0; u < SE_UC__COUNT; u++)
		ew->w.counters[u] = (uint64_t)(u + 1) * 10 * scale;
	for (int k = 0; k < SE_KC__COUNT; k++)
		ew->kernel.counters[k] = (uint64_t)(k + 1) * 1000 * scale;
	ew->kernel.prog_missed = 7 * scale;
}

/* sockeye.dropped has exactly one point per loss counter, named as the counter. */
static void assert_dropped(const pb_metric *x, uint64_t scale)
{
	size_t expect = 1; /* prog_missed */

	assert_int_equal(x->data_case, SUM);
	for (int u = 0; u < SE_UC__COUNT; u++)
		if (se_user_counter_is_drop(u)) {
			expect++;
			assert_int_equal(sum_point(x, se_user_counter_names[u])->as_int,
					 (u + 1) * 10 * scale);
		}
	for (int k = 0; k < SE_KC__COUNT; k++)
		if (se_kernel_counter_is_drop(k)) {
			expect++;
			assert_int_equal(sum_point(x, se_kernel_counter_names[k])->as_int,
					 (k + 1) * 1000 * scale);
		}
	assert_int_equal(sum_point(x, "prog_missed")->as_int, 7 * scale);
	assert_int_equal(x->sum->n_data_points, expect);
	/* no reason twice, no other attribute */
	for (size_t i = 0; i < x->sum->n_data_points; i++) {
		const pb_number *a = x->sum->data_points[i];

		assert_int_equal(a->n_attributes, 1);
		assert_string_equal(a->attributes[0]->key, "reason");
		for (size_t j = 0; j < i; j++)
			if (!strcmp(a->attributes[0]->value->string_value,
				    x->sum->data_points[j]->attributes[0]->value->string_value))
				fail_msg("reason %s twice", a->attributes[0]->value->string_value);
	}
	/* counters that are not losses are not there */
	for (size_t i = 0; i < x->sum->n_data_points; i++) {
		const char *r = x->sum->data_points[i]->attributes[0]->value->string_value;

		assert_string_not_equal(r, "events");
		assert_string_not_equal(r, "kernel_events");
		assert_string_not_equal(r, "truncated");
		assert_string_not_equal(r, "http_requests");
		assert_string_not_equal(r, "duplicates");
	}
}

static void test_events_and_dropped(void **state)
{
	struct se_otlp_metrics m;
	struct se_export_window ew;
	const pb_metric *x;
	pb_request *req;

	se_otlp_metrics_init(&m, false, NO_LIMIT, NO_TTL);
	window_init(&ew, 0, NO_LIMIT);
	fill_counters(&ew, 1);
	req = encode(&m, &ew, no_failures, "tracepoint");
	x = metric(req, "sockeye.events");
	assert_sum(x, CUMULATIVE, T0, T0 + WINDOW);
	assert_int_equal(x->sum->n_data_points, 1);
	assert_int_equal(x->sum->data_points[0]->n_attributes, 0);
	assert_int_equal(x->sum->data_points[0]->as_int, (SE_UC_EVENTS + 1) * 10);
	x = metric(req, "sockeye.dropped");
	assert_sum(x, CUMULATIVE, T0, T0 + WINDOW);
	assert_dropped(x, 1);
	release(req);
	se_window_fini(&ew.w);
	se_otlp_metrics_fini(&m);
}

static void test_export_failures(void **state)
{
	static const char *const reasons[SE_EXPORT_FAIL__COUNT] = {
		"connect", "retryable", "rejected", "gave_up", "encode", "tls",
	};
	const uint64_t f1[SE_EXPORT_FAIL__COUNT] = { 1, 2, 3, 4, 5, 6 };
	const uint64_t f2[SE_EXPORT_FAIL__COUNT] = { 3, 2, 3, 10, 5, 9 };
	const uint64_t d2[SE_EXPORT_FAIL__COUNT] = { 2, 0, 0, 6, 0, 3 };
	struct se_otlp_metrics m;
	struct se_export_window ew;
	const pb_metric *x;
	pb_request *req;

	for (int f = 0; f < SE_EXPORT_FAIL__COUNT; f++)
		assert_string_equal(se_export_failure_names[f], reasons[f]);

	for (int delta = 0; delta <= 1; delta++) {
		se_otlp_metrics_init(&m, delta, NO_LIMIT, NO_TTL);
		window_init(&ew, 0, NO_LIMIT);
		req = encode(&m, &ew, f1, "tracepoint");
		x = metric(req, "sockeye.export.failures");
		assert_sum(x, delta ? DELTA : CUMULATIVE, T0, T0 + WINDOW);
		assert_int_equal(x->sum->n_data_points, SE_EXPORT_FAIL__COUNT);
		for (int f = 0; f < SE_EXPORT_FAIL__COUNT; f++)
			assert_int_equal(sum_point(x, reasons[f])->as_int, f1[f]);
		release(req);
		se_window_fini(&ew.w);

		window_init(&ew, 1, NO_LIMIT);
		req = encode(&m, &ew, f2, "tracepoint");
		x = metric(req, "sockeye.export.failures");
		for (int f = 0; f < SE_EXPORT_FAIL__COUNT; f++)
			assert_int_equal(sum_point(x, reasons[f])->as_int, delta ? d2[f] : f2[f]);
		release(req);
		se_window_fini(&ew.w);

		/* nothing new: totals again, or zeros */
		window_init(&ew, 2, NO_LIMIT);
		req = encode(&m, &ew, f2, "tracepoint");
		x = metric(req, "sockeye.export.failures");
		for (int f = 0; f < SE_EXPORT_FAIL__COUNT; f++)
			assert_int_equal(sum_point(x, reasons[f])->as_int, delta ? 0 : f2[f]);
		release(req);
		se_window_fini(&ew.w);
		se_otlp_metrics_fini(&m);
	}
}

/* ---- temporality over several windows ----------------------------------------------------- */

/*
 * Three windows: /a only in the first, /b in all three (1, 2 and 3 requests), /c only in the
 * third; a client group /up in the first two only; events 100, 200, 300; ring_full 1, 2, 3;
 * prog_missed 1 each.
 */
static void three_windows(struct se_export_window ew[3])
{
	for (unsigned int i = 0; i < 3; i++) {
		window_init(&ew[i], i, NO_LIMIT);
		ew[i].w.counters[SE_UC_EVENTS] = 100 * (i + 1);
		ew[i].kernel.counters[SE_KC_DROP_RING_FULL] = i + 1;
		ew[i].kernel.prog_missed = 1;
		ew[i].w.conns_active = 10 + i;
		for (unsigned int k = 0; k <= i; k++)
			add_v4(&ew[i], SE_ROLE_SERVER, SE_HTTP_GET, 200, 0x0a000001, "/b",
			       (2 + 20 * i) * MS, 50);
	}
	add_v4(&ew[0], SE_ROLE_SERVER, SE_HTTP_GET, 200, 0x0a000001, "/a", 700 * MS, 0);
	add_v4(&ew[2], SE_ROLE_SERVER, SE_HTTP_POST, 201, 0x0a000002, "/c", 3000 * MS, 5000);
	add_v4(&ew[0], SE_ROLE_CLIENT, SE_HTTP_GET, 200, 0x0a000009, "/up", 4 * MS, 0);
	add_v4(&ew[1], SE_ROLE_CLIENT, SE_HTTP_GET, 200, 0x0a000009, "/up", 6 * MS, 0);
}

static void test_cumulative_three_windows(void **state)
{
	/* /b: 1 x 2 ms, 2 x 22 ms, 3 x 42 ms -> buckets (1,5] (10,25] (25,50] */
	static const uint64_t b_buckets[12] = { 0, 1, 0, 2, 3 };
	static const uint64_t a_buckets[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 1 }; /* 700 ms */
	static const uint64_t c_buckets[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint64_t b_body[6] = { 6 };
	struct se_otlp_metrics m;
	struct se_export_window ew[3];
	const pb_metric *dur;
	pb_request *req;

	se_otlp_metrics_init(&m, false, NO_LIMIT, NO_TTL);
	three_windows(ew);
	for (unsigned int i = 0; i < 3; i++) {
		uint64_t end = T0 + (i + 1) * WINDOW;

		req = encode(&m, &ew[i], no_failures, "tracepoint");
		/* sums start with the first window, each HTTP series with the window that first
		 * counted into it (/c: the third); time: this window's end */
		dur = metric(req, "http.server.request.duration");
		assert_histogram(dur, "ms", CUMULATIVE, i < 2 ? T0 : ANY_START, end);
		assert_histogram(metric(req, "http.server.request.body_size"), "By", CUMULATIVE,
				 i < 2 ? T0 : ANY_START, end);
		assert_sum(metric(req, "sockeye.events"), CUMULATIVE, T0, end);
		assert_sum(metric(req, "sockeye.dropped"), CUMULATIVE, T0, end);
		assert_sum(metric(req, "sockeye.export.failures"), CUMULATIVE, T0, end);
		assert_gauge(metric(req, "tcp.connections.active"), 10 + i, end);
		/* the client role's totals too: /up, in the first two windows only */
		assert_histogram(metric(req, "http.client.request.duration"), "ms", CUMULATIVE, T0,
				 end);
		assert_int_equal(point(metric(req, "http.client.request.duration"), "/up")->count,
				 i ? 2 : 1);
		/* /a, seen in the first window only, is still there */
		assert_hist_values(point(dur, "/a"), &se_hist_http_duration, 1, 700.0, 700.0, 700.0,
				   a_buckets);
		assert_int_equal(point(dur, "/b")->count, (i + 1) * (i + 2) / 2);
		if (i < 2) {
			assert_null(find_point(dur, "/c"));
			release(req);
			continue;
		}
		/* the third: totals */
		assert_int_equal(dur->histogram->n_data_points, 3);
		assert_int_equal(point(dur, "/a")->start_time_unix_nano, T0);
		assert_int_equal(point(dur, "/b")->start_time_unix_nano, T0);
		assert_int_equal(point(dur, "/c")->start_time_unix_nano, T0 + 2 * WINDOW);
		assert_int_equal(
		    point(metric(req, "http.server.request.body_size"), "/c")->start_time_unix_nano,
		    T0 + 2 * WINDOW);
		assert_hist_values(point(dur, "/b"), &se_hist_http_duration, 6,
				   2.0 + 2 * 22.0 + 3 * 42.0, 2.0, 42.0, b_buckets);
		assert_hist_values(point(metric(req, "http.server.request.body_size"), "/b"),
				   &se_hist_http_body_size, 6, 300.0, 50.0, 50.0, b_body);
		assert_hist_values(point(dur, "/c"), &se_hist_http_duration, 1, 3000.0, 3000.0,
				   3000.0, c_buckets);
		assert_int_equal(metric(req, "sockeye.events")->sum->data_points[0]->as_int, 600);
		assert_int_equal(sum_point(metric(req, "sockeye.dropped"),
					   se_kernel_counter_names[SE_KC_DROP_RING_FULL])
				     ->as_int,
				 6);
		assert_int_equal(sum_point(metric(req, "sockeye.dropped"), "prog_missed")->as_int,
				 3);
		assert_int_equal(sum_point(metric(req, "sockeye.dropped"),
					   se_kernel_counter_names[SE_KC_DROP_CONN_MAP_FULL])
				     ->as_int,
				 0);
		release(req);
	}
	for (unsigned int i = 0; i < 3; i++)
		se_window_fini(&ew[i].w);
	se_otlp_metrics_fini(&m);
}

/* ---- DNS ---------------------------------------------------------------------------------- */

/* One DNS query into ew, answered (rcode) or not (rcode < 0), from the server 10.0.0.53. */
static void add_dns_role(struct se_export_window *ew, uint8_t role, const char *name,
			 uint16_t qtype, int rcode, uint64_t duration_ns)
{
	static const struct se_endpoint server = { .family = AF_INET, .addr = { 10, 0, 0, 53 } };
	struct se_dns_result r = {
		.role = role,
		.transport = SE_DNS_UDP,
		.answered = rcode >= 0,
		.rcode = rcode >= 0 ? (uint8_t)rcode : 0,
		.qtype = qtype,
		.server = &server,
		.name = name,
		.name_len = (uint16_t)strlen(name),
		.duration_ns = duration_ns,
	};

	assert_int_equal(
	    se_dns_groups_add(&((struct se_dns_part *)ew->w.parts[SE_PROTO_DNS])->dns, &r), 0);
}

static void add_dns(struct se_export_window *ew, const char *name, uint16_t qtype, int rcode,
		    uint64_t duration_ns)
{
	add_dns_role(ew, SE_ROLE_CLIENT, name, qtype, rcode, duration_ns);
}

/* Are these a DNS point's attributes for this question? */
static bool dns_attrs(pb_kv *const *kvs, size_t n, const char *name, const char *qtype)
{
	const pb_any *nv = find_attr(kvs, n, "dns.question.name");
	const pb_any *tv = find_attr(kvs, n, "dns.question.type");

	return nv && tv && !strcmp(nv->string_value, name) && !strcmp(tv->string_value, qtype);
}

static void test_dns_metrics(void **state)
{
	static const uint64_t svc_buckets[7] = { 1, 1 }; /* 0.5 ms and 3 ms */
	struct se_otlp_metrics m;
	struct se_export_window ew[2];
	const pb_metric *dur, *lost;
	const pb_hist *svc = NULL, *nx = NULL;
	pb_request *req;

	(void)state;
	se_otlp_metrics_init(&m, false, NO_LIMIT, NO_TTL);
	for (unsigned int i = 0; i < 2; i++)
		window_init(&ew[i], i, NO_LIMIT);
	add_dns(&ew[0], "svc.test", 1, 0, MS / 2);
	add_dns(&ew[0], "x.nx.test", 28, 3, 20 * MS);
	add_dns(&ew[0], "lost.test", 1, -1, 0);
	add_dns(&ew[1], "svc.test", 1, 0, 3 * MS);
	add_dns(&ew[1], "lost.test", 1, -1, 0);
	/* the same question answered by a server in the pod: a metric of its own */
	add_dns_role(&ew[1], SE_ROLE_SERVER, "svc.test", 1, 0, MS / 4);
	((struct se_dns_part *)ew[1].w.parts[SE_PROTO_DNS])->in_flight = 2;
	release(encode(&m, &ew[0], no_failures, "tracepoint"));
	req = encode(&m, &ew[1], no_failures, "tracepoint");

	dur = metric(req, "dns.resolution.duration");
	assert_histogram(dur, "ms", CUMULATIVE, T0, T0 + 2 * WINDOW);
	assert_int_equal(dur->histogram->n_data_points, 2);
	for (size_t i = 0; i < 2; i++) {
		const pb_hist *p = dur->histogram->data_points[i];

		if (dns_attrs(p->attributes, p->n_attributes, "svc.test", "A"))
			svc = p;
		if (dns_attrs(p->attributes, p->n_attributes, "x.nx.test", "AAAA"))
			nx = p;
	}
	assert_non_null(svc);
	assert_non_null(nx);
	assert_hist_values(svc, &se_hist_dns_duration, 2, 3.5, 0.5, 3.0, svc_buckets);
	assert_attr_str(svc->attributes, svc->n_attributes, "dns.response_code", "NOERROR");
	assert_attr_str(nx->attributes, nx->n_attributes, "dns.response_code", "NXDOMAIN");
	assert_attr_str(svc->attributes, svc->n_attributes, "server.address", "10.0.0.53");
	assert_attr_str(svc->attributes, svc->n_attributes, "network.transport", "udp");

	lost = metric(req, "dns.queries.unanswered");
	assert_int_equal(lost->data_case, SUM);
	assert_string_equal(lost->unit, "{query}");
	assert_int_equal(lost->sum->aggregation_temporality, CUMULATIVE);
	assert_true(lost->sum->is_monotonic);
	assert_int_equal(lost->sum->n_data_points, 1);
	/* the series began with the first window that counted into it */
	assert_int_equal(lost->sum->data_points[0]->start_time_unix_nano, T0);
	assert_int_equal(lost->sum->data_points[0]->time_unix_nano, T0 + 2 * WINDOW);
	assert_int_equal(lost->sum->data_points[0]->as_int, 2);
	assert_attr_str(lost->sum->data_points[0]->attributes,
			lost->sum->data_points[0]->n_attributes, "dns.question.name", "lost.test");
	/* an unanswered query has no response code */
	assert_null(find_attr(lost->sum->data_points[0]->attributes,
			      lost->sum->data_points[0]->n_attributes, "dns.response_code"));
	assert_gauge(metric(req, "dns.queries.in_flight"), 2, T0 + 2 * WINDOW);
	dur = metric(req, "dns.server.request.duration");
	assert_int_equal(dur->histogram->n_data_points, 1);
	assert_int_equal(dur->histogram->data_points[0]->count, 1);
	assert_true(dns_attrs(dur->histogram->data_points[0]->attributes,
			      dur->histogram->data_points[0]->n_attributes, "svc.test", "A"));
	assert_null(find_metric(req, "dns.server.queries.unanswered"));
	release(req);
	for (unsigned int i = 0; i < 2; i++)
		se_window_fini(&ew[i].w);
	se_otlp_metrics_fini(&m);
}

/* One HTTP/2 or gRPC request from 10.0.0.1 into ew. */
static void add_h2(struct se_export_window *ew, uint8_t role, uint8_t protocol, int16_t grpc_status,
		   const char *path, uint64_t duration_ns)
{
	struct se_http_request r;

	memset(&r, 0, sizeof(r));
	r.role = role;
	r.method = protocol == SE_HTTP_PROTO_GRPC ? SE_HTTP_POST : SE_HTTP_GET;
	r.status = 200;
	r.protocol = protocol;
	r.grpc_status = grpc_status;
	r.fields_unknown = !path[0];
	r.peer.family = AF_INET;
	r.peer.addr[0] = 10;
	r.peer.addr[3] = 1;
	r.path = path;
	r.path_len = (uint32_t)strlen(path);
	r.end_ns = duration_ns;
	assert_int_equal(se_http_groups_add(&se_http_part(ew->w.parts)->http, &r), 0);
}

/* gRPC is RPCs (rpc.*), not HTTP requests; plain HTTP/2 is HTTP with its version. */
static void test_grpc_metrics(void **state)
{
	struct se_otlp_metrics m;
	struct se_export_window ew;
	const pb_metric *rpc, *http;
	const pb_hist *ok = NULL, *nf = NULL, *unknown = NULL;
	pb_request *req;

	(void)state;
	se_otlp_metrics_init(&m, false, NO_LIMIT, NO_TTL);
	window_init(&ew, 0, NO_LIMIT);
	add_h2(&ew, SE_ROLE_SERVER, SE_HTTP_PROTO_GRPC, 0, "/demo.Echo/Ok", 2 * MS);
	add_h2(&ew, SE_ROLE_SERVER, SE_HTTP_PROTO_GRPC, 5, "/demo.Echo/Missing", MS);
	add_h2(&ew, SE_ROLE_SERVER, SE_HTTP_PROTO_GRPC, SE_GRPC_STATUS_NONE, "", MS);
	add_h2(&ew, SE_ROLE_SERVER, SE_HTTP_PROTO_2, 0, "/plain", MS);
	req = encode(&m, &ew, no_failures, "tracepoint");

	rpc = metric(req, "rpc.server.duration");
	assert_histogram(rpc, "ms", CUMULATIVE, T0, T0 + WINDOW);
	assert_int_equal(rpc->histogram->n_data_points, 3);
	for (size_t i = 0; i < 3; i++) {
		const pb_hist *p = rpc->histogram->data_points[i];
		const pb_any *v = find_attr(p->attributes, p->n_attributes, "rpc.method");

		assert_attr_str(p->attributes, p->n_attributes, "rpc.system", "grpc");
		assert_attr_str(p->attributes, p->n_attributes, "network.peer.address", "10.0.0.1");
		if (!v)
			unknown = p;
		else if (!strcmp(v->string_value, "Ok"))
			ok = p;
		else if (!strcmp(v->string_value, "Missing"))
			nf = p;
	}
	assert_non_null(ok);
	assert_non_null(nf);
	assert_non_null(unknown);
	assert_attr_str(ok->attributes, ok->n_attributes, "rpc.service", "demo.Echo");
	assert_attr_int(ok->attributes, ok->n_attributes, "rpc.grpc.status_code", 0);
	assert_attr_int(nf->attributes, nf->n_attributes, "rpc.grpc.status_code", 5);
	/* not decoded: no service, method or status, nothing made up */
	assert_null(find_attr(unknown->attributes, unknown->n_attributes, "rpc.service"));
	assert_null(find_attr(unknown->attributes, unknown->n_attributes, "rpc.grpc.status_code"));
	assert_null(find_metric(req, "rpc.client.duration"));

	http = metric(req, "http.server.request.duration");
	assert_int_equal(http->histogram->n_data_points, 1); /* the gRPC calls are not in it */
	assert_attr_str(point(http, "/plain")->attributes, point(http, "/plain")->n_attributes,
			"network.protocol.version", "2");
	release(req);
	se_window_fini(&ew.w);
	se_otlp_metrics_fini(&m);
}

/* Cumulative totals of every loss counter over several windows. */
static void test_cumulative_dropped_totals(void **state)
{
	struct se_otlp_metrics m;
	struct se_export_window ew;
	pb_request *req;

	se_otlp_metrics_init(&m, false, NO_LIMIT, NO_TTL);
	for (unsigned int i = 0; i < 3; i++) {
		window_init(&ew, i, NO_LIMIT);
		fill_counters(&ew, i + 1); /* x1, x2, x3: totals x1, x3, x6 */
		req = encode(&m, &ew, no_failures, "tracepoint");
		assert_dropped(metric(req, "sockeye.dropped"), (i + 1) * (i + 2) / 2);
		assert_int_equal(metric(req, "sockeye.events")->sum->data_points[0]->as_int,
				 (SE_UC_EVENTS + 1) * 10 * (i + 1) * (i + 2) / 2);
		release(req);
		se_window_fini(&ew.w);
	}
	se_otlp_metrics_fini(&m);
}

static void test_delta_three_windows(void **state)
{
	static const uint64_t b3_buckets[12] = { 0, 0, 0, 0, 3 }; /* 3 x 42 ms */
	struct se_otlp_metrics m;
	struct se_export_window ew[3];
	const pb_metric *dur;
	pb_request *req;

	se_otlp_metrics_init(&m, true, NO_LIMIT, NO_TTL);
	three_windows(ew);
	for (unsigned int i = 0; i < 3; i++) {
		uint64_t start = T0 + i * WINDOW, end = start + WINDOW;

		req = encode(&m, &ew[i], no_failures, "tracepoint");
		dur = metric(req, "http.server.request.duration");
		assert_histogram(dur, "ms", DELTA, start, end);
		assert_histogram(metric(req, "http.server.request.body_size"), "By", DELTA, start,
				 end);
		assert_sum(metric(req, "sockeye.events"), DELTA, start, end);
		assert_sum(metric(req, "sockeye.dropped"), DELTA, start, end);
		assert_sum(metric(req, "sockeye.export.failures"), DELTA, start, end);
		assert_int_equal(metric(req, "sockeye.events")->sum->data_points[0]->as_int,
				 100 * (i + 1));
		assert_int_equal(sum_point(metric(req, "sockeye.dropped"),
					   se_kernel_counter_names[SE_KC_DROP_RING_FULL])
				     ->as_int,
				 i + 1);
		assert_int_equal(sum_point(metric(req, "sockeye.dropped"), "prog_missed")->as_int,
				 1);
		/* the window's own groups only */
		assert_int_equal(point(dur, "/b")->count, i + 1);
		if (i < 2)
			assert_int_equal(
			    point(metric(req, "http.client.request.duration"), "/up")->count, 1);
		else
			assert_null(find_metric(req, "http.client.request.duration"));
		if (i == 0) {
			assert_non_null(find_point(dur, "/a"));
			assert_null(find_point(dur, "/c"));
			assert_int_equal(dur->histogram->n_data_points, 2);
		} else if (i == 1) {
			assert_null(find_point(dur, "/a"));
			assert_int_equal(dur->histogram->n_data_points, 1);
		} else {
			assert_null(find_point(dur, "/a"));
			assert_non_null(find_point(dur, "/c"));
			assert_int_equal(dur->histogram->n_data_points, 2);
			assert_hist_values(point(dur, "/b"), &se_hist_http_duration, 3, 126.0, 42.0,
					   42.0, b3_buckets);
		}
		release(req);
	}
	for (unsigned int i = 0; i < 3; i++)
		se_window_fini(&ew[i].w);
	se_otlp_metrics_fini(&m);
}

/*
 * --max-groups 16 on the cumulative totals: 40 distinct paths (in a window that holds them
 * all) overflow the totals, and the overflow point takes the rest; no request is lost, in the
 * first window or in the next one with the same paths.
 */
/* A series no window counted into for the TTL ends (no longer exported); when its key comes
 * back it is a new series: counted from zero, starting with the window it came back in. */
static void test_cumulative_series_end_after_ttl(void **state)
{
	/* window: the paths counted in it; present: the series exported after it */
	static const struct {
		const char *paths[2];
		const char *present[2];
		const char *absent;
		uint64_t a_count, a_start;
	} steps[] = {
		{ { "/a", "/b" }, { "/a", "/b" }, NULL, 1, T0 },
		{ { "/b" }, { "/a", "/b" }, NULL, 1, T0 },
		{ { "/b" }, { "/b" }, "/a", 0, 0 }, /* /a: two windows without it */
		{ { "/a", "/b" }, { "/a", "/b" }, NULL, 1, T0 + 3 * WINDOW }, /* back: new series */
		{ { "/a", "/b" }, { "/a", "/b" }, NULL, 2, T0 + 3 * WINDOW },
	};
	struct se_otlp_metrics m;

	se_otlp_metrics_init(&m, false, NO_LIMIT, 2 * WINDOW);
	for (unsigned int w = 0; w < sizeof(steps) / sizeof(steps[0]); w++) {
		struct se_export_window ew;
		const pb_metric *dur;
		pb_request *req;

		window_init(&ew, w, NO_LIMIT);
		for (unsigned int i = 0; i < 2 && steps[w].paths[i]; i++)
			add_v4(&ew, SE_ROLE_SERVER, SE_HTTP_GET, 200, 0x0a000001, steps[w].paths[i],
			       2 * MS, 0);
		req = encode(&m, &ew, no_failures, "tracepoint");
		dur = metric(req, "http.server.request.duration");
		for (unsigned int i = 0; i < 2 && steps[w].present[i]; i++)
			assert_non_null(find_point(dur, steps[w].present[i]));
		if (steps[w].absent)
			assert_null(find_point(dur, steps[w].absent));
		if (steps[w].a_count) {
			assert_int_equal(point(dur, "/a")->count, steps[w].a_count);
			assert_int_equal(point(dur, "/a")->start_time_unix_nano, steps[w].a_start);
		}
		assert_int_equal(point(dur, "/b")->count, w + 1); /* every window: never ends */
		assert_int_equal(point(dur, "/b")->start_time_unix_nano, T0);
		release(req);
		se_window_fini(&ew.w);
	}
	se_otlp_metrics_fini(&m);
}

/* A burst of distinct paths fills the totals; once the TTL has passed without them, an
 * ordinary path gets a series of its own again instead of the overflow group's (with no
 * ending, every later series would be overflow until a restart). */
static void test_cumulative_totals_never_lock_out(void **state)
{
	struct se_otlp_metrics m;
	struct se_export_window ew;
	const pb_metric *dur;
	char path[32];
	pb_request *req;

	se_otlp_metrics_init(&m, false, 16, WINDOW);
	window_init(&ew, 0, NO_LIMIT);
	for (int i = 0; i < 1000; i++) {
		snprintf(path, sizeof(path), "/unique/%d", i);
		add_v4(&ew, SE_ROLE_SERVER, SE_HTTP_GET, 404, 0x0a000001, path, 2 * MS, 0);
	}
	req = encode(&m, &ew, no_failures, "tracepoint");
	assert_non_null(find_overflow_point(metric(req, "http.server.request.duration")));
	release(req);
	se_window_fini(&ew.w);
	for (unsigned int w = 1; w < 4; w++) {
		window_init(&ew, w, NO_LIMIT);
		add_v4(&ew, SE_ROLE_SERVER, SE_HTTP_GET, 200, 0x0a000001, "/ok", 2 * MS, 0);
		req = encode(&m, &ew, no_failures, "tracepoint");
		dur = metric(req, "http.server.request.duration");
		/* the burst's series (the overflow one too) ended: /ok alone, as itself */
		assert_int_equal(dur->histogram->n_data_points, 1);
		assert_int_equal(point(dur, "/ok")->count, w);
		assert_null(find_overflow_point(dur));
		release(req);
		se_window_fini(&ew.w);
	}
	se_otlp_metrics_fini(&m);
}

/* What --listen's page of a window takes (sinks/prometheus/prom_page.h), at the worst:
 * --max-groups HTTP groups with the longest paths and IPv6 peers, as many DNS groups with the
 * longest names, each histogram with every bucket used: within what the memory bound counts
 * (worker/memory.h). */
static void test_page_within_the_memory_bound(void **state)
{
	struct se_otlp_resource res = resource();
	struct se_otlp_metrics m;
	struct se_export_window ew;
	struct se_arena a;
	char name[SE_HTTP_PATH_MAX + 1]; /* a path, then a DNS name, of the longest kept */
	uint64_t groups = 0;

	_Static_assert(SE_DNS_NAME_MAX == SE_HTTP_PATH_MAX, "one buffer for both");

	(void)state;
	se_otlp_metrics_init(&m, false, NO_LIMIT, NO_TTL);
	window_init(&ew, 0, NO_LIMIT);
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (unsigned int i = 0; i < NO_LIMIT; i++) {
		snprintf(name, 8, "/%06u", i);
		name[7] = 'a';
		for (uint64_t d = 0; d < 12; d++)
			add_v6(&ew, SE_ROLE_SERVER, SE_HTTP_GET, 200, "2001:db8::1:2:3:4", name,
			       (1ull << (2 * d)) * MS / 2, 1ull << (2 * d));
		snprintf(name, 8, "%06u.", i);
		name[7] = 'a';
		for (uint64_t d = 0; d < 7; d++)
			add_dns(&ew, name, 1, 0, (1ull << (2 * d)) * MS / 2);
		groups += 2;
	}
	se_arena_init(&a);
	assert_non_null(se_otlp_metrics_build(&m, &res, &ew, no_failures, "tracepoint", &a));
	print_message("page of %llu groups: %zu bytes\n", (unsigned long long)groups,
		      se_arena_bytes(&a));
	assert_true(se_arena_bytes(&a) <=
		    groups * SE_MEMORY_PROM_PAGE_GROUP + SE_MEMORY_PROM_PAGE_FIXED);
	se_arena_fini(&a);
	se_window_fini(&ew.w);
	se_otlp_metrics_fini(&m);
}

static void test_max_groups_cumulative(void **state)
{
	struct se_otlp_metrics m;
	struct se_export_window ew;
	char path[32];

	se_otlp_metrics_init(&m, false, 16, NO_TTL);
	for (unsigned int w = 0; w < 2; w++) {
		const pb_metric *dur, *body;
		const pb_hist *over;
		uint64_t total = 0, body_total = 0;
		pb_request *req;

		window_init(&ew, w, NO_LIMIT);
		for (int i = 0; i < 40; i++) {
			snprintf(path, sizeof(path), "/item/%d", i);
			add_v4(&ew, SE_ROLE_SERVER, SE_HTTP_GET, 200, 0x0a000001, path, 2 * MS, 10);
		}
		assert_int_equal(se_http_part(ew.w.parts)->http.n, 40);
		req = encode(&m, &ew, no_failures, "tracepoint");
		dur = metric(req, "http.server.request.duration");
		body = metric(req, "http.server.request.body_size");
		assert_true(dur->histogram->n_data_points <= 16);
		assert_int_equal(body->histogram->n_data_points, dur->histogram->n_data_points);
		over = find_overflow_point(dur);
		assert_non_null(over);
		for (size_t i = 0; i < dur->histogram->n_data_points; i++) {
			const pb_hist *p = dur->histogram->data_points[i];

			total += p->count;
			body_total += body->histogram->data_points[i]->count;
			if (p != over) /* ordinary groups: one request per window each */
				assert_int_equal(p->count, w + 1);
		}
		assert_int_equal(total, 40 * (w + 1));
		assert_int_equal(body_total, 40 * (w + 1));
		assert_int_equal(over->count,
				 40 * (w + 1) - (dur->histogram->n_data_points - 1) * (w + 1));
		release(req);
		se_window_fini(&ew.w);
	}
	se_otlp_metrics_fini(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resource_and_scope),
		cmocka_unit_test(test_metric_list),
		cmocka_unit_test(test_dns_metrics),
		cmocka_unit_test(test_grpc_metrics),
		cmocka_unit_test(test_histogram_points),
		cmocka_unit_test(test_bounds_are_design_bounds),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_no_http_groups),
		cmocka_unit_test(test_overflow_group),
		cmocka_unit_test(test_gauges),
		cmocka_unit_test(test_events_and_dropped),
		cmocka_unit_test(test_export_failures),
		cmocka_unit_test(test_cumulative_three_windows),
		cmocka_unit_test(test_cumulative_dropped_totals),
		cmocka_unit_test(test_delta_three_windows),
		cmocka_unit_test(test_max_groups_cumulative),
		cmocka_unit_test(test_page_within_the_memory_bound),
		cmocka_unit_test(test_cumulative_series_end_after_ttl),
		cmocka_unit_test(test_cumulative_totals_never_lock_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

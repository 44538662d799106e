// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of OTLP metrics as a Prometheus exposition (src/sinks/prometheus/prom_text.c):
 * requests built with the same helpers the protocols' encoders use, rendered in both
 * formats and compared with the whole expected text: target_info from the resource, names
 * by OpenTelemetry's rules (sanitised, unit words, _total, annotations dropped, per_second,
 * a unit already in the name not repeated), milliseconds as seconds, label values escaped,
 * cumulative buckets with +Inf, delta points left out, one family per name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sinks/prometheus/prom_text.h"
#include "util/hist.h"
#include "util/otlp_build.h"
#include "util/otlp_metric.h"

typedef Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest pb_request;

#define CUMULATIVE                                                                                 \
	OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE
#define DELTA                                                                                      \
	OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_DELTA

struct fixture {
	struct se_arena a;
	struct se_otlp_metrics_out c;
	Opentelemetry__Proto__Metrics__V1__ScopeMetrics sm, *sms[1];
	Opentelemetry__Proto__Metrics__V1__ResourceMetrics rm, *rms[1];
	Opentelemetry__Proto__Resource__V1__Resource res;
	pb_request req;
};

static struct fixture *fixture_new(int temporality)
{
	struct fixture *f = calloc(1, sizeof(*f));

	se_arena_init(&f->a);
	f->c.a = &f->a;
	f->c.start_ns = 1;
	f->c.time_ns = 2;
	f->c.temporality = temporality;
	f->c.cap = 16;
	f->c.metrics = se_arena_alloc(&f->a, f->c.cap * sizeof(*f->c.metrics));
	opentelemetry__proto__resource__v1__resource__init(&f->res);
	opentelemetry__proto__metrics__v1__scope_metrics__init(&f->sm);
	opentelemetry__proto__metrics__v1__resource_metrics__init(&f->rm);
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__init(&f->req);
	return f;
}

static const pb_request *fixture_request(struct fixture *f)
{
	f->sm.metrics = f->c.metrics;
	f->sm.n_metrics = f->c.nmetrics;
	f->sms[0] = &f->sm;
	f->rm.resource = &f->res;
	f->rm.scope_metrics = f->sms;
	f->rm.n_scope_metrics = 1;
	f->rms[0] = &f->rm;
	f->req.resource_metrics = f->rms;
	f->req.n_resource_metrics = 1;
	assert_false(f->a.failed);
	return &f->req;
}

static void fixture_free(struct fixture *f)
{
	se_arena_fini(&f->a);
	free(f);
}

static char *render(const pb_request *req, enum se_prom_format fmt)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(se_prom_write(out, req, fmt), 0);
	fclose(out);
	return text;
}

static void assert_renders(const pb_request *req, enum se_prom_format fmt, const char *want)
{
	char *got = render(req, fmt);

	if (strcmp(got, want))
		fail_msg("rendered:\n%s\nwanted:\n%s", got, want);
	free(got);
}

/* bounds 1 and 5 ms, values 0.5, 3, 3 and 7 ms */
static const struct se_hist_bounds ms_bounds = { .n = 2,
						 .v = { 1000000, 5000000 },
						 .scale = 1000000 };

static void add_duration(struct fixture *f, se_pb_histogram *h, const char *path, bool overflow)
{
	struct se_hist hist = { 0 };
	struct se_otlp_attrs attrs;
	uint64_t values[] = { 500000, 3000000, 3000000, 7000000 };

	for (size_t i = 0; i < 4; i++)
		se_hist_add(&hist, &ms_bounds, values[i]);
	assert_int_equal(se_otlp_attrs_init(&f->a, &attrs, 4), 0);
	if (overflow) {
		se_otlp_attrs_add(&attrs, se_otlp_attr_bool(&f->a, "otel.metric.overflow", true));
	} else {
		se_otlp_attrs_add(&attrs, se_otlp_attr_str(&f->a, "http.request.method", "GET"));
		se_otlp_attrs_add(&attrs, se_otlp_attr_str(&f->a, "url.path", path));
		se_otlp_attrs_add(&attrs,
				  se_otlp_attr_int(&f->a, "http.response.status_code", 200));
	}
	assert_int_equal(se_otlp_histogram_add(&f->c, h, &hist, &ms_bounds, &attrs, 0), 0);
}

static void build_sample(struct fixture *f)
{
	static const char *const reasons[] = { "ring_full", "http_invalid" };
	static const uint64_t drops[] = { 0, 7 };
	struct se_otlp_attrs res;
	se_pb_histogram *h;
	Opentelemetry__Proto__Metrics__V1__Sum *lost;
	struct se_otlp_attrs attrs;

	assert_int_equal(se_otlp_attrs_init(&f->a, &res, 3), 0);
	se_otlp_attrs_add(&res, se_otlp_attr_str(&f->a, "service.name", "shop"));
	se_otlp_attrs_add(&res, se_otlp_attr_str(&f->a, "k8s.pod.name", "a\"b\\c"));
	se_otlp_attrs_add(&res, se_otlp_attr_int(&f->a, "process.pid", 42));
	f->res.attributes = res.v;
	f->res.n_attributes = res.n;

	h = se_otlp_histogram(&f->c, "http.server.request.duration", "Duration of HTTP requests.",
			      "ms", 2);
	add_duration(f, h, "/a \"q\"\n\\", false);
	add_duration(f, h, NULL, true);
	se_otlp_gauge(&f->c, "tcp.connections.active", "Watched TCP connections open.", 3, NULL);
	se_otlp_sum(&f->c, "sockeye.dropped", "Events lost,\nby \"reason\".", "reason", reasons,
		    drops, 2);
	lost = se_otlp_sum_new(&f->c, "dns.lookup.unanswered", "Unanswered.", "{query}", 1);
	assert_int_equal(se_otlp_attrs_init(&f->a, &attrs, 1), 0);
	se_otlp_attrs_add(&attrs, se_otlp_attr_str(&f->a, "dns.question.name", "svc.test"));
	assert_int_equal(se_otlp_sum_add(&f->c, lost, 5, &attrs, 0), 0);
}

static void test_text_format(void **state)
{
	struct fixture *f = fixture_new(CUMULATIVE);

	(void)state;
	build_sample(f);
	assert_renders(
	    fixture_request(f), SE_PROM_TEXT,
	    "# HELP target_info Target metadata\n"
	    "# TYPE target_info gauge\n"
	    "target_info{service_name=\"shop\",k8s_pod_name=\"a\\\"b\\\\c\",process_pid=\"42\"} 1\n"
	    "# HELP http_server_request_duration_seconds Duration of HTTP requests.\n"
	    "# TYPE http_server_request_duration_seconds histogram\n"
	    "http_server_request_duration_seconds_bucket{http_request_method=\"GET\",url_path=\"/a "
	    "\\\"q\\\"\\n\\\\\",http_response_status_code=\"200\",le=\"0.001\"} 1\n"
	    "http_server_request_duration_seconds_bucket{http_request_method=\"GET\",url_path=\"/a "
	    "\\\"q\\\"\\n\\\\\",http_response_status_code=\"200\",le=\"0.005\"} 3\n"
	    "http_server_request_duration_seconds_bucket{http_request_method=\"GET\",url_path=\"/a "
	    "\\\"q\\\"\\n\\\\\",http_response_status_code=\"200\",le=\"+Inf\"} 4\n"
	    "http_server_request_duration_seconds_sum{http_request_method=\"GET\",url_path=\"/a "
	    "\\\"q\\\"\\n\\\\\",http_response_status_code=\"200\"} 0.0135\n"
	    "http_server_request_duration_seconds_count{http_request_method=\"GET\",url_path=\"/a "
	    "\\\"q\\\"\\n\\\\\",http_response_status_code=\"200\"} 4\n"
	    "http_server_request_duration_seconds_bucket{otel_metric_overflow=\"true\",le=\"0."
	    "001\"} "
	    "1\n"
	    "http_server_request_duration_seconds_bucket{otel_metric_overflow=\"true\",le=\"0."
	    "005\"} "
	    "3\n"
	    "http_server_request_duration_seconds_bucket{otel_metric_overflow=\"true\",le=\"+Inf\"}"
	    " "
	    "4\n"
	    "http_server_request_duration_seconds_sum{otel_metric_overflow=\"true\"} 0.0135\n"
	    "http_server_request_duration_seconds_count{otel_metric_overflow=\"true\"} 4\n"
	    "# HELP tcp_connections_active Watched TCP connections open.\n"
	    "# TYPE tcp_connections_active gauge\n"
	    "tcp_connections_active 3\n"
	    "# HELP sockeye_dropped_total Events lost,\\nby \"reason\".\n"
	    "# TYPE sockeye_dropped_total counter\n"
	    "sockeye_dropped_total{reason=\"ring_full\"} 0\n"
	    "sockeye_dropped_total{reason=\"http_invalid\"} 7\n"
	    "# HELP dns_lookup_unanswered_total Unanswered.\n"
	    "# TYPE dns_lookup_unanswered_total counter\n"
	    "dns_lookup_unanswered_total{dns_question_name=\"svc.test\"} 5\n");
	fixture_free(f);
}

static void test_openmetrics_format(void **state)
{
	struct fixture *f = fixture_new(CUMULATIVE);
	char *got;

	(void)state;
	build_sample(f);
	got = render(fixture_request(f), SE_PROM_OPENMETRICS);
	/* info type, family names without _total, UNIT of families with one, le as floats,
	 * quotes escaped in HELP, # EOF last */
	assert_non_null(strstr(got, "# HELP target Target metadata\n# TYPE target info\n"
				    "target_info{service_name=\"shop\","));
	assert_non_null(strstr(got, "# TYPE http_server_request_duration_seconds histogram\n"
				    "# UNIT http_server_request_duration_seconds seconds\n"));
	assert_non_null(strstr(got, ",http_response_status_code=\"200\",le=\"0.001\"} 1\n"));
	assert_non_null(strstr(got, "# HELP sockeye_dropped Events lost,\\nby \\\"reason\\\".\n"
				    "# TYPE sockeye_dropped counter\n"
				    "sockeye_dropped_total{reason=\"ring_full\"} 0\n"));
	assert_non_null(strstr(got, "# TYPE tcp_connections_active gauge\ntcp_connections_active"));
	assert_null(strstr(got, "# UNIT tcp_connections_active"));
	assert_null(strstr(got, "# UNIT dns_lookup_unanswered"));
	assert_true(strlen(got) > 6 && !strcmp(got + strlen(got) - 6, "# EOF\n"));
	free(got);
	fixture_free(f);
}

/* Integral bounds are floats in OpenMetrics (le="1.0"), as they are written in text (le="1"). */
static void test_integral_bounds(void **state)
{
	static const struct se_hist_bounds bytes = { .n = 2, .v = { 100, 1000 }, .scale = 1 };
	struct fixture *f = fixture_new(CUMULATIVE);
	struct se_hist hist = { 0 };
	struct se_otlp_attrs none = { 0 };
	se_pb_histogram *h =
	    se_otlp_histogram(&f->c, "http.server.request.body_size", "Bodies.", "By", 1);
	char *text, *om;

	(void)state;
	se_hist_add(&hist, &bytes, 2000);
	assert_int_equal(se_otlp_histogram_add(&f->c, h, &hist, &bytes, &none, 0), 0);
	text = render(fixture_request(f), SE_PROM_TEXT);
	om = render(fixture_request(f), SE_PROM_OPENMETRICS);
	assert_string_equal(text, "# HELP http_server_request_body_size_bytes Bodies.\n"
				  "# TYPE http_server_request_body_size_bytes histogram\n"
				  "http_server_request_body_size_bytes_bucket{le=\"100\"} 0\n"
				  "http_server_request_body_size_bytes_bucket{le=\"1000\"} 0\n"
				  "http_server_request_body_size_bytes_bucket{le=\"+Inf\"} 1\n"
				  "http_server_request_body_size_bytes_sum 2000\n"
				  "http_server_request_body_size_bytes_count 1\n");
	assert_non_null(strstr(om, "_bucket{le=\"100.0\"} 0\n"));
	assert_non_null(strstr(om, "_bucket{le=\"+Inf\"} 1\n"));
	free(text);
	free(om);
	fixture_free(f);
}

/* Names: characters outside the set, a leading digit, units in words, per_second, a unit the
 * name has already, a counter named with _total; metrics of one name are one family. */
static void test_names(void **state)
{
	static const char *const one[] = { "x" };
	static const uint64_t v[] = { 1 };
	struct fixture *f = fixture_new(CUMULATIVE);
	Opentelemetry__Proto__Metrics__V1__Sum *s;
	struct se_otlp_attrs attrs;

	(void)state;
	s = se_otlp_sum_new(&f->c, "net.io", "Bytes.", "By", 1);
	assert_int_equal(se_otlp_attrs_init(&f->a, &attrs, 1), 0);
	se_otlp_attrs_add(&attrs, se_otlp_attr_str(&f->a, "9lives", "a"));
	assert_int_equal(se_otlp_sum_add(&f->c, s, 10, &attrs, 0), 0);
	se_otlp_sum_new(&f->c, "2xx--rate/é", "Rate.", "{request}/s", 1)->is_monotonic = false;
	se_otlp_sum_new(&f->c, "disk.bytes", "Already bytes.", "By", 1);
	se_otlp_sum(&f->c, "jobs.done_total", "Done.", "k", one, v, 1);
	s = se_otlp_sum_new(&f->c, "net.io", "Bytes.", "By", 1);
	assert_int_equal(se_otlp_sum_add(&f->c, s, 20, &attrs, 0), 0);
	assert_renders(fixture_request(f), SE_PROM_TEXT,
		       "# HELP net_io_bytes_total Bytes.\n"
		       "# TYPE net_io_bytes_total counter\n"
		       "net_io_bytes_total{_9lives=\"a\"} 10\n"
		       "net_io_bytes_total{_9lives=\"a\"} 20\n"
		       "# HELP _2xx_rate_per_second Rate.\n"
		       "# TYPE _2xx_rate_per_second gauge\n"
		       "# HELP disk_bytes_total Already bytes.\n"
		       "# TYPE disk_bytes_total counter\n"
		       "# HELP jobs_done_total Done.\n"
		       "# TYPE jobs_done_total counter\n"
		       "jobs_done_total{k=\"x\"} 1\n");
	fixture_free(f);
}

/* Delta sums and histograms have no Prometheus type: left out; gauges stay. */
static void test_delta_left_out(void **state)
{
	static const uint64_t v[] = { 4 };
	struct fixture *f = fixture_new(DELTA);
	struct se_hist hist = { 0 };
	struct se_otlp_attrs none = { 0 };

	(void)state;
	se_otlp_sum(&f->c, "sockeye.events", "Events.", NULL, NULL, v, 1);
	assert_int_equal(se_otlp_histogram_add(&f->c, se_otlp_histogram(&f->c, "d", "D.", "ms", 1),
					       &hist, &ms_bounds, &none, 0),
			 0);
	se_otlp_gauge(&f->c, "g", "G.", -2, NULL);
	assert_renders(fixture_request(f), SE_PROM_OPENMETRICS,
		       "# HELP g G.\n# TYPE g gauge\ng -2\n# EOF\n");
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_format),	cmocka_unit_test(test_openmetrics_format),
		cmocka_unit_test(test_integral_bounds), cmocka_unit_test(test_names),
		cmocka_unit_test(test_delta_left_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

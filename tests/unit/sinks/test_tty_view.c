// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the terminal view (src/sinks/tty/tty_view.c): a window's metrics built with
 * the encoders' helpers and drawn: requests a second and error shares per method and path
 * (statuses and peers added up, a server's 5xx and a client's 4xx failing), quantiles
 * interpolated in the buckets narrowed to min and max, the top rows by count, DNS
 * answers and unanswered queries together, the losses that counted, and names from the
 * network shown without their control bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sinks/tty/tty_view.h"
#include "util/clock.h"
#include "util/hist.h"
#include "util/otlp_build.h"
#include "util/otlp_metric.h"

#define DELTA                                                                                      \
	OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_DELTA
#define MS SE_NS_PER_MS

struct fixture {
	struct se_arena a;
	struct se_otlp_metrics_out c;
	Opentelemetry__Proto__Metrics__V1__ScopeMetrics sm, *sms[1];
	Opentelemetry__Proto__Metrics__V1__ResourceMetrics rm, *rms[1];
	Opentelemetry__Proto__Common__V1__InstrumentationScope scope;
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest req;
};

/* 1, 5, 10 ms */
static const struct se_hist_bounds bounds = { .n = 3, .v = { MS, 5 * MS, 10 * MS }, .scale = MS };

static struct fixture *fixture_new(void)
{
	struct fixture *f = calloc(1, sizeof(*f));

	se_arena_init(&f->a);
	f->c.a = &f->a;
	f->c.temporality = DELTA;
	f->c.cap = 16;
	f->c.metrics = se_arena_alloc(&f->a, f->c.cap * sizeof(*f->c.metrics));
	opentelemetry__proto__common__v1__instrumentation_scope__init(&f->scope);
	f->scope.name = (char *)"sockeye";
	f->scope.version = (char *)"9.9.9";
	opentelemetry__proto__metrics__v1__scope_metrics__init(&f->sm);
	opentelemetry__proto__metrics__v1__resource_metrics__init(&f->rm);
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__init(&f->req);
	return f;
}

static char *draw(struct fixture *f)
{
	/* 2026-01-01T00:00:05Z to 00:00:10Z: five seconds */
	struct se_tty_frame frame = { .start_ns = 1767225605ull * SE_NS_PER_S,
				      .end_ns = 1767225610ull * SE_NS_PER_S,
				      .cpu_percent = 0.25,
				      .rss_bytes = 41ull << 20 };
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	f->sm.scope = &f->scope;
	f->sm.metrics = f->c.metrics;
	f->sm.n_metrics = f->c.nmetrics;
	f->sms[0] = &f->sm;
	f->rm.scope_metrics = f->sms;
	f->rm.n_scope_metrics = 1;
	f->rms[0] = &f->rm;
	f->req.resource_metrics = f->rms;
	f->req.n_resource_metrics = 1;
	assert_false(f->a.failed);
	assert_int_equal(se_tty_render(out, &f->req, &frame), 0);
	fclose(out);
	return text;
}

static void fixture_free(struct fixture *f)
{
	se_arena_fini(&f->a);
	free(f);
}

/* n requests of path with status, each taking ms milliseconds. */
static void add_http(struct fixture *f, se_pb_histogram *h, const char *path, int status,
		     uint64_t n, uint64_t ms)
{
	struct se_hist hist = { 0 };
	struct se_otlp_attrs attrs;

	for (uint64_t i = 0; i < n; i++)
		se_hist_add(&hist, &bounds, ms * MS);
	assert_int_equal(se_otlp_attrs_init(&f->a, &attrs, 4), 0);
	se_otlp_attrs_add(&attrs, se_otlp_attr_str(&f->a, "http.request.method", "GET"));
	se_otlp_attrs_add(&attrs, se_otlp_attr_str(&f->a, "url.path", path));
	if (status)
		se_otlp_attrs_add(&attrs,
				  se_otlp_attr_int(&f->a, "http.response.status_code", status));
	se_otlp_attrs_add(&attrs, se_otlp_attr_str(&f->a, "network.peer.address", "10.0.0.1"));
	assert_int_equal(se_otlp_histogram_add(&f->c, h, &hist, &bounds, &attrs, 0), 0);
}

static const char *line_of(const char *text, const char *start)
{
	const char *p = strstr(text, start);

	if (!p)
		fail_msg("no line starting with '%s' in:\n%s", start, text);
	return p;
}

static void assert_line(const char *text, const char *want)
{
	const char *p = line_of(text, want);
	size_t n = strcspn(p, "\n");

	if (n != strlen(want) || strncmp(p, want, n))
		fail_msg("wanted the line\n%s\nin:\n%s", want, text);
}

static void test_http_rows(void **state)
{
	struct fixture *f = fixture_new();
	se_pb_histogram *h =
	    se_otlp_histogram(&f->c, "http.server.request.duration", "D.", "ms", 4);
	char *text, row[160];

	(void)state;
	add_http(f, h, "/ok", 200, 40, 3);     /* 40 in (1, 5] */
	add_http(f, h, "/ok", 503, 10, 7);     /* 10 in (5, 10] */
	add_http(f, h, "/missing", 404, 5, 0); /* 5 at 0 ms: (0, 1] */
	add_http(f, h, "/cut", 0, 1, 20);      /* no response: a failure, beyond the bounds */
	text = draw(f);
	assert_non_null(strstr(text, "sockeye 9.9.9   00:00:05-00:00:10 UTC (5 s)   CPU 0.2 %   "
				     "RSS 41 MiB\n"));
	/* 50 requests in 5 s, 10 of them 5xx; p50 at rank 25 of the 40 in (1, 5], narrowed to
	 * (3, 5] by the min: 3 + 2 * 25 / 40; p99 at rank 49.5, the 9.5th of the 10 in (5, 10],
	 * narrowed to (5, 7] by the max: 5 + 2 * 9.5 / 10 */
	snprintf(row, sizeof(row), "%-64s %9.1f %6.1f %8.2f %8.2f", "GET /ok", 10.0, 20.0, 4.25,
		 6.9);
	assert_line(text, row);
	/* a 404 is no server error; every one 0 ms: the bucket narrowed to [0, 0] */
	snprintf(row, sizeof(row), "%-64s %9.1f %6.1f %8.2f %8.2f", "GET /missing", 1.0, 0.0, 0.0,
		 0.0);
	assert_line(text, row);
	snprintf(row, sizeof(row), "%-64s %9.1f %6.1f %8.2f %8.2f", "GET /cut", 0.2, 100.0, 20.0,
		 20.0);
	assert_line(text, row);
	/* by count, most first */
	assert_true(line_of(text, "GET /ok") < line_of(text, "GET /missing"));
	assert_true(line_of(text, "GET /missing") < line_of(text, "GET /cut"));
	assert_null(strstr(text, "HTTP client"));
	assert_non_null(strstr(text, "\ndropped: none\n"));
	free(text);
	fixture_free(f);
}

/* A client's 4xx fail too; more than SE_TTY_TOP names: the rest counted, not listed. */
static void test_client_top_rows(void **state)
{
	struct fixture *f = fixture_new();
	se_pb_histogram *h =
	    se_otlp_histogram(&f->c, "http.client.request.duration", "D.", "ms", SE_TTY_TOP + 3);
	char *text, path[16], row[160];

	(void)state;
	for (int i = 0; i < SE_TTY_TOP + 3; i++) {
		snprintf(path, sizeof(path), "/p%02d", i);
		add_http(f, h, path, i ? 200 : 404, 100 - (uint64_t)i, 2);
	}
	text = draw(f);
	snprintf(row, sizeof(row), "%-64s %9.1f %6.1f", "GET /p00", 20.0, 100.0);
	assert_non_null(strstr(line_of(text, "HTTP client"), row));
	assert_non_null(strstr(text, "GET /p07 "));
	assert_null(strstr(text, "GET /p08 "));
	assert_non_null(strstr(text, "(3 more)\n"));
	free(text);
	fixture_free(f);
}

/* Escape sequences in a path are shown as '?': the terminal is not driven by the traffic. */
static void test_control_bytes(void **state)
{
	struct fixture *f = fixture_new();
	se_pb_histogram *h =
	    se_otlp_histogram(&f->c, "http.server.request.duration", "D.", "ms", 1);
	char *text;

	(void)state;
	add_http(f, h, "/\033[2J\033]0;x\007\xc2\x9b", 200, 1, 1);
	text = draw(f);
	assert_non_null(strstr(text, "GET /?[2J?]0;x???"));
	/* the only escape is the view's own clear, and the frame asked for none */
	assert_null(strchr(text, '\033'));
	free(text);
	fixture_free(f);
}

/* DNS: answers other than NOERROR and queries never answered fail; losses by reason. */
static void test_dns_and_losses(void **state)
{
	static const char *const reasons[] = { "ring_full", "http_invalid", "dns_malformed" };
	static const uint64_t drops[] = { 3, 0, 2 };
	struct fixture *f = fixture_new();
	se_pb_histogram *h = se_otlp_histogram(&f->c, "dns.resolution.duration", "D.", "ms", 2);
	Opentelemetry__Proto__Metrics__V1__Sum *lost =
	    se_otlp_sum_new(&f->c, "dns.queries.unanswered", "U.", "{query}", 1);
	const char *rcodes[] = { "NOERROR", "NXDOMAIN" };
	char *text, row[160];

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct se_hist hist = { 0 };
		struct se_otlp_attrs attrs;

		for (int k = 0; k < 4; k++)
			se_hist_add(&hist, &bounds, 2 * MS);
		assert_int_equal(se_otlp_attrs_init(&f->a, &attrs, 3), 0);
		se_otlp_attrs_add(&attrs, se_otlp_attr_str(&f->a, "dns.question.name", "svc.test"));
		se_otlp_attrs_add(&attrs, se_otlp_attr_str(&f->a, "dns.question.type", "A"));
		se_otlp_attrs_add(&attrs, se_otlp_attr_str(&f->a, "dns.response_code", rcodes[i]));
		assert_int_equal(se_otlp_histogram_add(&f->c, h, &hist, &bounds, &attrs, 0), 0);
		if (!i)
			assert_int_equal(se_otlp_sum_add(&f->c, lost, 2, &attrs, 0), 0);
	}
	se_otlp_sum(&f->c, "sockeye.dropped", "L.", "reason", reasons, drops, 3);
	text = draw(f);
	/* 4 answered, 4 NXDOMAIN, 2 never answered: 10 queries, 6 failed */
	snprintf(row, sizeof(row), "%-64s %9.1f %6.1f", "svc.test A", 2.0, 60.0);
	assert_non_null(strstr(line_of(text, "DNS queries"), row));
	assert_non_null(strstr(text, "\ndropped: ring_full 3, dns_malformed 2\n"));
	free(text);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_rows),
		cmocka_unit_test(test_client_top_rows),
		cmocka_unit_test(test_control_bytes),
		cmocka_unit_test(test_dns_and_losses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of request heads to sockeye's endpoint (src/serve/http_request.c): method, path
 * without its query, a head that is not complete yet, malformed and too long ones, and the
 * format Accept asks for, as Prometheus, curl and browsers send it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "serve/http_request.h"

static enum se_http_parse parse(const char *s, struct se_http_request *r)
{
	return se_http_request_parse(s, strlen(s), r);
}

static void test_request_line(void **state)
{
	struct se_http_request r;

	(void)state;
	assert_int_equal(parse("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n", &r), SE_HTTP_PARSE_DONE);
	assert_int_equal(r.method, SE_HTTP_GET);
	assert_string_equal(r.path, "/readyz");
	assert_false(r.openmetrics);
	assert_true(r.chunked_ok);
	assert_int_equal(parse("HEAD /metrics?x=1&y HTTP/1.0\n\n", &r), SE_HTTP_PARSE_DONE);
	assert_false(r.chunked_ok);
	assert_int_equal(r.method, SE_HTTP_HEAD);
	assert_string_equal(r.path, "/metrics");
	assert_int_equal(parse("POST /healthz HTTP/1.1\r\n\r\n", &r), SE_HTTP_PARSE_DONE);
	assert_int_equal(r.method, SE_HTTP_OTHER);
	assert_int_equal(parse("get /healthz HTTP/1.1\r\n\r\n", &r), SE_HTTP_PARSE_DONE);
	assert_int_equal(r.method, SE_HTTP_OTHER); /* methods are case-sensitive */
}

static void test_long_path_is_cut(void **state)
{
	char head[256];
	struct se_http_request r;

	(void)state;
	memset(head, 0, sizeof(head));
	strcpy(head, "GET /");
	memset(head + 5, 'a', 100);
	strcat(head, " HTTP/1.1\r\n\r\n");
	assert_int_equal(parse(head, &r), SE_HTTP_PARSE_DONE);
	assert_int_equal(strlen(r.path), SE_HTTP_REQUEST_PATH_MAX - 1);
}

static void test_incomplete_and_malformed(void **state)
{
	static char big[SE_HTTP_REQUEST_HEAD_MAX + 10];
	struct se_http_request r;

	(void)state;
	assert_int_equal(parse("", &r), SE_HTTP_PARSE_MORE);
	assert_int_equal(parse("GET /readyz HTTP/1.1\r\nHost: x\r\n", &r), SE_HTTP_PARSE_MORE);
	assert_int_equal(parse("GET /readyz\r\n\r\n", &r), SE_HTTP_PARSE_MALFORMED);
	assert_int_equal(parse("GET  HTTP/1.1\r\n\r\n", &r), SE_HTTP_PARSE_MALFORMED);
	assert_int_equal(parse("GET / SPDY/3\r\n\r\n", &r), SE_HTTP_PARSE_MALFORMED);
	assert_int_equal(parse("\r\n\r\n", &r), SE_HTTP_PARSE_MALFORMED);
	assert_int_equal(parse("GET\r\n\r\n", &r), SE_HTTP_PARSE_MALFORMED);
	assert_int_equal(parse("GET /re\radyz HTTP/1.1\r\n\r\n", &r), SE_HTTP_PARSE_MALFORMED);
	memset(big, 'a', sizeof(big) - 1);
	assert_int_equal(parse(big, &r), SE_HTTP_PARSE_TOO_LONG);
	/* an end past the limit does not count */
	memcpy(big + SE_HTTP_REQUEST_HEAD_MAX, "\r\n\r\n", 4);
	assert_int_equal(se_http_request_parse(big, SE_HTTP_REQUEST_HEAD_MAX + 4, &r),
			 SE_HTTP_PARSE_TOO_LONG);
}

static bool wants_openmetrics(const char *accept)
{
	char head[512];
	struct se_http_request r;

	snprintf(head, sizeof(head), "GET /metrics HTTP/1.1\r\nAccept: %s\r\n\r\n", accept);
	assert_int_equal(parse(head, &r), SE_HTTP_PARSE_DONE);
	return r.openmetrics;
}

static void test_accept(void **state)
{
	(void)state;
	/* Prometheus 2.x */
	assert_true(wants_openmetrics("application/openmetrics-text;version=1.0.0,application/"
				      "openmetrics-text;version=0.0.1;q=0.75,text/plain;version="
				      "0.0.4;q=0.5,*/*;q=0.1"));
	assert_true(wants_openmetrics("application/openmetrics-text"));
	assert_true(wants_openmetrics("Application/OpenMetrics-Text; version=1.0.0"));
	/* text preferred, or as good */
	assert_false(wants_openmetrics("text/plain;version=0.0.4;q=1,application/openmetrics-text;"
				       "q=0.5"));
	assert_false(wants_openmetrics("application/openmetrics-text;q=0.5, */*"));
	assert_false(wants_openmetrics("*/*"));
	assert_false(wants_openmetrics("text/html,application/xhtml+xml,*/*;q=0.8"));
	assert_false(wants_openmetrics("application/openmetrics-text;q=0"));
	assert_false(wants_openmetrics("application/openmetrics-textual"));
	assert_true(wants_openmetrics("text/plain;q=0.2, application/openmetrics-text;q=0.9"));
	assert_true(wants_openmetrics("*/*;q=0.1, application/openmetrics-text;q=0.5"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_line),
		cmocka_unit_test(test_long_path_is_cut),
		cmocka_unit_test(test_incomplete_and_malformed),
		cmocka_unit_test(test_accept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

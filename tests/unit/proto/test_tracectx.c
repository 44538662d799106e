// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of trace context extraction and generation (src/proto/tracectx.c). Heads are
 * built from request text with the real parser, so header names and values arrive as the
 * tracker will see them (case as sent, values trimmed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/http1/http1.h"
#include "proto/tracectx.h"

#define TID    "4bf92f3577b34da6a3ce929d0e0e4736"
#define TID64  "a3ce929d0e0e4736"
#define SID    "00f067aa0ba902b7"
#define PSID   "0102030405060708"
#define ZERO32 "00000000000000000000000000000000"
#define ZERO16 "0000000000000000"

static const uint8_t tid_bytes[16] = { 0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
				       0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36 };
static const uint8_t tid64_bytes[16] = { 0,    0,    0,	   0,	 0,    0,    0,	   0,
					 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36 };
static const uint8_t sid_bytes[8] = { 0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7 };

static char text[2048];
static struct se_http1_head head;

/* Parse "GET / HTTP/1.1" with the given header lines (each ending in \r\n). */
static const struct se_http1_head *req(const char *headers)
{
	int n = snprintf(text, sizeof(text), "GET / HTTP/1.1\r\nHost: h\r\n%s\r\n", headers);

	assert_true(n > 0 && (size_t)n < sizeof(text));
	assert_int_equal(se_http1_parse_head((const uint8_t *)text, (size_t)n, true, &head, NULL),
			 SE_PARSE_OK);
	return &head;
}

static struct se_trace_ctx extract_ok(const char *headers, enum se_trace_source source)
{
	struct se_trace_ctx c;

	memset(&c, 0xee, sizeof(c));
	if (!se_tracectx_extract(req(headers), &c))
		fail_msg("no trace context in:\n%s", headers);
	assert_int_equal(c.source, source);
	return c;
}

static void extract_none(const char *headers)
{
	struct se_trace_ctx c;

	if (se_tracectx_extract(req(headers), &c))
		fail_msg("unexpected trace context (source %u) in:\n%s", c.source, headers);
}

static void test_w3c_valid(void **state)
{
	struct se_trace_ctx c = extract_ok("traceparent: 00-" TID "-" SID "-01\r\n", SE_TRACE_W3C);

	assert_memory_equal(c.trace_id, tid_bytes, 16);
	assert_memory_equal(c.span_id, sid_bytes, 8);
	assert_int_equal(c.flags, 1);
	c = extract_ok("TraceParent:  00-" TID "-" SID "-00 \r\n", SE_TRACE_W3C);
	assert_int_equal(c.flags, 0);
	c = extract_ok("TRACEPARENT: 00-" TID "-" SID "-03\r\n", SE_TRACE_W3C);
	assert_int_equal(c.flags, 3); /* the whole trace-flags byte is kept */
	/* A future version: the first 55 characters parse as version 00. */
	c = extract_ok("traceparent: 01-" TID "-" SID "-01\r\n", SE_TRACE_W3C);
	assert_memory_equal(c.trace_id, tid_bytes, 16);
	extract_ok("traceparent: cc-" TID "-" SID "-01-what-the-future-holds\r\n", SE_TRACE_W3C);
}

static void test_w3c_invalid(void **state)
{
	static const char *const bad[] = {
		"00-" ZERO32 "-" SID "-01",			  /* zero trace id */
		"00-" TID "-" ZERO16 "-01",			  /* zero span id */
		"ff-" TID "-" SID "-01",			  /* version ff */
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-" SID "-01", /* uppercase */
		"00-" TID "-00F067AA0BA902B7-01",		  /* uppercase */
		"00-" TID "-" SID "-0A",			  /* uppercase */
		"0A-" TID "-" SID "-01",			  /* uppercase version */
		"00-" TID "-" SID "-01-extra",			  /* version 00 is exactly 55 */
		"00-" TID "-" SID "-1",				  /* short */
		"00-" TID "-" SID,				  /* short */
		"00_" TID "-" SID "-01",			  /* separator */
		"00-" TID "_" SID "-01",			  /* separator */
		"00-" TID "-" SID "_01",			  /* separator */
		"01-" TID "-" SID "-01x", /* future version: 56th must be '-' */
		"00-" TID "-" SID "-0g",  /* not hex */
		"0-0" TID "-" SID "-01",  /* misplaced separator */
		"",
	};
	char line[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "traceparent: %s\r\n", bad[i]);
		extract_none(line);
	}
	extract_none("");
	extract_none("trace-parent: 00-" TID "-" SID "-01\r\n");
}

static void test_b3_single(void **state)
{
	struct se_trace_ctx c =
	    extract_ok("b3: " TID "-" SID "-1-" PSID "\r\n", SE_TRACE_B3_SINGLE);

	assert_memory_equal(c.trace_id, tid_bytes, 16);
	assert_memory_equal(c.span_id, sid_bytes, 8);
	assert_int_equal(c.flags, 1);
	c = extract_ok("B3: " TID64 "-" SID "\r\n", SE_TRACE_B3_SINGLE);
	assert_memory_equal(c.trace_id, tid64_bytes, 16); /* right-aligned */
	assert_int_equal(c.flags, 0);			  /* deferred */
	c = extract_ok("b3: " TID "-" SID "-d\r\n", SE_TRACE_B3_SINGLE);
	assert_int_equal(c.flags, 1);
	c = extract_ok("b3: " TID "-" SID "-0\r\n", SE_TRACE_B3_SINGLE);
	assert_int_equal(c.flags, 0);
	/* Uppercase hex is accepted for B3 (leniently; the spec says lowercase). */
	c = extract_ok("b3: 4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-1\r\n",
		       SE_TRACE_B3_SINGLE);
	assert_memory_equal(c.trace_id, tid_bytes, 16);
	assert_memory_equal(c.span_id, sid_bytes, 8);

	static const char *const bad[] = {
		"0",
		"1",
		"d",					/* sampling state alone: no ids */
		TID,					/* no span */
		TID "-",				/* empty span */
		TID "-" SID "-",			/* empty sampling state */
		TID "-" SID "-x",			/* bad sampling state */
		TID "-" SID "-11",			/* bad sampling state */
		TID "-" SID "-1-",			/* empty parent */
		TID "-" SID "-1-0102",			/* short parent */
		TID "-" SID "-1-" ZERO16,		/* zero parent */
		"4bf92f3577b34da6a3ce929d0e0e473-" SID, /* 31 hex */
		"a3ce929d0e0e473-" SID,			/* 15 hex */
		ZERO32 "-" SID,				/* zero trace id */
		TID "-" ZERO16,				/* zero span id */
		TID "-00f067aa0ba902b-1",		/* 15 hex span */
		TID "-" SID "-1-" PSID "-x",		/* extra field */
		"g" TID64 "-" SID,
	};
	char line[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "b3: %s\r\n", bad[i]);
		extract_none(line);
	}
}

static void test_b3_multi(void **state)
{
	struct se_trace_ctx c =
	    extract_ok("X-B3-TraceId: " TID "\r\nX-B3-SpanId: " SID "\r\nX-B3-Sampled: 1\r\n",
		       SE_TRACE_B3_MULTI);

	assert_memory_equal(c.trace_id, tid_bytes, 16);
	assert_memory_equal(c.span_id, sid_bytes, 8);
	assert_int_equal(c.flags, 1);
	c = extract_ok("x-b3-traceid: " TID64 "\r\nx-b3-spanid: " SID "\r\nx-b3-parentspanid: " PSID
		       "\r\n",
		       SE_TRACE_B3_MULTI);
	assert_memory_equal(c.trace_id, tid64_bytes, 16);
	assert_int_equal(c.flags, 0);
	c = extract_ok("X-B3-TraceId: " TID "\r\nX-B3-SpanId: " SID "\r\nX-B3-Sampled: true\r\n",
		       SE_TRACE_B3_MULTI);
	assert_int_equal(c.flags, 1);
	c = extract_ok("X-B3-TraceId: " TID "\r\nX-B3-SpanId: " SID "\r\nX-B3-Sampled: false\r\n",
		       SE_TRACE_B3_MULTI);
	assert_int_equal(c.flags, 0);
	c = extract_ok("X-B3-TraceId: " TID "\r\nX-B3-SpanId: " SID "\r\nX-B3-Sampled: 0\r\n",
		       SE_TRACE_B3_MULTI);
	assert_int_equal(c.flags, 0);
	c = extract_ok("X-B3-Sampled: 0\r\nX-B3-Flags: 1\r\nX-B3-SpanId: " SID
		       "\r\nX-B3-TraceId: " TID "\r\n",
		       SE_TRACE_B3_MULTI);
	assert_int_equal(c.flags, 1); /* debug implies sampled */
	/* A malformed sampling header is ignored as if absent; the ids still count. */
	c = extract_ok("X-B3-TraceId: " TID "\r\nX-B3-SpanId: " SID "\r\nX-B3-Sampled: yes\r\n",
		       SE_TRACE_B3_MULTI);
	assert_int_equal(c.flags, 0);

	extract_none("X-B3-TraceId: " TID "\r\n");
	extract_none("X-B3-SpanId: " SID "\r\n");
	extract_none("X-B3-TraceId: " TID "x\r\nX-B3-SpanId: " SID "\r\n");
	extract_none("X-B3-TraceId: " TID "\r\nX-B3-SpanId: " SID "0\r\n");
	extract_none("X-B3-TraceId: " ZERO32 "\r\nX-B3-SpanId: " SID "\r\n");
	extract_none("X-B3-TraceId: " TID "\r\nX-B3-SpanId: " ZERO16 "\r\n");
}

static void test_precedence(void **state)
{
	struct se_trace_ctx c;

	/* W3C over B3 single over B3 multi, whatever the order of the headers. */
	c = extract_ok("X-B3-TraceId: " TID64 "\r\nX-B3-SpanId: " PSID "\r\nb3: " TID64 "-" PSID
		       "\r\ntraceparent: 00-" TID "-" SID "-01\r\n",
		       SE_TRACE_W3C);
	assert_memory_equal(c.trace_id, tid_bytes, 16);
	c = extract_ok("X-B3-TraceId: " TID64 "\r\nX-B3-SpanId: " PSID "\r\nb3: " TID "-" SID
		       "\r\n",
		       SE_TRACE_B3_SINGLE);
	assert_memory_equal(c.trace_id, tid_bytes, 16);
	/* A malformed header is ignored, the next kind is used. */
	c = extract_ok("traceparent: 00-" ZERO32 "-" SID "-01\r\nb3: " TID "-" SID "\r\n",
		       SE_TRACE_B3_SINGLE);
	c = extract_ok("b3: 0\r\nX-B3-TraceId: " TID "\r\nX-B3-SpanId: " SID "\r\n",
		       SE_TRACE_B3_MULTI);
	/* The first header of a name counts. */
	c = extract_ok("traceparent: 00-" TID "-" SID "-01\r\ntraceparent: 00-" TID "-" PSID
		       "-01\r\n",
		       SE_TRACE_W3C);
	assert_memory_equal(c.span_id, sid_bytes, 8);
}

/* A header past SE_HTTP1_HEADERS_MAX is not kept, so it cannot be seen. */
static void test_not_kept(void **state)
{
	static char hdrs[1800];
	size_t n = 0;

	for (int i = 0; i < SE_HTTP1_HEADERS_MAX; i++)
		n += (size_t)snprintf(hdrs + n, sizeof(hdrs) - n, "A%d: b\r\n", i);
	snprintf(hdrs + n, sizeof(hdrs) - n, "traceparent: 00-" TID "-" SID "-01\r\n");
	extract_none(hdrs);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

#define GENERATED 2000

static void test_generate(void **state)
{
	static struct se_trace_ctx ids[GENERATED];
	uint64_t rng[4], other[4];

	se_tracectx_seed(rng);
	assert_false(all_zero((const uint8_t *)rng, sizeof(rng)));
	se_tracectx_seed(other);
	assert_memory_not_equal(rng, other, sizeof(rng));
	for (int i = 0; i < GENERATED; i++) {
		se_tracectx_generate(rng, &ids[i]);
		assert_false(all_zero(ids[i].trace_id, 16));
		assert_true(all_zero(ids[i].span_id, 8));
		assert_int_equal(ids[i].flags, 1);
		assert_int_equal(ids[i].source, SE_TRACE_GENERATED);
		for (int k = 0; k < i; k++)
			assert_memory_not_equal(ids[i].trace_id, ids[k].trace_id, 16);
	}
	/* An all-zero state (never seeded) must not make all-zero ids forever. */
	memset(rng, 0, sizeof(rng));
	se_tracectx_generate(rng, &ids[0]);
	se_tracectx_generate(rng, &ids[1]);
	assert_false(all_zero(ids[0].trace_id, 16));
	assert_memory_not_equal(ids[0].trace_id, ids[1].trace_id, 16);
	/* The same state gives the same ids: generation is a pure function of it. */
	rng[0] = 1, rng[1] = 2, rng[2] = 3, rng[3] = 4;
	memcpy(other, rng, sizeof(rng));
	se_tracectx_generate(rng, &ids[0]);
	se_tracectx_generate(other, &ids[1]);
	assert_memory_equal(ids[0].trace_id, ids[1].trace_id, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_w3c_valid),  cmocka_unit_test(test_w3c_invalid),
		cmocka_unit_test(test_b3_single),  cmocka_unit_test(test_b3_multi),
		cmocka_unit_test(test_precedence), cmocka_unit_test(test_not_kept),
		cmocka_unit_test(test_generate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

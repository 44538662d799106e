// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of protocol detection (src/proto/detect.c): each case gives the bytes seen on the
 * request side and on the response side and the verdict; every proper prefix of an input that
 * is recognised must be UNDECIDED (never OTHER), and every verdict must be reached within
 * SE_DETECT_PREFIX_MAX bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/proto.h"

#define H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

static enum se_proto detect(const char *req, const char *resp)
{
	return se_detect((const uint8_t *)req, strlen(req), (const uint8_t *)resp, strlen(resp));
}

static void test_detect_cases(void **state)
{
	static const struct {
		const char *req, *resp;
		enum se_proto want;
	} cases[] = {
		{ "", "", SE_PROTO_UNDECIDED },
		/* HTTP/1 requests: a known method and a space */
		{ "GET / HTTP/1.1\r\n", "", SE_PROTO_HTTP1 },
		{ "GET ", "", SE_PROTO_HTTP1 },
		{ "POST /x", "", SE_PROTO_HTTP1 },
		{ "OPTIONS * HTTP/1.1", "", SE_PROTO_HTTP1 },
		{ "CONNECT h:443 HTTP/1.1", "", SE_PROTO_HTTP1 },
		{ "PATCH ", "", SE_PROTO_HTTP1 },
		{ "DELETE ", "", SE_PROTO_HTTP1 },
		{ "HEAD ", "", SE_PROTO_HTTP1 },
		{ "TRACE ", "", SE_PROTO_HTTP1 },
		{ "PUT ", "", SE_PROTO_HTTP1 },
		/* prefixes: undecided */
		{ "G", "", SE_PROTO_UNDECIDED },
		{ "GE", "", SE_PROTO_UNDECIDED },
		{ "GET", "", SE_PROTO_UNDECIDED },
		{ "P", "", SE_PROTO_UNDECIDED },
		{ "PR", "", SE_PROTO_UNDECIDED },
		{ "PRI * HTTP/2.0\r\n", "", SE_PROTO_UNDECIDED },
		{ "OPTIONS", "", SE_PROTO_UNDECIDED },
		/* HTTP/2 */
		{ H2_PREFACE, "", SE_PROTO_HTTP2 },
		{ H2_PREFACE "\x00\x00\x12\x04", "", SE_PROTO_HTTP2 },
		{ "PRI * HTTP/2.0\r\n\r\nSX\r\n\r\n", "", SE_PROTO_OTHER },
		{ "PRI * ", "", SE_PROTO_UNDECIDED }, /* the h2 preface's, not a generic line */
		/* HTTP/1 requests with other methods: a token, a space, a request target start */
		{ "FROB /path HTTP/1.1\r\n", "", SE_PROTO_HTTP1 },
		{ "FROB /", "", SE_PROTO_HTTP1 },
		{ "PROPFIND / HTTP/1.1", "", SE_PROTO_HTTP1 },
		{ "get / HTTP/1.1", "", SE_PROTO_HTTP1 }, /* a token, not GET */
		{ "M-SEARCH * HTTP/1.1", "", SE_PROTO_HTTP1 },
		{ "PRI /x HTTP/1.1", "", SE_PROTO_HTTP1 },
		{ "FROB http://h/ HTTP/1.1", "", SE_PROTO_HTTP1 },
		{ "FROB https://h/", "", SE_PROTO_HTTP1 },
		{ "FROB HTTPS://h/", "", SE_PROTO_HTTP1 },
		{ "X!#$%&'*+.^_`|~ /", "", SE_PROTO_HTTP1 },
		{ "ABCDEFGHIJKLMNOP /", "", SE_PROTO_HTTP1 },	     /* 16: the longest */
		{ "ABCDEFGHIJKLMNOP http://h", "", SE_PROTO_HTTP1 }, /* 24 bytes */
		{ "ABCDEFGHIJKLMNOP https:/", "", SE_PROTO_HTTP1 },  /* cut by the prefix */
		{ "ABCDEFGHIJKLMNOP https:x", "", SE_PROTO_OTHER },
		{ "ABCDEFGHIJKLMNOPQ /", "", SE_PROTO_OTHER }, /* 17 */
		{ "ABCDEFGHIJKLMNOPQ", "", SE_PROTO_OTHER },
		{ "ABCDEFGHIJKLMNOP", "", SE_PROTO_UNDECIDED },
		{ "FROB", "", SE_PROTO_UNDECIDED },
		{ "GETS ", "", SE_PROTO_UNDECIDED },
		{ "FROB *", "", SE_PROTO_UNDECIDED },
		{ "FROB h", "", SE_PROTO_UNDECIDED },
		{ "FROB http:/", "", SE_PROTO_UNDECIDED },
		{ "FROB https:", "", SE_PROTO_UNDECIDED },
		{ "GETS x", "", SE_PROTO_OTHER },
		{ "FROB *x", "", SE_PROTO_OTHER },
		{ "FROB  /", "", SE_PROTO_OTHER }, /* one space only */
		{ "FROB\t/", "", SE_PROTO_OTHER },
		{ "FROB ftp://h/", "", SE_PROTO_OTHER },
		{ "FROB h:443", "", SE_PROTO_OTHER }, /* authority-form: CONNECT only */
		{ " GET /", "", SE_PROTO_OTHER },
		{ "F(OB /", "", SE_PROTO_OTHER },
		/* other client-first protocols */
		{ "*3\r\n$3\r\nSET\r\n", "", SE_PROTO_OTHER },	/* Redis */
		{ "\x16\x03\x01\x02\x00", "", SE_PROTO_OTHER }, /* TLS */
		{ "SSH-2.0-OpenSSH_9.6\r\n", "", SE_PROTO_OTHER },
		/* the request side decides whatever the response side holds */
		{ "GET /", "garbage", SE_PROTO_HTTP1 },
		{ "FROB /", "garbage", SE_PROTO_HTTP1 },
		{ "hello world", "HTTP/1.1 200 OK", SE_PROTO_OTHER },
		{ "FROB", "HTTP/1.1 200 OK", SE_PROTO_HTTP1 }, /* undecided: the response decides */
		/* the response side, while the request side is empty or undecided */
		{ "", "HTTP/1.1 200 OK\r\n", SE_PROTO_HTTP1 },
		{ "", "HTTP/1.", SE_PROTO_HTTP1 },
		{ "", "HTTP/1", SE_PROTO_UNDECIDED },
		{ "", "H", SE_PROTO_UNDECIDED },
		{ "GE", "HTTP/1.1 200 OK", SE_PROTO_HTTP1 },
		{ "GE", "HTTP/1", SE_PROTO_UNDECIDED },
		{ "GE", "xyz", SE_PROTO_UNDECIDED },
		/* server-first protocols: the server speaks, the client has said nothing */
		{ "",
		  "J\x00\x00\x00\x0a"
		  "8.0.36",
		  SE_PROTO_OTHER }, /* MySQL greeting */
		{ "", "220 smtp.example.com ESMTP", SE_PROTO_OTHER },
		{ "", "HTTP/2 200", SE_PROTO_OTHER },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum se_proto got = detect(cases[i].req, cases[i].resp);

		if (got != cases[i].want)
			print_error("case %zu: \"%s\" / \"%s\"\n", i, cases[i].req, cases[i].resp);
		assert_int_equal(got, cases[i].want);
	}
}

/* Binary sides (embedded NULs) go by explicit length. */
static void test_detect_binary(void **state)
{
	static const uint8_t mysql[] = { 0x4a, 0x00, 0x00, 0x00, 0x0a, '8', '.', '0' };
	static const uint8_t pgsql[] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f }; /* SSLRequest */
	static const uint8_t zeros[SE_DETECT_PREFIX_MAX] = { 0 };

	assert_int_equal(se_detect(NULL, 0, mysql, sizeof(mysql)), SE_PROTO_OTHER);
	assert_int_equal(se_detect(pgsql, sizeof(pgsql), NULL, 0), SE_PROTO_OTHER);
	assert_int_equal(se_detect(zeros, 1, NULL, 0), SE_PROTO_OTHER);
	assert_int_equal(se_detect(zeros, sizeof(zeros), zeros, sizeof(zeros)), SE_PROTO_OTHER);
	assert_int_equal(se_detect(NULL, 0, NULL, 0), SE_PROTO_UNDECIDED);
}

/* Every proper prefix of a recognised start is undecided, and the verdict comes in time. */
static void test_detect_prefixes(void **state)
{
	static const struct {
		const char *in;
		bool response;
		enum se_proto want;
	} starts[] = {
		{ H2_PREFACE, false, SE_PROTO_HTTP2 },
		{ "GET ", false, SE_PROTO_HTTP1 },
		{ "HEAD ", false, SE_PROTO_HTTP1 },
		{ "POST ", false, SE_PROTO_HTTP1 },
		{ "PUT ", false, SE_PROTO_HTTP1 },
		{ "DELETE ", false, SE_PROTO_HTTP1 },
		{ "CONNECT ", false, SE_PROTO_HTTP1 },
		{ "OPTIONS ", false, SE_PROTO_HTTP1 },
		{ "TRACE ", false, SE_PROTO_HTTP1 },
		{ "PATCH ", false, SE_PROTO_HTTP1 },
		{ "HTTP/1.", true, SE_PROTO_HTTP1 },
		{ "FROB /", false, SE_PROTO_HTTP1 },
		{ "M-SEARCH * ", false, SE_PROTO_HTTP1 },
		{ "X http://", false, SE_PROTO_HTTP1 },
		{ "PROPFIND https://", false, SE_PROTO_HTTP1 },
		{ "ABCDEFGHIJKLMNOP https:/", false, SE_PROTO_HTTP1 },
	};

	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		const uint8_t *p = (const uint8_t *)starts[i].in;
		size_t len = strlen(starts[i].in);

		assert_true(len <= SE_DETECT_PREFIX_MAX);
		for (size_t k = 0; k <= len; k++) {
			enum se_proto want = k == len ? starts[i].want : SE_PROTO_UNDECIDED;

			if (starts[i].response)
				assert_int_equal(se_detect(NULL, 0, p, k), want);
			else
				assert_int_equal(se_detect(p, k, NULL, 0), want);
		}
	}
}

/* Whatever the bytes, a full prefix gets a verdict (the caller keeps no more than that). */
static void test_detect_decides_within_prefix(void **state)
{
	uint8_t buf[SE_DETECT_PREFIX_MAX];
	uint64_t x = 0x243f6a8885a308d3ull;

	for (int round = 0; round < 20000; round++) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = (uint8_t)x;
		}
		/* Start some rounds with a real prefix so the interesting rows are reached. */
		if (round % 5 == 1)
			memcpy(buf, H2_PREFACE, (size_t)(x % SE_DETECT_PREFIX_MAX));
		if (round % 5 == 2)
			memcpy(buf, "OPTIONS ", (size_t)(x % 8));
		if (round % 5 == 3)
			memcpy(buf, "ABCDEFGHIJKLMNOP https://",
			       (size_t)(x % SE_DETECT_PREFIX_MAX));
		if (round % 5 == 4)
			memcpy(buf, "FROB http://", (size_t)(x % 12));
		assert_int_not_equal(se_detect(buf, sizeof(buf), NULL, 0), SE_PROTO_UNDECIDED);
		assert_int_not_equal(se_detect(NULL, 0, buf, sizeof(buf)), SE_PROTO_UNDECIDED);
	}
}

/* TLS records: a handshake's first record at a direction's start, or, joined mid-way, an
 * application data record at a segment's start; anything else is not TLS. */
static void test_detect_tls(void **state)
{
	/* record header: type, version, length; then the handshake's type */
	static const uint8_t client_hello[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00 };
	static const uint8_t server_hello[] = { 0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00 };
	static const uint8_t app_data[] = { 0x17, 0x03, 0x03, 0x00, 0x35, 0xab, 0xcd };
	static const uint8_t finished[] = { 0x16, 0x03, 0x03, 0x00, 0x20, 0x14, 0x00 };
	static const uint8_t too_long[] = { 0x16, 0x03, 0x03, 0x48, 0x01, 0x01, 0x00 };
	static const uint8_t empty[] = { 0x16, 0x03, 0x03, 0x00, 0x00, 0x01, 0x00 };
	static const uint8_t ssl2_version[] = { 0x16, 0x02, 0x00, 0x00, 0x20, 0x01, 0x00 };
	static const uint8_t http[] = "GET / HTTP/1.1\r\n";

	(void)state;
	assert_true(se_detect_tls(client_hello, sizeof(client_hello), false));
	assert_true(se_detect_tls(server_hello, sizeof(server_hello), false));
	assert_true(se_detect_tls(client_hello, sizeof(client_hello), true));
	/* a handshake record's header read alone (GnuTLS reads it apart from the body, and the
	 * kernel copies nothing after it) */
	assert_true(se_detect_tls(client_hello, 5, false));
	assert_false(se_detect_tls(client_hello, 4, false));
	assert_false(se_detect_tls(too_long, 5, false));
	/* application data only where sockeye joined the connection */
	assert_false(se_detect_tls(app_data, sizeof(app_data), false));
	assert_true(se_detect_tls(app_data, sizeof(app_data), true));
	/* another handshake message, a record longer than TLS allows, an empty one, SSL 2 */
	assert_false(se_detect_tls(finished, sizeof(finished), true));
	assert_false(se_detect_tls(too_long, sizeof(too_long), true));
	assert_false(se_detect_tls(empty, sizeof(empty), true));
	assert_false(se_detect_tls(ssl2_version, sizeof(ssl2_version), true));
	assert_false(se_detect_tls(http, sizeof(http) - 1, true));
	assert_false(se_detect_tls(NULL, 0, true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_cases),
		cmocka_unit_test(test_detect_binary),
		cmocka_unit_test(test_detect_prefixes),
		cmocka_unit_test(test_detect_decides_within_prefix),
		cmocka_unit_test(test_detect_tls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

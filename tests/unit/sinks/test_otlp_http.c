// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the pure parts of the OTLP/HTTP transport (src/sinks/otlp/otlp_http.c): gzip
 * bodies inflate (zlib, gzip framing) back to exactly the bytes given, for an empty body, a
 * small one, and 1 MB of both compressible and random bytes; Retry-After is read as
 * delay-seconds (blanks around allowed) or as an HTTP-date relative to the time given (a
 * past date is 0), and anything else is -1. TLS failures are told from network ones by
 * libcurl's code and, for a handshake or a read, by the message libcurl gave (the ones below
 * are what libcurl 7.88 with OpenSSL 3 printed against tests/integration's receiver). Nothing
 * here opens a connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <zlib.h>

#include "sinks/otlp/otlp_http.h"

/* ---- gzip ------------------------------------------------------------------------------- */

/* gzip in, check the framing, inflate it back and compare with in. */
static void assert_gzip_round_trip(const uint8_t *in, size_t len)
{
	uint8_t *z = NULL, *back = malloc(len + 1);
	size_t zlen = 0;
	z_stream s;

	assert_non_null(back);
	assert_int_equal(se_otlp_gzip(in, len, &z, &zlen), 0);
	assert_non_null(z);
	assert_true(zlen >= 18);      /* 10-byte header, 8-byte trailer */
	assert_int_equal(z[0], 0x1f); /* RFC 1952 magic, deflate */
	assert_int_equal(z[1], 0x8b);
	assert_int_equal(z[2], 8);

	memset(&s, 0, sizeof(s));
	assert_int_equal(inflateInit2(&s, 15 + 16), Z_OK); /* gzip framing only */
	s.next_in = z;
	s.avail_in = (uInt)zlen;
	s.next_out = back;
	s.avail_out = (uInt)(len + 1); /* one spare byte: more output would show */
	assert_int_equal(inflate(&s, Z_FINISH), Z_STREAM_END);
	assert_int_equal(s.total_out, len);
	assert_int_equal(s.avail_in, 0); /* nothing after the trailer */
	inflateEnd(&s);
	if (len)
		assert_memory_equal(back, in, len);
	free(back);
	free(z);
}

static void test_gzip_empty(void **state)
{
	static const uint8_t none[1];

	assert_gzip_round_trip(none, 0);
}

static void test_gzip_small(void **state)
{
	static const uint8_t msg[] = "\x0a\x2b\x0a\x10\x0a\x0cservice.name\x12\x00 sockeye";

	assert_gzip_round_trip(msg, sizeof(msg));
	assert_gzip_round_trip(msg, 1);
}

static void test_gzip_1mb(void **state)
{
	enum { MB = 1 << 20 };
	uint8_t *buf = malloc(MB);
	uint8_t *z = NULL;
	size_t zlen = 0;
	uint32_t x = 2463534242u;

	assert_non_null(buf);
	/* compressible: a protobuf-like repeating pattern, which must shrink a lot */
	for (size_t i = 0; i < MB; i++)
		buf[i] = (uint8_t)("http.server.request.duration"[i % 28] + i / 4096);
	assert_gzip_round_trip(buf, MB);
	assert_int_equal(se_otlp_gzip(buf, MB, &z, &zlen), 0);
	assert_true(zlen < MB / 10);
	free(z);

	/* random: deflateBound must leave room for incompressible input */
	for (size_t i = 0; i < MB; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
	assert_gzip_round_trip(buf, MB);
	free(buf);
}

/* ---- Retry-After ------------------------------------------------------------------------- */

/* 2026-01-01T00:00:00Z, an arbitrary "now". */
#define NOW_S 1767225600LL

/* An IMF-fixdate (RFC 9110) at t. */
static void http_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	assert_non_null(gmtime_r(&tt, &tm));
	assert_true(strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm) > 0);
}

static void test_retry_after_seconds(void **state)
{
	assert_int_equal(se_otlp_parse_retry_after("5", NOW_S), 5);
	assert_int_equal(se_otlp_parse_retry_after("0", NOW_S), 0);
	assert_int_equal(se_otlp_parse_retry_after(" 12 ", NOW_S), 12);
	assert_int_equal(se_otlp_parse_retry_after("\t120\r\n", NOW_S), 120);
	assert_int_equal(se_otlp_parse_retry_after("007", NOW_S), 7);
	assert_int_equal(se_otlp_parse_retry_after("86400", NOW_S), 86400);
	/* the time given plays no part in delay-seconds */
	assert_int_equal(se_otlp_parse_retry_after("5", 0), 5);
}

static void test_retry_after_invalid(void **state)
{
	static const char *const bad[] = {
		"-1",
		"abc",
		"5x",
		"5 5",
		"",
		"   ",
		"+5",
		"1.5",
		"0x10",
		"99999999999999999999999", /* does not fit a long */
		"Wed, 32 Foo 2026 99:99:99 GMT",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long v = se_otlp_parse_retry_after(bad[i], NOW_S);

		if (v != -1)
			fail_msg("'%s' read as %ld", bad[i], v);
	}
}

static void test_retry_after_date(void **state)
{
	char d[64];

	http_date(NOW_S + 30, d, sizeof(d));
	assert_string_equal(d, "Thu, 01 Jan 2026 00:00:30 GMT");
	assert_int_equal(se_otlp_parse_retry_after(d, NOW_S), 30);
	assert_int_equal(se_otlp_parse_retry_after(d, NOW_S + 29), 1);
	http_date(NOW_S + 3600, d, sizeof(d));
	assert_int_equal(se_otlp_parse_retry_after(d, NOW_S), 3600);
	/* now, or in the past: retry at once */
	http_date(NOW_S, d, sizeof(d));
	assert_int_equal(se_otlp_parse_retry_after(d, NOW_S), 0);
	http_date(NOW_S - 30, d, sizeof(d));
	assert_int_equal(se_otlp_parse_retry_after(d, NOW_S), 0);
	assert_int_equal(se_otlp_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", NOW_S), 0);
	/* the obsolete forms RFC 9110 still asks recipients to accept */
	assert_int_equal(se_otlp_parse_retry_after("Thursday, 01-Jan-26 00:00:30 GMT", NOW_S), 30);
	assert_int_equal(se_otlp_parse_retry_after("Thu Jan  1 00:00:30 2026", NOW_S), 30);
}

/* ---- TLS or network ---------------------------------------------------------------------- */

static void test_tls_failure(void **state)
{
	static const struct {
		int code;
		const char *message;
		bool tls;
	} cases[] = {
		/* certificates: whatever the message */
		{ CURLE_PEER_FAILED_VERIFICATION,
		  "SSL certificate problem: unable to get local issuer certificate", true },
		{ CURLE_PEER_FAILED_VERIFICATION,
		  "SSL: no alternative certificate subject name matches target host name 'x'",
		  true },
		{ CURLE_SSL_CACERT_BADFILE, "error setting certificate file: /nonexistent.crt",
		  true },
		{ CURLE_SSL_CERTPROBLEM, "unable to set private key file: 'server.key' type PEM",
		  true },
		{ CURLE_SSL_CIPHER, "", true },
		{ CURLE_SSL_ISSUER_ERROR, NULL, true },
		{ CURLE_SSL_CRL_BADFILE, NULL, true },
		{ CURLE_SSL_PINNEDPUBKEYNOTMATCH, NULL, true },
		{ CURLE_SSL_INVALIDCERTSTATUS, NULL, true },
		{ CURLE_SSL_CLIENTCERT, "TLS cert problem", true },
		/* the handshake: TLS's failure when the TLS library says so */
		{ CURLE_SSL_CONNECT_ERROR,
		  "OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number", true },
		{ CURLE_SSL_CONNECT_ERROR,
		  "OpenSSL/3.0.19: error:0A000418:SSL routines::tlsv1 alert unknown ca", true },
		{ CURLE_SSL_CONNECT_ERROR, "error:0A000410:sslv3 alert handshake failure", true },
		/* ... not when the network cut it */
		{ CURLE_SSL_CONNECT_ERROR, "Recv failure: Connection reset by peer", false },
		{ CURLE_SSL_CONNECT_ERROR,
		  "OpenSSL SSL_connect: Connection reset by peer in connection to h:4318 ", false },
		{ CURLE_SSL_CONNECT_ERROR,
		  "OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to h:4318 ", false },
		{ CURLE_SSL_CONNECT_ERROR,
		  "OpenSSL/3.0.19: error:0A000126:SSL routines::unexpected eof while reading",
		  false },
		{ CURLE_SSL_CONNECT_ERROR, NULL, false },
		/* TLS 1.3: the collector refuses the client certificate on the first read */
		{ CURLE_RECV_ERROR,
		  "OpenSSL SSL_read: OpenSSL/3.0.19: error:0A00045C:SSL routines::tlsv13 alert "
		  "certificate required, errno 0",
		  true },
		{ CURLE_RECV_ERROR,
		  "OpenSSL SSL_read: error:0A000412:SSL routines::sslv3 alert bad "
		  "certificate, errno 0",
		  true },
		{ CURLE_SEND_ERROR, "OpenSSL SSL_write: ...:tlsv1 alert unknown ca, errno 0",
		  true },
		{ CURLE_RECV_ERROR, "Recv failure: Connection reset by peer", false },
		{ CURLE_RECV_ERROR,
		  "OpenSSL SSL_read: OpenSSL/3.0.19: error:0A000126:SSL routines::unexpected eof "
		  "while reading, errno 0",
		  false },
		{ CURLE_SEND_ERROR, "Send failure: Broken pipe", false },
		{ CURLE_RECV_ERROR, NULL, false },
		/* the network, whatever the message */
		{ CURLE_COULDNT_CONNECT, "Failed to connect to 127.0.0.1 port 9: alert ", false },
		{ CURLE_OPERATION_TIMEDOUT, "Operation timed out after 1000 milliseconds", false },
		{ CURLE_COULDNT_RESOLVE_HOST, "Could not resolve host: collector", false },
		{ CURLE_GOT_NOTHING, "Empty reply from server", false },
		{ CURLE_ABORTED_BY_CALLBACK, "Callback aborted", false },
		{ CURLE_OK, "", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (se_otlp_tls_failure(cases[i].code, cases[i].message) != cases[i].tls)
			fail_msg("curl code %d '%s': tls %d expected", cases[i].code,
				 cases[i].message ? cases[i].message : "(null)", cases[i].tls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip_empty),
		cmocka_unit_test(test_gzip_small),
		cmocka_unit_test(test_gzip_1mb),
		cmocka_unit_test(test_retry_after_seconds),
		cmocka_unit_test(test_retry_after_invalid),
		cmocka_unit_test(test_retry_after_date),
		cmocka_unit_test(test_tls_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

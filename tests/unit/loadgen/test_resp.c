// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the load generator's response framer (bench/loadgen/resp.c). Every input is
 * fed whole, one byte at a time and split in two at every byte offset; the outcome (status,
 * where the response ends, keep-alive, 1xx skipped) must be the same every time. Every
 * segment is copied into a heap block of exactly its size, so AddressSanitizer catches a read
 * past the bytes given. Invalid inputs must be refused however they are cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "resp.h"

struct outcome {
	enum se_lg_resp_status st;
	size_t end; /* bytes of the input the response took (OK), or where it failed (INVALID) */
	int status;
	bool keep_alive;
	uint32_t interim;
};

/* Feeds in[0..len) cut at the given offsets (ascending); eof: the stream closes after it. */
static struct outcome feed_cuts(const char *in, size_t len, bool head, const size_t *cuts,
				size_t ncuts, bool eof)
{
	struct se_lg_resp r;
	struct outcome o = { .st = SE_LG_RESP_NEED_MORE };
	size_t from = 0;

	se_lg_resp_init(&r, head);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : len, used = 0;
		char *seg = malloc(to - from ? to - from : 1);

		assert_non_null(seg);
		memcpy(seg, in + from, to - from);
		o.st = se_lg_resp_feed(&r, seg, to - from, &used);
		free(seg);
		if (o.st != SE_LG_RESP_NEED_MORE) {
			o.end = from + used;
			break;
		}
		assert_int_equal(used, to - from);
		from = to;
	}
	if (o.st == SE_LG_RESP_NEED_MORE && eof) {
		o.st = se_lg_resp_eof(&r);
		o.end = len;
	}
	o.status = r.status;
	o.keep_alive = r.keep_alive;
	o.interim = r.interim;
	return o;
}

static void assert_same(const struct outcome *a, const struct outcome *b)
{
	assert_int_equal(a->st, b->st);
	assert_int_equal(a->end, b->end);
	if (a->st == SE_LG_RESP_OK) {
		assert_int_equal(a->status, b->status);
		assert_int_equal(a->keep_alive, b->keep_alive);
		assert_int_equal(a->interim, b->interim);
	}
}

/* The outcome of feeding in whole, after checking every way of cutting it gives the same. */
static struct outcome feed_all_ways(const char *in, bool head, bool eof)
{
	size_t len = strlen(in);
	struct outcome whole = feed_cuts(in, len, head, NULL, 0, eof);
	size_t *bytes = malloc((len + 1) * sizeof(*bytes));
	struct outcome o;

	assert_non_null(bytes);
	for (size_t i = 0; i < len; i++)
		bytes[i] = i + 1;
	o = feed_cuts(in, len, head, bytes, len ? len - 1 : 0, eof);
	assert_same(&whole, &o);
	for (size_t cut = 0; cut <= len; cut++) {
		o = feed_cuts(in, len, head, &cut, 1, eof);
		assert_same(&whole, &o);
	}
	free(bytes);
	return whole;
}

static void expect_ok(const char *in, bool head, bool eof, size_t end, int status, bool keep_alive,
		      uint32_t interim)
{
	struct outcome o = feed_all_ways(in, head, eof);

	assert_int_equal(o.st, SE_LG_RESP_OK);
	assert_int_equal(o.end, end);
	assert_int_equal(o.status, status);
	assert_int_equal(o.keep_alive, keep_alive);
	assert_int_equal(o.interim, interim);
}

static void expect_invalid(const char *in, bool head, bool eof)
{
	struct outcome o = feed_all_ways(in, head, eof);

	assert_int_equal(o.st, SE_LG_RESP_INVALID);
}

static void test_content_length(void **state)
{
	static const char in[] = "HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 5\r\n\r\nhello";
	static const char ws[] = "HTTP/1.1 200 OK\r\ncontent-length:   5  \r\n\r\nhello";

	expect_ok(in, false, false, strlen(in), 200, true, 0);
	expect_ok(ws, false, false, strlen(ws), 200, true, 0);
	/* the same value twice is one length */
	expect_ok("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", false,
		  false, 58, 200, true, 0);
	expect_ok("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", false, false, 45, 404,
		  true, 0);
}

static void test_next_response_not_taken(void **state)
{
	static const char one[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	char two[2 * sizeof(one)];

	snprintf(two, sizeof(two), "%s%s", one, one);
	expect_ok(two, false, false, strlen(one), 200, true, 0);
}

static void test_chunked(void **state)
{
	static const char in[] = "HTTP/1.1 200 OK\r\n"
				 "Transfer-Encoding: gzip, Chunked\r\n"
				 "\r\n"
				 "5;ext=1\r\nhello\r\n"
				 "0A ; name=\"quoted;value\"\r\n0123456789\r\n"
				 "0;last\r\n"
				 "Trailer-One: a\r\n"
				 "X: b\r\n"
				 "\r\n";
	static const char no_trailer[] = "HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n"
					 "3\r\nabc\r\n0\r\n\r\n";
	static const char bare_lf[] = "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n"
				      "3\nabc\n0\nT: x\n\n";
	/* Transfer-Encoding wins over Content-Length */
	static const char both[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
				   "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n";

	expect_ok(in, false, false, strlen(in), 200, true, 0);
	expect_ok(no_trailer, false, false, strlen(no_trailer), 500, true, 0);
	expect_ok(bare_lf, false, false, strlen(bare_lf), 200, true, 0);
	expect_ok(both, false, false, strlen(both), 200, true, 0);
}

static void test_no_body(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
	static const char chunked_head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	static const char s204[] = "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n";
	static const char s304[] =
	    "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n";

	expect_ok(head, true, false, strlen(head), 200, true, 0);
	expect_ok(chunked_head, true, false, strlen(chunked_head), 200, true, 0);
	expect_ok(s204, false, false, strlen(s204), 204, true, 0);
	expect_ok(s304, false, false, strlen(s304), 304, true, 0);
}

static void test_interim(void **state)
{
	static const char in[] = "HTTP/1.1 100 Continue\r\n\r\n"
				 "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
				 "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nnew";

	expect_ok(in, false, false, strlen(in), 201, true, 2);
	/* a HEAD's interim response does not end the exchange either */
	expect_ok("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", true,
		  false, 63, 200, true, 1);
}

static void test_persistence(void **state)
{
	static const char close[] =
	    "HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 1\r\n\r\nx";
	static const char list[] = "HTTP/1.1 200 OK\r\nConnection: upgrade, close\r\n"
				   "Content-Length: 1\r\n\r\nx";
	static const char old[] = "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx";
	static const char old_ka[] = "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
				     "Content-Length: 1\r\n\r\nx";
	static const char long_token[] = "HTTP/1.1 200 OK\r\nConnection: closeclosecloseclose\r\n"
					 "Content-Length: 1\r\n\r\nx";

	expect_ok(close, false, false, strlen(close), 200, false, 0);
	expect_ok(list, false, false, strlen(list), 200, false, 0);
	expect_ok(old, false, false, strlen(old), 200, false, 0);
	expect_ok(old_ka, false, false, strlen(old_ka), 200, true, 0);
	expect_ok(long_token, false, false, strlen(long_token), 200, true, 0);
}

static void test_until_close(void **state)
{
	static const char plain[] = "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody until the end";
	static const char coded[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
				    "3\r\nabc\r\n0\r\n\r\n";

	expect_ok(plain, false, true, strlen(plain), 200, false, 0);
	expect_ok(coded, false, true, strlen(coded), 200, false, 0);
	/* without the close, it goes on */
	assert_int_equal(feed_all_ways(plain, false, false).st, SE_LG_RESP_NEED_MORE);
}

static void test_truncated(void **state)
{
	/* the stream closes before the response ends */
	expect_invalid("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell", false, true);
	expect_invalid("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", false,
		       true);
	expect_invalid("HTTP/1.1 200 OK\r\nContent-Le", false, true);
	expect_invalid("", false, true);
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
		"HTTP/2 200 OK\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
		"HTTP/1.x 200 OK\r\n\r\n",
		"HTTP/1.1200 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 099 OK\r\n\r\n",
		"HTTP/1.1 600 OK\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length: 5 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\n: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nA: x\r\n folded\r\n\r\n",
		"HTTP/1.1 200 OK\r\nA: x\rB: y\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1 2\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"10000000000000000\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n bad trailer\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("%s\n", bad[i]);
		expect_invalid(bad[i], false, false);
	}
}

/* Heads and chunk lines have bounds; a body of any length has none. */
static void test_limits(void **state)
{
	size_t n = SE_LG_RESP_HEAD_MAX + 100, used;
	char *big = malloc(n);
	struct se_lg_resp r;
	static const char chunked[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;";
	static const char large[] = "HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n";

	assert_non_null(big);
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	memset(big + 20, 'a', n - 20);
	se_lg_resp_init(&r, false);
	assert_int_equal(se_lg_resp_feed(&r, big, n, &used), SE_LG_RESP_INVALID);
	assert_int_equal(used, SE_LG_RESP_HEAD_MAX + 1); /* the byte past the limit */

	memset(big, 'a', n); /* an endless chunk extension */
	se_lg_resp_init(&r, false);
	assert_int_equal(se_lg_resp_feed(&r, chunked, strlen(chunked), &used),
			 SE_LG_RESP_NEED_MORE);
	assert_int_equal(se_lg_resp_feed(&r, big, n, &used), SE_LG_RESP_INVALID);
	assert_int_equal(used, SE_LG_RESP_LINE_MAX - 1); /* "1;" was the start of the line */

	/* 10 GB of body, in 64 KiB reads: no bound but the length */
	se_lg_resp_init(&r, false);
	assert_int_equal(se_lg_resp_feed(&r, large, strlen(large), &used), SE_LG_RESP_NEED_MORE);
	for (uint64_t left = 10000000000ull; left;) {
		size_t step = left < n ? (size_t)left : n;
		enum se_lg_resp_status st = se_lg_resp_feed(&r, big, step, &used);

		assert_int_equal(used, step);
		left -= step;
		assert_int_equal(st, left ? SE_LG_RESP_NEED_MORE : SE_LG_RESP_OK);
	}
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_next_response_not_taken),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_no_body),
		cmocka_unit_test(test_interim),
		cmocka_unit_test(test_persistence),
		cmocka_unit_test(test_until_close),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the HTTP/1 head parser and stream framer (src/proto/http1_*.c). A recorder keeps
 * every callback as an event (head with a short description, end, error). Valid inputs are fed
 * whole, as one-byte segments, split at every byte offset and at pseudo-random offsets; the
 * events must be the same every time, and each timestamp must be the one of the segment that
 * holds the byte the event belongs to (segment timestamps are their start offsets, so the
 * one-byte run tells exactly which byte that is). Every segment's bytes are copied into a heap
 * block of exactly their size, so AddressSanitizer catches any read past the captured bytes.
 * malloc is wrapped (-Wl,--wrap=malloc) so that the framer's allocation can fail on demand.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fail_malloc.h"
#include "proto/http1/http1.h"
/* se_http1_span, the scanner shared by the head parser and the framer (not API) */
#include "proto/http1/http1_internal.h"

#define EV_MAX	  256
#define MODES_MAX 16
#define DESC_MAX  96
/* Segment timestamps are TS_BASE + the segment's first stream offset. */
#define TS_BASE 1000
/* Random multi-way splits tried per input, on top of every two-way split. */
#define RANDOM_SPLITS 64
#define CUTS_MAX      8

struct ev {
	char kind; /* 'H' head, 'E' end, 'X' error */
	uint64_t ts;
	uint64_t body_len;
	bool estimated;
	int err;
	char desc[DESC_MAX];
	/* heads: what else was parsed, which must not depend on the cuts either */
	uint32_t head_len, nheaders, headers_seen, redacted;
	int64_t content_length;
	bool chunked, conn_close, upgrade, truncated;
	char last_header[DESC_MAX]; /* name of the last header kept */
};

/* fail_next_malloc: the framer's (feed() makes its copy before setting it). */

struct rec {
	unsigned int n;
	struct ev ev[EV_MAX];
	enum se_http1_body_mode modes[MODES_MAX]; /* what the i-th on_head returns */
	unsigned int nheads;
	bool stopped;	    /* an on_head returned STOP: no callback may follow */
	const char *secret; /* must appear in no view */
	/* se_http1_stop() this stream from the callback, after reading what it was given */
	struct se_http1_stream *stop_on_head, *stop_on_end;
};

static void check_view(const struct rec *r, const struct se_str *v)
{
	if (v->len)
		assert_non_null(v->p);
	if (r->secret && v->len) {
		size_t sl = strlen(r->secret);

		for (size_t i = 0; i + sl <= v->len; i++)
			assert_false(!memcmp(v->p + i, r->secret, sl));
	}
}

static struct ev *rec_add(struct rec *r, char kind, uint64_t ts)
{
	struct ev *e;

	assert_false(r->stopped);
	assert_true(r->n < EV_MAX);
	e = &r->ev[r->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->ts = ts;
	return e;
}

static enum se_http1_body_mode rec_head(void *ctx, const struct se_http1_head *h, uint64_t ts)
{
	struct rec *r = ctx;
	struct ev *e = rec_add(r, 'H', ts);
	enum se_http1_body_mode mode = SE_HTTP1_BODY_FROM_HEADERS;

	check_view(r, &h->method_text);
	check_view(r, &h->path);
	check_view(r, &h->query);
	assert_true(h->nheaders <= SE_HTTP1_HEADERS_MAX);
	assert_true(h->nheaders <= h->headers_seen);
	for (uint32_t i = 0; i < h->nheaders; i++) {
		check_view(r, &h->headers[i].name);
		check_view(r, &h->headers[i].value);
	}
	assert_int_equal(h->head_truncated, h->head_len > SE_HTTP1_HEAD_MAX);
	assert_true(h->head_len <= SE_HTTP1_HEAD_TOTAL_MAX);
	e->head_len = h->head_len;
	e->nheaders = h->nheaders;
	e->headers_seen = h->headers_seen;
	e->redacted = h->redacted;
	e->content_length = h->content_length;
	e->chunked = h->chunked;
	e->conn_close = h->conn_close;
	e->upgrade = h->upgrade;
	e->truncated = h->head_truncated;
	if (h->nheaders)
		snprintf(e->last_header, sizeof(e->last_header), "%.*s",
			 (int)h->headers[h->nheaders - 1].name.len,
			 h->headers[h->nheaders - 1].name.p);
	if (h->is_request)
		snprintf(e->desc, sizeof(e->desc), "%.*s %.*s?%.*s", (int)h->method_text.len,
			 h->method_text.p, (int)h->path.len, h->path.p, (int)h->query.len,
			 h->query.p);
	else
		snprintf(e->desc, sizeof(e->desc), "%u", h->status);
	if (r->nheads < MODES_MAX)
		mode = r->modes[r->nheads];
	r->nheads++;
	if (mode == SE_HTTP1_BODY_STOP)
		r->stopped = true;
	if (r->stop_on_head) {
		se_http1_stop(r->stop_on_head);
		r->stopped = true;
	}
	return mode;
}

static void rec_end(void *ctx, uint64_t ts, uint64_t body_len, bool estimated)
{
	struct rec *r = ctx;
	struct ev *e = rec_add(r, 'E', ts);

	e->body_len = body_len;
	e->estimated = estimated;
	if (r->stop_on_end) {
		se_http1_stop(r->stop_on_end);
		r->stopped = true;
	}
}

static void rec_error(void *ctx, enum se_http1_error err)
{
	struct ev *e = rec_add(ctx, 'X', 0);

	e->err = err;
}

static const struct se_http1_callbacks rec_cb = {
	.on_head = rec_head,
	.on_end = rec_end,
	.on_error = rec_error,
};

/* The framer's first malloc in the next feed() fails. */
static bool fail_alloc_in_feed;

/* Feed one segment, its captured bytes copied to a block of exactly their size. */
static void feed(struct se_http1_stream *s, struct rec *r, uint64_t offset, const void *data,
		 uint64_t len, uint32_t captured, uint64_t ts)
{
	struct se_segment seg = { .offset = offset, .len = len, .ts_ns = ts, .captured = captured };
	uint8_t *copy = NULL;

	if (captured) {
		copy = malloc(captured);
		assert_non_null(copy);
		memcpy(copy, data, captured);
		seg.data = copy;
	}
	fail_next_malloc = fail_alloc_in_feed;
	fail_alloc_in_feed = false;
	se_http1_feed(s, &seg, &rec_cb, r);
	if (copy)
		memset(copy, 0xa5, captured); /* the stream may keep nothing pointing here */
	free(copy);
}

/* Feed `in` cut before each offset in cuts (ascending, inside (0, len)), then close. */
static void run_cuts(struct rec *r, const struct rec *proto, bool request, const char *in,
		     size_t len, const size_t *cuts, size_t ncuts)
{
	struct se_http1_stream s;
	size_t start = 0;

	*r = *proto;
	se_http1_stream_init(&s, request, 0, false);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len;

		if (end > start)
			feed(&s, r, start, in + start, end - start, (uint32_t)(end - start),
			     TS_BASE + start);
		start = end;
	}
	se_http1_close(&s, &rec_cb, r);
	se_http1_stream_fini(&s);
}

static void run_bytes(struct rec *r, const struct rec *proto, bool request, const char *in,
		      size_t len)
{
	struct se_http1_stream s;

	*r = *proto;
	se_http1_stream_init(&s, request, 0, false);
	for (size_t i = 0; i < len; i++)
		feed(&s, r, i, in + i, 1, 1, TS_BASE + i);
	se_http1_close(&s, &rec_cb, r);
	se_http1_stream_fini(&s);
}

static void assert_same_events(const struct rec *want, const struct rec *got, const size_t *cuts,
			       size_t ncuts)
{
	assert_int_equal(got->n, want->n);
	for (unsigned int i = 0; i < want->n; i++) {
		const struct ev *w = &want->ev[i], *g = &got->ev[i];
		uint64_t at = w->ts - TS_BASE, seg_start = 0;

		assert_int_equal(g->kind, w->kind);
		assert_int_equal(g->body_len, w->body_len);
		assert_int_equal(g->estimated, w->estimated);
		assert_int_equal(g->err, w->err);
		assert_string_equal(g->desc, w->desc);
		assert_int_equal(g->head_len, w->head_len);
		assert_int_equal(g->nheaders, w->nheaders);
		assert_int_equal(g->headers_seen, w->headers_seen);
		assert_int_equal(g->redacted, w->redacted);
		assert_int_equal(g->content_length, w->content_length);
		assert_int_equal(g->chunked, w->chunked);
		assert_int_equal(g->conn_close, w->conn_close);
		assert_int_equal(g->upgrade, w->upgrade);
		assert_int_equal(g->truncated, w->truncated);
		assert_string_equal(g->last_header, w->last_header);
		if (w->kind == 'X')
			continue;
		for (size_t k = 0; k < ncuts; k++)
			if (cuts[k] <= at)
				seg_start = cuts[k];
		assert_int_equal(g->ts, TS_BASE + seg_start);
	}
}

/*
 * Feed a valid input every way and check the events do not depend on how it was cut. Returns
 * the events of the one-byte run (timestamps there are byte positions + TS_BASE).
 */
static void check_splits(const struct rec *proto, bool request, const char *in, size_t len,
			 struct rec *out)
{
	static struct rec bytes, got;
	uint64_t rnd = 0x9e3779b97f4a7c15ull ^ len;

	run_bytes(&bytes, proto, request, in, len);
	for (unsigned int i = 0; i < bytes.n; i++) {
		const struct ev *e = &bytes.ev[i];
		uint64_t at = e->ts - TS_BASE;

		assert_int_not_equal(e->kind, 'X');
		assert_true(at < len);
		if (e->kind != 'H')
			continue;
		/* The reference itself: a head is reported at its first byte, which follows the
		 * previous message's last byte or a line end. */
		assert_int_equal(in[at], e->desc[0] >= '0' && e->desc[0] <= '9' ? 'H' : e->desc[0]);
		assert_true(
		    at == 0 || in[at - 1] == '\n' ||
		    (i > 0 && bytes.ev[i - 1].kind == 'E' && bytes.ev[i - 1].ts == e->ts - 1));
	}
	run_cuts(&got, proto, request, in, len, NULL, 0);
	assert_same_events(&bytes, &got, NULL, 0);
	for (size_t k = 1; k < len; k++) {
		run_cuts(&got, proto, request, in, len, &k, 1);
		assert_same_events(&bytes, &got, &k, 1);
	}
	for (unsigned int t = 0; t < RANDOM_SPLITS && len > 1; t++) {
		size_t cuts[CUTS_MAX], n = 0, at = 0;

		for (unsigned int c = 0; c < CUTS_MAX; c++) {
			rnd = rnd * 6364136223846793005ull + 1442695040888963407ull;
			at += 1 + (rnd >> 33) % (len / 4 + 1);
			if (at >= len)
				break;
			cuts[n++] = at;
		}
		run_cuts(&got, proto, request, in, len, cuts, n);
		assert_same_events(&bytes, &got, cuts, n);
	}
	if (out)
		*out = bytes;
}

/* The events of a one-segment run, as a compact string: "H:GET /a?|E:0|X:3|..." (a truncated
 * head shows as T instead of H). */
static void events_str(const struct rec *r, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < r->n && n < size; i++) {
		const struct ev *e = &r->ev[i];

		if (e->kind == 'H')
			n += snprintf(buf + n, size - n, "%s%c:%s", i ? "|" : "",
				      e->truncated ? 'T' : 'H', e->desc);
		else if (e->kind == 'E')
			n += snprintf(buf + n, size - n, "%sE:%llu%s", i ? "|" : "",
				      (unsigned long long)e->body_len, e->estimated ? "~" : "");
		else
			n += snprintf(buf + n, size - n, "%sX:%d", i ? "|" : "", e->err);
	}
}

static struct rec proto_default;

/* Check splits of a valid input and that its events read `want`. */
static void expect_valid(bool request, const char *in, const char *want)
{
	static struct rec got;
	char buf[1024];

	check_splits(&proto_default, request, in, strlen(in), &got);
	events_str(&got, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

/* Feed an input whole and compare its events. */
static void expect_whole(const struct rec *proto, bool request, const char *in, size_t len,
			 const char *want)
{
	static struct rec got;
	char buf[1024];

	run_cuts(&got, proto ? proto : &proto_default, request, in, len, NULL, 0);
	events_str(&got, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static enum se_parse_status parse(const char *in, bool request, struct se_http1_head *h,
				  enum se_http1_error *err)
{
	return se_http1_parse_head((const uint8_t *)in, strlen(in), request, h, err);
}

static bool view_is(const struct se_str *v, const char *s)
{
	return v->len == strlen(s) && !memcmp(v->p, s, v->len);
}

#define assert_view(v, s) assert_true(view_is(&(v), s))

/* ---- head parser ------------------------------------------------------------------------ */

static void test_method_names(void **state)
{
	assert_string_equal(se_http_method_name(SE_HTTP_GET), "GET");
	assert_string_equal(se_http_method_name(SE_HTTP_PATCH), "PATCH");
	assert_string_equal(se_http_method_name(SE_HTTP_CONNECT), "CONNECT");
	assert_string_equal(se_http_method_name(SE_HTTP_OTHER), "_OTHER");
	assert_string_equal(se_http_method_name(SE_HTTP_METHOD__COUNT), "_OTHER");
	assert_string_equal(se_http_method_name((enum se_http_method) - 1), "_OTHER");
}

static void test_looks_like_head(void **state)
{
	static const struct {
		const char *in;
		bool request;
		enum se_parse_status want;
	} cases[] = {
		{ "GET / HTTP/1.1", true, SE_PARSE_OK },
		{ "GET ", true, SE_PARSE_OK },
		{ "OPTIONS ", true, SE_PARSE_OK },
		{ "CONNECT x", true, SE_PARSE_OK },
		{ "PATCH /", true, SE_PARSE_OK },
		{ "", true, SE_PARSE_NEED_MORE },
		{ "G", true, SE_PARSE_NEED_MORE },
		{ "GE", true, SE_PARSE_NEED_MORE },
		{ "GET", true, SE_PARSE_NEED_MORE },
		{ "P", true, SE_PARSE_NEED_MORE },
		{ "OPTION", true, SE_PARSE_NEED_MORE },
		{ "GETS ", true, SE_PARSE_INVALID },
		{ "get / ", true, SE_PARSE_INVALID },
		{ "PROPFIND / HTTP/1.1", true, SE_PARSE_INVALID }, /* resync: known methods only */
		{ "FROB /x HTTP/1.1", true, SE_PARSE_INVALID },
		{ "xGET ", true, SE_PARSE_INVALID },
		{ "HTTP/1.1 200 OK", true, SE_PARSE_INVALID },
		{ "HTTP/1.1 200 OK", false, SE_PARSE_OK },
		{ "HTTP/1.", false, SE_PARSE_OK },
		{ "HTTP/1", false, SE_PARSE_NEED_MORE },
		{ "H", false, SE_PARSE_NEED_MORE },
		{ "", false, SE_PARSE_NEED_MORE },
		{ "HTTP/2 200", false, SE_PARSE_INVALID },
		{ "GET / HTTP/1.1", false, SE_PARSE_INVALID },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(se_http1_looks_like_head((const uint8_t *)cases[i].in,
							  strlen(cases[i].in), cases[i].request),
				 cases[i].want);
}

static void test_parse_request(void **state)
{
	static const char in[] = "POST /api/v1/items?id=7&x=y HTTP/1.1\r\n"
				 "Host: example.com\r\n"
				 "Content-Type:  application/json \t\r\n"
				 "Content-Length: 12\r\n"
				 "X-Empty:\r\n"
				 "\r\n"
				 "{\"a\":\"bcd\"}!";
	struct se_http1_head h;
	enum se_http1_error err;

	assert_int_equal(parse(in, true, &h, &err), SE_PARSE_OK);
	assert_int_equal(err, SE_HTTP1_ERR_NONE);
	assert_true(h.is_request);
	assert_int_equal(h.head_len, strlen(in) - 12);
	assert_int_equal(h.version_minor, 1);
	assert_int_equal(h.method, SE_HTTP_POST);
	assert_view(h.method_text, "POST");
	assert_view(h.path, "/api/v1/items");
	assert_view(h.query, "id=7&x=y");
	assert_int_equal(h.nheaders, 4);
	assert_int_equal(h.headers_seen, 4);
	assert_view(h.headers[0].name, "Host");
	assert_view(h.headers[0].value, "example.com");
	assert_view(h.headers[1].value, "application/json");
	assert_view(h.headers[3].name, "X-Empty");
	assert_int_equal(h.headers[3].value.len, 0);
	assert_int_equal(h.content_length, 12);
	assert_false(h.chunked);
	assert_false(h.conn_close);
	assert_false(h.upgrade);
	assert_int_equal(h.redacted, 0);
	/* Every view points into the input. */
	assert_true(h.path.p >= in && h.path.p + h.path.len <= in + sizeof(in));
	assert_true(h.query.p >= in && h.query.p + h.query.len <= in + sizeof(in));
}

static void test_parse_methods(void **state)
{
	static const struct {
		const char *text;
		enum se_http_method m;
	} cases[] = {
		{ "GET", SE_HTTP_GET },
		{ "HEAD", SE_HTTP_HEAD },
		{ "POST", SE_HTTP_POST },
		{ "PUT", SE_HTTP_PUT },
		{ "DELETE", SE_HTTP_DELETE },
		{ "OPTIONS", SE_HTTP_OPTIONS },
		{ "TRACE", SE_HTTP_TRACE },
		{ "PATCH", SE_HTTP_PATCH },
		{ "get", SE_HTTP_OTHER },
		{ "PROPFIND", SE_HTTP_OTHER },
		{ "M-SEARCH", SE_HTTP_OTHER },
		{ "GETX", SE_HTTP_OTHER },
		{ "X!#$%&'*+.^_`|~", SE_HTTP_OTHER },
	};
	struct se_http1_head h;
	char in[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(in, sizeof(in), "%s /x HTTP/1.1\r\n\r\n", cases[i].text);
		assert_int_equal(parse(in, true, &h, NULL), SE_PARSE_OK);
		assert_int_equal(h.method, cases[i].m);
		assert_view(h.method_text, cases[i].text);
	}
	assert_int_equal(parse("CONNECT example.com:443 HTTP/1.1\r\n\r\n", true, &h, NULL),
			 SE_PARSE_OK);
	assert_int_equal(h.method, SE_HTTP_CONNECT);
	assert_view(h.path, "example.com:443");
	assert_int_equal(h.query.len, 0);
}

static void test_parse_targets(void **state)
{
	static const struct {
		const char *target, *path, *query;
	} cases[] = {
		{ "/", "/", "" },
		{ "/a/b", "/a/b", "" },
		{ "/a?", "/a", "" },
		{ "/a?b?c=d", "/a", "b?c=d" },
		{ "/%20x;p=1", "/%20x;p=1", "" },
		{ "*", "*", "" },
		{ "http://example.com:8080/p/q?x=1", "/p/q", "x=1" },
		{ "http://example.com", "/", "" },
		{ "http://example.com?x=1", "/", "x=1" },
		{ "https://u@h/", "/", "" },
		{ "coap+tcp://h/p", "/p", "" },
		{ "/caf\xc3\xa9", "/caf\xc3\xa9", "" },
	};
	static const char *const bad[] = {
		"GET /a\x01 HTTP/1.1\r\n\r\n",	  "GET /a\x7f HTTP/1.1\r\n\r\n",
		"GET foo HTTP/1.1\r\n\r\n",	  "GET http:/x HTTP/1.1\r\n\r\n",
		"GET :// HTTP/1.1\r\n\r\n",	  "GET 1http://h/ HTTP/1.1\r\n\r\n",
		"GET http:///p HTTP/1.1\r\n\r\n", "GET /a\tb HTTP/1.1\r\n\r\n",
		"GET  HTTP/1.1\r\n\r\n",
	};
	struct se_http1_head h;
	enum se_http1_error err;
	char in[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(in, sizeof(in), "OPTIONS %s HTTP/1.1\r\nHost: h\r\n\r\n", cases[i].target);
		assert_int_equal(parse(in, true, &h, NULL), SE_PARSE_OK);
		assert_view(h.path, cases[i].path);
		assert_view(h.query, cases[i].query);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], true, &h, &err), SE_PARSE_INVALID);
		assert_int_equal(err, SE_HTTP1_ERR_INVALID);
	}
}

static void test_parse_response(void **state)
{
	struct se_http1_head h;
	enum se_http1_error err;

	assert_int_equal(parse("HTTP/1.1 404 Not Found\r\nServer: x\r\n\r\n", false, &h, &err),
			 SE_PARSE_OK);
	assert_false(h.is_request);
	assert_int_equal(h.status, 404);
	assert_int_equal(h.version_minor, 1);
	assert_int_equal(h.nheaders, 1);
	assert_int_equal(h.content_length, -1);
	assert_int_equal(parse("HTTP/1.0 200\r\n\r\n", false, &h, NULL), SE_PARSE_OK);
	assert_int_equal(h.status, 200);
	assert_true(h.conn_close); /* 1.0 without keep-alive */
	assert_int_equal(parse("HTTP/1.1 200 \r\n\r\n", false, &h, NULL), SE_PARSE_OK);
	assert_int_equal(parse("HTTP/1.1 999 Whatever \xff\t!\r\n\r\n", false, &h, NULL),
			 SE_PARSE_OK);
	assert_int_equal(h.status, 999);

	static const char *const bad[] = {
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 099 X\r\n\r\n",
		"HTTP/1.1 abc\r\n\r\n",
		"HTTP/1.1200 OK\r\n\r\n",
		"HTTP/1.2 200 OK\r\n\r\n",
		"HTTP/2.0 200 OK\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 O\x01K\r\n\r\n",
		"HTTP/1.1 200 OK\r\r\n\r\n",
		"HTTP/1.1\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], false, &h, &err), SE_PARSE_INVALID);
		assert_int_equal(err, SE_HTTP1_ERR_INVALID);
	}
}

static void test_parse_versions(void **state)
{
	struct se_http1_head h;

	assert_int_equal(parse("GET / HTTP/1.0\r\n\r\n", true, &h, NULL), SE_PARSE_OK);
	assert_int_equal(h.version_minor, 0);
	assert_true(h.conn_close);
	assert_int_equal(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true, &h, NULL),
			 SE_PARSE_OK);
	assert_false(h.conn_close);
	assert_int_equal(parse("GET / HTTP/1.1\r\n\r\n", true, &h, NULL), SE_PARSE_OK);
	assert_int_equal(h.version_minor, 1);
	assert_false(h.conn_close);
	assert_int_equal(parse("GET / HTTP/1.2\r\n\r\n", true, &h, NULL), SE_PARSE_INVALID);
	assert_int_equal(parse("GET / HTTP/2.0\r\n\r\n", true, &h, NULL), SE_PARSE_INVALID);
	assert_int_equal(parse("GET / HTTP/1.1 \r\n\r\n", true, &h, NULL), SE_PARSE_INVALID);
	assert_int_equal(parse("GET / HTTP/1.10\r\n\r\n", true, &h, NULL), SE_PARSE_INVALID);
	assert_int_equal(parse("GET /\r\n\r\n", true, &h, NULL), SE_PARSE_INVALID); /* 0.9 */
	/* Several spaces between the elements are tolerated (RFC 9112 3). */
	assert_int_equal(parse("GET  /a   HTTP/1.1\r\n\r\n", true, &h, NULL), SE_PARSE_OK);
	assert_view(h.path, "/a");
}

static void test_parse_need_more(void **state)
{
	static const char *const heads[] = {
		"GET /p?q=1 HTTP/1.1\r\nHost: a\r\nX-Y:  z \r\n\r\n",
		"GET / HTTP/1.1\n\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n",
		"HTTP/1.0 204\n\n",
	};
	struct se_http1_head h;
	enum se_http1_error err;

	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		size_t len = strlen(heads[i]);
		bool request = heads[i][0] != 'H';

		for (size_t k = 0; k < len; k++)
			assert_int_equal(
			    se_http1_parse_head((const uint8_t *)heads[i], k, request, &h, &err),
			    SE_PARSE_NEED_MORE);
		assert_int_equal(
		    se_http1_parse_head((const uint8_t *)heads[i], len, request, &h, &err),
		    SE_PARSE_OK);
		assert_int_equal(h.head_len, len);
	}
	/* A prefix that can no longer become a head is INVALID at once. */
	assert_int_equal(parse("GE\x01", true, &h, NULL), SE_PARSE_INVALID);
	assert_int_equal(parse("HTTP/2", false, &h, NULL), SE_PARSE_INVALID);
	assert_int_equal(parse("GET / HTTP/1.1\r\nBad Name: x", true, &h, NULL), SE_PARSE_INVALID);
}

static void test_parse_bare_lf(void **state)
{
	struct se_http1_head h;

	assert_int_equal(parse("GET /a HTTP/1.1\nHost: x\nA: b\r\n\n", true, &h, NULL),
			 SE_PARSE_OK);
	assert_int_equal(h.nheaders, 2);
	assert_view(h.headers[0].value, "x");
	assert_view(h.headers[1].value, "b");
	/* A CR not followed by LF is not a line end. */
	assert_int_equal(parse("GET /a HTTP/1.1\rHost: x\n\n", true, &h, NULL), SE_PARSE_INVALID);
	assert_int_equal(parse("GET /a HTTP/1.1\nHost: x\ry\n\n", true, &h, NULL),
			 SE_PARSE_INVALID);
}

static void test_parse_framing_headers(void **state)
{
	struct se_http1_head h;
	enum se_http1_error err;

	assert_int_equal(parse("POST / HTTP/1.1\r\ncontent-LENGTH: 5\r\n\r\n", true, &h, NULL),
			 SE_PARSE_OK);
	assert_int_equal(h.content_length, 5);
	assert_int_equal(parse("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
			       true, &h, NULL),
			 SE_PARSE_OK);
	assert_int_equal(h.content_length, 5);
	assert_int_equal(parse("POST / HTTP/1.1\r\nContent-Length: 5 , 5\r\n\r\n", true, &h, NULL),
			 SE_PARSE_OK);
	assert_int_equal(h.content_length, 5);
	assert_int_equal(
	    parse("POST / HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\n", true, &h, NULL),
	    SE_PARSE_OK);
	assert_int_equal(h.content_length, INT64_MAX);
	/* Transfer-Encoding chunked wins over Content-Length. */
	assert_int_equal(
	    parse("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
		  true, &h, NULL),
	    SE_PARSE_OK);
	assert_true(h.chunked);
	assert_int_equal(h.content_length, -1);
	assert_int_equal(
	    parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n", true, &h, NULL),
	    SE_PARSE_OK);
	assert_true(h.chunked);
	assert_int_equal(parse("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n"
			       "Transfer-Encoding: chunked;x=1 \r\n\r\n",
			       true, &h, NULL),
			 SE_PARSE_OK);
	assert_true(h.chunked);
	/* A response whose encoding does not end in chunked is read until close. */
	assert_int_equal(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n"
			       "Content-Length: 3\r\n\r\n",
			       false, &h, NULL),
			 SE_PARSE_OK);
	assert_false(h.chunked);
	assert_int_equal(h.content_length, -1);
	/* Connection tokens. */
	assert_int_equal(
	    parse("GET / HTTP/1.1\r\nConnection: keep-alive, CLOSE\r\n\r\n", true, &h, NULL),
	    SE_PARSE_OK);
	assert_true(h.conn_close);
	assert_int_equal(
	    parse("GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", true, &h,
		  NULL),
	    SE_PARSE_OK);
	assert_true(h.upgrade);
	assert_int_equal(parse("GET / HTTP/1.1\r\nConnection: upgrade\r\n\r\n", true, &h, NULL),
			 SE_PARSE_OK);
	assert_false(h.upgrade);
	assert_int_equal(parse("GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n", true, &h, NULL),
			 SE_PARSE_OK);
	assert_false(h.upgrade);

	static const char *const bad[] = {
		"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 5,\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length:\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 9223372036854775808\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], true, &h, &err), SE_PARSE_INVALID);
		assert_int_equal(err, SE_HTTP1_ERR_INVALID);
	}
}

static void test_parse_invalid(void **state)
{
	static const char *const bad[] = {
		" GET / HTTP/1.1\r\n\r\n",
		"GET\t/ HTTP/1.1\r\n\r\n",
		"G(T / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost : x\r\n\r\n",
		"GET / HTTP/1.1\r\n: x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n", /* obs-fold */
		"GET / HTTP/1.1\r\nHost: a\r\n\tb\r\n\r\n",
		"GET / HTTP/1.1\r\n Host: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHo\x01st: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n",
		"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\r\n",
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
	};
	struct se_http1_head h;
	enum se_http1_error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = strlen(bad[i]);

		if (i == 11)
			len = sizeof("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n") - 1;
		assert_int_equal(se_http1_parse_head((const uint8_t *)bad[i], len, true, &h, &err),
				 SE_PARSE_INVALID);
		assert_int_equal(err, SE_HTTP1_ERR_INVALID);
	}
}

static void test_parse_ows(void **state)
{
	struct se_http1_head h;

	assert_int_equal(
	    parse("GET / HTTP/1.1\r\nA:\t  v  w \t \r\nB:x\r\nC:   \r\n\r\n", true, &h, NULL),
	    SE_PARSE_OK);
	assert_view(h.headers[0].value, "v  w");
	assert_view(h.headers[1].value, "x");
	assert_int_equal(h.headers[2].value.len, 0);
}

/* A head of exactly `total` bytes: request line, filler header, empty line. */
static char *make_head(size_t total, bool request, size_t extra)
{
	const char *start =
	    request ? "GET /big HTTP/1.1\r\nX-Fill: " : "HTTP/1.1 200 OK\r\nX-Fill: ";
	size_t sl = strlen(start);
	char *buf = malloc(total + extra + 1);

	assert_non_null(buf);
	assert_true(total > sl + 4);
	memcpy(buf, start, sl);
	memset(buf + sl, 'a', total - sl - 4);
	memcpy(buf + total - 4, "\r\n\r\n", 4);
	memset(buf + total, 'z', extra);
	buf[total + extra] = 0;
	return buf;
}

static void test_parse_size_limit(void **state)
{
	struct se_http1_head h;
	enum se_http1_error err;
	char *ok = make_head(SE_HTTP1_HEAD_MAX, true, 100);
	char *big = make_head(SE_HTTP1_HEAD_MAX + 1, true, 100);

	assert_int_equal(se_http1_parse_head((uint8_t *)ok, SE_HTTP1_HEAD_MAX, true, &h, &err),
			 SE_PARSE_OK);
	assert_int_equal(h.head_len, SE_HTTP1_HEAD_MAX);
	assert_int_equal(
	    se_http1_parse_head((uint8_t *)ok, SE_HTTP1_HEAD_MAX + 100, true, &h, &err),
	    SE_PARSE_OK);
	assert_int_equal(h.head_len, SE_HTTP1_HEAD_MAX);
	assert_int_equal(se_http1_parse_head((uint8_t *)ok, SE_HTTP1_HEAD_MAX - 1, true, &h, &err),
			 SE_PARSE_NEED_MORE);
	assert_int_equal(se_http1_parse_head((uint8_t *)big, SE_HTTP1_HEAD_MAX, true, &h, &err),
			 SE_PARSE_INVALID);
	assert_int_equal(err, SE_HTTP1_ERR_TOO_LARGE);
	assert_int_equal(se_http1_parse_head((uint8_t *)big, SE_HTTP1_HEAD_MAX + 1, true, &h, &err),
			 SE_PARSE_INVALID);
	assert_int_equal(err, SE_HTTP1_ERR_TOO_LARGE);
	assert_int_equal(se_http1_parse_head((uint8_t *)big, SE_HTTP1_HEAD_MAX - 1, true, &h, &err),
			 SE_PARSE_NEED_MORE);
	free(ok);
	free(big);
}

static void test_parse_many_headers(void **state)
{
	char buf[4096];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\n");
	struct se_http1_head h;

	for (int i = 0; i < SE_HTTP1_HEADERS_MAX + 6; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "H%d: v%d\r\n", i, i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			      "Content-Length: 3\r\nCookie: secret\r\n\r\n");
	assert_int_equal(se_http1_parse_head((uint8_t *)buf, n, true, &h, NULL), SE_PARSE_OK);
	assert_int_equal(h.nheaders, SE_HTTP1_HEADERS_MAX);
	assert_int_equal(h.headers_seen, SE_HTTP1_HEADERS_MAX + 8);
	assert_view(h.headers[SE_HTTP1_HEADERS_MAX - 1].name, "H63");
	assert_int_equal(h.content_length, 3); /* framing still read from headers not kept */
	assert_int_equal(h.redacted, 0);
}

static void test_parse_redaction(void **state)
{
	static const char in[] = "GET /a?b HTTP/1.1\r\n"
				 "authorization: Bearer SECRET1\r\n"
				 "PROXY-Authorization: Basic SECRET2\r\n"
				 "Cookie: a=SECRET3\r\n"
				 "X-Api-Key: SECRET4\r\n"
				 "Host: h\r\n"
				 "\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nSet-Cookie: s=SECRET5; Path=/\r\n\r\n";
	struct se_http1_head h;

	assert_int_equal(parse(in, true, &h, NULL), SE_PARSE_OK);
	assert_int_equal(h.redacted, 4);
	for (uint32_t i = 0; i < 4; i++)
		assert_view(h.headers[i].value, SE_HTTP1_REDACTED);
	assert_view(h.headers[4].value, "h");
	for (uint32_t i = 0; i < h.nheaders; i++)
		assert_null(memmem(h.headers[i].value.p, h.headers[i].value.len, "SECRET", 6));
	assert_int_equal(parse(resp, false, &h, NULL), SE_PARSE_OK);
	assert_int_equal(h.redacted, 1);
	assert_view(h.headers[0].value, SE_HTTP1_REDACTED);
	assert_view(h.headers[0].name, "Set-Cookie");
}

/* ---- stream: framing -------------------------------------------------------------------- */

static void test_stream_requests(void **state)
{
	expect_valid(true, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "H:GET /?|E:0");
	expect_valid(true, "POST /p?x=1 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
		     "H:POST /p?x=1|E:5");
	expect_valid(true, "POST /p HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "H:POST /p?|E:0");
	/* Chunked: extensions, upper- and lowercase hex, trailers. */
	expect_valid(true,
		     "PUT /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "5;name=val\r\nhello\r\n"
		     "A \r\n0123456789\r\n"
		     "1a;a=\"b c\" ; d\r\n"
		     "abcdefghijklmnopqrstuvwxyz\r\n"
		     "0\r\nX-Trailer: 1\r\nY: 2\r\n\r\n",
		     "H:PUT /u?|E:41");
	expect_valid(true,
		     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "000003\r\nabc\r\n0\r\n\r\n",
		     "H:POST /?|E:3");
	/* Bare LF everywhere. */
	expect_valid(true,
		     "POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n3\nabc\n0\nT: x\n\n"
		     "GET /n HTTP/1.1\n\n",
		     "H:POST /?|E:3|H:GET /n?|E:0");
	/* Chunked wins over Content-Length. */
	expect_valid(true,
		     "POST / HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "2\r\nab\r\n0\r\n\r\n",
		     "H:POST /?|E:2");
	/* Empty lines before a request are skipped (RFC 9112 2.2). */
	expect_valid(true, "\r\n\r\nGET /a HTTP/1.1\r\n\r\n\r\nGET /b HTTP/1.1\r\n\r\n",
		     "H:GET /a?|E:0|H:GET /b?|E:0");
	/* Unknown methods parse. */
	expect_valid(true, "PROPFIND /d HTTP/1.1\r\nContent-Length: 2\r\n\r\nab",
		     "H:PROPFIND /d?|E:2");
}

static void test_stream_pipelined(void **state)
{
	expect_valid(true,
		     "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
		     "POST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
		     "PUT /3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"
		     "DELETE /4?z HTTP/1.1\r\n\r\n",
		     "H:GET /1?|E:0|H:POST /2?|E:3|H:PUT /3?|E:1|H:DELETE /4?z|E:0");
	expect_valid(false,
		     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
		     "HTTP/1.1 204 No Content\r\n\r\n"
		     "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"
		     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n"
		     "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
		     "H:200|E:2|H:204|E:0|H:304|E:0|H:200|E:4|H:404|E:0");
}

static void test_stream_responses(void **state)
{
	struct rec proto = { 0 };

	/* 1xx heads are reported and end at once, then the final response. */
	expect_valid(false,
		     "HTTP/1.1 100 Continue\r\n\r\n"
		     "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
		     "HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nbody",
		     "H:100|E:0|H:103|E:0|H:201|E:4");
	/* Until close: ended by se_http1_close, not estimated. */
	expect_valid(false, "HTTP/1.0 200 OK\r\n\r\nsome body bytes", "H:200|E:15");
	expect_valid(
	    false, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nabcdef",
	    "H:200|E:6");
	/* A response to HEAD: the owner says there is no body, whatever the headers. */
	proto.modes[0] = SE_HTTP1_BODY_NONE;
	check_splits(&proto, false,
		     "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 200 OK\r\n"
		     "Content-Length: 1\r\n\r\nx",
		     strlen("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 200 OK\r\n"
			    "Content-Length: 1\r\n\r\nx"),
		     NULL);
	expect_whole(&proto, false,
		     "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
		     "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
		     strlen("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
			    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"),
		     "H:200|E:0|H:200|E:1");
}

static void test_stream_stop(void **state)
{
	static const char in[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
				 "Connection: Upgrade\r\n\r\n\x81\x05hello";
	static const char more[] = "HTTP/1.1 200 OK\r\n\r\n";
	struct rec proto = { 0 }, r;
	struct se_http1_stream s;

	proto.modes[0] = SE_HTTP1_BODY_STOP;
	check_splits(&proto, false, in, sizeof(in) - 1, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ev[0].kind, 'H');
	/* Nothing after a stop, not even at close. */
	r = proto;
	se_http1_stream_init(&s, false, 0, false);
	feed(&s, &r, 0, in, sizeof(in) - 1, sizeof(in) - 1, 1);
	assert_int_equal(s.state, SE_HTTP1_S_STOPPED);
	feed(&s, &r, sizeof(in) - 1, more, sizeof(more) - 1, sizeof(more) - 1, 2);
	feed(&s, &r, 10000, more, sizeof(more) - 1, 0, 3);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	assert_int_equal(r.n, 1);
}

static void test_stream_close(void **state)
{
	/* A message cut short is ended as estimated at close, with the last segment's ts. */
	expect_whole(NULL, true, "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
		     strlen("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"), "H:POST /?|E:3~");
	expect_whole(NULL, false, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
		     strlen("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"),
		     "H:200|E:2~");
	expect_whole(NULL, false, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
		     strlen("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"),
		     "H:200|E:0~");
	/* A head cut short is no message. */
	expect_whole(NULL, true, "GET / HTTP/1.1\r\nHost:", strlen("GET / HTTP/1.1\r\nHost:"), "");
	expect_whole(NULL, false, "", 0, "");
}

static void test_stream_timestamps(void **state)
{
	static const char in[] = "POST /t HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabcd"
				 "GET /u HTTP/1.1\r\n\r\n";
	struct rec r = { 0 };
	struct se_http1_stream s;
	size_t len = sizeof(in) - 1, head1 = len - 4 - strlen("GET /u HTTP/1.1\r\n\r\n");

	/* The first head arrives in 3 pieces (ts 10, 11, 12), its body in two (13, 14). */
	se_http1_stream_init(&s, true, 500, false);
	feed(&s, &r, 500, in, 5, 5, 10);
	feed(&s, &r, 505, in + 5, 10, 10, 11);
	feed(&s, &r, 515, in + 15, head1 - 15 + 1, (uint32_t)(head1 - 15 + 1), 12);
	feed(&s, &r, 500 + head1 + 1, in + head1 + 1, 2, 2, 13);
	feed(&s, &r, 500 + head1 + 3, in + head1 + 3, len - head1 - 3, (uint32_t)(len - head1 - 3),
	     14);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.ev[0].kind, 'H');
	assert_int_equal(r.ev[0].ts, 10);
	assert_int_equal(r.ev[1].kind, 'E');
	assert_int_equal(r.ev[1].ts, 14);
	assert_int_equal(r.ev[1].body_len, 4);
	assert_int_equal(r.ev[2].ts, 14);
	assert_int_equal(r.ev[3].ts, 14);
	assert_string_equal(r.ev[2].desc, "GET /u?");
}

static void test_stream_gather_many(void **state)
{
	char *head = make_head(3000, true, 0);
	struct rec r = { 0 };
	struct se_http1_stream s;
	size_t len = strlen(head), at = 0;
	uint64_t ts = 100;

	se_http1_stream_init(&s, true, 0, false);
	while (at < len) {
		size_t n = len - at < 37 ? len - at : 37;

		feed(&s, &r, at, head + at, n, (uint32_t)n, ts++);
		if (at + n < len) {
			assert_non_null(s.head);
			assert_int_equal(s.head_len, at + n);
		}
		at += n;
	}
	assert_null(s.head); /* freed once complete */
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[0].ts, 100);
	assert_int_equal(r.ev[1].ts, ts - 1);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	free(head);
}

static void test_stream_size_limit(void **state)
{
	char *ok = make_head(SE_HTTP1_HEAD_MAX, true, 0);
	char *big = make_head(SE_HTTP1_HEAD_MAX + 1, true, 0);
	char *big_tail = make_head(SE_HTTP1_HEAD_MAX + 1, true, 200);
	struct rec r = { 0 };

	check_splits(&proto_default, true, ok, SE_HTTP1_HEAD_MAX, &r);
	assert_int_equal(r.n, 2);
	assert_false(r.ev[0].truncated);
	/* One byte more: truncated (before the final CR), no longer lost. */
	check_splits(&proto_default, true, big, SE_HTTP1_HEAD_MAX + 1, &r);
	assert_int_equal(r.n, 2);
	assert_true(r.ev[0].truncated);
	assert_int_equal(r.ev[0].head_len, SE_HTTP1_HEAD_MAX + 1);
	assert_int_equal(r.ev[0].nheaders, 1);
	expect_whole(NULL, true, big, SE_HTTP1_HEAD_MAX + 1, "T:GET /big?|E:0");
	/* (the bytes after it start a head that never completes: no message) */
	expect_whole(NULL, true, big_tail, SE_HTTP1_HEAD_MAX + 201, "T:GET /big?|E:0");
	free(ok);
	free(big);
	free(big_tail);
}

/* ---- stream: heads over SE_HTTP1_HEAD_MAX ----------------------------------------------- */

/* Inputs of up to SE_HTTP1_HEAD_TOTAL_MAX and more, built piece by piece. */
static char big_in[SE_HTTP1_HEAD_TOTAL_MAX + 4096];
static size_t big_len;

static void big_cat(const char *str)
{
	size_t n = strlen(str);

	assert_true(big_len + n < sizeof(big_in));
	memcpy(big_in + big_len, str, n);
	big_len += n;
	big_in[big_len] = 0;
}

static void big_fill(char c, size_t n)
{
	assert_true(big_len + n < sizeof(big_in));
	memset(big_in + big_len, c, n);
	big_len += n;
	big_in[big_len] = 0;
}

static void big_start(const char *str)
{
	big_len = 0;
	big_cat(str);
}

/* The length of the head that starts at `from` in big_in (up to its empty line). */
static uint32_t big_head_len(size_t from)
{
	const char *e = memmem(big_in + from, big_len - from, "\r\n\r\n", 4);

	assert_non_null(e);
	return (uint32_t)(e + 4 - (big_in + from));
}

#define COOKIE_LEN 6000
/* Just over SE_HTTP1_HEAD_MAX, for the many cases fed every way (cost grows with len^2). */
#define SHORT_COOKIE_LEN 4200

/* Feed `in` whole, then cut once at offsets from 1 in steps of `step`: the same events each time
 * (errors included, which check_splits does not allow). */
static void expect_cuts(bool request, const char *in, size_t len, size_t step, const char *want)
{
	static struct rec got;
	char buf[1024];

	expect_whole(NULL, request, in, len, want);
	for (size_t cut = 1; cut < len; cut += step) {
		run_cuts(&got, &proto_default, request, in, len, &cut, 1);
		events_str(&got, buf, sizeof(buf));
		assert_string_equal(buf, want);
	}
}

static void test_stream_truncated_request(void **state)
{
	struct rec proto = { .secret = "SECRET" }, got;
	char buf[256];

	/* A 6 KB cookie: the head is kept up to it, reported once at its end, framed by a
	 * Content-Length that comes after it. */
	big_start("POST /c?x=1 HTTP/1.1\r\nHost: h\r\nCookie: a=SECRET\r\nCookie: big=SECRET");
	big_fill('s', COOKIE_LEN);
	big_cat("\r\nContent-Length: 5\r\nX-After: 1\r\n\r\nhello"
		"GET /next HTTP/1.1\r\n\r\n");
	check_splits(&proto, true, big_in, big_len, &got);
	events_str(&got, buf, sizeof(buf));
	assert_string_equal(buf, "T:POST /c?x=1|E:5|H:GET /next?|E:0");
	assert_int_equal(got.ev[0].head_len, big_head_len(0));
	assert_int_equal(got.ev[0].nheaders, 2);
	assert_int_equal(got.ev[0].headers_seen, 5);
	assert_string_equal(got.ev[0].last_header, "Cookie");
	assert_int_equal(got.ev[0].redacted, 1);
	assert_int_equal(got.ev[0].content_length, 5);
	assert_int_equal(got.ev[0].ts, TS_BASE); /* the segment of its first byte */
	assert_int_equal(got.ev[1].ts,
			 TS_BASE + big_len - 1 - strlen("GET /next HTTP/1.1\r\n\r\n"));
	assert_false(got.ev[2].truncated);

	/* Many headers: the kept ones are the first 64 at most, all of them are seen. */
	big_start("GET /many HTTP/1.1\r\n");
	for (int i = 0; i < 300; i++) {
		char line[64];

		snprintf(line, sizeof(line), "X-Header-%03d: value %03d\r\n", i, i);
		big_cat(line);
	}
	big_cat("\r\n");
	check_splits(&proto_default, true, big_in, big_len, &got);
	events_str(&got, buf, sizeof(buf));
	assert_string_equal(buf, "T:GET /many?|E:0");
	assert_int_equal(got.ev[0].nheaders, SE_HTTP1_HEADERS_MAX);
	assert_int_equal(got.ev[0].headers_seen, 300);
}

static void test_stream_truncated_response(void **state)
{
	struct rec proto = { .secret = "SECRET" }, got;
	char buf[256];

	/* A 6 KB Set-Cookie, then chunked framing and Connection: close after it. */
	big_start("HTTP/1.1 200 OK\r\nServer: s\r\nSet-Cookie: id=SECRET");
	big_fill('c', COOKIE_LEN);
	big_cat("; Path=/\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
		"5\r\nhello\r\n0\r\n\r\n"
		"HTTP/1.1 204 No Content\r\n\r\n");
	check_splits(&proto, false, big_in, big_len, &got);
	events_str(&got, buf, sizeof(buf));
	assert_string_equal(buf, "T:200|E:5|H:204|E:0");
	assert_int_equal(got.ev[0].nheaders, 1);
	assert_string_equal(got.ev[0].last_header, "Server");
	assert_int_equal(got.ev[0].headers_seen, 4);
	assert_int_equal(got.ev[0].redacted, 0); /* the cookie was skipped, not kept */
	assert_true(got.ev[0].chunked);
	assert_true(got.ev[0].conn_close);
	assert_int_equal(got.ev[0].content_length, -1);

	/* Only the status line is kept; Content-Length after the cookie; bare LF line ends. */
	big_start("HTTP/1.1 200 OK\nSet-Cookie: ");
	big_fill('c', COOKIE_LEN);
	big_cat("\nContent-Length: 3\n\nabc");
	check_splits(&proto_default, false, big_in, big_len, &got);
	events_str(&got, buf, sizeof(buf));
	assert_string_equal(buf, "T:200|E:3");
	assert_int_equal(got.ev[0].nheaders, 0);
	assert_int_equal(got.ev[0].headers_seen, 2);
	assert_int_equal(got.ev[0].head_len, big_len - 3);
}

/* Framing headers in the skipped part count with those in the kept part, in order. */
static void test_stream_truncated_framing(void **state)
{
	static const struct {
		bool request;
		const char *kept, *skipped, *body, *want;
		int64_t cl;
		bool chunked, close, upgrade;
	} cases[] = {
		/* the same length in both parts; one that differs is invalid */
		{ true, "Content-Length: 3\r\n", "Content-Length: 3\r\n", "abc", "T:POST /?|E:3",
		  3 },
		{ true, "Content-Length: 3\r\n", "Content-Length: 4\r\n", "abcd", "X:1", 0 },
		{ true, "", "Content-Length: 3, 3\r\n", "abc", "T:POST /?|E:3", 3 },
		{ true, "", "Content-Length: x\r\n", "abc", "X:1", 0 },
		{ true, "", "Content-Length:\r\n", "abc", "X:1", 0 },
		/* chunked after the cookie, also over a Content-Length before it */
		{ true, "", "Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\n\r\n",
		  "T:POST /?|E:3", -1, true },
		{ true, "Content-Length: 99\r\n", "Transfer-Encoding: gzip, chunked \t\r\n",
		  "3\r\nabc\r\n0\r\n\r\n", "T:POST /?|E:3", -1, true },
		/* the last Transfer-Encoding decides: a request not ending in chunked is invalid,
		 * a response is read until close */
		{ true, "Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip\r\n", "",
		  "X:1" },
		{ false, "Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip\r\n", "abcdef",
		  "T:200|E:6", -1 },
		{ false, "Transfer-Encoding: gzip\r\n", "Transfer-Encoding: chunked\r\n",
		  "1\r\nx\r\n0\r\n\r\n", "T:200|E:1", -1, true },
		/* Connection and Upgrade, in either part */
		{ false, "", "Connection: keep-alive, close\r\n", "", "T:200|E:0", 0, false, true },
		{ false, "Connection: Upgrade\r\n", "Upgrade: websocket\r\n", "", "T:200|E:0", 0,
		  false, false, true },
		{ false, "Upgrade: h2c\r\n", "Connection: upgrade\r\n", "", "T:200|E:0", 0, false,
		  false, true },
		/* secrets and other names in the skipped part are of no concern */
		{ true, "", "Authorization: Bearer x\r\nX-Content-Length: 7\r\n", "",
		  "T:POST /?|E:0", -1 },
	};
	static struct rec got;
	char buf[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool req = cases[i].request;

		big_start(req ? "POST / HTTP/1.1\r\n" : "HTTP/1.1 200 OK\r\n");
		big_cat(cases[i].kept);
		big_cat("Cookie: ");
		big_fill('k', SHORT_COOKIE_LEN);
		big_cat("\r\n");
		big_cat(cases[i].skipped);
		big_cat("\r\n");
		big_cat(cases[i].body);
		if (cases[i].want[0] == 'X') {
			expect_cuts(req, big_in, big_len, 211, cases[i].want);
			continue;
		}
		check_splits(&proto_default, req, big_in, big_len, &got);
		events_str(&got, buf, sizeof(buf));
		if (strcmp(buf, cases[i].want))
			print_error("case %zu\n", i);
		assert_string_equal(buf, cases[i].want);
		if (cases[i].cl)
			assert_int_equal(got.ev[0].content_length, cases[i].cl);
		assert_int_equal(got.ev[0].chunked, cases[i].chunked);
		assert_int_equal(got.ev[0].conn_close, cases[i].close);
		assert_int_equal(got.ev[0].upgrade, cases[i].upgrade);
	}

	/* HTTP/1.0 is kept alive by a Connection header after the cookie. */
	big_start("HTTP/1.0 200 OK\r\nSet-Cookie: ");
	big_fill('k', SHORT_COOKIE_LEN);
	big_cat("\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx");
	check_splits(&proto_default, false, big_in, big_len, &got);
	assert_false(got.ev[0].conn_close);

	/* Framing values are read through a bounded buffer: one that fits is read (leading
	 * zeros, trailing whitespace), a longer Content-Length or Transfer-Encoding is
	 * invalid, a longer Connection is ignored, a longer Upgrade is present. */
	big_start("POST / HTTP/1.1\r\nCookie: ");
	big_fill('k', SHORT_COOKIE_LEN);
	big_cat("\r\nContent-Length: ");
	big_fill('0', 200);
	big_cat("2  \r\n\r\nab");
	check_splits(&proto_default, true, big_in, big_len, &got);
	events_str(&got, buf, sizeof(buf));
	assert_string_equal(buf, "T:POST /?|E:2");

	big_start("POST / HTTP/1.1\r\nCookie: ");
	big_fill('k', SHORT_COOKIE_LEN);
	big_cat("\r\nContent-Length: ");
	big_fill('0', 300);
	big_cat("2\r\n\r\nab");
	expect_cuts(true, big_in, big_len, 211, "X:1");

	big_start("POST / HTTP/1.1\r\nCookie: ");
	big_fill('k', SHORT_COOKIE_LEN);
	big_cat("\r\nTransfer-Encoding: ");
	big_fill('x', 300);
	big_cat(", chunked\r\n\r\n0\r\n\r\n");
	expect_cuts(true, big_in, big_len, 211, "X:1");

	big_start("HTTP/1.1 200 OK\r\nSet-Cookie: ");
	big_fill('k', SHORT_COOKIE_LEN);
	big_cat("\r\nConnection: close, ");
	big_fill('x', 300);
	big_cat("\r\nUpgrade: ");
	big_fill('u', 300);
	big_cat("\r\nConnection: upgrade\r\nContent-Length: 0\r\n\r\n");
	check_splits(&proto_default, false, big_in, big_len, &got);
	events_str(&got, buf, sizeof(buf));
	assert_string_equal(buf, "T:200|E:0");
	assert_false(got.ev[0].conn_close);
	assert_true(got.ev[0].upgrade);

	/* A field name longer than the buffer is no framing header. */
	big_start("POST / HTTP/1.1\r\nCookie: ");
	big_fill('k', SHORT_COOKIE_LEN);
	big_cat("\r\n");
	big_fill('N', 400);
	big_cat(": 12\r\nContent-Length: 1\r\n\r\nx");
	check_splits(&proto_default, true, big_in, big_len, &got);
	events_str(&got, buf, sizeof(buf));
	assert_string_equal(buf, "T:POST /?|E:1");
}

/* Where the cut between kept and skipped falls: a Content-Length line of 19 bytes placed
 * around SE_HTTP1_HEAD_MAX, then the empty line. */
static void test_stream_truncated_boundaries(void **state)
{
	static const char cl[] = "Content-Length: 2\r\n";
	static const char start[] = "POST /b HTTP/1.1\r\nX-Fill: ";
	static const int at[] = { -21, -20, -19, -18, -17, -2, -1, 0, 1 };
	size_t cll = sizeof(cl) - 1;
	struct rec got;
	char buf[256];

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		size_t line = (size_t)(SE_HTTP1_HEAD_MAX + at[i]); /* where the CL line starts */
		size_t head_len = line + cll + 2;
		bool truncated = head_len > SE_HTTP1_HEAD_MAX;

		big_start(start);
		big_fill('f', line - 2 - strlen(start));
		big_cat("\r\n");
		big_cat(cl);
		big_cat("\r\nok");
		assert_int_equal(big_head_len(0), head_len);
		check_splits(&proto_default, true, big_in, big_len, &got);
		events_str(&got, buf, sizeof(buf));
		assert_string_equal(buf, truncated ? "T:POST /b?|E:2" : "H:POST /b?|E:2");
		assert_int_equal(got.ev[0].head_len, head_len);
		assert_int_equal(got.ev[0].content_length, 2);
		assert_int_equal(got.ev[0].headers_seen, 2);
		/* A line is kept when it ends within the first SE_HTTP1_HEAD_MAX bytes. */
		assert_int_equal(got.ev[0].nheaders,
				 (line <= SE_HTTP1_HEAD_MAX) + (line + cll <= SE_HTTP1_HEAD_MAX));
	}
}

static void test_stream_truncated_limits(void **state)
{
	static const char next[] = "GET /n HTTP/1.1\r\n\r\n";
	struct rec r = { 0 };
	struct se_http1_stream s;
	char buf[256];
	size_t fill;

	/* A request line or status line alone over SE_HTTP1_HEAD_MAX: that message is lost,
	 * the next head that starts a segment is found. */
	big_start("GET /");
	big_fill('a', SE_HTTP1_HEAD_MAX);
	big_cat(" HTTP/1.1\r\nHost: h\r\n\r\n");
	expect_cuts(true, big_in, big_len, 97, "X:2");
	se_http1_stream_init(&s, true, 0, false);
	feed(&s, &r, 0, big_in, big_len, (uint32_t)big_len, 1);
	feed(&s, &r, big_len, next, sizeof(next) - 1, sizeof(next) - 1, 2);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "X:2|H:GET /n?|E:0");
	big_start("HTTP/1.1 200 ");
	big_fill('r', SE_HTTP1_HEAD_MAX);
	big_cat("\r\n\r\n");
	expect_cuts(false, big_in, big_len, 97, "X:2");

	/* A head of exactly SE_HTTP1_HEAD_TOTAL_MAX bytes (one long value) is the largest
	 * taken; one byte more is too large. */
	big_start("GET /t HTTP/1.1\r\nX-Pad: ");
	fill = SE_HTTP1_HEAD_TOTAL_MAX - big_len - 4;
	big_fill('p', fill);
	big_cat("\r\n\r\n");
	assert_int_equal(big_len, SE_HTTP1_HEAD_TOTAL_MAX);
	expect_cuts(true, big_in, big_len, 4093, "T:GET /t?|E:0");
	run_bytes(&r, &proto_default, true, big_in, big_len);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "T:GET /t?|E:0");
	assert_int_equal(r.ev[0].head_len, SE_HTTP1_HEAD_TOTAL_MAX);
	big_start("GET /t HTTP/1.1\r\nX-Pad: ");
	big_fill('p', fill + 1);
	big_cat("\r\n\r\n");
	expect_cuts(true, big_in, big_len, 4093, "X:2");
	run_bytes(&r, &proto_default, true, big_in, big_len);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "X:2");
	/* Many short lines past the limit, never ending: too large, not waited for forever. */
	big_start("GET /t HTTP/1.1\r\n");
	while (big_len < SE_HTTP1_HEAD_TOTAL_MAX + 100)
		big_cat("A: b\r\n");
	expect_cuts(true, big_in, big_len, 4093, "X:2");
}

/* Every byte of a truncated head must be there, skipped ones too. */
static void test_stream_truncated_missing(void **state)
{
	static const char next[] = "GET /n HTTP/1.1\r\n\r\n";
	struct rec r = { 0 };
	struct se_http1_stream s;
	char buf[256];
	size_t hl;

	big_start("POST /m HTTP/1.1\r\nCookie: ");
	big_fill('k', COOKIE_LEN);
	big_cat("\r\nContent-Length: 10000\r\n\r\n");
	hl = big_len;

	/* A hole in the skipped part, after the head's start was gathered. */
	se_http1_stream_init(&s, true, 0, false);
	feed(&s, &r, 0, big_in, 5000, 5000, 1);
	assert_true(s.head_truncated);
	assert_non_null(s.head);
	feed(&s, &r, 5100, big_in + 5100, hl - 5100, (uint32_t)(hl - 5100), 2);
	assert_int_equal(s.state, SE_HTTP1_S_LOST);
	assert_null(s.head);
	assert_false(s.head_truncated);
	feed(&s, &r, hl + 10000, next, sizeof(next) - 1, sizeof(next) - 1, 3);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "X:3|H:GET /n?|E:0");

	/* Skipped bytes not captured (captured < len) in the segment with the head's start,
	 * and in a later one. */
	memset(&r, 0, sizeof(r));
	se_http1_stream_init(&s, true, 0, false);
	feed(&s, &r, 0, big_in, hl, 5000, 1);
	assert_int_equal(s.state, SE_HTTP1_S_LOST);
	assert_null(s.head);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "X:3");
	memset(&r, 0, sizeof(r));
	se_http1_stream_init(&s, true, 0, false);
	feed(&s, &r, 0, big_in, 3000, 3000, 1);
	feed(&s, &r, 3000, big_in + 3000, hl - 3000, 3000, 2);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "X:3");

	/* The whole head captured, the body not: framed on from the length. */
	memset(&r, 0, sizeof(r));
	se_http1_stream_init(&s, true, 0, false);
	feed(&s, &r, 0, big_in, hl + 10000, (uint32_t)hl, 1);
	feed(&s, &r, hl + 10000, next, sizeof(next) - 1, sizeof(next) - 1, 2);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "T:POST /m?|E:10000|H:GET /n?|E:0");
	memset(&r, 0, sizeof(r));
	se_http1_stream_init(&s, true, 0, false);
	feed(&s, &r, 0, big_in, 2000, 2000, 1);
	feed(&s, &r, 2000, big_in + 2000, hl - 2000 + 10000, (uint32_t)(hl - 2000), 2);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "T:POST /m?|E:10000");
	assert_int_equal(r.ev[0].ts, 1);
	assert_int_equal(r.ev[1].ts, 2);
}

/* Skipped lines are checked as strictly as kept ones. */
static void test_stream_truncated_invalid(void **state)
{
	static const char *const bad[] = {
		"X-Folded: a\r\n folded\r\n",
		"X-Folded: a\r\n\tfolded\r\n",
		"X-Ctl: a\x01z\r\n",
		"X-Del: a\x7fz\r\n",
		"X-Cr: a\rz\r\n",
		"NoColon\r\n",
		"Name : v\r\n",
		": no name\r\n",
		"N(ame: v\r\n",
		"\r\r\n",
	};
	static const char next[] = "GET /n HTTP/1.1\r\n\r\n";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rec r = { 0 };
		struct se_http1_stream s;
		char buf[256];

		big_start("GET /bad HTTP/1.1\r\nCookie: ");
		big_fill('k', COOKIE_LEN);
		big_cat("\r\n");
		big_cat(bad[i]);
		big_cat("Host: h\r\n\r\n");
		expect_cuts(true, big_in, big_len, 211, "X:1");
		/* And the next head that starts a segment is found. */
		se_http1_stream_init(&s, true, 0, false);
		feed(&s, &r, 0, big_in, 4500, 4500, 1);
		feed(&s, &r, 4500, big_in + 4500, big_len - 4500, (uint32_t)(big_len - 4500), 2);
		feed(&s, &r, big_len, next, sizeof(next) - 1, sizeof(next) - 1, 3);
		se_http1_close(&s, &rec_cb, &r);
		se_http1_stream_fini(&s);
		events_str(&r, buf, sizeof(buf));
		assert_string_equal(buf, "X:1|H:GET /n?|E:0");
	}
}

static void test_stream_truncated_pipelined(void **state)
{
	struct rec got, proto = { 0 };
	char buf[256];

	big_start("GET /1 HTTP/1.1\r\nCookie: ");
	big_fill('a', SHORT_COOKIE_LEN);
	big_cat("\r\n\r\nGET /2 HTTP/1.1\r\n\r\nPOST /3 HTTP/1.1\r\nX-Big: ");
	big_fill('b', SHORT_COOKIE_LEN);
	big_cat(
	    "\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\nDELETE /4 HTTP/1.1\r\n\r\n");
	check_splits(&proto_default, true, big_in, big_len, &got);
	events_str(&got, buf, sizeof(buf));
	assert_string_equal(buf, "T:GET /1?|E:0|H:GET /2?|E:0|T:POST /3?|E:2|H:DELETE /4?|E:0");

	/* Responses: a 1xx, a truncated answer to HEAD (no body whatever it says), a 304. */
	proto.modes[1] = SE_HTTP1_BODY_NONE;
	big_start("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nSet-Cookie: ");
	big_fill('c', SHORT_COOKIE_LEN);
	big_cat("\r\nContent-Length: 500\r\n\r\nHTTP/1.1 304 Not Modified\r\nSet-Cookie: ");
	big_fill('d', SHORT_COOKIE_LEN);
	big_cat("\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
	check_splits(&proto, false, big_in, big_len, &got);
	events_str(&got, buf, sizeof(buf));
	assert_string_equal(buf, "H:100|E:0|T:200|E:0|T:304|E:0|H:200|E:1");
}

/* A truncated head found at a resync, and a message lost before it. */
static void test_stream_truncated_resync(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				   "10\r\n0123456789";
	struct rec r = { 0 };
	struct se_http1_stream s;
	char buf[256];
	uint64_t off = sizeof(head) - 1 + 100;

	big_start("HTTP/1.1 201 Created\r\nSet-Cookie: ");
	big_fill('c', COOKIE_LEN);
	big_cat("\r\nContent-Length: 2\r\n\r\nok");
	se_http1_stream_init(&s, false, 0, false);
	/* 10 data bytes captured, the chunk's end not: lost inside the body */
	feed(&s, &r, 0, head, off, sizeof(head) - 1, 1);
	feed(&s, &r, off, "junk", 4, 4, 2);
	feed(&s, &r, off + 4, big_in, 3000, 3000, 3); /* resync, gathering */
	assert_int_equal(s.lost_ts, 2);
	feed(&s, &r, off + 3004, big_in + 3000, 2000, 2000, 4); /* truncated, skipping */
	assert_true(s.head_truncated);
	feed(&s, &r, off + 5004, big_in + 5000, big_len - 5000, (uint32_t)(big_len - 5000), 5);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "H:200|X:3|E:16~|T:201|E:2");
	assert_int_equal(r.ev[2].ts, 2);
	assert_int_equal(r.ev[3].ts, 3);
	assert_int_equal(r.ev[4].ts, 5);
}

/* ---- stream: se_http1_stop and allocation failures -------------------------------------- */

static void test_stream_stop_call(void **state)
{
	static const char post[] = "POST /s HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc";
	static const char chunked[] =
	    "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab";
	static const char get[] = "GET /g HTTP/1.1\r\n\r\n";
	struct rec r = { 0 };
	struct se_http1_stream s;

	/* While a head is gathered: the buffer goes, nothing more is reported. */
	se_http1_stream_init(&s, true, 0, false);
	feed(&s, &r, 0, get, 5, 5, 1);
	assert_non_null(s.head);
	se_http1_stop(&s);
	assert_int_equal(s.state, SE_HTTP1_S_STOPPED);
	assert_null(s.head);
	feed(&s, &r, 5, get + 5, sizeof(get) - 6, sizeof(get) - 6, 2);
	feed(&s, &r, 100, get, sizeof(get) - 1, sizeof(get) - 1, 3);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	assert_int_equal(r.n, 0);

	/* Inside a body: the open message gets no end, not even at close. */
	memset(&r, 0, sizeof(r));
	se_http1_stream_init(&s, true, 0, false);
	feed(&s, &r, 0, post, sizeof(post) - 1, sizeof(post) - 1, 1);
	assert_true(s.in_message);
	se_http1_stop(&s);
	assert_false(s.in_message);
	feed(&s, &r, sizeof(post) - 1, "defghij", 7, 7, 2);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	assert_int_equal(r.n, 1);

	/* While a truncated head is skipped. */
	big_start("GET /t HTTP/1.1\r\nCookie: ");
	big_fill('k', COOKIE_LEN);
	big_cat("\r\n\r\n");
	memset(&r, 0, sizeof(r));
	se_http1_stream_init(&s, true, 0, false);
	feed(&s, &r, 0, big_in, 5000, 5000, 1);
	assert_true(s.head_truncated);
	se_http1_stop(&s);
	assert_null(s.head);
	assert_false(s.head_truncated);
	feed(&s, &r, 5000, big_in + 5000, big_len - 5000, (uint32_t)(big_len - 5000), 2);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	assert_int_equal(r.n, 0);

	/* From the stream's own on_head, for a head in place, gathered or truncated: the head
	 * is reported, its body is not framed, nothing follows. */
	for (int kind = 0; kind < 3; kind++) {
		memset(&r, 0, sizeof(r));
		se_http1_stream_init(&s, true, 0, false);
		r.stop_on_head = &s;
		if (kind == 0) {
			feed(&s, &r, 0, post, sizeof(post) - 1, sizeof(post) - 1, 1);
		} else if (kind == 1) {
			feed(&s, &r, 0, post, 10, 10, 1);
			feed(&s, &r, 10, post + 10, sizeof(post) - 11, sizeof(post) - 11, 2);
		} else {
			feed(&s, &r, 0, big_in, 5000, 5000, 1);
			feed(&s, &r, 5000, big_in + 5000, big_len - 5000,
			     (uint32_t)(big_len - 5000), 2);
		}
		assert_int_equal(s.state, SE_HTTP1_S_STOPPED);
		assert_null(s.head);
		feed(&s, &r, 20000, get, sizeof(get) - 1, sizeof(get) - 1, 3);
		se_http1_close(&s, &rec_cb, &r);
		se_http1_stream_fini(&s);
		assert_int_equal(r.n, 1);
		assert_int_equal(r.ev[0].kind, 'H');
	}

	/* From on_end of a message lost before a resync: the new head is not reported. */
	memset(&r, 0, sizeof(r));
	se_http1_stream_init(&s, true, 0, false);
	r.stop_on_end = &s;
	feed(&s, &r, 0, chunked, 1000, sizeof(chunked) - 1, 1);
	feed(&s, &r, 1000, get, sizeof(get) - 1, sizeof(get) - 1, 2);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	assert_int_equal(r.n, 3); /* H, X:3, E~ */
	assert_int_equal(r.ev[2].kind, 'E');
	assert_true(r.ev[2].estimated);
}

/* feed() with the framer's first allocation in it failing; one must be made. */
static void feed_alloc_fails(struct se_http1_stream *s, struct rec *r, uint64_t offset,
			     const void *data, uint64_t len, uint32_t captured, uint64_t ts)
{
	fail_alloc_in_feed = true;
	feed(s, r, offset, data, len, captured, ts);
	assert_false(fail_next_malloc);
}

static void test_stream_alloc_failure(void **state)
{
	static const char a[] = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
	static const char b[] = "GET /b HTTP/1.1\r\n\r\n";
	struct rec r = { 0 };
	struct se_http1_stream s;
	char buf[256];
	uint64_t off = 0;

	se_http1_stream_init(&s, true, 0, false);
	/* A split head: no buffer to gather it in. The rest of it is skipped... */
	feed_alloc_fails(&s, &r, off, a, 10, 10, 1);
	assert_int_equal(s.state, SE_HTTP1_S_LOST);
	assert_null(s.head);
	feed(&s, &r, off + 10, a + 10, sizeof(a) - 11, sizeof(a) - 11, 2);
	off += sizeof(a) - 1;
	/* ...and the next head is found, split or not. */
	feed(&s, &r, off, b, 4, 4, 3);
	feed(&s, &r, off + 4, b + 4, sizeof(b) - 5, sizeof(b) - 5, 4);
	off += sizeof(b) - 1;
	feed(&s, &r, off, b, sizeof(b) - 1, sizeof(b) - 1, 5);
	off += sizeof(b) - 1;
	/* A truncated head going on in the next segment: no buffer for its kept part. */
	big_start("GET /t HTTP/1.1\r\nCookie: ");
	big_fill('k', COOKIE_LEN);
	big_cat("\r\n\r\n");
	feed_alloc_fails(&s, &r, off, big_in, 5000, 5000, 6);
	assert_int_equal(s.state, SE_HTTP1_S_LOST);
	feed(&s, &r, off + 5000, big_in + 5000, big_len - 5000, (uint32_t)(big_len - 5000), 7);
	off += big_len;
	feed(&s, &r, off, b, sizeof(b) - 1, sizeof(b) - 1, 8);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "X:4|H:GET /b?|E:0|H:GET /b?|E:0|X:4|H:GET /b?|E:0");
	assert_int_equal(r.ev[1].ts, 3);
}

static void test_stream_redaction(void **state)
{
	static const char in[] = "GET /a HTTP/1.1\r\nCookie: id=TOPSECRET\r\n"
				 "Authorization: Basic TOPSECRET\r\nX-API-KEY: TOPSECRET\r\n\r\n";
	struct rec proto = { .secret = "TOPSECRET" };

	/* Whole, split and gathered: the secret is in no view on_head sees. */
	check_splits(&proto, true, in, sizeof(in) - 1, NULL);
}

/* ---- stream: missing bytes -------------------------------------------------------------- */

static void test_stream_uncaptured_length(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n";
	static const char next[] = "HTTP/1.1 204 No Content\r\n\r\n";
	char seg1[sizeof(head) - 1 + 100];
	struct rec r = { 0 };
	struct se_http1_stream s;
	size_t hl = sizeof(head) - 1;

	memcpy(seg1, head, hl);
	memset(seg1 + hl, 'b', 100);
	se_http1_stream_init(&s, false, 0, false);
	/* Head and 100 body bytes captured, the other 9900 not (capture limit). */
	feed(&s, &r, 0, seg1, hl + 10000, (uint32_t)sizeof(seg1), 1);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[1].kind, 'E');
	assert_int_equal(r.ev[1].body_len, 10000);
	assert_false(r.ev[1].estimated);
	assert_int_equal(r.ev[1].ts, 1);
	feed(&s, &r, hl + 10000, next, sizeof(next) - 1, sizeof(next) - 1, 2);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.ev[2].desc, "204");
	/* A body that goes on past a segment's captured bytes. */
	feed(&s, &r, hl + 10000 + sizeof(next) - 1, seg1, hl + 5000, (uint32_t)hl + 10, 3);
	assert_int_equal(s.state, SE_HTTP1_S_BODY_LENGTH);
	assert_int_equal(s.remaining, 5000);
	feed(&s, &r, 2 * hl + 15000 + sizeof(next) - 1, NULL, 5000, 0, 4);
	assert_int_equal(r.n, 6);
	assert_int_equal(r.ev[5].body_len, 10000);
	assert_int_equal(r.ev[5].ts, 4);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	assert_int_equal(r.n, 6);
}

static void test_stream_uncaptured_chunked(void **state)
{
	static const char seg1[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n";
	static const char seg3[] = "\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n";
	char data[sizeof(seg1) - 1 + 50];
	struct rec r = { 0 };
	struct se_http1_stream s;
	size_t l1 = sizeof(seg1) - 1;
	uint64_t off;

	memcpy(data, seg1, l1);
	memset(data + l1, 'd', 50);
	se_http1_stream_init(&s, false, 0, false);
	/* The size line captured, 50 of 0x1000 data bytes captured, then a hole of 1000 bytes,
	 * then the rest of the data (not captured), then the last chunk and the end. */
	feed(&s, &r, 0, data, l1 + 2000, (uint32_t)sizeof(data), 1);
	off = l1 + 2000 + 1000;
	feed(&s, &r, off, NULL, 4096 - 3000, 0, 2);
	off += 4096 - 3000;
	feed(&s, &r, off, seg3, sizeof(seg3) - 1, sizeof(seg3) - 1, 3);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.ev[1].kind, 'E');
	assert_int_equal(r.ev[1].body_len, 4096 + 16);
	assert_false(r.ev[1].estimated);
	assert_int_equal(r.ev[1].ts, 3);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
}

static void test_stream_hole_in_body(void **state)
{
	static const char in[] =
	    "POST /h HTTP/1.1\r\nContent-Length: 20\r\n\r\n0123456789abcdefghij"
	    "GET /next HTTP/1.1\r\n\r\n";
	struct rec r = { 0 };
	struct se_http1_stream s;
	size_t hl = strlen("POST /h HTTP/1.1\r\nContent-Length: 20\r\n\r\n");

	se_http1_stream_init(&s, true, 0, false);
	feed(&s, &r, 0, in, hl + 5, (uint32_t)hl + 5, 1);
	/* Bytes hl+5 .. hl+12 never arrive. */
	feed(&s, &r, hl + 12, in + hl + 12, sizeof(in) - 1 - hl - 12,
	     (uint32_t)(sizeof(in) - 1 - hl - 12), 2);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.ev[1].body_len, 20);
	assert_false(r.ev[1].estimated);
	assert_int_equal(r.ev[1].ts, 2);
	assert_string_equal(r.ev[2].desc, "GET /next?");
}

static void test_stream_hole_between_messages(void **state)
{
	static const char a[] = "GET /a HTTP/1.1\r\n\r\n";
	static const char b[] = "GET /b HTTP/1.1\r\n\r\n";
	struct rec r = { 0 };
	struct se_http1_stream s;
	char buf[256];

	/* A whole request lost (hole) and the next one starts its segment: resync at once. */
	se_http1_stream_init(&s, true, 0, false);
	feed(&s, &r, 0, a, sizeof(a) - 1, sizeof(a) - 1, 1);
	feed(&s, &r, 100, b, sizeof(b) - 1, sizeof(b) - 1, 2);
	/* A hole followed by something else: lost until a segment starts with a head. */
	feed(&s, &r, 200, "xyz", 3, 3, 3);
	feed(&s, &r, 203, b, sizeof(b) - 1, sizeof(b) - 1, 4);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "H:GET /a?|E:0|X:3|H:GET /b?|E:0|X:3|H:GET /b?|E:0");
}

static void test_stream_lost_head(void **state)
{
	static const char a[] = "GET /a HTTP/1.1\r\nHost: example\r\n\r\n";
	static const char b[] = "GET /b HTTP/1.1\r\n\r\n";
	struct rec r = { 0 };
	struct se_http1_stream s;
	char buf[256];

	se_http1_stream_init(&s, true, 0, false);
	/* The head goes on past the captured bytes: framing lost. */
	feed(&s, &r, 0, a, sizeof(a) - 1, 10, 1);
	assert_int_equal(s.state, SE_HTTP1_S_LOST);
	/* A segment that does not start like a head: skipped. */
	feed(&s, &r, sizeof(a) - 1, "xx", 2, 2, 2);
	/* A head being gathered when a hole comes. */
	feed(&s, &r, sizeof(a) + 1, b, 5, 5, 3);
	assert_non_null(s.head);
	feed(&s, &r, sizeof(a) + 10, b, sizeof(b) - 1, sizeof(b) - 1, 4);
	assert_null(s.head);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "X:3|X:3|H:GET /b?|E:0");
	assert_int_equal(r.ev[2].ts, 4);
}

static void test_stream_lost_message_estimated(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				   "10\r\n0123456789";
	static const char next[] = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
	struct rec r = { 0 };
	struct se_http1_stream s;
	char buf[256];
	uint64_t off = sizeof(head) - 1 + 200;

	se_http1_stream_init(&s, false, 0, false);
	/* 10 data bytes captured, the rest of the segment (the chunk's end and more) not. */
	feed(&s, &r, 0, head, off, sizeof(head) - 1, 1);
	assert_int_equal(s.state, SE_HTTP1_S_LOST);
	assert_true(s.in_message);
	feed(&s, &r, off, "more body", 9, 9, 2);
	feed(&s, &r, off + 9, "GE", 2, 2, 3); /* the wrong side's method: no resync */
	feed(&s, &r, off + 11, next, 5, 5, 4);
	assert_int_equal(s.state, SE_HTTP1_S_HEAD); /* resynced, gathering the head */
	assert_int_equal(s.lost_ts, 3);		    /* the lost message's end, estimated */
	feed(&s, &r, off + 16, next + 5, sizeof(next) - 6, sizeof(next) - 6, 5);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "H:200|X:3|E:16~|H:200|E:1");
	assert_int_equal(r.ev[2].ts, 3); /* the last segment before the resync */
	assert_int_equal(r.ev[3].ts, 4); /* the head's first byte */
	assert_int_equal(r.ev[4].ts, 5);
}

static void test_stream_lost_then_close(void **state)
{
	static const char head[] = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab";
	struct rec r = { 0 };
	struct se_http1_stream s;
	char buf[256];

	se_http1_stream_init(&s, true, 0, false);
	feed(&s, &r, 0, head, sizeof(head) - 1 + 100, sizeof(head) - 1, 1);
	feed(&s, &r, sizeof(head) - 1 + 100, "zzz", 3, 3, 2);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "H:POST /?|X:3|E:5~");
	assert_int_equal(r.ev[2].ts, 2);

	/* Resynced, but the new head never completes: the lost message still ends at close,
	 * with the ts of the segment before the resync. */
	memset(&r, 0, sizeof(r));
	se_http1_stream_init(&s, true, 0, false);
	feed(&s, &r, 0, head, sizeof(head) - 1 + 100, sizeof(head) - 1, 1);
	feed(&s, &r, sizeof(head) - 1 + 100, "zzz", 3, 3, 2);
	feed(&s, &r, sizeof(head) - 1 + 103, "GET / HTTP/1.1\r\n", 16, 16, 3);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "H:POST /?|X:3|E:5~");
	assert_int_equal(r.ev[2].ts, 2);
}

static void test_stream_midstream(void **state)
{
	static const char req[] = "GET /m HTTP/1.1\r\n\r\n";
	struct rec r = { 0 };
	struct se_http1_stream s;
	char buf[256];

	se_http1_stream_init(&s, true, 7000, true);
	assert_int_equal(s.state, SE_HTTP1_S_LOST);
	feed(&s, &r, 7000, "tail of a body\r\n\r\n", 18, 18, 1);
	feed(&s, &r, 7018, "G", 1, 1, 2); /* a prefix of a head: gathered */
	feed(&s, &r, 7019, req + 1, sizeof(req) - 2, sizeof(req) - 2, 3);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "H:GET /m?|E:0"); /* no message was in progress */
	assert_int_equal(r.ev[0].ts, 2);

	/* A false resync (looks like a head, is not one) is reported and skipped. */
	memset(&r, 0, sizeof(r));
	se_http1_stream_init(&s, true, 0, true);
	feed(&s, &r, 0, "GET x\x01y\r\n\r\n", 10, 10, 1);
	feed(&s, &r, 10, req, sizeof(req) - 1, sizeof(req) - 1, 2);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "X:1|H:GET /m?|E:0");

	/* A head prefix at the start of a segment that is not all captured: no resync. */
	memset(&r, 0, sizeof(r));
	se_http1_stream_init(&s, true, 0, true);
	feed(&s, &r, 0, "GE", 100, 2, 1);
	assert_int_equal(s.state, SE_HTTP1_S_LOST);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	assert_int_equal(r.n, 0);
}

static void test_stream_invalid_recovers(void **state)
{
	static const char bad[] = "GET / HTTP/1.1\r\nBad Header\r\n\r\nGET /x HTTP/1.1\r\n\r\n";
	static const char good[] = "GET /ok HTTP/1.1\r\n\r\n";
	struct rec r = { 0 };
	struct se_http1_stream s;
	char buf[256];

	se_http1_stream_init(&s, true, 0, false);
	feed(&s, &r, 0, bad, sizeof(bad) - 1, sizeof(bad) - 1, 1);
	feed(&s, &r, sizeof(bad) - 1, good, sizeof(good) - 1, sizeof(good) - 1, 2);
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "X:1|H:GET /ok?|E:0");
}

static void test_stream_chunk_errors(void **state)
{
	static const struct {
		const char *body, *want;
	} cases[] = {
		{ "g\r\n", "H:POST /?|X:1|E:0~" },	 /* not hex */
		{ "\r\n", "H:POST /?|X:1|E:0~" },	 /* no size */
		{ ";ext\r\n", "H:POST /?|X:1|E:0~" },	 /* no size */
		{ "-1\r\n", "H:POST /?|X:1|E:0~" },	 /* not hex */
		{ "3\r\nabcX", "H:POST /?|X:1|E:3~" },	 /* no CRLF after the data */
		{ "3\r\nabc\rX", "H:POST /?|X:1|E:3~" }, /* CR without LF */
		{ "3\rX", "H:POST /?|X:1|E:0~" },	 /* CR without LF, size line */
		{ "3;\x01\r\n", "H:POST /?|X:1|E:0~" },	 /* control char in an extension */
		{ "10000000000000000\r\n", "H:POST /?|X:1|E:0~" }, /* 2^64: overflows */
		{ "1000000000000000\r\n", "H:POST /?|X:1|E:0~" },  /* 2^60: above the limit */
		{ "0\r\n\rX", "H:POST /?|X:1|E:0~" },		   /* bad final CRLF */
		{ "FFFFFFFFFFFFFFF\r\nab", "H:POST /?|E:2~" },	   /* large, valid: cut short */
	};
	static const char head[] = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
	static char in[4096];
	size_t n = sizeof(head) - 1;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(in, sizeof(in), "%s%s", head, cases[i].body);
		expect_whole(NULL, true, in, strlen(in), cases[i].want);
	}
	/* A chunk-size line longer than the limit (leading zeros) is invalid too. */
	memcpy(in, head, n);
	memset(in + n, '0', 2000);
	memcpy(in + n + 2000, "1\r\nx\r\n0\r\n\r\n", 11);
	expect_whole(NULL, true, in, n + 2011, "H:POST /?|X:1|E:0~");
}

static void test_stream_overlap_and_empty(void **state)
{
	static const char in[] = "GET /o HTTP/1.1\r\n\r\nGET /p HTTP/1.1\r\n\r\n";
	struct rec r = { 0 };
	struct se_http1_stream s;
	char buf[256];

	se_http1_stream_init(&s, true, 0, false);
	feed(&s, &r, 0, in, 10, 10, 1);
	feed(&s, &r, 10, NULL, 0, 0, 2);		  /* empty */
	feed(&s, &r, 0, in, 5, 5, 3);			  /* entirely old */
	feed(&s, &r, 4, in + 4, 16, 16, 4);		  /* overlaps: its first 6 bytes skipped */
	feed(&s, &r, 20, in + 20, 5, 3, 5);		  /* only partly captured... */
	feed(&s, &r, 18, in + 18, sizeof(in) - 19, 2, 6); /* ...overlap past captured */
	se_http1_close(&s, &rec_cb, &r);
	se_http1_stream_fini(&s);
	events_str(&r, buf, sizeof(buf));
	assert_string_equal(buf, "H:GET /o?|E:0|X:3");
}

#define INPUT(lit)                                                                                 \
	{                                                                                          \
		lit, sizeof(lit) - 1                                                               \
	}

/* Malformed inputs of many kinds, fed every which way: errors, never a crash. */
static void test_stream_malformed(void **state)
{
	static const struct {
		const char *in;
		size_t len;
	} inputs[] = {
		INPUT("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
		INPUT("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n"),
		INPUT("\x00\x01\x02\x03 binary \xff\xfe\r\n\r\n"),
		INPUT("GET /\x01 HTTP/1.1\r\n\r\n"),
		INPUT("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
		INPUT("HTTP/1.1 200 OK\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
		INPUT("GET / HTTP/3\r\n\r\n"),
		INPUT("GET / HTTP/1.1\r\n\r\n\x80garbage"),
		INPUT("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n"),
		INPUT("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabHTTP/1.1 2x0\r\n\r\n"),
	};
	struct rec r;

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		const char *in = inputs[i].in;
		size_t len = inputs[i].len;
		bool errors = false;

		for (int request = 0; request < 2; request++) {
			run_cuts(&r, &proto_default, request, in, len, NULL, 0);
			for (unsigned int k = 0; k < r.n; k++)
				errors |= r.ev[k].kind == 'X';
			run_bytes(&r, &proto_default, request, in, len);
			for (size_t k = 1; k < len; k++)
				run_cuts(&r, &proto_default, request, in, len, &k, 1);
		}
		assert_true(errors);
	}
}

/* The class a byte-by-byte scan of the table gives: what se_http1_span must equal. */
static const uint8_t *span_by_table(const uint8_t *p, const uint8_t *end, uint8_t cls)
{
	while (p < end && se_http1_is(*p, cls))
		p++;
	return p;
}

/*
 * se_http1_span (16 bytes at a time for values and targets; on machines without SSE2 it is
 * the table loop itself) stops exactly where the table scan does: every byte value, at every
 * position of buffers of every length up to 48, with a second stop byte at the end (the
 * first stop must win), scanned from each of the 16 alignments; each buffer a heap block of
 * exactly its length (AddressSanitizer sees any read past its end).
 */
static void test_span_equals_table(void **state)
{
	static const uint8_t classes[] = { SE_HTTP1_C_VALUE, SE_HTTP1_C_TARGET, SE_HTTP1_C_TCHAR };
	(void)state;

	for (size_t len = 0; len <= 48; len++) {
		uint8_t *buf = malloc(len ? len : 1);

		assert_non_null(buf);
		for (size_t c = 0; c < sizeof(classes); c++) {
			for (size_t off = 0; off < 16 && off <= len; off++) {
				for (size_t pos = off; pos < len; pos++) {
					for (unsigned int b = 0; b < 256; b++) {
						memset(buf, 'a', len); /* in every class */
						buf[pos] = (uint8_t)b;
						if (pos + 1 < len)
							buf[len - 1] = 0; /* in none */
						assert_ptr_equal(
						    se_http1_span(buf + off, buf + len, classes[c]),
						    span_by_table(buf + off, buf + len,
								  classes[c]));
					}
				}
				memset(buf, 'a', len);
				assert_ptr_equal(se_http1_span(buf + off, buf + len, classes[c]),
						 buf + len);
			}
		}
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_method_names),
		cmocka_unit_test(test_span_equals_table),
		cmocka_unit_test(test_looks_like_head),
		cmocka_unit_test(test_parse_request),
		cmocka_unit_test(test_parse_methods),
		cmocka_unit_test(test_parse_targets),
		cmocka_unit_test(test_parse_response),
		cmocka_unit_test(test_parse_versions),
		cmocka_unit_test(test_parse_need_more),
		cmocka_unit_test(test_parse_bare_lf),
		cmocka_unit_test(test_parse_framing_headers),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_parse_ows),
		cmocka_unit_test(test_parse_size_limit),
		cmocka_unit_test(test_parse_many_headers),
		cmocka_unit_test(test_parse_redaction),
		cmocka_unit_test(test_stream_requests),
		cmocka_unit_test(test_stream_pipelined),
		cmocka_unit_test(test_stream_responses),
		cmocka_unit_test(test_stream_stop),
		cmocka_unit_test(test_stream_close),
		cmocka_unit_test(test_stream_timestamps),
		cmocka_unit_test(test_stream_gather_many),
		cmocka_unit_test(test_stream_size_limit),
		cmocka_unit_test(test_stream_truncated_request),
		cmocka_unit_test(test_stream_truncated_response),
		cmocka_unit_test(test_stream_truncated_framing),
		cmocka_unit_test(test_stream_truncated_boundaries),
		cmocka_unit_test(test_stream_truncated_limits),
		cmocka_unit_test(test_stream_truncated_missing),
		cmocka_unit_test(test_stream_truncated_invalid),
		cmocka_unit_test(test_stream_truncated_pipelined),
		cmocka_unit_test(test_stream_truncated_resync),
		cmocka_unit_test(test_stream_stop_call),
		cmocka_unit_test(test_stream_alloc_failure),
		cmocka_unit_test(test_stream_redaction),
		cmocka_unit_test(test_stream_uncaptured_length),
		cmocka_unit_test(test_stream_uncaptured_chunked),
		cmocka_unit_test(test_stream_hole_in_body),
		cmocka_unit_test(test_stream_hole_between_messages),
		cmocka_unit_test(test_stream_lost_head),
		cmocka_unit_test(test_stream_lost_message_estimated),
		cmocka_unit_test(test_stream_lost_then_close),
		cmocka_unit_test(test_stream_midstream),
		cmocka_unit_test(test_stream_invalid_recovers),
		cmocka_unit_test(test_stream_chunk_errors),
		cmocka_unit_test(test_stream_overlap_and_empty),
		cmocka_unit_test(test_stream_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

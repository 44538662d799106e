// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * HTTP/2 framing and streams (src/proto/http2/http2_frame.c, http2_track.c), with the real
 * HPACK decoder and group table underneath: frames built here byte by byte, fed as the
 * worker feeds them (segments in stream order, some bytes not captured, holes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proto/http1/http1.h"
#include "proto/http2/counters.h"
#include "proto/http2/http2_track.h"

#define MS 1000000ull

struct fixture {
	struct se_http_groups groups;
	struct se_http_sink sink;
	struct se_h2_env env;
	uint64_t counters[SE_UC__COUNT];
	struct se_budget budget; /* no limit: what the tracker holds, back to 0 at the end */
	struct se_h2_conn h;
	uint64_t off[2];
	uint8_t req_dir;
	uint8_t scratch[SE_HPACK_SCRATCH];
};

static const struct se_endpoint peer = { .family = AF_INET, .addr = { 127, 0, 0, 1 } };

static void fx_start(struct fixture *f, uint8_t role, bool midstream)
{
	se_http_groups_fini(&f->groups); /* the last test's */
	memset(f, 0, sizeof(*f));
	se_http_groups_init(&f->groups, 64);
	f->sink.groups = &f->groups;
	f->sink.counters = f->counters;
	f->env.sink = &f->sink;
	f->env.counters = f->counters;
	f->env.scratch = f->scratch;
	f->req_dir = role == SE_ROLE_CLIENT ? SE_DIR_OUT : SE_DIR_IN;
	se_h2_conn_init(&f->h, role, &peer, f->off, midstream, &f->budget);
}

/* The connection ends; its groups stay for the checks, until the next start. */
static void fx_end(struct fixture *f)
{
	se_h2_conn_close(&f->h, &f->env);
	assert_int_equal(f->sink.active_requests[f->h.role], 0);
	se_h2_conn_fini(&f->h);
	assert_int_equal(f->budget.used, 0);
}

/* n bytes at p as one syscall of direction dir returning at ms; `uncaptured` more follow. */
static void fx_feed(struct fixture *f, unsigned int dir, uint64_t ms, const uint8_t *p, size_t n,
		    uint64_t uncaptured)
{
	struct se_segment seg = {
		.offset = f->off[dir],
		.len = n + uncaptured,
		.ts_ns = ms * MS,
		.start_ns = ms * MS,
		.data = p,
		.captured = (uint32_t)n,
	};

	se_h2_conn_on_bytes(&f->h, &f->env, dir, &seg);
	f->off[dir] += seg.len;
}

/* ---- building frames -------------------------------------------------------------------- */

struct buf {
	uint8_t b[65536];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put8(struct buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void frame(struct buf *b, uint8_t type, uint8_t flags, uint32_t sid, const void *payload,
		  size_t len)
{
	uint8_t h[9] = {
		(uint8_t)(len >> 16), (uint8_t)(len >> 8),  (uint8_t)len,	 type,	      flags,
		(uint8_t)(sid >> 24), (uint8_t)(sid >> 16), (uint8_t)(sid >> 8), (uint8_t)sid
	};

	put(b, h, 9);
	put(b, payload, len);
}

static void preface(struct buf *b)
{
	put(b, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	frame(b, SE_H2_SETTINGS, 0, 0, "", 0);
}

/* HPACK: an indexed field (static index < 127). */
static void hp_idx(struct buf *b, uint8_t i)
{
	put8(b, 0x80 | i);
}

/* A literal without indexing, name from the static table (a 4-bit prefixed index). */
static void hp_lit(struct buf *b, uint8_t name_idx, const char *value)
{
	if (name_idx < 15) {
		put8(b, name_idx);
	} else {
		put8(b, 15);
		put8(b, (uint8_t)(name_idx - 15));
	}
	put8(b, (uint8_t)strlen(value));
	put(b, value, strlen(value));
}

/* A literal with a new name: with incremental indexing (inserted at 62) or without. */
static void hp_new(struct buf *b, bool index, const char *name, const char *value)
{
	put8(b, index ? 0x40 : 0x00);
	put8(b, (uint8_t)strlen(name));
	put(b, name, strlen(name));
	put8(b, (uint8_t)strlen(value));
	put(b, value, strlen(value));
}

/* A request head: GET (or POST for gRPC) with the path. */
static void req_block(struct buf *hb, const char *path, bool grpc)
{
	hp_idx(hb, grpc ? 3 : 2);
	hp_idx(hb, 6); /* :scheme http */
	hp_lit(hb, 4, path);
	hp_lit(hb, 1, "example"); /* :authority */
	if (grpc)
		hp_lit(hb, 31, "application/grpc"); /* content-type */
}

static void headers(struct buf *b, uint32_t sid, uint8_t flags, const struct buf *hb)
{
	frame(b, SE_H2_HEADERS, flags | SE_H2_END_HEADERS, sid, hb->b, hb->n);
}

static void request(struct buf *b, uint32_t sid, const char *path)
{
	struct buf hb = { .n = 0 };

	req_block(&hb, path, false);
	headers(b, sid, SE_H2_END_STREAM, &hb);
}

static void response(struct buf *b, uint32_t sid, const char *status, size_t body)
{
	static const uint8_t zeros[100];
	struct buf hb = { .n = 0 };

	hp_lit(&hb, 8, status);
	headers(b, sid, body ? 0 : SE_H2_END_STREAM, &hb);
	if (body)
		frame(b, SE_H2_DATA, SE_H2_END_STREAM, sid, zeros, body);
}

/* ---- checks ----------------------------------------------------------------------------- */

static const struct se_http_group *find(const struct fixture *f, uint8_t method, const char *path,
					uint16_t status)
{
	for (uint32_t i = 0; i < f->groups.n; i++) {
		const struct se_http_group *g = &f->groups.groups[i];

		if (g->method == method && g->status == status && !strcmp(g->path, path))
			return g;
	}
	return NULL;
}

static uint64_t count_of(const struct fixture *f, uint8_t method, const char *path, uint16_t status)
{
	const struct se_http_group *g = find(f, method, path, status);

	return g ? g->count : 0;
}

/* Feed b one byte per segment, or whole. */
static void feed_buf(struct fixture *f, unsigned int dir, uint64_t ms, const struct buf *b,
		     bool bytewise)
{
	if (!bytewise) {
		fx_feed(f, dir, ms, b->b, b->n, 0);
		return;
	}
	for (size_t i = 0; i < b->n; i++)
		fx_feed(f, dir, ms, b->b + i, 1, 0);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_one_request(void **state)
{
	struct fixture *f = *state;
	struct buf c = { .n = 0 }, s = { .n = 0 };

	fx_start(f, SE_ROLE_SERVER, false);
	preface(&c);
	request(&c, 1, "/a?x=1");
	fx_feed(f, SE_DIR_IN, 10, c.b, c.n, 0);
	frame(&s, SE_H2_SETTINGS, 0, 0, "", 0);
	response(&s, 1, "200", 50);
	fx_feed(f, SE_DIR_OUT, 13, s.b, s.n, 0);

	const struct se_http_group *g = find(f, SE_HTTP_GET, "/a", 200);
	assert_non_null(g);
	assert_int_equal(g->count, 1);
	assert_int_equal(g->protocol, SE_HTTP_PROTO_2);
	assert_false(g->fields_unknown);
	assert_int_equal(g->duration.sum, 3 * MS);
	assert_int_equal(f->h.n, 0);
	assert_int_equal(f->sink.active_requests[SE_ROLE_SERVER], 0);
	fx_end(f);
	assert_int_equal(f->counters[SE_UC_HTTP2_UNANSWERED], 0);
}

/* Streams interleaved and answered out of order, each paired by its id; every split point. */
static void test_multiplexed(void **state)
{
	struct fixture *f = *state;

	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct buf c = { .n = 0 }, s = { .n = 0 };

		fx_start(f, SE_ROLE_CLIENT, false);
		preface(&c);
		request(&c, 1, "/one");
		request(&c, 3, "/two");
		request(&c, 5, "/three");
		feed_buf(f, SE_DIR_OUT, 1, &c, bytewise);
		assert_int_equal(f->h.n, 3);
		assert_int_equal(f->sink.active_requests[SE_ROLE_CLIENT], 3);
		response(&s, 5, "404", 0);
		response(&s, 1, "200", 10);
		response(&s, 3, "500", 20);
		feed_buf(f, SE_DIR_IN, 7, &s, bytewise);
		assert_int_equal(count_of(f, SE_HTTP_GET, "/one", 200), 1);
		assert_int_equal(count_of(f, SE_HTTP_GET, "/two", 500), 1);
		assert_int_equal(count_of(f, SE_HTTP_GET, "/three", 404), 1);
		assert_int_equal(f->h.n, 0);
		assert_int_equal(f->sink.active_requests[SE_ROLE_CLIENT], 0);
		fx_end(f);
	}
}

/* More streams than the first table holds, then more than are kept. */
static void test_many_streams(void **state)
{
	struct fixture *f = *state;
	struct buf *c = calloc(1, sizeof(*c)), *s = calloc(1, sizeof(*s));

	fx_start(f, SE_ROLE_SERVER, false);
	preface(c);
	for (uint32_t i = 0; i < SE_H2_STREAMS_MAX + 3; i++)
		request(c, 1 + 2 * i, "/m");
	fx_feed(f, SE_DIR_IN, 1, c->b, c->n, 0);
	assert_int_equal(f->h.n, SE_H2_STREAMS_MAX);
	assert_int_equal(f->counters[SE_UC_HTTP2_STREAMS_FULL], 3);
	for (uint32_t i = 0; i < SE_H2_STREAMS_MAX + 3; i++) {
		response(s, 1 + 2 * i, "200", 0);
		if (s->n > sizeof(s->b) - 64) {
			fx_feed(f, SE_DIR_OUT, 2, s->b, s->n, 0);
			s->n = 0;
		}
	}
	fx_feed(f, SE_DIR_OUT, 2, s->b, s->n, 0);
	assert_int_equal(count_of(f, SE_HTTP_GET, "/m", 200), SE_H2_STREAMS_MAX);
	assert_int_equal(f->counters[SE_UC_HTTP2_UNPAIRED], 3);
	assert_int_equal(f->h.n, 0);
	fx_end(f);
	free(c);
	free(s);
}

/* gRPC: a unary call with trailers, a Trailers-Only error, a streaming call measured to its
 * trailers. */
static void test_grpc(void **state)
{
	struct fixture *f = *state;
	struct buf c = { .n = 0 }, s = { .n = 0 }, hb = { .n = 0 };
	static const uint8_t msg[] = { 0, 0, 0, 0, 2, 'h', 'i' };

	fx_start(f, SE_ROLE_SERVER, false);
	preface(&c);
	for (uint32_t sid = 1; sid <= 5; sid += 2) {
		hb.n = 0;
		req_block(&hb,
			  sid == 1   ? "/demo.Echo/Ok"
			  : sid == 3 ? "/demo.Echo/Missing"
				     : "/demo.Echo/Stream",
			  true);
		headers(&c, sid, 0, &hb);
		frame(&c, SE_H2_DATA, SE_H2_END_STREAM, sid, msg, sizeof(msg));
	}
	fx_feed(f, SE_DIR_IN, 1, c.b, c.n, 0);

	/* unary OK: head, message, trailers */
	hb.n = 0;
	hp_idx(&hb, 8);
	hp_lit(&hb, 31, "application/grpc");
	headers(&s, 1, 0, &hb);
	frame(&s, SE_H2_DATA, 0, 1, msg, sizeof(msg));
	hb.n = 0;
	hp_new(&hb, false, "grpc-status", "0");
	headers(&s, 1, SE_H2_END_STREAM, &hb);
	/* Trailers-Only NOT_FOUND */
	hb.n = 0;
	hp_idx(&hb, 8);
	hp_lit(&hb, 31, "application/grpc");
	hp_new(&hb, false, "grpc-status", "5");
	hp_new(&hb, false, "grpc-message", "no such thing");
	headers(&s, 3, SE_H2_END_STREAM, &hb);
	/* server streaming: head and messages now, trailers later */
	hb.n = 0;
	hp_idx(&hb, 8);
	headers(&s, 5, 0, &hb);
	for (int i = 0; i < 3; i++)
		frame(&s, SE_H2_DATA, 0, 5, msg, sizeof(msg));
	fx_feed(f, SE_DIR_OUT, 2, s.b, s.n, 0);
	assert_int_equal(f->h.n, 1); /* the stream goes on */
	s.n = 0;
	hb.n = 0;
	hp_new(&hb, false, "grpc-status", "0");
	headers(&s, 5, SE_H2_END_STREAM, &hb);
	fx_feed(f, SE_DIR_OUT, 900, s.b, s.n, 0);

	const struct se_http_group *ok = find(f, SE_HTTP_POST, "/demo.Echo/Ok", 200);
	const struct se_http_group *nf = find(f, SE_HTTP_POST, "/demo.Echo/Missing", 200);
	const struct se_http_group *st = find(f, SE_HTTP_POST, "/demo.Echo/Stream", 200);

	assert_non_null(ok);
	assert_non_null(nf);
	assert_non_null(st);
	assert_int_equal(ok->protocol, SE_HTTP_PROTO_GRPC);
	assert_int_equal(ok->grpc_status, 0);
	assert_int_equal(nf->grpc_status, 5);
	assert_int_equal(st->grpc_status, 0);
	assert_int_equal(st->duration.sum, 899 * MS);
	assert_int_equal(ok->request_body.sum, sizeof(msg));
	fx_end(f);
}

/* CONTINUATION, PADDED and PRIORITY, and a block split over frames and segments. */
static void test_continuation_padding(void **state)
{
	struct fixture *f = *state;
	struct buf c = { .n = 0 }, s = { .n = 0 }, hb = { .n = 0 }, p = { .n = 0 };

	fx_start(f, SE_ROLE_SERVER, false);
	preface(&c);
	req_block(&hb, "/padded/and/continued", false);
	hp_new(&hb, false, "x-long", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	/* HEADERS: pad length 3, priority (5 bytes), the first 7 bytes of the block, padding */
	put8(&p, 3);
	put(&p, "\x80\x00\x00\x01\x10", 5);
	put(&p, hb.b, 7);
	put(&p, "\0\0\0", 3);
	frame(&c, SE_H2_HEADERS, SE_H2_END_STREAM | SE_H2_PADDED | SE_H2_PRIORITY_FLAG, 1, p.b,
	      p.n);
	frame(&c, SE_H2_CONTINUATION, 0, 1, hb.b + 7, 10);
	frame(&c, SE_H2_CONTINUATION, SE_H2_END_HEADERS, 1, hb.b + 17, hb.n - 17);
	/* split in three segments, one inside a frame header */
	fx_feed(f, SE_DIR_IN, 1, c.b, 30, 0);
	fx_feed(f, SE_DIR_IN, 1, c.b + 30, 34, 0);
	fx_feed(f, SE_DIR_IN, 1, c.b + 64, c.n - 64, 0);
	response(&s, 1, "204", 0);
	fx_feed(f, SE_DIR_OUT, 2, s.b, s.n, 0);
	assert_int_equal(count_of(f, SE_HTTP_GET, "/padded/and/continued", 204), 1);
	assert_int_equal(f->counters[SE_UC_HTTP2_MALFORMED], 0);
	fx_end(f);
}

/* A large body whose bytes are not captured keeps the framing; a frame header that is not
 * captured loses it, and the streams whose end went unseen are counted. */
static void test_not_captured(void **state)
{
	struct fixture *f = *state;
	struct buf c = { .n = 0 }, s = { .n = 0 }, hb = { .n = 0 };
	static uint8_t big[16384];

	fx_start(f, SE_ROLE_SERVER, false);
	preface(&c);
	request(&c, 1, "/big");
	request(&c, 3, "/lost");
	fx_feed(f, SE_DIR_IN, 1, c.b, c.n, 0);
	hp_idx(&hb, 8);
	headers(&s, 1, 0, &hb);
	frame(&s, SE_H2_DATA, SE_H2_END_STREAM, 1, big, 100); /* only the header captured */
	fx_feed(f, SE_DIR_OUT, 2, s.b, s.n - 100 + 0, 100);
	assert_int_equal(count_of(f, SE_HTTP_GET, "/big", 200), 1);
	/* a DATA frame header inside bytes not captured: framing lost */
	s.n = 0;
	headers(&s, 3, 0, &hb);
	fx_feed(f, SE_DIR_OUT, 3, s.b, s.n, 16393 + 9);
	assert_int_equal(f->counters[SE_UC_HTTP2_LOST_SYNC], 1);
	assert_int_equal(f->h.n, 1); /* /lost may have ended there, or not */
	/* a segment in the middle of a frame is not taken for frames; the next whole one is */
	fx_feed(f, SE_DIR_OUT, 4, big, 200, 0);
	c.n = 0;
	request(&c, 5, "/after");
	request(&c, 7, "/unseen");
	fx_feed(f, SE_DIR_IN, 5, c.b, c.n, 0);
	s.n = 0;
	response(&s, 5, "200", 0);
	fx_feed(f, SE_DIR_OUT, 6, s.b, s.n, 0);
	assert_int_equal(count_of(f, SE_HTTP_GET, "/after", 200), 1);
	/* /unseen's response would be in bytes not captured */
	fx_feed(f, SE_DIR_OUT, 7, s.b, 0, 16393 + 9);
	fx_end(f);
	/* /lost ended unseen after its head: at the last time it could have */
	assert_int_equal(f->counters[SE_UC_HTTP2_END_ESTIMATED], 1);
	assert_int_equal(count_of(f, SE_HTTP_GET, "/lost", 200), 1);
	assert_int_equal(find(f, SE_HTTP_GET, "/lost", 200)->duration.sum, 6 * MS);
	assert_int_equal(f->counters[SE_UC_HTTP2_ABANDONED], 1); /* /unseen */
	assert_int_equal(f->counters[SE_UC_HTTP2_UNANSWERED], 0);
}

/* After lost framing: a response whose head went unseen ends with its status unknown, never
 * 0 as if there were none; a stream whose response had begun ends SE_H2_UNSEEN_TIMEOUT_NS
 * after it could have, one whose response had not begun waits (a slow server). */
static void test_unseen(void **state)
{
	struct fixture *f = *state;
	struct buf c = { .n = 0 }, s = { .n = 0 }, hb = { .n = 0 };
	static const uint8_t body[10];

	fx_start(f, SE_ROLE_SERVER, false);
	preface(&c);
	request(&c, 1, "/head-lost");
	request(&c, 3, "/begun");
	request(&c, 5, "/slow");
	fx_feed(f, SE_DIR_IN, 1, c.b, c.n, 0);
	hp_idx(&hb, 8);
	headers(&s, 3, 0, &hb);
	fx_feed(f, SE_DIR_OUT, 2, s.b, s.n, 0);
	/* frames not captured: stream 1's head among them */
	fx_feed(f, SE_DIR_OUT, 3, s.b, 0, 16393 + 9);
	s.n = 0;
	frame(&s, SE_H2_DATA, SE_H2_END_STREAM, 1, body, sizeof(body));
	fx_feed(f, SE_DIR_OUT, 4, s.b, s.n, 0);
	const struct se_http_group *g = find(f, SE_HTTP_GET, "/head-lost", 0);
	assert_non_null(g);
	assert_true(g->fields_unknown);
	/* the clock passes the time-out: /begun ends at 3 ms, /slow waits */
	se_h2_conn_check_unseen(&f->h, &f->env, 3 * MS + SE_H2_UNSEEN_TIMEOUT_NS - 1);
	assert_int_equal(f->h.n, 2);
	se_h2_conn_check_unseen(&f->h, &f->env, 3 * MS + SE_H2_UNSEEN_TIMEOUT_NS + 1);
	assert_int_equal(f->h.n, 1);
	assert_int_equal(find(f, SE_HTTP_GET, "/begun", 200)->duration.sum, 2 * MS);
	assert_int_equal(f->counters[SE_UC_HTTP2_END_ESTIMATED], 1);
	s.n = 0;
	response(&s, 5, "200", 0);
	fx_feed(f, SE_DIR_OUT, 9000, s.b, s.n, 0);
	assert_int_equal(count_of(f, SE_HTTP_GET, "/slow", 200), 1);
	assert_int_equal(f->counters[SE_UC_HTTP2_ABANDONED], 0);
	fx_end(f);
}

/* Joined mid-way: fields indexed before sockeye came are unknown, counted and left empty;
 * entries added since are exact. */
static void test_midstream(void **state)
{
	struct fixture *f = *state;
	struct buf c = { .n = 0 }, s = { .n = 0 }, hb = { .n = 0 };

	fx_start(f, SE_ROLE_SERVER, true);
	/* stream 7: every field from the dynamic table, unknown to us */
	hp_idx(&hb, 62);
	hp_idx(&hb, 63);
	headers(&c, 7, SE_H2_END_STREAM, &hb);
	/* stream 9: a method and a path inserted now, then indexed by stream 11 */
	hb.n = 0;
	hp_new(&hb, true, ":method", "GET");
	hp_new(&hb, true, ":path", "/known");
	headers(&c, 9, SE_H2_END_STREAM, &hb);
	hb.n = 0;
	hp_idx(&hb, 63); /* :method GET, now one entry older */
	hp_idx(&hb, 62); /* :path /known */
	headers(&c, 11, SE_H2_END_STREAM, &hb);
	fx_feed(f, SE_DIR_IN, 1, c.b, c.n, 0);
	/* responses: status from the dynamic table (unknown), then a static one */
	hb.n = 0;
	hp_idx(&hb, 70);
	headers(&s, 7, SE_H2_END_STREAM, &hb);
	response(&s, 9, "200", 0);
	response(&s, 11, "200", 0);
	response(&s, 13, "200", 0); /* a stream that began before sockeye */
	fx_feed(f, SE_DIR_OUT, 2, s.b, s.n, 0);

	assert_int_equal(count_of(f, SE_HTTP_GET, "/known", 200), 2);
	const struct se_http_group *u = find(f, SE_HTTP_OTHER, "", 0);
	assert_non_null(u);
	assert_int_equal(u->count, 1);
	assert_true(u->fields_unknown);
	assert_int_equal(f->counters[SE_UC_HTTP2_FIELDS_UNKNOWN], 1);
	assert_int_equal(f->counters[SE_UC_HTTP2_UNPAIRED], 1);
	assert_int_equal(f->counters[SE_UC_HTTP2_MALFORMED], 0);
	fx_end(f);
}

/* RST_STREAM ends a stream (as a request with what is known); close leaves the rest
 * unanswered. */
static void test_reset_and_close(void **state)
{
	struct fixture *f = *state;
	struct buf c = { .n = 0 }, s = { .n = 0 };
	static const uint8_t cancel[4] = { 0, 0, 0, 8 };

	fx_start(f, SE_ROLE_CLIENT, false);
	preface(&c);
	request(&c, 1, "/cancelled");
	request(&c, 3, "/open");
	frame(&c, SE_H2_RST_STREAM, 0, 1, cancel, 4);
	fx_feed(f, SE_DIR_OUT, 1, c.b, c.n, 0);
	assert_int_equal(count_of(f, SE_HTTP_GET, "/cancelled", 0), 1);
	assert_int_equal(f->counters[SE_UC_HTTP2_RESET], 1);
	/* frames on stream 0 (invalid) end no stream: 0 marks a free slot in the table */
	frame(&s, SE_H2_DATA, SE_H2_END_STREAM, 0, "x", 1);
	frame(&s, SE_H2_RST_STREAM, 0, 0, cancel, 4);
	fx_feed(f, SE_DIR_IN, 2, s.b, s.n, 0);
	assert_int_equal(f->h.n, 1);
	assert_int_equal(f->counters[SE_UC_HTTP2_RESET], 1);
	fx_end(f);
	assert_int_equal(f->counters[SE_UC_HTTP2_UNANSWERED], 1);
	assert_int_equal(f->sink.active_requests[SE_ROLE_CLIENT], 0);
}

/* Trace context arrives as header fields, as for HTTP/1. */
static void test_trace_context(void **state)
{
	struct fixture *f = *state;
	struct buf c = { .n = 0 }, s = { .n = 0 }, hb = { .n = 0 };
	struct se_span_buf spans;

	se_span_buf_init(&spans, 10);
	fx_start(f, SE_ROLE_SERVER, false);
	f->sink.spans = &spans;
	preface(&c);
	req_block(&hb, "/traced", false);
	hp_new(&hb, false, "traceparent",
	       "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
	headers(&c, 1, SE_H2_END_STREAM, &hb);
	fx_feed(f, SE_DIR_IN, 1, c.b, c.n, 0);
	response(&s, 1, "200", 0);
	fx_feed(f, SE_DIR_OUT, 2, s.b, s.n, 0);
	assert_int_equal(spans.n, 1);
	assert_int_equal(spans.v[0].trace_id[0], 0x0a);
	assert_int_equal(find(f, SE_HTTP_GET, "/traced", 200)->spanned, 1);
	fx_end(f);
	se_span_buf_fini(&spans);
}

/* A connection preface that is not HTTP/2 after all loses the framing, nothing more. */
static void test_bad_preface(void **state)
{
	struct fixture *f = *state;
	static const char junk[] = "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n";

	fx_start(f, SE_ROLE_SERVER, false);
	fx_feed(f, SE_DIR_IN, 1, (const uint8_t *)junk, sizeof(junk) - 1, 0);
	assert_int_equal(f->counters[SE_UC_HTTP2_LOST_SYNC], 1);
	fx_end(f);
}

static void test_plausible(void **state)
{
	struct buf b = { .n = 0 };

	(void)state;
	request(&b, 1, "/x");
	response(&b, 1, "200", 10);
	assert_true(se_h2_plausible(b.b, b.n, b.n));
	assert_false(se_h2_plausible(b.b, b.n - 1, b.n - 1)); /* ends inside a frame */
	assert_true(se_h2_plausible(b.b, b.n - 1, b.n));      /* the rest not captured */
	assert_false(se_h2_plausible(b.b + 1, b.n - 1, b.n - 1));
	assert_false(se_h2_plausible((const uint8_t *)"GET / HTTP/1.1\r\n", 16, 16));
}

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct fixture));
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	se_http_groups_fini(&((struct fixture *)*state)->groups);
	free(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_request),
		cmocka_unit_test(test_multiplexed),
		cmocka_unit_test(test_many_streams),
		cmocka_unit_test(test_grpc),
		cmocka_unit_test(test_continuation_padding),
		cmocka_unit_test(test_not_captured),
		cmocka_unit_test(test_unseen),
		cmocka_unit_test(test_midstream),
		cmocka_unit_test(test_reset_and_close),
		cmocka_unit_test(test_trace_context),
		cmocka_unit_test(test_bad_preface),
		cmocka_unit_test(test_plausible),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

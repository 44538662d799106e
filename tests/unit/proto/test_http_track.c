// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Pairing of requests and responses (src/proto/http1/http_track.c) and protocol detection per
 * connection (src/proto/session.c), driven through a session as the worker drives it, with
 * the real framer and group table underneath.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sinks/counters.h"
#include "proto/http1/http1_proto.h"
#include "proto/session.h"
#include "agg/window.h"

struct fixture {
	struct se_session_ctx ctx;
	struct se_http_part *part; /* where the trackers count */
	uint64_t counters[SE_UC__COUNT];
	struct se_budget budget; /* no limit unless a test sets one */
	struct se_session s;
	uint64_t off[2];
};

/* Its port is not part of any group key. */
static const struct se_endpoint peer = { .family = AF_INET,
					 .port = 54321,
					 .addr = { 127, 0, 0, 1 } };

static struct se_http1_worker *http1(struct fixture *f)
{
	return f->ctx.pw[SE_PROTO_HTTP1];
}

static void fx_start(struct fixture *f, uint8_t role, bool midstream)
{
	void *parts[SE_PROTO__COUNT] = { 0 };

	memset(f, 0, sizeof(*f));
	assert_int_equal(
	    se_session_ctx_init(&f->ctx, &(struct se_proto_env){ .budget = &f->budget }), 0);
	f->part = parts[SE_PROTO_HTTP1] = se_http1_proto.part_new(64, 0);
	assert_non_null(f->part);
	se_session_ctx_point(&f->ctx, f->counters, parts);
	se_session_init(&f->s, role, &peer, midstream);
}

static void fx_end(struct fixture *f)
{
	se_session_fini(&f->s, &f->ctx);
	se_session_ctx_fini(&f->ctx);
	se_http1_proto.part_free(f->part);
}

/* Bytes of one direction moved by a syscall that began at start_ms and returned at ts_ms;
 * `uncaptured` more bytes follow, not copied. */
static void fx_send_timed(struct fixture *f, unsigned int dir, uint64_t start_ms, uint64_t ts_ms,
			  const char *text, uint64_t uncaptured)
{
	size_t n = strlen(text);
	struct se_segment seg = {
		.offset = f->off[dir],
		.len = n + uncaptured,
		.ts_ns = ts_ms * 1000000ull,
		.start_ns = start_ms * 1000000ull,
		.data = (const uint8_t *)text,
		.captured = (uint32_t)n,
	};

	se_session_on_bytes(&f->s, &f->ctx, dir, &seg);
	f->off[dir] += seg.len;
}

static void fx_send_partial(struct fixture *f, unsigned int dir, uint64_t ts_ms, const char *text,
			    uint64_t uncaptured)
{
	fx_send_timed(f, dir, ts_ms, ts_ms, text, uncaptured);
}

static void fx_send(struct fixture *f, unsigned int dir, uint64_t ts_ms, const char *text)
{
	fx_send_partial(f, dir, ts_ms, text, 0);
}

/* n bytes of dir that never arrive (a ring overflowed): the next segment follows a hole. */
static void fx_hole(struct fixture *f, unsigned int dir, uint64_t n)
{
	f->off[dir] += n;
}

static const struct se_http_group *fx_group(const struct fixture *f, const char *method,
					    const char *path, uint16_t status)
{
	for (uint32_t i = 0; i < f->part->http.n; i++) {
		const struct se_http_group *g = &f->part->http.groups[i];

		if (!strcmp(se_http_method_name(g->method), method) && !strcmp(g->path, path) &&
		    g->status == status)
			return g;
	}
	return NULL;
}

static uint64_t fx_count(const struct fixture *f, const char *method, const char *path,
			 uint16_t status)
{
	const struct se_http_group *g = fx_group(f, method, path, status);

	return g ? g->count : 0;
}

static uint64_t fx_total(const struct fixture *f)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < f->part->http.n; i++)
		n += f->part->http.groups[i].count;
	return n;
}

#define REQ_GET(path) "GET " path " HTTP/1.1\r\nHost: t\r\n\r\n"
#define RESP_OK	      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

static void test_server_exchange_duration(void **state)
{
	struct fixture f;
	const struct se_http_group *g;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1000, REQ_GET("/a?q=1"));
	assert_int_equal(http1(&f)->sink.active_requests[SE_ROLE_SERVER], 1);
	fx_send(&f, SE_DIR_OUT, 1003, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n");
	assert_int_equal(fx_total(&f), 0); /* the body is still to come */
	fx_send(&f, SE_DIR_OUT, 1007, "body");
	g = fx_group(&f, "GET", "/a", 200);
	assert_non_null(g);
	assert_int_equal(g->count, 1);
	assert_int_equal(g->role, SE_ROLE_SERVER);
	assert_int_equal(g->duration.sum, 7000000); /* first request byte to last response byte */
	assert_memory_equal(g->peer.addr, peer.addr, 16);
	assert_int_equal(g->peer.family, AF_INET);
	assert_int_equal(g->peer.port, 0);
	assert_int_equal(f.counters[SE_UC_HTTP_REQUESTS], 1);
	assert_int_equal(http1(&f)->sink.active_requests[SE_ROLE_SERVER], 0);
	fx_end(&f);
}

static void test_client_role_uses_out_for_requests(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_CLIENT, false);
	fx_send(&f, SE_DIR_OUT, 10, REQ_GET("/c"));
	fx_send(&f, SE_DIR_IN, 12, RESP_OK);
	assert_int_equal(fx_count(&f, "GET", "/c", 200), 1);
	assert_int_equal(f.part->http.groups[0].role, SE_ROLE_CLIENT);
	fx_end(&f);
}

static void test_pipelined_pairs_in_order(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1, REQ_GET("/1") REQ_GET("/2") REQ_GET("/3") REQ_GET("/4"));
	assert_int_equal(http1(&f)->sink.active_requests[SE_ROLE_SERVER], 4);
	fx_send(&f, SE_DIR_OUT, 2,
		RESP_OK "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n" RESP_OK);
	fx_send(&f, SE_DIR_OUT, 9, "HTTP/1.1 500 Oops\r\nContent-Length: 1\r\n\r\nx");
	assert_int_equal(fx_count(&f, "GET", "/1", 200), 1);
	assert_int_equal(fx_count(&f, "GET", "/2", 404), 1);
	assert_int_equal(fx_count(&f, "GET", "/3", 200), 1);
	assert_int_equal(fx_count(&f, "GET", "/4", 500), 1);
	assert_int_equal(fx_group(&f, "GET", "/4", 500)->duration.sum, 8000000);
	assert_int_equal(http1(&f)->sink.active_requests[SE_ROLE_SERVER], 0);
	fx_end(&f);
}

static void test_head_response_has_no_body(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1, "HEAD /h HTTP/1.1\r\n\r\n" REQ_GET("/g"));
	/* Content-Length describes the GET's body it would have had: none follows. */
	fx_send(&f, SE_DIR_OUT, 2, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" RESP_OK);
	assert_int_equal(fx_count(&f, "HEAD", "/h", 200), 1);
	assert_int_equal(fx_count(&f, "GET", "/g", 200), 1);
	assert_int_equal(f.counters[SE_UC_HTTP_UNPAIRED], 0);
	fx_end(&f);
}

static void test_interim_response_is_not_final(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1,
		"POST /up HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
	fx_send(&f, SE_DIR_OUT, 2, "HTTP/1.1 100 Continue\r\n\r\n");
	fx_send(&f, SE_DIR_IN, 3, "hello");
	fx_send(&f, SE_DIR_OUT, 4, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(fx_total(&f), 1);
	assert_int_equal(fx_count(&f, "POST", "/up", 201), 1);
	assert_int_equal(fx_group(&f, "POST", "/up", 201)->request_body.sum, 5);
	fx_end(&f);
}

static void test_body_beyond_capture_is_framed_by_length(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1, REQ_GET("/big") REQ_GET("/next"));
	/* A 100000-byte body of which nothing is captured (sendfile), then the next response. */
	fx_send_partial(&f, SE_DIR_OUT, 2, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n",
			100000);
	fx_send(&f, SE_DIR_OUT, 3, RESP_OK);
	assert_int_equal(fx_count(&f, "GET", "/big", 200), 1);
	assert_int_equal(fx_count(&f, "GET", "/next", 200), 1);
	fx_end(&f);
}

static void test_response_delimited_by_close(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_CLIENT, false);
	fx_send(&f, SE_DIR_OUT, 1, "GET /old HTTP/1.0\r\n\r\n");
	fx_send(&f, SE_DIR_IN, 2, "HTTP/1.0 200 OK\r\n\r\nsome");
	fx_send(&f, SE_DIR_IN, 5, " more");
	assert_int_equal(fx_total(&f), 0);
	se_session_close(&f.s, &f.ctx);
	assert_int_equal(fx_count(&f, "GET", "/old", 200), 1);
	assert_int_equal(fx_group(&f, "GET", "/old", 200)->duration.sum, 4000000);
	assert_int_equal(f.counters[SE_UC_HTTP_UNANSWERED], 0);
	fx_end(&f);
}

static void test_unanswered_and_unpaired_are_counted(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1, REQ_GET("/x"));
	fx_send(&f, SE_DIR_OUT, 2, RESP_OK RESP_OK);	      /* one answer too many */
	assert_int_equal(f.counters[SE_UC_HTTP_UNPAIRED], 0); /* kept: whose is it? */
	fx_send(&f, SE_DIR_IN, 3, REQ_GET("/never") REQ_GET("/never"));
	assert_int_equal(f.counters[SE_UC_HTTP_UNPAIRED], 1); /* no one's: these came after */
	se_session_close(&f.s, &f.ctx);
	assert_int_equal(fx_total(&f), 1);
	assert_int_equal(f.counters[SE_UC_HTTP_UNANSWERED], 2);
	assert_int_equal(http1(&f)->sink.active_requests[SE_ROLE_SERVER], 0);
	fx_end(&f);
}

static void test_idle_connection_expires_requests(void **state)
{
	struct fixture f;
	uint64_t t0 = 1000;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, t0, REQ_GET("/slow"));
	se_session_check_idle(&f.s, &f.ctx, t0 * 1000000ull + SE_SESSION_IDLE_TIMEOUT_NS / 2);
	assert_int_equal(f.counters[SE_UC_HTTP_UNANSWERED], 0);
	se_session_check_idle(&f.s, &f.ctx, t0 * 1000000ull + SE_SESSION_IDLE_TIMEOUT_NS + 1);
	assert_int_equal(f.counters[SE_UC_HTTP_UNANSWERED], 1);
	/* The late answer is unpaired, not given to the next request. */
	fx_send(&f, SE_DIR_OUT, t0 + 70000, RESP_OK);
	fx_send(&f, SE_DIR_IN, t0 + 70001, REQ_GET("/next"));
	fx_send(&f, SE_DIR_OUT, t0 + 70002, RESP_OK);
	assert_int_equal(f.counters[SE_UC_HTTP_UNPAIRED], 1);
	assert_int_equal(fx_count(&f, "GET", "/next", 200), 1);
	assert_int_equal(fx_count(&f, "GET", "/slow", 200), 0);
	fx_end(&f);
}

static void test_pipeline_limit_counts_the_excess(void **state)
{
	struct fixture f;
	char req[64];
	unsigned int extra = 3;

	fx_start(&f, SE_ROLE_SERVER, false);
	for (unsigned int i = 0; i < SE_HTTP_PIPELINE_MAX + extra; i++) {
		snprintf(req, sizeof(req), "GET /p%u HTTP/1.1\r\n\r\n", i);
		fx_send(&f, SE_DIR_IN, 1, req);
	}
	assert_int_equal(f.counters[SE_UC_HTTP_PIPELINE_FULL], extra);
	for (unsigned int i = 0; i < SE_HTTP_PIPELINE_MAX; i++)
		fx_send(&f, SE_DIR_OUT, 2, RESP_OK);
	assert_int_equal(fx_total(&f), SE_HTTP_PIPELINE_MAX);
	assert_int_equal(fx_count(&f, "GET", "/p0", 200), 1);
	assert_int_equal(fx_count(&f, "GET", "/p31", 200), 1);
	/* The answers to the ones that did not fit are consumed in their turn... */
	for (unsigned int i = 0; i < extra; i++)
		fx_send(&f, SE_DIR_OUT, 3, "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(f.counters[SE_UC_HTTP_UNPAIRED], 0);
	/* ... so the next request gets its own. */
	fx_send(&f, SE_DIR_IN, 4, REQ_GET("/z"));
	fx_send(&f, SE_DIR_OUT, 5, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(fx_count(&f, "GET", "/z", 202), 1);
	assert_int_equal(fx_total(&f), SE_HTTP_PIPELINE_MAX + 1);
	assert_int_equal(http1(&f)->sink.active_requests[SE_ROLE_SERVER], 0);
	fx_end(&f);
}

static void test_upgrade_leaves_http(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1,
		"GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
	fx_send(&f, SE_DIR_OUT, 2,
		"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket"
		"\r\n\r\n\x81\x05hello");
	fx_send(&f, SE_DIR_IN, 3, "\x81\x85garbage that is not http");
	assert_int_equal(fx_count(&f, "GET", "/ws", 101), 1);
	assert_int_equal(f.counters[SE_UC_HTTP_INVALID], 0);
	assert_int_equal(f.counters[SE_UC_HTTP_UNPAIRED], 0);
	fx_end(&f);
}

static void test_detection_waits_for_enough_bytes(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 5, "GE");
	assert_int_equal(f.s.proto, SE_PROTO_UNDECIDED);
	fx_send(&f, SE_DIR_IN, 6, "T /split HTTP/1.1\r\n");
	assert_int_equal(f.s.proto, SE_PROTO_HTTP1);
	fx_send(&f, SE_DIR_IN, 7, "\r\n");
	fx_send(&f, SE_DIR_OUT, 9, RESP_OK);
	assert_int_equal(fx_count(&f, "GET", "/split", 200), 1);
	/* the request started at its first byte, in the first segment */
	assert_int_equal(fx_group(&f, "GET", "/split", 200)->duration.sum, 4000000);
	fx_end(&f);
}

static void test_other_protocols_are_ignored_and_counted(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1, "*1\r\n$4\r\nPING\r\n");
	fx_send(&f, SE_DIR_OUT, 2, "+PONG\r\n");
	fx_send(&f, SE_DIR_IN, 3, REQ_GET("/not-http-anymore"));
	assert_int_equal(f.s.proto, SE_PROTO_OTHER);
	assert_int_equal(f.counters[SE_UC_CONNS_NOT_PARSED], 1);
	assert_int_equal(fx_total(&f), 0);
	assert_int_equal(f.counters[SE_UC_HTTP_INVALID], 0);
	fx_end(&f);
}

/* Raw bytes of dir (embedded NULs), as one syscall returning at ts_ms. */
static void fx_send_bytes(struct fixture *f, unsigned int dir, uint64_t ts_ms, const void *p,
			  size_t n)
{
	struct se_segment seg = {
		.offset = f->off[dir],
		.len = n,
		.ts_ns = ts_ms * 1000000ull,
		.start_ns = ts_ms * 1000000ull,
		.data = p,
		.captured = (uint32_t)n,
	};

	se_session_on_bytes(&f->s, &f->ctx, dir, &seg);
	f->off[dir] += n;
}

/* HTTP/1.1 Upgrade: h2c: the upgrading request is answered over HTTP/2 on stream 1 and
 * counted once, as HTTP/2; the 101 is the switch, not its answer; later streams follow. */
static void test_h2c_upgrade(void **state)
{
	static const char upgrade[] =
	    "GET /up HTTP/1.1\r\nHost: t\r\nConnection: Upgrade, "
	    "HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAA"
	    "\r\n\r\n";
	static const char switching[] = "HTTP/1.1 101 Switching Protocols\r\nConnection: "
					"Upgrade\r\nUpgrade: h2c\r\n\r\n";
	/* SETTINGS, then stream 1's response: HEADERS :status 200 (static 8), END_STREAM */
	static const uint8_t h2[] = { 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1, 1, 5, 0, 0, 0, 1, 0x88 };
	/* the preface, SETTINGS, and stream 3: GET http /next */
	static const uint8_t next[] = { 'P',  'R', 'I',	 ' ',  '*',  ' ',  'H',	 'T',  'T',
					'P',  '/', '2',	 '.',  '0',  '\r', '\n', '\r', '\n',
					'S',  'M', '\r', '\n', '\r', '\n', 0,	 0,    0,
					4,    0,   0,	 0,    0,    0,	   0,	 0,    9,
					1,    5,   0,	 0,    0,    3,	   0x82, 0x86, 0x04,
					0x05, '/', 'n',	 'e',  'x',  't' };
	static const uint8_t next_resp[] = { 0, 0, 1, 1, 5, 0, 0, 0, 3, 0x8d }; /* 404 */
	uint8_t first[sizeof(switching) - 1 + sizeof(h2)];
	struct fixture f;

	(void)state;
	memcpy(first, switching, sizeof(switching) - 1);
	memcpy(first + sizeof(switching) - 1, h2, sizeof(h2));
	fx_start(&f, SE_ROLE_CLIENT, false);
	fx_send(&f, SE_DIR_OUT, 1, upgrade);
	fx_send_bytes(&f, SE_DIR_IN, 4, first, sizeof(first)); /* 101 and HTTP/2 in one read */
	assert_int_equal(f.s.proto, SE_PROTO_HTTP2);
	const struct se_http_group *g = fx_group(&f, "GET", "/up", 200);
	assert_non_null(g);
	assert_int_equal(g->count, 1);
	assert_int_equal(g->protocol, SE_HTTP_PROTO_2);
	assert_int_equal(g->duration.sum, 3000000);
	assert_int_equal(fx_count(&f, "GET", "/up", 101), 0);
	fx_send_bytes(&f, SE_DIR_OUT, 5, next, sizeof(next));
	fx_send_bytes(&f, SE_DIR_IN, 6, next_resp, sizeof(next_resp));
	assert_int_equal(fx_count(&f, "GET", "/next", 404), 1);
	assert_int_equal(fx_total(&f), 2);
	assert_int_equal(http1(&f)->sink.active_requests[SE_ROLE_CLIENT], 0);
	fx_end(&f);
	assert_int_equal(f.counters[SE_UC_HTTP_UNANSWERED], 0);
	assert_int_equal(f.budget.used, 0);
}

static void test_midstream_join_waits_for_a_head(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, true);
	/* Joined inside a request body and its response. */
	fx_send(&f, SE_DIR_IN, 1, "tail of an upload body");
	fx_send(&f, SE_DIR_OUT, 2, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	assert_int_equal(f.s.proto, SE_PROTO_UNDECIDED);
	fx_send(&f, SE_DIR_IN, 3, REQ_GET("/after"));
	assert_int_equal(f.s.proto, SE_PROTO_HTTP1);
	fx_send(&f, SE_DIR_OUT, 4, RESP_OK);
	assert_int_equal(fx_total(&f), 1);
	assert_int_equal(fx_count(&f, "GET", "/after", 200), 1);
	assert_int_equal(f.counters[SE_UC_HTTP_UNPAIRED], 0);
	fx_end(&f);
}

static void test_trace_context_is_kept(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1,
		"GET /t HTTP/1.1\r\ntraceparent: "
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n\r\n" REQ_GET("/t"));
	fx_send(&f, SE_DIR_OUT, 2, RESP_OK RESP_OK);
	assert_int_equal(fx_count(&f, "GET", "/t", 200), 2);
	assert_int_equal(fx_group(&f, "GET", "/t", 200)->traced, 1);
	fx_end(&f);
}

static void test_broken_request_keeps_its_place(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1, REQ_GET("/a"));
	fx_send(&f, SE_DIR_IN, 2, "GET /b HTTP/9.9\r\n\r\n"); /* the server answers 400 */
	fx_send(&f, SE_DIR_IN, 3, REQ_GET("/c"));
	fx_send(&f, SE_DIR_OUT, 4, RESP_OK);
	fx_send(&f, SE_DIR_OUT, 5, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
	fx_send(&f, SE_DIR_OUT, 6, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(fx_count(&f, "GET", "/a", 200), 1);
	assert_int_equal(fx_count(&f, "GET", "/c", 201), 1); /* not given the 400 */
	assert_int_equal(fx_total(&f), 2);
	assert_int_equal(f.counters[SE_UC_HTTP_INVALID], 1);
	assert_int_equal(f.counters[SE_UC_HTTP_UNPAIRED], 0);
	assert_int_equal(http1(&f)->sink.active_requests[SE_ROLE_SERVER], 0);
	fx_end(&f);
}

static void test_upgrade_of_a_broken_request_reports_nothing(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1, "GET /ws HTTP/7.0\r\nUpgrade: websocket\r\n\r\n");
	fx_send(&f, SE_DIR_OUT, 2, "HTTP/1.1 101 Switching Protocols\r\n\r\n");
	assert_int_equal(f.counters[SE_UC_HTTP_INVALID], 1);
	assert_int_equal(fx_total(&f), 0); /* the placeholder is not a request to report */
	assert_int_equal(f.counters[SE_UC_HTTP_UNANSWERED], 0);
	fx_end(&f);
}

static void test_broken_request_behind_two_in_flight(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1, REQ_GET("/a") REQ_GET("/b"));
	fx_send(&f, SE_DIR_IN, 2, "GET /bad HTTP/9.9\r\n\r\n");
	fx_send(&f, SE_DIR_IN, 3, REQ_GET("/d"));
	fx_send(&f, SE_DIR_OUT, 4,
		"HTTP/1.1 201 A\r\nContent-Length: 0\r\n\r\n"
		"HTTP/1.1 202 B\r\nContent-Length: 0\r\n\r\n"
		"HTTP/1.1 400 Bad\r\nContent-Length: 0\r\n\r\n"
		"HTTP/1.1 204 D\r\n\r\n");
	assert_int_equal(fx_count(&f, "GET", "/a", 201), 1);
	assert_int_equal(fx_count(&f, "GET", "/b", 202), 1);
	assert_int_equal(fx_count(&f, "GET", "/d", 204), 1);
	assert_int_equal(fx_total(&f), 3);
	fx_end(&f);
}

static void test_invalid_chunk_abandons_what_follows(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_CLIENT, false);
	fx_send(&f, SE_DIR_OUT, 1, REQ_GET("/a") REQ_GET("/b"));
	fx_send(&f, SE_DIR_IN, 2,
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
		"HTTP/1.1 202 B\r\nContent-Length: 0\r\n\r\n");
	fx_send(&f, SE_DIR_OUT, 3, REQ_GET("/c"));
	fx_send(&f, SE_DIR_IN, 4, "HTTP/1.1 203 C\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(f.counters[SE_UC_HTTP_INVALID], 1);
	assert_int_equal(f.counters[SE_UC_HTTP_ABANDONED], 2);
	assert_int_equal(fx_count(&f, "GET", "/b", 203), 0); /* never given another's answer */
	assert_int_equal(fx_count(&f, "GET", "/c", 203), 1);
	fx_end(&f);
}

static void test_broken_response_never_shifts_pairing(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_CLIENT, false);
	fx_send(&f, SE_DIR_OUT, 1, REQ_GET("/a") REQ_GET("/b"));
	/* /a's answer is broken; /b's may have been in the bytes skipped with it. */
	fx_send(&f, SE_DIR_IN, 2, "HTTP/1.1 2x0 What\r\n\r\n" RESP_OK);
	assert_int_equal(f.counters[SE_UC_HTTP_INVALID], 1);
	assert_int_equal(f.counters[SE_UC_HTTP_ABANDONED], 1);
	assert_int_equal(http1(&f)->sink.active_requests[SE_ROLE_CLIENT], 0);
	fx_send(&f, SE_DIR_OUT, 3, REQ_GET("/c"));
	fx_send(&f, SE_DIR_IN, 4, "HTTP/1.1 204 No Content\r\n\r\n");
	assert_int_equal(fx_total(&f), 1);
	assert_int_equal(fx_count(&f, "GET", "/c", 204), 1);
	fx_end(&f);
}

static void test_long_heads_are_kept_and_counted(void **state)
{
	struct fixture f;
	static char req[8192], resp[8192];
	char cookie[6001];

	memset(cookie, 'c', sizeof(cookie) - 1);
	cookie[sizeof(cookie) - 1] = '\0';
	snprintf(req, sizeof(req), "GET /big HTTP/1.1\r\nCookie: %s\r\n\r\n", cookie);
	snprintf(resp, sizeof(resp),
		 "HTTP/1.1 200 OK\r\nSet-Cookie: %s\r\nContent-Length: 2\r\n\r\nok", cookie);
	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1, req);
	fx_send(&f, SE_DIR_IN, 2, REQ_GET("/next"));
	fx_send(&f, SE_DIR_OUT, 3, resp); /* its length header is past the first 4096 bytes */
	fx_send(&f, SE_DIR_OUT, 4, RESP_OK);
	assert_int_equal(fx_count(&f, "GET", "/big", 200), 1);
	assert_int_equal(fx_count(&f, "GET", "/next", 200), 1);
	assert_int_equal(f.counters[SE_UC_HTTP_HEAD_TRUNCATED], 2);
	assert_int_equal(f.counters[SE_UC_HTTP_TOO_LARGE], 0);
	fx_end(&f);
}

static void test_hole_in_requests_never_shifts_pairing(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1, REQ_GET("/a"));
	fx_hole(&f, SE_DIR_IN, 3 * strlen(REQ_GET("/lost"))); /* three requests vanished */
	/* Their answers come before the next request: /a's is paired, the others find none. */
	fx_send(&f, SE_DIR_OUT, 3, RESP_OK RESP_OK RESP_OK RESP_OK);
	assert_int_equal(fx_count(&f, "GET", "/a", 200), 1);
	assert_int_equal(f.counters[SE_UC_HTTP_UNPAIRED], 2); /* the last one is kept... */
	fx_send(&f, SE_DIR_IN, 5, REQ_GET("/b")); /* ...until this, later; the hole shows here */
	assert_int_equal(f.counters[SE_UC_HTTP_UNPAIRED], 3);
	assert_int_equal(f.counters[SE_UC_HTTP_RESYNC], 1);
	fx_send(&f, SE_DIR_OUT, 6, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(fx_count(&f, "GET", "/b", 404), 1);
	assert_int_equal(fx_total(&f), 2);
	assert_int_equal(f.counters[SE_UC_HTTP_ABANDONED], 0);
	assert_int_equal(http1(&f)->sink.active_requests[SE_ROLE_SERVER], 0);
	fx_end(&f);
}

static void test_hole_in_responses_abandons_what_is_in_flight(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_CLIENT, false);
	fx_send(&f, SE_DIR_OUT, 1, REQ_GET("/a") REQ_GET("/b"));
	fx_send(&f, SE_DIR_IN, 2, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf");
	/* The rest of /a's body (framed on from its length) and all of /b's response. */
	fx_hole(&f, SE_DIR_IN, 6 + strlen(RESP_OK));
	fx_send(&f, SE_DIR_OUT, 5, REQ_GET("/c"));
	fx_send(&f, SE_DIR_IN, 6, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(fx_count(&f, "GET", "/a", 200), 1);
	assert_int_equal(f.counters[SE_UC_HTTP_RESYNC], 1);
	/* /b's answer was in the hole, so the 201 may be /b's or /c's: both are abandoned. */
	assert_int_equal(f.counters[SE_UC_HTTP_ABANDONED], 2);
	assert_int_equal(fx_total(&f), 1);
	fx_send(&f, SE_DIR_OUT, 7, REQ_GET("/d")); /* began after the 201: that was no one's */
	assert_int_equal(f.counters[SE_UC_HTTP_UNPAIRED], 1);
	fx_send(&f, SE_DIR_IN, 8, RESP_OK);
	assert_int_equal(fx_count(&f, "GET", "/d", 200), 1);
	assert_int_equal(http1(&f)->sink.active_requests[SE_ROLE_CLIENT], 0);
	fx_end(&f);
}

static void test_body_ending_in_a_hole_keeps_its_time(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1, REQ_GET("/a"));
	fx_send(&f, SE_DIR_OUT, 2, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf");
	fx_hole(&f, SE_DIR_OUT, 6);
	fx_send(&f, SE_DIR_IN, 9000, REQ_GET("/b"));
	fx_send(&f, SE_DIR_OUT, 9001, RESP_OK); /* the hole shows here, 9 s later */
	/* /a ended somewhere after its last segment seen: that one's time, not the later one */
	assert_int_equal(fx_group(&f, "GET", "/a", 200)->duration.max, 1000000);
	assert_int_equal(fx_count(&f, "GET", "/b", 200), 1);
	fx_end(&f);
}

static void test_response_recorded_before_its_request(void **state)
{
	struct fixture f;

	/* A client writing from one thread and reading from another: the writer is preempted
	 * after sending /a, so the response is read (ts 5) before the write returns (ts 7). */
	fx_start(&f, SE_ROLE_CLIENT, false);
	fx_send(&f, SE_DIR_IN, 5, RESP_OK);
	fx_send_timed(&f, SE_DIR_OUT, 1, 7, REQ_GET("/a"), 0);
	assert_int_equal(fx_count(&f, "GET", "/a", 200), 1);
	assert_int_equal(fx_group(&f, "GET", "/a", 200)->duration.sum, 4000000); /* 1 to 5 */
	/* and the pairing is not shifted for what follows */
	fx_send(&f, SE_DIR_OUT, 10, REQ_GET("/b"));
	fx_send(&f, SE_DIR_IN, 12, "HTTP/1.1 204 No Content\r\n\r\n");
	assert_int_equal(fx_count(&f, "GET", "/b", 204), 1);
	assert_int_equal(f.counters[SE_UC_HTTP_UNPAIRED], 0);
	assert_int_equal(http1(&f)->sink.active_requests[SE_ROLE_CLIENT], 0);
	fx_end(&f);
}

static void test_response_head_before_request_body_still_framing(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_CLIENT, false);
	fx_send(&f, SE_DIR_IN, 5, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nha");
	fx_send_timed(&f, SE_DIR_OUT, 1, 6, REQ_GET("/a"), 0);
	assert_int_equal(fx_total(&f), 0); /* adopted, its body still to come */
	fx_send(&f, SE_DIR_IN, 8, "lf");
	assert_int_equal(fx_count(&f, "GET", "/a", 200), 1);
	assert_int_equal(fx_group(&f, "GET", "/a", 200)->duration.sum, 7000000);
	fx_end(&f);
}

/* The path a group gets is valid UTF-8 whatever came on the wire: each ill-formed sequence is
 * one U+FFFD, and the cut at SE_HTTP_PATH_MAX bytes never splits a code point. */
static void test_paths_are_made_valid_utf8(void **state)
{
	struct fixture f;
	char req[600], want[300];
	const struct se_http_group *g;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1,
		REQ_GET("/a\xff\xe2\x82"
			"b\xc3\xa9"));
	fx_send(&f, SE_DIR_OUT, 2, RESP_OK);
	assert_int_equal(fx_count(&f, "GET",
				  "/a\xef\xbf\xbd\xef\xbf\xbd"
				  "b\xc3\xa9",
				  200),
			 1);
	/* 253 bytes, then a 3-byte code point that would end at byte 256: cut before it */
	memset(want, 0, sizeof(want));
	want[0] = '/';
	memset(want + 1, 'x', 252);
	snprintf(req, sizeof(req), "GET %s\xe2\x82\xac HTTP/1.1\r\nHost: t\r\n\r\n", want);
	fx_send(&f, SE_DIR_IN, 3, req);
	fx_send(&f, SE_DIR_OUT, 4, RESP_OK);
	g = fx_group(&f, "GET", want, 200);
	assert_non_null(g);
	assert_int_equal(g->path_len, 253);
	assert_true(g->path_truncated);
	/* exactly SE_HTTP_PATH_MAX bytes ending in a whole code point: kept, not cut */
	memset(want + 1, 'y', 250);
	memcpy(want + 251,
	       "\xe2\x82\xac"
	       "z",
	       5); /* 255 bytes and the terminator */
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", want);
	fx_send(&f, SE_DIR_IN, 5, req);
	fx_send(&f, SE_DIR_OUT, 6, RESP_OK);
	g = fx_group(&f, "GET", want, 200);
	assert_non_null(g);
	assert_int_equal(g->path_len, SE_HTTP_PATH_MAX);
	assert_false(g->path_truncated);
	fx_end(&f);
}

/* A head split over segments is gathered in a buffer from the worker's budget, given back
 * once the head is complete; when the budget refuses it the request is lost (counted by the
 * budget alone) but keeps its turn, so the responses still pair right. */
static void test_split_head_within_budget(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1, "GET /split HTTP/1.1\r\n");
	assert_true(f.budget.used > SE_HTTP1_HEAD_MAX);
	fx_send(&f, SE_DIR_IN, 2, "Host: t\r\n\r\n");
	assert_int_equal(f.budget.used, 0);
	fx_send(&f, SE_DIR_OUT, 3, RESP_OK);
	assert_int_equal(fx_count(&f, "GET", "/split", 200), 1);

	f.budget.limit = SE_HTTP1_HEAD_MAX; /* less than a gather buffer */
	fx_send(&f, SE_DIR_IN, 4, "GET /refused HTTP/1.1\r\n");
	fx_send(&f, SE_DIR_IN, 5, "Host: t\r\n\r\n");
	assert_int_equal(f.budget.refused, 1);
	assert_int_equal(f.budget.used, 0);
	fx_send(&f, SE_DIR_OUT, 6, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	fx_send(&f, SE_DIR_IN, 7, REQ_GET("/after"));
	fx_send(&f, SE_DIR_OUT, 8, RESP_OK);
	assert_int_equal(fx_count(&f, "GET", "/after", 200), 1);
	assert_int_equal(fx_total(&f), 2);
	assert_int_equal(f.counters[SE_UC_HTTP_ALLOC], 0);
	assert_int_equal(f.counters[SE_UC_HTTP_UNPAIRED], 0);

	/* refused with the inline queue full: the lost request still counts once */
	f.budget.refused = 0;
	fx_send(&f, SE_DIR_IN, 9, REQ_GET("/one") REQ_GET("/two") "GET /three HTTP/1.1\r\n");
	fx_send(&f, SE_DIR_IN, 10, "Host: t\r\n\r\n");
	assert_int_equal(f.budget.refused, 1);
	fx_send(&f, SE_DIR_OUT, 11,
		RESP_OK RESP_OK "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(fx_count(&f, "GET", "/one", 200), 1);
	assert_int_equal(fx_count(&f, "GET", "/two", 200), 1);
	assert_int_equal(fx_total(&f), 4);
	assert_int_equal(f.counters[SE_UC_HTTP_UNPAIRED], 0);
	assert_int_equal(f.counters[SE_UC_HTTP_PIPELINE_FULL], 0);
	fx_end(&f);
}

/* Pipelining past the two requests kept inline takes an array from the budget, given back
 * by the idle walk once the queue is empty; a refused array loses the request (its answer
 * still consumed in turn), counted once. */
static void test_pipeline_array_within_budget(void **state)
{
	struct fixture f;
	uint64_t array;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1, REQ_GET("/a") REQ_GET("/b") REQ_GET("/c"));
	array = f.budget.used;
	assert_true(array >= SE_HTTP_PIPELINE_MAX * sizeof(struct se_http_pending));
	fx_send(&f, SE_DIR_OUT, 2, RESP_OK RESP_OK);
	se_session_check_idle(&f.s, &f.ctx, 2 * 1000000ull);
	assert_int_equal(f.budget.used, array); /* one still in flight: kept */
	fx_send(&f, SE_DIR_OUT, 3, RESP_OK);
	assert_int_equal(f.budget.used, array); /* empty, but no allocation per burst */
	se_session_check_idle(&f.s, &f.ctx, 3 * 1000000ull);
	assert_int_equal(f.budget.used, 0); /* the walk found it empty: back inline */
	assert_int_equal(fx_total(&f), 3);

	f.budget.limit = array - 1;
	fx_send(&f, SE_DIR_IN, 4, REQ_GET("/d") REQ_GET("/e") REQ_GET("/f"));
	assert_int_equal(f.budget.refused, 1);
	fx_send(&f, SE_DIR_OUT, 5,
		RESP_OK "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
			"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(fx_count(&f, "GET", "/d", 200), 1);
	assert_int_equal(fx_count(&f, "GET", "/e", 201), 1);
	assert_int_equal(fx_total(&f), 5); /* /f lost, its 202 consumed in its turn */
	assert_int_equal(f.counters[SE_UC_HTTP_UNPAIRED], 0);
	assert_int_equal(f.counters[SE_UC_HTTP_ALLOC], 0);
	assert_int_equal(http1(&f)->sink.active_requests[SE_ROLE_SERVER], 0);
	fx_end(&f);
}

/* A split head that makes no progress for SE_SESSION_HEAD_STALL_NS is released (slowloris):
 * its buffer goes back, the stall is counted, and the connection parses again from the next
 * head. */
static void test_stalled_head_is_released(void **state)
{
	struct fixture f;
	uint64_t t0 = 1000, last = t0 + 5000;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, t0, "GET /slowloris HTTP/1.1\r\n");
	fx_send(&f, SE_DIR_IN, last, "X-a: b\r\n"); /* progress: the stall counts from here */
	assert_true(f.budget.used > 0);
	se_session_check_idle(&f.s, &f.ctx, t0 * 1000000ull + SE_SESSION_HEAD_STALL_NS + 1);
	assert_true(f.budget.used > 0);
	assert_int_equal(f.counters[SE_UC_HTTP_HEAD_STALLED], 0);
	se_session_check_idle(&f.s, &f.ctx, last * 1000000ull + SE_SESSION_HEAD_STALL_NS + 1);
	assert_int_equal(f.budget.used, 0);
	assert_int_equal(f.counters[SE_UC_HTTP_HEAD_STALLED], 1);
	/* the rest of that head is skipped; the next head is parsed */
	fx_send(&f, SE_DIR_IN, last + 40000, "X-c: d\r\n\r\n");
	fx_send(&f, SE_DIR_IN, last + 40001, REQ_GET("/next"));
	fx_send(&f, SE_DIR_OUT, last + 40002, RESP_OK);
	assert_int_equal(fx_count(&f, "GET", "/next", 200), 1);
	assert_int_equal(fx_total(&f), 1);
	fx_end(&f);
}

/* A record that raced the close in the kernel comes after it: a connection closed before its
 * protocol was known parses nothing more, so no request is left in flight for good (found by
 * fuzz_session: corpus/session/crash-data-after-close). */
static void test_bytes_after_close_are_not_parsed(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_CLIENT, false);
	se_session_close(&f.s, &f.ctx);
	fx_send(&f, SE_DIR_OUT, 1, REQ_GET("/late"));
	assert_int_equal(http1(&f)->sink.active_requests[SE_ROLE_CLIENT], 0);
	assert_int_equal(f.s.proto, SE_PROTO_UNDECIDED);
	fx_send(&f, SE_DIR_IN, 2, RESP_OK);
	assert_int_equal(fx_total(&f), 0);
	assert_int_equal(f.budget.used, 0);
	fx_end(&f);
}

static void test_free_list_reuses_state(void **state)
{
	struct fixture f;

	fx_start(&f, SE_ROLE_SERVER, false);
	fx_send(&f, SE_DIR_IN, 1, REQ_GET("/r"));
	se_session_close(&f.s, &f.ctx);
	se_session_fini(&f.s, &f.ctx);
	assert_int_equal(http1(&f)->nfree_http, 1);
	se_session_init(&f.s, SE_ROLE_SERVER, &peer, false);
	memset(f.off, 0, sizeof(f.off));
	fx_send(&f, SE_DIR_IN, 2, REQ_GET("/r"));
	assert_int_equal(http1(&f)->nfree_http, 0);
	fx_send(&f, SE_DIR_OUT, 3, RESP_OK);
	assert_int_equal(fx_count(&f, "GET", "/r", 200), 1);
	fx_end(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_exchange_duration),
		cmocka_unit_test(test_client_role_uses_out_for_requests),
		cmocka_unit_test(test_pipelined_pairs_in_order),
		cmocka_unit_test(test_head_response_has_no_body),
		cmocka_unit_test(test_interim_response_is_not_final),
		cmocka_unit_test(test_body_beyond_capture_is_framed_by_length),
		cmocka_unit_test(test_response_delimited_by_close),
		cmocka_unit_test(test_unanswered_and_unpaired_are_counted),
		cmocka_unit_test(test_idle_connection_expires_requests),
		cmocka_unit_test(test_pipeline_limit_counts_the_excess),
		cmocka_unit_test(test_upgrade_leaves_http),
		cmocka_unit_test(test_detection_waits_for_enough_bytes),
		cmocka_unit_test(test_other_protocols_are_ignored_and_counted),
		cmocka_unit_test(test_h2c_upgrade),
		cmocka_unit_test(test_midstream_join_waits_for_a_head),
		cmocka_unit_test(test_trace_context_is_kept),
		cmocka_unit_test(test_broken_request_keeps_its_place),
		cmocka_unit_test(test_broken_response_never_shifts_pairing),
		cmocka_unit_test(test_broken_request_behind_two_in_flight),
		cmocka_unit_test(test_invalid_chunk_abandons_what_follows),
		cmocka_unit_test(test_upgrade_of_a_broken_request_reports_nothing),
		cmocka_unit_test(test_long_heads_are_kept_and_counted),
		cmocka_unit_test(test_hole_in_requests_never_shifts_pairing),
		cmocka_unit_test(test_hole_in_responses_abandons_what_is_in_flight),
		cmocka_unit_test(test_body_ending_in_a_hole_keeps_its_time),
		cmocka_unit_test(test_response_recorded_before_its_request),
		cmocka_unit_test(test_response_head_before_request_body_still_framing),
		cmocka_unit_test(test_paths_are_made_valid_utf8),
		cmocka_unit_test(test_split_head_within_budget),
		cmocka_unit_test(test_pipeline_array_within_budget),
		cmocka_unit_test(test_stalled_head_is_released),
		cmocka_unit_test(test_bytes_after_close_are_not_parsed),
		cmocka_unit_test(test_free_list_reuses_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for the HTTP/1 parser and framer (src/proto/http1_*.c), with detection and
 * trace context extraction on the side. The input is a short header that decides how the
 * payload is cut into segments (lengths, captured parts, holes) and what the owner answers to
 * each head, followed by the payload; see the layout below. The payload goes through:
 *  - se_http1_parse_head as a request and as a response, whole and cut at the head's end;
 *  - se_detect and se_http1_looks_like_head;
 *  - a request stream and a response stream, three times: as one segment, cut by the
 *    descriptors with everything captured, and cut with captured parts and holes.
 *
 * Invariants checked, aborting on the first violation:
 *  - parse_head: head_len <= len and <= SE_HTTP1_HEAD_MAX; every view lies within the input
 *    (or is SE_HTTP1_REDACTED, or the "/" of an absolute-form target without a path); a
 *    sensitive header's value is SE_HTTP1_REDACTED; NEED_MORE only below SE_HTTP1_HEAD_MAX,
 *    TOO_LARGE only at it; a valid head parses the same when cut right after it and is
 *    NEED_MORE one byte short of it;
 *  - detection decides within SE_DETECT_PREFIX_MAX request bytes, keeps a verdict once made as
 *    bytes are added, and gives the same one for more bytes than the prefix;
 *  - streams: on_head only when no message is open, on_end only when one is (so never two
 *    heads without an end between them; 1xx responses end at once); in_message agrees;
 *    body_len never exceeds the bytes fed (holes and uncaptured bytes included); timestamps
 *    never run ahead of the segment being fed nor behind their head; views lie within the
 *    segment being fed or the stream's gather buffer; a head is truncated exactly when it is
 *    longer than SE_HTTP1_HEAD_MAX, never longer than SE_HTTP1_HEAD_TOTAL_MAX nor than the
 *    bytes fed; no callback after STOP or close; after close no message is open and nothing
 *    is allocated (AddressSanitizer reports leaks);
 *  - a payload that framed without any error as one segment gives the same events when cut
 *    into fully captured segments.
 * Segment bytes are copied into heap blocks of exactly their size, so reading past the
 * captured bytes is an AddressSanitizer report. The same file builds the libFuzzer binary
 * and, with replay_main.c, the corpus replayer.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/http1/http1.h"
#include "proto/proto.h"
#include "proto/tracectx.h"

/*
 * Input layout:
 *   u8 flags    bit 0: the request stream joins mid-stream (resync), in the cut-with-holes run
 *               bit 1: the same for the response stream
 *               bits 2-3: what on_head returns (POLICY_*)
 *   u8 ndesc    ndesc % (DESC_MAX + 1) segment descriptors follow (fewer if input is short)
 *   then per descriptor, 3 bytes:
 *     u8 len       segment length: < LEN_BIG as is (0: an empty segment), else
 *                  (len - LEN_BIG + 1) KiB
 *     u8 captured  captured = len * captured / 255 (the cut-with-holes run only)
 *     u8 hole      >= HOLE_FROM: (hole & HOLE_MASK) + 1 bytes skipped before the segment;
 *                  >= BACK_FROM: the segment starts (hole & HOLE_MASK) + 1 bytes early, an
 *                  overlap the stream must skip (the cut-with-holes run only)
 *   then the payload, cut by the descriptors in turn until it is used up.
 */
#define HDR_SIZE     2
#define DESC_SIZE    3
#define DESC_MAX     16
#define LEN_BIG	     0xf8
#define HOLE_FROM    0xc0
#define BACK_FROM    0x80
#define HOLE_MASK    0x3f
#define POLICY_SHIFT 2
#define POLICY_MASK  3
/* Segments per run; past it the rest of the payload goes in one last segment. */
#define SEGMENTS_MAX 4096
#define EVENTS_MAX   1024

enum policy {
	POLICY_HEADERS = 0, /* always frame from the headers */
	POLICY_HEAD,	    /* every other response has no body (answers to HEAD) */
	POLICY_TUNNEL,	    /* 101 and the third head stop the stream */
	POLICY_MIXED,	    /* none, headers or stop, by head number and status */
};

struct desc {
	uint64_t len;
	uint8_t captured;
	uint64_t hole;
	uint64_t back;
};

struct event {
	char kind;
	uint64_t body_len;
	bool estimated;
	uint64_t digest; /* heads: a hash of what was parsed */
};

/* One stream under test and what its callbacks have seen. */
struct watch {
	struct se_http1_stream s;
	enum policy policy;
	bool open, stopped, closed;
	unsigned int heads;
	uint64_t fed;	  /* stream bytes so far, holes and uncaptured bytes included */
	uint64_t seg_ts;  /* of the segment being fed */
	uint64_t head_ts; /* of the open message */
	const uint8_t *seg;
	uint32_t seg_cap;
	bool errors;
	unsigned int nev;
	struct event ev[EVENTS_MAX];
};

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_http1: %s:%d: invariant failed: %s\n", __FILE__,     \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static bool within(const struct se_str *v, const uint8_t *buf, size_t len)
{
	const char *b = (const char *)buf;

	return buf && v->p >= b && v->len <= len && v->p - b <= (ptrdiff_t)(len - v->len);
}

static bool view_is(const struct se_str *v, const char *lit)
{
	return v->len == strlen(lit) && !memcmp(v->p, lit, v->len);
}

static bool sensitive(const struct se_str *name)
{
	static const char *const names[] = { "authorization", "proxy-authorization", "cookie",
					     "set-cookie", "x-api-key" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (name->len == strlen(names[i]) && !strncasecmp(name->p, names[i], name->len))
			return true;
	return false;
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t mix_view(uint64_t h, const struct se_str *v)
{
	h = mix(h, &v->len, sizeof(v->len));
	return mix(h, v->p, v->len);
}

/* Views in (buf, len) or in (alt, alt_len); the checks every parsed head must pass. Returns a
 * digest of its contents. */
static uint64_t check_head(const struct se_http1_head *h, const uint8_t *buf, size_t len,
			   const uint8_t *alt, size_t alt_len)
{
	uint32_t secrets = 0;
	uint64_t d = 0xcbf29ce484222325ull;

#define IN(v) (within(&(v), buf, len) || within(&(v), alt, alt_len))
	CHECK(h->head_len > 0 && h->head_len <= SE_HTTP1_HEAD_TOTAL_MAX);
	CHECK(h->head_truncated == (h->head_len > SE_HTTP1_HEAD_MAX));
	CHECK(h->nheaders <= SE_HTTP1_HEADERS_MAX && h->nheaders <= h->headers_seen);
	CHECK(h->version_minor <= 1);
	CHECK(IN(h->method_text));
	CHECK(IN(h->path) || view_is(&h->path, "/"));
	CHECK(IN(h->query));
	CHECK(h->content_length >= -1);
	CHECK(!h->chunked || h->content_length == -1);
	if (h->is_request)
		CHECK(h->method_text.len > 0 && h->path.len > 0 && h->status == 0);
	else
		CHECK(h->status >= 100 && h->status <= 999);
	for (uint32_t i = 0; i < h->nheaders; i++) {
		const struct se_http1_header *f = &h->headers[i];

		CHECK(IN(f->name) && f->name.len > 0);
		if (sensitive(&f->name)) {
			CHECK(view_is(&f->value, SE_HTTP1_REDACTED));
			secrets++;
		} else {
			CHECK(IN(f->value));
		}
		d = mix_view(mix_view(d, &f->name), &f->value);
	}
#undef IN
	CHECK(secrets == h->redacted);
	d = mix_view(mix_view(mix_view(d, &h->method_text), &h->path), &h->query);
	d = mix(d, &h->status, sizeof(h->status));
	d = mix(d, &h->head_len, sizeof(h->head_len));
	d = mix(d, &h->headers_seen, sizeof(h->headers_seen));
	d = mix(d, &h->content_length, sizeof(h->content_length));
	d = mix(d,
		(uint8_t[]){ h->chunked, h->conn_close, h->upgrade, h->version_minor,
			     h->head_truncated },
		5);
	if (h->is_request) {
		struct se_trace_ctx tc;

		if (se_tracectx_extract(h, &tc))
			CHECK(tc.source >= SE_TRACE_W3C && tc.source <= SE_TRACE_B3_MULTI);
	}
	return d;
}

static struct event *add_event(struct watch *w, char kind)
{
	struct event *e;

	CHECK(!w->stopped && !w->closed);
	if (w->nev >= EVENTS_MAX)
		return NULL;
	e = &w->ev[w->nev++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	return e;
}

static enum se_http1_body_mode on_head(void *ctx, const struct se_http1_head *h, uint64_t ts)
{
	struct watch *w = ctx;
	struct event *e = add_event(w, 'H');
	enum se_http1_body_mode mode = SE_HTTP1_BODY_FROM_HEADERS;
	uint64_t d;
	unsigned int n = w->heads++;

	CHECK(!w->open);
	CHECK(h->is_request == w->s.request);
	CHECK(ts <= w->seg_ts);
	CHECK(h->head_len <= w->fed);
	d = check_head(h, w->seg, w->seg_cap, w->s.head, w->s.head ? SE_HTTP1_HEAD_MAX : 0);
	if (e)
		e->digest = d;
	w->open = true;
	w->head_ts = ts;
	switch (w->policy) {
	case POLICY_HEAD:
		if (!h->is_request && n % 2)
			mode = SE_HTTP1_BODY_NONE;
		break;
	case POLICY_TUNNEL:
		if (h->status == 101 || n == 2)
			mode = SE_HTTP1_BODY_STOP;
		break;
	case POLICY_MIXED:
		mode = (enum se_http1_body_mode)((n * 7 + h->status) % 3);
		break;
	default:
		break;
	}
	if (mode == SE_HTTP1_BODY_STOP) {
		w->stopped = true;
		w->open = false;
	}
	return mode;
}

static void on_end(void *ctx, uint64_t ts, uint64_t body_len, bool estimated)
{
	struct watch *w = ctx;
	struct event *e = add_event(w, 'E');

	CHECK(w->open);
	CHECK(body_len <= w->fed);
	CHECK(ts <= w->seg_ts && ts >= w->head_ts);
	if (e) {
		e->body_len = body_len;
		e->estimated = estimated;
	}
	w->open = false;
}

static void on_error(void *ctx, enum se_http1_error err)
{
	struct watch *w = ctx;
	struct event *e = add_event(w, 'X');

	CHECK(err > SE_HTTP1_ERR_NONE && err < SE_HTTP1_ERR__COUNT);
	CHECK(err != SE_HTTP1_ERR_ALLOC); /* malloc does not fail here */
	if (e)
		e->digest = err;
	w->errors = true;
}

static const struct se_http1_callbacks callbacks = {
	.on_head = on_head,
	.on_end = on_end,
	.on_error = on_error,
};

static void check_state(const struct watch *w)
{
	const struct se_http1_stream *s = &w->s;

	CHECK(s->state <= SE_HTTP1_S_STOPPED);
	CHECK(s->in_message == w->open || s->state == SE_HTTP1_S_STOPPED);
	CHECK(!w->stopped || s->state == SE_HTTP1_S_STOPPED);
	if (s->head_len) {
		/* gathering, or the kept lines of a truncated head (which may fill the buffer) */
		CHECK(s->head && (s->head_len < SE_HTTP1_HEAD_MAX ||
				  (s->head_truncated && s->head_len == SE_HTTP1_HEAD_MAX)));
		CHECK(s->state == SE_HTTP1_S_HEAD);
	}
	if (s->head_truncated)
		CHECK(s->head && s->head_len && s->state == SE_HTTP1_S_HEAD);
}

static void feed(struct watch *w, uint64_t offset, const uint8_t *data, uint64_t len,
		 uint32_t captured)
{
	struct se_segment seg = { .offset = offset, .len = len, .captured = captured };
	uint8_t *copy = NULL;

	if (captured) {
		copy = malloc(captured);
		CHECK(copy);
		memcpy(copy, data, captured);
	}
	seg.data = copy;
	seg.ts_ns = ++w->seg_ts;
	w->seg = copy;
	w->seg_cap = captured;
	if (offset + len > w->fed)
		w->fed = offset + len;
	se_http1_feed(&w->s, &seg, &callbacks, w);
	CHECK(w->s.expected == w->fed || !len);
	check_state(w);
	if (copy)
		memset(copy, 0xa5, captured); /* nothing may point here once feed returns */
	free(copy);
	w->seg = NULL;
	w->seg_cap = 0;
}

static void finish(struct watch *w)
{
	se_http1_close(&w->s, &callbacks, w);
	CHECK(!w->s.in_message && w->s.state == SE_HTTP1_S_STOPPED && !w->s.head);
	w->closed = true;
	CHECK(!w->open || w->stopped);
	se_http1_stream_fini(&w->s);
}

static void start(struct watch *w, bool request, bool resync, enum policy policy)
{
	memset(w, 0, sizeof(*w));
	w->policy = policy;
	se_http1_stream_init(&w->s, request, 0, resync);
}

/* mode 0: one segment; 1: cut, all captured; 2: cut, captured parts and holes. */
static void run(struct watch *w, int mode, const struct desc *d, unsigned int nd, const uint8_t *p,
		size_t n)
{
	uint64_t offset = 0;
	size_t at = 0;
	unsigned int segs = 0;

	if (mode == 0 || !nd) {
		feed(w, 0, p, n, (uint32_t)n);
		return;
	}
	while (at < n) {
		const struct desc *x = &d[segs % nd];
		uint64_t len = x->len, hole = mode == 2 ? x->hole : 0;
		uint64_t back = mode == 2 ? x->back : 0;
		uint32_t cap;

		if (++segs >= SEGMENTS_MAX)
			len = n - at;
		if (hole > n - at)
			hole = n - at;
		at += hole;
		offset += hole;
		if (len > n - at)
			len = n - at;
		if (back > at)
			back = at;
		cap = mode == 2 ? (uint32_t)((len + back) * x->captured / 255) : (uint32_t)len;
		feed(w, offset - back, p + at - back, len + back, cap);
		at += len;
		offset += len;
	}
}

static bool same_events(const struct watch *a, const struct watch *b)
{
	if (a->nev != b->nev)
		return false;
	for (unsigned int i = 0; i < a->nev; i++)
		if (a->ev[i].kind != b->ev[i].kind || a->ev[i].body_len != b->ev[i].body_len ||
		    a->ev[i].estimated != b->ev[i].estimated || a->ev[i].digest != b->ev[i].digest)
			return false;
	return true;
}

static void check_parse(const uint8_t *p, size_t n, bool request)
{
	struct se_http1_head h, again;
	enum se_http1_error err = SE_HTTP1_ERR__COUNT;
	enum se_parse_status r = se_http1_parse_head(p, n, request, &h, &err);

	switch (r) {
	case SE_PARSE_OK:
		CHECK(err == SE_HTTP1_ERR_NONE);
		CHECK(h.head_len <= n && h.is_request == request);
		check_head(&h, p, n, NULL, 0);
		/* The head alone parses the same; one byte short it is incomplete. */
		CHECK(se_http1_parse_head(p, h.head_len, request, &again, NULL) == SE_PARSE_OK);
		CHECK(again.head_len == h.head_len && again.nheaders == h.nheaders);
		CHECK(se_http1_parse_head(p, h.head_len - 1, request, &again, NULL) ==
		      SE_PARSE_NEED_MORE);
		break;
	case SE_PARSE_NEED_MORE:
		CHECK(n < SE_HTTP1_HEAD_MAX);
		break;
	case SE_PARSE_INVALID:
		CHECK(err == SE_HTTP1_ERR_INVALID ||
		      (err == SE_HTTP1_ERR_TOO_LARGE && n >= SE_HTTP1_HEAD_MAX));
		break;
	default:
		CHECK(0);
	}
}

static void check_detect(const uint8_t *p, size_t n)
{
	size_t half = n / 2;
	size_t rq = half < SE_DETECT_PREFIX_MAX ? half : SE_DETECT_PREFIX_MAX;
	size_t rs = n - half < SE_DETECT_PREFIX_MAX ? n - half : SE_DETECT_PREFIX_MAX;
	enum se_proto v;

	v = se_detect(p, rq, p + half, rs);
	CHECK(v <= SE_PROTO_OTHER);
	v = se_detect(p, n < SE_DETECT_PREFIX_MAX ? n : SE_DETECT_PREFIX_MAX, NULL, 0);
	CHECK(n < SE_DETECT_PREFIX_MAX || v != SE_PROTO_UNDECIDED);
	if (n > SE_DETECT_PREFIX_MAX)
		CHECK(se_detect(p, n, NULL, 0) == v);
	/* Once decided, more request bytes do not change the verdict. */
	v = SE_PROTO_UNDECIDED;
	for (size_t k = 1; k <= n && k <= SE_DETECT_PREFIX_MAX; k++) {
		enum se_proto at = se_detect(p, k, NULL, 0);

		CHECK(v == SE_PROTO_UNDECIDED || at == v);
		v = at;
	}
	v = se_detect(NULL, 0, p, n < SE_DETECT_PREFIX_MAX ? n : SE_DETECT_PREFIX_MAX);
	CHECK(n < 8 || v != SE_PROTO_UNDECIDED);
	CHECK(se_http1_looks_like_head(p, n, true) <= SE_PARSE_INVALID);
	CHECK(se_http1_looks_like_head(p, n, false) <= SE_PARSE_INVALID);
}

static struct watch whole, cut, holes;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct desc d[DESC_MAX];
	unsigned int nd;
	uint8_t flags;
	enum policy policy;

	if (size < HDR_SIZE)
		return 0;
	flags = data[0];
	policy = (enum policy)((flags >> POLICY_SHIFT) & POLICY_MASK);
	nd = data[1] % (DESC_MAX + 1);
	if (nd > (size - HDR_SIZE) / DESC_SIZE)
		nd = (unsigned int)((size - HDR_SIZE) / DESC_SIZE);
	for (unsigned int i = 0; i < nd; i++) {
		const uint8_t *x = data + HDR_SIZE + i * DESC_SIZE;

		d[i].len = x[0] < LEN_BIG ? x[0] : (uint64_t)(x[0] - LEN_BIG + 1) * 1024;
		d[i].captured = x[1];
		d[i].hole = x[2] >= HOLE_FROM ? (uint64_t)(x[2] & HOLE_MASK) + 1 : 0;
		d[i].back =
		    x[2] >= BACK_FROM && x[2] < HOLE_FROM ? (uint64_t)(x[2] & HOLE_MASK) + 1 : 0;
	}
	data += HDR_SIZE + nd * DESC_SIZE;
	size -= HDR_SIZE + nd * DESC_SIZE;

	check_parse(data, size, true);
	check_parse(data, size, false);
	check_detect(data, size);

	for (int request = 0; request < 2; request++) {
		bool resync = flags >> (request ? 0 : 1) & 1;

		start(&whole, request, false, policy);
		run(&whole, 0, d, nd, data, size);
		finish(&whole);

		start(&cut, request, false, policy);
		run(&cut, 1, d, nd, data, size);
		finish(&cut);
		if (!whole.errors && whole.nev < EVENTS_MAX && cut.nev < EVENTS_MAX)
			CHECK(same_events(&whole, &cut));

		start(&holes, request, resync, policy);
		run(&holes, 2, d, nd, data, size);
		finish(&holes);
	}
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Pairing of HTTP/1.x requests and responses on one connection (see
 * src/proto/http1/http_track.h). The framers report heads and ends; this file keeps the
 * requests in flight in order and hands each finished exchange to the group table.
 */
#include "proto/http1/http_track.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sockeye/abi.h"
#include "util/utf8.h"
#include "proto/http1/counters.h"

/* The callbacks of a framer get the connection and the sink through this. */
struct se_http_cb_ctx {
	struct se_http_conn *h;
	struct se_http_sink *sink;
};

static struct se_http_pending *se_http_q_at(struct se_http_conn *h, unsigned int i)
{
	return &h->q[(h->qhead + i) % h->qcap];
}

#define SE_HTTP_PIPELINE_BYTES (SE_HTTP_PIPELINE_MAX * sizeof(struct se_http_pending))

/* Room for one more request: grow the inline ring into a heap array (false: no room, the
 * request is lost; counted, by the budget when it refused). */
static bool se_http_q_reserve(struct se_http_conn *h, struct se_http_sink *sink)
{
	struct se_http_pending *big;

	if (h->qlen < h->qcap)
		return true;
	if (h->qcap >= SE_HTTP_PIPELINE_MAX) {
		sink->counters[SE_UC_HTTP_PIPELINE_FULL]++;
		return false;
	}
	if (!se_budget_take(h->budget, SE_HTTP_PIPELINE_BYTES))
		return false;
	big = malloc(SE_HTTP_PIPELINE_BYTES);
	if (!big) {
		se_budget_give(h->budget, SE_HTTP_PIPELINE_BYTES);
		sink->counters[SE_UC_HTTP_ALLOC]++;
		return false;
	}
	for (unsigned int i = 0; i < h->qlen; i++)
		big[i] = *se_http_q_at(h, i);
	h->q = big;
	h->qcap = SE_HTTP_PIPELINE_MAX;
	h->qhead = 0;
	return true;
}

/* The queue goes back inline (it is empty or being freed): a connection that pipelined
 * deeper once does not keep the array, nor its budget, for the rest of its life. */
static void se_http_q_shrink(struct se_http_conn *h)
{
	if (h->q == h->inline_q)
		return;
	free(h->q);
	se_budget_give(h->budget, SE_HTTP_PIPELINE_BYTES);
	h->q = h->inline_q;
	h->qcap = SE_HTTP_PIPELINE_INLINE;
	h->qhead = 0;
}

static void se_http_q_pop(struct se_http_conn *h, struct se_http_sink *sink)
{
	struct se_http_pending *p = se_http_q_at(h, 0);

	if (!p->lost && sink->active_requests[h->role])
		sink->active_requests[h->role]--;
	if (p->lost_after) { /* the next request did not fit: it takes this slot's turn */
		p->lost = true;
		p->lost_after--;
		return;
	}
	h->qhead = (uint8_t)((h->qhead + 1) % h->qcap);
	h->qlen--;
}

/* A request that cannot be queued (queue full, counted) still has its turn: it is recorded
 * on the newest entry, so its response is consumed and the ones after pair right. */
static void se_http_q_lost_at_tail(struct se_http_conn *h)
{
	se_http_q_at(h, h->qlen - 1)->lost_after++;
}

static void se_http_emit(struct se_http_conn *h, struct se_http_sink *sink,
			 const struct se_http_pending *p, uint16_t status, uint64_t end_ns,
			 uint64_t response_body)
{
	struct se_http_request r = {
		.role = h->role,
		.method = p->method,
		.status = status,
		.peer = h->peer,
		.tls = h->tls,
		.path = p->path,
		.path_len = p->path_len,
		.path_truncated = p->path_truncated,
		.start_ns = p->start_ns,
		.end_ns = end_ns,
		.request_body_bytes = p->body_bytes,
		.response_body_bytes = response_body,
		.trace = p->trace,
	};

	se_http_sink_record(sink, &r);
}

/* Every request still in flight ends, counted under `reason` (placeholders were counted
 * when their head failed). */
static void se_http_abandon_all(struct se_http_conn *h, struct se_http_sink *sink,
				enum se_http1_counter reason)
{
	while (h->qlen) {
		if (!se_http_q_at(h, 0)->lost)
			sink->counters[reason]++;
		se_http_q_pop(h, sink);
	}
	h->response_paired = false;
	h->reading_dropped = true; /* a request body still being framed belongs to nothing */
}

static void se_http_count_error(struct se_http_sink *sink, enum se_http1_error err)
{
	uint64_t *cnt = sink->counters;

	switch (err) {
	case SE_HTTP1_ERR_INVALID:
		cnt[SE_UC_HTTP_INVALID]++;
		break;
	case SE_HTTP1_ERR_TOO_LARGE:
		cnt[SE_UC_HTTP_TOO_LARGE]++;
		break;
	case SE_HTTP1_ERR_LOST_SYNC:
		cnt[SE_UC_HTTP_RESYNC]++;
		break;
	case SE_HTTP1_ERR_ALLOC:
		cnt[SE_UC_HTTP_ALLOC]++;
		break;
	case SE_HTTP1_ERR_BUDGET: /* counted by the budget */
	default:
		break;
	}
}

/* ---- responses that came before their request ------------------------------------------ */

/* The kept response was no request's after all. */
static void se_http_orphan_unpaired(struct se_http_conn *h, struct se_http_sink *sink)
{
	if (!h->orphan.valid)
		return;
	h->orphan.valid = false;
	h->response_orphan = false;
	sink->counters[SE_UC_HTTP_UNPAIRED]++;
}

/* A request head was queued: was the kept response its answer? Only for the one request in
 * flight, and only if it began before the response arrived. */
static void se_http_orphan_adopt(struct se_http_conn *h, struct se_http_sink *sink)
{
	struct se_http_pending *p = se_http_q_at(h, 0);

	if (!h->orphan.valid)
		return;
	if (h->qlen != 1 || p->start_ns > h->orphan.head_ts) {
		se_http_orphan_unpaired(h, sink);
		return;
	}
	h->orphan.valid = false;
	if (h->orphan.ended) {
		se_http_emit(h, sink, p, h->orphan.status, h->orphan.end_ts, h->orphan.body);
		se_http_q_pop(h, sink);
	} else { /* still being framed: its end completes this request */
		h->response_orphan = false;
		h->response_paired = true;
		h->response_status = h->orphan.status;
	}
}

/* ---- requests ------------------------------------------------------------------------- */

/*
 * A request head could not be parsed (counted by its reason). When its bytes were there
 * (INVALID, TOO_LARGE, ALLOC) it was one request: a placeholder holds its place so its
 * response (a 400, say) is consumed in turn. When bytes were missing (LOST_SYNC: a hole or
 * bytes not captured) any number of requests may have gone: every request in flight is
 * abandoned (counted), and responses that come for the missing ones find no request
 * (unpaired) instead of a wrong one. An error inside a body needs nothing more than that:
 * the message ends later, estimated.
 */
static void se_http_on_request_error(void *ctx, enum se_http1_error err)
{
	struct se_http_cb_ctx *c = ctx;
	struct se_http_conn *h = c->h;
	struct se_http_pending *p;

	se_http_count_error(c->sink, err);
	if (err == SE_HTTP1_ERR_LOST_SYNC) {
		se_http_abandon_all(h, c->sink, SE_UC_HTTP_ABANDONED);
		return;
	}
	if (h->stream[h->request_dir].in_message)
		return;
	h->reading_seq = h->next_seq++;
	h->reading_dropped = true;
	/* A placeholder never grows the queue (the request it stands for is counted once, by its
	 * error): with no room it rides on the newest entry. */
	if (h->qlen == h->qcap) {
		se_http_q_lost_at_tail(h);
		return;
	}
	p = se_http_q_at(h, h->qlen++);
	memset(p, 0, offsetof(struct se_http_pending, path));
	p->seq = h->reading_seq;
	p->lost = true;
}

/* The path as every sink exports it: valid UTF-8, cut on a code point (sockeye/utf8.h). */
static void se_http_copy_path(struct se_http_pending *p, const struct se_str *path)
{
	bool cut;

	p->path_len = (uint16_t)se_utf8_sanitize(p->path, SE_HTTP_PATH_MAX,
						 (const uint8_t *)path->p, path->len, &cut);
	p->path_truncated = cut;
}

static enum se_http1_body_mode se_http_on_request_head(void *ctx, const struct se_http1_head *hd,
						       uint64_t ts)
{
	struct se_http_cb_ctx *c = ctx;
	struct se_http_conn *h = c->h;
	struct se_http_pending *p;

	if (hd->head_truncated)
		c->sink->counters[SE_UC_HTTP_HEAD_TRUNCATED]++;
	h->reading_seq = h->next_seq++;
	h->reading_dropped = !se_http_q_reserve(h, c->sink);
	if (h->reading_dropped) {
		se_http_q_lost_at_tail(h); /* the queue is full, so not empty */
		return SE_HTTP1_BODY_FROM_HEADERS;
	}
	p = se_http_q_at(h, h->qlen++);
	p->seq = h->reading_seq;
	p->lost = false;
	p->lost_after = 0;
	p->start_ns = ts;
	p->body_bytes = 0;
	p->method = (uint8_t)hd->method;
	se_http_copy_path(p, &hd->path);
	/* Without context of its own, a request has no trace: its group's span gets ids when
	 * one is exported (otlp_spans.c), so none are drawn per request. */
	if (!se_tracectx_extract(hd, &p->trace))
		memset(&p->trace, 0, sizeof(p->trace)); /* SE_TRACE_NONE */
	c->sink->active_requests[h->role]++;
	se_http_orphan_adopt(h, c->sink);
	return SE_HTTP1_BODY_FROM_HEADERS;
}

static void se_http_on_request_end(void *ctx, uint64_t ts, uint64_t body_len, bool estimated)
{
	struct se_http_cb_ctx *c = ctx;
	struct se_http_conn *h = c->h;

	if (h->reading_dropped)
		return;
	/* The newest request, unless its response already came (a server may answer before
	 * reading the whole body) and it left the queue. */
	for (unsigned int i = h->qlen; i-- > 0;) {
		struct se_http_pending *p = se_http_q_at(h, i);

		if (p->seq == h->reading_seq) {
			p->body_bytes = body_len;
			return;
		}
	}
}

/* ---- responses ------------------------------------------------------------------------ */

/*
 * A response could not be parsed (counted by its reason), or bytes of the responses are
 * missing (LOST_SYNC): how many responses went with it is unknown, so every request in
 * flight is abandoned (counted) rather than risk pairing a later response with the wrong
 * request. A response being framed when that happened is abandoned too.
 */
static void se_http_on_response_error(void *ctx, enum se_http1_error err)
{
	struct se_http_cb_ctx *c = ctx;
	struct se_http_conn *h = c->h;

	se_http_count_error(c->sink, err);
	/* A broken head is the oldest request's answer: that request goes with it. Inside a
	 * body, or with bytes missing, what else was skipped is unknown. */
	if (err != SE_HTTP1_ERR_LOST_SYNC && !h->stream[!h->request_dir].in_message && h->qlen &&
	    !se_http_q_at(h, 0)->lost)
		se_http_q_pop(h, c->sink);
	se_http_abandon_all(h, c->sink, SE_UC_HTTP_ABANDONED);
}

static bool se_http_is_tunnel(const struct se_http_pending *req, uint16_t status)
{
	return status == 101 || (req->method == SE_HTTP_CONNECT && status / 100 == 2);
}

/* A 101 to HTTP/2 over cleartext (RFC 7540 3.2; RFC 9113 dropped it, servers still do it). */
static bool se_http_upgrades_h2c(const struct se_http1_head *hd)
{
	for (uint32_t i = 0; i < hd->nheaders; i++) {
		const struct se_http1_header *f = &hd->headers[i];

		if (f->name.len == 7 && !strncasecmp(f->name.p, "upgrade", 7) &&
		    f->value.len == 3 && !strncasecmp(f->value.p, "h2c", 3))
			return true;
	}
	return false;
}

static enum se_http1_body_mode se_http_on_response_head(void *ctx, const struct se_http1_head *hd,
							uint64_t ts)
{
	struct se_http_cb_ctx *c = ctx;
	struct se_http_conn *h = c->h;
	struct se_http_pending *req;

	if (hd->head_truncated)
		c->sink->counters[SE_UC_HTTP_HEAD_TRUNCATED]++;
	h->response_interim = hd->status / 100 == 1 && hd->status != 101;
	h->response_status = hd->status;
	h->response_paired = false;
	if (!h->qlen) {
		if (!h->response_interim) { /* kept until the next request says whose it is */
			se_http_orphan_unpaired(h, c->sink);
			h->orphan.valid = true;
			h->orphan.ended = false;
			h->orphan.status = hd->status;
			h->orphan.head_ts = ts;
			h->response_orphan = true;
		}
		return SE_HTTP1_BODY_FROM_HEADERS;
	}
	if (h->response_interim)
		return SE_HTTP1_BODY_FROM_HEADERS; /* 100 Continue and friends: no body, no pair */
	req = se_http_q_at(h, 0);
	if (hd->status == 101 && !req->lost && se_http_upgrades_h2c(hd)) {
		h->h2c = true; /* HTTP/2 answers it: se_http_conn_handoff */
		se_http1_stop(&h->stream[h->request_dir]);
		return SE_HTTP1_BODY_STOP;
	}
	if (se_http_is_tunnel(req, hd->status)) {
		/* The connection leaves HTTP: the exchange ends with this head. */
		if (!req->lost)
			se_http_emit(h, c->sink, req, hd->status, ts, 0);
		se_http_q_pop(h, c->sink);
		se_http_abandon_all(h, c->sink, SE_UC_HTTP_UNANSWERED);
		se_http1_stop(&h->stream[h->request_dir]);
		return SE_HTTP1_BODY_STOP;
	}
	h->response_paired = true;
	return req->method == SE_HTTP_HEAD ? SE_HTTP1_BODY_NONE : SE_HTTP1_BODY_FROM_HEADERS;
}

static void se_http_on_response_end(void *ctx, uint64_t ts, uint64_t body_len, bool estimated)
{
	struct se_http_cb_ctx *c = ctx;
	struct se_http_conn *h = c->h;

	if (h->response_orphan) {
		h->response_orphan = false;
		h->orphan.ended = true;
		h->orphan.end_ts = ts;
		h->orphan.body = body_len;
		return;
	}
	if (!h->response_paired)
		return; /* interim, or given up on (counted) */
	h->response_paired = false;
	if (se_http_q_at(h, 0)->lost) {
		se_http_q_pop(h, c->sink); /* the answer to a request that was counted lost */
		return;
	}
	se_http_emit(h, c->sink, se_http_q_at(h, 0), h->response_status, ts, body_len);
	se_http_q_pop(h, c->sink);
}

static const struct se_http1_callbacks se_http_request_cb = {
	.on_head = se_http_on_request_head,
	.on_end = se_http_on_request_end,
	.on_error = se_http_on_request_error,
};

static const struct se_http1_callbacks se_http_response_cb = {
	.on_head = se_http_on_response_head,
	.on_end = se_http_on_response_end,
	.on_error = se_http_on_response_error,
};

/* ---- connection ------------------------------------------------------------------------ */

/* A framer for one direction, charging its head buffer to the connection's budget. */
static void se_http_stream_start(struct se_http_conn *h, unsigned int dir, uint64_t offset,
				 bool resync)
{
	se_http1_stream_init(&h->stream[dir], dir == h->request_dir, offset, resync);
	h->stream[dir].budget = h->budget;
}

void se_http_conn_init(struct se_http_conn *h, uint8_t role, const struct se_endpoint *peer,
		       const uint64_t first_offset[2], bool midstream, struct se_budget *budget)
{
	memset(h, 0, sizeof(*h));
	h->role = role < 3 ? role : SE_ROLE_UNKNOWN;
	h->peer = *peer;
	h->budget = budget;
	h->request_dir = role == SE_ROLE_CLIENT ? SE_DIR_OUT : SE_DIR_IN;
	for (unsigned int dir = 0; dir < SE_DIR__COUNT; dir++)
		se_http_stream_start(h, dir, first_offset[dir], midstream);
	h->q = h->inline_q;
	h->qcap = SE_HTTP_PIPELINE_INLINE;
}

void se_http_conn_on_bytes(struct se_http_conn *h, struct se_http_sink *sink, unsigned int dir,
			   const struct se_segment *seg)
{
	struct se_http_cb_ctx c = { .h = h, .sink = sink };
	struct se_segment sent;

	if (dir != h->request_dir) {
		se_http1_feed(&h->stream[dir], seg, &se_http_response_cb, &c);
		return;
	}
	if (dir == SE_DIR_OUT && seg->start_ns && seg->start_ns <= seg->ts_ns) {
		/* A request goes out from when its write began: that is the client's first byte,
		 * and it orders the request before a response read while the write returned. */
		sent = *seg;
		sent.ts_ns = seg->start_ns;
		seg = &sent;
	}
	se_http1_feed(&h->stream[dir], seg, &se_http_request_cb, &c);
}

void se_http_conn_close(struct se_http_conn *h, struct se_http_sink *sink)
{
	struct se_http_cb_ctx c = { .h = h, .sink = sink };
	unsigned int resp_dir = !h->request_dir;

	/* Requests first, so a request body cut short is settled before its response ends. */
	se_http1_close(&h->stream[h->request_dir], &se_http_request_cb, &c);
	se_http1_close(&h->stream[resp_dir], &se_http_response_cb, &c);
	se_http_abandon_all(h, sink, SE_UC_HTTP_UNANSWERED);
	se_http_orphan_unpaired(h, sink);
}

void se_http_conn_expire(struct se_http_conn *h, struct se_http_sink *sink)
{
	se_http_abandon_all(h, sink, SE_UC_HTTP_UNANSWERED);
	se_http_orphan_unpaired(h, sink);
	for (unsigned int dir = 0; dir < SE_DIR__COUNT; dir++) {
		struct se_http1_stream *s = &h->stream[dir];
		uint64_t next = s->expected;

		if (s->state == SE_HTTP1_S_STOPPED)
			continue;
		se_http1_stream_fini(s);
		se_http_stream_start(h, dir, next, true);
	}
}

bool se_http_conn_handoff(struct se_http_conn *h, struct se_http_sink *sink,
			  struct se_proto_handoff *out)
{
	const struct se_http_pending *p;

	if (!h->h2c)
		return false;
	h->h2c = false;
	p = se_http_q_at(h, 0);
	*out = (struct se_proto_handoff){
		.proto = SE_PROTO_HTTP2,
		.method = p->method,
		.path_truncated = p->path_truncated,
		.path_len = p->path_len,
		.path = p->path,
		.start_ns = p->start_ns,
		.trace = p->trace,
	};
	/* HTTP/2 starts after the request (the client's preface) and after the 101 head. */
	out->offset[h->request_dir] = h->stream[h->request_dir].expected;
	out->offset[!h->request_dir] = h->stream[!h->request_dir].head_end;
	se_http_q_pop(h, sink);
	se_http_abandon_all(h, sink, SE_UC_HTTP_UNANSWERED); /* none: a client waits for 101 */
	return true;
}

void se_http_conn_trim(struct se_http_conn *h)
{
	if (!h->qlen)
		se_http_q_shrink(h);
}

void se_http_conn_release_stalled(struct se_http_conn *h, struct se_http_sink *sink,
				  uint64_t before_ns)
{
	for (unsigned int dir = 0; dir < SE_DIR__COUNT; dir++) {
		struct se_http1_stream *s = &h->stream[dir];

		if (!s->head || s->last_ts >= before_ns || !se_http1_release_head(s))
			continue;
		sink->counters[SE_UC_HTTP_HEAD_STALLED]++;
		/* Bytes of that head go unparsed: how many messages they hold is unknown. */
		se_http_abandon_all(h, sink, SE_UC_HTTP_ABANDONED);
	}
}

uint64_t se_http_conn_last_ts(const struct se_http_conn *h)
{
	uint64_t in = h->stream[SE_DIR_IN].last_ts, out = h->stream[SE_DIR_OUT].last_ts;

	return in > out ? in : out;
}

void se_http_conn_fini(struct se_http_conn *h)
{
	for (unsigned int dir = 0; dir < SE_DIR__COUNT; dir++)
		se_http1_stream_fini(&h->stream[dir]);
	se_http_q_shrink(h);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* HTTP/2 exchanges of one connection (see src/proto/http2/http2_track.h). */
#include "proto/http2/http2_track.h"

#include <stdlib.h>
#include <string.h>

#include "proto/http_method.h"
#include "util/group_table.h"
#include "util/hash.h"
#include "proto/http2/counters.h"
#include "util/utf8.h"

/* Fields of a request that could not be decoded (se_h2_stream.unknown). */
enum {
	SE_H2_U_METHOD = 1 << 0,
	SE_H2_U_PATH = 1 << 1,
	SE_H2_U_STATUS = 1 << 2,
	SE_H2_U_GRPC_STATUS = 1 << 3,
	SE_H2_U_PROTOCOL = 1 << 4, /* no content-type read, and it may be a field not decoded */
};

/* Bytes of a trace header's value kept while its block is decoded (traceparent: 55; b3 with
 * a 128-bit trace id, sampling and parent: 68). */
#define SE_H2_TRACE_VALUE_MAX 96

void se_h2_conn_init(struct se_h2_conn *h, uint8_t role, const struct se_endpoint *peer,
		     const uint64_t first_offset[2], bool midstream, struct se_budget *budget)
{
	memset(h, 0, sizeof(*h));
	h->role = role < 3 ? role : SE_ROLE_UNKNOWN; /* indexes the gauges */
	se_group_secret_ready();
	h->request_dir = role == SE_ROLE_CLIENT ? SE_DIR_OUT : SE_DIR_IN;
	h->peer = *peer;
	h->budget = budget;
	for (unsigned int d = 0; d < SE_DIR__COUNT; d++) {
		enum se_h2_state st = midstream		    ? SE_H2_S_LOST
				      : d == h->request_dir ? SE_H2_S_PREFACE
							    : SE_H2_S_HEADER;

		se_h2_framer_init(&h->framer[d], first_offset[d], st, budget);
		se_hpack_init(&h->hpack[d], !midstream, budget);
	}
}

/* ---- streams in flight ------------------------------------------------------------------ */

/* Keyed: a peer choosing stream ids cannot make them collide (see util/group_table.h). */
static uint32_t se_h2_slot(const struct se_h2_conn *h, uint32_t id)
{
	return (uint32_t)se_hash_u64(id ^ se_group_secret[0]) & (h->cap - 1);
}

static struct se_h2_stream *se_h2_find(struct se_h2_conn *h, uint32_t id)
{
	if (!h->n || !id) /* 0 marks a free slot: a frame on stream 0 is no stream's */
		return NULL;
	for (uint32_t i = se_h2_slot(h, id);; i = (i + 1) & (h->cap - 1)) {
		if (h->streams[i].id == id)
			return &h->streams[i];
		if (!h->streams[i].id)
			return NULL;
	}
}

/* Room for one more stream: the table kept at most half full. */
static bool se_h2_grow(struct se_h2_conn *h, struct se_h2_env *env)
{
	uint32_t cap = h->cap ? h->cap * 2 : 8;
	struct se_h2_stream *old = h->streams, *s;
	uint64_t bytes = (uint64_t)cap * sizeof(*s);

	if ((h->n + 1) * 2 <= h->cap)
		return true;
	if (!se_budget_take(h->budget, bytes)) /* counted there */
		return false;
	s = calloc(cap, sizeof(*s));
	if (!s) {
		se_budget_give(h->budget, bytes);
		env->counters[SE_UC_HTTP2_ALLOC]++;
		return false;
	}
	h->streams = s;
	h->cap = cap;
	for (uint32_t i = 0; i < cap / 2; i++) {
		uint32_t j;

		if (!old || !old[i].id)
			continue;
		for (j = se_h2_slot(h, old[i].id); s[j].id; j = (j + 1) & (cap - 1))
			;
		s[j] = old[i];
	}
	if (old) {
		free(old);
		se_budget_give(h->budget, (uint64_t)cap / 2 * sizeof(*s));
	}
	return true;
}

static struct se_h2_stream *se_h2_open(struct se_h2_conn *h, struct se_h2_env *env, uint32_t id,
				       uint64_t start_ns)
{
	struct se_h2_stream *s;
	uint32_t i;

	if (h->n >= SE_H2_STREAMS_MAX) {
		env->counters[SE_UC_HTTP2_STREAMS_FULL]++;
		return NULL;
	}
	if (!se_h2_grow(h, env))
		return NULL;
	for (i = se_h2_slot(h, id); h->streams[i].id; i = (i + 1) & (h->cap - 1))
		;
	s = &h->streams[i];
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->start_ns = start_ns;
	s->grpc_status = SE_GRPC_STATUS_NONE;
	h->n++;
	env->sink->active_requests[h->role]++;
	return s;
}

/* Remove s, moving back the entries of its probe run that would no longer be found. */
static void se_h2_remove(struct se_h2_conn *h, struct se_h2_env *env, struct se_h2_stream *s)
{
	uint32_t mask = h->cap - 1, hole = (uint32_t)(s - h->streams);

	for (uint32_t i = (hole + 1) & mask; h->streams[i].id; i = (i + 1) & mask) {
		uint32_t home = se_h2_slot(h, h->streams[i].id);

		/* Movable to the hole if its home is not in (hole, i], cyclically. */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			h->streams[hole] = h->streams[i];
			hole = i;
		}
	}
	h->streams[hole].id = 0;
	h->n--;
	env->sink->active_requests[h->role]--;
}

/* A stream ends: as a request into the groups (end_ns 0: not answered, only counted). */
static void se_h2_finish(struct se_h2_conn *h, struct se_h2_env *env, struct se_h2_stream *s,
			 uint64_t end_ns)
{
	struct se_http_request r = {
		.role = h->role,
		.method = s->method,
		.status = s->status,
		.protocol = s->grpc ? SE_HTTP_PROTO_GRPC : SE_HTTP_PROTO_2,
		.grpc_status = s->grpc ? s->grpc_status : 0,
		.fields_unknown = s->unknown != 0,
		.peer = h->peer,
		.tls = h->tls,
		.path = s->path,
		.path_len = s->path_len,
		.path_truncated = s->path_truncated,
		.start_ns = s->start_ns,
		.end_ns = end_ns > s->start_ns ? end_ns : s->start_ns,
		.request_body_bytes = s->request_body,
		.trace = s->trace,
	};

	if (s->unknown)
		env->counters[SE_UC_HTTP2_FIELDS_UNKNOWN]++;
	se_http_sink_record(env->sink, &r);
	se_h2_remove(h, env, s);
}

/*
 * A stream the connection's end (or idleness) finds open: if its end may have gone unseen
 * in frames not captured and its response had begun, it ends at the last time it could
 * have; else it is counted under `reason` (its own if its response went unseen).
 */
static void se_h2_end_open(struct se_h2_conn *h, struct se_h2_env *env, struct se_h2_stream *s,
			   unsigned int reason)
{
	if (s->unseen_ns && s->responded) {
		if (s->grpc && s->grpc_status == SE_GRPC_STATUS_NONE)
			s->unknown |= SE_H2_U_GRPC_STATUS; /* the trailers were not seen */
		env->counters[SE_UC_HTTP2_END_ESTIMATED]++;
		se_h2_finish(h, env, s, s->unseen_ns);
		return;
	}
	env->counters[s->unseen_ns ? SE_UC_HTTP2_ABANDONED : reason]++;
	se_h2_remove(h, env, s);
}

/* Every stream in flight that matches ends (se_h2_end_open); before_ns 0: all of them, else
 * those whose response began and whose end may have gone unseen before it (one whose
 * response has not begun may just be slow: it waits for the close or the idle timeout). */
static void se_h2_end_all(struct se_h2_conn *h, struct se_h2_env *env, unsigned int reason,
			  uint64_t before_ns)
{
	for (uint32_t i = 0; h->n && i < h->cap;) {
		struct se_h2_stream *s = &h->streams[i];

		if (s->id &&
		    (!before_ns || (s->responded && s->unseen_ns && s->unseen_ns < before_ns))) {
			se_h2_end_open(h, env, s, reason); /* may move another into slot i */
			continue;
		}
		i++;
	}
}

/* Segments of the responses went by unframed: every stream may have ended in them. */
static void se_h2_mark_unseen(struct se_h2_conn *h, uint64_t ts)
{
	for (uint32_t i = 0; h->n && i < h->cap; i++)
		if (h->streams[i].id)
			h->streams[i].unseen_ns = ts;
}

/* ---- header blocks ---------------------------------------------------------------------- */

/* What one header block says, as its fields are decoded. */
struct se_h2_fields {
	bool any_unknown;
	bool has_method, has_path, has_status, has_grpc_status, has_content_type;
	bool grpc;
	uint8_t method;
	uint16_t status;
	int16_t grpc_status;
	uint16_t path_len;
	bool path_truncated;
	char path[SE_HTTP_PATH_MAX];
	uint8_t trace_len[SE_TH__COUNT];
	bool trace_found[SE_TH__COUNT];
	char trace[SE_TH__COUNT][SE_H2_TRACE_VALUE_MAX];
};

static bool se_h2_name_is(const struct se_hpack_field *f, const char *lit, size_t n)
{
	return f->name_len == n && !memcmp(f->name, lit, n);
}

#define SE_H2_NAME_IS(f, lit) se_h2_name_is((f), (lit), sizeof(lit) - 1)

static bool se_h2_digits(const uint8_t *p, uint32_t n, uint32_t max, uint32_t *out)
{
	uint32_t v = 0;

	if (!n || n > 5)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(p[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static void se_h2_take_path(struct se_h2_fields *fs, const struct se_hpack_field *f)
{
	const uint8_t *q = memchr(f->value, '?', f->value_len);
	uint32_t len = q ? (uint32_t)(q - f->value) : f->value_len;
	bool cut;

	fs->path_len = (uint16_t)se_utf8_sanitize(fs->path, SE_HTTP_PATH_MAX, f->value, len, &cut);
	fs->path_truncated = cut || (f->flags & SE_HPACK_TRUNCATED && !q);
	fs->has_path = true;
}

static bool se_h2_on_field(void *ctx, const struct se_hpack_field *f)
{
	struct se_h2_fields *fs = ctx;
	uint32_t v;

	if (f->flags & (SE_HPACK_NAME_UNKNOWN | SE_HPACK_VALUE_UNKNOWN)) {
		fs->any_unknown = true;
		return true;
	}
	if (f->name_len && f->name[0] == ':') {
		if (SE_H2_NAME_IS(f, ":method")) {
			fs->method = f->value_len
					 ? (uint8_t)se_http_method_of(f->value, f->value_len)
					 : SE_HTTP_OTHER;
			fs->has_method = true;
		} else if (SE_H2_NAME_IS(f, ":path")) {
			se_h2_take_path(fs, f);
		} else if (SE_H2_NAME_IS(f, ":status") &&
			   se_h2_digits(f->value, f->value_len, 999, &v)) {
			fs->status = (uint16_t)v;
			fs->has_status = true;
		}
		return true;
	}
	if (SE_H2_NAME_IS(f, "content-type")) {
		fs->grpc = f->value_len >= 16 && !memcmp(f->value, "application/grpc", 16);
		fs->has_content_type = true;
	} else if (SE_H2_NAME_IS(f, "grpc-status")) {
		if (se_h2_digits(f->value, f->value_len, 32767, &v)) {
			fs->grpc_status = (int16_t)v;
			fs->has_grpc_status = true;
		}
	} else {
		struct se_str name = { .p = (const char *)f->name, .len = f->name_len };
		enum se_trace_header th = se_tracectx_header(&name);

		if (th != SE_TH_NONE && f->value_len <= SE_H2_TRACE_VALUE_MAX) {
			memcpy(fs->trace[th], f->value, f->value_len);
			fs->trace_len[th] = (uint8_t)f->value_len;
			fs->trace_found[th] = true;
		}
	}
	return true;
}

/* The request fields of a block into a new stream. */
static void se_h2_request_fields(struct se_h2_stream *s, struct se_h2_fields *fs, bool decoded)
{
	struct se_str views[SE_TH__COUNT];
	const struct se_str *found[SE_TH__COUNT] = { 0 };

	s->grpc = fs->grpc;
	if (!fs->has_content_type && (fs->any_unknown || !decoded))
		s->unknown |= SE_H2_U_PROTOCOL; /* gRPC or not: unknown */
	s->method = fs->has_method ? fs->method : SE_HTTP_OTHER;
	if (!fs->has_method)
		s->unknown |= SE_H2_U_METHOD;
	if (fs->has_path) {
		memcpy(s->path, fs->path, fs->path_len);
		s->path_len = fs->path_len;
		s->path_truncated = fs->path_truncated;
	} else {
		s->unknown |= SE_H2_U_PATH;
	}
	if (!decoded)
		return;
	for (unsigned int t = 0; t < SE_TH__COUNT; t++) {
		if (!fs->trace_found[t])
			continue;
		views[t] = (struct se_str){ .p = fs->trace[t], .len = fs->trace_len[t] };
		found[t] = &views[t];
	}
	if (!se_tracectx_from(found, &s->trace))
		memset(&s->trace, 0, sizeof(s->trace)); /* SE_TRACE_NONE */
}

/* A response head (an interim one changes nothing) or its trailers, on s. */
static void se_h2_response_fields(struct se_h2_stream *s, const struct se_h2_fields *fs,
				  bool decoded)
{
	bool trailers = s->responded;

	if (!decoded) { /* nothing of it is known */
		if (!trailers)
			s->unknown |= SE_H2_U_STATUS;
		if (s->grpc)
			s->unknown |= SE_H2_U_GRPC_STATUS;
		s->responded = true;
		return;
	}
	if (!trailers) {
		if (fs->has_status && fs->status < 200)
			return; /* interim: the final head is yet to come */
		s->responded = true;
		if (fs->has_status)
			s->status = fs->status;
		else
			s->unknown |= SE_H2_U_STATUS;
	}
	/* What the response says settles what the request left unknown. */
	if (fs->has_content_type || fs->has_grpc_status) {
		s->grpc = s->grpc || fs->grpc || fs->has_grpc_status;
		s->unknown &= (uint8_t)~SE_H2_U_PROTOCOL;
	}
	if (fs->has_grpc_status) {
		s->grpc_status = fs->grpc_status;
		s->unknown &= (uint8_t)~SE_H2_U_GRPC_STATUS;
	} else if ((s->grpc || s->unknown & SE_H2_U_PROTOCOL) && fs->any_unknown) {
		s->unknown |= SE_H2_U_GRPC_STATUS; /* it may be the field not decoded */
	}
}

/* A complete header block sent in direction dir (block NULL: not captured). */
static void se_h2_on_block(struct se_h2_conn *h, struct se_h2_env *env, unsigned int dir,
			   const struct se_h2_block *b, const uint8_t *block, uint32_t len,
			   uint64_t ts)
{
	struct se_h2_fields fs;
	struct se_h2_stream *s = NULL;
	bool decoded = false;

	memset(&fs, 0, sizeof(fs));
	if (block) {
		enum se_hpack_result r =
		    se_hpack_decode(&h->hpack[dir], block, len, env->scratch, se_h2_on_field, &fs);

		decoded = r == SE_HPACK_OK || r == SE_HPACK_NOMEM; /* NOMEM: every field read */
		if (r == SE_HPACK_MALFORMED)
			env->counters[SE_UC_HTTP2_MALFORMED]++;
		else if (r == SE_HPACK_NOMEM)
			env->counters[SE_UC_HTTP2_ALLOC]++;
	} else {
		se_hpack_lost_block(&h->hpack[dir]);
	}
	if (b->type != SE_H2_HEADERS)
		return; /* a pushed request: decoded for the table's sake only */
	s = se_h2_find(h, b->stream_id);
	if (dir == h->request_dir) {
		if (!s) { /* a new request (a second block on a stream: its trailers) */
			s = se_h2_open(h, env, b->stream_id, b->start_ns);
			if (!s)
				return;
			se_h2_request_fields(s, &fs, decoded);
		}
		return;
	}
	if (!s) {
		/* Server push responses come on even streams, never opened by a request. */
		if (b->stream_id & 1)
			env->counters[SE_UC_HTTP2_UNPAIRED]++;
		return;
	}
	se_h2_response_fields(s, &fs, decoded);
	if (b->end_stream && s->responded)
		se_h2_finish(h, env, s, ts);
}

void se_h2_conn_adopt(struct se_h2_conn *h, struct se_h2_env *env, uint8_t role,
		      const struct se_endpoint *peer, const uint64_t first_offset[2],
		      const struct se_proto_handoff *from, struct se_budget *budget)
{
	struct se_h2_stream *s;

	se_h2_conn_init(h, role, peer, first_offset, false, budget);
	s = se_h2_open(h, env, 1, from->start_ns);
	if (!s)
		return;
	s->method = from->method;
	s->path_len = from->path_len < SE_HTTP_PATH_MAX ? from->path_len : SE_HTTP_PATH_MAX;
	memcpy(s->path, from->path, s->path_len);
	s->path_truncated = from->path_truncated;
	s->trace = from->trace;
}

/* ---- frames ----------------------------------------------------------------------------- */

struct se_h2_cb {
	struct se_h2_conn *h;
	struct se_h2_env *env;
	unsigned int dir;
};

static void se_h2_block_reset(struct se_h2_conn *h, struct se_h2_block *b)
{
	if (b->buf) {
		free(b->buf);
		b->buf = NULL;
		se_budget_give(h->budget, SE_H2_BLOCK_MAX);
	}
	b->stream_id = 0;
	b->len = 0;
	b->lost = false;
}

/* A fragment of the block in progress: ends it when `last`. */
static void se_h2_fragment(struct se_h2_cb *c, const uint8_t *p, uint32_t n, bool captured,
			   bool last, uint64_t ts)
{
	struct se_h2_block *b = &c->h->block[c->dir];

	if (last && !b->len && !b->lost && captured) { /* all in one frame: no copy */
		se_h2_on_block(c->h, c->env, c->dir, b, p, n, ts);
		se_h2_block_reset(c->h, b);
		return;
	}
	if (!captured || b->len + n > SE_H2_BLOCK_MAX) {
		b->lost = true;
	} else if (!b->lost) {
		if (!b->buf) {
			if (se_budget_take(c->h->budget, SE_H2_BLOCK_MAX) &&
			    !(b->buf = malloc(SE_H2_BLOCK_MAX))) {
				se_budget_give(c->h->budget, SE_H2_BLOCK_MAX);
				c->env->counters[SE_UC_HTTP2_ALLOC]++;
			}
			if (!b->buf)
				b->lost = true;
		}
		if (b->buf) {
			memcpy(b->buf + b->len, p, n);
			b->len += n;
		}
	}
	if (!last)
		return;
	se_h2_on_block(c->h, c->env, c->dir, b, b->lost ? NULL : b->buf, b->len, ts);
	se_h2_block_reset(c->h, b);
}

/* The header block fragment of a HEADERS or PUSH_PROMISE payload (padding and priority
 * removed); false when the payload is malformed. */
static bool se_h2_unpad(const struct se_h2_frame *f, const uint8_t **p, uint32_t *n)
{
	uint32_t skip = 0, pad = 0;

	if (!f->captured)
		return true; /* nothing to strip */
	if (f->flags & SE_H2_PADDED) {
		if (!f->length)
			return false;
		pad = f->payload[0];
		skip = 1;
	}
	if (f->type == SE_H2_HEADERS && f->flags & SE_H2_PRIORITY_FLAG)
		skip += 5;
	if (f->type == SE_H2_PUSH_PROMISE)
		skip += 4;
	if (skip + pad > f->length)
		return false;
	*p = f->payload + skip;
	*n = f->length - skip - pad;
	return true;
}

static void se_h2_settings(struct se_h2_cb *c, const struct se_h2_frame *f)
{
	if (!f->captured || f->flags & SE_H2_END_STREAM /* ACK */)
		return;
	for (uint32_t i = 0; i + 6 <= f->length; i += 6) {
		const uint8_t *e = f->payload + i;
		uint16_t id = (uint16_t)(e[0] << 8 | e[1]);
		uint32_t v =
		    (uint32_t)e[2] << 24 | (uint32_t)e[3] << 16 | (uint32_t)e[4] << 8 | e[5];

		/* The sender's decoder limit bounds the tables of what the other side sends. */
		if (id == 1 /* SETTINGS_HEADER_TABLE_SIZE */)
			se_hpack_set_limit(&c->h->hpack[!c->dir], v);
	}
}

/* A header block that cannot be read: its table changes are unknown. */
static void se_h2_block_malformed(struct se_h2_cb *c)
{
	c->env->counters[SE_UC_HTTP2_MALFORMED]++;
	se_hpack_lost_block(&c->h->hpack[c->dir]);
	se_h2_block_reset(c->h, &c->h->block[c->dir]);
}

static void se_h2_on_frame(void *ctx, const struct se_h2_frame *f)
{
	struct se_h2_cb *c = ctx;
	struct se_h2_conn *h = c->h;
	struct se_h2_block *b = &h->block[c->dir];
	struct se_h2_stream *s = se_h2_find(h, f->stream_id); /* one lookup per frame */
	const uint8_t *p = NULL;
	uint32_t n = 0;

	if (s)
		s->unseen_ns = 0; /* it goes on */
	/* A block in progress takes only its CONTINUATIONs (RFC 9113 6.10). */
	h->resynced[c->dir] = f->type == SE_H2_CONTINUATION && h->resynced[c->dir];
	if (b->stream_id && (f->type != SE_H2_CONTINUATION || f->stream_id != b->stream_id)) {
		se_h2_block_malformed(c);
		if (f->type == SE_H2_CONTINUATION)
			return;
	}
	switch (f->type) {
	case SE_H2_HEADERS:
	case SE_H2_PUSH_PROMISE:
		if (!f->stream_id || !se_h2_unpad(f, &p, &n)) {
			se_h2_block_malformed(c);
			break;
		}
		b->stream_id = f->stream_id;
		b->type = f->type;
		b->end_stream = f->type == SE_H2_HEADERS && f->flags & SE_H2_END_STREAM;
		b->start_ns = f->start_ns;
		se_h2_fragment(c, p, n, f->captured, f->flags & SE_H2_END_HEADERS, f->ts_ns);
		break;
	case SE_H2_CONTINUATION:
		if (!b->stream_id) {
			if (!h->resynced[c->dir]) /* else its block's start went unseen */
				se_h2_block_malformed(c);
			break;
		}
		se_h2_fragment(c, f->payload, f->length, f->captured, f->flags & SE_H2_END_HEADERS,
			       f->ts_ns);
		break;
	case SE_H2_DATA:
		if (!s)
			break;
		if (c->dir == h->request_dir) {
			s->request_body += f->length;
		} else if (f->flags & SE_H2_END_STREAM) {
			if (!s->responded) /* its head went unseen (framing lost) */
				s->unknown |=
				    SE_H2_U_STATUS |
				    (s->grpc || s->unknown & SE_H2_U_PROTOCOL ? SE_H2_U_GRPC_STATUS
									      : 0);
			se_h2_finish(h, c->env, s, f->ts_ns);
		}
		break;
	case SE_H2_RST_STREAM:
		if (!s)
			break;
		c->env->counters[SE_UC_HTTP2_RESET]++;
		se_h2_finish(h, c->env, s, f->ts_ns);
		break;
	case SE_H2_SETTINGS:
		se_h2_settings(c, f);
		break;
	default:
		break;
	}
}

static void se_h2_on_lost(void *ctx)
{
	struct se_h2_cb *c = ctx;
	struct se_h2_conn *h = c->h;

	c->env->counters[SE_UC_HTTP2_LOST_SYNC]++;
	h->resynced[c->dir] = true;
	se_hpack_lost_block(&h->hpack[c->dir]);
	se_h2_block_reset(h, &h->block[c->dir]);
	/* Requests that go unseen show up as unpaired responses; responses that do, in
	 * se_h2_mark_unseen. */
}

static const struct se_h2_framer_ops se_h2_framer_ops = {
	.on_frame = se_h2_on_frame,
	.on_lost = se_h2_on_lost,
};

void se_h2_conn_on_bytes(struct se_h2_conn *h, struct se_h2_env *env, unsigned int dir,
			 const struct se_segment *seg)
{
	struct se_h2_cb c = { .h = h, .env = env, .dir = dir };

	if (seg->ts_ns > h->last_ts)
		h->last_ts = seg->ts_ns;
	se_h2_framer_push(&h->framer[dir], seg, &se_h2_framer_ops, &c);
	if (dir != h->request_dir && h->framer[dir].state == SE_H2_S_LOST)
		se_h2_mark_unseen(h, seg->ts_ns);
}

void se_h2_conn_close(struct se_h2_conn *h, struct se_h2_env *env)
{
	se_h2_end_all(h, env, SE_UC_HTTP2_UNANSWERED, 0);
}

void se_h2_conn_expire(struct se_h2_conn *h, struct se_h2_env *env)
{
	se_h2_end_all(h, env, SE_UC_HTTP2_UNANSWERED, 0);
}

void se_h2_conn_check_unseen(struct se_h2_conn *h, struct se_h2_env *env, uint64_t now_ns)
{
	if (h->n && now_ns > SE_H2_UNSEEN_TIMEOUT_NS)
		se_h2_end_all(h, env, SE_UC_HTTP2_UNANSWERED, now_ns - SE_H2_UNSEEN_TIMEOUT_NS);
}

uint64_t se_h2_conn_last_ts(const struct se_h2_conn *h)
{
	return h->last_ts;
}

void se_h2_conn_fini(struct se_h2_conn *h)
{
	for (unsigned int d = 0; d < SE_DIR__COUNT; d++) {
		se_h2_framer_fini(&h->framer[d]);
		se_hpack_fini(&h->hpack[d]);
		se_h2_block_reset(h, &h->block[d]);
	}
	if (h->streams)
		se_budget_give(h->budget, (uint64_t)h->cap * sizeof(*h->streams));
	free(h->streams);
	h->streams = NULL;
	h->cap = h->n = 0;
}

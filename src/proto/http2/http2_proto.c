// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* HTTP/2 behind the protocol interface (see src/proto/http2/http2_proto.h). */
#include "proto/http2/http2_proto.h"

#include <stdlib.h>

#include "proto/http2/counters.h"
#include "proto/http2/http2_frame.h"
#include "proto/http2/http2_track.h"
#include "proto/session.h"

/* The client connection preface of HTTP/2 (RFC 9113 3.4). */
static const char se_http2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define SE_HTTP2_PREFACE_LEN (sizeof(se_http2_preface) - 1)

_Static_assert(SE_HTTP2_PREFACE_LEN <= SE_DETECT_PREFIX_MAX,
	       "detection must decide within the kept prefix");

static enum se_parse_status se_http2_detect(const uint8_t *buf, size_t len)
{
	return se_detect_literal(buf, len, se_http2_preface, SE_HTTP2_PREFACE_LEN);
}

/*
 * Joined mid-way, no preface comes: the client's side starts with frames, by what the frame
 * headers hold (se_h2_plausible). Text protocols never start so (a length's first byte is
 * 0 below 64 KiB); a binary protocol might, which is why this is tried on joined
 * connections only.
 */
static enum se_parse_status se_http2_detect_frames(const uint8_t *buf, size_t len)
{
	if (len < SE_H2_FRAME_HEADER)
		return SE_PARSE_NEED_MORE;
	return se_h2_plausible(buf, len, UINT64_MAX) ? SE_PARSE_OK : SE_PARSE_INVALID;
}

/*
 * The server's connection preface: a SETTINGS frame (RFC 9113 3.4), which servers send as
 * soon as they accept, before they read the client's: a server's side can show it first.
 * Its header: a length that is a multiple of 6 (entries), type 4, no flags, stream 0.
 */
static enum se_parse_status se_http2_detect_server(const uint8_t *buf, size_t len)
{
	static const uint8_t want[SE_H2_FRAME_HEADER] = { 0, 0, 0, SE_H2_SETTINGS, 0, 0, 0, 0, 0 };

	for (size_t i = 0; i < len && i < SE_H2_FRAME_HEADER; i++)
		if (i != 1 && i != 2 && buf[i] != want[i])
			return SE_PARSE_INVALID;
	if (len < SE_H2_FRAME_HEADER)
		return SE_PARSE_NEED_MORE;
	return ((unsigned int)buf[1] << 8 | buf[2]) % 6 == 0 ? SE_PARSE_OK : SE_PARSE_INVALID;
}

static const struct se_detect_rule se_http2_rules[] = {
	{ .response_side = false, .match = se_http2_detect },
	{ .response_side = true, .match = se_http2_detect_server },
	{ .response_side = false, .joined_only = true, .match = se_http2_detect_frames },
};

/* One worker's: its own HTTP sink, pointed at HTTP/1's part of each shard. */
struct se_http2_worker {
	struct se_http_sink sink;
	struct se_h2_env h2;
	const struct se_proto_env *env;
	uint8_t scratch[SE_HPACK_SCRATCH];
};

static void *se_http2_worker_new(const struct se_proto_env *env)
{
	struct se_http2_worker *hw = calloc(1, sizeof(*hw));

	if (!hw)
		return NULL;
	hw->env = env;
	se_http_sink_init(&hw->sink, env);
	hw->h2.sink = &hw->sink;
	hw->h2.scratch = hw->scratch;
	return hw;
}

static void se_http2_worker_free(void *pw)
{
	free(pw);
}

static bool se_http2_worker_busy(const void *pw)
{
	return se_http_sink_busy(&((const struct se_http2_worker *)pw)->sink);
}

static void *se_http2_conn_new(void *pw, const struct se_proto_start *st)
{
	struct se_http2_worker *hw = pw;
	struct se_h2_conn *h = malloc(sizeof(*h));

	if (!h) {
		hw->h2.counters[SE_UC_HTTP2_ALLOC]++;
		return NULL;
	}
	se_h2_conn_init(h, st->role, st->peer, st->first_offset, st->midstream, hw->sink.budget);
	h->tls = st->tls;
	return h;
}

static void *se_http2_conn_adopt(void *pw, const struct se_proto_start *st,
				 const struct se_proto_handoff *from)
{
	struct se_http2_worker *hw = pw;
	struct se_h2_conn *h = malloc(sizeof(*h));

	if (!h) {
		hw->h2.counters[SE_UC_HTTP2_ALLOC]++;
		return NULL;
	}
	se_h2_conn_adopt(h, &hw->h2, st->role, st->peer, st->first_offset, from, hw->sink.budget);
	h->tls = st->tls;
	return h;
}

static void se_http2_conn_bytes(void *pw, void *pc, unsigned int dir, const struct se_segment *seg)
{
	se_h2_conn_on_bytes(pc, &((struct se_http2_worker *)pw)->h2, dir, seg);
}

static void se_http2_conn_close(void *pw, void *pc)
{
	se_h2_conn_close(pc, &((struct se_http2_worker *)pw)->h2);
}

static void se_http2_check_idle(void *pw, void *pc, uint64_t now_ns)
{
	struct se_h2_conn *h = pc;

	se_h2_conn_check_unseen(h, &((struct se_http2_worker *)pw)->h2, now_ns);
	if (h->n && now_ns > SE_SESSION_IDLE_TIMEOUT_NS &&
	    se_h2_conn_last_ts(h) < now_ns - SE_SESSION_IDLE_TIMEOUT_NS)
		se_h2_conn_expire(h, &((struct se_http2_worker *)pw)->h2);
}

static void se_http2_conn_free(void *pw, void *pc)
{
	(void)pw;
	se_h2_conn_fini(pc);
	free(pc);
}

static void se_http2_point(void *pw, void *const *parts)
{
	struct se_http2_worker *hw = pw;

	se_http_sink_point(&hw->sink, parts, hw->env);
	hw->h2.counters = hw->env->counters;
}

static void se_http2_sample(const void *pw, void *const *parts)
{
	const struct se_http2_worker *hw = pw;
	struct se_http_part *p = se_http_part(parts);

	for (size_t r = 0; r < sizeof(p->active_requests) / sizeof(p->active_requests[0]); r++)
		p->active_requests[r] += hw->sink.active_requests[r];
}

const struct se_proto_ops se_http2_proto = {
	.id = SE_PROTO_HTTP2,
	.name = "http2",
	.rules = se_http2_rules,
	.nrules = sizeof(se_http2_rules) / sizeof(se_http2_rules[0]),
	.worker_new = se_http2_worker_new,
	.worker_free = se_http2_worker_free,
	.worker_busy = se_http2_worker_busy,
	.conn_new = se_http2_conn_new,
	.on_bytes = se_http2_conn_bytes,
	.close = se_http2_conn_close,
	.check_idle = se_http2_check_idle,
	.conn_free = se_http2_conn_free,
	.conn_adopt = se_http2_conn_adopt,
	.point = se_http2_point,
	.sample = se_http2_sample,
	.conn_size = sizeof(struct se_h2_conn),
	.worker_size = sizeof(struct se_http2_worker),
};

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Protocol detection and dispatch for one connection (see src/proto/session.h). */
#include "proto/session.h"

#include <errno.h>
#include <string.h>

#include "proto/counters.h"
#include "proto/registry.h"
#include "sockeye/abi.h"

int se_session_ctx_init(struct se_session_ctx *ctx, const struct se_proto_env *env)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->env = *env;
	for (unsigned int i = 0; se_protocols[i]; i++) {
		const struct se_proto_ops *p = se_protocols[i];

		if (!p->worker_new)
			continue;
		ctx->pw[p->id] = p->worker_new(&ctx->env);
		if (!ctx->pw[p->id]) {
			se_session_ctx_fini(ctx);
			return -ENOMEM;
		}
	}
	return 0;
}

void se_session_ctx_fini(struct se_session_ctx *ctx)
{
	for (unsigned int i = 0; se_protocols[i]; i++) {
		const struct se_proto_ops *p = se_protocols[i];

		if (ctx->pw[p->id])
			p->worker_free(ctx->pw[p->id]);
		ctx->pw[p->id] = NULL;
	}
}

void se_session_ctx_point(struct se_session_ctx *ctx, uint64_t *counters, void *const *parts)
{
	ctx->env.counters = counters;
	for (unsigned int i = 0; se_protocols[i]; i++) {
		const struct se_proto_ops *p = se_protocols[i];

		if (ctx->pw[p->id])
			p->point(ctx->pw[p->id], parts);
	}
}

void se_session_ctx_sample(const struct se_session_ctx *ctx, void *const *parts)
{
	/* The owners of parts first (they set their gauges), then those that add to them. */
	for (int owners = 1; owners >= 0; owners--)
		for (unsigned int i = 0; se_protocols[i]; i++) {
			const struct se_proto_ops *p = se_protocols[i];

			if (ctx->pw[p->id] && !p->part_new == !owners)
				p->sample(ctx->pw[p->id], parts);
		}
}

void se_session_ctx_datagram(struct se_session_ctx *ctx, const struct se_datagram *d)
{
	for (unsigned int i = 0; se_protocols[i]; i++) {
		const struct se_proto_ops *p = se_protocols[i];

		if (p->on_datagram && ctx->pw[p->id]) {
			p->on_datagram(ctx->pw[p->id], d);
			return;
		}
	}
}

void se_session_ctx_tick(struct se_session_ctx *ctx, uint64_t now_ns)
{
	for (unsigned int i = 0; se_protocols[i]; i++) {
		const struct se_proto_ops *p = se_protocols[i];

		if (p->worker_tick && ctx->pw[p->id])
			p->worker_tick(ctx->pw[p->id], now_ns);
	}
}

bool se_session_ctx_busy(const struct se_session_ctx *ctx)
{
	for (unsigned int i = 0; se_protocols[i]; i++) {
		const struct se_proto_ops *p = se_protocols[i];

		if (ctx->pw[p->id] && p->worker_busy(ctx->pw[p->id]))
			return true;
	}
	return false;
}

void se_session_init(struct se_session *s, uint8_t role, const struct se_endpoint *peer,
		     bool midstream)
{
	memset(s, 0, sizeof(*s));
	s->proto = SE_PROTO_UNDECIDED;
	s->role = role;
	s->midstream = midstream;
	s->peer = *peer;
	s->peer.port = 0;
}

void se_session_plaintext(struct se_session *s, struct se_session_ctx *ctx, bool midstream)
{
	struct se_session was = *s;

	se_session_fini(s, ctx);
	se_session_init(s, was.role, &was.peer, midstream);
	s->by_port = was.by_port;
	s->local = was.local;
	s->closed = was.closed;
	s->tls = s->plaintext = true;
}

void se_session_by_port(struct se_session *s, uint8_t proto, const struct se_endpoint *local)
{
	s->by_port = proto;
	s->local = *local;
	s->local.port = 0;
}

static unsigned int se_session_request_dir(const struct se_session *s)
{
	return s->role == SE_ROLE_CLIENT ? SE_DIR_OUT : SE_DIR_IN;
}

/* Keep the first bytes of a direction while the protocol is undecided. */
static void se_session_keep(struct se_session *s, unsigned int dir, const struct se_segment *seg)
{
	uint8_t had = s->prefix_len[dir];
	uint32_t room = SE_DETECT_PREFIX_MAX - had;
	uint32_t n = seg->captured < room ? seg->captured : room;

	if (!had && !s->prefix_partial[dir]) {
		s->prefix_offset[dir] = seg->offset;
		s->prefix_ts[dir] = seg->ts_ns;
		s->prefix_start_ns[dir] = seg->start_ns;
	} else if (seg->offset != s->prefix_offset[dir] + had) {
		s->prefix_partial[dir] = true; /* a hole, or an earlier segment not all captured */
	}
	if (n)
		memcpy(s->prefix[dir] + had, seg->data, n);
	s->prefix_len[dir] = (uint8_t)(had + n);
	if (n < seg->len)
		s->prefix_partial[dir] = true; /* bytes of this segment are not in the prefix */
}

/* Start the protocol's tracker and give it what detection kept, then the current segment, in
 * kernel-time order so a response is never replayed before its request. */
static void se_session_start(struct se_session *s, struct se_session_ctx *ctx,
			     const struct se_proto_ops *ops, unsigned int dir,
			     const struct se_segment *seg, uint8_t had, bool had_partial)
{
	unsigned int req_dir = se_session_request_dir(s);
	struct se_segment feed[3];
	unsigned int feed_dir[3], n = 0;
	struct se_proto_start start = {
		.role = s->role,
		.peer = &s->peer,
		.local = &s->local,
		.midstream = s->midstream,
		.tls = s->tls,
	};
	void *pw = ctx->pw[ops->id];

	/* The current segment is fed whole; only earlier segments come from the prefix. */
	s->prefix_len[dir] = had;
	s->prefix_partial[dir] = had_partial;
	for (unsigned int i = 0; i < SE_DIR__COUNT; i++) {
		unsigned int d = i == 0 ? req_dir : !req_dir;
		/* A partial prefix cannot be replayed: that direction waits for a head. Joined
		 * mid-stream, responses seen before the first request answer requests sockeye
		 * never saw: they are not replayed either. */
		bool replay =
		    s->prefix_len[d] && !s->prefix_partial[d] && !(s->midstream && d != req_dir);

		start.first_offset[d] = replay ? s->prefix_offset[d] : d == dir ? seg->offset : 0;
		if (!replay)
			continue;
		feed[n] = (struct se_segment){
			.offset = s->prefix_offset[d],
			.len = s->prefix_len[d],
			.ts_ns = s->prefix_ts[d],
			.start_ns = s->prefix_start_ns[d],
			.data = s->prefix[d],
			.captured = s->prefix_len[d],
		};
		feed_dir[n++] = d;
	}
	feed[n] = *seg;
	feed_dir[n++] = dir;
	s->tracker = ops->conn_new(pw, &start);
	if (!s->tracker) {
		s->proto = SE_PROTO_OTHER; /* out of memory: counted by the protocol */
		return;
	}
	s->proto = ops->id;
	s->ops = ops;
	/* At most three segments: a stable insertion sort by timestamp. */
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j > 0 && feed[j].ts_ns < feed[j - 1].ts_ns; j--) {
			struct se_segment t = feed[j];
			unsigned int td = feed_dir[j];

			feed[j] = feed[j - 1], feed_dir[j] = feed_dir[j - 1];
			feed[j - 1] = t, feed_dir[j - 1] = td;
		}
	for (unsigned int i = 0; i < n; i++)
		ops->on_bytes(pw, s->tracker, feed_dir[i], &feed[i]);
}

static void se_session_detect(struct se_session *s, struct se_session_ctx *ctx, unsigned int dir,
			      const struct se_segment *seg)
{
	unsigned int req_dir = se_session_request_dir(s);
	uint8_t had = s->prefix_len[dir];
	bool had_partial = s->prefix_partial[dir];
	const struct se_proto_ops *ops;
	enum se_proto p;

	if (s->by_port) {
		ops = se_protocol(s->by_port);
		if (se_protocol_parsed(ops) && ctx->pw[s->by_port]) {
			se_session_start(s, ctx, ops, dir, seg, 0, false);
			return;
		}
	}
	se_session_keep(s, dir, seg);
	/* Mid-stream, the response side may be inside a body: judge by the requests alone. */
	p = s->midstream ? se_detect_joined(s->prefix[req_dir], s->prefix_len[req_dir], NULL, 0)
			 : se_detect(s->prefix[req_dir], s->prefix_len[req_dir],
				     s->prefix[!req_dir], s->prefix_len[!req_dir]);
	if (p == SE_PROTO_UNDECIDED && s->prefix_len[req_dir] >= SE_DETECT_PREFIX_MAX)
		p = SE_PROTO_OTHER; /* the detector promises to decide within the prefix */
	bool ciphertext = p == SE_PROTO_OTHER && !s->plaintext &&
			  se_detect_tls(s->prefix[dir], s->prefix_len[dir], s->midstream);

	s->tls |= ciphertext;
	if (p == SE_PROTO_OTHER && !ciphertext && s->midstream &&
	    ++s->tries < SE_SESSION_MIDSTREAM_TRIES) {
		/* Perhaps inside a message: look again from the next segment's start. */
		memset(s->prefix_len, 0, sizeof(s->prefix_len));
		memset(s->prefix_partial, 0, sizeof(s->prefix_partial));
		return;
	}
	if (p == SE_PROTO_UNDECIDED)
		return;
	ops = se_protocol(p);
	if (se_protocol_parsed(ops) && ctx->pw[p]) {
		se_session_start(s, ctx, ops, dir, seg, had, had_partial);
		return;
	}
	s->proto = (uint8_t)p;
	/* TLS is counted by the kernel (tls_conns); its plaintext may yet be parsed */
	if (!s->tls)
		ctx->env.counters[SE_UC_CONNS_NOT_PARSED]++;
}

/*
 * The tracker said the connection switched protocols (HTTP/1.1's Upgrade: h2c), in seg: the
 * new protocol's tracker takes over from the offsets given and reads seg again (the switch
 * and the new protocol's first bytes often share a segment; it skips what comes before).
 */
static void se_session_switch(struct se_session *s, struct se_session_ctx *ctx, unsigned int dir,
			      const struct se_segment *seg)
{
	struct se_proto_handoff ho;
	const struct se_proto_ops *to;
	void *old = s->tracker, *pw;
	struct se_proto_start start = {
		.role = s->role,
		.peer = &s->peer,
		.local = &s->local,
		.tls = s->tls,
	};

	if (!s->ops->handoff(ctx->pw[s->proto], old, &ho))
		return;
	to = se_protocol(ho.proto);
	pw = to ? ctx->pw[to->id] : NULL;
	memcpy(start.first_offset, ho.offset, sizeof(start.first_offset));
	s->tracker = pw && to->conn_adopt ? to->conn_adopt(pw, &start, &ho) : NULL;
	s->ops->conn_free(ctx->pw[s->proto], old); /* after: ho's views point into it */
	if (!s->tracker) { /* not parsed, or out of memory (counted by the protocol) */
		s->ops = NULL;
		s->proto = SE_PROTO_OTHER;
		return;
	}
	s->ops = to;
	s->proto = to->id;
	to->on_bytes(pw, s->tracker, dir, seg);
}

void se_session_on_bytes(struct se_session *s, struct se_session_ctx *ctx, unsigned int dir,
			 const struct se_segment *seg)
{
	if (s->closed)
		return;
	if (s->ops) {
		s->ops->on_bytes(ctx->pw[s->proto], s->tracker, dir, seg);
		if (s->ops->handoff)
			se_session_switch(s, ctx, dir, seg);
	} else if (s->proto == SE_PROTO_UNDECIDED)
		se_session_detect(s, ctx, dir, seg);
	/* else not parsed: counted once at detection */
}

void se_session_close(struct se_session *s, struct se_session_ctx *ctx)
{
	s->closed = true;
	if (s->ops)
		s->ops->close(ctx->pw[s->proto], s->tracker);
}

void se_session_check_idle(struct se_session *s, struct se_session_ctx *ctx, uint64_t now_ns)
{
	if (s->ops)
		s->ops->check_idle(ctx->pw[s->proto], s->tracker, now_ns);
}

void se_session_fini(struct se_session *s, struct se_session_ctx *ctx)
{
	if (s->ops && s->tracker)
		s->ops->conn_free(ctx->pw[s->proto], s->tracker);
	s->ops = NULL;
	s->tracker = NULL;
}

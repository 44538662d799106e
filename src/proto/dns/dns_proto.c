// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* DNS behind the protocol interface (see src/proto/dns/dns_proto.h). */
#include "proto/dns/dns_proto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/dns/counters.h"
#include "proto/dns/dns_encode.h"
#include "proto/dns/dns_msg.h"
#include "proto/dns/dns_tcp.h"

/* ---- a worker's pairing ------------------------------------------------------------------ */

static void *se_dns_worker_new(const struct se_proto_env *env)
{
	struct se_dns_worker *dw = calloc(1, sizeof(*dw));

	if (!dw)
		return NULL;
	dw->env = env;
	se_dns_pairing_init(&dw->pairing);
	return dw;
}

static void se_dns_worker_free(void *pw)
{
	struct se_dns_worker *dw = pw;

	if (!dw)
		return;
	se_dns_pairing_fini(&dw->pairing);
	free(dw);
}

static bool se_dns_worker_busy(const void *pw)
{
	return ((const struct se_dns_worker *)pw)->pairing.pending.n > 0;
}

/* One message of msg_len bytes, the first len of them at buf: count what does not parse, hand
 * the rest to the pairing. */
static void se_dns_message(struct se_dns_worker *dw, const uint8_t *buf, size_t len, size_t msg_len,
			   const struct se_dns_origin *o)
{
	uint64_t *counters = dw->pairing.counters;
	struct se_dns_msg m;

	if (!len) {
		counters[SE_UC_DNS_NOT_CAPTURED]++;
		return;
	}
	switch (se_dns_parse(buf, len, msg_len, &m)) {
	case SE_DNS_OK:
		/* A client sends queries and receives answers, a server the reverse: a socket on
		 * port 53 that sends its own queries upstream is not paired as a server. */
		if (m.response != (o->dir == (o->role == SE_ROLE_SERVER ? SE_DIR_OUT : SE_DIR_IN)))
			counters[SE_UC_DNS_UNSUPPORTED]++;
		else
			se_dns_pairing_message(&dw->pairing, &m, o);
		break;
	case SE_DNS_SHORT: /* in a message seen whole, bytes are missing: it is not DNS */
		counters[len == msg_len ? SE_UC_DNS_MALFORMED : SE_UC_DNS_NOT_CAPTURED]++;
		break;
	case SE_DNS_UNSUPPORTED:
		counters[SE_UC_DNS_UNSUPPORTED]++;
		break;
	default:
		counters[SE_UC_DNS_MALFORMED]++;
		break;
	}
}

static void se_dns_datagram(void *pw, const struct se_datagram *d)
{
	struct se_dns_worker *dw = pw;
	struct se_dns_origin o = {
		.socket_id = d->socket_id,
		.ts_ns = d->ts_ns,
		.role = d->role,
		.dir = d->dir,
		.transport = SE_DNS_UDP,
		/* a client's server is its peer; a server in the pod is itself */
		.server = d->role == SE_ROLE_SERVER ? &d->local : &d->peer,
	};

	se_dns_message(dw, d->data, d->captured, d->len, &o);
}

static void se_dns_worker_tick(void *pw, uint64_t now_ns)
{
	se_dns_pairing_expire(&((struct se_dns_worker *)pw)->pairing, now_ns);
}

/* ---- DNS over TCP: a tracker per connection ------------------------------------------------ */

struct se_dns_tcp_conn {
	struct se_dns_tcp_framer dir[SE_DIR__COUNT];
	uint8_t role;
	uint8_t feeding; /* the direction being fed, for the framers' callback */
	struct se_endpoint server;
	struct se_dns_worker *dw; /* for the framers' callback */
};

static void *se_dns_conn_new(void *pw, const struct se_proto_start *st)
{
	struct se_dns_worker *dw = pw;
	struct se_dns_tcp_conn *tc = calloc(1, sizeof(*tc));

	if (!tc) {
		dw->pairing.counters[SE_UC_DNS_ALLOC]++;
		return NULL;
	}
	tc->role = st->role;
	tc->server = st->role == SE_ROLE_SERVER ? *st->local : *st->peer;
	tc->dw = dw;
	for (unsigned int dir = 0; dir < SE_DIR__COUNT; dir++) {
		/* Seen from its start, a stream's first message is at offset 0 (a lost first
		 * record is then a hole). Joined mid-stream, where a message begins is not known:
		 * nothing is read rather than lengths taken from inside a message. */
		tc->dir[dir].started = true;
		tc->dir[dir].next_offset = 0;
		tc->dir[dir].lost = st->midstream;
	}
	return tc;
}

/* A message of the connection: the tracker's address is its socket id while it lives (its
 * queries still waiting go at its close). */
static void se_dns_tcp_message(void *ctx, const uint8_t *msg, size_t kept, size_t msg_len,
			       uint64_t first_ts, uint64_t last_ts)
{
	struct se_dns_tcp_conn *tc = ctx;
	/* a query is timed from when its first byte went, an answer to when its last came */
	bool query = kept > 2 && !(msg[2] & 0x80);
	struct se_dns_origin o = {
		.socket_id = (uint64_t)(uintptr_t)tc,
		.ts_ns = query ? first_ts : last_ts,
		.role = tc->role,
		.dir = tc->feeding,
		.transport = SE_DNS_TCP,
		.server = &tc->server,
	};

	se_dns_message(tc->dw, msg, kept, msg_len, &o);
}

static void se_dns_conn_bytes(void *pw, void *pc, unsigned int dir, const struct se_segment *seg)
{
	struct se_dns_tcp_conn *tc = pc;

	(void)pw;
	if (dir >= SE_DIR__COUNT)
		return;
	tc->feeding = (uint8_t)dir;
	if (!se_dns_tcp_feed(&tc->dir[dir], seg, se_dns_tcp_message, tc) && !tc->dir[dir].counted) {
		tc->dir[dir].counted = true; /* the rest of this direction is not read */
		tc->dw->pairing.counters[SE_UC_DNS_TCP_FRAMING]++;
	}
}

static void se_dns_conn_close(void *pw, void *pc)
{
	se_dns_pairing_drop_socket(&((struct se_dns_worker *)pw)->pairing, (uint64_t)(uintptr_t)pc);
}

static void se_dns_check_idle(void *pw, void *pc, uint64_t now_ns)
{
	(void)pw, (void)pc, (void)now_ns; /* the pairing times queries out */
}

static void se_dns_conn_free(void *pw, void *pc)
{
	se_dns_conn_close(pw, pc); /* nothing of it may wait once its address can be reused */
	free(pc);
}

/* ---- its part of a window ---------------------------------------------------------------- */

static void *se_dns_part_new(uint32_t max_groups, uint32_t span_limit)
{
	struct se_dns_part *p = calloc(1, sizeof(*p));

	(void)span_limit; /* no spans */
	if (p)
		se_dns_groups_init(&p->dns, max_groups);
	return p;
}

static void se_dns_part_free(void *part)
{
	struct se_dns_part *p = part;

	if (!p)
		return;
	se_dns_groups_fini(&p->dns);
	free(p);
}

static void se_dns_point(void *pw, void *const *parts)
{
	struct se_dns_worker *dw = pw;
	struct se_dns_part *p = parts[SE_PROTO_DNS];

	dw->pairing.groups = p ? &p->dns : NULL; /* NULL: results are counted as lost */
	dw->pairing.counters = dw->env->counters;
}

static void se_dns_sample(const void *pw, void *const *parts)
{
	struct se_dns_part *p = parts[SE_PROTO_DNS];

	if (p)
		p->in_flight = ((const struct se_dns_worker *)pw)->pairing.pending.n;
}

/* As for HTTP/1: the counters get the part of overflowed and alloc_failures not already in
 * them (all of a shard's, only this merge's own for a window). */
static int se_dns_merge(void *dst, const void *src, uint64_t *counters, bool src_is_shard)
{
	struct se_dns_part *d = dst;
	const struct se_dns_part *s = src;
	uint64_t overflowed = d->dns.overflowed, failed = d->dns.alloc_failures;
	int ret = se_dns_groups_merge(&d->dns, &s->dns, 0, 0);

	overflowed = d->dns.overflowed - overflowed;
	failed = d->dns.alloc_failures - failed;
	if (!src_is_shard) {
		overflowed -= s->dns.overflowed;
		failed -= s->dns.alloc_failures;
	} else {
		d->in_flight += s->in_flight; /* gauges: the shards of one edge add up */
	}
	counters[SE_UC_DNS_GROUP_OVERFLOW] += overflowed;
	counters[SE_UC_DNS_ALLOC] += failed;
	return ret;
}

const struct se_dns_part *se_dns_part_or_empty(const void *part)
{
	static const struct se_dns_part empty;

	return part ? part : &empty;
}

static uint64_t se_dns_part_bytes(uint32_t max_groups, uint64_t spans)
{
	(void)spans;
	return se_dns_groups_bytes_max(max_groups);
}

static void se_dns_count_dropped(const void *part, uint64_t *counters)
{
	const struct se_dns_part *p = part;

	for (uint32_t i = 0; i < p->dns.t.n; i++)
		counters[SE_UC_DNS_EXPORT_DROPPED] += se_dns_group_at(&p->dns, i)->count;
}

const struct se_proto_ops se_dns_proto = {
	.id = SE_PROTO_DNS,
	.name = "dns",
	.worker_new = se_dns_worker_new,
	.worker_free = se_dns_worker_free,
	.worker_busy = se_dns_worker_busy,
	.conn_new = se_dns_conn_new,
	.on_bytes = se_dns_conn_bytes,
	.close = se_dns_conn_close,
	.check_idle = se_dns_check_idle,
	.conn_free = se_dns_conn_free,
	.on_datagram = se_dns_datagram,
	.worker_tick = se_dns_worker_tick,
	.part_new = se_dns_part_new,
	.part_free = se_dns_part_free,
	.point = se_dns_point,
	.sample = se_dns_sample,
	.merge = se_dns_merge,
	.count_dropped = se_dns_count_dropped,
	/* the pending table at its bound: entries, and an index of twice as many slots */
	.worker_size = sizeof(struct se_dns_worker) +
		       SE_DNS_PENDING_MAX * (sizeof(struct se_dns_query) + 2 * sizeof(uint32_t)),
	.conn_size = sizeof(struct se_dns_tcp_conn),
	.part_size = sizeof(struct se_dns_part),
	.part_bytes = se_dns_part_bytes,
	.write_json = se_dns_write_json,
	.write_stats = se_dns_write_stats,
	.totals_new = se_dns_totals_new,
	.totals_free = se_dns_totals_free,
	.totals_add = se_dns_totals_add,
	.otlp_metrics = se_dns_otlp_metrics,
};

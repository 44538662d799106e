// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The pinned drain loop of a worker (see src/worker/worker.h). Rings are written with
 * BPF_RB_NO_WAKEUP except each time another --wakeup-bytes of a ring's space is written, so
 * the loop wakes on that or on its --poll-ms timer, then consumes every owned ring to empty
 * in one batch.
 *
 * Records are attributed to windows by their kernel timestamp: a record stamped at or after
 * the current window's end seals the window before it is counted.
 */
#define _GNU_SOURCE
#include "worker/worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "sockeye/abi.h"
#include "util/clock.h"
#include "conn/table.h"
#include "util/cpu.h"
#include "util/hash.h"
#include "util/log.h"
#include "util/thread.h"
#include "capture/probe.h"
#include "pipeline/publish.h"
#include "conn/reconcile.h"
#include "ingest/ring_reader.h"
#include "proto/session.h"
#include "conn/data_record.h"
#include "conn/stream.h"
#include "agg/window.h"
#include "conn/counters.h"
#include "ingest/counters.h"

/* How long a record may wait for an earlier one of its stream before the hole is a gap.
 * Ring pinning puts a connection's records in one ring, so a missing record is either
 * microseconds behind or lost: 100 ms is generous for the first, and bounds the second. */
#define SE_WORKER_REORDER_WAIT_NS (100 * SE_NS_PER_MS)
#define SE_WORKER_RINGS_MAX	  1024
/* Records held past a window edge while other rings drain (see se_worker_on_record): at most
 * this, and within the budget. */
#define SE_WORKER_DEFER_MAX	(4u << 20)
#define SE_WORKER_DEFER_INITIAL (64u << 10)
/* One pass of the idle walk over the connection table (see se_worker_check_idle). */
#define SE_WORKER_IDLE_PASS_NS SE_SESSION_HEAD_STALL_NS
/* Longest drain timer when the rings stay empty (see se_worker_next_timeout). */
#define SE_WORKER_IDLE_POLL_MS 32
/* How soon a worker looks again at a ring whose drain stopped at a record still being
 * written: that record's commit sends no wake-up (see se_ring_reader_stopped_busy). */
#define SE_WORKER_BUSY_RETRY_MS 1
/* The longest an idle worker sleeps (se_worker_sleep). */
#define SE_WORKER_SLEEP_MAX_MS 1000
/* Parked close records taken from the kernel map per batch. */
#define SE_WORKER_LOST_CLOSES_BATCH 256

struct se_worker {
	unsigned int id;	      /* immutable after start */
	unsigned int workers;	      /* immutable after start */
	const struct se_config *cfg;  /* immutable after start */
	int lost_closes_fd;	      /* immutable after start */
	struct se_publish *pub;	      /* this worker's list only (see publish.h) */
	struct se_ring_reader *rings; /* owner: worker */
	pthread_t thread;
	bool started;
	int cpu; /* immutable after start: pinned CPU, -1 if unpinned */

	atomic_bool stop;	       /* sync: set by main, read by the worker each loop */
	atomic_bool failed;	       /* sync: set by the worker when it cannot go on */
	_Atomic uint64_t stop_real_ns; /* sync: written by main before stop */

	/* owner: worker */
	int64_t real_minus_mono_ns;
	uint64_t window_ns;
	uint64_t window_start_real;
	uint64_t window_end_mono;
	struct se_conn_table conns;
	struct se_shard *shard;
	struct se_stream_counters scnt;
	struct se_budget budget; /* --buffer-budget: what connections hold beyond their state */
	struct se_session_ctx sessions; /* the protocols: count into the current shard */
	unsigned int nrings;		/* rings this worker drains */
	uint8_t *deferred; /* records stamped past the window edge: [u64 size][data], each
			    * 8-aligned like in the ring (records are read in place) */
	size_t deferred_len;
	size_t deferred_cap;
	bool replaying;
	uint32_t delay_tick;	/* records since the last delay sample */
	uint64_t collected_for; /* window start whose parked closes were collected */
	uint32_t idle_cursor;	/* next table slot se_worker_check_idle looks at */
	uint64_t *closed_ids;	/* scratch for the seal: connections to free */
	uint64_t *keep_ids;	/* scratch for the seal: connections still waiting on a hole */
	uint32_t ids_cap;	/* entries of each scratch array: --max-connections */
	struct se_reconcile reconcile; /* with the kernel's `conns` (lost close records) */
};

/* ---- per-event path ---------------------------------------------------------------- */

/* A connection's protocol session: kept by the table beside the connection. */
static struct se_session *se_worker_session(const struct se_worker *w, const struct se_conn *c)
{
	return se_conn_table_ext(&w->conns, c);
}

struct se_delivery {
	struct se_conn *conn;
	struct se_session *session;
	struct se_session_ctx *sessions;
	unsigned int dir;
	bool digest;	/* --connections: keep the stream digest */
	bool plaintext; /* TLS plaintext: parsed, not counted as the connection's bytes */
};

/* Stream sink: the bytes of one record, now in order, accounted and handed to the parser. */
static void se_worker_on_bytes(void *ctx, const struct se_segment *seg)
{
	struct se_delivery *d = ctx;
	struct se_conn_activity *a = &d->conn->window[d->dir];

	if (d->plaintext) {
		se_session_on_bytes(d->session, d->sessions, d->dir, seg);
		return;
	}
	a->bytes += seg->len;
	a->events += !seg->piece;
	a->captured += seg->captured;
	if (d->digest && seg->captured)
		d->conn->digest[d->dir] =
		    se_fnv1a64(d->conn->digest[d->dir], seg->data, seg->captured);
	se_session_on_bytes(d->session, d->sessions, d->dir, seg);
}

static void se_worker_on_open(struct se_worker *w, const struct se_ev_open *o)
{
	struct se_conn *c = se_conn_table_lookup(&w->conns, o->h.conn_id);

	if (c)
		return; /* announced twice (two CPUs raced on a new connection): keep the first */
	c = se_conn_table_insert(&w->conns, o->h.conn_id);
	if (!c) {
		w->shard->counters[SE_UC_CONN_TABLE_FULL]++;
		return;
	}
	/* --pid: the kernel's tgid is the initial namespace's; the user's number is the one to
	 * report (every connection seen then is that process's) */
	c->pid = w->cfg->pid ? (uint32_t)w->cfg->pid : o->tgid;
	c->role = o->role;
	c->origin = o->origin;
	c->local.family = c->peer.family = o->family;
	c->local.port = o->local_port;
	c->peer.port = o->peer_port;
	memcpy(c->local.addr, o->local_addr, sizeof(c->local.addr));
	memcpy(c->peer.addr, o->peer_addr, sizeof(c->peer.addr));
	c->digest[SE_DIR_IN] = c->digest[SE_DIR_OUT] = SE_FNV1A64_INIT;
	/* The kernel counts offsets from when it first saw the connection: start there. */
	se_stream_init(&c->stream[SE_DIR_IN], 0);
	se_stream_init(&c->stream[SE_DIR_OUT], 0);
	se_session_init(se_worker_session(w, c), o->role, &c->peer,
			o->origin == SE_ORIGIN_MIDSTREAM);
	/* DNS over TCP is known by its port: its messages have no header to detect */
	if (se_config_dns_port(w->cfg, o->role == SE_ROLE_SERVER ? o->local_port : o->peer_port))
		se_session_by_port(se_worker_session(w, c), SE_PROTO_DNS, &c->local);
	w->shard->counters[SE_UC_CONNS_OPENED]++;
}

static void se_worker_flush_streams(struct se_worker *w, struct se_conn *c)
{
	for (unsigned int dir = 0; dir < SE_DIR__COUNT; dir++) {
		struct se_delivery d = {
			.conn = c,
			.session = se_worker_session(w, c),
			.sessions = &w->sessions,
			.dir = dir,
			.digest = w->cfg->connections,
			.plaintext = c->plaintext,
		};

		se_stream_flush(&c->stream[dir], se_worker_on_bytes, &d, &w->scnt);
	}
}

/*
 * The first plaintext of a TLS connection: what the ciphertext streams hold goes out, and
 * the streams and the session start again on the plaintext, which the kernel numbers from 0.
 */
static void se_worker_start_plaintext(struct se_worker *w, struct se_conn *c)
{
	struct se_session *s = se_worker_session(w, c);

	se_worker_flush_streams(w, c);
	c->plaintext = true;
	se_stream_init(&c->stream[SE_DIR_IN], 0);
	se_stream_init(&c->stream[SE_DIR_OUT], 0);
	se_session_plaintext(s, &w->sessions, c->origin == SE_ORIGIN_MIDSTREAM);
}

/* A ciphertext record of a connection whose plaintext is seen: counted, nothing to parse
 * (lengths only: the kernel copies none of it). */
static void se_worker_on_ciphertext(struct se_conn *c, const struct se_ev_data *e)
{
	struct se_conn_activity *a = &c->window[e->direction];

	a->bytes += e->total_len;
	a->events++;
	a->captured += e->captured;
}

static void se_worker_on_data(struct se_worker *w, const struct se_ev_data *e, size_t size)
{
	struct se_conn *c;
	struct se_segment segs[SE_RECORD_SEGMENTS_MAX];
	unsigned int nsegs = se_data_record_segments(e, size, segs);
	struct se_delivery d;

	if (!nsegs) {
		w->shard->counters[SE_UC_BAD_RECORD]++;
		return;
	}
	c = se_conn_table_lookup(&w->conns, e->h.conn_id);
	if (!c) {
		w->shard->counters[SE_UC_UNKNOWN_CONN]++;
		return;
	}
	/* Announced at the handshake, in softirq: the process is the first one to move data. */
	if (!c->pid)
		c->pid = e->tgid;
	d.plaintext = e->syscall == SE_SYS_TLS;
	if (d.plaintext && !c->plaintext)
		se_worker_start_plaintext(w, c);
	else if (!d.plaintext && c->plaintext) {
		se_worker_on_ciphertext(c, e);
		se_conn_table_mark_active(&w->conns, c);
		return;
	}
	d.conn = c;
	d.session = se_worker_session(w, c);
	d.sessions = &w->sessions;
	d.dir = e->direction;
	d.digest = w->cfg->connections;
	/* A record ahead of one still missing is parked whole, as one segment: its pieces would
	 * each take a parking place (SE_STREAM_PENDING_MAX) and turn the hole into a gap. Their
	 * bytes are not seen then (the HTTP/2 framer finds its place again); rare, since all of a
	 * connection's records go through one ring. */
	if (nsegs > 1 && segs[0].offset > c->stream[d.dir].next) {
		segs[0].len = e->total_len;
		nsegs = 1;
	}
	for (unsigned int i = 0; i < nsegs; i++)
		se_stream_push(&c->stream[d.dir], &segs[i], se_worker_on_bytes, &d, &w->scnt);
	se_conn_table_mark_active(&w->conns, c);
}

/* A datagram carries its endpoints: no connection, straight to its protocol. */
static void se_worker_on_dgram(struct se_worker *w, const struct se_ev_dgram *e, size_t size)
{
	struct se_datagram d = {
		.socket_id = e->h.conn_id,
		.ts_ns = e->h.ts_ns,
		.role = e->role,
		.dir = e->direction,
		.len = e->total_len,
		.captured = e->captured,
		.data = (const uint8_t *)(e + 1),
		.local = { .family = e->family, .port = e->local_port },
		.peer = { .family = e->peer_port ? e->family : 0, .port = e->peer_port },
	};

	if (e->direction >= SE_DIR__COUNT || e->captured > e->total_len ||
	    size < sizeof(*e) + e->captured) {
		w->shard->counters[SE_UC_BAD_RECORD]++;
		return;
	}
	memcpy(d.local.addr, e->local_addr, sizeof(d.local.addr));
	memcpy(d.peer.addr, e->peer_addr, sizeof(d.peer.addr));
	se_session_ctx_datagram(&w->sessions, &d);
}

/* c ended, with these final stream lengths (from a record or parked; NULL: not known). */
static void se_worker_end(struct se_worker *w, struct se_conn *c, const __u64 *bytes)
{
	se_worker_flush_streams(w, c);
	/* The final offsets reveal a hole at the very end, which no later record could (they
	 * are the ciphertext's: a plaintext stream's end is not known). */
	for (unsigned int dir = 0; bytes && !c->plaintext && dir < SE_DIR__COUNT; dir++) {
		if (c->stream[dir].next < bytes[dir]) {
			w->scnt.gaps++;
			w->scnt.gap_bytes += bytes[dir] - c->stream[dir].next;
			c->stream[dir].next = bytes[dir];
		}
	}
	se_session_close(se_worker_session(w, c), &w->sessions);
	c->closed = true;
	se_conn_table_mark_active(&w->conns, c); /* freed at the seal, after it is reported */
}

static void se_worker_end_conn(struct se_worker *w, uint64_t id, const __u64 *bytes)
{
	struct se_conn *c = se_conn_table_lookup(&w->conns, id);

	if (!c) {
		w->shard->counters[SE_UC_UNKNOWN_CONN]++;
		return;
	}
	if (c->closed)
		return;
	se_worker_end(w, c, bytes);
	w->shard->counters[SE_UC_CONNS_CLOSED]++;
}

/*
 * A connection the kernel no longer has, whose close record was lost (reconcile.h).
 * Not a loss of its own: the lost record was counted (close_lost) when it was lost.
 */
static void se_worker_end_reconciled(void *ctx, struct se_conn *c)
{
	struct se_worker *w = ctx;

	se_worker_end(w, c, NULL);
	w->shard->counters[SE_UC_CONNS_RECONCILED]++;
}

static void se_worker_on_close(struct se_worker *w, const struct se_ev_close *e)
{
	se_worker_end_conn(w, e->h.conn_id, e->bytes);
}

static void se_worker_replay_deferred(struct se_worker *w);

/* Take up to max of this worker's entries out of `lost_closes`; returns how many. */
static unsigned int se_worker_take_lost_closes(struct se_worker *w, uint64_t *ids,
					       struct se_lost_close *vals, unsigned int max)
{
	uint64_t key, next;
	unsigned int found = 0, taken = 0;
	bool first = true;

	/* Keys first, deletes after: deleting during the walk would restart it. */
	while (found < max &&
	       !bpf_map_get_next_key(w->lost_closes_fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (!bpf_map_lookup_elem(w->lost_closes_fd, &key, &vals[found]) &&
		    se_cpu_ring_owner(vals[found].ring, w->workers) == w->id)
			ids[found++] = key;
	}
	for (unsigned int i = 0; i < found; i++) {
		if (bpf_map_delete_elem(w->lost_closes_fd, &ids[i]))
			continue; /* already taken */
		ids[taken] = ids[i];
		vals[taken++] = vals[i];
	}
	return taken;
}

/*
 * Close records the kernel could not write (ring full) wait in the `lost_closes` map; end
 * this worker's connections from there, all of them, once per window and at exit. The
 * rings are drained again between taking and applying: a close may have been parked after
 * this worker's last drain went past its ring, and the connection's earlier records must
 * be handled before its end.
 */
static void se_worker_collect_lost_closes(struct se_worker *w)
{
	uint64_t ids[SE_WORKER_LOST_CLOSES_BATCH];
	struct se_lost_close vals[SE_WORKER_LOST_CLOSES_BATCH];
	unsigned int n;

	do {
		n = se_worker_take_lost_closes(w, ids, vals, SE_WORKER_LOST_CLOSES_BATCH);
		if (!n)
			return;
		se_ring_reader_consume(w->rings);
		if (w->deferred_len)
			se_worker_replay_deferred(w);
		for (unsigned int i = 0; i < n; i++)
			se_worker_end_conn(w, ids[i], vals[i].bytes);
	} while (n == SE_WORKER_LOST_CLOSES_BATCH);
}

static void se_worker_seal_until(struct se_worker *w, uint64_t mono_ns);

/* Keep a copy of a record for se_worker_replay_deferred; false when the buffer is full (at
 * its cap or the budget's: the window is then sealed early, nothing is lost). */
static bool se_worker_defer(struct se_worker *w, const void *data, size_t size)
{
	size_t need = sizeof(uint64_t) + ((size + 7) & ~(size_t)7);

	if (w->deferred_len + need > w->deferred_cap) {
		size_t cap = w->deferred_cap ? w->deferred_cap : SE_WORKER_DEFER_INITIAL;
		uint8_t *grown;

		while (cap < w->deferred_len + need)
			cap *= 2;
		if (cap > SE_WORKER_DEFER_MAX)
			return false;
		/* Not through se_budget_take: a refusal here loses nothing, so it is no drop. */
		if (w->budget.limit && w->budget.used + (cap - w->deferred_cap) > w->budget.limit)
			return false;
		grown = realloc(w->deferred, cap);
		if (!grown)
			return false;
		w->budget.used += cap - w->deferred_cap;
		w->deferred = grown;
		w->deferred_cap = cap;
	}
	*(uint64_t *)(w->deferred + w->deferred_len) = size;
	memcpy(w->deferred + w->deferred_len + sizeof(uint64_t), data, size);
	w->deferred_len += need;
	w->shard->counters[SE_UC_DEFERRED]++;
	return true;
}

static int se_worker_on_record(void *ctx, const void *data, size_t size);

/* Every owned ring is drained: the held records now open the next window(s). */
static void se_worker_replay_deferred(struct se_worker *w)
{
	size_t off = 0;

	w->replaying = true;
	while (off < w->deferred_len) {
		uint64_t size = *(uint64_t *)(w->deferred + off);

		se_worker_on_record(w, w->deferred + off + sizeof(uint64_t), size);
		off += sizeof(uint64_t) + ((size + 7) & ~(size_t)7);
	}
	w->replaying = false;
	/* Held once a window at most: its memory goes back rather than stay reserved. */
	free(w->deferred);
	se_budget_give(&w->budget, w->deferred_cap);
	w->deferred = NULL;
	w->deferred_cap = 0;
	w->deferred_len = 0;
}

static int se_worker_on_record(void *ctx, const void *data, size_t size)
{
	struct se_worker *w = ctx;
	const struct se_ev_header *h = data;

	if (size < sizeof(*h)) {
		w->shard->counters[SE_UC_BAD_RECORD]++;
		return 0;
	}
	/*
	 * A record stamped at or after the window's end seals the window, so windows follow
	 * kernel time. With several rings, the rings drained after this one may still hold
	 * records from before the edge: hold this one until they are drained. (The buffer is
	 * bounded; when full the window is sealed early, as with one ring per worker.)
	 */
	if (h->ts_ns >= w->window_end_mono) {
		if (w->nrings > 1 && !w->replaying) {
			if (se_worker_defer(w, data, size))
				return 0;
			/* The buffer is full: the records it holds came before this one, so they
			 * go first (sealing as they need), then this one. */
			if (w->deferred_len)
				se_worker_replay_deferred(w);
		}
		se_worker_seal_until(w, h->ts_ns);
	}
	w->shard->counters[SE_UC_EVENTS]++;
	switch (h->kind) {
	case SE_EV_OPEN:
		if (size < sizeof(struct se_ev_open))
			goto bad;
		se_worker_on_open(w, data);
		break;
	case SE_EV_DATA:
		if (size < sizeof(struct se_ev_data))
			goto bad;
		se_worker_on_data(w, data, size);
		break;
	case SE_EV_CLOSE:
		if (size < sizeof(struct se_ev_close))
			goto bad;
		se_worker_on_close(w, data);
		break;
	case SE_EV_DGRAM:
		if (size < sizeof(struct se_ev_dgram))
			goto bad;
		se_worker_on_dgram(w, data, size);
		break;
	default:
		goto bad;
	}
	/* Sampled, so the clock read costs a fraction of a nanosecond per record. */
	if (++w->delay_tick == SE_SHARD_DELAY_EVERY) {
		uint64_t now = se_clock_mono_ns();

		w->delay_tick = 0;
		se_delay_hist_add(&w->shard->delay, now > h->ts_ns ? now - h->ts_ns : 0);
	}
	return 0;
bad:
	w->shard->counters[SE_UC_BAD_RECORD]++;
	return 0;
}

/* ---- window edge --------------------------------------------------------------------- */

static void se_worker_take_stream_counters(struct se_worker *w, struct se_shard *s)
{
	s->counters[SE_UC_STREAM_GAP] += w->scnt.gaps;
	s->counters[SE_UC_GAP_BYTES] += w->scnt.gap_bytes;
	s->counters[SE_UC_DUPLICATE] += w->scnt.duplicates;
	s->counters[SE_UC_REORDERED] += w->scnt.reordered;
	s->counters[SE_UC_PARK_ALLOC] += w->scnt.pending_alloc_failures;
	s->counters[SE_UC_BUFFER_BUDGET] += w->budget.refused;
	w->scnt.gaps = w->scnt.gap_bytes = w->scnt.duplicates = w->scnt.reordered = 0;
	w->scnt.pending_alloc_failures = 0;
	w->budget.refused = 0;
}

static bool se_worker_stream_stale(const struct se_stream *st, uint64_t now_mono)
{
	for (uint32_t i = 0; i < st->npending; i++)
		if (now_mono - st->pending[i].ts_ns > SE_WORKER_REORDER_WAIT_NS)
			return true;
	return false;
}

static void se_worker_record_conn(struct se_worker *w, struct se_shard *s, struct se_conn *c)
{
	struct se_conn_record r;

	if (!c->window[SE_DIR_IN].events && !c->window[SE_DIR_OUT].events)
		return;
	memset(&r, 0, sizeof(r));
	r.id = c->id;
	r.pid = c->pid;
	r.role = c->role;
	r.proto = se_worker_session(w, c)->proto;
	r.tls = se_worker_session(w, c)->tls;
	r.local = c->local;
	r.peer = c->peer;
	memcpy(r.dir, c->window, sizeof(r.dir));
	memcpy(r.digest, c->digest, sizeof(r.digest));
	if (se_shard_add_conn(s, &r))
		s->counters[SE_UC_CONN_TABLE_FULL]++; /* out of memory: record lost, counted */
	memset(c->window, 0, sizeof(c->window));
}

/* Parsers count into the current shard. */
static void se_worker_point_sink(struct se_worker *w)
{
	se_session_ctx_point(&w->sessions, w->shard->counters, w->shard->parts);
}

/*
 * Requests in flight on a connection idle past the timeout end unanswered, and split heads
 * that made no progress are released (session.h). Each seal walks one slice of the table,
 * sized so that a whole pass takes SE_WORKER_IDLE_PASS_NS (so an idle request ends 60 to 90 s
 * after its last byte, a stalled head goes 30 to 60 s after its last). A slice, not the whole
 * table: a walk of the whole table at once stalls the worker long enough for its ring to
 * overflow (docs/performance.md). Nothing is walked while nothing is in flight and no
 * connection holds a buffer.
 */
static void se_worker_check_idle(struct se_worker *w, uint64_t now_mono)
{
	uint64_t seals_per_pass = SE_WORKER_IDLE_PASS_NS / w->window_ns; /* 0: window > a pass */
	uint64_t slice = seals_per_pass ? (w->conns.capacity + seals_per_pass - 1) / seals_per_pass
					: w->conns.capacity;

	if (!se_session_ctx_busy(&w->sessions) && !w->budget.used)
		return;
	for (uint64_t k = 0; k < slice && k < w->conns.capacity; k++) {
		struct se_conn *c = &w->conns.slots[w->idle_cursor];

		if (c->id)
			se_session_check_idle(se_worker_session(w, c), &w->sessions, now_mono);
		if (++w->idle_cursor == w->conns.capacity)
			w->idle_cursor = 0;
	}
}

/*
 * Seal the current shard: a record per connection active in the window, closed connections
 * freed, the shard published for the merger, a fresh one started for [start, end).
 */
static void se_worker_seal(struct se_worker *w, uint64_t next_start_real, uint64_t next_end_real,
			   bool final, uint64_t now_mono)
{
	struct se_shard *s = w->shard;
	struct se_conn *c;
	uint32_t nclosed = 0, nkeep = 0;

	while ((c = se_conn_table_pop_active(&w->conns))) {
		bool parked = c->stream[SE_DIR_IN].npending || c->stream[SE_DIR_OUT].npending;

		/* A closed connection is freed below: what it still parks is a gap now. */
		if (parked && (final || c->closed ||
			       se_worker_stream_stale(&c->stream[SE_DIR_IN], now_mono) ||
			       se_worker_stream_stale(&c->stream[SE_DIR_OUT], now_mono))) {
			se_worker_flush_streams(w, c);
			parked = false;
		}
		se_worker_record_conn(w, s, c);
		/* Both lists are at most the live connections, which the table bounds. */
		if (c->closed)
			w->closed_ids[nclosed++] = c->id;
		else if (parked)
			w->keep_ids[nkeep++] = c->id; /* still waiting: look again next seal */
	}
	/* Removal moves table entries, so it waits until the active list is empty. */
	for (uint32_t i = 0; i < nclosed; i++) {
		c = se_conn_table_lookup(&w->conns, w->closed_ids[i]);
		if (c) {
			se_session_fini(se_worker_session(w, c), &w->sessions);
			se_conn_table_remove(&w->conns, c);
		}
	}
	for (uint32_t i = 0; i < nkeep; i++) {
		c = se_conn_table_lookup(&w->conns, w->keep_ids[i]);
		if (c)
			se_conn_table_mark_active(&w->conns, c);
	}
	se_worker_check_idle(w, now_mono);
	se_session_ctx_tick(&w->sessions, now_mono);
	se_worker_take_stream_counters(w, s);
	se_session_ctx_sample(&w->sessions, s->parts);
	s->conns_active = w->conns.live;
	s->buffer_bytes = w->budget.used;
	s->final = final;

	if (!final) {
		w->shard = se_shard_new(w->id, next_start_real, next_end_real, w->cfg->max_groups);
		if (!w->shard) {
			/* Keep counting into the sealed shard rather than lose the worker. */
			se_warn("worker %u: out of memory for a new window", w->id);
			w->shard = s;
			return;
		}
		se_worker_point_sink(w);
		w->window_start_real = next_start_real;
		w->window_end_mono = (uint64_t)((int64_t)next_end_real - w->real_minus_mono_ns);
	}
	se_publish_shard(w->pub, s);
}

/* Seal every window that ends at or before mono_ns (several after a stall). */
static void se_worker_seal_until(struct se_worker *w, uint64_t mono_ns)
{
	while (mono_ns >= w->window_end_mono) {
		uint64_t start = w->window_start_real + w->window_ns;

		se_worker_seal(w, start, start + w->window_ns, false, mono_ns);
		if (w->window_start_real != start)
			return; /* could not open the next window */
	}
}

/* ---- thread ---------------------------------------------------------------------------- */

/*
 * The drain timer: --poll-ms while records come, doubling after each empty drain up to
 * SE_WORKER_IDLE_POLL_MS; a burst still wakes the worker at --wakeup-bytes. Once the timer
 * is that long and a drain found nothing, the worker sleeps instead (se_worker_sleep).
 */
static int se_worker_next_timeout(const struct se_worker *w, int timeout_ms, bool drained_any)
{
	int busy = (int)w->cfg->poll_ms;
	int idle_max = busy > SE_WORKER_IDLE_POLL_MS ? busy : SE_WORKER_IDLE_POLL_MS;

	if (drained_any)
		return busy;
	return timeout_ms * 2 < idle_max ? timeout_ms * 2 : idle_max;
}

/*
 * Nothing came for a while: sleep until a record comes (the first one written wakes the
 * worker: sockeye/wakeup.h) or the window ends, at most SE_WORKER_SLEEP_MAX_MS (the bound on
 * a record whose writer missed the flag). An idle sidecar so wakes at each window edge, not
 * ~30 times a second. Not while work is pending that the loop does step by step: deferred
 * records, a reconciliation pass, a record still being written. Returns the records drained
 * (the last drain before sleeping, then what woke it), or -errno.
 */
static int64_t se_worker_sleep(struct se_worker *w)
{
	uint64_t now = se_clock_mono_ns(), left;
	int64_t got = se_ring_reader_sleep(w->rings);

	if (!got && !se_ring_reader_stopped_busy(w->rings)) {
		left = w->window_end_mono > now ? w->window_end_mono - now : 0;
		left = left / SE_NS_PER_MS + 1;
		got = se_ring_reader_poll(
		    w->rings, left < SE_WORKER_SLEEP_MAX_MS ? (int)left : SE_WORKER_SLEEP_MAX_MS);
	}
	se_ring_reader_awake(w->rings);
	return got;
}

/* Quiet: the last drain found nothing, after the timer grew to its longest (with a long
 * --poll-ms, one empty drain does). Records that keep coming never let the worker sleep:
 * it would be woken per record. */
static bool se_worker_may_sleep(const struct se_worker *w, int timeout_ms, bool quiet)
{
	int busy = (int)w->cfg->poll_ms;

	return quiet &&
	       timeout_ms >= (busy > SE_WORKER_IDLE_POLL_MS ? busy : SE_WORKER_IDLE_POLL_MS) &&
	       !w->deferred_len && !se_reconcile_running(&w->reconcile) &&
	       !se_ring_reader_stopped_busy(w->rings) && se_ring_reader_can_sleep(w->rings);
}

static void *se_worker_main(void *arg)
{
	struct se_worker *w = arg;
	int timeout_ms = (int)w->cfg->poll_ms;
	bool quiet = false; /* the last drain found nothing */
	char name[16];

	snprintf(name, sizeof(name), "sockeye-w%u", w->id);
	se_thread_name(name);

	if (w->cpu >= 0 && se_cpu_pin_self(w->cpu))
		se_warn("worker %u: cannot pin to CPU %d", w->id, w->cpu);
	se_publish_thread_online(); /* publishing frees with call_rcu */
	while (!atomic_load_explicit(&w->stop, memory_order_acquire)) {
		int wait_ms =
		    se_ring_reader_stopped_busy(w->rings) ? SE_WORKER_BUSY_RETRY_MS : timeout_ms;
		int64_t ret = se_worker_may_sleep(w, timeout_ms, quiet)
				  ? se_worker_sleep(w)
				  : se_ring_reader_poll(w->rings, wait_ms);
		int64_t more;
		uint64_t now;

		if (ret < 0 && ret != -EINTR) {
			se_err("worker %u: polling the rings failed: %s", w->id,
			       strerror((int)-ret));
			atomic_store(&w->failed, true); /* main stops everything, exit status 1 */
			break;
		}
		/* Rings written without a wake-up are not reported by epoll: drain them all. */
		more = se_ring_reader_consume(w->rings);
		quiet = ret <= 0 && more <= 0;
		timeout_ms = se_worker_next_timeout(w, timeout_ms, !quiet);
		if (w->deferred_len)
			se_worker_replay_deferred(w);
		now = se_clock_mono_ns();
		se_reconcile_step(&w->reconcile, &w->conns, now, se_worker_end_reconciled, w);
		/* Once per window, whether the edge was met here or by a record's timestamp. */
		if (now >= w->window_end_mono || w->collected_for != w->window_start_real) {
			se_worker_collect_lost_closes(w);
			se_worker_seal_until(w, now);
			w->collected_for = w->window_start_real;
			se_reconcile_edge(&w->reconcile, &w->conns, now);
		}
	}
	/* The hooks are detached before stop: this drains everything that was captured. */
	se_ring_reader_consume(w->rings);
	if (w->deferred_len)
		se_worker_replay_deferred(w);
	se_worker_collect_lost_closes(w);
	se_worker_seal_until(w, se_clock_mono_ns());
	{
		uint64_t end = atomic_load(&w->stop_real_ns);

		if (!end) /* this worker failed: main has not stopped anything */
			end = se_clock_real_ns();
		/* Kernel time maps to wall-clock time through an offset taken at start, so a last
		 * record can open a window that begins just after main's stop time: the final
		 * window still lasts at least a millisecond, so that window ends only increase
		 * (OTLP points must move forward in time). */
		w->shard->end_ns =
		    end > w->shard->start_ns ? end : w->shard->start_ns + SE_NS_PER_MS;
		se_worker_seal(w, 0, 0, true, se_clock_mono_ns());
		w->shard = NULL;
	}
	se_publish_thread_offline();
	return NULL;
}

struct se_worker *se_worker_new(unsigned int id, unsigned int workers, const struct se_config *cfg,
				const struct se_probe *probe, struct se_publish *pub,
				int64_t real_minus_mono_ns, uint64_t first_window_start_ns)
{
	struct se_worker *w = calloc(1, sizeof(*w));
	struct se_proto_env env = { 0 };
	unsigned int rings[SE_WORKER_RINGS_MAX];
	unsigned int n;
	int err = ENOMEM;

	if (!w)
		return NULL;
	w->id = id;
	w->workers = workers;
	w->cfg = cfg;
	w->lost_closes_fd = se_probe_lost_closes_fd(probe);
	w->budget.limit = cfg->buffer_budget;
	w->scnt.budget = &w->budget;
	w->pub = pub;
	w->cpu = se_cpu_nth_online(id);
	w->real_minus_mono_ns = real_minus_mono_ns;
	w->window_ns = (uint64_t)cfg->window_s * SE_NS_PER_S;
	atomic_init(&w->stop, false);
	atomic_init(&w->failed, false);
	atomic_init(&w->stop_real_ns, 0);
	/* --max-spans-per-second over a window, shared out (rounded up) among the workers */
	env.span_limit =
	    (uint32_t)(((uint64_t)cfg->max_spans_per_second * cfg->window_s + workers - 1) /
		       workers);
	env.budget = &w->budget;
	env.real_minus_mono_ns = real_minus_mono_ns;
	if (se_session_ctx_init(&w->sessions, &env))
		goto fail;
	if (se_conn_table_init_ext(&w->conns, cfg->max_connections, sizeof(struct se_session)))
		goto fail;
	w->conns.budget = &w->budget;
	w->ids_cap = cfg->max_connections;
	w->closed_ids = calloc(w->ids_cap, sizeof(*w->closed_ids));
	w->keep_ids = calloc(w->ids_cap, sizeof(*w->keep_ids));
	if (!w->closed_ids || !w->keep_ids)
		goto fail;
	if (se_reconcile_init(&w->reconcile, se_probe_conns_fd(probe), se_probe_counters_fd(probe),
			      id, workers, se_clock_mono_ns()))
		goto fail;

	n = se_cpu_rings_of_worker(id, workers, se_probe_nr_rings(probe), rings,
				   SE_WORKER_RINGS_MAX);
	w->nrings = n;
	w->rings = se_ring_reader_new(se_worker_on_record, w);
	if (!w->rings) {
		err = errno;
		goto fail;
	}
	for (unsigned int i = 0; i < n; i++) {
		int ret = se_ring_reader_add(w->rings, se_probe_ring_fd(probe, rings[i]),
					     se_probe_ring_written(probe, rings[i]));

		if (ret) {
			err = -ret;
			goto fail;
		}
	}
	if (!n) {
		err = EINVAL; /* more workers than rings: main never asks for that */
		goto fail;
	}
	w->window_start_real = first_window_start_ns;
	w->collected_for = first_window_start_ns;
	w->window_end_mono =
	    (uint64_t)((int64_t)(w->window_start_real + w->window_ns) - real_minus_mono_ns);
	w->shard = se_shard_new(id, w->window_start_real, w->window_start_real + w->window_ns,
				cfg->max_groups);
	if (!w->shard)
		goto fail;
	se_worker_point_sink(w);
	return w;
fail:
	se_worker_free(w);
	errno = err;
	return NULL;
}

int se_worker_start(struct se_worker *w)
{
	int ret = pthread_create(&w->thread, NULL, se_worker_main, w);

	if (ret)
		return -ret;
	w->started = true;
	return 0;
}

void se_worker_stop(struct se_worker *w, uint64_t stop_real_ns)
{
	atomic_store(&w->stop_real_ns, stop_real_ns);
	atomic_store_explicit(&w->stop, true, memory_order_release);
	se_ring_reader_kick(w->rings); /* a sleeping worker would see it at its window edge */
}

bool se_worker_failed(struct se_worker *w)
{
	return atomic_load(&w->failed);
}

int se_worker_join(struct se_worker *w)
{
	if (!w->started)
		return 0;
	pthread_join(w->thread, NULL);
	w->started = false;
	return 0;
}

void se_worker_free(struct se_worker *w)
{
	if (!w)
		return;
	se_worker_join(w);
	se_ring_reader_free(w->rings);
	se_shard_free(w->shard);
	for (uint32_t i = 0; w->conns.slots && i < w->conns.capacity; i++)
		if (w->conns.slots[i].id)
			se_session_fini(se_worker_session(w, &w->conns.slots[i]), &w->sessions);
	se_conn_table_fini(&w->conns);
	se_session_ctx_fini(&w->sessions);
	free(w->closed_ids);
	free(w->keep_ids);
	se_reconcile_fini(&w->reconcile);
	free(w->deferred);
	free(w);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for a worker's whole path after the rings, and the sender's encoders: the
 * input is a script of connection events (opens, data in both directions, closes, time
 * passing) run the way src/worker/worker.c runs its records, through the connection table,
 * stream reassembly (src/conn/stream.c), detection and the HTTP/1 tracker (session.c,
 * http_track.c, http1_*.c) into a shard's groups and spans, under a buffer budget; each
 * sealed shard is merged into a window (window.c) and exported as the sender does: JSON lines
 * (stdout.c, into a memory stream) and OTLP metrics and spans (otlp_*.c, into buffers), with
 * the running totals of cumulative metrics carried from window to window. Time comes from the
 * input only, so a run is deterministic.
 *
 * Invariants checked, aborting on the first violation:
 *  - the budget is never exceeded, and once every connection is closed and freed it holds
 *    nothing, the table is empty and no request is counted in flight;
 *  - a shard or window counts exactly the requests its groups hold (http_requests), and keeps
 *    exactly the spans it counted (spans), each group's spanned <= traced <= count, at most
 *    max_groups groups, every group path valid UTF-8 of its stated length;
 *  - every stdout line is one valid JSON object (no duplicate keys) whose bytes are valid
 *    UTF-8, with one http line per group, one conn line per record (with --connections) and
 *    the stats line last;
 *  - each OTLP request unpacks with the generated protobuf-c code, and every string it carries
 *    (at any depth) is valid UTF-8; histogram points have consistent buckets and times; the
 *    duration points count every request of the window (delta) or of the running totals
 *    (cumulative), the running totals hold the previous totals minus the series that expired
 *    plus the window; the spans account for every request of the window (one span each for
 *    the traced ones kept, a sockeye.request.count per group for the rest), with ids of
 *    their sizes;
 *  - AddressSanitizer and LeakSanitizer: no bad access, nothing left allocated.
 * The same file builds the libFuzzer binary and, with replay_main.c, the corpus replayer.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sinks/counters.h"
#include "fuzz_check.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "sockeye/abi.h"
#include "conn/budget.h"
#include "util/clock.h"
#include "config/config.h"
#include "conn/table.h"
#include "sinks/stdout/stdout.h"
#include "util/hash.h"
#include "sinks/otlp_metrics.h"
#include "sinks/otlp_resource.h"
#include "sinks/otlp/otlp_spans.h"
#include "proto/http1/http1_proto.h"
#include "proto/session.h"
#include "conn/stream.h"
#include "agg/window.h"
#include "pipeline/window_queue.h"

/*
 * Input layout: a 4-byte header, then operations until the input ends (an operation cut short
 * ends the script). Every operation starts with a byte: bits 0-2 the kind, bits 3-5 a
 * connection slot (SLOTS of them), bits 6-7 how far the clock moves first (step_ns[]).
 *
 *   header  u8 budget    0: no limit, else the limit is budget * BUDGET_UNIT bytes
 *           u8 groups    bits 0-3: max groups 4 + n (per shard, window and running totals);
 *                        bits 4-7: spans kept per shard
 *           u8 export    bit 0: delta temporality; bit 1: --connections; bits 2-7: the
 *                        metrics TTL, 1 + n windows
 *           u8 conns     the connection table holds 1 + (conns % CONNS_MOD) connections
 *
 *   OPEN    u8 p         bit 0: role (server, else client); bit 1: IPv6; bit 2: joined
 *                        mid-stream; bit 3: an IPv4-mapped IPv6 peer; bit 4: a new connection
 *                        in the slot even if its last one never closed (the close was lost);
 *                        bits 5-7: the peer's last byte. A slot whose connection is open gets
 *                        it announced again (the worker keeps the first).
 *   DATA    u8 where     bits 6-7: 0 at the direction's end so far; 1 after a hole of
 *                        (where & 63) + 1 bytes; 2 starting (where & 63) + 1 bytes early (an
 *                        overlap); 3 at the first byte the stream still misses (fills a hole)
 *           u8 len       < LEN_BIG: that many bytes, else (len - LEN_BIG + 1) KiB
 *           u8 uncap     len * uncap / 255 bytes at the end are not captured
 *           u8 flags     bit 0: the inbound direction, else outbound; bits 1-2: the syscall
 *                        began 0, 1 ms or 400 ms before it returned, or is not stamped;
 *                        bit 3: the record's stamp is 1 ms behind the clock; bits 4-7: a
 *                        delay sample for the stats line
 *           then the captured bytes (fewer if the input ends)
 *   CANNED  u8 c         bits 0-3: one of canned[]; bit 4: inbound; bit 5: half of it only;
 *                        bits 6-7: uncaptured bytes after it (0, 1, 100, 64 KiB)
 *   CLOSE   u8 tail      bytes that never arrived at the end: low nibble inbound, high
 *                        nibble outbound
 *   TICK    u8 t         < 0x80: t * 10 ms; else (t - 0x7f) s; windows whose end passes are
 *                        sealed and exported, as the worker seals at its window edge (at
 *                        most WINDOWS_MAX per input; the clock moves on after that)
 *   LATE    (no operand) the next shard sealed comes late: its window goes without it, and
 *                        the next one carries it in (as the merger does)
 *   FLUSH   (no operand) the slot's connection stops waiting for missing bytes
 *   IDLE    (no operand) the slot's connection is checked for idleness now
 */
enum op {
	OP_OPEN = 0,
	OP_DATA,
	OP_CANNED,
	OP_CLOSE,
	OP_TICK,
	OP_LATE,
	OP_FLUSH,
	OP_IDLE,
};

#define HDR_SIZE    4
#define SLOTS	    8
#define BUDGET_UNIT 512u
#define CONNS_MOD   8
#define LEN_BIG	    0xe0
#define WINDOW_NS   (5 * SE_NS_PER_S)
/* Sealed windows per input: a long stall costs a seal per window, and inputs must stay fast. */
#define WINDOWS_MAX 64
/* The clock starts below the session's thresholds (30 s stall, 60 s idle) on purpose. */
#define MONO_START_NS	(10 * SE_NS_PER_S)
#define REAL_MINUS_MONO ((int64_t)1700000000 * (int64_t)SE_NS_PER_S + 2500 * (int64_t)SE_NS_PER_MS)
/* As the worker's SE_WORKER_REORDER_WAIT_NS: parked records older than this are a gap. */
#define REORDER_WAIT_NS (100 * SE_NS_PER_MS)
#define ID_UNKNOWN	1000000 /* + slot: the id data for a slot never opened carries */

static const uint64_t step_ns[4] = { 0, 50 * 1000, 2 * SE_NS_PER_MS, 300 * SE_NS_PER_MS };
static const uint64_t syscall_ns[4] = { 0, SE_NS_PER_MS, 400 * SE_NS_PER_MS, 0 };
static const uint64_t canned_uncaptured[4] = { 0, 1, 100, 64 << 10 };

static const char *const canned[16] = {
	"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
	("GET /p/q?x=1 HTTP/1.1\r\nHost: a\r\n"
	 "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n\r\n"),
	"POST /up HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
	"HEAD /h HTTP/1.1\r\n\r\n",
	"GET /\xff\xfe\xc0\xaf%00\xed\xa0\x80 HTTP/1.1\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
	"HTTP/1.1 204 No Content\r\n\r\n",
	"HTTP/1.1 100 Continue\r\n\r\n",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
	"CONNECT h:443 HTTP/1.1\r\n\r\n",
	"HTTP/1.0 500 Oops\r\n\r\n",
	"GET /b3 HTTP/1.1\r\nb3: 80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1\r\n\r\n",
	"POST /chunk HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
	"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
};

/* A worker (the parts of struct se_worker this path uses), the harness's view of the
 * connections, and a sender. */
struct fz {
	/* configuration */
	struct se_config cfg;
	uint32_t max_groups;
	uint32_t span_limit;
	bool delta;
	uint64_t ttl_ns;
	/* worker */
	struct se_conn_table conns;
	struct se_session_ctx proto;
	struct se_budget budget;
	struct se_stream_counters scnt;
	struct se_shard *shard;
	uint64_t now;
	uint64_t window_start_real;
	uint64_t window_end_mono;
	uint64_t *closed_ids;
	uint64_t *keep_ids;
	unsigned int windows;
	/* connections as the input names them */
	uint64_t ids[SLOTS];
	uint64_t sent[SLOTS][SE_DIR__COUNT]; /* furthest stream offset sent each way */
	uint64_t next_id;
	bool next_late;
	/* sender */
	struct se_window late;
	uint32_t late_shards;
	struct se_otlp_metrics metrics;
	struct se_otlp_resource res;
	uint64_t trace_rng[4];
	uint64_t failures[SE_EXPORT_FAIL__COUNT];
};

static struct fz fz;

/* ---- windows --------------------------------------------------------------------------------- */

static uint64_t groups_count(const struct se_http_groups *g, bool exported_roles_only)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < g->n; i++)
		if (!exported_roles_only || g->groups[i].role == SE_ROLE_SERVER ||
		    g->groups[i].role == SE_ROLE_CLIENT)
			n += g->groups[i].count;
	return n;
}

static void check_groups(const struct se_http_groups *g)
{
	CHECK(g->n <= g->max_groups && g->max_groups <= fz.max_groups);
	for (uint32_t i = 0; i < g->n; i++) {
		const struct se_http_group *x = &g->groups[i];

		CHECK(x->spanned <= x->traced && x->traced <= x->count);
		CHECK(x->duration.count == x->count && x->request_body.count == x->count);
		CHECK(x->path_len <= SE_HTTP_PATH_MAX && x->path[x->path_len] == '\0');
		CHECK(strlen(x->path) == x->path_len);
		CHECK(fuzz_utf8_valid((const uint8_t *)x->path, x->path_len));
	}
}

/* What a shard or window counted matches what its tables hold. */
static void check_counted(const uint64_t *counters, const struct se_http_groups *g,
			  const struct se_span_buf *spans)
{
	uint64_t spanned = 0;

	check_groups(g);
	for (uint32_t i = 0; i < g->n; i++)
		spanned += g->groups[i].spanned;
	CHECK(groups_count(g, false) == counters[SE_UC_HTTP_REQUESTS]);
	CHECK(spans->n == counters[SE_UC_SPANS] && spanned == spans->n);
	for (uint32_t i = 0; i < spans->n; i++) {
		const struct se_span *s = &spans->v[i];

		CHECK(s->path_len <= SE_HTTP_PATH_MAX && strlen(s->path) == s->path_len);
		CHECK(fuzz_utf8_valid((const uint8_t *)s->path, s->path_len));
		CHECK(s->end_ns >= s->start_ns);
	}
}

static void check_stdout(const struct se_export_window *ew)
{
	char *buf = NULL;
	size_t len = 0, at = 0;
	FILE *out = open_memstream(&buf, &len);
	uint32_t http = 0, conn = 0, stats = 0, lines = 0;

	CHECK(out);
	CHECK(se_stdout_export(out, &fz.cfg, &ew->w, &ew->kernel, ew->late_shards) == 0);
	CHECK(fclose(out) == 0);
	if (getenv("SOCKEYE_FUZZ_PRINT")) /* to read what a reproducer does */
		fwrite(buf, 1, len, stderr);
	while (at < len) {
		char *nl = memchr(buf + at, '\n', len - at);
		size_t n;

		CHECK(nl); /* every line ends */
		n = (size_t)(nl - (buf + at));
		CHECK(fuzz_json_line_valid(buf + at, n));
		CHECK(!stats); /* the stats line is the last */
		if (n > 15 && !memcmp(buf + at, "{\"type\":\"http\",", 15))
			http++;
		else if (n > 15 && !memcmp(buf + at, "{\"type\":\"conn\",", 15))
			conn++;
		else if (n > 16 && !memcmp(buf + at, "{\"type\":\"stats\",", 16))
			stats++;
		lines++;
		at += n + 1;
	}
	CHECK(http == se_http_part(ew->w.parts)->http.n && stats == 1);
	CHECK(conn == (fz.cfg.connections ? ew->w.nconns : 0));
	CHECK(lines == http + conn + stats);
	free(buf);
}

static void check_hist_point(const Opentelemetry__Proto__Metrics__V1__HistogramDataPoint *p)
{
	uint64_t sum = 0;

	CHECK(p->n_bucket_counts == p->n_explicit_bounds + 1);
	for (size_t i = 0; i < p->n_bucket_counts; i++)
		sum += p->bucket_counts[i];
	CHECK(sum == p->count);
	for (size_t i = 1; i < p->n_explicit_bounds; i++)
		CHECK(p->explicit_bounds[i - 1] < p->explicit_bounds[i]);
	CHECK(p->start_time_unix_nano <= p->time_unix_nano);
	CHECK(p->has_min == (p->count > 0) && p->has_max == (p->count > 0));
	if (p->count)
		CHECK(p->min <= p->max);
}

/* Requests counted by the duration histograms of an encoded metrics request. */
static uint64_t check_metrics(const uint8_t *buf, size_t len)
{
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req =
	    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
		NULL, len, buf);
	uint64_t requests = 0;

	CHECK(req);
	CHECK(fuzz_pb_strings_valid(&req->base));
	CHECK(req->n_resource_metrics == 1 && req->resource_metrics[0]->n_scope_metrics == 1);
	for (size_t i = 0; i < req->resource_metrics[0]->scope_metrics[0]->n_metrics; i++) {
		const Opentelemetry__Proto__Metrics__V1__Metric *m =
		    req->resource_metrics[0]->scope_metrics[0]->metrics[i];
		bool duration = strstr(m->name, ".request.duration") != NULL;

		if (m->data_case != OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM)
			continue;
		for (size_t k = 0; k < m->histogram->n_data_points; k++) {
			check_hist_point(m->histogram->data_points[k]);
			if (duration)
				requests += m->histogram->data_points[k]->count;
		}
	}
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(
	    req, NULL);
	return requests;
}

/* Requests the spans of an encoded trace request account for. */
static uint64_t check_spans(const uint8_t *buf, size_t len, size_t expected_spans)
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req =
	    opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
		NULL, len, buf);
	const Opentelemetry__Proto__Trace__V1__ScopeSpans *ss;
	uint64_t requests = 0;

	CHECK(req);
	CHECK(fuzz_pb_strings_valid(&req->base));
	CHECK(req->n_resource_spans == 1 && req->resource_spans[0]->n_scope_spans == 1);
	ss = req->resource_spans[0]->scope_spans[0];
	CHECK(ss->n_spans == expected_spans);
	for (size_t i = 0; i < ss->n_spans; i++) {
		const Opentelemetry__Proto__Trace__V1__Span *s = ss->spans[i];
		uint64_t count = 1; /* a traced request's own span, unless it says otherwise */

		CHECK(s->trace_id.len == 16 && s->span_id.len == 8);
		CHECK(s->parent_span_id.len == 0 || s->parent_span_id.len == 8);
		CHECK(s->start_time_unix_nano <= s->end_time_unix_nano);
		for (size_t k = 0; k < s->n_attributes; k++)
			if (!strcmp(s->attributes[k]->key, "sockeye.request.count")) {
				CHECK(s->parent_span_id.len == 0 &&
				      s->attributes[k]->value->int_value > 0);
				count = (uint64_t)s->attributes[k]->value->int_value;
			}
		requests += count;
	}
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
	    req, NULL);
	return requests;
}

static bool same_key(const struct se_http_group *a, const struct se_http_group *b)
{
	return a->role == b->role && a->method == b->method && a->status == b->status &&
	       !memcmp(&a->peer, &b->peer, sizeof(a->peer)) && a->overflow == b->overflow &&
	       a->path_truncated == b->path_truncated && a->path_len == b->path_len &&
	       !memcmp(a->path, b->path, a->path_len);
}

/* The requests of the running totals' series that encoding w ends (see se_otlp_account). */
static uint64_t expiring(const struct se_http_groups *total, const struct se_window *w)
{
	uint64_t n = 0;

	if (fz.delta || w->end_ns <= fz.ttl_ns)
		return 0;
	for (uint32_t i = 0; i < total->n; i++) {
		const struct se_http_group *g = &total->groups[i];
		bool kept = false;

		if (g->series_seen_ns > w->end_ns - fz.ttl_ns)
			continue;
		for (uint32_t k = 0; k < se_http_part(w->parts)->http.n && !kept; k++)
			kept = same_key(g, &se_http_part(w->parts)->http.groups[k]);
		if (!kept)
			n += g->count;
	}
	return n;
}

/* HTTP/1's running totals in the OTLP state (an empty table until the first window). */
static const struct se_http_groups *totals(void)
{
	static const struct se_http_groups none;

	return fz.metrics.totals[SE_PROTO_HTTP1] ? fz.metrics.totals[SE_PROTO_HTTP1] : &none;
}

/* The sender's part: one merged window, out through both encoders. */
static void export_window(struct se_export_window *ew)
{
	uint64_t window_requests = groups_count(&se_http_part(ew->w.parts)->http, false);
	uint64_t before = groups_count(totals(), false);
	uint64_t gone = expiring(totals(), &ew->w);
	uint8_t *buf = NULL;
	size_t len = 0, nspans;

	check_counted(ew->w.counters, &se_http_part(ew->w.parts)->http,
		      &se_http_part(ew->w.parts)->spans);
	check_stdout(ew);

	CHECK(se_otlp_metrics_encode(&fz.metrics, &fz.res, ew, fz.failures, "tracepoint", &buf,
				     &len) == 0);
	check_groups(totals());
	if (fz.delta) {
		CHECK(check_metrics(buf, len) ==
		      groups_count(&se_http_part(ew->w.parts)->http, true));
	} else {
		CHECK(groups_count(totals(), false) == before - gone + window_requests);
		CHECK(check_metrics(buf, len) == groups_count(totals(), true));
		for (uint32_t i = 0; i < totals()->n; i++) {
			const struct se_http_group *g = &totals()->groups[i];

			CHECK(g->series_start_ns && g->series_start_ns <= g->series_seen_ns);
		}
	}
	free(buf);

	nspans = se_otlp_spans_count(&ew->w);
	if (nspans) {
		buf = NULL;
		CHECK(se_otlp_spans_encode(&fz.res, &ew->w, fz.trace_rng, &buf, &len) == 0);
		CHECK(check_spans(buf, len, nspans) == window_requests);
		free(buf);
	}
}

/* A sealed shard leaves the worker: merged into its window, which is exported (the late data
 * before it carried in), or kept for the next window when it comes late. NULL: the window
 * after the last, carrying what came late. */
static void sender_take(struct se_shard *s)
{
	struct se_export_window ew;
	uint64_t start = s ? s->start_ns : fz.late.end_ns, end = s ? s->end_ns : start + WINDOW_NS;

	if (s) {
		check_counted(s->counters, &se_http_part(s->parts)->http,
			      &se_http_part(s->parts)->spans);
		CHECK(se_http_part(s->parts)->spans.n <= fz.span_limit);
	}
	memset(&ew, 0, sizeof(ew));
	se_window_init(&ew.w, start, end, fz.max_groups);
	if (fz.late_shards) {
		CHECK(se_window_add(&ew.w, &fz.late) == 0);
		ew.late_shards = fz.late_shards;
		se_window_fini(&fz.late);
		se_window_init(&fz.late, 0, 0, fz.max_groups);
		fz.late_shards = 0;
	}
	if (s && fz.next_late) {
		CHECK(se_window_merge(&fz.late, s) == 0);
		fz.late.end_ns = end;
		fz.late_shards++;
		fz.next_late = false;
	} else if (s) {
		CHECK(se_window_merge(&ew.w, s) == 0);
	}
	export_window(&ew);
	se_window_fini(&ew.w);
	se_shard_free(s);
}

/* ---- worker ---------------------------------------------------------------------------------- */

static struct se_session *session_of(const struct se_conn *c)
{
	return se_conn_table_ext(&fz.conns, c);
}

struct delivery {
	struct se_conn *conn;
	unsigned int dir;
};

/* As se_worker_on_bytes. */
static void on_bytes(void *ctx, const struct se_segment *seg)
{
	struct delivery *d = ctx;
	struct se_conn_activity *a = &d->conn->window[d->dir];

	a->bytes += seg->len;
	a->events++;
	a->captured += seg->captured;
	if (fz.cfg.connections && seg->captured)
		d->conn->digest[d->dir] =
		    se_fnv1a64(d->conn->digest[d->dir], seg->data, seg->captured);
	se_session_on_bytes(session_of(d->conn), &fz.proto, d->dir, seg);
}

static void flush_streams(struct se_conn *c)
{
	for (unsigned int dir = 0; dir < SE_DIR__COUNT; dir++) {
		struct delivery d = { .conn = c, .dir = dir };

		se_stream_flush(&c->stream[dir], on_bytes, &d, &fz.scnt);
	}
}

static struct se_http1_worker *http1(void)
{
	return fz.proto.pw[SE_PROTO_HTTP1];
}

static void point_sink(void)
{
	se_session_ctx_point(&fz.proto, fz.shard->counters, fz.shard->parts);
}

static bool stale(const struct se_stream *st)
{
	for (uint32_t i = 0; i < st->npending; i++)
		if (fz.now - st->pending[i].ts_ns > REORDER_WAIT_NS)
			return true;
	return false;
}

static void record_conn(struct se_shard *s, struct se_conn *c)
{
	struct se_conn_record r;

	if (!c->window[SE_DIR_IN].events && !c->window[SE_DIR_OUT].events)
		return;
	memset(&r, 0, sizeof(r));
	r.id = c->id;
	r.pid = c->pid;
	r.role = c->role;
	r.proto = session_of(c)->proto;
	r.local = c->local;
	r.peer = c->peer;
	memcpy(r.dir, c->window, sizeof(r.dir));
	memcpy(r.digest, c->digest, sizeof(r.digest));
	CHECK(se_shard_add_conn(s, &r) == 0);
	memset(c->window, 0, sizeof(c->window));
}

/* As se_worker_seal (the whole table checked for idleness rather than a slice of it). */
static void seal(bool final)
{
	struct se_shard *s = fz.shard;
	struct se_conn *c;
	uint32_t nclosed = 0, nkeep = 0;

	while ((c = se_conn_table_pop_active(&fz.conns))) {
		bool parked = c->stream[SE_DIR_IN].npending || c->stream[SE_DIR_OUT].npending;

		if (parked && (final || c->closed || stale(&c->stream[SE_DIR_IN]) ||
			       stale(&c->stream[SE_DIR_OUT]))) {
			flush_streams(c);
			parked = false;
		}
		record_conn(s, c);
		if (c->closed)
			fz.closed_ids[nclosed++] = c->id;
		else if (parked)
			fz.keep_ids[nkeep++] = c->id;
	}
	for (uint32_t i = 0; i < nclosed; i++) {
		c = se_conn_table_lookup(&fz.conns, fz.closed_ids[i]);
		CHECK(c);
		se_session_fini(session_of(c), &fz.proto);
		se_conn_table_remove(&fz.conns, c);
	}
	for (uint32_t i = 0; i < nkeep; i++) {
		c = se_conn_table_lookup(&fz.conns, fz.keep_ids[i]);
		CHECK(c);
		se_conn_table_mark_active(&fz.conns, c);
	}
	for (uint32_t i = 0; i < fz.conns.capacity; i++)
		if (fz.conns.slots[i].id)
			se_session_check_idle(session_of(&fz.conns.slots[i]), &fz.proto, fz.now);
	s->counters[SE_UC_STREAM_GAP] += fz.scnt.gaps;
	s->counters[SE_UC_GAP_BYTES] += fz.scnt.gap_bytes;
	s->counters[SE_UC_DUPLICATE] += fz.scnt.duplicates;
	s->counters[SE_UC_REORDERED] += fz.scnt.reordered;
	s->counters[SE_UC_PARK_ALLOC] += fz.scnt.pending_alloc_failures;
	s->counters[SE_UC_BUFFER_BUDGET] += fz.budget.refused;
	fz.scnt.gaps = fz.scnt.gap_bytes = fz.scnt.duplicates = fz.scnt.reordered = 0;
	fz.scnt.pending_alloc_failures = 0;
	fz.budget.refused = 0;
	se_session_ctx_sample(&fz.proto, s->parts);
	s->conns_active = fz.conns.live;
	s->buffer_bytes = fz.budget.used;
	s->final = final;
	fz.windows++;
	if (!final) {
		uint64_t start = fz.window_start_real + WINDOW_NS;

		fz.shard = se_shard_new(0, start, start + WINDOW_NS, fz.max_groups);
		CHECK(fz.shard);
		point_sink();
		fz.window_start_real = start;
		fz.window_end_mono += WINDOW_NS;
	} else {
		fz.shard = NULL;
	}
	sender_take(s);
}

static void check_budget(void)
{
	CHECK(!fz.budget.limit || fz.budget.used <= fz.budget.limit);
}

static struct se_conn *slot_conn(unsigned int slot)
{
	return fz.ids[slot] ? se_conn_table_lookup(&fz.conns, fz.ids[slot]) : NULL;
}

static void op_open(unsigned int slot, uint8_t p)
{
	struct se_conn *c;

	c = slot_conn(slot);
	if (c && !c->closed && !(p & 0x10))
		return; /* announced twice: the first one stands */
	fz.ids[slot] = ++fz.next_id;
	fz.sent[slot][SE_DIR_IN] = fz.sent[slot][SE_DIR_OUT] = 0;
	c = se_conn_table_insert(&fz.conns, fz.ids[slot]);
	if (!c) {
		fz.shard->counters[SE_UC_CONN_TABLE_FULL]++;
		return;
	}
	c->pid = 4242;
	c->role = p & 1 ? SE_ROLE_SERVER : SE_ROLE_CLIENT;
	c->origin = p & 4 ? SE_ORIGIN_MIDSTREAM : SE_ORIGIN_ACCEPT;
	c->local.family = c->peer.family = p & 2 ? AF_INET6 : AF_INET;
	c->local.port = 8080;
	c->peer.port = (uint16_t)(40000 + slot);
	if (c->peer.family == AF_INET) {
		memcpy(c->local.addr, (uint8_t[]){ 10, 0, 0, 1 }, 4);
		memcpy(c->peer.addr, (uint8_t[]){ 10, 0, 0, (uint8_t)(p >> 5) }, 4);
	} else {
		c->local.addr[15] = 1;
		if (p & 8) {
			c->peer.addr[10] = c->peer.addr[11] = 0xff;
			c->peer.addr[12] = 192;
			c->peer.addr[13] = 168;
		} else {
			c->peer.addr[0] = 0xfd;
		}
		c->peer.addr[15] = (uint8_t)(p >> 5);
	}
	c->digest[SE_DIR_IN] = c->digest[SE_DIR_OUT] = SE_FNV1A64_INIT;
	se_stream_init(&c->stream[SE_DIR_IN], 0);
	se_stream_init(&c->stream[SE_DIR_OUT], 0);
	se_session_init(session_of(c), c->role, &c->peer, p & 4);
	fz.shard->counters[SE_UC_CONNS_OPENED]++;
}

/* A data record of the slot's connection; as se_worker_on_data. */
static void push(unsigned int slot, unsigned int dir, uint8_t where, uint64_t len,
		 const uint8_t *data, uint32_t captured, uint8_t flags)
{
	uint64_t id = fz.ids[slot] ? fz.ids[slot] : ID_UNKNOWN + slot;
	struct se_conn *c = se_conn_table_lookup(&fz.conns, id);
	uint64_t *sent = &fz.sent[slot][dir], back, at;
	struct se_segment seg;
	struct delivery d;
	uint8_t *copy = NULL;

	fz.shard->counters[SE_UC_EVENTS]++;
	se_delay_hist_add(&fz.shard->delay, (uint64_t)(flags >> 4) << ((flags >> 4) * 2));
	if (!c) {
		fz.shard->counters[SE_UC_UNKNOWN_CONN]++;
		return;
	}
	switch (where >> 6) {
	case 0:
		at = *sent;
		break;
	case 1:
		at = *sent + (where & 63) + 1;
		break;
	case 2:
		back = (uint64_t)(where & 63) + 1;
		at = *sent > back ? *sent - back : 0;
		break;
	default:
		at = c->stream[dir].next;
		break;
	}
	if (at + len > *sent)
		*sent = at + len;
	/* Captured bytes in a heap block of their exact size: reading past them is a report. */
	if (captured) {
		copy = malloc(captured);
		CHECK(copy);
		memcpy(copy, data, captured);
	}
	seg.offset = at;
	seg.len = len;
	seg.ts_ns = fz.now - (flags & 8 ? SE_NS_PER_MS : 0);
	seg.start_ns = (flags >> 1 & 3) == 3 ? 0 : seg.ts_ns - syscall_ns[flags >> 1 & 3];
	seg.data = copy;
	seg.captured = captured;
	d.conn = c;
	d.dir = dir;
	se_stream_push(&c->stream[dir], &seg, on_bytes, &d, &fz.scnt);
	se_conn_table_mark_active(&fz.conns, c);
	if (copy)
		memset(copy, 0xa5, captured); /* the ring's record is gone once handled */
	free(copy);
}

/* The connection ended with these stream lengths; as se_worker_end_conn. */
static void end_conn(uint64_t id, const uint64_t *bytes)
{
	struct se_conn *c = se_conn_table_lookup(&fz.conns, id);

	if (!c) {
		fz.shard->counters[SE_UC_UNKNOWN_CONN]++;
		return;
	}
	if (c->closed)
		return;
	flush_streams(c);
	for (unsigned int dir = 0; dir < SE_DIR__COUNT; dir++) {
		if (c->stream[dir].next < bytes[dir]) {
			fz.scnt.gaps++;
			fz.scnt.gap_bytes += bytes[dir] - c->stream[dir].next;
			c->stream[dir].next = bytes[dir];
		}
	}
	se_session_close(session_of(c), &fz.proto);
	c->closed = true;
	se_conn_table_mark_active(&fz.conns, c);
	fz.shard->counters[SE_UC_CONNS_CLOSED]++;
}

static void tick(uint64_t ns)
{
	fz.now += ns;
	while (fz.now >= fz.window_end_mono && fz.windows < WINDOWS_MAX)
		seal(false);
}

/* ---- the script ------------------------------------------------------------------------------ */

static const char *getenv_none(const char *name)
{
	return NULL;
}

static void start(const uint8_t *hdr)
{
	memset(&fz, 0, sizeof(fz));
	se_config_defaults(&fz.cfg);
	fz.budget.limit = (uint64_t)hdr[0] * BUDGET_UNIT;
	fz.max_groups = 4 + (hdr[1] & 15);
	fz.span_limit = hdr[1] >> 4;
	fz.delta = hdr[2] & 1;
	fz.cfg.connections = hdr[2] & 2;
	fz.ttl_ns = (uint64_t)(1 + (hdr[2] >> 2)) * WINDOW_NS;
	fz.scnt.budget = &fz.budget;
	CHECK(se_conn_table_init_ext(&fz.conns, 1 + hdr[3] % CONNS_MOD,
				     sizeof(struct se_session)) == 0);
	fz.conns.budget = &fz.budget;
	fz.closed_ids = calloc(fz.conns.max_live, sizeof(*fz.closed_ids));
	fz.keep_ids = calloc(fz.conns.max_live, sizeof(*fz.keep_ids));
	CHECK(fz.closed_ids && fz.keep_ids);
	CHECK(se_session_ctx_init(&fz.proto, &(struct se_proto_env){
						 .budget = &fz.budget,
						 .real_minus_mono_ns = REAL_MINUS_MONO,
						 .span_limit = fz.span_limit,
					     }) == 0);
	/* Deterministic ids: a crash reproduces from its input alone. */
	memcpy(http1()->sink.rng, (uint64_t[]){ 1, 2, 3, 4 }, sizeof(http1()->sink.rng));
	memcpy(fz.trace_rng, (uint64_t[]){ 5, 6, 7, 8 }, sizeof(fz.trace_rng));
	fz.now = MONO_START_NS;
	fz.window_start_real = ((fz.now + REAL_MINUS_MONO) / WINDOW_NS) * WINDOW_NS;
	fz.window_end_mono = fz.window_start_real + WINDOW_NS - REAL_MINUS_MONO;
	fz.shard =
	    se_shard_new(0, fz.window_start_real, fz.window_start_real + WINDOW_NS, fz.max_groups);
	CHECK(fz.shard);
	point_sink();
	se_window_init(&fz.late, 0, 0, fz.max_groups);
	se_otlp_metrics_init(&fz.metrics, fz.delta, fz.max_groups, fz.ttl_ns);
	se_otlp_resource_init(&fz.res, getenv_none, "fuzz-host", 4242);
}

/* Every connection ends, the last window is sealed and exported: nothing may be left. */
static void finish(void)
{
	for (uint32_t i = 0; i < fz.conns.capacity; i++) {
		struct se_conn *c = &fz.conns.slots[i];
		uint64_t bytes[SE_DIR__COUNT] = { c->stream[SE_DIR_IN].next,
						  c->stream[SE_DIR_OUT].next };

		if (c->id && !c->closed)
			end_conn(c->id, bytes);
	}
	seal(true);
	if (fz.late_shards)
		sender_take(NULL);
	CHECK(fz.conns.live == 0);
	CHECK(fz.budget.used == 0);
	for (int r = 0; r < 3; r++)
		CHECK(http1()->sink.active_requests[r] == 0);

	se_window_fini(&fz.late);
	se_otlp_metrics_fini(&fz.metrics);
	se_session_ctx_fini(&fz.proto);
	se_conn_table_fini(&fz.conns);
	free(fz.closed_ids);
	free(fz.keep_ids);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;

	if (size < HDR_SIZE)
		return 0;
	start(p);
	p += HDR_SIZE;
	while (p < end) {
		uint8_t op = *p++;
		unsigned int slot = (op >> 3) & (SLOTS - 1);
		struct se_conn *c;

		tick(step_ns[op >> 6]);
		switch (op & 7) {
		case OP_OPEN:
			if (p >= end)
				goto done;
			op_open(slot, *p++);
			break;
		case OP_DATA: {
			uint64_t len;
			uint32_t captured;

			if (end - p < 4)
				goto done;
			len = p[1] < LEN_BIG ? p[1] : (uint64_t)(p[1] - LEN_BIG + 1) << 10;
			captured = (uint32_t)(len - len * p[2] / 255);
			if (captured > (size_t)(end - (p + 4)))
				captured = (uint32_t)(end - (p + 4));
			push(slot, p[3] & 1 ? SE_DIR_IN : SE_DIR_OUT, p[0], len, p + 4, captured,
			     p[3]);
			p += 4 + captured;
			break;
		}
		case OP_CANNED: {
			const char *text;
			size_t n;

			if (p >= end)
				goto done;
			text = canned[*p & 15];
			n = strlen(text);
			if (*p & 0x20)
				n /= 2;
			push(slot, *p & 0x10 ? SE_DIR_IN : SE_DIR_OUT, 0,
			     n + canned_uncaptured[*p >> 6], (const uint8_t *)text, (uint32_t)n, 0);
			p++;
			break;
		}
		case OP_CLOSE: {
			uint64_t bytes[SE_DIR__COUNT];

			if (p >= end)
				goto done;
			bytes[SE_DIR_IN] = fz.sent[slot][SE_DIR_IN] + (*p & 15);
			bytes[SE_DIR_OUT] = fz.sent[slot][SE_DIR_OUT] + (*p >> 4);
			p++;
			fz.shard->counters[SE_UC_EVENTS]++;
			end_conn(fz.ids[slot] ? fz.ids[slot] : ID_UNKNOWN + slot, bytes);
			break;
		}
		case OP_TICK:
			if (p >= end)
				goto done;
			tick(*p < 0x80 ? *p * 10 * SE_NS_PER_MS
				       : (uint64_t)(*p - 0x7f) * SE_NS_PER_S);
			p++;
			break;
		case OP_LATE:
			fz.next_late = true;
			break;
		case OP_FLUSH:
			if ((c = slot_conn(slot)))
				flush_streams(c);
			break;
		case OP_IDLE:
			if ((c = slot_conn(slot)))
				se_session_check_idle(session_of(c), &fz.proto, fz.now);
			break;
		}
		check_budget();
	}
done:
	finish();
	return 0;
}

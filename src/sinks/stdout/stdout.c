// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * JSON lines on stdout. Keys are a contract (docs/output.md): keys may be added,
 * existing ones never change meaning. HTTP paths come from the network and go through
 * se_json_write_string(); every other string written here is an address or a fixed name.
 * Histograms are written in their exported unit: durations in ms with three decimals
 * (rounded to the microsecond), sizes as integers.
 */
#include "sinks/stdout/stdout.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/clock.h"
#include "util/endpoint.h"
#include "util/log.h"
#include "util/hist.h"
#include "proto/http1/http1.h"
#include "proto/http1/http1_proto.h"
#include "sinks/stdout/json.h"
#include "sinks/counters.h"

#define SE_STDOUT_DECIMALS 1000 /* three decimals: printed with %03 */

static const char *se_stdout_role(uint8_t role)
{
	switch (role) {
	case SE_ROLE_SERVER:
		return "server";
	case SE_ROLE_CLIENT:
		return "client";
	default:
		return "unknown";
	}
}

static const char *se_stdout_proto(uint8_t proto)
{
	switch (proto) {
	case SE_PROTO_HTTP1:
		return "http1";
	case SE_PROTO_HTTP2:
		return "http2";
	case SE_PROTO_OTHER:
		return "other";
	default:
		return "undecided";
	}
}

static void se_stdout_conn(FILE *out, const struct se_window *w, const struct se_conn_record *r)
{
	char local[64], peer[64];
	const struct se_conn_activity *in = &r->dir[SE_DIR_IN], *o = &r->dir[SE_DIR_OUT];

	se_endpoint_format(r->family, r->local_addr, r->local_port, local, sizeof(local));
	se_endpoint_format(r->family, r->peer_addr, r->peer_port, peer, sizeof(peer));
	fprintf(out,
		"{\"type\":\"conn\",\"window_start\":%" PRIu64 ",\"window_end\":%" PRIu64
		",\"role\":\"%s\",\"pid\":%" PRIu32 ",\"local\":\"%s\",\"peer\":\"%s\""
		",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64 ",\"events_in\":%" PRIu64
		",\"events_out\":%" PRIu64 ",\"captured_in\":%" PRIu64 ",\"captured_out\":%" PRIu64
		",\"digest_in\":\"%016" PRIx64 "\",\"digest_out\":\"%016" PRIx64
		"\",\"conn_id\":%" PRIu64 ",\"protocol\":\"%s\"}\n",
		(uint64_t)(w->start_ns / SE_NS_PER_MS), (uint64_t)(w->end_ns / SE_NS_PER_MS),
		se_stdout_role(r->role), r->pid, local, peer, in->bytes, o->bytes, in->events,
		o->events, in->captured, o->captured, r->digest[SE_DIR_IN], r->digest[SE_DIR_OUT],
		r->id, se_stdout_proto(r->proto));
}

/* v in base units, in the exported unit: three decimals when the scale allows, else whole. */
static void se_stdout_scaled(FILE *out, uint64_t v, uint64_t scale)
{
	uint64_t step, q;

	if (scale < SE_STDOUT_DECIMALS || scale % SE_STDOUT_DECIMALS) {
		fprintf(out, "%" PRIu64, v / scale); /* scale 1: sizes, exact */
		return;
	}
	step = scale / SE_STDOUT_DECIMALS;
	q = v / step + (v % step >= (step + 1) / 2); /* round half up */
	fprintf(out, "%" PRIu64 ".%03" PRIu64, q / SE_STDOUT_DECIMALS, q % SE_STDOUT_DECIMALS);
}

static void se_stdout_hist(FILE *out, const char *name, const struct se_hist *h,
			   const struct se_hist_bounds *b)
{
	fprintf(out, ",\"%s\":{\"count\":%" PRIu64 ",\"sum\":", name, h->count);
	se_stdout_scaled(out, h->sum, b->scale);
	fputs(",\"min\":", out);
	se_stdout_scaled(out, h->count ? h->min : 0, b->scale);
	fputs(",\"max\":", out);
	se_stdout_scaled(out, h->count ? h->max : 0, b->scale);
	fputs(",\"bounds\":[", out);
	for (uint32_t i = 0; i < b->n; i++) /* whole exported units by construction */
		fprintf(out, "%s%" PRIu64, i ? "," : "", b->v[i] / b->scale);
	fputs("],\"counts\":[", out);
	for (uint32_t i = 0; i <= b->n; i++)
		fprintf(out, "%s%" PRIu64, i ? "," : "", h->counts[i]);
	fputs("]}", out);
}

static void se_stdout_http(FILE *out, const struct se_window *w, const struct se_http_group *g)
{
	char peer[INET6_ADDRSTRLEN] = "";

	if (!g->overflow)
		se_endpoint_format_addr(g->family, g->peer_addr, peer, sizeof(peer));
	fprintf(out,
		"{\"type\":\"http\",\"window_start\":%" PRIu64 ",\"window_end\":%" PRIu64
		",\"role\":\"%s\",\"method\":\"%s\",\"path\":",
		(uint64_t)(w->start_ns / SE_NS_PER_MS), (uint64_t)(w->end_ns / SE_NS_PER_MS),
		se_stdout_role(g->role), se_http_method_name(g->method));
	se_json_write_string(out, g->path, g->path_len);
	fprintf(out, ",\"status\":%u,\"peer\":\"%s\",\"count\":%" PRIu64, g->status, peer,
		g->count);
	se_stdout_hist(out, "duration_ms", &g->duration, &se_hist_http_duration);
	se_stdout_hist(out, "request_body_bytes", &g->request_body, &se_hist_http_body_size);
	fprintf(out,
		",\"traced\":%" PRIu64 ",\"spanned\":%" PRIu64
		",\"path_truncated\":%s,\"overflow\":%s}\n",
		g->traced, g->spanned, g->path_truncated ? "true" : "false",
		g->overflow ? "true" : "false");
}

static void se_stdout_stats(FILE *out, const struct se_window *w, const struct se_kernel_window *kw,
			    uint32_t late_shards)
{
	const struct se_http1_part *http = se_http1_part_of(w->parts);

	fprintf(out,
		"{\"type\":\"stats\",\"window_start\":%" PRIu64 ",\"window_end\":%" PRIu64
		",\"events\":%" PRIu64 ",\"dropped\":{",
		(uint64_t)(w->start_ns / SE_NS_PER_MS), (uint64_t)(w->end_ns / SE_NS_PER_MS),
		w->counters[SE_UC_EVENTS]);
	for (int k = 0; k < SE_KC__COUNT; k++)
		if (se_kernel_counter_is_drop(k))
			fprintf(out, "\"%s\":%" PRIu64 ",", se_kernel_counter_names[k],
				kw->counters[k]);
	fprintf(out, "\"prog_missed\":%" PRIu64, kw->prog_missed);
	for (int u = 0; u < SE_UC__COUNT; u++)
		if (se_user_counter_is_drop(u))
			fprintf(out, ",\"%s\":%" PRIu64, se_user_counter_names[u], w->counters[u]);
	fprintf(out,
		"},\"truncated\":%" PRIu64 ",\"kernel_events\":%" PRIu64
		",\"close_parked\":%" PRIu64,
		kw->counters[SE_KC_TRUNCATED], kw->counters[SE_KC_EVENTS],
		kw->counters[SE_KC_CLOSE_PARKED]);
	for (int u = 0; u < SE_UC__COUNT; u++)
		if (u != SE_UC_EVENTS && !se_user_counter_is_drop(u))
			fprintf(out, ",\"%s\":%" PRIu64, se_user_counter_names[u], w->counters[u]);
	fprintf(out,
		",\"active_requests\":{\"server\":%" PRIu64 ",\"client\":%" PRIu64
		"},\"connections_active\":%" PRIu64 ",\"buffer_bytes\":%" PRIu64,
		http->active_requests[SE_ROLE_SERVER], http->active_requests[SE_ROLE_CLIENT],
		w->conns_active, w->buffer_bytes);
	/* sockeye's own lag, in microseconds: see struct se_shard's delay */
	fprintf(out,
		",\"delay_us\":{\"samples\":%" PRIu64
		",\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f}",
		w->delay.count, se_delay_hist_quantile(&w->delay, 0.5) / 1e3,
		se_delay_hist_quantile(&w->delay, 0.99) / 1e3,
		se_delay_hist_quantile(&w->delay, 0.999) / 1e3, w->delay.max / 1e3);
	fprintf(out, ",\"late_shards\":%" PRIu32 ",\"shards\":%" PRIu32 "}\n", late_shards,
		w->shards);
}

int se_stdout_export(FILE *out, const struct se_config *cfg, const struct se_window *w,
		     const struct se_kernel_window *kw, uint32_t late_shards)
{
	const struct se_http1_part *http = se_http1_part_of(w->parts);

	if (cfg->connections)
		for (uint32_t i = 0; i < w->nconns; i++)
			se_stdout_conn(out, w, &w->conns[i]);
	for (uint32_t i = 0; i < http->http.n; i++)
		se_stdout_http(out, w, &http->http.groups[i]);
	se_stdout_stats(out, w, kw, late_shards);
	return fflush(out) ? -1 : 0;
}

struct se_stdout_sink {
	struct se_sink sink;
	FILE *out;
	const struct se_config *cfg;
};

static void se_stdout_sink_export(struct se_sink *sink, const struct se_export_window *ew,
				  const struct se_sink_stop *stop)
{
	struct se_stdout_sink *s = (struct se_stdout_sink *)sink;

	(void)stop; /* a local write: never long */
	if (se_stdout_export(s->out, s->cfg, &ew->w, &ew->kernel, ew->late_shards))
		se_warn("writing to stdout failed");
}

static void se_stdout_sink_free(struct se_sink *sink)
{
	free(sink);
}

static const struct se_sink_ops se_stdout_sink_ops = {
	.export = se_stdout_sink_export,
	.free = se_stdout_sink_free,
};

struct se_sink *se_stdout_sink_new(FILE *out, const struct se_config *cfg)
{
	struct se_stdout_sink *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->sink.ops = &se_stdout_sink_ops;
	s->out = out;
	s->cfg = cfg;
	return &s->sink;
}

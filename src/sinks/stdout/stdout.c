// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * JSON lines on stdout. Keys are a contract (docs/output.md): keys may be added, existing
 * ones never change meaning. The conn and stats lines are written here; each protocol writes
 * its own lines, and its fields of the stats line (protocol.h).
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
#include "proto/registry.h"
#include "sinks/counters.h"

static const char *se_stdout_proto(uint8_t proto)
{
	const struct se_proto_ops *p = se_protocol(proto);

	if (p)
		return p->name;
	return proto == SE_PROTO_OTHER ? "other" : "undecided";
}

static void se_stdout_conn(FILE *out, const struct se_window *w, const struct se_conn_record *r)
{
	char local[SE_ENDPOINT_STRLEN], peer[SE_ENDPOINT_STRLEN];
	const struct se_conn_activity *in = &r->dir[SE_DIR_IN], *o = &r->dir[SE_DIR_OUT];

	se_endpoint_format(&r->local, local, sizeof(local));
	se_endpoint_format(&r->peer, peer, sizeof(peer));
	fprintf(out,
		"{\"type\":\"conn\",\"window_start\":%" PRIu64 ",\"window_end\":%" PRIu64
		",\"role\":\"%s\",\"pid\":%" PRIu32 ",\"local\":\"%s\",\"peer\":\"%s\""
		",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64 ",\"events_in\":%" PRIu64
		",\"events_out\":%" PRIu64 ",\"captured_in\":%" PRIu64 ",\"captured_out\":%" PRIu64
		",\"digest_in\":\"%016" PRIx64 "\",\"digest_out\":\"%016" PRIx64
		"\",\"conn_id\":%" PRIu64 ",\"protocol\":\"%s\",\"tls\":%s}\n",
		(uint64_t)(w->start_ns / SE_NS_PER_MS), (uint64_t)(w->end_ns / SE_NS_PER_MS),
		se_role_name(r->role), r->pid, local, peer, in->bytes, o->bytes, in->events,
		o->events, in->captured, o->captured, r->digest[SE_DIR_IN], r->digest[SE_DIR_OUT],
		r->id, se_stdout_proto(r->proto), r->tls ? "true" : "false");
}

static void se_stdout_stats(FILE *out, const struct se_window *w, const struct se_kernel_window *kw,
			    uint32_t late_shards)
{
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
	fputc('}', out);
	for (int k = 0; k < SE_KC__COUNT; k++)
		if (!se_kernel_counter_is_drop(k))
			fprintf(out, ",\"%s\":%" PRIu64, se_kernel_counter_names[k],
				kw->counters[k]);
	for (int u = 0; u < SE_UC__COUNT; u++)
		if (u != SE_UC_EVENTS && !se_user_counter_is_drop(u))
			fprintf(out, ",\"%s\":%" PRIu64, se_user_counter_names[u], w->counters[u]);
	for (unsigned int i = 0; se_protocols[i]; i++)
		if (se_protocols[i]->write_stats)
			se_protocols[i]->write_stats(out, w->parts[se_protocols[i]->id]);
	fprintf(out, ",\"connections_active\":%" PRIu64 ",\"buffer_bytes\":%" PRIu64,
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
	if (cfg->connections)
		for (uint32_t i = 0; i < w->nconns; i++)
			se_stdout_conn(out, w, &w->conns[i]);
	for (unsigned int i = 0; se_protocols[i]; i++)
		if (se_protocols[i]->write_json)
			se_protocols[i]->write_json(out, w->parts[se_protocols[i]->id],
						    w->start_ns / SE_NS_PER_MS,
						    w->end_ns / SE_NS_PER_MS);
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

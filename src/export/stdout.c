// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * JSON lines on stdout. Keys are the contract of design.md section 4: keys may be added,
 * existing ones never change meaning. Every string written here is an address or a fixed
 * name, so no escaping is needed.
 */
#include "sockeye/export_stdout.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include "sockeye/clock.h"
#include "sockeye/probe.h"

static const uint8_t se_v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void se_stdout_format_addr(uint16_t family, const uint8_t addr[16], char *buf, size_t len)
{
	if (family == AF_INET6 && !memcmp(addr, se_v4_mapped_prefix, 12)) {
		inet_ntop(AF_INET, addr + 12, buf, (socklen_t)len);
	} else if (family == AF_INET6) {
		inet_ntop(AF_INET6, addr, buf, (socklen_t)len);
	} else {
		inet_ntop(AF_INET, addr, buf, (socklen_t)len);
	}
}

/* "ip:port", with brackets for IPv6 ("[::1]:8080"). */
static void se_stdout_format_endpoint(uint16_t family, const uint8_t addr[16], uint16_t port,
				      char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	bool v6 = family == AF_INET6 && memcmp(addr, se_v4_mapped_prefix, 12);

	se_stdout_format_addr(family, addr, ip, sizeof(ip));
	snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", ip, port);
}

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

static void se_stdout_conn(FILE *out, const struct se_window *w, const struct se_conn_record *r)
{
	char local[64], peer[64];
	const struct se_conn_activity *in = &r->dir[SE_DIR_IN], *o = &r->dir[SE_DIR_OUT];

	se_stdout_format_endpoint(r->family, r->local_addr, r->local_port, local, sizeof(local));
	se_stdout_format_endpoint(r->family, r->peer_addr, r->peer_port, peer, sizeof(peer));
	fprintf(out,
		"{\"type\":\"conn\",\"window_start\":%" PRIu64 ",\"window_end\":%" PRIu64
		",\"role\":\"%s\",\"pid\":%" PRIu32 ",\"local\":\"%s\",\"peer\":\"%s\""
		",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64 ",\"events_in\":%" PRIu64
		",\"events_out\":%" PRIu64 ",\"captured_in\":%" PRIu64 ",\"captured_out\":%" PRIu64
		",\"digest_in\":\"%016" PRIx64 "\",\"digest_out\":\"%016" PRIx64
		"\",\"conn_id\":%" PRIu64 "}\n",
		(uint64_t)(w->start_ns / SE_NS_PER_MS), (uint64_t)(w->end_ns / SE_NS_PER_MS),
		se_stdout_role(r->role), r->pid, local, peer, in->bytes, o->bytes, in->events,
		o->events, in->captured, o->captured, r->digest[SE_DIR_IN], r->digest[SE_DIR_OUT],
		r->id);
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
	fprintf(out,
		"},\"truncated\":%" PRIu64 ",\"kernel_events\":%" PRIu64
		",\"close_parked\":%" PRIu64,
		kw->counters[SE_KC_TRUNCATED], kw->counters[SE_KC_EVENTS],
		kw->counters[SE_KC_CLOSE_PARKED]);
	for (int u = 0; u < SE_UC__COUNT; u++)
		if (u != SE_UC_EVENTS && !se_user_counter_is_drop(u))
			fprintf(out, ",\"%s\":%" PRIu64, se_user_counter_names[u], w->counters[u]);
	fprintf(out, ",\"late_shards\":%" PRIu32 ",\"shards\":%" PRIu32 "}\n", late_shards,
		w->shards);
}

int se_stdout_export(FILE *out, const struct se_config *cfg, const struct se_window *w,
		     const struct se_kernel_window *kw, uint32_t late_shards)
{
	if (cfg->connections)
		for (uint32_t i = 0; i < w->nconns; i++)
			se_stdout_conn(out, w, &w->conns[i]);
	se_stdout_stats(out, w, kw, late_shards);
	return fflush(out) ? -1 : 0;
}

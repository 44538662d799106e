// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * DNS's windows for each sink: JSON lines and OTLP metrics, as docs/output.md describes them.
 * Names are printable ASCII already (the parser escapes the rest); in JSON they still go
 * through se_json_write_string().
 */
#include "proto/dns/dns_encode.h"

#include <inttypes.h>
#include <stdlib.h>

#include "proto/dns/dns_proto.h"
#include "util/endpoint.h"
#include "util/json.h"

static const char *se_dns_transport_name(uint8_t t)
{
	return t == SE_DNS_TCP ? "tcp" : "udp";
}

/* RFC 6895 2.3; others by number. */
static const char *se_dns_rcode_name(uint8_t rcode, char *buf, size_t len)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP",	"REFUSED", "YXDOMAIN", "YXRRSET",
					     "NXRRSET", "NOTAUTH", "NOTZONE" };

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	snprintf(buf, len, "RCODE%u", rcode);
	return buf;
}

/* ---- JSON lines ------------------------------------------------------------------------- */

static void se_dns_json_group(FILE *out, uint64_t start_ms, uint64_t end_ms,
			      const struct se_dns_group *g)
{
	char server[SE_ENDPOINT_STRLEN] = "", qtype[SE_DNS_QTYPE_STRLEN] = "_OTHER";

	if (!g->overflow) {
		se_endpoint_format_addr(&g->server, server, sizeof(server));
		se_dns_qtype_format(g->qtype, qtype, sizeof(qtype));
	}
	fprintf(out,
		"{\"type\":\"%s\",\"window_start\":%" PRIu64 ",\"window_end\":%" PRIu64
		",\"role\":\"%s\",\"name\":",
		g->answered ? "dns" : "dns_unanswered", start_ms, end_ms, se_role_name(g->role));
	se_json_write_string(out, g->name, g->name_len);
	fprintf(out, ",\"qtype\":\"%s\"", qtype);
	if (g->answered) {
		if (g->overflow)
			fputs(",\"rcode\":null", out);
		else
			fprintf(out, ",\"rcode\":%u", g->rcode);
	}
	fprintf(out, ",\"server\":\"%s\",\"transport\":\"%s\",\"count\":%" PRIu64, server,
		se_dns_transport_name(g->transport), g->count);
	if (g->answered) {
		se_json_write_hist(out, "duration_ms", &g->duration, &se_hist_dns_duration);
		fprintf(out, ",\"truncated\":%s", g->truncated ? "true" : "false");
	}
	fprintf(out, ",\"name_truncated\":%s,\"overflow\":%s}\n",
		g->name_truncated ? "true" : "false", g->overflow ? "true" : "false");
}

void se_dns_write_json(FILE *out, const void *part, uint64_t start_ms, uint64_t end_ms)
{
	const struct se_dns_part *p = se_dns_part_or_empty(part);

	for (uint32_t i = 0; i < p->dns.t.n; i++)
		se_dns_json_group(out, start_ms, end_ms, se_dns_group_at(&p->dns, i));
}

void se_dns_write_stats(FILE *out, const void *part)
{
	fprintf(out, ",\"dns_in_flight\":%" PRIu64, se_dns_part_or_empty(part)->in_flight);
}

/* ---- OTLP metrics ----------------------------------------------------------------------- */

void *se_dns_totals_new(uint32_t max_groups)
{
	struct se_dns_groups *t = calloc(1, sizeof(*t));

	if (t)
		se_dns_groups_init(t, max_groups);
	return t;
}

void se_dns_totals_free(void *totals)
{
	if (!totals)
		return;
	se_dns_groups_fini(totals);
	free(totals);
}

void se_dns_totals_add(void *totals, const void *part, uint64_t start_ns, uint64_t end_ns,
		       uint64_t ttl_ns)
{
	const struct se_dns_part *p = se_dns_part_or_empty(part);

	/* Series end before this window is merged (as for HTTP/1). */
	if (end_ns > ttl_ns)
		se_dns_groups_expire(totals, end_ns - ttl_ns, &p->dns);
	se_dns_groups_merge(totals, &p->dns, start_ns, end_ns); /* overflow/ENOMEM: counted */
}

/* The attributes of a group, or the overflow marker. */
static void se_dns_group_attrs(struct se_arena *a, const struct se_dns_group *g,
			       struct se_otlp_attrs *attrs)
{
	char server[SE_ENDPOINT_STRLEN], qtype[SE_DNS_QTYPE_STRLEN], rcode[16];

	if (se_otlp_attrs_init(a, attrs, 6))
		return;
	if (g->overflow) {
		se_otlp_attrs_add(attrs, se_otlp_attr_bool(a, "otel.metric.overflow", true));
		return;
	}
	se_endpoint_format_addr(&g->server, server, sizeof(server));
	se_otlp_attrs_add(attrs, se_otlp_attr_str(a, "dns.question.name", g->name));
	se_otlp_attrs_add(attrs,
			  se_otlp_attr_str(a, "dns.question.type",
					   se_dns_qtype_format(g->qtype, qtype, sizeof(qtype))));
	if (g->answered)
		se_otlp_attrs_add(
		    attrs, se_otlp_attr_str(a, "dns.response_code",
					    se_dns_rcode_name(g->rcode, rcode, sizeof(rcode))));
	se_otlp_attrs_add(attrs, se_otlp_attr_str(a, "server.address", server));
	se_otlp_attrs_add(
	    attrs, se_otlp_attr_str(a, "network.transport", se_dns_transport_name(g->transport)));
}

/* The metrics of one role over its groups: a role is a metric of its own, as for HTTP (the
 * client's is the seed's dns.resolution.duration; a server in the pod gets dns.server.*). */
static void se_dns_otlp_role(struct se_otlp_metrics_out *out, const struct se_dns_groups *groups,
			     uint8_t role)
{
	static const char *const dur[] = { [SE_ROLE_CLIENT] = "dns.resolution.duration",
					   [SE_ROLE_SERVER] = "dns.server.request.duration" };
	static const char *const lost[] = { [SE_ROLE_CLIENT] = "dns.queries.unanswered",
					    [SE_ROLE_SERVER] = "dns.server.queries.unanswered" };
	size_t answered = 0, unanswered = 0;
	se_pb_histogram *h = NULL;
	Opentelemetry__Proto__Metrics__V1__Sum *u = NULL;

	for (uint32_t i = 0; i < groups->t.n; i++) {
		const struct se_dns_group *g = se_dns_group_at(groups, i);

		if (g->role != role)
			continue;
		if (g->answered)
			answered++;
		else
			unanswered++;
	}
	if (answered)
		h = se_otlp_histogram(out, dur[role], "Time from a DNS query to its answer.", "ms",
				      answered);
	if (unanswered)
		u = se_otlp_sum_new(out, lost[role], "DNS queries that got no answer in time.",
				    "{query}", unanswered);
	for (uint32_t i = 0; i < groups->t.n; i++) {
		const struct se_dns_group *g = se_dns_group_at(groups, i);
		struct se_otlp_attrs attrs = { 0 };

		if (g->role != role || (g->answered ? !h : !u))
			continue;
		se_dns_group_attrs(out->a, g, &attrs);
		if (g->answered ? se_otlp_histogram_add(out, h, &g->duration, &se_hist_dns_duration,
							&attrs, g->series_start_ns)
				: se_otlp_sum_add(out, u, g->count, &attrs, g->series_start_ns))
			return;
	}
}

void se_dns_otlp_metrics(struct se_otlp_metrics_out *out, const void *part, const void *totals)
{
	const struct se_dns_part *p = se_dns_part_or_empty(part);
	const struct se_dns_groups *groups = totals ? totals : &p->dns;

	se_dns_otlp_role(out, groups, SE_ROLE_CLIENT);
	se_dns_otlp_role(out, groups, SE_ROLE_SERVER);
	se_otlp_gauge(out, "dns.queries.in_flight", "DNS queries waiting for an answer.",
		      (int64_t)p->in_flight, NULL);
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * DNS's part of a window for each sink (the encoding members of se_dns_proto). A NULL part
 * reads as an empty one. Context: sender.
 */
#ifndef SOCKEYE_DNS_ENCODE_H
#define SOCKEYE_DNS_ENCODE_H

#include <stdint.h>
#include <stdio.h>

#include "util/otlp_metric.h"

/* One dns line per answered group, one dns_unanswered line per unanswered one. */
void se_dns_write_json(FILE *out, const void *part, uint64_t start_ms, uint64_t end_ms);
/* ,"dns_in_flight":N of the stats line. */
void se_dns_write_stats(FILE *out, const void *part);

/* Running totals for cumulative temporality (as HTTP/1's). */
void *se_dns_totals_new(uint32_t max_groups);
void se_dns_totals_free(void *totals);
void se_dns_totals_add(void *totals, const void *part, uint64_t start_ns, uint64_t end_ns,
		       uint64_t ttl_ns);
/* dns.resolution.duration over the client's answered groups, dns.queries.unanswered over its
 * others, dns.server.* the same for a server in the pod, and the queries in flight. */
void se_dns_otlp_metrics(struct se_otlp_metrics_out *out, const void *part, const void *totals);

#endif /* SOCKEYE_DNS_ENCODE_H */

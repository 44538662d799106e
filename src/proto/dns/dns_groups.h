/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * DNS queries aggregated into groups: one per (role, question name, type, response code,
 * truncated, server address, transport), with a count and a histogram of resolution time;
 * queries that got no answer go to groups of their own (no response code, no duration). A
 * shard has one table per worker and window; the sender merges them into the window's.
 *
 * Memory is bounded as for HTTP: at most max_groups groups; a query that would need one more
 * goes into the overflow group of its role and of answered or not (name "_overflow", no
 * server) and is counted in `overflowed`.
 */
#ifndef SOCKEYE_DNS_GROUPS_H
#define SOCKEYE_DNS_GROUPS_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/dns/dns_msg.h"
#include "util/endpoint.h"
#include "util/group_table.h"
#include "util/hist.h"

enum se_dns_transport {
	SE_DNS_UDP = 0,
	SE_DNS_TCP = 1,
};

/* One query, answered or given up on, as the pairing hands it to aggregation. */
struct se_dns_result {
	uint8_t role; /* enum se_role */
	uint8_t transport;
	bool answered;
	bool truncated; /* TC=1 in the answer */
	uint8_t rcode;
	uint16_t qtype;
	const struct se_endpoint *server; /* port ignored */
	const char *name;
	uint16_t name_len;
	bool name_truncated;
	uint64_t duration_ns; /* answered only */
};

struct se_dns_group {
	uint64_t hash; /* first: util/group_table.h */
	/* key */
	uint8_t role;
	uint8_t transport;
	uint8_t rcode;
	bool answered;
	bool truncated;
	bool overflow;
	bool name_truncated;
	uint16_t qtype;
	struct se_endpoint server; /* port 0; family 0 in an overflow group */
	uint16_t name_len;
	char name[SE_DNS_NAME_MAX + 1]; /* NUL-terminated */
	/* values */
	uint64_t count;
	struct se_hist duration; /* ns, se_hist_dns_duration; answered only */
	/* A running total's series: when it started and the end of the last window that
	 * counted into it. 0 in a window's table. */
	uint64_t series_start_ns;
	uint64_t series_seen_ns;
};

struct se_dns_groups {
	struct se_group_table t;
	uint64_t overflowed;	 /* queries in the overflow groups */
	uint64_t alloc_failures; /* queries lost because the table could not grow */
};

void se_dns_groups_init(struct se_dns_groups *g, uint32_t max_groups);
void se_dns_groups_fini(struct se_dns_groups *g);
uint64_t se_dns_groups_bytes_max(uint32_t max_groups);
static inline const struct se_dns_group *se_dns_group_at(const struct se_dns_groups *g, uint32_t i)
{
	return se_group_table_at(&g->t, i);
}
/* Count one query. 0, or -ENOMEM (counted in alloc_failures). */
int se_dns_groups_add(struct se_dns_groups *g, const struct se_dns_result *r);
/* Add every group of src into dst; for running totals (end_ns != 0), src is the window
 * [start_ns, end_ns) and every group it counts into is seen at end_ns. 0 or -ENOMEM. */
int se_dns_groups_merge(struct se_dns_groups *dst, const struct se_dns_groups *src,
			uint64_t start_ns, uint64_t end_ns);
/* Remove the groups last seen at or before seen_ns but for those with a key in keep. */
uint32_t se_dns_groups_expire(struct se_dns_groups *g, uint64_t seen_ns,
			      const struct se_dns_groups *keep);

#endif /* SOCKEYE_DNS_GROUPS_H */

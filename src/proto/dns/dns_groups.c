// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* DNS queries aggregated into groups (see src/proto/dns/dns_groups.h). */
#include "proto/dns/dns_groups.h"

#include <errno.h>
#include <string.h>

#include "sockeye/abi.h"

#define SE_DNS_ROLES	     3			/* enum se_role values */
#define SE_DNS_OVERFLOW_KEYS (2 * SE_DNS_ROLES) /* one per role, answered or not */
#define SE_DNS_GROUPS_MIN    (SE_DNS_OVERFLOW_KEYS + 1)
#define SE_DNS_OVERFLOW_NAME "_overflow"

/* A group's key, pointing into a result or into another group. */
struct se_dns_key {
	uint8_t role;
	uint8_t transport;
	uint8_t rcode;
	bool answered;
	bool truncated;
	bool overflow;
	bool name_truncated;
	uint16_t qtype;
	const struct se_endpoint *server;
	uint16_t name_len;
	const char *name;
};

static const struct se_endpoint se_dns_no_server;

static uint64_t se_dns_key_hash(const struct se_dns_key *k)
{
	/* Every fixed field, then the name: the name's length in the fixed part keeps two keys
	 * from packing to the same bytes. */
	uint8_t buf[32 + SE_DNS_NAME_MAX];
	size_t n = 0;

	buf[n++] = k->role;
	buf[n++] = k->transport;
	buf[n++] = k->rcode;
	buf[n++] =
	    (uint8_t)(k->answered | k->truncated << 1 | k->overflow << 2 | k->name_truncated << 3);
	memcpy(buf + n, &k->qtype, 2);
	n += 2;
	memcpy(buf + n, &k->server->family, 2);
	n += 2;
	memcpy(buf + n, k->server->addr, 16);
	n += 16;
	memcpy(buf + n, &k->name_len, 2);
	n += 2;
	memcpy(buf + n, k->name, k->name_len);
	return se_group_hash(buf, n + k->name_len);
}

static uint8_t se_dns_role(uint8_t role)
{
	return role < SE_DNS_ROLES ? role : SE_ROLE_UNKNOWN;
}

static void se_dns_key_of_result(struct se_dns_key *k, const struct se_dns_result *r)
{
	uint16_t len = r->name_len < SE_DNS_NAME_MAX ? r->name_len : SE_DNS_NAME_MAX;

	memset(k, 0, sizeof(*k));
	k->role = se_dns_role(r->role);
	k->transport = r->transport;
	k->answered = r->answered;
	/* an unanswered query has no response code and no truncation: none is invented */
	k->rcode = r->answered ? r->rcode : 0;
	k->truncated = r->answered && r->truncated;
	k->qtype = r->qtype;
	k->server = r->server;
	k->name = r->name;
	k->name_len = len;
	k->name_truncated = r->name_truncated || len < r->name_len;
}

static void se_dns_key_of_group(struct se_dns_key *k, const struct se_dns_group *g)
{
	k->role = g->role;
	k->transport = g->transport;
	k->rcode = g->rcode;
	k->answered = g->answered;
	k->truncated = g->truncated;
	k->overflow = g->overflow;
	k->name_truncated = g->name_truncated;
	k->qtype = g->qtype;
	k->server = &g->server;
	k->name_len = g->name_len;
	k->name = g->name;
}

static void se_dns_key_overflow(struct se_dns_key *k, uint8_t role, bool answered)
{
	memset(k, 0, sizeof(*k));
	k->role = role;
	k->answered = answered;
	k->overflow = true;
	k->server = &se_dns_no_server;
	k->name = SE_DNS_OVERFLOW_NAME;
	k->name_len = sizeof(SE_DNS_OVERFLOW_NAME) - 1;
}

static bool se_dns_key_equal(const void *entry, const void *key)
{
	const struct se_dns_group *g = entry;
	const struct se_dns_key *k = key;

	return g->role == k->role && g->transport == k->transport && g->rcode == k->rcode &&
	       g->answered == k->answered && g->truncated == k->truncated &&
	       g->overflow == k->overflow && g->name_truncated == k->name_truncated &&
	       g->qtype == k->qtype && g->server.family == k->server->family &&
	       !memcmp(g->server.addr, k->server->addr, sizeof(g->server.addr)) &&
	       g->name_len == k->name_len && !memcmp(g->name, k->name, k->name_len);
}

void se_dns_groups_init(struct se_dns_groups *g, uint32_t max_groups)
{
	memset(g, 0, sizeof(*g));
	se_group_table_init(&g->t, sizeof(struct se_dns_group),
			    max_groups < SE_DNS_GROUPS_MIN ? SE_DNS_GROUPS_MIN : max_groups);
}

void se_dns_groups_fini(struct se_dns_groups *g)
{
	se_group_table_fini(&g->t);
	g->overflowed = g->alloc_failures = 0;
}

uint64_t se_dns_groups_bytes_max(uint32_t max_groups)
{
	return se_group_table_bytes_max(sizeof(struct se_dns_group), max_groups < SE_DNS_GROUPS_MIN
									 ? SE_DNS_GROUPS_MIN
									 : max_groups);
}

static struct se_dns_group *se_dns_insert(struct se_dns_groups *g, const struct se_dns_key *k,
					  uint64_t hash)
{
	struct se_dns_group *grp = se_group_table_insert(&g->t, hash);

	if (!grp)
		return NULL;
	grp->role = k->role;
	grp->transport = k->transport;
	grp->rcode = k->rcode;
	grp->answered = k->answered;
	grp->truncated = k->truncated;
	grp->overflow = k->overflow;
	grp->name_truncated = k->name_truncated;
	grp->qtype = k->qtype;
	grp->server.family = k->server->family;
	memcpy(grp->server.addr, k->server->addr, sizeof(grp->server.addr));
	grp->name_len = k->name_len;
	memcpy(grp->name, k->name, k->name_len);
	grp->name[k->name_len] = '\0';
	return grp;
}

/*
 * The group for key k, not in the table yet: a new group while the table has room beyond
 * the overflow groups' reserve, else the overflow group of k's role (found or created), with
 * count queries counted as overflowed. An overflow key (merging another table's) is always
 * created. NULL when memory ran out.
 */
static struct se_dns_group *se_dns_place(struct se_dns_groups *g, const struct se_dns_key *k,
					 uint64_t hash, uint64_t count)
{
	struct se_dns_key ok;
	struct se_dns_group *grp;

	if (k->overflow || g->t.n < g->t.max - SE_DNS_OVERFLOW_KEYS)
		return se_dns_insert(g, k, hash);
	se_dns_key_overflow(&ok, k->role, k->answered);
	hash = se_dns_key_hash(&ok);
	grp = se_group_table_find(&g->t, hash, se_dns_key_equal, &ok);
	if (!grp)
		grp = se_dns_insert(g, &ok, hash);
	if (grp)
		g->overflowed += count;
	return grp;
}

int se_dns_groups_add(struct se_dns_groups *g, const struct se_dns_result *r)
{
	struct se_dns_key k;
	struct se_dns_group *grp;
	uint64_t hash;

	se_dns_key_of_result(&k, r);
	hash = se_dns_key_hash(&k);
	grp = se_group_table_find(&g->t, hash, se_dns_key_equal, &k);
	if (!grp)
		grp = se_dns_place(g, &k, hash, 1);
	if (!grp) {
		g->alloc_failures++;
		return -ENOMEM;
	}
	grp->count++;
	if (r->answered)
		se_hist_add(&grp->duration, &se_hist_dns_duration, r->duration_ns);
	return 0;
}

int se_dns_groups_merge(struct se_dns_groups *dst, const struct se_dns_groups *src,
			uint64_t start_ns, uint64_t end_ns)
{
	int ret = 0;

	for (uint32_t i = 0; i < src->t.n; i++) {
		const struct se_dns_group *sg = se_dns_group_at(src, i);
		struct se_dns_group *grp;
		struct se_dns_key k;

		se_dns_key_of_group(&k, sg);
		grp = se_group_table_find(&dst->t, sg->hash, se_dns_key_equal, &k);
		if (!grp)
			grp = se_dns_place(dst, &k, sg->hash, sg->count);
		if (!grp) {
			dst->alloc_failures += sg->count;
			ret = -ENOMEM;
			continue; /* the other groups may still fit in existing ones */
		}
		grp->count += sg->count;
		se_hist_merge(&grp->duration, &sg->duration, &se_hist_dns_duration);
		if (end_ns) {
			if (!grp->series_start_ns)
				grp->series_start_ns = start_ns;
			grp->series_seen_ns = end_ns;
		}
	}
	dst->overflowed += src->overflowed;
	dst->alloc_failures += src->alloc_failures;
	return ret;
}

struct se_dns_expiry {
	struct se_dns_groups *g;
	uint64_t seen_ns;
	const struct se_dns_groups *keep;
};

static bool se_dns_group_stays(const void *entry, void *ctx)
{
	const struct se_dns_group *grp = entry;
	struct se_dns_expiry *x = ctx;
	struct se_dns_key k;

	if (grp->series_seen_ns > x->seen_ns)
		return true;
	se_dns_key_of_group(&k, grp);
	if (se_group_table_find(&x->keep->t, grp->hash, se_dns_key_equal, &k))
		return true;
	if (grp->overflow)
		x->g->overflowed -= grp->count;
	return false;
}

uint32_t se_dns_groups_expire(struct se_dns_groups *g, uint64_t seen_ns,
			      const struct se_dns_groups *keep)
{
	struct se_dns_expiry x = { .g = g, .seen_ns = seen_ns, .keep = keep };

	return se_group_table_filter(&g->t, se_dns_group_stays, &x);
}

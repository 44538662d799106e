// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * HTTP request groups (see src/proto/http_groups.h): a dense array of groups in
 * insertion order, and an open-addressing index (linear probing) over it whose slot count is
 * a power of two at least twice the array's capacity, so its load never exceeds 0.5. Both
 * grow together, geometrically, and only while the array is below max_groups.
 *
 * The limit. A new ordinary group is created only while the table holds fewer than
 * max_groups - SE_HTTP_ROLES groups (all groups counted, overflow groups included); overflow
 * groups, at most one per role (SE_HTTP_ROLES of them), are created whenever one is needed.
 * So a table never holds more than max_groups groups, and an overflow group always finds
 * room. A max_groups below SE_HTTP_GROUPS_MIN is raised to it (and one above
 * SE_HTTP_GROUPS_LIMIT lowered). A role outside enum se_role is counted as unknown.
 *
 * The hash. Paths come from the network, so a hash anyone can compute would let a client pick
 * paths that all land in one probe run (every add then walks thousands of slots). The hash is
 * keyed with a per-process random secret, wyhash-style: 16 bytes per step folded with one
 * 64x64->128 multiply (hi ^ lo), finished with splitmix64. A byte-at-a-time FNV-1a would cost
 * a dependent multiply per byte and is unkeyed; an unkeyed word hash (FxHash) has collisions
 * that hold for any seed. The secret is the same for every table of the process, so a merge
 * reuses the hash stored in each group.
 */
#include "proto/http_groups.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sockeye/abi.h"
#include "util/group_table.h"
#include "util/hash.h"
#include "proto/http1/http1.h"

#define SE_HTTP_ROLES	       3 /* enum se_role values: one overflow group each */
#define SE_HTTP_GROUPS_MIN     (SE_HTTP_ROLES + 1)
#define SE_HTTP_GROUPS_LIMIT   (1u << 24) /* keeps index sizes far from uint32_t overflow */
#define SE_HTTP_GROUPS_INITIAL 16
#define SE_HTTP_OVERFLOW_PATH  "_overflow"

/* A group's key, pointing into a request or into another group. */
struct se_http_key {
	uint8_t role;
	uint8_t method;
	uint16_t status;
	uint8_t protocol;
	int16_t grpc_status;
	bool fields_unknown;
	bool tls;
	bool overflow;
	bool path_truncated;
	uint16_t path_len;
	const struct se_endpoint *peer; /* its port is not part of the key: always 0 here */
	const char *path;
};

static const struct se_endpoint se_http_no_peer;

/* ---- hash --------------------------------------------------------------------------------- */

static uint64_t se_http_hash(const struct se_http_key *k)
{
	const uint64_t *s = se_group_secret;
	/* Every fixed field in one word; the path length there makes zero padding safe. */
	uint64_t head = (uint64_t)k->role | (uint64_t)k->method << 8 | (uint64_t)k->status << 16 |
			(uint64_t)k->peer->family << 32 | (uint64_t)k->overflow << 48 |
			(uint64_t)k->path_truncated << 49 | (uint64_t)k->path_len << 50;
	uint64_t flavour = (uint64_t)k->protocol | (uint64_t)(uint16_t)k->grpc_status << 8 |
			   (uint64_t)k->fields_unknown << 24 | (uint64_t)k->tls << 25;
	const char *p = k->path;
	size_t left = k->path_len;
	uint64_t a, b, h;

	memcpy(&a, k->peer->addr, 8);
	memcpy(&b, k->peer->addr + 8, 8);
	h = se_group_mum(head ^ s[1], a ^ s[0] ^ flavour << 32);
	h = se_group_mum(b ^ s[2], h ^ s[3]);
	for (; left >= 16; p += 16, left -= 16) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		h = se_group_mum(a ^ s[1], b ^ h);
	}
	if (left) {
		a = b = 0;
		if (left > 8) {
			memcpy(&a, p, 8);
			memcpy(&b, p + 8, left - 8);
		} else {
			memcpy(&a, p, left);
		}
		h = se_group_mum(a ^ s[1], b ^ h);
	}
	return se_hash_u64(h);
}

/* ---- keys --------------------------------------------------------------------------------- */

static uint8_t se_http_role(uint8_t role)
{
	return role < SE_HTTP_ROLES ? role : SE_ROLE_UNKNOWN;
}

static void se_http_key_of_request(struct se_http_key *k, const struct se_http_request *r)
{
	uint32_t len = r->path ? r->path_len : 0;

	k->role = se_http_role(r->role);
	k->method = r->method;
	k->status = r->status;
	k->protocol = r->protocol;
	k->grpc_status = r->grpc_status;
	k->fields_unknown = r->fields_unknown;
	k->tls = r->tls;
	k->overflow = false;
	k->peer = &r->peer;
	k->path = r->path ? r->path : "";
	/* A cut path groups with the same bytes cut elsewhere (the tracker cuts too). */
	k->path_len = (uint16_t)(len < SE_HTTP_PATH_MAX ? len : SE_HTTP_PATH_MAX);
	k->path_truncated = r->path_truncated || len > SE_HTTP_PATH_MAX;
}

static void se_http_key_of_group(struct se_http_key *k, const struct se_http_group *g)
{
	k->role = g->role;
	k->method = g->method;
	k->status = g->status;
	k->protocol = g->protocol;
	k->grpc_status = g->grpc_status;
	k->fields_unknown = g->fields_unknown;
	k->tls = g->tls;
	k->overflow = g->overflow;
	k->path_truncated = g->path_truncated;
	k->path_len = g->path_len;
	k->peer = &g->peer;
	k->path = g->path;
}

static void se_http_key_overflow(struct se_http_key *k, uint8_t role)
{
	memset(k, 0, sizeof(*k));
	k->role = role;
	k->method = SE_HTTP_OTHER;
	k->overflow = true;
	k->peer = &se_http_no_peer;
	k->path = SE_HTTP_OVERFLOW_PATH;
	k->path_len = sizeof(SE_HTTP_OVERFLOW_PATH) - 1;
}

static bool se_http_key_equal(const struct se_http_group *g, const struct se_http_key *k)
{
	return g->role == k->role && g->method == k->method && g->status == k->status &&
	       g->protocol == k->protocol && g->grpc_status == k->grpc_status &&
	       g->fields_unknown == k->fields_unknown && g->tls == k->tls &&
	       g->peer.family == k->peer->family && g->overflow == k->overflow &&
	       g->path_truncated == k->path_truncated && g->path_len == k->path_len &&
	       !memcmp(g->peer.addr, k->peer->addr, sizeof(g->peer.addr)) &&
	       !memcmp(g->path, k->path, k->path_len);
}

/* ---- table -------------------------------------------------------------------------------- */

void se_http_groups_init(struct se_http_groups *g, uint32_t max_groups)
{
	se_group_secret_ready();
	memset(g, 0, sizeof(*g));
	if (max_groups < SE_HTTP_GROUPS_MIN)
		max_groups = SE_HTTP_GROUPS_MIN;
	if (max_groups > SE_HTTP_GROUPS_LIMIT)
		max_groups = SE_HTTP_GROUPS_LIMIT;
	g->max_groups = max_groups;
}

void se_http_groups_fini(struct se_http_groups *g)
{
	free(g->groups);
	free(g->index);
	memset(g, 0, sizeof(*g));
}

static struct se_http_group *se_http_find(const struct se_http_groups *g,
					  const struct se_http_key *k, uint64_t hash)
{
	if (!g->index)
		return NULL;
	/* Terminates: the load is at most 0.5, so there is always an empty slot. */
	for (uint32_t i = (uint32_t)hash & g->index_mask;; i = (i + 1) & g->index_mask) {
		uint32_t e = g->index[i];
		struct se_http_group *grp;

		if (!e)
			return NULL;
		grp = &g->groups[e - 1];
		if (grp->hash == hash && se_http_key_equal(grp, k))
			return grp;
	}
}

static void se_http_index_put(uint32_t *index, uint32_t mask, uint64_t hash, uint32_t entry)
{
	uint32_t i = (uint32_t)hash & mask;

	while (index[i])
		i = (i + 1) & mask;
	index[i] = entry;
}

/* Room for one more group (the caller checked the limit). 0 or -ENOMEM, table unchanged. */
/* Index slots for cap groups: a power of two, at least twice as many (load <= 1/2). */
static uint32_t se_http_index_slots(uint32_t cap)
{
	uint32_t nslots = 1;

	while (nslots < 2 * cap)
		nslots <<= 1;
	return nslots;
}

uint64_t se_http_groups_bytes_max(uint32_t max_groups)
{
	if (!max_groups)
		return 0;
	return (uint64_t)max_groups * sizeof(struct se_http_group) +
	       (uint64_t)se_http_index_slots(max_groups) * sizeof(uint32_t);
}

static int se_http_reserve(struct se_http_groups *g)
{
	uint32_t ncap, nslots;
	uint32_t *index = NULL;
	struct se_http_group *grown;

	if (g->n < g->cap)
		return 0;
	ncap = g->cap ? g->cap * 2 : SE_HTTP_GROUPS_INITIAL;
	if (ncap > g->max_groups)
		ncap = g->max_groups;
	nslots = se_http_index_slots(ncap);
	/* The index first: if the array then fails, the old index still fits the old array. */
	if (!g->index || nslots > g->index_mask + 1) {
		index = calloc(nslots, sizeof(*index));
		if (!index)
			return -ENOMEM;
	}
	grown = realloc(g->groups, (size_t)ncap * sizeof(*grown));
	if (!grown) {
		free(index);
		return -ENOMEM;
	}
	g->groups = grown;
	g->cap = ncap;
	if (index) {
		free(g->index);
		g->index = index;
		g->index_mask = nslots - 1;
		for (uint32_t i = 0; i < g->n; i++)
			se_http_index_put(index, g->index_mask, g->groups[i].hash, i + 1);
	}
	return 0;
}

static struct se_http_group *se_http_insert(struct se_http_groups *g, const struct se_http_key *k,
					    uint64_t hash)
{
	struct se_http_group *grp;

	if (g->n >= g->max_groups || se_http_reserve(g))
		return NULL;
	grp = &g->groups[g->n];
	memset(grp, 0, sizeof(*grp));
	grp->role = k->role;
	grp->method = k->method;
	grp->status = k->status;
	grp->protocol = k->protocol;
	grp->grpc_status = k->grpc_status;
	grp->fields_unknown = k->fields_unknown;
	grp->tls = k->tls;
	grp->overflow = k->overflow;
	grp->path_truncated = k->path_truncated;
	grp->peer.family = k->peer->family;
	memcpy(grp->peer.addr, k->peer->addr, sizeof(grp->peer.addr));
	grp->path_len = k->path_len;
	memcpy(grp->path, k->path, k->path_len);
	grp->path[k->path_len] = '\0';
	grp->hash = hash;
	g->n++;
	se_http_index_put(g->index, g->index_mask, hash, g->n);
	return grp;
}

/*
 * The group for key k, which is not in the table yet: a new group if the limit allows,
 * else the overflow group of k's role (found or created), with `count` requests counted as
 * overflowed. An overflow key (merging another table's overflow group) is always created:
 * the requests it carries were counted as overflowed where they first overflowed. NULL when
 * memory ran out.
 */
static struct se_http_group *se_http_place(struct se_http_groups *g, const struct se_http_key *k,
					   uint64_t hash, uint64_t count)
{
	struct se_http_key ok;
	struct se_http_group *grp;

	if (k->overflow)
		return se_http_insert(g, k, hash);
	if (g->n < g->max_groups - SE_HTTP_ROLES)
		return se_http_insert(g, k, hash);
	se_http_key_overflow(&ok, k->role);
	hash = se_http_hash(&ok);
	grp = se_http_find(g, &ok, hash);
	if (!grp)
		grp = se_http_insert(g, &ok, hash);
	if (grp)
		g->overflowed += count;
	return grp;
}

static bool se_http_traced(const struct se_trace_ctx *t)
{
	return t->source == SE_TRACE_W3C || t->source == SE_TRACE_B3_SINGLE ||
	       t->source == SE_TRACE_B3_MULTI;
}

int se_http_groups_add(struct se_http_groups *g, const struct se_http_request *r)
{
	struct se_http_key k;
	struct se_http_group *grp;
	uint64_t hash;

	se_http_key_of_request(&k, r);
	hash = se_http_hash(&k);
	grp = se_http_find(g, &k, hash);
	if (!grp)
		grp = se_http_place(g, &k, hash, 1);
	if (!grp) {
		g->alloc_failures++;
		return -ENOMEM;
	}
	grp->count++;
	grp->traced += se_http_traced(&r->trace);
	grp->spanned += r->spanned;
	se_hist_add(&grp->duration, &se_hist_http_duration,
		    r->end_ns >= r->start_ns ? r->end_ns - r->start_ns : 0);
	se_hist_add(&grp->request_body, &se_hist_http_body_size, r->request_body_bytes);
	return 0;
}

int se_http_groups_merge(struct se_http_groups *dst, const struct se_http_groups *src)
{
	return se_http_groups_merge_series(dst, src, 0, 0);
}

int se_http_groups_merge_series(struct se_http_groups *dst, const struct se_http_groups *src,
				uint64_t start_ns, uint64_t end_ns)
{
	int ret = 0;

	for (uint32_t i = 0; i < src->n; i++) {
		const struct se_http_group *sg = &src->groups[i];
		struct se_http_group *grp;
		struct se_http_key k;

		se_http_key_of_group(&k, sg);
		grp = se_http_find(dst, &k, sg->hash);
		if (!grp)
			grp = se_http_place(dst, &k, sg->hash, sg->count);
		if (!grp) {
			dst->alloc_failures += sg->count;
			ret = -ENOMEM;
			continue; /* the other groups may still fit in existing ones */
		}
		grp->count += sg->count;
		grp->traced += sg->traced;
		grp->spanned += sg->spanned;
		se_hist_merge(&grp->duration, &sg->duration, &se_hist_http_duration);
		se_hist_merge(&grp->request_body, &sg->request_body, &se_hist_http_body_size);
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

uint32_t se_http_groups_expire(struct se_http_groups *g, uint64_t seen_ns,
			       const struct se_http_groups *keep)
{
	uint32_t kept = 0, gone;

	for (uint32_t i = 0; i < g->n; i++) {
		const struct se_http_group *grp = &g->groups[i];
		struct se_http_key k;

		se_http_key_of_group(&k, grp);
		if (grp->series_seen_ns <= seen_ns && !se_http_find(keep, &k, grp->hash)) {
			if (grp->overflow)
				g->overflowed -= grp->count;
			continue;
		}
		if (kept != i)
			g->groups[kept] = g->groups[i];
		kept++;
	}
	gone = g->n - kept;
	if (!gone)
		return 0;
	g->n = kept;
	/* Linear probing cannot leave holes in a run: the index is built again. */
	memset(g->index, 0, ((size_t)g->index_mask + 1) * sizeof(*g->index));
	for (uint32_t i = 0; i < kept; i++)
		se_http_index_put(g->index, g->index_mask, g->groups[i].hash, i + 1);
	return gone;
}

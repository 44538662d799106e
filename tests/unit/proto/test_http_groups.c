// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the HTTP group table (src/proto/http_groups.c): requests of one key aggregate
 * (count, traced, both histograms), every key field splits groups, long paths are cut and
 * flagged, the limit holds exactly (ordinary groups stop at max_groups - 3, one overflow
 * group per role, never more than max_groups), merges add key by key and overflow under the
 * destination's limit, the index grows with the array and finds every group after each
 * rehash, and allocation failures lose only what they must, counted. Allocation failures
 * are made on demand through -Wl,--wrap=calloc,--wrap=realloc (tests/unit/CMakeLists.txt).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "sockeye/abi.h"
#include "util/clock.h"
#include "proto/http1/http1.h"
#include "proto/http_groups.h"

/* ---- allocation control ------------------------------------------------------------------ */

static unsigned int allocs;	 /* calloc/realloc calls seen */
static unsigned int pass_allocs; /* when failing: let this many through first */
static unsigned int fail_allocs; /* then fail this many */

static bool alloc_fails(void)
{
	allocs++;
	if (!fail_allocs)
		return false;
	if (pass_allocs) {
		pass_allocs--;
		return false;
	}
	fail_allocs--;
	return true;
}

void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);

void *__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return alloc_fails() ? NULL : __real_realloc(p, size);
}

/* ---- helpers ------------------------------------------------------------------------------ */

static struct se_http_request req(uint8_t role, uint8_t method, uint16_t status, uint8_t peer,
				  const char *path)
{
	struct se_http_request r;

	memset(&r, 0, sizeof(r));
	r.role = role;
	r.method = method;
	r.status = status;
	r.peer.family = AF_INET;
	r.peer.addr[0] = 10;
	r.peer.addr[3] = peer;
	r.path = path;
	r.path_len = path ? (uint32_t)strlen(path) : 0;
	r.start_ns = 1000;
	r.end_ns = 1000 + 2 * SE_NS_PER_MS;
	r.trace.source = SE_TRACE_GENERATED;
	return r;
}

static void add_ok(struct se_http_groups *g, const struct se_http_request *r)
{
	assert_int_equal(se_http_groups_add(g, r), 0);
}

/* The group of r's key, by a linear walk (independent of the index). */
static const struct se_http_group *group_of(const struct se_http_groups *g,
					    const struct se_http_request *r)
{
	for (uint32_t i = 0; i < g->n; i++) {
		const struct se_http_group *x = &g->groups[i];
		uint32_t len = r->path_len < SE_HTTP_PATH_MAX ? r->path_len : SE_HTTP_PATH_MAX;

		if (!x->overflow && x->role == r->role && x->method == r->method &&
		    x->status == r->status && x->tls == r->tls &&
		    x->peer.family == r->peer.family && !memcmp(x->peer.addr, r->peer.addr, 16) &&
		    x->path_len == len && !memcmp(x->path, r->path, len) &&
		    x->path_truncated == (r->path_truncated || r->path_len > SE_HTTP_PATH_MAX))
			return x;
	}
	return NULL;
}

static const struct se_http_group *overflow_of(const struct se_http_groups *g, uint8_t role)
{
	const struct se_http_group *found = NULL;

	for (uint32_t i = 0; i < g->n; i++) {
		if (g->groups[i].overflow && g->groups[i].role == role) {
			assert_null(found); /* one per role */
			found = &g->groups[i];
		}
	}
	return found;
}

/* Invariants of any table: the limit, the index's load and contents, the overflow sum. */
static void assert_table_sane(const struct se_http_groups *g)
{
	uint64_t in_overflow = 0;
	uint32_t used = 0;

	assert_true(g->n <= g->cap);
	assert_true(g->cap <= g->max_groups);
	if (!g->cap) {
		assert_null(g->index);
		return;
	}
	assert_int_equal((g->index_mask + 1) & g->index_mask, 0); /* a power of two */
	assert_true(g->index_mask + 1 >= 2 * g->cap);		  /* load <= 0.5 */
	for (uint32_t i = 0; i <= g->index_mask; i++) {
		if (!g->index[i])
			continue;
		assert_true(g->index[i] <= g->n);
		used++;
	}
	assert_int_equal(used, g->n);
	for (uint32_t i = 0; i < g->n; i++) {
		const struct se_http_group *x = &g->groups[i];

		assert_int_equal(x->path[x->path_len], '\0');
		assert_true(x->path_len <= SE_HTTP_PATH_MAX);
		assert_true(x->count >= 1);
		assert_int_equal(x->duration.count, x->count);
		assert_int_equal(x->request_body.count, x->count);
		if (x->overflow)
			in_overflow += x->count;
	}
	assert_int_equal(in_overflow, g->overflowed);
}

/* ---- aggregation -------------------------------------------------------------------------- */

static void test_same_key_aggregates(void **state)
{
	struct se_http_groups g;
	struct se_http_request r = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, "/ok");
	const struct se_http_group *x;

	se_http_groups_init(&g, 64);
	assert_int_equal(g.n, 0);
	assert_null(g.groups); /* nothing allocated before the first request */
	assert_null(g.index);

	add_ok(&g, &r); /* 2 ms, no body, generated trace */
	r.end_ns = r.start_ns + 30 * SE_NS_PER_MS;
	r.request_body_bytes = 1000;
	r.trace.source = SE_TRACE_W3C;
	add_ok(&g, &r);
	r.end_ns = r.start_ns - 1; /* ends before it starts: duration 0 */
	r.request_body_bytes = 1001;
	r.trace.source = SE_TRACE_B3_SINGLE;
	add_ok(&g, &r);
	r.end_ns = r.start_ns + 1 * SE_NS_PER_MS;
	r.trace.source = SE_TRACE_B3_MULTI;
	r.response_body_bytes = 99999; /* not aggregated */
	add_ok(&g, &r);
	r.trace.source = SE_TRACE_NONE;
	add_ok(&g, &r);

	assert_int_equal(g.n, 1);
	x = &g.groups[0];
	assert_int_equal(x->role, SE_ROLE_SERVER);
	assert_int_equal(x->method, SE_HTTP_GET);
	assert_int_equal(x->status, 200);
	assert_int_equal(x->peer.family, AF_INET);
	assert_int_equal(x->peer.addr[0], 10);
	assert_int_equal(x->peer.addr[3], 1);
	assert_string_equal(x->path, "/ok");
	assert_int_equal(x->path_len, 3);
	assert_false(x->path_truncated);
	assert_false(x->overflow);
	assert_int_equal(x->count, 5);
	assert_int_equal(x->traced, 3);
	assert_int_equal(x->duration.count, 5);
	assert_int_equal(x->duration.sum,
			 2 * SE_NS_PER_MS + 30 * SE_NS_PER_MS + 0 + 2 * SE_NS_PER_MS);
	assert_int_equal(x->duration.min, 0);
	assert_int_equal(x->duration.max, 30 * SE_NS_PER_MS);
	assert_int_equal(x->duration.counts[0], 3); /* 0, 1 ms, 1 ms */
	assert_int_equal(x->duration.counts[1], 1); /* 2 ms */
	assert_int_equal(x->duration.counts[4], 1); /* 30 ms: (25, 50] */
	assert_int_equal(x->request_body.sum, 0 + 1000 + 1001 * 3);
	assert_int_equal(x->request_body.min, 0);
	assert_int_equal(x->request_body.max, 1001);
	assert_int_equal(x->request_body.counts[0], 1); /* 0 */
	assert_int_equal(x->request_body.counts[1], 1); /* 1000: (100, 1000] */
	assert_int_equal(x->request_body.counts[2], 3); /* 1001 */
	assert_int_equal(g.overflowed, 0);
	assert_int_equal(g.alloc_failures, 0);
	assert_table_sane(&g);
	se_http_groups_fini(&g);
	assert_null(g.groups);
	se_http_groups_fini(&g); /* twice is harmless */
}

static void test_key_fields_split(void **state)
{
	struct se_http_groups g;
	struct se_http_request base = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, "/a");
	struct se_http_request v[10];
	int n = 0;

	se_http_groups_init(&g, 64);
	v[n++] = base;
	v[n] = base, v[n++].tls = true; /* HTTPS apart from plain HTTP */
	v[n] = base, v[n++].status = 404;
	v[n] = base, v[n++].method = SE_HTTP_POST;
	v[n] = base, v[n++].peer.addr[3] = 2;
	v[n] = base, v[n++].peer.addr[15] = 1; /* the last byte counts too */
	v[n] = base, v[n++].role = SE_ROLE_CLIENT;
	v[n] = base, v[n++].peer.family = AF_INET6;
	v[n] = base, v[n].path = "/b", v[n++].path_len = 2;
	v[n] = base, v[n].path = "/a/", v[n++].path_len = 3; /* a prefix is not the same */
	for (int i = 0; i < n; i++) {
		add_ok(&g, &v[i]);
		add_ok(&g, &v[i]);
	}
	assert_int_equal(g.n, n);
	for (int i = 0; i < n; i++) {
		const struct se_http_group *x = group_of(&g, &v[i]);

		assert_non_null(x);
		assert_int_equal(x->count, 2);
		assert_ptr_equal(x, &g.groups[i]); /* insertion order */
	}
	assert_table_sane(&g);
	se_http_groups_fini(&g);
}

static void test_odd_roles_and_empty_path(void **state)
{
	struct se_http_groups g;
	struct se_http_request r = req(SE_ROLE_UNKNOWN, SE_HTTP_OTHER, 0, 0, NULL);

	se_http_groups_init(&g, 64);
	add_ok(&g, &r); /* no path at all */
	r.path = "";
	add_ok(&g, &r); /* empty path: the same key */
	r.role = 7;	/* not a role: counted as unknown */
	add_ok(&g, &r);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.groups[0].count, 3);
	assert_int_equal(g.groups[0].role, SE_ROLE_UNKNOWN);
	assert_int_equal(g.groups[0].path_len, 0);
	assert_string_equal(g.groups[0].path, "");
	se_http_groups_fini(&g);
}

static void test_path_cut(void **state)
{
	struct se_http_groups g;
	char long_a[400], long_b[400], exact[SE_HTTP_PATH_MAX + 1];
	struct se_http_request ra = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, NULL), rb, rc, rd;
	const struct se_http_group *x;

	memset(long_a, 'a', sizeof(long_a));
	long_a[0] = '/';
	memcpy(long_b, long_a, sizeof(long_b));
	long_b[SE_HTTP_PATH_MAX] = 'b'; /* differs only past the cut */
	memcpy(exact, long_a, SE_HTTP_PATH_MAX);
	exact[SE_HTTP_PATH_MAX] = '\0';

	se_http_groups_init(&g, 64);
	ra.path = long_a;
	ra.path_len = sizeof(long_a);
	rb = ra;
	rb.path = long_b;
	rb.path_len = 300;
	rc = ra; /* cut by the tracker already: the same bytes and the flag */
	rc.path_len = SE_HTTP_PATH_MAX;
	rc.path_truncated = true;
	rd = ra; /* exactly SE_HTTP_PATH_MAX bytes, whole: another group */
	rd.path = exact;
	rd.path_len = SE_HTTP_PATH_MAX;
	add_ok(&g, &ra);
	add_ok(&g, &rb);
	add_ok(&g, &rc);
	add_ok(&g, &rd);
	assert_int_equal(g.n, 2);
	x = &g.groups[0];
	assert_true(x->path_truncated);
	assert_int_equal(x->path_len, SE_HTTP_PATH_MAX);
	assert_memory_equal(x->path, long_a, SE_HTTP_PATH_MAX);
	assert_int_equal(x->path[SE_HTTP_PATH_MAX], '\0');
	assert_int_equal(x->count, 3);
	x = &g.groups[1];
	assert_false(x->path_truncated);
	assert_int_equal(x->path_len, SE_HTTP_PATH_MAX);
	assert_string_equal(x->path, exact);
	assert_int_equal(x->count, 1);
	assert_table_sane(&g);
	se_http_groups_fini(&g);
}

/* ---- the limit ---------------------------------------------------------------------------- */

static void path_of(char *buf, size_t len, unsigned int i)
{
	snprintf(buf, len, "/p/%u", i);
}

static void check_overflow_group(const struct se_http_group *x, uint8_t role, uint64_t count)
{
	static const uint8_t zero[16];

	assert_non_null(x);
	assert_true(x->overflow);
	assert_int_equal(x->role, role);
	assert_int_equal(x->method, SE_HTTP_OTHER);
	assert_int_equal(x->status, 0);
	assert_int_equal(x->peer.family, 0);
	assert_memory_equal(x->peer.addr, zero, 16);
	assert_string_equal(x->path, "_overflow");
	assert_false(x->path_truncated);
	assert_int_equal(x->count, count);
}

static void test_overflow_at_limit(void **state)
{
	enum { MAX = 16, ORDINARY = MAX - 3 };
	struct se_http_groups g;
	char path[32];
	struct se_http_request r;

	se_http_groups_init(&g, MAX);
	assert_int_equal(g.max_groups, MAX);
	for (unsigned int i = 0; i < ORDINARY; i++) {
		path_of(path, sizeof(path), i);
		r = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, path);
		add_ok(&g, &r);
	}
	assert_int_equal(g.n, ORDINARY);
	assert_int_equal(g.overflowed, 0);

	/* One more key: the server overflow group. */
	path_of(path, sizeof(path), 100);
	r = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, path);
	r.trace.source = SE_TRACE_W3C;
	add_ok(&g, &r);
	assert_int_equal(g.n, ORDINARY + 1);
	assert_int_equal(g.overflowed, 1);
	assert_null(group_of(&g, &r));
	check_overflow_group(overflow_of(&g, SE_ROLE_SERVER), SE_ROLE_SERVER, 1);
	assert_int_equal(overflow_of(&g, SE_ROLE_SERVER)->traced, 1);

	/* Known keys still go to their own groups. */
	path_of(path, sizeof(path), 0);
	r = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, path);
	add_ok(&g, &r);
	assert_int_equal(group_of(&g, &r)->count, 2);

	/* A client key: the client's own overflow group. */
	r = req(SE_ROLE_CLIENT, SE_HTTP_POST, 500, 9, "/c");
	r.request_body_bytes = 5000;
	add_ok(&g, &r);
	add_ok(&g, &r);
	assert_int_equal(g.n, ORDINARY + 2);
	check_overflow_group(overflow_of(&g, SE_ROLE_CLIENT), SE_ROLE_CLIENT, 2);
	assert_int_equal(overflow_of(&g, SE_ROLE_CLIENT)->request_body.sum, 10000);

	/* More new server keys: the same overflow group. */
	for (unsigned int i = 200; i < 210; i++) {
		path_of(path, sizeof(path), i);
		r = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, path);
		add_ok(&g, &r);
	}
	check_overflow_group(overflow_of(&g, SE_ROLE_SERVER), SE_ROLE_SERVER, 11);

	/* The third role fills the table exactly to its limit, and no further. */
	r = req(SE_ROLE_UNKNOWN, SE_HTTP_GET, 200, 1, "/u");
	add_ok(&g, &r);
	assert_int_equal(g.n, MAX);
	check_overflow_group(overflow_of(&g, SE_ROLE_UNKNOWN), SE_ROLE_UNKNOWN, 1);
	assert_int_equal(g.overflowed, 11 + 2 + 1);
	assert_int_equal(g.alloc_failures, 0);
	assert_table_sane(&g);
	se_http_groups_fini(&g);
}

/* Limits too small to hold the overflow groups are raised to hold them and one more. */
static void test_tiny_limit(void **state)
{
	struct se_http_groups g;
	struct se_http_request r;

	se_http_groups_init(&g, 0);
	assert_int_equal(g.max_groups, 4);
	r = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, "/first");
	add_ok(&g, &r);
	r.path = "/second";
	r.path_len = 7;
	add_ok(&g, &r);
	for (uint8_t role = 0; role < 3; role++) {
		r.role = role;
		add_ok(&g, &r);
	}
	assert_int_equal(g.n, 4); /* "/first" and the three overflow groups */
	assert_int_equal(g.overflowed, 4);
	assert_table_sane(&g);
	se_http_groups_fini(&g);
}

/* ---- merge -------------------------------------------------------------------------------- */

static void test_merge_overlap(void **state)
{
	struct se_http_groups a, b, b_copy_groups;
	struct se_http_request shared = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, "/shared");
	struct se_http_request only_a = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, "/a");
	struct se_http_request only_b = req(SE_ROLE_CLIENT, SE_HTTP_PUT, 201, 2, "/b");
	const struct se_http_group *x;
	struct se_http_group *saved;

	se_http_groups_init(&a, 64);
	se_http_groups_init(&b, 64);
	add_ok(&a, &only_a);
	add_ok(&a, &shared); /* 2 ms */
	shared.end_ns = shared.start_ns + 700 * SE_NS_PER_MS;
	shared.request_body_bytes = 123;
	shared.trace.source = SE_TRACE_W3C;
	add_ok(&b, &shared);
	add_ok(&b, &shared);
	add_ok(&b, &only_b);
	b.alloc_failures = 5; /* as if b had lost requests */
	b_copy_groups = b;
	saved = malloc(b.n * sizeof(*saved));
	assert_non_null(saved);
	memcpy(saved, b.groups, b.n * sizeof(*saved));

	assert_int_equal(se_http_groups_merge(&a, &b), 0);
	/* src untouched */
	assert_memory_equal(&b, &b_copy_groups, sizeof(b));
	assert_memory_equal(b.groups, saved, b.n * sizeof(*saved));
	free(saved);

	assert_int_equal(a.n, 3);
	x = group_of(&a, &shared);
	assert_ptr_equal(x, &a.groups[1]);
	assert_int_equal(x->count, 3);
	assert_int_equal(x->traced, 2);
	assert_int_equal(x->duration.sum, 2 * SE_NS_PER_MS + 1400 * SE_NS_PER_MS);
	assert_int_equal(x->duration.min, 2 * SE_NS_PER_MS);
	assert_int_equal(x->duration.max, 700 * SE_NS_PER_MS);
	assert_int_equal(x->duration.counts[1], 1);
	assert_int_equal(x->duration.counts[8], 2); /* (500, 1000] */
	assert_int_equal(x->request_body.sum, 246);
	assert_int_equal(group_of(&a, &only_a)->count, 1);
	x = group_of(&a, &only_b);
	assert_ptr_equal(x, &a.groups[2]);
	assert_int_equal(x->count, 1);
	assert_int_equal(a.alloc_failures, 5);
	assert_int_equal(a.overflowed, 0);
	assert_table_sane(&a);

	/* Merging into an empty table gives the same groups; merging empty adds nothing. */
	{
		struct se_http_groups c, empty;

		se_http_groups_init(&c, 64);
		se_http_groups_init(&empty, 64);
		assert_int_equal(se_http_groups_merge(&c, &a), 0);
		assert_int_equal(se_http_groups_merge(&c, &empty), 0);
		assert_int_equal(c.n, a.n);
		for (uint32_t i = 0; i < a.n; i++) {
			assert_int_equal(c.groups[i].count, a.groups[i].count);
			assert_memory_equal(&c.groups[i].duration, &a.groups[i].duration,
					    sizeof(a.groups[i].duration));
			assert_int_equal(c.groups[i].hash, a.groups[i].hash);
		}
		assert_int_equal(c.alloc_failures, 5);
		/* and a lookup in the merged table finds them (the hash carried over) */
		add_ok(&c, &only_b);
		assert_int_equal(c.n, 3);
		assert_int_equal(group_of(&c, &only_b)->count, 2);
		se_http_groups_fini(&c);
		se_http_groups_fini(&empty);
	}
	se_http_groups_fini(&a);
	se_http_groups_fini(&b);
}

/* dst's limit applies: new keys past it go to dst's overflow groups and count as overflowed;
 * src's overflow groups go into dst's, their requests counted once. */
static void test_merge_overflow(void **state)
{
	enum { MAX = 16, ORDINARY = MAX - 3 };
	struct se_http_groups dst, src;
	char path[32];
	struct se_http_request r;

	se_http_groups_init(&dst, MAX);
	se_http_groups_init(&src, MAX);
	for (unsigned int i = 0; i < ORDINARY; i++) {
		path_of(path, sizeof(path), i);
		r = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, path);
		add_ok(&dst, &r);
	}
	/* src: 5 keys dst has, 8 it lacks, then its own overflow (server 2, client 1) */
	for (unsigned int i = ORDINARY - 5; i < ORDINARY + 8; i++) {
		path_of(path, sizeof(path), i);
		r = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, path);
		add_ok(&src, &r);
		add_ok(&src, &r); /* count 2 each */
	}
	assert_int_equal(src.n, ORDINARY);
	r = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, "/src-over");
	add_ok(&src, &r);
	add_ok(&src, &r);
	r = req(SE_ROLE_CLIENT, SE_HTTP_GET, 200, 1, "/src-over");
	add_ok(&src, &r);
	assert_int_equal(src.overflowed, 3);
	src.alloc_failures = 4;
	dst.alloc_failures = 1;

	assert_int_equal(se_http_groups_merge(&dst, &src), 0);
	assert_int_equal(dst.n, ORDINARY + 2);
	for (unsigned int i = ORDINARY - 5; i < ORDINARY; i++) {
		path_of(path, sizeof(path), i);
		r = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, path);
		assert_int_equal(group_of(&dst, &r)->count, 3);
	}
	/* 8 lacking keys x 2 requests, plus src's own 2 */
	check_overflow_group(overflow_of(&dst, SE_ROLE_SERVER), SE_ROLE_SERVER, 16 + 2);
	check_overflow_group(overflow_of(&dst, SE_ROLE_CLIENT), SE_ROLE_CLIENT, 1);
	assert_int_equal(dst.overflowed, 16 + 3);
	assert_int_equal(dst.alloc_failures, 5);
	assert_table_sane(&dst);

	/* The same merge again: everything lands in existing groups. */
	assert_int_equal(se_http_groups_merge(&dst, &src), 0);
	assert_int_equal(dst.n, ORDINARY + 2);
	assert_int_equal(dst.overflowed, 2 * (16 + 3));
	assert_table_sane(&dst);
	se_http_groups_fini(&dst);
	se_http_groups_fini(&src);
}

/* A merged destination with a smaller limit than the source overflows too. */
/* Running totals: merge_series stamps the series it counts into; expire frees the room of
 * those not seen since, keeps those the next window counts into, and leaves a sane table in
 * which an ended key starts a new series. */
static void test_series_expire_and_start_again(void **state)
{
	enum { MAX = 16, W = 1000 };
	struct se_http_groups dst, win1, win2;
	struct se_http_request r0, fresh = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, "/new");
	const struct se_http_group *x;
	char path[32];

	se_http_groups_init(&dst, MAX);
	se_http_groups_init(&win1, 64);
	se_http_groups_init(&win2, 64);
	for (unsigned int i = 0; i < 30; i++) {
		path_of(path, sizeof(path), i);
		r0 = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, path);
		add_ok(&win1, &r0);
	}
	assert_int_equal(se_http_groups_merge_series(&dst, &win1, W, 2 * W), 0);
	assert_int_equal(dst.n, MAX - 2); /* 13 ordinary and the server overflow group */
	assert_true(dst.overflowed > 0);
	for (uint32_t i = 0; i < dst.n; i++) {
		assert_int_equal(dst.groups[i].series_start_ns, W);
		assert_int_equal(dst.groups[i].series_seen_ns, 2 * W);
	}
	path_of(path, sizeof(path), 0);
	r0 = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, path);
	add_ok(&win2, &r0);
	add_ok(&win2, &fresh);
	/* nothing seen after 2W: all go but path 0, which the next window counts into */
	assert_int_equal(se_http_groups_expire(&dst, 2 * W, &win2), MAX - 3);
	assert_int_equal(dst.n, 1);
	assert_int_equal(dst.overflowed, 0);
	assert_table_sane(&dst);
	assert_non_null(group_of(&dst, &r0));
	/* seen later than the threshold: kept whatever keep holds */
	assert_int_equal(se_http_groups_expire(&dst, 2 * W - 1, &win1), 0);
	assert_int_equal(se_http_groups_merge_series(&dst, &win2, 2 * W, 3 * W), 0);
	assert_table_sane(&dst);
	x = group_of(&dst, &r0);
	assert_non_null(x);
	assert_int_equal(x->count, 2);
	assert_int_equal(x->series_start_ns, W);
	assert_int_equal(x->series_seen_ns, 3 * W);
	x = group_of(&dst, &fresh);
	assert_non_null(x);
	assert_int_equal(x->count, 1);
	assert_int_equal(x->series_start_ns, 2 * W);
	/* a plain merge (a window's table) stamps nothing */
	assert_int_equal(se_http_groups_merge(&win1, &win2), 0);
	for (uint32_t i = 0; i < win1.n; i++)
		assert_int_equal(win1.groups[i].series_seen_ns, 0);
	se_http_groups_fini(&dst);
	se_http_groups_fini(&win1);
	se_http_groups_fini(&win2);
}

static void test_merge_into_smaller_limit(void **state)
{
	struct se_http_groups dst, src;
	char path[32];
	struct se_http_request r;

	se_http_groups_init(&dst, 8); /* 5 ordinary */
	se_http_groups_init(&src, 64);
	for (unsigned int i = 0; i < 20; i++) {
		path_of(path, sizeof(path), i);
		r = req(i % 2 ? SE_ROLE_CLIENT : SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, path);
		add_ok(&src, &r);
	}
	assert_int_equal(se_http_groups_merge(&dst, &src), 0);
	assert_int_equal(dst.n, 7);
	assert_int_equal(dst.overflowed, 15);
	assert_int_equal(overflow_of(&dst, SE_ROLE_SERVER)->count +
			     overflow_of(&dst, SE_ROLE_CLIENT)->count,
			 15);
	assert_table_sane(&dst);
	se_http_groups_fini(&dst);
	se_http_groups_fini(&src);
}

/* ---- growth ------------------------------------------------------------------------------- */

static void test_many_groups_grow_index(void **state)
{
	enum { N = 5000, MAX = 4096 };
	struct se_http_groups g;
	char path[32];
	struct se_http_request r;
	uint32_t last_cap = 0, growths = 0;

	se_http_groups_init(&g, 1u << 20);
	for (unsigned int i = 0; i < N; i++) {
		path_of(path, sizeof(path), i);
		r = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, (uint8_t)i, path);
		add_ok(&g, &r);
		if (g.cap != last_cap) {
			assert_true(g.cap == 16 || g.cap == 2 * last_cap); /* geometric */
			last_cap = g.cap;
			growths++;
		}
	}
	assert_int_equal(g.n, N);
	assert_true(growths >= 9); /* 16 .. 8192 */
	assert_table_sane(&g);
	/* Every key found again after all those rehashes: counts go to 2, no new group. */
	for (unsigned int i = 0; i < N; i++) {
		path_of(path, sizeof(path), i);
		r = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, (uint8_t)i, path);
		add_ok(&g, &r);
	}
	assert_int_equal(g.n, N);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(g.groups[i].count, 2);
	se_http_groups_fini(&g);

	/* With a limit that is not a power of two: the array stops exactly at it, then adding
	 * (new keys included) never allocates again. */
	se_http_groups_init(&g, MAX - 1);
	for (unsigned int i = 0; i < MAX; i++) {
		path_of(path, sizeof(path), i);
		r = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, path);
		add_ok(&g, &r);
	}
	r.role = SE_ROLE_CLIENT;
	add_ok(&g, &r);
	r.role = SE_ROLE_UNKNOWN;
	add_ok(&g, &r); /* n == max now */
	assert_int_equal(g.n, MAX - 1);
	assert_int_equal(g.cap, MAX - 1);
	allocs = 0;
	for (unsigned int i = 0; i < 1000; i++) {
		path_of(path, sizeof(path), 100000 + i);
		r = req((uint8_t)(i % 3), SE_HTTP_GET, 200, 1, path);
		add_ok(&g, &r);
	}
	assert_int_equal(allocs, 0);
	assert_int_equal(g.n, MAX - 1);
	assert_table_sane(&g);
	se_http_groups_fini(&g);
}

/* ---- allocation failures ------------------------------------------------------------------ */

static void add_path(struct se_http_groups *g, uint8_t role, unsigned int i)
{
	char path[32];
	struct se_http_request r;

	path_of(path, sizeof(path), i);
	r = req(role, SE_HTTP_GET, 200, 1, path);
	add_ok(g, &r);
}

static int add_path_ret(struct se_http_groups *g, unsigned int i)
{
	char path[32];
	struct se_http_request r;

	path_of(path, sizeof(path), i);
	r = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, path);
	return se_http_groups_add(g, &r);
}

static uint64_t count_of_path(const struct se_http_groups *g, unsigned int i)
{
	char path[32];
	struct se_http_request r;
	const struct se_http_group *x;

	path_of(path, sizeof(path), i);
	r = req(SE_ROLE_SERVER, SE_HTTP_GET, 200, 1, path);
	x = group_of(g, &r);
	return x ? x->count : 0;
}

/* The first request: the index (calloc) fails, or the index passes and the array (realloc)
 * fails; either way nothing is kept (ASan's leak check would see a lost index). */
static void test_alloc_first_request(void **state)
{
	struct se_http_groups g;

	se_http_groups_init(&g, 64);
	allocs = 0;
	add_path(&g, SE_ROLE_SERVER, 0);
	assert_int_equal(allocs, 2); /* index, array: what the cases below fail */
	se_http_groups_fini(&g);

	se_http_groups_init(&g, 64);
	fail_allocs = 1;
	assert_int_equal(add_path_ret(&g, 0), -ENOMEM);
	assert_int_equal(g.alloc_failures, 1);
	assert_int_equal(g.n, 0);
	assert_null(g.index);
	assert_null(g.groups);

	pass_allocs = 1;
	fail_allocs = 1;
	assert_int_equal(add_path_ret(&g, 0), -ENOMEM);
	assert_int_equal(fail_allocs, 0);
	assert_int_equal(g.alloc_failures, 2);
	assert_int_equal(g.n, 0);
	assert_null(g.index);
	assert_null(g.groups);

	add_path(&g, SE_ROLE_SERVER, 0); /* memory back */
	assert_int_equal(g.n, 1);
	assert_table_sane(&g);
	se_http_groups_fini(&g);
}

/* Growth from 16 to 32 fails (either allocation): the 17th key is lost, the table is as it
 * was, the known keys still count, and the next try grows it. */
static void test_alloc_growth(void **state)
{
	struct se_http_groups g;
	uint32_t *index;
	struct se_http_group *groups;

	se_http_groups_init(&g, 64);
	for (unsigned int i = 0; i < 16; i++)
		add_path(&g, SE_ROLE_SERVER, i);
	assert_int_equal(g.cap, 16);
	index = g.index;
	groups = g.groups;

	for (unsigned int pass = 0; pass < 2; pass++) {
		pass_allocs = pass; /* 0: the index fails; 1: the index passes, the array fails */
		fail_allocs = 1;
		assert_int_equal(add_path_ret(&g, 16), -ENOMEM);
		assert_int_equal(fail_allocs, 0);
		assert_int_equal(g.alloc_failures, pass + 1);
		assert_int_equal(g.n, 16);
		assert_int_equal(g.cap, 16);
		assert_ptr_equal(g.index, index);
		assert_ptr_equal(g.groups, groups);
		assert_int_equal(g.index_mask, 31);
		assert_table_sane(&g);
	}
	add_path(&g, SE_ROLE_SERVER, 3); /* no allocation needed */
	assert_int_equal(count_of_path(&g, 3), 2);
	add_path(&g, SE_ROLE_SERVER, 16);
	assert_int_equal(g.n, 17);
	assert_int_equal(g.cap, 32);
	assert_int_equal(g.index_mask, 63);
	for (unsigned int i = 0; i < 17; i++)
		assert_int_equal(count_of_path(&g, i), i == 3 ? 2 : 1);
	assert_table_sane(&g);
	se_http_groups_fini(&g);
}

/* A merge that cannot grow: each src group that needed a new group is lost, counted by its
 * requests; the others still merge, and the merge reports -ENOMEM. */
static void test_alloc_merge(void **state)
{
	struct se_http_groups g, src;

	se_http_groups_init(&g, 64);
	for (unsigned int i = 0; i < 17; i++)
		add_path(&g, SE_ROLE_SERVER, i); /* n 17, cap 32 */
	se_http_groups_init(&src, 64);
	for (unsigned int i = 10; i < 40; i++) {
		add_path(&src, SE_ROLE_SERVER, i);
		add_path(&src, SE_ROLE_SERVER, i);
	}
	src.alloc_failures = 7;
	g.alloc_failures = 1;
	fail_allocs = 1000;
	assert_int_equal(se_http_groups_merge(&g, &src), -ENOMEM);
	fail_allocs = 0;
	/* 10..16 merged into existing groups; 17..31 created in the room left (n 17 -> 32);
	 * 32..39 lost: 8 groups of 2 requests */
	assert_int_equal(g.n, 32);
	assert_int_equal(g.alloc_failures, 1 + 8 * 2 + 7);
	for (unsigned int i = 0; i < 40; i++)
		assert_int_equal(count_of_path(&g, i), i < 10 ? 1 : i < 17 ? 3 : i < 32 ? 2 : 0);
	assert_table_sane(&g);
	se_http_groups_fini(&src);
	se_http_groups_fini(&g);
}

/* The overflow group itself cannot be allocated: the request is lost, not overflowed. */
static void test_alloc_overflow_group(void **state)
{
	struct se_http_groups g;

	se_http_groups_init(&g, 19); /* 16 ordinary: the array is full then, at 16 */
	for (unsigned int i = 0; i < 16; i++)
		add_path(&g, SE_ROLE_SERVER, i);
	assert_int_equal(g.cap, 16);
	fail_allocs = 1;
	assert_int_equal(add_path_ret(&g, 99), -ENOMEM);
	assert_int_equal(g.overflowed, 0);
	assert_int_equal(g.alloc_failures, 1);
	assert_null(overflow_of(&g, SE_ROLE_SERVER));
	assert_table_sane(&g);
	add_path(&g, SE_ROLE_SERVER, 99); /* memory back: overflowed now */
	assert_int_equal(g.cap, 19);
	assert_int_equal(g.overflowed, 1);
	assert_table_sane(&g);
	se_http_groups_fini(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_key_aggregates),
		cmocka_unit_test(test_key_fields_split),
		cmocka_unit_test(test_odd_roles_and_empty_path),
		cmocka_unit_test(test_path_cut),
		cmocka_unit_test(test_overflow_at_limit),
		cmocka_unit_test(test_tiny_limit),
		cmocka_unit_test(test_merge_overlap),
		cmocka_unit_test(test_merge_overflow),
		cmocka_unit_test(test_merge_into_smaller_limit),
		cmocka_unit_test(test_series_expire_and_start_again),
		cmocka_unit_test(test_many_groups_grow_index),
		cmocka_unit_test(test_alloc_first_request),
		cmocka_unit_test(test_alloc_growth),
		cmocka_unit_test(test_alloc_merge),
		cmocka_unit_test(test_alloc_overflow_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

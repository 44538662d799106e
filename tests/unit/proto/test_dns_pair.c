// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Pairing DNS queries and answers, and their groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "proto/dns/counters.h"
#include "proto/dns/dns_pair.h"
#include "sockeye/abi.h"

#define MS 1000000ull

static const struct se_endpoint server = { .family = AF_INET,
					   .port = 53,
					   .addr = { 10, 0, 0, 10 } };

struct fixture {
	struct se_dns_pairing p;
	struct se_dns_groups g;
	uint64_t counters[SE_UC__COUNT];
};

static void fx_init(struct fixture *f, uint32_t max_groups)
{
	memset(f, 0, sizeof(*f));
	se_dns_pairing_init(&f->p);
	se_dns_groups_init(&f->g, max_groups);
	f->p.groups = &f->g;
	f->p.counters = f->counters;
}

static void fx_fini(struct fixture *f)
{
	se_dns_pairing_fini(&f->p);
	se_dns_groups_fini(&f->g);
}

static void msg(struct fixture *f, uint64_t sock, uint64_t ts, bool response, uint16_t id,
		const char *name, uint16_t qtype, uint8_t rcode, bool tc)
{
	struct se_dns_msg m = { .id = id,
				.response = response,
				.truncated = tc,
				.rcode = rcode,
				.qtype = qtype,
				.qclass = 1,
				.qdcount = 1 };
	struct se_dns_origin o = { .socket_id = sock,
				   .ts_ns = ts,
				   .role = SE_ROLE_CLIENT,
				   .transport = SE_DNS_UDP,
				   .server = &server };

	m.name_len = (uint16_t)strlen(name);
	memcpy(m.name, name, m.name_len + 1);
	se_dns_pairing_message(&f->p, &m, &o);
}

static const struct se_dns_group *group(const struct fixture *f, const char *name, uint16_t qtype,
					bool answered)
{
	for (uint32_t i = 0; i < f->g.t.n; i++) {
		const struct se_dns_group *g = se_dns_group_at(&f->g, i);

		if (!strcmp(g->name, name) && g->qtype == qtype && g->answered == answered)
			return g;
	}
	return NULL;
}

static void test_answer_ends_its_query(void **state)
{
	struct fixture f;
	const struct se_dns_group *g;

	(void)state;
	fx_init(&f, 64);
	msg(&f, 1, 100 * MS, false, 7, "svc.test", 1, 0, false);
	assert_int_equal(f.p.pending.n, 1);
	msg(&f, 1, 103 * MS, true, 7, "svc.test", 1, 0, false);
	assert_int_equal(f.p.pending.n, 0);
	g = group(&f, "svc.test", 1, true);
	assert_non_null(g);
	assert_int_equal(g->count, 1);
	assert_int_equal(g->rcode, 0);
	assert_int_equal(g->duration.sum, 3 * MS);
	assert_int_equal(g->role, SE_ROLE_CLIENT);
	assert_int_equal(g->transport, SE_DNS_UDP);
	assert_memory_equal(g->server.addr, server.addr, 16);
	assert_int_equal(g->server.port, 0);
	assert_int_equal(f.counters[SE_UC_DNS_ANSWERED], 1);
	fx_fini(&f);
}

/* glibc sends A and AAAA with one id on one socket: the type tells their answers apart. */
static void test_full_key_pairs_a_and_aaaa(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 64);
	msg(&f, 1, 0, false, 9, "svc.test", 1, 0, false);
	msg(&f, 1, 1 * MS, false, 9, "svc.test", 28, 0, false);
	msg(&f, 2, 1 * MS, false, 9, "svc.test", 1, 0, false); /* another socket, same id */
	msg(&f, 1, 5 * MS, true, 9, "svc.test", 28, 3, false);
	msg(&f, 1, 7 * MS, true, 9, "svc.test", 1, 0, false);
	msg(&f, 2, 9 * MS, true, 9, "svc.test", 1, 0, false);
	assert_int_equal(group(&f, "svc.test", 28, true)->duration.sum, 4 * MS);
	assert_int_equal(group(&f, "svc.test", 28, true)->rcode, 3);
	assert_int_equal(group(&f, "svc.test", 1, true)->count, 2);
	assert_int_equal(group(&f, "svc.test", 1, true)->duration.sum, 7 * MS + 8 * MS);
	assert_int_equal(f.counters[SE_UC_DNS_ANSWERED], 3);
	assert_int_equal(f.counters[SE_UC_DNS_UNPAIRED], 0);
	fx_fini(&f);
}

static void test_first_answer_wins_and_retries_keep_their_start(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 64);
	msg(&f, 1, 0, false, 1, "a.test", 1, 0, false);
	msg(&f, 1, 2 * MS, false, 1, "a.test", 1, 0, false); /* sent again */
	msg(&f, 1, 3 * MS, true, 1, "a.test", 1, 0, false);
	msg(&f, 1, 4 * MS, true, 1, "a.test", 1, 0, false); /* a second answer */
	msg(&f, 1, 5 * MS, true, 2, "b.test", 1, 0, false); /* to nothing asked */
	assert_int_equal(group(&f, "a.test", 1, true)->count, 1);
	assert_int_equal(group(&f, "a.test", 1, true)->duration.sum, 3 * MS);
	assert_int_equal(f.counters[SE_UC_DNS_RETRANSMITS], 1);
	assert_int_equal(f.counters[SE_UC_DNS_UNPAIRED], 2);
	assert_null(group(&f, "b.test", 1, true));
	fx_fini(&f);
}

static void test_unanswered_after_the_timeout_without_rcode(void **state)
{
	struct fixture f;
	const struct se_dns_group *g;

	(void)state;
	fx_init(&f, 64);
	msg(&f, 1, 10 * MS, false, 1, "lost.test", 1, 0, false);
	msg(&f, 1, 20 * MS, false, 2, "late.test", 1, 0, false);
	se_dns_pairing_expire(&f.p, 10 * MS + SE_DNS_ANSWER_TIMEOUT_NS); /* not yet */
	assert_int_equal(f.p.pending.n, 2);
	se_dns_pairing_expire(&f.p, 10 * MS + SE_DNS_ANSWER_TIMEOUT_NS + 1);
	assert_int_equal(f.p.pending.n, 1);
	g = group(&f, "lost.test", 1, false);
	assert_non_null(g);
	assert_int_equal(g->count, 1);
	assert_int_equal(g->rcode, 0);
	assert_false(g->truncated);
	assert_int_equal(g->duration.count, 0);
	assert_int_equal(f.counters[SE_UC_DNS_UNANSWERED], 1);
	/* an answer after its query timed out pairs with nothing */
	msg(&f, 1, 6000 * MS, true, 1, "lost.test", 1, 0, false);
	assert_int_equal(f.counters[SE_UC_DNS_UNPAIRED], 1);
	/* a closed connection's queries end with it */
	se_dns_pairing_drop_socket(&f.p, 2);
	assert_int_equal(f.p.pending.n, 1);
	se_dns_pairing_drop_socket(&f.p, 1);
	assert_int_equal(f.p.pending.n, 0);
	assert_int_equal(group(&f, "late.test", 1, false)->count, 1);
	fx_fini(&f);
}

static void test_truncated_answers_are_their_own_group(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 64);
	msg(&f, 1, 0, false, 1, "big.test", 16, 0, false);
	msg(&f, 1, 1, true, 1, "big.test", 16, 0, true);
	msg(&f, 1, 2, false, 2, "big.test", 16, 0, false);
	msg(&f, 1, 3, true, 2, "big.test", 16, 0, false);
	assert_int_equal(f.g.t.n, 2);
	assert_true(se_dns_group_at(&f.g, 0)->truncated);
	assert_false(se_dns_group_at(&f.g, 1)->truncated);
	fx_fini(&f);
}

static void test_pending_is_bounded(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 64);
	for (uint16_t i = 0; i < SE_DNS_PENDING_MAX + 3; i++)
		msg(&f, 1, 0, false, i, "x.test", 1, 0, false);
	assert_int_equal(f.p.pending.n, SE_DNS_PENDING_MAX);
	assert_int_equal(f.counters[SE_UC_DNS_PENDING_FULL], 3);
	fx_fini(&f);
}

static void test_groups_overflow_and_merge(void **state)
{
	struct fixture f;
	struct se_dns_groups total;
	char name[32];
	const struct se_dns_group *o;

	(void)state;
	fx_init(&f, 10); /* 6 kept for the overflow groups: 4 names */
	for (uint16_t i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "n%u.test", i);
		msg(&f, 1, 0, false, i, name, 1, 0, false);
		msg(&f, 1, 1, true, i, name, 1, 0, false);
	}
	o = group(&f, "_overflow", 0, true);
	assert_non_null(o);
	assert_true(o->overflow);
	assert_int_equal(o->count, 4);
	assert_int_equal(f.g.overflowed, 4);
	assert_int_equal(f.g.t.n, 5);
	/* merged into running totals twice: counts add, the series is seen at the last end */
	se_dns_groups_init(&total, 10);
	assert_int_equal(se_dns_groups_merge(&total, &f.g, 100, 200), 0);
	assert_int_equal(se_dns_groups_merge(&total, &f.g, 200, 300), 0);
	assert_int_equal(total.t.n, 5);
	for (uint32_t i = 0; i < total.t.n; i++) {
		assert_int_equal(se_dns_group_at(&total, i)->count,
				 2 * se_dns_group_at(&f.g, i)->count);
		assert_int_equal(se_dns_group_at(&total, i)->series_start_ns, 100);
		assert_int_equal(se_dns_group_at(&total, i)->series_seen_ns, 300);
	}
	assert_int_equal(total.overflowed, 8);
	/* nothing seen since 300: every series ends, and the overflow count with them */
	struct se_dns_groups empty;

	se_dns_groups_init(&empty, 10);
	assert_int_equal(se_dns_groups_expire(&total, 300, &empty), 5);
	assert_int_equal(total.t.n, 0);
	assert_int_equal(total.overflowed, 0);
	se_dns_groups_fini(&empty);
	se_dns_groups_fini(&total);
	fx_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_ends_its_query),
		cmocka_unit_test(test_full_key_pairs_a_and_aaaa),
		cmocka_unit_test(test_first_answer_wins_and_retries_keep_their_start),
		cmocka_unit_test(test_unanswered_after_the_timeout_without_rcode),
		cmocka_unit_test(test_truncated_answers_are_their_own_group),
		cmocka_unit_test(test_pending_is_bounded),
		cmocka_unit_test(test_groups_overflow_and_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

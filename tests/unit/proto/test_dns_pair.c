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
#include "proto/dns/dns_proto.h"
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
				   .dir = response ? SE_DIR_IN : SE_DIR_OUT,
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

/* A retry or an answer after the wait ends the query unanswered, though no seal came between. */
static void test_the_wait_holds_between_seals(void **state)
{
	struct fixture f;

	(void)state;
	fx_init(&f, 64);
	msg(&f, 1, 1000 * MS, false, 1, "slow.test", 1, 0, false);
	msg(&f, 1, 1000 * MS + SE_DNS_ANSWER_TIMEOUT_NS + 1, false, 1, "slow.test", 1, 0, false);
	assert_int_equal(f.counters[SE_UC_DNS_UNANSWERED], 1);
	assert_int_equal(f.counters[SE_UC_DNS_RETRANSMITS], 0);
	assert_int_equal(f.p.pending.n, 1); /* the retry waits on its own */
	msg(&f, 1, 1002 * MS + SE_DNS_ANSWER_TIMEOUT_NS, true, 1, "slow.test", 1, 0, false);
	assert_int_equal(group(&f, "slow.test", 1, true)->duration.sum, 2 * MS - 1);
	/* an answer past the wait */
	msg(&f, 1, 0, false, 2, "late.test", 1, 0, false);
	msg(&f, 1, SE_DNS_ANSWER_TIMEOUT_NS + 1, true, 2, "late.test", 1, 0, false);
	assert_int_equal(f.counters[SE_UC_DNS_UNANSWERED], 2);
	assert_int_equal(f.counters[SE_UC_DNS_UNPAIRED], 1);
	assert_null(group(&f, "late.test", 1, true));
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

/* svc.test A as a TCP message (length first), a query or its answer. */
static size_t tcp_msg(uint8_t *b, bool answer)
{
	static const uint8_t m[] = { 0, 26,  0x12, 0x34, 0x01, 0x00, 0,	  1,   0,   0, 0, 0, 0, 0,
				     3, 's', 'v',  'c',	 4,    't',  'e', 's', 't', 0, 0, 1, 0, 1 };

	memcpy(b, m, sizeof(m));
	if (answer)
		b[4] |= 0x80;
	return sizeof(m);
}

/* Feed one TCP connection: the query out at offset off, its answer in at offset off. */
static void tcp_exchange(uint64_t *counters, bool midstream, uint64_t off)
{
	struct se_proto_env env = { .counters = counters };
	struct se_endpoint local = { .family = AF_INET }, peer = server;
	struct se_proto_start st = {
		.role = SE_ROLE_CLIENT, .peer = &peer, .local = &local, .midstream = midstream
	};
	void *pw = se_dns_proto.worker_new(&env);
	void *part = se_dns_proto.part_new(64, 0);
	void *conn;
	uint8_t q[32], a[32];
	size_t qn = tcp_msg(q, false), an = tcp_msg(a, true);
	struct se_segment sq = { .offset = off,
				 .len = qn,
				 .ts_ns = 10,
				 .start_ns = 9,
				 .data = q,
				 .captured = (uint32_t)qn };
	struct se_segment sa = { .offset = off,
				 .len = an,
				 .ts_ns = 20,
				 .start_ns = 20,
				 .data = a,
				 .captured = (uint32_t)an };

	assert_non_null(pw);
	assert_non_null(part);
	se_dns_proto.point(pw, (void *[SE_PROTO__COUNT]){ [SE_PROTO_DNS] = part });
	conn = se_dns_proto.conn_new(pw, &st);
	assert_non_null(conn);
	se_dns_proto.on_bytes(pw, conn, SE_DIR_OUT, &sq);
	se_dns_proto.on_bytes(pw, conn, SE_DIR_IN, &sa);
	se_dns_proto.close(pw, conn);
	se_dns_proto.conn_free(pw, conn);
	se_dns_proto.part_free(part);
	se_dns_proto.worker_free(pw);
}

/* Framing starts at a known boundary, or not at all. */
static void test_tcp_framing_starts_at_a_boundary(void **state)
{
	uint64_t c[SE_UC__COUNT];

	(void)state;
	memset(c, 0, sizeof(c));
	tcp_exchange(c, false, 0);
	assert_int_equal(c[SE_UC_DNS_ANSWERED], 1);
	assert_int_equal(c[SE_UC_DNS_TCP_FRAMING], 0);
	/* seen from its start, but the first bytes are lost: a hole, not a boundary */
	memset(c, 0, sizeof(c));
	tcp_exchange(c, false, 5);
	assert_int_equal(c[SE_UC_DNS_ANSWERED], 0);
	assert_int_equal(c[SE_UC_DNS_UNPAIRED], 0);
	assert_int_equal(c[SE_UC_DNS_TCP_FRAMING], 2);
	/* joined mid-stream: where a message starts is not known, nothing is read */
	memset(c, 0, sizeof(c));
	tcp_exchange(c, true, 0);
	assert_int_equal(c[SE_UC_DNS_ANSWERED], 0);
	assert_int_equal(c[SE_UC_DNS_TCP_FRAMING], 2);
}

/* A client that receives a query, or sends an answer, is not paired (a socket on port 53
 * sending its own queries upstream). */
static void test_direction_must_match_the_role(void **state)
{
	struct fixture f;
	struct se_proto_env env;
	uint8_t query[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'x', 0, 0, 1, 0, 1 };
	struct se_datagram d = { .socket_id = 1,
				 .role = SE_ROLE_SERVER,
				 .dir = SE_DIR_OUT,
				 .len = sizeof(query),
				 .captured = sizeof(query),
				 .data = query };
	void *pw, *part;

	(void)state;
	fx_init(&f, 64);
	env.counters = f.counters;
	pw = se_dns_proto.worker_new(&env);
	part = se_dns_proto.part_new(64, 0);
	se_dns_proto.point(pw, (void *[SE_PROTO__COUNT]){ [SE_PROTO_DNS] = part });
	se_dns_proto.on_datagram(pw, &d); /* a server sending a query */
	assert_int_equal(f.counters[SE_UC_DNS_UNSUPPORTED], 1);
	d.dir = SE_DIR_IN; /* received: a query to this server */
	se_dns_proto.on_datagram(pw, &d);
	assert_int_equal(f.counters[SE_UC_DNS_UNSUPPORTED], 1);
	se_dns_proto.sample(pw, (void *[SE_PROTO__COUNT]){ [SE_PROTO_DNS] = part });
	assert_int_equal(((struct se_dns_part *)part)->in_flight, 1);
	se_dns_proto.part_free(part);
	se_dns_proto.worker_free(pw);
	fx_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_ends_its_query),
		cmocka_unit_test(test_full_key_pairs_a_and_aaaa),
		cmocka_unit_test(test_first_answer_wins_and_retries_keep_their_start),
		cmocka_unit_test(test_unanswered_after_the_timeout_without_rcode),
		cmocka_unit_test(test_the_wait_holds_between_seals),
		cmocka_unit_test(test_tcp_framing_starts_at_a_boundary),
		cmocka_unit_test(test_direction_must_match_the_role),
		cmocka_unit_test(test_truncated_answers_are_their_own_group),
		cmocka_unit_test(test_pending_is_bounded),
		cmocka_unit_test(test_groups_overflow_and_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

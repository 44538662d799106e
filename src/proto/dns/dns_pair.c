// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Pairing DNS queries with their answers (see src/proto/dns/dns_pair.h). */
#include "proto/dns/dns_pair.h"

#include <string.h>

#include "proto/dns/counters.h"

struct se_dns_query_key {
	uint64_t socket_id;
	uint16_t id;
	uint16_t qtype;
	uint16_t name_len;
	const char *name;
};

static uint64_t se_dns_query_hash(const struct se_dns_query_key *k)
{
	uint8_t buf[16 + SE_DNS_NAME_MAX];

	memcpy(buf, &k->socket_id, 8);
	memcpy(buf + 8, &k->id, 2);
	memcpy(buf + 10, &k->qtype, 2);
	memcpy(buf + 12, &k->name_len, 2);
	memcpy(buf + 14, k->name, k->name_len);
	return se_group_hash(buf, 14 + (size_t)k->name_len);
}

static bool se_dns_query_equal(const void *entry, const void *key)
{
	const struct se_dns_query *q = entry;
	const struct se_dns_query_key *k = key;

	return q->socket_id == k->socket_id && q->id == k->id && q->qtype == k->qtype &&
	       q->name_len == k->name_len && !memcmp(q->name, k->name, k->name_len);
}

void se_dns_pairing_init(struct se_dns_pairing *p)
{
	memset(p, 0, sizeof(*p));
	se_group_table_init(&p->pending, sizeof(struct se_dns_query), SE_DNS_PENDING_MAX);
}

void se_dns_pairing_fini(struct se_dns_pairing *p)
{
	se_group_table_fini(&p->pending);
}

uint64_t se_dns_pairing_bytes_max(void)
{
	return se_group_table_bytes_max(sizeof(struct se_dns_query), SE_DNS_PENDING_MAX);
}

static void se_dns_pairing_result(struct se_dns_pairing *p, const struct se_dns_query *q,
				  const struct se_dns_msg *answer, uint64_t answer_ts)
{
	struct se_dns_result r = {
		.role = q->role,
		.transport = q->transport,
		.answered = answer != NULL,
		.qtype = q->qtype,
		.server = &q->server,
		.name = q->name,
		.name_len = q->name_len,
		.name_truncated = q->name_truncated,
	};

	if (answer) {
		r.rcode = answer->rcode;
		r.truncated = answer->truncated;
		r.duration_ns = answer_ts > q->ts_ns ? answer_ts - q->ts_ns : 0;
	}
	p->counters[answer ? SE_UC_DNS_ANSWERED : SE_UC_DNS_UNANSWERED]++;
	if (!p->groups || se_dns_groups_add(p->groups, &r))
		p->counters[SE_UC_DNS_ALLOC]++;
}

static void se_dns_pairing_query(struct se_dns_pairing *p, const struct se_dns_msg *m,
				 const struct se_dns_origin *o, const struct se_dns_query_key *k,
				 uint64_t hash)
{
	struct se_dns_query *q;

	if (se_group_table_find(&p->pending, hash, se_dns_query_equal, k)) {
		p->counters[SE_UC_DNS_RETRANSMITS]++;
		return;
	}
	q = se_group_table_insert(&p->pending, hash);
	if (!q) {
		p->counters[se_group_table_full(&p->pending) ? SE_UC_DNS_PENDING_FULL
							     : SE_UC_DNS_ALLOC]++;
		return;
	}
	q->socket_id = o->socket_id;
	q->ts_ns = o->ts_ns;
	q->id = m->id;
	q->qtype = m->qtype;
	q->role = o->role;
	q->transport = o->transport;
	q->name_truncated = m->name_truncated;
	q->name_len = m->name_len;
	q->server.family = o->server->family;
	memcpy(q->server.addr, o->server->addr, sizeof(q->server.addr));
	memcpy(q->name, m->name, m->name_len);
	q->name[m->name_len] = '\0';
}

void se_dns_pairing_message(struct se_dns_pairing *p, const struct se_dns_msg *m,
			    const struct se_dns_origin *o)
{
	struct se_dns_query_key k = {
		.socket_id = o->socket_id,
		.id = m->id,
		.qtype = m->qtype,
		.name_len = m->name_len,
		.name = m->name,
	};
	uint64_t hash = se_dns_query_hash(&k);
	struct se_dns_query *q = se_group_table_find(&p->pending, hash, se_dns_query_equal, &k);

	/* Past its wait, a query is unanswered whenever the seal that times it out comes: a
	 * retry or an answer after that finds nothing waiting. */
	if (q && o->ts_ns > q->ts_ns && o->ts_ns - q->ts_ns > SE_DNS_ANSWER_TIMEOUT_NS) {
		se_dns_pairing_result(p, q, NULL, 0);
		se_group_table_remove(&p->pending, q);
		q = NULL;
	}
	if (!m->response) {
		se_dns_pairing_query(p, m, o, &k, hash);
		return;
	}
	if (!q) {
		p->counters[SE_UC_DNS_UNPAIRED]++;
		return;
	}
	se_dns_pairing_result(p, q, m, o->ts_ns);
	se_group_table_remove(&p->pending, q);
}

struct se_dns_sweep {
	struct se_dns_pairing *p;
	uint64_t before_ns; /* queries sent before this end */
	uint64_t socket_id; /* or on this socket; 0: none */
};

static bool se_dns_query_waits(const void *entry, void *ctx)
{
	const struct se_dns_query *q = entry;
	struct se_dns_sweep *s = ctx;

	if (q->ts_ns >= s->before_ns && (!s->socket_id || q->socket_id != s->socket_id))
		return true;
	se_dns_pairing_result(s->p, q, NULL, 0);
	return false;
}

void se_dns_pairing_expire(struct se_dns_pairing *p, uint64_t now_ns)
{
	struct se_dns_sweep s = { .p = p };

	if (!p->pending.n || now_ns <= SE_DNS_ANSWER_TIMEOUT_NS)
		return;
	s.before_ns = now_ns - SE_DNS_ANSWER_TIMEOUT_NS;
	se_group_table_filter(&p->pending, se_dns_query_waits, &s);
}

void se_dns_pairing_drop_socket(struct se_dns_pairing *p, uint64_t socket_id)
{
	struct se_dns_sweep s = { .p = p, .socket_id = socket_id };

	if (p->pending.n)
		se_group_table_filter(&p->pending, se_dns_query_waits, &s);
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Pairing DNS queries with their answers, per worker. A query waits under its full key
 * (socket, transaction id, question type and name): a transaction id alone collides (16 bits,
 * and some resolvers send the A and AAAA queries of one lookup with the same id). The first
 * answer wins; a second answer finds nothing waiting (dns_unpaired). A query with no answer
 * after SE_DNS_ANSWER_TIMEOUT_NS is aggregated as unanswered, with no response code. A query
 * sent again under the same key (a retry) keeps its first sending's time.
 *
 * Memory: at most SE_DNS_PENDING_MAX queries wait per worker; more are counted
 * (dns_pending_full). Context: one worker.
 */
#ifndef SOCKEYE_DNS_PAIR_H
#define SOCKEYE_DNS_PAIR_H

#include <stdint.h>

#include "proto/dns/dns_groups.h"
#include "proto/dns/dns_msg.h"
#include "util/endpoint.h"
#include "util/group_table.h"

/* glibc's default wait for an answer (resolv.conf "timeout:5"): a resolver that waited no
 * longer has given up on it too. */
#define SE_DNS_ANSWER_TIMEOUT_NS (5ull * 1000000000ull)
#define SE_DNS_PENDING_MAX	 4096

struct se_dns_query {
	uint64_t hash; /* first: util/group_table.h */
	uint64_t socket_id;
	uint64_t ts_ns; /* when it was sent (a client) or received (a server) */
	uint16_t id;
	uint16_t qtype;
	uint8_t role;
	uint8_t transport;
	bool name_truncated;
	uint16_t name_len;
	struct se_endpoint server;
	char name[SE_DNS_NAME_MAX + 1];
};

struct se_dns_pairing {
	struct se_group_table pending; /* of struct se_dns_query */
	struct se_dns_groups *groups;  /* where results go: the current shard's (NULL: lost) */
	uint64_t *counters;	       /* the current shard's */
};

/* Where a message came from: its socket (or connection), and the server's address. */
struct se_dns_origin {
	uint64_t socket_id;
	uint64_t ts_ns;
	uint8_t role; /* enum se_role */
	uint8_t dir;  /* enum se_direction */
	uint8_t transport;
	const struct se_endpoint *server;
};

void se_dns_pairing_init(struct se_dns_pairing *p);
void se_dns_pairing_fini(struct se_dns_pairing *p);
/* The most the pending table holds, for the memory bound. */
uint64_t se_dns_pairing_bytes_max(void);
/* A parsed message: a query waits, an answer ends its query. */
void se_dns_pairing_message(struct se_dns_pairing *p, const struct se_dns_msg *m,
			    const struct se_dns_origin *o);
/* Queries waiting since before now_ns - SE_DNS_ANSWER_TIMEOUT_NS end unanswered. */
void se_dns_pairing_expire(struct se_dns_pairing *p, uint64_t now_ns);
/* The queries still waiting on a socket (a TCP connection that closed) end unanswered. */
void se_dns_pairing_drop_socket(struct se_dns_pairing *p, uint64_t socket_id);

#endif /* SOCKEYE_DNS_PAIR_H */

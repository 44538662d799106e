/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * DNS as a protocol (protocol.h): datagrams of UDP sockets on a DNS port, parsed
 * (dns_msg.h), paired per worker (dns_pair.h), and its part of each window: query groups and
 * the queries waiting for an answer at the edge.
 */
#ifndef SOCKEYE_DNS_PROTO_H
#define SOCKEYE_DNS_PROTO_H

#include <stdint.h>

#include "proto/dns/dns_groups.h"
#include "proto/dns/dns_pair.h"
#include "proto/protocol.h"

extern const struct se_proto_ops se_dns_proto;

/* DNS's part of a shard or window. */
struct se_dns_part {
	struct se_dns_groups dns;
	uint64_t in_flight; /* queries waiting for an answer at the edge (a gauge) */
};

/* A part for reading: an empty one for NULL (memory ran out). */
const struct se_dns_part *se_dns_part_or_empty(const void *part);

/* One worker's. */
struct se_dns_worker {
	const struct se_proto_env *env;
	struct se_dns_pairing pairing;
};

#endif /* SOCKEYE_DNS_PROTO_H */

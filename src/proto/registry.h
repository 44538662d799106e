/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Every protocol sockeye knows, in the order detection tries them (registry.c). */
#ifndef SOCKEYE_REGISTRY_H
#define SOCKEYE_REGISTRY_H

#include "proto/dns/counters.h"
#include "proto/http1/counters.h"
#include "proto/http2/counters.h"
#include "proto/http_counters.h"
#include "proto/protocol.h"

/* Every protocol's counters (util/counter.h): one list per protocol. */
#define SE_PROTOCOL_COUNTERS(X)                                                                    \
	SE_HTTP_COUNTERS(X) SE_HTTP1_COUNTERS(X) SE_DNS_COUNTERS(X) SE_HTTP2_COUNTERS(X)

/* NULL-terminated, in detection order: a more specific protocol comes first. */
extern const struct se_proto_ops *const se_protocols[];

/* The protocol of this id, or NULL (undecided, other). */
const struct se_proto_ops *se_protocol(unsigned int id);

/* Does the protocol parse what it recognises (it has trackers and a part)? */
static inline bool se_protocol_parsed(const struct se_proto_ops *p)
{
	return p && p->conn_new;
}

#endif /* SOCKEYE_REGISTRY_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * HTTP/1.x as a protocol (protocol.h): detection of a request or response head, a tracker per
 * connection (http_track.h), and its part of each window: request groups, spans and the
 * requests in flight.
 */
#ifndef SOCKEYE_HTTP1_PROTO_H
#define SOCKEYE_HTTP1_PROTO_H

#include <stdint.h>

#include "proto/http1/http_groups.h"
#include "proto/http1/http_track.h"
#include "proto/http1/span_buf.h"
#include "proto/protocol.h"

/* Free tracker states a worker keeps for reuse; beyond this they go back to the allocator. */
#define SE_HTTP1_FREE_MAX 1024

extern const struct se_proto_ops se_http1_proto;

/* HTTP/1's part of a shard or window. */
struct se_http1_part {
	struct se_http_groups http;
	struct se_span_buf spans;
	uint64_t active_requests[3]; /* by enum se_role: in flight at the edge (a gauge) */
};

/* The HTTP/1 part among a shard's or window's parts (NULL when memory ran out). */
static inline struct se_http1_part *se_http1_part(void *const *parts)
{
	return parts[SE_PROTO_HTTP1];
}

/* A part for reading: an empty one for NULL (memory ran out). */
const struct se_http1_part *se_http1_part_or_empty(const void *part);

/* The same, among a shard's or window's parts. */
static inline const struct se_http1_part *se_http1_part_of(void *const *parts)
{
	return se_http1_part_or_empty(parts[SE_PROTO_HTTP1]);
}

/* One worker's: where its trackers count, and tracker states kept for reuse. */
struct se_http1_worker {
	struct se_http_sink sink;
	const struct se_proto_env *env;
	struct se_http_conn *free_http; /* a closed connection's state, reused */
	uint32_t nfree_http;
};

#endif /* SOCKEYE_HTTP1_PROTO_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * HTTP/1.x as a protocol (protocol.h): detection of a request or response head, a tracker per
 * connection (http_track.h), and the HTTP part of each window (http_sink.h: request groups,
 * spans and the requests in flight, of every HTTP version), which it owns.
 */
#ifndef SOCKEYE_HTTP1_PROTO_H
#define SOCKEYE_HTTP1_PROTO_H

#include <stdint.h>

#include "proto/http1/http_track.h"
#include "proto/http_sink.h"
#include "proto/protocol.h"

/* Free tracker states a worker keeps for reuse; beyond this they go back to the allocator. */
#define SE_HTTP1_FREE_MAX 1024

extern const struct se_proto_ops se_http1_proto;

/* One worker's: where its trackers count, and tracker states kept for reuse. */
struct se_http1_worker {
	struct se_http_sink sink;
	const struct se_proto_env *env;
	struct se_http_conn *free_http; /* a closed connection's state, reused */
	uint32_t nfree_http;
};

#endif /* SOCKEYE_HTTP1_PROTO_H */

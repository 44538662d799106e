/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * HTTP requests aggregated into groups: one per (role, method, path, status, peer address,
 * protocol, gRPC status, whether fields were unknown),
 * with a count and histograms of duration and request body size. A shard has one table per
 * worker and window; the sender merges them into the window's table.
 *
 * Memory is bounded: a table keeps at most `max_groups` groups; a request that would need
 * one more goes into its role's overflow group (method "_OTHER", path "_overflow", status 0,
 * no peer, overflow flag set) and is counted in `overflowed`. Adding never allocates once the
 * table has grown to its limit, and grows geometrically before that. A table of running totals
 * (cumulative export) frees the room of series no longer seen with se_http_groups_expire.
 *
 * Context: one owner at a time (a worker for a shard's table, the sender for a window's).
 */
#ifndef SOCKEYE_HTTP_GROUPS_H
#define SOCKEYE_HTTP_GROUPS_H

#include <stdbool.h>
#include <stdint.h>

#include "util/endpoint.h"
#include "util/hist.h"
#include "proto/tracectx.h"

/* Bytes of path kept for grouping; longer paths are cut (and flagged). */
#define SE_HTTP_PATH_MAX 255

/* Append-only: which HTTP a request came over (a part of its group's key). */
enum se_http_protocol {
	SE_HTTP_PROTO_1 = 0,	/* HTTP/1.x */
	SE_HTTP_PROTO_2 = 1,	/* HTTP/2 */
	SE_HTTP_PROTO_GRPC = 2, /* gRPC over HTTP/2 */
};

/* "http1", "http2" or "grpc". */
static inline const char *se_http_protocol_name(uint8_t protocol)
{
	return protocol == SE_HTTP_PROTO_2	? "http2"
	       : protocol == SE_HTTP_PROTO_GRPC ? "grpc"
						: "http1";
}

/* A gRPC request's grpc_status when it has none (no trailers, a field that could not be
 * read); other protocols leave grpc_status 0, which is not read. */
#define SE_GRPC_STATUS_NONE (-1)

/* One completed (or abandoned) request, as the tracker hands it to aggregation. */
struct se_http_request {
	uint8_t role;		 /* enum se_role */
	uint8_t method;		 /* enum se_http_method */
	uint16_t status;	 /* 0: no response */
	uint8_t protocol;	 /* enum se_http_protocol */
	int16_t grpc_status;	 /* gRPC's status code, or SE_GRPC_STATUS_NONE (gRPC only) */
	bool fields_unknown;	 /* some fields could not be decoded (HTTP/2's HPACK table was
				  * unknown): they read as _OTHER, "" and 0, never as a guess */
	bool tls;		 /* over TLS, seen through the TLS library */
	struct se_endpoint peer; /* port 0 */
	const char *path; /* view, valid during the call only; valid UTF-8 (sockeye/utf8.h) */
	uint32_t path_len;
	bool path_truncated;
	uint64_t start_ns; /* kernel time of the request's first byte */
	uint64_t end_ns;   /* kernel time of the response's last byte */
	uint64_t request_body_bytes;
	uint64_t response_body_bytes;
	struct se_trace_ctx trace; /* source SE_TRACE_NONE when none came with it */
	bool spanned;		   /* it has a span of its own (span_buf.h) */
};

struct se_http_group {
	/* key */
	uint8_t role;
	uint8_t method;
	uint16_t status;
	uint8_t protocol;
	int16_t grpc_status;
	bool fields_unknown;
	bool tls;
	bool overflow;
	bool path_truncated;
	struct se_endpoint peer; /* port 0; family 0 in the overflow group */
	uint16_t path_len;
	char path[SE_HTTP_PATH_MAX + 1]; /* NUL-terminated for convenience */
	uint64_t hash;
	/* values */
	uint64_t count;
	uint64_t traced;	     /* requests that came with trace context */
	uint64_t spanned;	     /* of which have a span of their own (the rest are
				      * summarised with the untraced ones) */
	struct se_hist duration;     /* ns, se_hist_http_duration */
	struct se_hist request_body; /* bytes, se_hist_http_body_size */
	/* A running total's series (se_http_groups_merge_series): when it started, and the end of
	 * the last window that counted into it. 0 in a window's table. */
	uint64_t series_start_ns;
	uint64_t series_seen_ns;
};

struct se_http_groups {
	struct se_http_group *groups; /* dense, in insertion order */
	uint32_t n;
	uint32_t cap;	     /* allocated entries of groups */
	uint32_t max_groups; /* limit, overflow groups included */
	uint32_t *index;     /* open addressing: slot -> groups index + 1, 0 = empty */
	uint32_t index_mask;
	uint64_t overflowed;	 /* requests in the overflow groups */
	uint64_t alloc_failures; /* requests lost because the table could not grow */
};

void se_http_groups_init(struct se_http_groups *g, uint32_t max_groups);
/* The most a table of max_groups groups holds (groups and index), for the memory bound. */
uint64_t se_http_groups_bytes_max(uint32_t max_groups);
void se_http_groups_fini(struct se_http_groups *g);
/* Count one request. 0, or -ENOMEM (counted in alloc_failures). */
int se_http_groups_add(struct se_http_groups *g, const struct se_http_request *r);
/* Add every group of src into dst (same key rules, same limit). 0 or -ENOMEM. */
int se_http_groups_merge(struct se_http_groups *dst, const struct se_http_groups *src);
/* The same, for running totals: src is the window [start_ns, end_ns), and every group of dst
 * it counts into (an overflow group too) is seen at end_ns; one it creates starts at
 * start_ns. */
int se_http_groups_merge_series(struct se_http_groups *dst, const struct se_http_groups *src,
				uint64_t start_ns, uint64_t end_ns);
/* Remove the groups last seen at or before seen_ns (their series end), but for those with a
 * key in `keep` (the window about to be merged); the others keep their order. Returns how
 * many went. */
uint32_t se_http_groups_expire(struct se_http_groups *g, uint64_t seen_ns,
			       const struct se_http_groups *keep);

#endif /* SOCKEYE_HTTP_GROUPS_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where completed HTTP requests go, whatever the version that carried them: each worker's
 * sink (its current shard's groups and spans, and the requests in flight), and the part of a
 * shard or window that holds them. HTTP/1's protocol owns the part (its part_new, merge and
 * encoders: proto/http1/); HTTP/2's trackers write into the same part, so an HTTP request is
 * grouped, spanned and exported one way (http_groups.h keys groups by protocol).
 *
 * Context: a sink is one worker's; a part has one owner at a time (protocol.h).
 */
#ifndef SOCKEYE_HTTP_SINK_H
#define SOCKEYE_HTTP_SINK_H

#include <stdint.h>

#include "conn/budget.h"
#include "proto/http_groups.h"
#include "proto/proto.h"
#include "proto/protocol.h"
#include "proto/span_buf.h"

/* What a tracker updates: the worker's current shard, and its gauges. */
struct se_http_sink {
	struct se_http_groups *groups; /* the current shard's table (changes at each seal) */
	uint64_t *counters;	       /* the current shard's SE_UC_* counters */
	uint64_t active_requests[3];   /* by enum se_role: in flight now */
	uint64_t rng[4];	       /* trace ids for requests that carry none */
	struct se_span_buf *spans;     /* the current shard's; NULL: spans not kept */
	int64_t real_minus_mono_ns;    /* kernel time to wall-clock time, for spans */
	struct se_budget *budget;      /* the worker's (budget.h); NULL: none */
};

/* A completed request into the sink's groups, and its span when it carries trace context
 * (r->spanned is set here). */
void se_http_sink_record(struct se_http_sink *sink, struct se_http_request *r);

/* The HTTP requests of a shard or window. */
struct se_http_part {
	struct se_http_groups http;
	struct se_span_buf spans;
	uint64_t active_requests[3]; /* by enum se_role: in flight at the edge (a gauge) */
};

/* The HTTP part among a shard's or window's parts (NULL when memory ran out). */
static inline struct se_http_part *se_http_part(void *const *parts)
{
	return parts[SE_PROTO_HTTP1];
}

/* A part for reading: an empty one for NULL (memory ran out). */
const struct se_http_part *se_http_part_or_empty(const void *part);

/* The same, among a shard's or window's parts. */
static inline const struct se_http_part *se_http_part_of(void *const *parts)
{
	return se_http_part_or_empty(parts[SE_PROTO_HTTP1]);
}

/* A worker's sink, for the trackers that share env. */
void se_http_sink_init(struct se_http_sink *sink, const struct se_proto_env *env);
/* Point the sink at a shard's HTTP part (at each seal), which keeps env's span limit. */
void se_http_sink_point(struct se_http_sink *sink, void *const *parts,
			const struct se_proto_env *env);
/* Anything in flight? */
bool se_http_sink_busy(const struct se_http_sink *sink);

#endif /* SOCKEYE_HTTP_SINK_H */

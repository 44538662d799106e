// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Where completed HTTP requests go (see src/proto/http_sink.h). */
#include "proto/http_sink.h"

#include "proto/http_counters.h"
#include "proto/tracectx.h"

void se_http_sink_record(struct se_http_sink *sink, struct se_http_request *r)
{
	if (sink->spans && r->trace.source != SE_TRACE_NONE) { /* a context came with it */
		int ret = se_span_buf_add(sink->spans, r, sink->real_minus_mono_ns, sink->rng);

		r->spanned = ret == 0; /* the others are summarised in their group's span */
		sink->counters[ret == 0	  ? SE_UC_SPANS
			       : ret == 1 ? SE_UC_SPANS_OVER_LIMIT
					  : SE_UC_SPANS_ALLOC]++;
	}
	/* A failed add is counted by the table itself (alloc_failures, exported as a drop). */
	if (!se_http_groups_add(sink->groups, r))
		sink->counters[SE_UC_HTTP_REQUESTS]++;
}

const struct se_http_part *se_http_part_or_empty(const void *part)
{
	static const struct se_http_part empty;

	return part ? part : &empty;
}

void se_http_sink_init(struct se_http_sink *sink, const struct se_proto_env *env)
{
	sink->budget = env->budget;
	sink->real_minus_mono_ns = env->real_minus_mono_ns;
	se_tracectx_seed(sink->rng);
}

void se_http_sink_point(struct se_http_sink *sink, void *const *parts,
			const struct se_proto_env *env)
{
	struct se_http_part *p = se_http_part(parts);

	sink->groups = &p->http;
	sink->counters = env->counters;
	sink->spans = &p->spans;
	p->spans.limit = env->span_limit;
}

bool se_http_sink_busy(const struct se_http_sink *sink)
{
	const uint64_t *active = sink->active_requests;

	return active[SE_ROLE_UNKNOWN] || active[SE_ROLE_SERVER] || active[SE_ROLE_CLIENT];
}

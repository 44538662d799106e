// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Per-window buffers of spans (see src/proto/span_buf.h). Growth is geometric, from 64
 * spans, and stops at the limit, so a buffer costs nothing until traced requests come.
 */
#include "proto/span_buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/tracectx.h"

void se_span_buf_init(struct se_span_buf *b, uint32_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
}

void se_span_buf_fini(struct se_span_buf *b)
{
	free(b->v);
	b->v = NULL;
	b->n = b->cap = 0;
}

/* Room for `more` spans beyond n, within the limit. */
static int se_span_buf_reserve(struct se_span_buf *b, uint32_t more)
{
	uint32_t need = b->n + more, cap = b->cap ? b->cap : 64;
	struct se_span *grown;

	if (need <= b->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	if (cap > b->limit)
		cap = b->limit;
	grown = realloc(b->v, (size_t)cap * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	b->v = grown;
	b->cap = cap;
	return 0;
}

static uint64_t se_span_real(uint64_t mono_ns, int64_t real_minus_mono_ns)
{
	int64_t t = (int64_t)mono_ns + real_minus_mono_ns;

	return t > 0 ? (uint64_t)t : 0;
}

int se_span_buf_add(struct se_span_buf *b, const struct se_http_request *r,
		    int64_t real_minus_mono_ns, uint64_t rng[4])
{
	struct se_span *s;
	uint32_t len = r->path_len > SE_HTTP_PATH_MAX ? SE_HTTP_PATH_MAX : r->path_len;

	if (b->n >= b->limit)
		return 1;
	if (se_span_buf_reserve(b, 1))
		return -ENOMEM;
	s = &b->v[b->n++];
	memcpy(s->trace_id, r->trace.trace_id, sizeof(s->trace_id));
	memcpy(s->parent_span_id, r->trace.span_id, sizeof(s->parent_span_id));
	se_tracectx_span_id(rng, s->span_id);
	s->flags = r->trace.flags;
	s->role = r->role;
	s->method = r->method;
	s->path_truncated = r->path_truncated || len < r->path_len;
	s->status = r->status;
	s->protocol = r->protocol;
	s->tls = r->tls;
	s->grpc_status = r->grpc_status;
	s->peer = r->peer;
	s->start_ns = se_span_real(r->start_ns, real_minus_mono_ns);
	s->end_ns =
	    se_span_real(r->end_ns >= r->start_ns ? r->end_ns : r->start_ns, real_minus_mono_ns);
	s->path_len = (uint16_t)len;
	memcpy(s->path, r->path, len);
	s->path[len] = '\0';
	return 0;
}

int se_span_buf_merge(struct se_span_buf *dst, const struct se_span_buf *src)
{
	uint32_t room = dst->limit > dst->n ? dst->limit - dst->n : 0;
	uint32_t take = src->n < room ? src->n : room;

	if (!take)
		return (int)src->n;
	if (se_span_buf_reserve(dst, take))
		return -ENOMEM;
	memcpy(dst->v + dst->n, src->v, (size_t)take * sizeof(*src->v));
	dst->n += take;
	return (int)(src->n - take);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Shards (a worker's share of a window) and their merge into windows. Counters, records and
 * HTTP groups add up; gauges (active requests, active connections) are summed over the
 * shards of one edge and never carried from one window into another.
 */
#include "agg/window.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http1/counters.h"

struct se_shard *se_shard_new(uint32_t worker, uint64_t start_ns, uint64_t end_ns,
			      uint32_t max_groups)
{
	struct se_shard *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	atomic_init(&s->next, NULL);
	atomic_init(&s->claimed, false);
	s->worker = worker;
	s->start_ns = start_ns;
	s->end_ns = end_ns;
	se_http_groups_init(&s->http, max_groups);
	se_span_buf_init(&s->spans, 0);
	return s;
}

void se_shard_free(struct se_shard *s)
{
	if (!s)
		return;
	free(s->conns);
	se_http_groups_fini(&s->http);
	se_span_buf_fini(&s->spans);
	free(s);
}

static int se_records_append(struct se_conn_record **arr, uint32_t *n, uint32_t *cap,
			     const struct se_conn_record *src, uint32_t count)
{
	if (!count)
		return 0; /* src may be NULL: an empty shard has no array */
	if (*n + count > *cap) {
		uint32_t ncap = *cap ? *cap : 16;
		struct se_conn_record *grown;

		while (ncap < *n + count)
			ncap *= 2;
		grown = realloc(*arr, (size_t)ncap * sizeof(**arr));
		if (!grown)
			return -ENOMEM;
		*arr = grown;
		*cap = ncap;
	}
	memcpy(*arr + *n, src, (size_t)count * sizeof(*src));
	*n += count;
	return 0;
}

int se_shard_add_conn(struct se_shard *s, const struct se_conn_record *r)
{
	return se_records_append(&s->conns, &s->nconns, &s->cap, r, 1);
}

void se_window_init(struct se_window *w, uint64_t start_ns, uint64_t end_ns, uint32_t max_groups)
{
	memset(w, 0, sizeof(*w));
	w->start_ns = start_ns;
	w->end_ns = end_ns;
	se_http_groups_init(&w->http, max_groups);
	se_span_buf_init(&w->spans, UINT32_MAX);
}

void se_window_fini(struct se_window *w)
{
	free(w->conns);
	se_http_groups_fini(&w->http);
	se_span_buf_fini(&w->spans);
	memset(w, 0, sizeof(*w));
}

/*
 * Merge HTTP groups. The merge adds src's overflowed and alloc_failures to w's table, plus
 * whatever this merge itself overflows or loses. The counters get the part not already in
 * them: all of it for a shard (the worker leaves these to the table), only this merge's own
 * for a window (its counters already hold its tables' figures).
 */
static int se_window_merge_http(struct se_window *w, const struct se_http_groups *src,
				bool src_counted)
{
	uint64_t overflowed = w->http.overflowed, failed = w->http.alloc_failures;
	int ret = se_http_groups_merge(&w->http, src);

	overflowed = w->http.overflowed - overflowed;
	failed = w->http.alloc_failures - failed;
	if (src_counted) {
		overflowed -= src->overflowed;
		failed -= src->alloc_failures;
	}
	w->counters[SE_UC_HTTP_GROUP_OVERFLOW] += overflowed;
	w->counters[SE_UC_HTTP_ALLOC] += failed;
	return ret;
}

static int se_window_add_parts(struct se_window *w, const uint64_t counters[SE_UC__COUNT],
			       const struct se_conn_record *recs, uint32_t n,
			       const struct se_http_groups *http, bool http_counted,
			       const struct se_delay_hist *delay, const struct se_span_buf *spans)
{
	int ret, ret2, over;

	se_delay_hist_merge(&w->delay, delay);
	over = se_span_buf_merge(&w->spans, spans);
	if (over < 0)
		w->counters[SE_UC_SPANS_ALLOC] += spans->n; /* ENOMEM: none of them kept */
	else
		w->counters[SE_UC_SPANS_OVER_LIMIT] += (uint64_t)over;
	for (int i = 0; i < SE_UC__COUNT; i++)
		w->counters[i] += counters[i];
	/* A connection lives on one ring, so one worker: records never need combining. */
	ret = se_records_append(&w->conns, &w->nconns, &w->cap, recs, n);
	ret2 = se_window_merge_http(w, http, http_counted);
	return ret ? ret : ret2;
}

int se_window_add(struct se_window *w, const struct se_window *src)
{
	return se_window_add_parts(w, src->counters, src->conns, src->nconns, &src->http, true,
				   &src->delay, &src->spans);
}

int se_window_merge(struct se_window *w, const struct se_shard *s)
{
	if (s->end_ns > w->end_ns)
		w->end_ns = s->end_ns;
	w->shards++;
	for (size_t r = 0; r < sizeof(w->active_requests) / sizeof(w->active_requests[0]); r++)
		w->active_requests[r] += s->active_requests[r];
	w->conns_active += s->conns_active;
	w->buffer_bytes += s->buffer_bytes;
	return se_window_add_parts(w, s->counters, s->conns, s->nconns, &s->http, false, &s->delay,
				   &s->spans);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Shards (a worker's share of a window) and their merge into windows. Counters, records and
 * protocol parts add up; gauges (active connections, each protocol's own) are summed over the
 * shards of one edge and never carried from one window into another.
 */
#include "agg/window.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/registry.h"

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
	for (unsigned int i = 0; se_protocols[i]; i++) {
		const struct se_proto_ops *p = se_protocols[i];

		if (p->part_new && !(s->parts[p->id] = p->part_new(max_groups, 0))) {
			se_shard_free(s);
			return NULL;
		}
	}
	return s;
}

static void se_parts_free(void **parts)
{
	for (unsigned int i = 0; se_protocols[i]; i++) {
		const struct se_proto_ops *p = se_protocols[i];

		if (parts[p->id])
			p->part_free(parts[p->id]);
		parts[p->id] = NULL;
	}
}

void se_shard_free(struct se_shard *s)
{
	if (!s)
		return;
	free(s->conns);
	se_parts_free(s->parts);
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
	w->max_groups = max_groups;
	for (unsigned int i = 0; se_protocols[i]; i++)
		se_window_part(w, se_protocols[i]->id);
}

void *se_window_part(struct se_window *w, unsigned int proto)
{
	const struct se_proto_ops *p = se_protocol(proto);

	if (!w->parts[proto] && p && p->part_new)
		w->parts[proto] = p->part_new(w->max_groups, UINT32_MAX);
	return w->parts[proto];
}

void se_window_fini(struct se_window *w)
{
	free(w->conns);
	se_parts_free(w->parts);
	memset(w, 0, sizeof(*w));
}

/* Each protocol's part of src into w's. A part w cannot make loses what src's held, counted
 * as the protocol counts a dropped window. */
static int se_window_merge_parts(struct se_window *w, void *const *src, bool src_is_shard)
{
	int ret = 0;

	for (unsigned int i = 0; se_protocols[i]; i++) {
		const struct se_proto_ops *p = se_protocols[i];
		void *dst;

		if (!src[p->id])
			continue;
		dst = se_window_part(w, p->id);
		if (!dst) {
			p->count_dropped(src[p->id], w->counters);
			ret = -ENOMEM;
		} else if (p->merge(dst, src[p->id], w->counters, src_is_shard)) {
			ret = -ENOMEM;
		}
	}
	return ret;
}

static void se_window_count(struct se_window *w, const uint64_t counters[SE_UC__COUNT],
			    const struct se_delay_hist *delay)
{
	se_delay_hist_merge(&w->delay, delay);
	for (int i = 0; i < SE_UC__COUNT; i++)
		w->counters[i] += counters[i];
}

void se_window_add_counts(struct se_window *w, const struct se_window *src)
{
	se_window_count(w, src->counters, &src->delay);
}

static int se_window_add_parts(struct se_window *w, const uint64_t counters[SE_UC__COUNT],
			       const struct se_conn_record *recs, uint32_t n, void *const *parts,
			       bool src_is_shard, const struct se_delay_hist *delay)
{
	int ret, ret2;

	se_window_count(w, counters, delay);
	/* A connection lives on one ring, so one worker: records never need combining. */
	ret = se_records_append(&w->conns, &w->nconns, &w->cap, recs, n);
	ret2 = se_window_merge_parts(w, parts, src_is_shard);
	return ret ? ret : ret2;
}

int se_window_add(struct se_window *w, const struct se_window *src)
{
	return se_window_add_parts(w, src->counters, src->conns, src->nconns, src->parts, false,
				   &src->delay);
}

int se_window_merge(struct se_window *w, const struct se_shard *s)
{
	if (s->end_ns > w->end_ns)
		w->end_ns = s->end_ns;
	w->shards++;
	w->conns_active += s->conns_active;
	w->buffer_bytes += s->buffer_bytes;
	return se_window_add_parts(w, s->counters, s->conns, s->nconns, s->parts, true, &s->delay);
}

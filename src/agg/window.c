// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Shards (a worker's share of a window) and their merge into windows. */
#include "sockeye/window.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *const se_user_counter_names[SE_UC__COUNT] = {
	[SE_UC_EVENTS] = "events",
	[SE_UC_STREAM_GAP] = "stream_gap",
	[SE_UC_GAP_BYTES] = "gap_bytes",
	[SE_UC_UNKNOWN_CONN] = "unknown_conn",
	[SE_UC_CONN_TABLE_FULL] = "conn_table_full",
	[SE_UC_BAD_RECORD] = "bad_record",
	[SE_UC_DUPLICATE] = "duplicates",
	[SE_UC_REORDERED] = "reordered",
	[SE_UC_PARK_ALLOC] = "park_alloc",
	[SE_UC_CONNS_OPENED] = "conns_opened",
	[SE_UC_CONNS_CLOSED] = "conns_closed",
	[SE_UC_DEFERRED] = "deferred",
};

bool se_user_counter_is_drop(enum se_user_counter c)
{
	switch (c) {
	case SE_UC_STREAM_GAP:
	case SE_UC_UNKNOWN_CONN:
	case SE_UC_CONN_TABLE_FULL:
	case SE_UC_BAD_RECORD:
	case SE_UC_PARK_ALLOC:
		return true;
	default:
		return false;
	}
}

struct se_shard *se_shard_new(uint32_t worker, uint64_t start_ns, uint64_t end_ns)
{
	struct se_shard *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	cds_wfcq_node_init(&s->node);
	s->worker = worker;
	s->start_ns = start_ns;
	s->end_ns = end_ns;
	return s;
}

void se_shard_free(struct se_shard *s)
{
	if (!s)
		return;
	free(s->conns);
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

void se_window_init(struct se_window *w, uint64_t start_ns, uint64_t end_ns)
{
	memset(w, 0, sizeof(*w));
	w->start_ns = start_ns;
	w->end_ns = end_ns;
}

void se_window_fini(struct se_window *w)
{
	free(w->conns);
	memset(w, 0, sizeof(*w));
}

int se_window_add(struct se_window *w, const uint64_t counters[SE_UC__COUNT],
		  const struct se_conn_record *recs, uint32_t n)
{
	for (int i = 0; i < SE_UC__COUNT; i++)
		w->counters[i] += counters[i];
	/* A connection lives on one ring, so one worker: records never need combining. */
	return se_records_append(&w->conns, &w->nconns, &w->cap, recs, n);
}

int se_window_merge(struct se_window *w, const struct se_shard *s)
{
	if (s->end_ns > w->end_ns)
		w->end_ns = s->end_ns;
	w->shards++;
	return se_window_add(w, s->counters, s->conns, s->nconns);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Per-direction reassembly by offset: see src/conn/stream.h. */
#include "conn/stream.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void se_stream_init(struct se_stream *s, uint64_t first_offset)
{
	memset(s, 0, sizeof(*s));
	s->next = first_offset;
}

void se_stream_fini(struct se_stream *s, struct se_budget *budget)
{
	for (uint32_t i = 0; i < s->npending; i++) {
		se_budget_give(budget, s->pending[i].captured);
		free((void *)s->pending[i].data);
	}
	s->npending = 0;
}

/* Deliver seg from the current position on; seg must start at or before s->next. */
static void se_stream_deliver(struct se_stream *s, const struct se_segment *seg,
			      se_stream_sink_fn sink, void *ctx, struct se_stream_counters *cnt)
{
	uint64_t end = seg->offset + seg->len;
	uint64_t skip;
	struct se_segment out;

	if (end <= s->next) {
		cnt->duplicates++;
		return;
	}
	skip = s->next - seg->offset;
	out = *seg;
	out.offset = s->next;
	out.len = seg->len - skip;
	if (skip >= seg->captured) {
		out.data = NULL;
		out.captured = 0;
	} else {
		out.data = seg->data + skip;
		out.captured = seg->captured - (uint32_t)skip;
	}
	s->next = end;
	sink(ctx, &out);
}

static uint32_t se_stream_lowest_pending(const struct se_stream *s)
{
	uint32_t best = 0;

	for (uint32_t i = 1; i < s->npending; i++)
		if (s->pending[i].offset < s->pending[best].offset)
			best = i;
	return best;
}

static void se_stream_remove_pending(struct se_stream *s, uint32_t i,
				     struct se_stream_counters *cnt)
{
	se_budget_give(cnt->budget, s->pending[i].captured);
	free((void *)s->pending[i].data);
	s->pending[i] = s->pending[--s->npending];
}

/* Deliver parked records that have become contiguous (or are stale duplicates). */
static void se_stream_drain(struct se_stream *s, se_stream_sink_fn sink, void *ctx,
			    struct se_stream_counters *cnt)
{
	while (s->npending) {
		uint32_t i = se_stream_lowest_pending(s);

		if (s->pending[i].offset > s->next)
			return;
		se_stream_deliver(s, &s->pending[i], sink, ctx, cnt);
		se_stream_remove_pending(s, i, cnt);
	}
}

/* Give up on the hole before the lowest parked record and deliver from there. */
static void se_stream_skip_hole(struct se_stream *s, se_stream_sink_fn sink, void *ctx,
				struct se_stream_counters *cnt)
{
	uint32_t i = se_stream_lowest_pending(s);
	uint64_t start = s->pending[i].offset;

	if (start > s->next) {
		cnt->gaps++;
		cnt->gap_bytes += start - s->next;
		s->next = start;
	}
	se_stream_drain(s, sink, ctx, cnt);
}

static void se_stream_park(struct se_stream *s, const struct se_segment *seg,
			   struct se_stream_counters *cnt)
{
	struct se_segment *p = &s->pending[s->npending++];
	uint8_t *copy = NULL;

	*p = *seg;
	if (seg->captured && se_budget_take(cnt->budget, seg->captured)) {
		copy = malloc(seg->captured);
		if (copy) {
			memcpy(copy, seg->data, seg->captured);
		} else {
			se_budget_give(cnt->budget, seg->captured);
			cnt->pending_alloc_failures++;
		}
	}
	p->data = copy;
	p->captured = copy ? seg->captured : 0;
	cnt->reordered++;
}

void se_stream_push(struct se_stream *s, const struct se_segment *seg, se_stream_sink_fn sink,
		    void *ctx, struct se_stream_counters *cnt)
{
	if (!seg->len)
		return;
	if (seg->offset <= s->next) {
		se_stream_deliver(s, seg, sink, ctx, cnt);
		se_stream_drain(s, sink, ctx, cnt);
		return;
	}
	/* Ahead of a missing record: park it; a full parking area turns the hole into a gap. */
	while (s->npending == SE_STREAM_PENDING_MAX) {
		if (seg->offset < s->pending[se_stream_lowest_pending(s)].offset) {
			/* The new record is the earliest we have: only the bytes before it are
			 * lost. */
			cnt->gaps++;
			cnt->gap_bytes += seg->offset - s->next;
			s->next = seg->offset;
			se_stream_deliver(s, seg, sink, ctx, cnt);
			se_stream_drain(s, sink, ctx, cnt);
			return;
		}
		se_stream_skip_hole(s, sink, ctx, cnt);
		if (seg->offset <= s->next) {
			se_stream_deliver(s, seg, sink, ctx, cnt);
			se_stream_drain(s, sink, ctx, cnt);
			return;
		}
	}
	se_stream_park(s, seg, cnt);
}

void se_stream_flush(struct se_stream *s, se_stream_sink_fn sink, void *ctx,
		     struct se_stream_counters *cnt)
{
	while (s->npending)
		se_stream_skip_hole(s, sink, ctx, cnt);
}

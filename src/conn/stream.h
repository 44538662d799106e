/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-direction stream reassembly by byte offset. Every data record carries the offset of
 * its first byte in the connection's direction, so records are delivered in stream order,
 * duplicates and overlaps are trimmed, and holes (a record lost to a full ring) are
 * detected and counted instead of being glued over. Out-of-order records wait in a small
 * bounded set; when it is full, or when the owner flushes, the hole is declared a gap.
 *
 * Context: owned by one worker; no locking. Allocates only to hold out-of-order payload.
 */
#ifndef SOCKEYE_STREAM_H
#define SOCKEYE_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "conn/budget.h"

/* Records parked while an earlier one is missing. Ring pinning keeps reordering rare. */
#define SE_STREAM_PENDING_MAX 4

/* A run of stream bytes: len bytes start at offset; the first `captured` are in data. */
struct se_segment {
	uint64_t offset;
	uint64_t len;
	uint64_t ts_ns;	   /* when the syscall that moved them returned */
	uint64_t start_ns; /* when it began (a send began before its bytes were all out) */
	const uint8_t *data;
	uint32_t captured;
	bool piece; /* continues the record of the segment before: not an event of its own */
};

struct se_stream_counters {
	uint64_t gaps;			 /* holes declared (bytes that never arrived) */
	uint64_t gap_bytes;		 /* their total length */
	uint64_t duplicates;		 /* records entirely already delivered */
	uint64_t reordered;		 /* records that arrived ahead of a missing one */
	uint64_t pending_alloc_failures; /* parked copy failed: payload lost, length kept */
	/* Not a counter: where parked payload is charged (a refusal is counted there, and the
	 * payload is lost, its length kept); NULL: no budget. */
	struct se_budget *budget;
};

struct se_stream {
	uint64_t next; /* offset of the next byte to deliver */
	uint32_t npending;
	struct se_segment pending[SE_STREAM_PENDING_MAX]; /* owns its data */
};

/* Receives the segments in stream order, trimmed so seg->offset == the stream position. */
typedef void (*se_stream_sink_fn)(void *ctx, const struct se_segment *seg);

void se_stream_init(struct se_stream *s, uint64_t first_offset);
/* Free what is parked (its bytes given back to budget). */
void se_stream_fini(struct se_stream *s, struct se_budget *budget);

/* Take one record; delivers whatever becomes contiguous. */
void se_stream_push(struct se_stream *s, const struct se_segment *seg, se_stream_sink_fn sink,
		    void *ctx, struct se_stream_counters *cnt);

/* Stop waiting for missing bytes: deliver every parked record, counting the holes. */
void se_stream_flush(struct se_stream *s, se_stream_sink_fn sink, void *ctx,
		     struct se_stream_counters *cnt);

#endif /* SOCKEYE_STREAM_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for stream reassembly (src/conn/stream.c). The input is a short header and a
 * sequence of 6-byte descriptors, each a push of one segment (offset as a signed delta from the
 * end of the previous one, length, captured fraction) or a flush; see the layout below. Payload
 * bytes are a fixed function of their stream offset rather than input bytes: reassembly never
 * looks at them, and this way the sink can check that every delivered byte is the one that
 * belongs at its offset, which catches any mis-trimmed data pointer.
 *
 * Invariants checked on every delivery and at the end, aborting on the first violation:
 *  - deliveries are never empty, captured <= len, data is NULL exactly when captured is 0;
 *  - each starts where the previous one ended, or after a hole the stream just counted
 *    (gaps +1, gap_bytes + the hole's length); so offsets strictly increase, no byte twice;
 *  - no byte that was pushed is ever declared part of a hole (SE_FUZZ_STREAM_GAP_CHECK);
 *  - after the final flush nothing is parked and the stream reached the furthest byte pushed.
 * The same file builds the libFuzzer binary and, with replay_main.c, the corpus replayer.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "conn/stream.h"

/*
 * Input layout (little endian):
 *   header: u16 first_offset
 *   then, per 6-byte descriptor:
 *     u8  op        op % 8 == 7: flush; otherwise push
 *     s16 delta     offset = previous segment's end + delta, clamped to [0, OFFSET_LIMIT)
 *     u16 len       masked to LEN_MASK
 *     u8  captured  captured = len * captured / 255
 */
#define DESC_SIZE 6
#define OP_FLUSH  7
#define LEN_MASK  0x1fff
/* Offsets stay below this so a bitmap of pushed bytes stays small. */
#define OFFSET_LIMIT   (1u << 18)
#define STREAM_END_MAX (OFFSET_LIMIT + LEN_MASK + 1)

/*
 * A hole must only ever cover bytes that never arrived. Build with -DSE_FUZZ_STREAM_GAP_CHECK=0
 * to fuzz the other invariants while a known violation of this one is being fixed.
 */
#ifndef SE_FUZZ_STREAM_GAP_CHECK
#define SE_FUZZ_STREAM_GAP_CHECK 1
#endif

struct fuzz_state {
	struct se_stream_counters cnt;
	uint64_t expect;    /* end of the last delivery */
	uint64_t gaps_seen; /* counters when the last delivery was checked */
	uint64_t gap_bytes_seen;
	uint8_t pushed[STREAM_END_MAX / 8]; /* bit per stream byte pushed so far */
};

static struct fuzz_state st;
static uint8_t payload[LEN_MASK + 1];

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_stream: %s:%d: invariant failed: %s\n", __FILE__,    \
				__LINE__, #cond);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static uint8_t pattern(uint64_t offset)
{
	return (uint8_t)se_hash_u64(offset);
}

static bool was_pushed(uint64_t o)
{
	return o < STREAM_END_MAX && (st.pushed[o / 8] >> (o % 8) & 1);
}

static void sink(void *ctx, const struct se_segment *seg)
{
	uint64_t hole = st.cnt.gap_bytes - st.gap_bytes_seen;
	uint64_t new_gaps = st.cnt.gaps - st.gaps_seen;

	(void)ctx;
	CHECK(seg->len > 0);
	CHECK(seg->captured <= seg->len);
	CHECK((seg->data == NULL) == (seg->captured == 0));
	/* A delivery follows at most one hole, and the counters describe it exactly. */
	CHECK(new_gaps <= 1);
	CHECK((new_gaps == 1) == (hole > 0));
	CHECK(seg->offset == st.expect + hole);
#if SE_FUZZ_STREAM_GAP_CHECK
	for (uint64_t o = st.expect; o < seg->offset; o++)
		CHECK(!was_pushed(o));
#endif
	for (uint32_t i = 0; i < seg->captured; i++)
		CHECK(seg->data[i] == pattern(seg->offset + i));
	st.expect = seg->offset + seg->len;
	st.gaps_seen = st.cnt.gaps;
	st.gap_bytes_seen = st.cnt.gap_bytes;
}

static void mark_pushed(uint64_t offset, uint64_t len)
{
	for (uint64_t o = offset; o < offset + len; o++)
		st.pushed[o / 8] |= (uint8_t)(1u << (o % 8));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct se_stream s;
	uint64_t first, cursor, furthest;

	if (size < 2)
		return 0;
	memset(&st, 0, sizeof(st));
	first = (uint64_t)data[0] | (uint64_t)data[1] << 8;
	data += 2;
	size -= 2;
	se_stream_init(&s, first);
	st.expect = first;
	cursor = furthest = first;

	for (; size >= DESC_SIZE; data += DESC_SIZE, size -= DESC_SIZE) {
		int16_t delta = (int16_t)(data[1] | data[2] << 8);
		uint64_t len = (uint64_t)(data[3] | data[4] << 8) & LEN_MASK;
		int64_t at = (int64_t)cursor + delta;
		struct se_segment seg;

		if (data[0] % 8 == OP_FLUSH) {
			se_stream_flush(&s, sink, NULL, &st.cnt);
			CHECK(s.npending == 0);
			continue;
		}
		if (at < 0)
			at = 0;
		if (at >= (int64_t)OFFSET_LIMIT)
			at = OFFSET_LIMIT - 1;
		seg.offset = (uint64_t)at;
		seg.len = len;
		seg.ts_ns = 0;
		seg.captured = (uint32_t)(len * data[5] / 255);
		for (uint32_t i = 0; i < seg.captured; i++)
			payload[i] = pattern(seg.offset + i);
		seg.data = seg.captured ? payload : NULL;
		/* What arrived is known before the push: it may not be declared missing. */
		mark_pushed(seg.offset, seg.len);
		se_stream_push(&s, &seg, sink, NULL, &st.cnt);
		/* The caller's buffer is reused at once: the stream must copy what it keeps. */
		memset(payload, 0xa5, seg.captured);
		CHECK(s.npending <= SE_STREAM_PENDING_MAX);
		if (seg.len)
			cursor = seg.offset + seg.len;
		if (cursor > furthest)
			furthest = cursor;
	}

	se_stream_flush(&s, sink, NULL, &st.cnt);
	CHECK(s.npending == 0);
	CHECK(s.next == st.expect);
	CHECK(s.next == furthest);
	se_stream_fini(&s, NULL);
	return 0;
}

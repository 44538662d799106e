// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of per-direction stream reassembly (src/conn/stream.c). A recording sink keeps a
 * copy of every delivered segment and paints the captured bytes into a buffer indexed by stream
 * offset, so each test can check both what was delivered (offset, len, captured, data) and that
 * the reassembled byte stream equals the one that was cut into segments. The payload is a fixed
 * pseudo-random pattern of the offset, so a mis-trimmed data pointer shows up as wrong bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fail_malloc.h"
#include "util/hash.h"
#include "conn/stream.h"

/* Longest stream a test reassembles; the recorder paints into a buffer of this size. */
#define STREAM_MAX 4096
/* Deliveries one test may record (a byte-per-segment split of a short stream fits). */
#define DELIVERIES_MAX 512
/* Bytes of each delivered segment kept for inspection after the sink returns. */
#define KEEP_MAX 512

struct delivery {
	uint64_t offset;
	uint64_t len;
	uint64_t ts_ns;
	uint32_t captured;
	bool data_null;
	uint8_t data[KEEP_MAX];
};

struct recorder {
	uint64_t base; /* stream offset of bytes[0] */
	uint8_t bytes[STREAM_MAX];
	bool painted[STREAM_MAX];
	uint64_t next; /* where the next delivery must start, gaps aside */
	uint64_t gap_bytes_seen;
	uint32_t n;
	struct delivery d[DELIVERIES_MAX];
	struct se_stream_counters *cnt;
};

static uint8_t pattern(uint64_t offset)
{
	return (uint8_t)se_hash_u64(offset);
}

static void fill_pattern(uint8_t *buf, uint64_t offset, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++)
		buf[i] = pattern(offset + i);
}

/*
 * The sink checks what must hold for every delivery, whatever the test: a delivery starts where
 * the previous one ended plus whatever the stream declared a gap in between, it is never empty,
 * and the data pointer is NULL exactly when nothing was captured.
 */
static void record_sink(void *ctx, const struct se_segment *seg)
{
	struct recorder *r = ctx;
	struct delivery *d;

	assert_true(r->n < DELIVERIES_MAX);
	assert_true(seg->len > 0);
	assert_true(seg->captured <= seg->len);
	assert_int_equal(seg->data == NULL, seg->captured == 0);
	assert_int_equal(seg->offset, r->next + (r->cnt->gap_bytes - r->gap_bytes_seen));
	r->gap_bytes_seen = r->cnt->gap_bytes;
	r->next = seg->offset + seg->len;

	d = &r->d[r->n++];
	d->offset = seg->offset;
	d->len = seg->len;
	d->ts_ns = seg->ts_ns;
	d->captured = seg->captured;
	d->data_null = seg->data == NULL;
	if (seg->captured)
		memcpy(d->data, seg->data, seg->captured < KEEP_MAX ? seg->captured : KEEP_MAX);
	for (uint32_t i = 0; i < seg->captured; i++) {
		uint64_t at = seg->offset + i - r->base;

		assert_true(at < STREAM_MAX);
		assert_false(r->painted[at]); /* a byte is delivered at most once */
		r->bytes[at] = seg->data[i];
		r->painted[at] = true;
	}
}

static void recorder_init(struct recorder *r, struct se_stream_counters *cnt, uint64_t base)
{
	memset(r, 0, sizeof(*r));
	memset(cnt, 0, sizeof(*cnt));
	r->base = base;
	r->next = base;
	r->cnt = cnt;
}

/* Every byte of [from, to) was delivered and holds the pattern. */
static void assert_painted(const struct recorder *r, uint64_t from, uint64_t to)
{
	for (uint64_t o = from; o < to; o++) {
		assert_true(r->painted[o - r->base]);
		assert_int_equal(r->bytes[o - r->base], pattern(o));
	}
}

static void assert_delivery(const struct recorder *r, uint32_t i, uint64_t offset, uint64_t len,
			    uint32_t captured)
{
	const struct delivery *d = &r->d[i];

	assert_true(i < r->n);
	assert_int_equal(d->offset, offset);
	assert_int_equal(d->len, len);
	assert_int_equal(d->captured, captured);
	for (uint32_t k = 0; k < captured && k < KEEP_MAX; k++)
		assert_int_equal(d->data[k], pattern(offset + k));
}

/* Push [offset, offset + len) with its first `captured` bytes, taken from the pattern. */
static void push(struct se_stream *s, struct recorder *r, uint64_t offset, uint64_t len,
		 uint32_t captured)
{
	static uint8_t buf[STREAM_MAX];
	struct se_segment seg = {
		.offset = offset,
		.len = len,
		.ts_ns = offset + 1,
		.data = captured ? buf : NULL,
		.captured = captured,
	};

	assert_true(captured <= len && captured <= sizeof(buf));
	fill_pattern(buf, offset, captured);
	se_stream_push(s, &seg, record_sink, r, r->cnt);
	/* The stream must not keep pointers into the caller's buffer: scribble over it. */
	memset(buf, 0xa5, captured);
}

static void flush(struct se_stream *s, struct recorder *r)
{
	se_stream_flush(s, record_sink, r, r->cnt);
}

static void assert_counters(const struct se_stream_counters *c, uint64_t gaps, uint64_t gap_bytes,
			    uint64_t duplicates, uint64_t reordered)
{
	assert_int_equal(c->gaps, gaps);
	assert_int_equal(c->gap_bytes, gap_bytes);
	assert_int_equal(c->duplicates, duplicates);
	assert_int_equal(c->reordered, reordered);
	assert_int_equal(c->pending_alloc_failures, 0);
}

/* ---- in order, out of order ------------------------------------------------------------ */

static void test_in_order(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;

	recorder_init(&r, &cnt, 0);
	se_stream_init(&s, 0);
	push(&s, &r, 0, 10, 10);
	push(&s, &r, 10, 5, 5);
	push(&s, &r, 15, 100, 100);
	assert_int_equal(r.n, 3);
	assert_delivery(&r, 0, 0, 10, 10);
	assert_delivery(&r, 1, 10, 5, 5);
	assert_delivery(&r, 2, 15, 100, 100);
	assert_int_equal(r.d[1].ts_ns, 11); /* the segment's own fields travel with it */
	assert_painted(&r, 0, 115);
	assert_int_equal(s.next, 115);
	assert_int_equal(s.npending, 0);
	assert_counters(&cnt, 0, 0, 0, 0);
	se_stream_fini(&s, NULL);
}

static void test_first_offset_not_zero(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;

	recorder_init(&r, &cnt, 1000);
	se_stream_init(&s, 1000);
	push(&s, &r, 1000, 20, 20);
	push(&s, &r, 1030, 10, 10);
	assert_int_equal(r.n, 1);
	push(&s, &r, 1020, 10, 10);
	assert_int_equal(r.n, 3);
	assert_delivery(&r, 1, 1020, 10, 10);
	assert_delivery(&r, 2, 1030, 10, 10);
	assert_painted(&r, 1000, 1040);
	assert_counters(&cnt, 0, 0, 0, 1);
	se_stream_fini(&s, NULL);
}

static void test_zero_length_ignored(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;

	recorder_init(&r, &cnt, 0);
	se_stream_init(&s, 0);
	push(&s, &r, 0, 0, 0);
	push(&s, &r, 50, 0, 0); /* ahead of the stream, but empty: nothing to park */
	assert_int_equal(r.n, 0);
	assert_int_equal(s.npending, 0);
	assert_int_equal(s.next, 0);
	assert_counters(&cnt, 0, 0, 0, 0);
	se_stream_fini(&s, NULL);
}

static void test_two_reversed(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;

	recorder_init(&r, &cnt, 0);
	se_stream_init(&s, 0);
	push(&s, &r, 10, 10, 10); /* B first: parked */
	assert_int_equal(r.n, 0);
	assert_int_equal(s.npending, 1);
	assert_counters(&cnt, 0, 0, 0, 1);
	push(&s, &r, 0, 10, 10); /* A: delivers A then B */
	assert_int_equal(r.n, 2);
	assert_delivery(&r, 0, 0, 10, 10);
	assert_delivery(&r, 1, 10, 10, 10);
	assert_int_equal(r.d[1].ts_ns, 11); /* B's timestamp survives parking */
	assert_painted(&r, 0, 20);
	assert_int_equal(s.npending, 0);
	assert_counters(&cnt, 0, 0, 0, 1);
	se_stream_fini(&s, NULL);
}

/* Rearranges idx into the next lexicographic permutation; false after the last one. */
static bool next_permutation(unsigned int *idx, unsigned int n)
{
	unsigned int i = n - 1, j = n - 1, t;

	while (i > 0 && idx[i - 1] >= idx[i])
		i--;
	if (i == 0)
		return false;
	while (idx[j] <= idx[i - 1])
		j--;
	t = idx[i - 1];
	idx[i - 1] = idx[j];
	idx[j] = t;
	for (j = n - 1; i < j; i++, j--) {
		t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
	return true;
}

/*
 * Every order of n segments of different lengths (n <= SE_STREAM_PENDING_MAX + 1, so nothing
 * is ever given up) reassembles to the original stream, delivered segment by segment in order.
 */
static void check_all_orders(unsigned int n)
{
	static const uint64_t lens[] = { 7, 1, 30, 12, 5 };
	uint64_t starts[5];
	unsigned int idx[5];
	unsigned int orders = 0;
	uint64_t total = 0;

	assert_true(n <= 5 && n <= SE_STREAM_PENDING_MAX + 1);
	for (unsigned int i = 0; i < n; i++) {
		starts[i] = total;
		total += lens[i];
		idx[i] = i;
	}
	do {
		struct se_stream s;
		struct se_stream_counters cnt;
		static struct recorder r;
		unsigned int expect_reordered = 0, next_seg = 0;
		bool delivered[5] = { false };

		recorder_init(&r, &cnt, 0);
		se_stream_init(&s, 0);
		for (unsigned int k = 0; k < n; k++) {
			unsigned int i = idx[k];

			push(&s, &r, starts[i], lens[i], (uint32_t)lens[i]);
			delivered[i] = true;
			if (i != next_seg) { /* ahead of a missing one: parked */
				expect_reordered++;
				continue;
			}
			while (next_seg < n && delivered[next_seg])
				next_seg++;
		}
		assert_int_equal(r.n, n);
		for (unsigned int i = 0; i < n; i++)
			assert_delivery(&r, i, starts[i], lens[i], (uint32_t)lens[i]);
		assert_painted(&r, 0, total);
		assert_int_equal(s.next, total);
		assert_int_equal(s.npending, 0);
		assert_counters(&cnt, 0, 0, 0, expect_reordered);
		se_stream_fini(&s, NULL);
		orders++;
	} while (next_permutation(idx, n));
	assert_int_equal(orders, n == 3 ? 6 : n == 4 ? 24 : 120);
}

static void test_permutations_of_3(void **state)
{
	check_all_orders(3);
}

static void test_permutations_of_4(void **state)
{
	check_all_orders(4);
}

/* ---- duplicates and overlaps ----------------------------------------------------------- */

static void test_exact_duplicate(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;

	recorder_init(&r, &cnt, 0);
	se_stream_init(&s, 0);
	push(&s, &r, 0, 10, 10);
	push(&s, &r, 0, 10, 10);
	push(&s, &r, 10, 10, 10);
	push(&s, &r, 10, 10, 10);
	push(&s, &r, 3, 4, 4); /* inside what was delivered */
	assert_int_equal(r.n, 2);
	assert_delivery(&r, 0, 0, 10, 10);
	assert_delivery(&r, 1, 10, 10, 10);
	assert_counters(&cnt, 0, 0, 3, 0);
	se_stream_fini(&s, NULL);
}

static void test_partial_overlap_trimmed(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;

	recorder_init(&r, &cnt, 0);
	se_stream_init(&s, 0);
	push(&s, &r, 0, 10, 10);
	push(&s, &r, 5, 10, 10); /* bytes 5..9 again, then 10..14 new */
	assert_int_equal(r.n, 2);
	assert_delivery(&r, 1, 10, 5, 5);
	assert_false(r.d[1].data_null);
	push(&s, &r, 0, 20, 20); /* covers everything so far, and 15..19 */
	assert_int_equal(r.n, 3);
	assert_delivery(&r, 2, 15, 5, 5);
	assert_painted(&r, 0, 20);
	assert_counters(&cnt, 0, 0, 0, 0);
	se_stream_fini(&s, NULL);
}

/* Parked records overlapping each other and the delivered part are trimmed when drained. */
static void test_overlap_among_parked(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;

	recorder_init(&r, &cnt, 0);
	se_stream_init(&s, 0);
	push(&s, &r, 10, 10, 10); /* [10,20) */
	push(&s, &r, 5, 10, 10);  /* [5,15) */
	push(&s, &r, 12, 3, 3);	  /* [12,15): inside both */
	assert_int_equal(s.npending, 3);
	push(&s, &r, 0, 7, 7); /* [0,7): [5,15) then [15,20) follow, [12,15) is stale */
	assert_int_equal(r.n, 3);
	assert_delivery(&r, 0, 0, 7, 7);
	assert_delivery(&r, 1, 7, 8, 8);
	assert_delivery(&r, 2, 15, 5, 5);
	assert_painted(&r, 0, 20);
	assert_int_equal(s.npending, 0);
	assert_counters(&cnt, 0, 0, 1, 3);
	se_stream_fini(&s, NULL);
}

static void test_segment_covering_parked_one(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;

	recorder_init(&r, &cnt, 0);
	se_stream_init(&s, 0);
	push(&s, &r, 10, 10, 10);
	push(&s, &r, 20, 5, 5);
	push(&s, &r, 0, 30, 30); /* everything parked is now behind the stream */
	assert_int_equal(r.n, 1);
	assert_delivery(&r, 0, 0, 30, 30);
	assert_int_equal(s.npending, 0);
	assert_counters(&cnt, 0, 0, 2, 2);
	se_stream_fini(&s, NULL);
}

/* ---- gaps --------------------------------------------------------------------------------- */

/* With the parking area full, the hole before the lowest parked record is given up. */
static void test_gap_when_parking_full(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;
	uint64_t end = 10 * (SE_STREAM_PENDING_MAX + 2);

	recorder_init(&r, &cnt, 0);
	se_stream_init(&s, 0);
	/* [0,10) never arrives; [10,20), [20,30), ... wait. */
	for (unsigned int i = 1; i <= SE_STREAM_PENDING_MAX; i++)
		push(&s, &r, 10 * i, 10, 10);
	assert_int_equal(r.n, 0);
	assert_int_equal(s.npending, SE_STREAM_PENDING_MAX);
	assert_counters(&cnt, 0, 0, 0, SE_STREAM_PENDING_MAX);
	push(&s, &r, end - 10, 10, 10);
	assert_int_equal(r.n, SE_STREAM_PENDING_MAX + 1);
	for (unsigned int i = 0; i <= SE_STREAM_PENDING_MAX; i++)
		assert_delivery(&r, i, 10 * (i + 1), 10, 10);
	assert_painted(&r, 10, end);
	assert_false(r.painted[0]);
	assert_int_equal(s.next, end);
	assert_int_equal(s.npending, 0);
	assert_counters(&cnt, 1, 10, 0, SE_STREAM_PENDING_MAX);
	/* The stream goes on after the gap. */
	push(&s, &r, end, 3, 3);
	assert_delivery(&r, SE_STREAM_PENDING_MAX + 1, end, 3, 3);
	se_stream_fini(&s, NULL);
}

/* Several holes: a full parking area gives up only the first; flush gives up the rest. */
static void test_several_holes(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;
	uint64_t last = 20 * SE_STREAM_PENDING_MAX + 10;

	recorder_init(&r, &cnt, 0);
	se_stream_init(&s, 0);
	/* Present: [10,20), [30,40), [50,60), ...; missing: [0,10), [20,30), [40,50), ... */
	for (unsigned int i = 0; i < SE_STREAM_PENDING_MAX; i++)
		push(&s, &r, 20 * i + 10, 10, 10);
	push(&s, &r, last, 10, 10);
	assert_int_equal(r.n, 1);
	assert_delivery(&r, 0, 10, 10, 10);
	assert_int_equal(s.npending, SE_STREAM_PENDING_MAX);
	assert_counters(&cnt, 1, 10, 0, SE_STREAM_PENDING_MAX + 1);

	flush(&s, &r);
	assert_int_equal(r.n, SE_STREAM_PENDING_MAX + 1);
	for (unsigned int i = 0; i <= SE_STREAM_PENDING_MAX; i++)
		assert_delivery(&r, i, 20 * i + 10, 10, 10);
	assert_int_equal(s.npending, 0);
	assert_int_equal(s.next, last + 10);
	assert_counters(&cnt, SE_STREAM_PENDING_MAX + 1, 10 * (SE_STREAM_PENDING_MAX + 1), 0,
			SE_STREAM_PENDING_MAX + 1);
	se_stream_fini(&s, NULL);
}

static void test_flush(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;

	recorder_init(&r, &cnt, 0);
	se_stream_init(&s, 0);
	flush(&s, &r); /* nothing parked: nothing happens */
	assert_int_equal(r.n, 0);
	assert_counters(&cnt, 0, 0, 0, 0);

	push(&s, &r, 0, 5, 5);
	push(&s, &r, 30, 10, 10);
	push(&s, &r, 10, 10, 10);
	assert_int_equal(r.n, 1);
	flush(&s, &r);
	assert_int_equal(r.n, 3);
	assert_delivery(&r, 1, 10, 10, 10);
	assert_delivery(&r, 2, 30, 10, 10);
	assert_int_equal(s.npending, 0);
	assert_int_equal(s.next, 40);
	assert_counters(&cnt, 2, 15, 0, 2);

	flush(&s, &r); /* idempotent */
	assert_int_equal(r.n, 3);
	/* After a flush the stream continues from where it stopped, trimming as usual. */
	push(&s, &r, 35, 10, 10);
	assert_delivery(&r, 3, 40, 5, 5);
	push(&s, &r, 20, 5, 5); /* a straggler from a hole already given up */
	assert_int_equal(r.n, 4);
	assert_counters(&cnt, 2, 15, 1, 2);
	se_stream_fini(&s, NULL);
}

/*
 * A record arriving when the parking area is full, lower than every parked one, is the first
 * byte after the hole: the hole ends at its offset, and its own bytes are delivered.
 */
static void test_gap_full_parking_lower_arrival(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;
	uint64_t end = 20 + 10 * SE_STREAM_PENDING_MAX;

	recorder_init(&r, &cnt, 0);
	se_stream_init(&s, 0);
	/* [0,10) is lost; [20,30), [30,40), ... are parked; then [10,20) arrives. */
	for (unsigned int i = 0; i < SE_STREAM_PENDING_MAX; i++)
		push(&s, &r, 20 + 10 * i, 10, 10);
	assert_int_equal(s.npending, SE_STREAM_PENDING_MAX);
	push(&s, &r, 10, 10, 10);
	assert_int_equal(s.next, end);
	assert_int_equal(cnt.gaps, 1);
	if (cnt.gap_bytes != 10 || cnt.duplicates)
		fail_msg("gap_bytes %llu (expected 10: only [0,10) never arrived), duplicates %llu "
			 "(expected 0: [10,20) was never delivered before)",
			 (unsigned long long)cnt.gap_bytes, (unsigned long long)cnt.duplicates);
	assert_int_equal(r.n, SE_STREAM_PENDING_MAX + 1);
	assert_delivery(&r, 0, 10, 10, 10);
	assert_painted(&r, 10, end);
	se_stream_fini(&s, NULL);
}

/* ---- truncated payloads (captured < len) ------------------------------------------------- */

static void test_truncated_in_order(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;

	recorder_init(&r, &cnt, 0);
	se_stream_init(&s, 0);
	push(&s, &r, 0, 10, 4);	 /* bytes 0..3 captured */
	push(&s, &r, 10, 10, 0); /* nothing captured (sendfile) */
	assert_int_equal(r.n, 2);
	assert_delivery(&r, 0, 0, 10, 4);
	assert_delivery(&r, 1, 10, 10, 0);
	assert_true(r.d[1].data_null);
	assert_painted(&r, 0, 4);
	assert_false(r.painted[4]);
	assert_int_equal(s.next, 20);
	se_stream_fini(&s, NULL);
}

static void test_truncated_overlap(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;

	recorder_init(&r, &cnt, 0);
	se_stream_init(&s, 0);
	push(&s, &r, 0, 10, 10);
	/* [5,20) with bytes 5..14 captured: 5 overlap, the 5 captured after them stay. */
	push(&s, &r, 5, 15, 10);
	assert_delivery(&r, 1, 10, 10, 5);
	assert_false(r.d[1].data_null);
	/* [18,30) with 18..19 captured: the overlap eats all the captured bytes. */
	push(&s, &r, 18, 12, 2);
	assert_delivery(&r, 2, 20, 10, 0);
	assert_true(r.d[2].data_null);
	/* [25,40) with 25..29 captured: overlap equals captured exactly. */
	push(&s, &r, 25, 15, 5);
	assert_delivery(&r, 3, 30, 10, 0);
	assert_true(r.d[3].data_null);
	assert_painted(&r, 0, 15);
	assert_int_equal(s.next, 40);
	assert_counters(&cnt, 0, 0, 0, 0);
	se_stream_fini(&s, NULL);
}

static void test_truncated_parked_overlap(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;

	recorder_init(&r, &cnt, 0);
	se_stream_init(&s, 0);
	push(&s, &r, 10, 10, 2); /* [10,20), bytes 10..11 captured: parked */
	push(&s, &r, 20, 10, 8); /* [20,30), bytes 20..27 captured: parked */
	push(&s, &r, 0, 23, 23); /* [0,23) covers the first and 3 bytes of the second */
	assert_int_equal(r.n, 2);
	assert_delivery(&r, 0, 0, 23, 23);
	assert_delivery(&r, 1, 23, 7, 5); /* 20..27 captured, from 23 on: 5 bytes */
	assert_painted(&r, 0, 28);
	assert_counters(&cnt, 0, 0, 1, 2);
	se_stream_fini(&s, NULL);
}

/* ---- split at every byte offset --------------------------------------------------------- */

#define SPLIT_LEN 300

static void test_split_every_offset_two_halves(void **state)
{
	for (uint64_t k = 0; k <= SPLIT_LEN; k++) {
		for (int order = 0; order < 2; order++) {
			struct se_stream s;
			struct se_stream_counters cnt;
			static struct recorder r;
			bool reversed = order && k > 0 && k < SPLIT_LEN;

			recorder_init(&r, &cnt, 0);
			se_stream_init(&s, 0);
			if (order) {
				push(&s, &r, k, SPLIT_LEN - k, (uint32_t)(SPLIT_LEN - k));
				push(&s, &r, 0, k, (uint32_t)k);
			} else {
				push(&s, &r, 0, k, (uint32_t)k);
				push(&s, &r, k, SPLIT_LEN - k, (uint32_t)(SPLIT_LEN - k));
			}
			assert_painted(&r, 0, SPLIT_LEN);
			assert_int_equal(r.n, (k > 0) + (k < SPLIT_LEN));
			assert_int_equal(s.next, SPLIT_LEN);
			assert_int_equal(s.npending, 0);
			assert_counters(&cnt, 0, 0, 0, reversed);
			se_stream_fini(&s, NULL);
		}
	}
}

/* Two split points, all six orders of the three pieces. */
#define SPLIT3_LEN 64

static void test_split_every_pair_of_offsets(void **state)
{
	for (uint64_t a = 0; a <= SPLIT3_LEN; a++) {
		for (uint64_t b = a; b <= SPLIT3_LEN; b++) {
			const uint64_t start[3] = { 0, a, b }, end[3] = { a, b, SPLIT3_LEN };
			unsigned int idx[3] = { 0, 1, 2 };

			do {
				struct se_stream s;
				struct se_stream_counters cnt;
				static struct recorder r;

				recorder_init(&r, &cnt, 0);
				se_stream_init(&s, 0);
				for (int k = 0; k < 3; k++) {
					unsigned int i = idx[k];
					uint64_t len = end[i] - start[i];

					push(&s, &r, start[i], len, (uint32_t)len);
				}
				assert_painted(&r, 0, SPLIT3_LEN);
				assert_int_equal(s.next, SPLIT3_LEN);
				assert_int_equal(s.npending, 0);
				assert_int_equal(cnt.gaps, 0);
				assert_int_equal(cnt.duplicates, 0);
				se_stream_fini(&s, NULL);
			} while (next_permutation(idx, 3));
		}
	}
}

/* Overlapping retransmission-like pieces: [0,k+d) then [k,len), both orders, every k. */
static void test_split_every_offset_overlapping(void **state)
{
	const uint64_t overlap = 7;

	for (uint64_t k = 1; k + overlap < SPLIT_LEN; k++) {
		for (int order = 0; order < 2; order++) {
			struct se_stream s;
			struct se_stream_counters cnt;
			static struct recorder r;
			uint64_t first_len = k + overlap;

			recorder_init(&r, &cnt, 0);
			se_stream_init(&s, 0);
			if (order) {
				push(&s, &r, k, SPLIT_LEN - k, (uint32_t)(SPLIT_LEN - k));
				push(&s, &r, 0, first_len, (uint32_t)first_len);
				assert_delivery(&r, 1, first_len, SPLIT_LEN - first_len,
						(uint32_t)(SPLIT_LEN - first_len));
			} else {
				push(&s, &r, 0, first_len, (uint32_t)first_len);
				push(&s, &r, k, SPLIT_LEN - k, (uint32_t)(SPLIT_LEN - k));
				assert_delivery(&r, 1, first_len, SPLIT_LEN - first_len,
						(uint32_t)(SPLIT_LEN - first_len));
			}
			assert_int_equal(r.n, 2);
			assert_painted(&r, 0, SPLIT_LEN);
			assert_counters(&cnt, 0, 0, 0, order);
			se_stream_fini(&s, NULL);
		}
	}
}

/* ---- ownership of parked copies ---------------------------------------------------------- */

/* Parked payload is copied; fini frees it (ASan's leak check fails this test if it does not). */
static void test_fini_frees_parked(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;

	recorder_init(&r, &cnt, 0);
	se_stream_init(&s, 0);
	for (unsigned int i = 1; i <= SE_STREAM_PENDING_MAX; i++)
		push(&s, &r, 100 * i, 50, 50);
	assert_int_equal(s.npending, SE_STREAM_PENDING_MAX);
	assert_int_equal(r.n, 0);
	se_stream_fini(&s, NULL);
	assert_int_equal(s.npending, 0);
	se_stream_fini(&s, NULL); /* twice is harmless */

	/* fini of a stream that never parked anything */
	se_stream_init(&s, 7);
	se_stream_fini(&s, NULL);
}

/* Parked payload is charged to the budget: past its limit the payload of a parked record is
 * refused (counted there, not as an allocation failure) and only its length kept; what is
 * delivered or freed goes back. */
static void test_park_within_budget(void **state)
{
	struct se_stream s, t;
	struct se_stream_counters cnt;
	struct se_budget b = { .limit = 25 };
	static struct recorder r;

	recorder_init(&r, &cnt, 0);
	cnt.budget = &b;
	se_stream_init(&s, 0);
	push(&s, &r, 10, 10, 10); /* parked: 10 of 25 */
	push(&s, &r, 20, 10, 10); /* parked: 20 of 25 */
	assert_int_equal(b.used, 20);
	push(&s, &r, 30, 10, 10); /* 30 would pass 25: refused, length kept */
	assert_int_equal(b.used, 20);
	assert_int_equal(b.refused, 1);
	assert_int_equal(cnt.pending_alloc_failures, 0);
	push(&s, &r, 0, 10, 10); /* the hole fills: everything delivered, in order */
	assert_int_equal(r.n, 4);
	assert_painted(&r, 0, 30);
	assert_int_equal(r.d[3].offset, 30);
	assert_int_equal(r.d[3].len, 10);
	assert_true(r.d[3].data_null);
	assert_int_equal(b.used, 0);
	/* what a stream still parks when it is freed goes back too */
	se_stream_init(&t, 0);
	push(&t, &r, 5, 5, 5);
	assert_int_equal(b.used, 5);
	se_stream_fini(&t, &b);
	assert_int_equal(b.used, 0);
	se_stream_fini(&s, &b);
}

/* Records whose payload could not be copied keep their length: only the bytes are lost. */

static void test_park_alloc_failure(void **state)
{
	struct se_stream s;
	struct se_stream_counters cnt;
	static struct recorder r;

	recorder_init(&r, &cnt, 0);
	se_stream_init(&s, 0);
	fail_next_malloc = true;
	push(&s, &r, 10, 10, 10);
	assert_false(fail_next_malloc); /* the parked copy was the allocation that failed */
	assert_int_equal(cnt.pending_alloc_failures, 1);
	push(&s, &r, 0, 10, 10);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.d[1].offset, 10);
	assert_int_equal(r.d[1].len, 10);
	assert_int_equal(r.d[1].captured, 0);
	assert_true(r.d[1].data_null);
	assert_int_equal(s.next, 20);
	assert_int_equal(cnt.gaps, 0);
	se_stream_fini(&s, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_first_offset_not_zero),
		cmocka_unit_test(test_zero_length_ignored),
		cmocka_unit_test(test_two_reversed),
		cmocka_unit_test(test_permutations_of_3),
		cmocka_unit_test(test_permutations_of_4),
		cmocka_unit_test(test_exact_duplicate),
		cmocka_unit_test(test_partial_overlap_trimmed),
		cmocka_unit_test(test_overlap_among_parked),
		cmocka_unit_test(test_segment_covering_parked_one),
		cmocka_unit_test(test_gap_when_parking_full),
		cmocka_unit_test(test_several_holes),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_gap_full_parking_lower_arrival),
		cmocka_unit_test(test_truncated_in_order),
		cmocka_unit_test(test_truncated_overlap),
		cmocka_unit_test(test_truncated_parked_overlap),
		cmocka_unit_test(test_split_every_offset_two_halves),
		cmocka_unit_test(test_split_every_pair_of_offsets),
		cmocka_unit_test(test_split_every_offset_overlapping),
		cmocka_unit_test(test_fini_frees_parked),
		cmocka_unit_test(test_park_alloc_failure),
		cmocka_unit_test(test_park_within_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

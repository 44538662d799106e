// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of a data record as stream segments (src/conn/data_record.c): the captured
 * prefix alone, the prefix followed by the frame walk's pieces (each segment running
 * uncaptured to the next), and every malformed layout refused rather than read past.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "conn/data_record.h"

/* A record being built: header, then payload and pieces appended in order. */
struct builder {
	union {
		struct se_ev_data ev;
		uint8_t bytes[sizeof(struct se_ev_data) + 4096];
	} u;
	size_t size;
};

static void start(struct builder *b, uint64_t offset, uint32_t total, uint32_t captured)
{
	memset(b, 0, sizeof(*b));
	b->u.ev.h.kind = SE_EV_DATA;
	b->u.ev.h.ts_ns = 5000;
	b->u.ev.syscall_ns = 1000;
	b->u.ev.offset = offset;
	b->u.ev.total_len = total;
	b->u.ev.captured = captured;
	b->u.ev.direction = SE_DIR_OUT;
	b->size = sizeof(b->u.ev);
	for (uint32_t i = 0; i < captured; i++)
		b->u.bytes[b->size++] = (uint8_t)('a' + i % 26);
}

static void piece(struct builder *b, uint32_t offset, uint32_t len, uint8_t fill)
{
	struct se_data_piece p = { .offset = offset, .len = len };

	memcpy(&b->u.bytes[b->size], &p, sizeof(p));
	b->size += sizeof(p);
	memset(&b->u.bytes[b->size], fill, len);
	b->size += len;
	b->u.ev.pieces++;
}

static unsigned int split(const struct builder *b, struct se_segment *out)
{
	return se_data_record_segments(&b->u.ev, b->size, out);
}

static void test_prefix_only(void **state)
{
	struct builder b;
	struct se_segment s[SE_RECORD_SEGMENTS_MAX];

	(void)state;
	start(&b, 100, 50, 20);
	assert_int_equal(split(&b, s), 1);
	assert_int_equal(s[0].offset, 100);
	assert_int_equal(s[0].len, 50);
	assert_int_equal(s[0].captured, 20);
	assert_int_equal(s[0].ts_ns, 5000);
	assert_int_equal(s[0].start_ns, 4000);
	assert_false(s[0].piece);
	assert_memory_equal(s[0].data, "abcdefghijklmnopqrst", 20);
}

static void test_pieces_cover_the_syscall(void **state)
{
	struct builder b;
	struct se_segment s[SE_RECORD_SEGMENTS_MAX];

	(void)state;
	/* 24 bytes copied; a 9-byte frame header at 16408 (past 16384 bytes of DATA); a header
	 * and its 30-byte block at 20000, right at the end of the syscall */
	start(&b, 1000, 20039, 24);
	piece(&b, 16408, 9, 'h');
	piece(&b, 20000, 39, 'b');
	assert_int_equal(split(&b, s), 3);
	assert_int_equal(s[0].offset, 1000);
	assert_int_equal(s[0].len, 16408);
	assert_int_equal(s[0].captured, 24);
	assert_false(s[0].piece);
	assert_int_equal(s[1].offset, 1000 + 16408);
	assert_int_equal(s[1].len, 20000 - 16408);
	assert_int_equal(s[1].captured, 9);
	assert_true(s[1].piece);
	assert_int_equal(s[1].data[0], 'h');
	assert_int_equal(s[1].ts_ns, 5000);
	assert_int_equal(s[1].start_ns, 4000);
	assert_int_equal(s[2].offset, 1000 + 20000);
	assert_int_equal(s[2].len, 39);
	assert_int_equal(s[2].captured, 39);
	assert_true(s[2].piece);
	assert_int_equal(s[2].data[38], 'b');
	/* the segments tile the syscall's bytes */
	assert_int_equal(s[2].offset + s[2].len - s[0].offset, 20039);
}

static void test_piece_right_after_the_prefix(void **state)
{
	struct builder b;
	struct se_segment s[SE_RECORD_SEGMENTS_MAX];

	(void)state;
	start(&b, 0, 100, 24);
	piece(&b, 24, 76, 'x');
	assert_int_equal(split(&b, s), 2);
	assert_int_equal(s[0].len, 24);
	assert_int_equal(s[0].captured, 24);
	assert_int_equal(s[1].offset, 24);
	assert_int_equal(s[1].len, 76);
	assert_int_equal(s[1].captured, 76);
}

static void test_most_pieces(void **state)
{
	struct builder b;
	struct se_segment s[SE_RECORD_SEGMENTS_MAX];

	(void)state;
	start(&b, 0, SE_PIECES_MAX * 20 + 5, 5);
	for (uint32_t i = 0; i < SE_PIECES_MAX; i++)
		piece(&b, 5 + i * 20, 9, (uint8_t)i);
	assert_int_equal(split(&b, s), SE_PIECES_MAX + 1);
	assert_int_equal(s[0].len, 5);
	for (uint32_t i = 1; i <= SE_PIECES_MAX; i++) {
		assert_int_equal(s[i].offset, 5 + (i - 1) * 20);
		assert_int_equal(s[i].len, 20);
		assert_int_equal(s[i].data[0], (uint8_t)(i - 1));
	}
}

/* Nothing copied before the first piece (no prefix): the piece is the record's own segment,
 * so the record still counts as one event. */
static void test_no_prefix(void **state)
{
	struct builder b;
	struct se_segment s[SE_RECORD_SEGMENTS_MAX];

	(void)state;
	start(&b, 300, 100, 0);
	piece(&b, 0, 9, 'h');
	piece(&b, 50, 9, 'i');
	assert_int_equal(split(&b, s), 2);
	assert_int_equal(s[0].offset, 300);
	assert_int_equal(s[0].len, 50);
	assert_int_equal(s[0].captured, 9);
	assert_false(s[0].piece);
	assert_int_equal(s[1].offset, 350);
	assert_int_equal(s[1].len, 50);
	assert_true(s[1].piece);
	/* a piece of no bytes (a read that failed) adds nothing */
	start(&b, 300, 100, 10);
	piece(&b, 20, 9, 'h');
	piece(&b, 40, 0, 0);
	piece(&b, 40, 9, 'i');
	assert_int_equal(split(&b, s), 3);
	assert_int_equal(s[1].offset, 320);
	assert_int_equal(s[1].len, 20);
	assert_int_equal(s[2].offset, 340);
	assert_int_equal(s[2].captured, 9);
	/* and a record of no bytes at all stays one (empty) segment */
	start(&b, 300, 0, 0);
	assert_int_equal(split(&b, s), 1);
	assert_int_equal(s[0].len, 0);
}

static void test_malformed_refused(void **state)
{
	struct builder b;
	struct se_segment s[SE_RECORD_SEGMENTS_MAX];

	(void)state;
	/* shorter than its header, or than its prefix */
	start(&b, 0, 50, 20);
	assert_int_equal(se_data_record_segments(&b.u.ev, sizeof(b.u.ev) - 1, s), 0);
	assert_int_equal(se_data_record_segments(&b.u.ev, b.size - 1, s), 0);
	/* more captured than moved; a direction that does not exist */
	start(&b, 0, 10, 20);
	assert_int_equal(split(&b, s), 0);
	start(&b, 0, 50, 20);
	b.u.ev.direction = SE_DIR__COUNT;
	assert_int_equal(split(&b, s), 0);
	/* a piece inside the prefix, or overlapping the piece before */
	start(&b, 0, 100, 20);
	piece(&b, 19, 5, 'x');
	assert_int_equal(split(&b, s), 0);
	start(&b, 0, 100, 20);
	piece(&b, 30, 10, 'x');
	piece(&b, 39, 5, 'y');
	assert_int_equal(split(&b, s), 0);
	/* a piece past the syscall's bytes */
	start(&b, 0, 100, 20);
	piece(&b, 95, 10, 'x');
	assert_int_equal(split(&b, s), 0);
	/* more pieces announced than the record holds, or than a record may carry */
	start(&b, 0, 100, 20);
	piece(&b, 30, 10, 'x');
	b.u.ev.pieces = 2;
	assert_int_equal(split(&b, s), 0);
	b.u.ev.pieces = SE_PIECES_MAX + 1;
	assert_int_equal(split(&b, s), 0);
	/* a piece whose bytes run past the record, or a piece header cut short */
	start(&b, 0, 100, 20);
	piece(&b, 30, 10, 'x');
	assert_int_equal(se_data_record_segments(&b.u.ev, b.size - 1, s), 0);
	assert_int_equal(se_data_record_segments(&b.u.ev, b.size - 10 - 1, s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_only),
		cmocka_unit_test(test_pieces_cover_the_syscall),
		cmocka_unit_test(test_piece_right_after_the_prefix),
		cmocka_unit_test(test_most_pieces),
		cmocka_unit_test(test_no_prefix),
		cmocka_unit_test(test_malformed_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

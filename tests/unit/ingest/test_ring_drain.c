// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the ring drain (src/ingest/ring_drain.c) on rings laid out as the kernel lays
 * them: the data area is a memfd mapped twice in a row, so a record that wraps reads as one
 * piece here exactly as it does in a BPF ring buffer. The producer side follows the kernel's
 * protocol (kernel/bpf/ringbuf.c): reserve writes the header with the busy bit and publishes
 * the producer position, commit clears the busy bit (or sets the discard bit) with a release.
 * The threaded test runs a producer and the drain at once, for TSan.
 */
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ingest/ring_reader.h"

#define THREADED_RECORDS 200000u
#define THREADED_SECONDS 60 /* a drain that stops making progress fails, not hangs */

/* A page or 4 KiB, whichever is larger: the second mapping must start on a page. */
static unsigned long small_ring;

struct fake_ring {
	unsigned long size;
	unsigned long consumer_pos;
	unsigned long producer_pos;
	uint8_t *data; /* size bytes mapped twice */
	struct se_ring_view view;
};

static void fake_ring_init_size(struct fake_ring *r, unsigned long size)
{
	int fd = memfd_create("ring", 0);
	uint8_t *area;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	area = mmap(NULL, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(area != MAP_FAILED);
	assert_true(mmap(area, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
		    area);
	assert_true(mmap(area + size, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
			 0) == area + size);
	close(fd);
	r->size = size;
	r->consumer_pos = 0;
	r->producer_pos = 0;
	r->data = area;
	r->view = (struct se_ring_view){ .consumer_pos = &r->consumer_pos,
					 .producer_pos = &r->producer_pos,
					 .data = area,
					 .mask = size - 1 };
}

static void fake_ring_init(struct fake_ring *r)
{
	fake_ring_init_size(r, small_ring);
}

static void fake_ring_fini(struct fake_ring *r)
{
	munmap(r->data, 2 * r->size);
}

static unsigned long span_of(uint32_t len)
{
	return (len + BPF_RINGBUF_HDR_SZ + 7) & ~7ul;
}

/* Reserve len bytes (the caller checked the space); returns the record's position. */
static unsigned long ring_reserve(struct fake_ring *r, uint32_t len)
{
	unsigned long pos = __atomic_load_n(&r->producer_pos, __ATOMIC_RELAXED);

	__atomic_store_n((uint32_t *)(r->data + (pos & (r->size - 1))), len | BPF_RINGBUF_BUSY_BIT,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&r->producer_pos, pos + span_of(len), __ATOMIC_RELEASE);
	return pos;
}

/* The payload's address; through the second mapping when the record wraps. */
static uint8_t *ring_payload(struct fake_ring *r, unsigned long pos)
{
	return r->data + (pos & (r->size - 1)) + BPF_RINGBUF_HDR_SZ;
}

static void ring_commit(struct fake_ring *r, unsigned long pos, uint32_t len, bool discard)
{
	__atomic_store_n((uint32_t *)(r->data + (pos & (r->size - 1))),
			 len | (discard ? BPF_RINGBUF_DISCARD_BIT : 0), __ATOMIC_RELEASE);
}

/* Reserve, fill with `fill` and commit a record of len bytes. */
static unsigned long ring_write(struct fake_ring *r, uint32_t len, uint8_t fill)
{
	unsigned long pos = ring_reserve(r, len);

	memset(ring_payload(r, pos), fill, len);
	ring_commit(r, pos, len, false);
	return pos;
}

/* What the callback saw, and what it returns. */
#define SEEN_MAX 1024
struct seen {
	unsigned int n;
	size_t sizes[SEEN_MAX];
	uint8_t first[SEEN_MAX], last[SEEN_MAX];
	unsigned long consumer_pos_during[SEEN_MAX];
	const unsigned long *consumer_pos;
	int fail_at;		      /* -1: never */
	struct fake_ring *write_into; /* on the first call, write one more record here */
};

static int on_record(void *ctx, const void *data, size_t size)
{
	struct seen *s = ctx;
	const uint8_t *p = data;

	if (s->write_into) {
		ring_write(s->write_into, 3, 0xee); /* as a producer on another CPU would */
		s->write_into = NULL;
	}
	if (s->n < SEEN_MAX) {
		s->sizes[s->n] = size;
		s->first[s->n] = size ? p[0] : 0;
		s->last[s->n] = size ? p[size - 1] : 0;
		s->consumer_pos_during[s->n] = *s->consumer_pos;
	}
	if ((int)s->n++ == s->fail_at)
		return -5;
	return 0;
}

static void seen_init(struct seen *s, const struct fake_ring *r)
{
	memset(s, 0, sizeof(*s));
	s->consumer_pos = &r->consumer_pos;
	s->fail_at = -1;
}

/* The common case: a small ring and an empty record of what the callback saw. */
struct drain_case {
	struct fake_ring r;
	struct seen s;
};

static int drain_case_setup(void **state)
{
	struct drain_case *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	fake_ring_init(&t->r);
	seen_init(&t->s, &t->r);
	*state = t;
	return 0;
}

static int drain_case_teardown(void **state)
{
	struct drain_case *t = *state;

	fake_ring_fini(&t->r);
	free(t);
	return 0;
}

static void test_records_in_order_discarded_skipped(void **state)
{
	struct drain_case *t = *state;
	struct fake_ring *r = &t->r;
	struct seen *s = &t->s;
	unsigned long pos;

	ring_write(r, 5, 0xa1);
	pos = ring_reserve(r, 40);
	ring_commit(r, pos, 40, true);
	ring_write(r, 16, 0xa2);
	ring_write(r, 0, 0);
	assert_int_equal(r->producer_pos, 16 + 48 + 24 + 8); /* header included, 8-aligned */
	assert_int_equal(se_ring_drain(&r->view, on_record, s), 3);
	assert_int_equal(s->n, 3);
	assert_int_equal(s->sizes[0], 5);
	assert_int_equal(s->first[0], 0xa1);
	assert_int_equal(s->sizes[1], 16);
	assert_int_equal(s->last[1], 0xa2);
	assert_int_equal(s->sizes[2], 0);
	/* every record's span is given back, the discarded one's too */
	assert_int_equal(r->consumer_pos, 16 + 48 + 24 + 8);
	/* nothing new: nothing handed, nothing moves */
	assert_int_equal(se_ring_drain(&r->view, on_record, s), 0);
	assert_int_equal(r->consumer_pos, r->producer_pos);
}

static void test_stops_at_a_record_still_being_written(void **state)
{
	struct drain_case *t = *state;
	struct fake_ring *r = &t->r;
	struct seen *s = &t->s;
	unsigned long first, busy;

	first = ring_write(r, 8, 1);
	busy = ring_reserve(r, 24);
	ring_write(r, 8, 3); /* committed, but behind the busy one */
	assert_int_equal(se_ring_drain(&r->view, on_record, s), 1);
	assert_int_equal(r->consumer_pos, first + span_of(8));
	assert_int_equal(r->consumer_pos, busy);
	assert_true(r->view.stopped_busy); /* the reader is told to look again soon */
	memset(ring_payload(r, busy), 2, 24);
	ring_commit(r, busy, 24, false);
	assert_int_equal(se_ring_drain(&r->view, on_record, s), 2);
	assert_false(r->view.stopped_busy);
	assert_int_equal(s->first[1], 2);
	assert_int_equal(s->sizes[1], 24);
	assert_int_equal(s->first[2], 3);
	assert_int_equal(r->consumer_pos, r->producer_pos);
}

static void test_a_record_across_the_end_reads_whole(void **state)
{
	struct drain_case *t = *state;
	struct fake_ring *r = &t->r;
	struct seen *s = &t->s;
	const uint32_t len = 200;
	unsigned long pos;

	/* start 64 bytes before the end: header and the first 56 bytes there, the rest at 0 */
	r->consumer_pos = r->producer_pos = r->size - 64;
	pos = ring_reserve(r, len);
	for (uint32_t i = 0; i < len; i++)
		ring_payload(r, pos)[i] = (uint8_t)i;
	ring_commit(r, pos, len, false);
	assert_int_equal(se_ring_drain(&r->view, on_record, s), 1);
	assert_int_equal(s->sizes[0], len);
	assert_int_equal(s->first[0], 0);
	assert_int_equal(s->last[0], (uint8_t)(len - 1));
	assert_int_equal(r->data[len - 64 + BPF_RINGBUF_HDR_SZ - 1], (uint8_t)(len - 1));
	assert_int_equal(r->consumer_pos, r->size - 64 + span_of(len));
}

/*
 * Where a drain of records of `span` bytes stores the position: once at least `every` bytes
 * went by since the last store (and at the end); during record i the callback sees the last
 * stored value. A store "when cons crosses a multiple of every" would differ: 72-byte spans
 * do not divide 512.
 */
static void check_release_points(unsigned long ring, uint32_t len, unsigned int records,
				 unsigned long every)
{
	struct fake_ring r;
	struct seen s;
	unsigned long passed = 0, stored = 0;
	const unsigned long span = span_of(len);

	fake_ring_init_size(&r, ring);
	seen_init(&s, &r);
	for (unsigned int i = 0; i < records; i++)
		ring_write(&r, len, (uint8_t)i);
	assert_int_equal(se_ring_drain(&r.view, on_record, &s), records);
	for (unsigned int i = 0; i < records; i++) {
		assert_int_equal(s.consumer_pos_during[i], stored);
		passed += span;
		if (passed - stored >= every)
			stored = passed;
	}
	assert_int_equal(r.consumer_pos, records * span);
	fake_ring_fini(&r);
}

/* Not per record: the callback sees the position unchanged until an eighth has gone by. */
static void test_position_given_back_per_eighth_not_per_record(void **state)
{
	(void)state;
	check_release_points(small_ring, 64, 40, small_ring >> SE_RING_RELEASE_SHIFT);
	if (small_ring == 4096) { /* the same, spelled out: stores at 576 and 1152 bytes */
		struct fake_ring r;
		struct seen s;

		fake_ring_init(&r);
		seen_init(&s, &r);
		for (int i = 0; i < 17; i++)
			ring_write(&r, 64, 0);
		se_ring_drain(&r.view, on_record, &s);
		assert_int_equal(s.consumer_pos_during[7], 0);
		assert_int_equal(s.consumer_pos_during[8], 576);
		assert_int_equal(s.consumer_pos_during[16], 1152);
		fake_ring_fini(&r);
	}
}

/* A large ring holds back at most SE_RING_RELEASE_MAX, not an eighth of itself. */
static void test_position_given_back_at_most_every_max_bytes(void **state)
{
	const unsigned long ring = 1ul << 20;

	(void)state;
	assert_true((ring >> SE_RING_RELEASE_SHIFT) > SE_RING_RELEASE_MAX);
	check_release_points(ring, 1016, SEEN_MAX - 1, SE_RING_RELEASE_MAX); /* 1 KiB records */
}

/*
 * A record written while the drain runs is handed by the same drain (the producer position
 * is read again), and the stored position is exact before that read: a producer that writes
 * with flags 0 is woken only if the position equals its record's.
 */
static void test_records_written_during_the_drain_are_handed(void **state)
{
	struct drain_case *t = *state;
	struct fake_ring *r = &t->r;
	struct seen *s = &t->s;

	ring_write(r, 8, 1);
	s->write_into = r;
	assert_int_equal(se_ring_drain(&r->view, on_record, s), 2);
	assert_int_equal(s->first[1], 0xee);
	assert_int_equal(s->consumer_pos_during[1], span_of(8));
	assert_int_equal(r->consumer_pos, span_of(8) + span_of(3));
}

static void test_a_callback_error_stops_past_its_record(void **state)
{
	struct drain_case *t = *state;
	struct fake_ring *r = &t->r;
	struct seen *s = &t->s;

	ring_write(r, 8, 1);
	ring_write(r, 8, 2);
	ring_write(r, 8, 3);
	s->fail_at = 1;
	assert_int_equal(se_ring_drain(&r->view, on_record, s), -5);
	assert_int_equal(r->consumer_pos, 2 * span_of(8));
	s->fail_at = -1;
	assert_int_equal(se_ring_drain(&r->view, on_record, s), 1);
	assert_int_equal(s->first[2], 3);
}

/* A producer thread and the drain at once: every record arrives once, in order, whole. */
static bool consumer_gave_up; /* the producer stops instead of waiting for space forever */

struct counted {
	uint32_t next;
	uint32_t bad;
};

static int on_counted(void *ctx, const void *data, size_t size)
{
	struct counted *c = ctx;
	uint32_t seq;

	memcpy(&seq, data, sizeof(seq));
	if (seq != c->next || size != sizeof(seq) + seq % 97 ||
	    (size > sizeof(seq) && ((const uint8_t *)data)[size - 1] != (uint8_t)seq))
		c->bad++;
	c->next = seq + 1;
	return 0;
}

static void *produce(void *arg)
{
	struct fake_ring *r = arg;

	for (uint32_t seq = 0; seq < THREADED_RECORDS; seq++) {
		uint32_t len = (uint32_t)sizeof(seq) + seq % 97;
		unsigned long pos;

		/* wait for space where the kernel's reserve would fail (used > mask) */
		while (__atomic_load_n(&r->producer_pos, __ATOMIC_RELAXED) + span_of(len) -
			   __atomic_load_n(&r->consumer_pos, __ATOMIC_ACQUIRE) >
		       r->size - 1) {
			if (__atomic_load_n(&consumer_gave_up, __ATOMIC_RELAXED))
				return NULL;
			sched_yield();
		}
		pos = ring_reserve(r, len);
		memcpy(ring_payload(r, pos), &seq, sizeof(seq));
		memset(ring_payload(r, pos) + sizeof(seq), (uint8_t)seq, len - sizeof(seq));
		ring_commit(r, pos, len, false);
	}
	return NULL;
}

static void test_concurrent_producer_nothing_lost(void **state)
{
	struct fake_ring r;
	struct counted c = { 0 };
	pthread_t producer;
	time_t deadline = time(NULL) + THREADED_SECONDS;

	(void)state;
	fake_ring_init(&r);
	assert_int_equal(pthread_create(&producer, NULL, produce, &r), 0);
	while (c.next < THREADED_RECORDS && !c.bad && time(NULL) < deadline) {
		int64_t n = se_ring_drain(&r.view, on_counted, &c);

		if (n < 0)
			break;
		if (!n)
			sched_yield(); /* one CPU, or a tight quota: let the producer run */
	}
	__atomic_store_n(&consumer_gave_up, true, __ATOMIC_RELAXED);
	pthread_join(producer, NULL);
	assert_int_equal(c.bad, 0);
	assert_int_equal(c.next, THREADED_RECORDS);
	assert_int_equal(r.consumer_pos, r.producer_pos);
	fake_ring_fini(&r);
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);

	small_ring = page > 4096 ? (unsigned long)page : 4096;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_records_in_order_discarded_skipped,
						drain_case_setup, drain_case_teardown),
		cmocka_unit_test_setup_teardown(test_stops_at_a_record_still_being_written,
						drain_case_setup, drain_case_teardown),
		cmocka_unit_test_setup_teardown(test_a_record_across_the_end_reads_whole,
						drain_case_setup, drain_case_teardown),
		cmocka_unit_test(test_position_given_back_per_eighth_not_per_record),
		cmocka_unit_test(test_position_given_back_at_most_every_max_bytes),
		cmocka_unit_test_setup_teardown(test_records_written_during_the_drain_are_handed,
						drain_case_setup, drain_case_teardown),
		cmocka_unit_test_setup_teardown(test_a_callback_error_stops_past_its_record,
						drain_case_setup, drain_case_teardown),
		cmocka_unit_test(test_concurrent_producer_nothing_lost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

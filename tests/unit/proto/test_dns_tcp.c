// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* DNS over TCP framing: length prefixes split anywhere, several messages per segment, holes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/dns/dns_tcp.h"

struct got {
	int n;
	uint8_t msg[4][600];
	size_t kept[4], len[4];
	uint64_t first[4], last[4];
};

static void on_msg(void *ctx, const uint8_t *msg, size_t kept, size_t msg_len, uint64_t first_ts,
		   uint64_t last_ts)
{
	struct got *g = ctx;

	assert_true(g->n < 4);
	memcpy(g->msg[g->n], msg, kept);
	g->kept[g->n] = kept;
	g->len[g->n] = msg_len;
	g->first[g->n] = first_ts;
	g->last[g->n] = last_ts;
	g->n++;
}

/* Feed stream bytes [from, to) as one segment at ts; captured: how many of them were copied. */
static bool feed(struct se_dns_tcp_framer *f, struct got *g, const uint8_t *stream, size_t from,
		 size_t to, size_t captured, uint64_t ts)
{
	struct se_segment seg = {
		.offset = from,
		.len = to - from,
		.ts_ns = ts,
		.start_ns = ts - 1,
		.data = stream + from,
		.captured = (uint32_t)captured,
	};

	return se_dns_tcp_feed(f, &seg, on_msg, g);
}

/* Two messages of 20 and 30 bytes, each behind its length. */
static size_t two_messages(uint8_t *s)
{
	s[0] = 0, s[1] = 20;
	for (int i = 0; i < 20; i++)
		s[2 + i] = (uint8_t)(0x10 + i);
	s[22] = 0, s[23] = 30;
	for (int i = 0; i < 30; i++)
		s[24 + i] = (uint8_t)(0x40 + i);
	return 54;
}

static void test_every_split_point_gives_the_same_messages(void **state)
{
	uint8_t s[64];
	size_t n = two_messages(s);

	(void)state;
	for (size_t cut = 1; cut < n; cut++) {
		struct se_dns_tcp_framer f = { 0 };
		struct got g = { 0 };

		assert_true(feed(&f, &g, s, 0, cut, cut, 100));
		assert_true(feed(&f, &g, s, cut, n, n - cut, 200));
		assert_int_equal(g.n, 2);
		assert_int_equal(g.len[0], 20);
		assert_int_equal(g.kept[0], 20);
		assert_memory_equal(g.msg[0], s + 2, 20);
		assert_int_equal(g.len[1], 30);
		assert_memory_equal(g.msg[1], s + 24, 30);
		/* a message begins with its length's first byte, ends with its last byte */
		assert_int_equal(g.first[0], 99);
		assert_int_equal(g.last[0], cut >= 22 ? 100 : 200);
		assert_int_equal(g.first[1], cut > 22 ? 99 : 199);
		assert_int_equal(g.last[1], 200);
	}
}

static void test_one_segment_many_messages(void **state)
{
	uint8_t s[64];
	size_t n = two_messages(s);
	struct se_dns_tcp_framer f = { 0 };
	struct got g = { 0 };

	(void)state;
	assert_true(feed(&f, &g, s, 0, n, n, 7));
	assert_int_equal(g.n, 2);
}

static void test_long_message_keeps_its_head(void **state)
{
	static uint8_t s[2 + 1000];
	struct se_dns_tcp_framer f = { 0 };
	struct got g = { 0 };

	(void)state;
	s[0] = 1000 >> 8, s[1] = 1000 & 0xff;
	for (int i = 0; i < 1000; i++)
		s[2 + i] = (uint8_t)i;
	assert_true(feed(&f, &g, s, 0, 300, 300, 1));
	assert_true(feed(&f, &g, s, 300, 1002, 702, 2));
	assert_int_equal(g.n, 1);
	assert_int_equal(g.len[0], 1000);
	assert_int_equal(g.kept[0], SE_DNS_TCP_KEEP);
	assert_memory_equal(g.msg[0], s + 2, SE_DNS_TCP_KEEP);
}

/* Bytes of a message not captured: what came before them is kept, nothing after. */
static void test_uncaptured_bytes_end_what_is_kept(void **state)
{
	uint8_t s[64];
	size_t n = two_messages(s);
	struct se_dns_tcp_framer f = { 0 };
	struct got g = { 0 };

	(void)state;
	assert_true(feed(&f, &g, s, 0, 12, 12, 1)); /* length + 10 bytes */
	assert_true(feed(&f, &g, s, 12, 17, 0, 2)); /* 5 bytes not copied */
	assert_true(feed(&f, &g, s, 17, n, n - 17, 3));
	assert_int_equal(g.n, 2);
	assert_int_equal(g.kept[0], 10);
	assert_int_equal(g.len[0], 20);
	assert_int_equal(g.kept[1], 30); /* the next message is whole again */
}

static void test_framing_lost(void **state)
{
	uint8_t s[64];
	size_t n = two_messages(s);
	struct se_dns_tcp_framer f = { 0 };
	struct got g = { 0 };
	uint8_t zero[4] = { 0, 0, 0, 5 };

	(void)state;
	/* a hole in the stream */
	assert_true(feed(&f, &g, s, 0, 10, 10, 1));
	assert_false(feed(&f, &g, s, 11, n, n - 11, 2));
	assert_false(feed(&f, &g, s, 0, n, n, 3)); /* stays lost */
	assert_int_equal(g.n, 0);
	/* a length prefix not captured */
	memset(&f, 0, sizeof(f));
	assert_false(feed(&f, &g, s, 0, n, 1, 1));
	/* a zero length */
	memset(&f, 0, sizeof(f));
	assert_false(feed(&f, &g, zero, 0, 4, 4, 1));
	assert_int_equal(g.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_split_point_gives_the_same_messages),
		cmocka_unit_test(test_one_segment_many_messages),
		cmocka_unit_test(test_long_message_keeps_its_head),
		cmocka_unit_test(test_uncaptured_bytes_end_what_is_kept),
		cmocka_unit_test(test_framing_lost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

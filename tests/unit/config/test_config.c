// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the configuration defaults and the flag value parsers (src/config/config.c):
 * sizes with K/M/G suffixes, port lists with ranges, bounded integers. Each parser is fed the
 * good forms, the near misses a user types, and overflows; a rejected value must leave the
 * output untouched.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"

/* Value a failed parse must leave in place. */
#define UNTOUCHED 0x5a5a5a5a5a5a5a5aull

static void assert_size(const char *s, uint64_t expect)
{
	uint64_t v = UNTOUCHED;

	if (se_config_parse_size(s, &v))
		fail_msg("'%s' rejected", s);
	assert_int_equal(v, expect);
}

static void assert_bad_size(const char *s)
{
	uint64_t v = UNTOUCHED;

	if (se_config_parse_size(s, &v) != -EINVAL)
		fail_msg("'%s' accepted as %llu", s ? s : "(null)", (unsigned long long)v);
	assert_int_equal(v, UNTOUCHED);
}

static void test_parse_size(void **state)
{
	assert_size("4096", 4096);
	assert_size("0", 0);
	assert_size("64K", 64ull << 10);
	assert_size("64k", 64ull << 10);
	assert_size("4M", 4ull << 20);
	assert_size("4m", 4ull << 20);
	assert_size("1G", 1ull << 30);
	assert_size("1g", 1ull << 30);
	assert_size("18446744073709551615", UINT64_MAX);
	assert_size("17179869183G", 17179869183ull << 30); /* largest G that fits in 64 bits */

	assert_bad_size(NULL);
	assert_bad_size("");
	assert_bad_size("4X");
	assert_bad_size("K");
	assert_bad_size("-1");
	assert_bad_size("+1");
	assert_bad_size(" 4");
	assert_bad_size("4 ");
	assert_bad_size("4MM");
	assert_bad_size("4MB");
	assert_bad_size("4.5M");
	assert_bad_size("0x10");
	assert_bad_size("18446744073709551616");    /* 2^64 */
	assert_bad_size("99999999999999999999999"); /* far beyond */
	assert_bad_size("17179869184G");	    /* 2^34 G = 2^64 */
	assert_bad_size("18014398509481984K");	    /* 2^54 K = 2^64 */
	assert_bad_size("17592186044416M");	    /* 2^44 M = 2^64 */
}

static void test_parse_uint(void **state)
{
	unsigned long long v = UNTOUCHED;

	assert_int_equal(se_config_parse_uint("1", 1, 10, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(se_config_parse_uint("10", 1, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(se_config_parse_uint("0", 0, 0, &v), 0);
	assert_int_equal(v, 0);
	v = UNTOUCHED;
	assert_int_equal(se_config_parse_uint("0", 1, 10, &v), -EINVAL);
	assert_int_equal(se_config_parse_uint("11", 1, 10, &v), -EINVAL);
	assert_int_equal(se_config_parse_uint("", 0, 10, &v), -EINVAL);
	assert_int_equal(se_config_parse_uint(NULL, 0, 10, &v), -EINVAL);
	assert_int_equal(se_config_parse_uint("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(se_config_parse_uint("5x", 0, 10, &v), -EINVAL);
	assert_int_equal(se_config_parse_uint("5 ", 0, 10, &v), -EINVAL);
	assert_int_equal(se_config_parse_uint("99999999999999999999", 0, ULLONG_MAX, &v), -EINVAL);
	assert_int_equal(v, UNTOUCHED);
}

/* The bitmap holds exactly the ports for which watched(port) says so. */
static void assert_ports(const char *s, const uint16_t *ports, unsigned int n,
			 const uint16_t *ranges, unsigned int nranges)
{
	uint64_t bm[SE_PORT_BITMAP_WORDS];
	unsigned int count = 0, expect = n;
	struct se_config cfg;

	memset(bm, 0xff, sizeof(bm));
	if (se_config_parse_ports(s, bm))
		fail_msg("'%s' rejected", s);
	memcpy(cfg.watched_ports, bm, sizeof(bm));
	for (unsigned int i = 0; i < n; i++)
		assert_true(se_config_port_watched(&cfg, ports[i]));
	for (unsigned int i = 0; i < nranges; i++) {
		for (unsigned int p = ranges[2 * i]; p <= ranges[2 * i + 1]; p++)
			assert_true(se_config_port_watched(&cfg, (uint16_t)p));
		expect += ranges[2 * i + 1] - ranges[2 * i] + 1;
	}
	for (unsigned int w = 0; w < SE_PORT_BITMAP_WORDS; w++)
		count += (unsigned int)__builtin_popcountll(bm[w]);
	assert_int_equal(count, expect); /* nothing else is set */
	assert_false(se_config_port_watched(&cfg, 0));
}

static void assert_bad_ports(const char *s)
{
	uint64_t bm[SE_PORT_BITMAP_WORDS];
	uint64_t before[SE_PORT_BITMAP_WORDS];

	for (unsigned int w = 0; w < SE_PORT_BITMAP_WORDS; w++)
		before[w] = bm[w] = UNTOUCHED + w;
	if (se_config_parse_ports(s, bm) != -EINVAL)
		fail_msg("'%s' accepted", s ? s : "(null)");
	assert_memory_equal(bm, before, sizeof(bm));
}

static void test_parse_ports(void **state)
{
	static const uint16_t one[] = { 80 };
	static const uint16_t list[] = { 80, 443, 8080 };
	static const uint16_t edges[] = { 1, 63, 64, 65535 };
	static const uint16_t range[] = { 8000, 8010 };
	static const uint16_t full[] = { 1, 65535 };
	static const uint16_t mixed_ports[] = { 80, 443 };
	static const uint16_t mixed_ranges[] = { 8000, 8003, 9000, 9000 };

	assert_ports("80", one, 1, NULL, 0);
	assert_ports("80,443,8080", list, 3, NULL, 0);
	assert_ports("80,80,80", one, 1, NULL, 0);
	assert_ports("1,63,64,65535", edges, 4, NULL, 0);
	assert_ports("8000-8010", NULL, 0, range, 1);
	assert_ports("1-65535", NULL, 0, full, 1);
	assert_ports("80,8000-8003,443,9000-9000", mixed_ports, 2, mixed_ranges, 2);

	assert_bad_ports(NULL);
	assert_bad_ports("");
	assert_bad_ports("0");
	assert_bad_ports("65536");
	assert_bad_ports("80,");
	assert_bad_ports(",80");
	assert_bad_ports("80,,443");
	assert_bad_ports("80-70");
	assert_bad_ports("80-");
	assert_bad_ports("-80");
	assert_bad_ports("80-90-100");
	assert_bad_ports("0-10");
	assert_bad_ports("1-65536");
	assert_bad_ports("abc");
	assert_bad_ports("80,abc");
	assert_bad_ports("80 ");
	assert_bad_ports(" 80");
	assert_bad_ports("80;443");
	assert_bad_ports("99999999999999999999999");
}

static void test_defaults(void **state)
{
	struct se_config cfg;
	uint64_t bm[SE_PORT_BITMAP_WORDS];

	memset(&cfg, 0xa5, sizeof(cfg));
	se_config_defaults(&cfg);
	assert_int_equal(cfg.workers, 0);
	assert_int_equal(cfg.ring_size, SE_DEFAULT_RING_SIZE);
	assert_int_equal(cfg.window_s, SE_DEFAULT_WINDOW_S);
	assert_int_equal(cfg.duration_s, 0);
	assert_false(cfg.out_stdout);
	assert_false(cfg.connections);
	assert_int_equal(cfg.netns_mode, SE_NETNS_SELF);
	assert_string_equal(cfg.netns_path, "");
	assert_int_equal(cfg.pid, 0);
	assert_int_equal(cfg.capture_bytes, SE_CAPTURE_DEFAULT);
	assert_int_equal(cfg.poll_ms, 10);		/* README: --poll-ms */
	assert_int_equal(cfg.wakeup_bytes, 128u << 10); /* the cap: a quarter of 4 MiB is more */
	assert_int_equal(cfg.max_connections, SE_DEFAULT_MAX_CONNECTIONS);
	assert_int_equal(cfg.max_groups, SE_DEFAULT_MAX_GROUPS);
	assert_int_equal(cfg.export_queue, SE_DEFAULT_EXPORT_QUEUE);
	assert_int_equal(cfg.verbose, 0);
	assert_string_equal(cfg.ports_text, SE_DEFAULT_PORTS);
	assert_int_equal(se_config_parse_ports(SE_DEFAULT_PORTS, bm), 0);
	assert_memory_equal(cfg.watched_ports, bm, sizeof(bm));
	assert_true(se_config_port_watched(&cfg, 8080));
	assert_true(se_config_port_watched(&cfg, 4317));
	assert_false(se_config_port_watched(&cfg, 22));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_parse_ports),
		cmocka_unit_test(test_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

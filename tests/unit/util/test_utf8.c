// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * UTF-8 validation and repair (src/util/utf8.c), checked against an independent decoder
 * written here from the definition (code point ranges, shortest form), over every 1-, 2- and
 * 3-byte input and many 4-byte ones, and against the Unicode standard's own example of
 * maximal subparts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

#define FFFD "\xef\xbf\xbd"

/* The reference: the code point encoded by the n bytes at p, or -1 if they are not exactly
 * one well-formed sequence. */
static long ref_decode(const uint8_t *p, size_t n)
{
	static const long min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	long cp;

	if (n == 1)
		return p[0] < 0x80 ? p[0] : -1;
	if (n == 2 && (p[0] & 0xe0) == 0xc0)
		cp = p[0] & 0x1f;
	else if (n == 3 && (p[0] & 0xf0) == 0xe0)
		cp = p[0] & 0x0f;
	else if (n == 4 && (p[0] & 0xf8) == 0xf0)
		cp = p[0] & 0x07;
	else
		return -1;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	return cp;
}

/* Is s[0, len) valid UTF-8 (by the reference) and free of NUL? */
static int ref_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t n;

		for (n = 1; n <= 4 && i + n <= len; n++)
			if (ref_decode(s + i, n) >= 0)
				break;
		if (n > 4 || i + n > len || !s[i])
			return 0;
		i += n;
	}
	return 1;
}

static void check_seq_len(const uint8_t *p, size_t left)
{
	size_t bad = 99, n = se_utf8_seq_len(p, left, &bad);
	size_t want = 0;

	for (size_t k = 1; k <= 4 && k <= left; k++)
		if (ref_decode(p, k) >= 0) {
			want = k;
			break;
		}
	assert_int_equal(n, want);
	if (!n)
		assert_true(bad >= 1 && bad <= 3 && bad <= left);
}

static void test_seq_len_matches_the_definition(void **state)
{
	uint8_t b[4];

	for (unsigned int x = 0; x < 256; x++) {
		b[0] = (uint8_t)x;
		check_seq_len(b, 1);
		for (unsigned int y = 0; y < 256; y++) {
			b[1] = (uint8_t)y;
			check_seq_len(b, 2);
			for (unsigned int z = 0; x >= 0xe0 && z < 256; z++) {
				b[2] = (uint8_t)z;
				check_seq_len(b, 3);
				/* 4 bytes: the leads that may start one, every fourth byte class */
				if (x >= 0xf0 && x <= 0xf5 && !(y & 0xf) && !(z & 0xf))
					for (unsigned int w = 0; w < 256; w += 0x3f) {
						b[3] = (uint8_t)w;
						check_seq_len(b, 4);
					}
			}
		}
	}
}

static void test_maximal_subparts_as_the_standard_shows(void **state)
{
	/* The Unicode standard, section 3.9 (U+FFFD substitution of maximal subparts). */
	static const uint8_t in[] = { 0x61, 0xf1, 0x80, 0x80, 0xe1, 0x80, 0xc2,
				      0x62, 0x80, 0x63, 0x80, 0xbf, 0x64 };
	static const char want[] = "a" FFFD FFFD FFFD "b" FFFD "c" FFFD FFFD "d";
	char out[64];
	bool cut = true;
	size_t n = se_utf8_sanitize(out, sizeof(out), in, sizeof(in), &cut);

	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, n);
	assert_false(cut);
}

static void test_nul_and_overlong_forms_are_replaced(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} cases[] = {
		{ "/a\0b", 4, "/a" FFFD "b" },
		{ "\xc0\xaf", 2, FFFD FFFD },			/* overlong '/' */
		{ "\xe0\x80\xaf", 3, FFFD FFFD FFFD },		/* overlong, 3 bytes */
		{ "\xed\xa0\x80", 3, FFFD FFFD FFFD },		/* a surrogate */
		{ "\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD }, /* past U+10FFFF */
		{ "\xf0\x9f\x98", 3, FFFD },			/* cut short: one subpart */
		{ "\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80" },	/* whole: kept */
		{ FFFD, 3, FFFD },				/* as sent: valid */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[64];
		bool cut = true;
		size_t n = se_utf8_sanitize(out, sizeof(out), (const uint8_t *)cases[i].in,
					    cases[i].len, &cut);

		assert_int_equal(n, strlen(cases[i].want));
		assert_memory_equal(out, cases[i].want, n);
		assert_false(cut);
	}
}

/* Every capacity over a string mixing ASCII, valid sequences of each length and invalid bytes:
 * the output is valid, a prefix of the uncut output, and cut only where a unit would not
 * fit. */
static void test_every_cut_falls_on_a_boundary(void **state)
{
	static const char in[] = "/ab\xc3\xa9\xff\xe2\x82\xac\xf0\x9d\x84\x9e"
				 "c\xe2\x82"
				 "0123456789abcdef0123456789\xc3";
	char full[256], out[256];
	bool cut;
	size_t nfull =
	    se_utf8_sanitize(full, sizeof(full), (const uint8_t *)in, sizeof(in) - 1, &cut);

	assert_false(cut);
	assert_true(ref_valid((const uint8_t *)full, nfull));
	for (size_t cap = 0; cap <= nfull; cap++) {
		size_t n = se_utf8_sanitize(out, cap, (const uint8_t *)in, sizeof(in) - 1, &cut);

		assert_true(n <= cap);
		assert_true(ref_valid((const uint8_t *)out, n));
		assert_memory_equal(out, full, n);
		assert_int_equal(cut, cap < nfull);
		/* the unit after the cut did not fit: at most 3 bytes were left unused */
		if (cut)
			assert_true(cap - n < 4);
	}
}

/* Random bytes (seeded): the output is always valid, and valid input comes out unchanged. */
static void test_random_input_always_comes_out_valid(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t in[64];
	char out[256], again[256];

	for (int round = 0; round < 200000; round++) {
		size_t len = (size_t)(x % sizeof(in)), n, m;
		bool cut;

		for (size_t i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* mostly ASCII and sequence bytes, like paths */
			in[i] = (uint8_t)(x & 1 ? x >> 8 : 0x60 + (x >> 8) % 0x30);
		}
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = se_utf8_sanitize(out, sizeof(out), in, len, &cut);
		assert_false(cut);
		assert_true(ref_valid((const uint8_t *)out, n));
		assert_int_equal(n == len && !memcmp(out, in, len), ref_valid(in, len));
		m = se_utf8_sanitize(again, sizeof(again), (const uint8_t *)out, n, &cut);
		assert_int_equal(m, n);
		assert_memory_equal(again, out, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_len_matches_the_definition),
		cmocka_unit_test(test_maximal_subparts_as_the_standard_shows),
		cmocka_unit_test(test_nul_and_overlong_forms_are_replaced),
		cmocka_unit_test(test_every_cut_falls_on_a_boundary),
		cmocka_unit_test(test_random_input_always_comes_out_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * UTF-8 validation and repair of wire-derived strings (see src/util/utf8.h). Paths are
 * nearly always ASCII, so a prefix free of high bytes and NUL is found a word at a time and
 * copied whole; only what follows is walked sequence by sequence.
 */
#include "util/utf8.h"

#include <string.h>

#define SE_UTF8_ONES  0x0101010101010101ull
#define SE_UTF8_HIGHS 0x8080808080808080ull

size_t se_utf8_seq_len(const uint8_t *p, size_t left, size_t *bad_len)
{
	uint8_t c = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0; /* below: overlong */
		else if (c == 0xed)
			hi = 0x9f; /* above: surrogates U+D800..U+DFFF */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90; /* below: overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* above: past U+10FFFF */
	} else {
		n = 1; /* continuation byte, C0/C1 (overlong ASCII), F5..FF: starts nothing */
	}
	for (i = 1; i < n && i < left; i++) {
		if (p[i] < lo || p[i] > hi)
			break;
		lo = 0x80; /* only the second byte has a narrower range */
		hi = 0xbf;
	}
	if (n > 1 && i == n)
		return n;
	if (bad_len)
		*bad_len = i;
	return 0;
}

/* Bytes at the start of p (at most len) below 0x80 and not NUL. */
static size_t se_utf8_plain_prefix(const uint8_t *p, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, sizeof(w));
		/* A byte >= 0x80 has its top bit; a NUL gets it from the subtraction (and may lend
		 * it to the bytes above it, which end the prefix anyway). */
		if (((w - SE_UTF8_ONES) | w) & SE_UTF8_HIGHS)
			break;
	}
	while (i < len && p[i] && p[i] < 0x80)
		i++;
	return i;
}

size_t se_utf8_sanitize(char *dst, size_t cap, const uint8_t *src, size_t len, bool *cut)
{
	size_t in = se_utf8_plain_prefix(src, len < cap ? len : cap), out = in;

	memcpy(dst, src, in);
	while (in < len) {
		size_t bad = 1, n = src[in] ? se_utf8_seq_len(src + in, len - in, &bad) : 0;

		if (n) {
			if (out + n > cap)
				break;
			memcpy(dst + out, src + in, n);
			out += n;
			in += n;
			continue;
		}
		if (out + SE_UTF8_REPLACEMENT_LEN > cap)
			break;
		memcpy(dst + out, SE_UTF8_REPLACEMENT, SE_UTF8_REPLACEMENT_LEN);
		out += SE_UTF8_REPLACEMENT_LEN;
		in += bad;
	}
	*cut = in < len;
	return out;
}

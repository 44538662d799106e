// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * JSON string escaping of untrusted bytes (see include/sockeye/json.h). UTF-8 is validated
 * by the table of well-formed byte sequences of the Unicode standard (chapter 3, table 3-7),
 * which rules out overlong forms, surrogates and code points past U+10FFFF by the range of
 * the second byte alone. Runs of bytes that need no escape are written with one fwrite.
 */
#include "sockeye/json.h"

#include <stdbool.h>
#include <stdint.h>

#define SE_JSON_REPLACEMENT "\\ufffd"

/* Bytes of the well-formed UTF-8 sequence (2 to 4) starting at p, or 0 if none does. */
static size_t se_json_utf8_len(const uint8_t *p, size_t left)
{
	uint8_t c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;

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
		return 0; /* continuation byte, C0/C1 (overlong ASCII), F5..FF */
	}
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static bool se_json_plain(uint8_t c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* One byte that cannot be written as is: ASCII to escape, or a byte of invalid UTF-8. */
static void se_json_escape(FILE *out, uint8_t c)
{
	switch (c) {
	case '"':
		fputs("\\\"", out);
		break;
	case '\\':
		fputs("\\\\", out);
		break;
	case '\b':
		fputs("\\b", out);
		break;
	case '\f':
		fputs("\\f", out);
		break;
	case '\n':
		fputs("\\n", out);
		break;
	case '\r':
		fputs("\\r", out);
		break;
	case '\t':
		fputs("\\t", out);
		break;
	default:
		if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputs(SE_JSON_REPLACEMENT, out);
		break;
	}
}

void se_json_write_string(FILE *out, const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, run = 0, n;

	putc('"', out);
	while (i < len) {
		if (se_json_plain(p[i])) {
			i++;
			continue;
		}
		if (p[i] >= 0x80 && (n = se_json_utf8_len(p + i, len - i))) {
			i += n;
			continue;
		}
		if (i > run)
			fwrite(p + run, 1, i - run, out);
		se_json_escape(out, p[i]);
		run = ++i;
	}
	if (i > run)
		fwrite(p + run, 1, i - run, out);
	putc('"', out);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * JSON string escaping of untrusted bytes (see src/sinks/stdout/json.h). UTF-8 is validated
 * as util/utf8.h does; each byte of an ill-formed sequence is written as U+FFFD (paths
 * arrive here valid already: this is the writer's own guarantee for any other string). Runs
 * of bytes that need no escape are written with one fwrite.
 */
#include "sinks/stdout/json.h"

#include <stdbool.h>
#include <stdint.h>

#include "util/utf8.h"

#define SE_JSON_REPLACEMENT "\\ufffd"

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
		if (p[i] >= 0x80 && (n = se_utf8_seq_len(p + i, len - i, NULL))) {
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

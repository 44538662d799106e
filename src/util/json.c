// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * JSON string escaping of untrusted bytes (see src/util/json.h). UTF-8 is validated
 * as util/utf8.h does; each byte of an ill-formed sequence is written as U+FFFD (paths
 * arrive here valid already: this is the writer's own guarantee for any other string). Runs
 * of bytes that need no escape are written with one fwrite.
 */
#include "util/json.h"

#include <stdbool.h>
#include <inttypes.h>
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

#define SE_JSON_DECIMALS 1000 /* three decimals: printed with %03 */

/* v in base units, in the exported unit: three decimals when the scale allows, else whole. */
static void se_json_write_scaled(FILE *out, uint64_t v, uint64_t scale)
{
	uint64_t step, q;

	if (scale < SE_JSON_DECIMALS || scale % SE_JSON_DECIMALS) {
		fprintf(out, "%" PRIu64, v / scale); /* scale 1: sizes, exact */
		return;
	}
	step = scale / SE_JSON_DECIMALS;
	q = v / step + (v % step >= (step + 1) / 2); /* round half up */
	fprintf(out, "%" PRIu64 ".%03" PRIu64, q / SE_JSON_DECIMALS, q % SE_JSON_DECIMALS);
}

void se_json_write_hist(FILE *out, const char *name, const struct se_hist *h,
			const struct se_hist_bounds *b)
{
	fprintf(out, ",\"%s\":{\"count\":%" PRIu64 ",\"sum\":", name, h->count);
	se_json_write_scaled(out, h->sum, b->scale);
	fputs(",\"min\":", out);
	se_json_write_scaled(out, h->count ? h->min : 0, b->scale);
	fputs(",\"max\":", out);
	se_json_write_scaled(out, h->count ? h->max : 0, b->scale);
	fputs(",\"bounds\":[", out);
	for (uint32_t i = 0; i < b->n; i++) /* whole exported units by construction */
		fprintf(out, "%s%" PRIu64, i ? "," : "", b->v[i] / b->scale);
	fputs("],\"counts\":[", out);
	for (uint32_t i = 0; i <= b->n; i++)
		fprintf(out, "%s%" PRIu64, i ? "," : "", h->counts[i]);
	fputs("]}", out);
}

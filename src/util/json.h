/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * JSON strings from untrusted bytes (paths and names seen on the network), and histograms in
 * their exported unit. Pure apart from the FILE it writes to.
 */
#ifndef SOCKEYE_JSON_H
#define SOCKEYE_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "util/hist.h"

/*
 * Write the bytes [s, s + len) as one quoted JSON string. '"' and '\\' are escaped, control
 * characters (< 0x20, and 0x7f) become \n, \t, ... or \u00XX; valid UTF-8 passes through;
 * each byte that is not part of a valid UTF-8 sequence (overlong forms, surrogates, code
 * points past U+10FFFF, stray continuation bytes, sequences cut short) becomes \ufffd. So
 * the output is valid UTF-8 and valid JSON whatever the input. Never reads past s + len;
 * s may be NULL when len is 0.
 */
void se_json_write_string(FILE *out, const char *s, size_t len);

/* `,"name":{count, sum, min, max, bounds, counts}`, values in the exported unit of b: three
 * decimals (rounded half up) when its scale allows, else whole. */
void se_json_write_hist(FILE *out, const char *name, const struct se_hist *h,
			const struct se_hist_bounds *b);

#endif /* SOCKEYE_JSON_H */

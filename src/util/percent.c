// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Percent-decoding (see src/util/percent.h).
 */
#include "util/percent.h"

#include <errno.h>

static int se_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int se_percent_decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n) /* "%" and "%4" at the end */
				return -EINVAL;
			hi = se_hexval(s[i + 1]);
			lo = se_hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (o + 1 >= cap)
			return -EINVAL;
		out[o++] = c;
	}
	if (!cap)
		return -EINVAL;
	out[o] = '\0';
	return 0;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Percent-decoding (RFC 3986 "%XX"), as the OpenTelemetry variables use it for header and
 * resource attribute values. Pure.
 */
#ifndef SOCKEYE_PERCENT_H
#define SOCKEYE_PERCENT_H

#include <stddef.h>

/* Decode the n bytes at s into out (cap bytes, NUL-terminated). 0, or -EINVAL on a bad or
 * cut escape, or when the result does not fit. */
int se_percent_decode(const char *s, size_t n, char *out, size_t cap);

#endif /* SOCKEYE_PERCENT_H */

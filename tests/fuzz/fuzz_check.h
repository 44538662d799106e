/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the fuzz targets check their outputs with: UTF-8 validity, JSON validity, the strings
 * of a protobuf-c message, and an invariant macro that aborts (libFuzzer then saves the input).
 */
#ifndef SOCKEYE_FUZZ_CHECK_H
#define SOCKEYE_FUZZ_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <protobuf-c/protobuf-c.h>

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Well-formed UTF-8 (Unicode table 3-7: no overlong form, surrogate or code point past
 * U+10FFFF). NUL is well-formed; callers that forbid it check it themselves. */
bool fuzz_utf8_valid(const uint8_t *s, size_t n);
/* One JSON object and nothing else (RFC 8259), valid UTF-8, no key twice in an object. */
bool fuzz_json_line_valid(const char *line, size_t n);
/* Every string field of m, at any depth, is valid UTF-8 (protobuf requires it). */
bool fuzz_pb_strings_valid(const ProtobufCMessage *m);

#endif /* SOCKEYE_FUZZ_CHECK_H */

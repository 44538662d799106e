// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for request heads to sockeye's endpoint (src/serve/http_request.c). The
 * input is the bytes a client sends, parsed as the server sees them arrive: its prefixes, in
 * order (every one up to 1 KiB, every 61st beyond), each from a heap copy of exactly its size.
 *
 * Invariants checked, aborting on the first violation:
 *  - every result is one of the four; TOO_LONG only once SE_HTTP_REQUEST_HEAD_MAX bytes came;
 *  - once a prefix gives DONE (or MALFORMED), every longer prefix gives the same, with the
 *    same method, path, format and version: more bytes never change a head that ended;
 *  - MORE never follows DONE, MALFORMED or TOO_LONG;
 *  - DONE: the method is one of the three, the path NUL-terminated within its array, a copy
 *    of the target's bytes up to '?' (cut at its size), without a control byte or a space.
 * The same file builds the libFuzzer binary and, with replay_main.c, the corpus replayer.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/http_request.h"

static void check_done(const struct se_http_request *r)
{
	size_t n = strnlen(r->path, sizeof(r->path));

	if (r->method != SE_HTTP_OTHER && r->method != SE_HTTP_GET && r->method != SE_HTTP_HEAD)
		abort();
	if (n == sizeof(r->path) || strchr(r->path, '?'))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)r->path[i] < 0x21 || r->path[i] == 0x7f)
			abort();
}

/* Parse the first len bytes; check what one parse must hold and what it must share with the
 * first prefix that ended the head (*first, *ended). */
static void parse_prefix(const uint8_t *data, size_t len, enum se_http_parse *first,
			 struct se_http_request *ended)
{
	char *copy = malloc(len ? len : 1);
	struct se_http_request r;
	enum se_http_parse p;

	memcpy(copy, data, len);
	p = se_http_request_parse(copy, len, &r);
	free(copy);
	if (p != SE_HTTP_PARSE_MORE && p != SE_HTTP_PARSE_DONE && p != SE_HTTP_PARSE_MALFORMED &&
	    p != SE_HTTP_PARSE_TOO_LONG)
		abort();
	if (p == SE_HTTP_PARSE_TOO_LONG && len < SE_HTTP_REQUEST_HEAD_MAX)
		abort();
	if (p == SE_HTTP_PARSE_DONE)
		check_done(&r);
	if (*first == SE_HTTP_PARSE_MORE) {
		*first = p;
		*ended = r;
		return;
	}
	if (p != *first)
		abort();
	if (p == SE_HTTP_PARSE_DONE &&
	    (r.method != ended->method || r.openmetrics != ended->openmetrics ||
	     r.chunked_ok != ended->chunked_ok || strcmp(r.path, ended->path)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum se_http_parse first = SE_HTTP_PARSE_MORE;
	struct se_http_request ended = { 0 };
	size_t step = size > 1024 ? 61 : 1; /* all prefixes are quadratic */

	if (size > 2 * SE_HTTP_REQUEST_HEAD_MAX)
		return 0;
	for (size_t len = 0; len < size; len += step)
		parse_prefix(data, len, &first, &ended);
	parse_prefix(data, size, &first, &ended);
	return 0;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* HTTP request methods, as every HTTP version names them (RFC 9110 9). Pure. */
#ifndef SOCKEYE_HTTP_METHOD_H
#define SOCKEYE_HTTP_METHOD_H

#include <stddef.h>
#include <stdint.h>

/* Append-only: exported as a number in places. SE_HTTP_OTHER prints as "_OTHER" (OTel). */
enum se_http_method {
	SE_HTTP_OTHER = 0,
	SE_HTTP_GET = 1,
	SE_HTTP_HEAD = 2,
	SE_HTTP_POST = 3,
	SE_HTTP_PUT = 4,
	SE_HTTP_DELETE = 5,
	SE_HTTP_CONNECT = 6,
	SE_HTTP_OPTIONS = 7,
	SE_HTTP_TRACE = 8,
	SE_HTTP_PATCH = 9,
	SE_HTTP_METHOD__COUNT = 10,
};

/* "GET", ..., "_OTHER". */
const char *se_http_method_name(enum se_http_method m);
/* The method named by n bytes at p (exactly, in upper case), or SE_HTTP_OTHER. */
enum se_http_method se_http_method_of(const uint8_t *p, size_t n);

#endif /* SOCKEYE_HTTP_METHOD_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The head of a request to sockeye's own endpoint (--listen): its method, its path, and
 * which exposition format its Accept header prefers. Bytes from the network: bounded, any
 * input is either a head, "more needed" or malformed. Pure.
 */
#ifndef SOCKEYE_HTTP_REQUEST_H
#define SOCKEYE_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#define SE_HTTP_REQUEST_HEAD_MAX 8192 /* a longer head is malformed (431) */
#define SE_HTTP_REQUEST_PATH_MAX 64   /* longer paths are kept cut: no route is that long */

enum se_http_method {
	SE_HTTP_OTHER = 0,
	SE_HTTP_GET,
	SE_HTTP_HEAD,
};

struct se_http_request {
	enum se_http_method method;
	char path[SE_HTTP_REQUEST_PATH_MAX]; /* without the query */
	bool openmetrics; /* Accept ranks OpenMetrics text above the 0.0.4 text format */
	bool chunked_ok;  /* HTTP/1.1 or later: a body may come in chunks */
};

enum se_http_parse {
	SE_HTTP_PARSE_MORE = 0,	      /* no end of head yet */
	SE_HTTP_PARSE_DONE = 1,	      /* *r holds the head */
	SE_HTTP_PARSE_MALFORMED = -1, /* not an HTTP/1.x request head */
	SE_HTTP_PARSE_TOO_LONG = -2,  /* no end within SE_HTTP_REQUEST_HEAD_MAX bytes */
};

/* Parse the len bytes received so far on a connection. */
enum se_http_parse se_http_request_parse(const char *buf, size_t len, struct se_http_request *r);

#endif /* SOCKEYE_HTTP_REQUEST_H */

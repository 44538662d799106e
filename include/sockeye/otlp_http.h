/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * OTLP/HTTP transport: one reused libcurl handle (its connection is kept alive between
 * windows), POSTs of protobuf bodies with Content-Type application/x-protobuf, optional gzip,
 * the configured headers and a timeout per attempt. Context: the sender thread; call
 * se_otlp_http_global_init once from main before any thread starts (libcurl's rule).
 */
#ifndef SOCKEYE_OTLP_HTTP_H
#define SOCKEYE_OTLP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockeye/config.h"

struct se_otlp_http;

struct se_otlp_post {
	long status;	    /* HTTP status; 0 when no answer came (connect error, timeout) */
	long retry_after_s; /* the Retry-After header, in seconds; -1 when absent or invalid */
	char error[256];    /* what went wrong, for the log */
};

int se_otlp_http_global_init(void);
void se_otlp_http_global_fini(void);

/* NULL on failure. */
struct se_otlp_http *se_otlp_http_new(const struct se_config *cfg);
void se_otlp_http_free(struct se_otlp_http *h);
/* One attempt. 0 when an HTTP answer came (whatever its status), -1 otherwise (r says why). */
int se_otlp_http_post(struct se_otlp_http *h, const char *url, const uint8_t *body, size_t len,
		      struct se_otlp_post *r);

/* gzip (RFC 1952) of in, into a malloc'd buffer. 0 or -ENOMEM. Pure. */
int se_otlp_gzip(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len);
/* Retry-After: delay-seconds, or an HTTP-date (seconds from now_s). -1 when invalid. Pure. */
long se_otlp_parse_retry_after(const char *v, int64_t now_s);

#endif /* SOCKEYE_OTLP_HTTP_H */

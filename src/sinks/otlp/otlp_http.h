/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * OTLP/HTTP transport: one reused libcurl handle (its connection is kept alive between
 * windows), POSTs of protobuf bodies with Content-Type application/x-protobuf, optional gzip,
 * the configured headers, the signal's TLS files and a timeout per attempt. Once sockeye is
 * stopping, an attempt ends by the stop deadline at the latest, even one already under way
 * (a progress callback aborts it). Context: the sender thread; call se_otlp_http_global_init
 * once from main before any thread starts (libcurl's rule).
 */
#ifndef SOCKEYE_OTLP_HTTP_H
#define SOCKEYE_OTLP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "pipeline/sink.h"

struct se_otlp_http;

struct se_otlp_post {
	long status;	    /* HTTP status; 0 when no answer came (connect error, timeout) */
	long retry_after_s; /* the Retry-After header, in seconds; -1 when absent or invalid */
	bool tls;	    /* no answer because TLS failed (se_otlp_tls_failure) */
	bool stopped;	    /* no answer because the stop deadline came */
	char error[256];    /* what went wrong, for the log */
};

int se_otlp_http_global_init(void);
void se_otlp_http_global_fini(void);

/* NULL on failure. */
struct se_otlp_http *se_otlp_http_new(const struct se_config *cfg);
void se_otlp_http_free(struct se_otlp_http *h);
/*
 * One attempt, with the TLS files of signal sig, lasting at most --otlp-timeout and, once
 * stopping, ending by the stop deadline. 0 when an HTTP answer came (whatever its status), -1
 * otherwise (r says why).
 */
int se_otlp_http_post(struct se_otlp_http *h, enum se_otlp_signal sig, const char *url,
		      const uint8_t *body, size_t len, const struct se_sink_stop *stop,
		      struct se_otlp_post *r);

/*
 * Whether a libcurl error (a CURLcode, and the message curl gave) means TLS failed rather than
 * the network: a certificate that does not verify (wrong CA, name, date), a client
 * certificate or key that cannot be used, a CA file that cannot be read, or a handshake the
 * TLS library refused (a TLS alert from the collector, such as "certificate required", or
 * https:// to a plain-HTTP port). A handshake or a read cut by the network (a reset, a
 * timeout) is not TLS's failure. Pure.
 */
bool se_otlp_tls_failure(int curl_code, const char *message);

/* gzip (RFC 1952) of in, into a malloc'd buffer. 0 or -ENOMEM. Pure. */
int se_otlp_gzip(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len);
/* Retry-After: delay-seconds, or an HTTP-date (seconds from now_s). -1 when invalid. Pure. */
long se_otlp_parse_retry_after(const char *v, int64_t now_s);

#endif /* SOCKEYE_OTLP_HTTP_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * OTLP/HTTP transport over libcurl (see src/sinks/otlp/otlp_http.h).
 */
#include "sinks/otlp/otlp_http.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <zlib.h>

#include "util/clock.h"

/* How long libcurl keeps a parsed CA file: a CA rotated in a mounted secret is used within a
 * minute, and parsing a bundle once a minute at most costs nothing. */
#define SE_OTLP_CA_CACHE_S 60

struct se_otlp_http {
	CURL *curl;
	struct curl_slist *headers;	 /* the configured ones and Content-Type */
	struct curl_slist *headers_gzip; /* the same plus Content-Encoding: gzip */
	bool gzip;
	long timeout_ms;		       /* --otlp-timeout */
	const struct se_otlp_tls *tls;	       /* cfg's, per signal; immutable after start */
	const char *system_ca, *system_ca_dir; /* libcurl's built-in CAINFO and CAPATH */
	const struct se_sink_stop *stop;       /* the current attempt's, for se_otlp_progress */
	char curl_error[CURL_ERROR_SIZE];
};

int se_otlp_http_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void se_otlp_http_global_fini(void)
{
	curl_global_cleanup();
}

/* libcurl calls this about once a second or more often during a transfer, even when nothing
 * moves: a non-zero return aborts it (CURLE_ABORTED_BY_CALLBACK). */
static int se_otlp_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			    curl_off_t ulnow)
{
	struct se_otlp_http *h = ctx;
	uint64_t deadline = h->stop->deadline_ns(h->stop->arg);

	return deadline && se_clock_mono_ns() >= deadline;
}

/* The answer's body is not used: OTLP partial-success details would only be logged. */
static size_t se_otlp_discard(char *p, size_t size, size_t n, void *ctx)
{
	return size * n;
}

static struct curl_slist *se_otlp_header_list(const struct se_config *cfg, bool gzip)
{
	struct curl_slist *l = NULL, *t;

	for (unsigned int i = 0; i < cfg->otlp_nheaders; i++) {
		if (!(t = curl_slist_append(l, cfg->otlp_headers[i])))
			goto fail;
		l = t;
	}
	if (!(t = curl_slist_append(l, "Content-Type: application/x-protobuf")))
		goto fail;
	l = t;
	if (gzip) {
		if (!(t = curl_slist_append(l, "Content-Encoding: gzip")))
			goto fail;
		l = t;
	}
	return l;
fail:
	curl_slist_free_all(l);
	return NULL;
}

struct se_otlp_http *se_otlp_http_new(const struct se_config *cfg)
{
	struct se_otlp_http *h = calloc(1, sizeof(*h));
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	if (!h)
		return NULL;
	h->gzip = cfg->otlp_gzip;
	h->timeout_ms = (long)cfg->otlp_timeout_s * 1000;
	h->tls = cfg->otlp_tls;
	if (v->age >= CURLVERSION_SEVENTH) {
		h->system_ca = v->cainfo;
		h->system_ca_dir = v->capath;
	}
	h->curl = curl_easy_init();
	h->headers = se_otlp_header_list(cfg, false);
	h->headers_gzip = se_otlp_header_list(cfg, true);
	if (!h->curl || !h->headers || !h->headers_gzip) {
		se_otlp_http_free(h);
		return NULL;
	}
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS */
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->curl_error);
	curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h->curl, CURLOPT_XFERINFOFUNCTION, se_otlp_progress);
	curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA, h);
#if LIBCURL_VERSION_NUM >= 0x075700 /* 7.87.0 */
	curl_easy_setopt(h->curl, CURLOPT_CA_CACHE_TIMEOUT, (long)SE_OTLP_CA_CACHE_S);
#endif
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, se_otlp_discard);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "sockeye/" SOCKEYE_VERSION);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	return h;
}

void se_otlp_http_free(struct se_otlp_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->headers);
	curl_slist_free_all(h->headers_gzip);
	free(h);
}

int se_otlp_gzip(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
	z_stream z;
	uLong cap;
	uint8_t *buf;

	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip header and trailer instead of zlib's */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -ENOMEM;
	cap = deflateBound(&z, (uLong)len);
	buf = malloc(cap ? cap : 1);
	if (!buf) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	*out_len = z.total_out;
	deflateEnd(&z);
	return 0;
}

long se_otlp_parse_retry_after(const char *v, int64_t now_s)
{
	char *end;
	long s;
	time_t t;

	while (isspace((unsigned char)*v))
		v++;
	if (isdigit((unsigned char)*v)) {
		errno = 0;
		s = strtol(v, &end, 10);
		while (isspace((unsigned char)*end))
			end++;
		return errno || *end || s < 0 ? -1 : s;
	}
	t = curl_getdate(v, NULL);
	if (t == (time_t)-1)
		return -1;
	return t > now_s ? (long)(t - now_s) : 0;
}

bool se_otlp_tls_failure(int curl_code, const char *message)
{
	switch (curl_code) {
	case CURLE_SSL_CONNECT_ERROR:
		/* The handshake: TLS's failure when the TLS library says so ("SSL routines"
		 * is OpenSSL's), unless all it saw was the connection closing. */
		if (message && strstr(message, "unexpected eof"))
			return false;
		return message && (strstr(message, "SSL routines") || strstr(message, " alert "));
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		/* With TLS 1.3 a collector checks the client certificate after the client's
		 * handshake is over: its refusal comes as an alert on the first read. */
		return message && strstr(message, " alert ");
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
#if LIBCURL_VERSION_NUM >= 0x074d00 /* 7.77.0 */
	case CURLE_SSL_CLIENTCERT:
#endif
		return true;
	default:
		return false;
	}
}

int se_otlp_http_post(struct se_otlp_http *h, enum se_otlp_signal sig, const char *url,
		      const uint8_t *body, size_t len, const struct se_sink_stop *stop,
		      struct se_otlp_post *r)
{
	const struct se_otlp_tls *tls = &h->tls[sig];
	uint8_t *zbody = NULL;
	size_t zlen = 0;
	struct curl_header *ra;
	uint64_t deadline = stop->deadline_ns(stop->arg);
	long timeout_ms = h->timeout_ms;
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	r->retry_after_s = -1;
	if (deadline) {
		uint64_t now = se_clock_mono_ns();

		if (now >= deadline) {
			r->stopped = true;
			return -1;
		}
		if ((deadline - now) / SE_NS_PER_MS + 1 < (uint64_t)timeout_ms)
			timeout_ms = (long)((deadline - now) / SE_NS_PER_MS + 1);
	}
	if (h->gzip && se_otlp_gzip(body, len, &zbody, &zlen)) {
		snprintf(r->error, sizeof(r->error), "out of memory compressing");
		return -1;
	}
	h->curl_error[0] = '\0';
	h->stop = stop;
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	/* A CA file given replaces the system's CAs, as in the OpenTelemetry SDKs. The same
	 * strings every time: libcurl still reuses the connection. */
	curl_easy_setopt(h->curl, CURLOPT_CAINFO, tls->ca.path[0] ? tls->ca.path : h->system_ca);
	curl_easy_setopt(h->curl, CURLOPT_CAPATH, tls->ca.path[0] ? NULL : h->system_ca_dir);
	curl_easy_setopt(h->curl, CURLOPT_SSLCERT, tls->cert.path[0] ? tls->cert.path : NULL);
	curl_easy_setopt(h->curl, CURLOPT_SSLKEY, tls->key.path[0] ? tls->key.path : NULL);
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->gzip ? h->headers_gzip : h->headers);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS,
			 zbody ? (const char *)zbody : (const char *)body);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(zbody ? zlen : len));
	rc = curl_easy_perform(h->curl);
	free(zbody);
	if (rc != CURLE_OK) {
		snprintf(r->error, sizeof(r->error), "%s",
			 h->curl_error[0] ? h->curl_error : curl_easy_strerror(rc));
		/* aborted by se_otlp_progress, or the timeout cut to the deadline */
		deadline = stop->deadline_ns(stop->arg);
		r->stopped =
		    rc == CURLE_ABORTED_BY_CALLBACK || (deadline && se_clock_mono_ns() >= deadline);
		r->tls = !r->stopped && se_otlp_tls_failure(rc, r->error);
		return -1;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (curl_easy_header(h->curl, "Retry-After", 0, CURLH_HEADER, -1, &ra) == CURLHE_OK)
		r->retry_after_s = se_otlp_parse_retry_after(ra->value, (int64_t)time(NULL));
	return 0;
}

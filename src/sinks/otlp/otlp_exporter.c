// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The OTLP exporter (see src/sinks/otlp/otlp_exporter.h).
 */
#include "sinks/otlp/otlp_exporter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/log.h"
#include "sinks/otlp/counters.h"
#include "sinks/otlp/otlp_http.h"
#include "sinks/otlp_resource.h"
#include "sinks/otlp/otlp_retry.h"
#include "sinks/otlp/otlp_spans.h"
#include "proto/tracectx.h"
#include "util/url.h"

/* Backoff waits are cut in steps this long, so that a stop is noticed. */
#define SE_OTLP_WAIT_STEP_MS 50
/* A URL: the endpoint and "/v1/metrics". */
#define SE_OTLP_URL_MAX (SE_OTLP_ENDPOINT_MAX + 16)

struct se_otlp_exporter {
	char url[SE_OTLP_SIGNALS][SE_OTLP_URL_MAX];
	char url_shown[SE_OTLP_SIGNALS][SE_OTLP_URL_MAX]; /* without user:password, for logs */
	uint64_t trace_rng[4];				  /* ids of summary spans */
	struct se_otlp_http *http;
	struct se_otlp_resource resource;
	struct se_otlp_metrics metrics;
	uint64_t failures[SE_EXPORT_FAIL__COUNT];
	uint64_t rnd;		  /* xorshift state for jitter */
	bool giving_up_rest;	  /* stopping, and the collector failed: no more attempts */
	struct se_health *health; /* lent; NULL: none */
	/* per signal, the failure last logged (se_export_failure), -1 after a success: a
	 * failure is logged when it changes, not at every retry */
	int failing[SE_OTLP_SIGNALS];
};

static const char *se_getenv(const char *name)
{
	return getenv(name);
}

/* Warn at start when the endpoint would send secrets unencrypted, or ignore TLS files. */
static void se_otlp_exporter_check_endpoint(const struct se_config *cfg, const char *shown)
{
	const char *ep = cfg->otlp_endpoint;
	const struct se_otlp_tls *t = &cfg->otlp_tls[SE_OTLP_METRICS];
	const struct se_otlp_tls *u = &cfg->otlp_tls[SE_OTLP_TRACES];
	bool userinfo = se_url_has_userinfo(ep);

	if (!se_url_is_plain_http(ep))
		return;
	if ((cfg->otlp_nheaders || userinfo) && !se_url_host_is_loopback(ep))
		se_warn("OTLP: %s is plain http:// to another host: %s%s%s travel unencrypted "
			"(use https://)",
			shown, cfg->otlp_nheaders ? "the export headers" : "",
			cfg->otlp_nheaders && userinfo ? " and " : "",
			userinfo ? "the URL's user:password" : "");
	if (t->ca.path[0] || t->cert.path[0] || u->ca.path[0] || u->cert.path[0])
		se_warn("OTLP: %s is plain http://: the TLS certificates given are not used",
			shown);
}

struct se_otlp_exporter *se_otlp_exporter_new(const struct se_config *cfg)
{
	static const char *const paths[SE_OTLP_SIGNALS] = {
		[SE_OTLP_METRICS] = "/v1/metrics",
		[SE_OTLP_TRACES] = "/v1/traces",
	};
	struct se_otlp_exporter *e = calloc(1, sizeof(*e));
	char host[256] = "";
	size_t n;
	unsigned int skipped;

	if (!e)
		return NULL;
	/* <endpoint>/v1/metrics, without doubling a trailing slash */
	n = strlen(cfg->otlp_endpoint);
	if (n && cfg->otlp_endpoint[n - 1] == '/')
		n--;
	for (int sig = 0; sig < SE_OTLP_SIGNALS; sig++) {
		snprintf(e->url[sig], sizeof(e->url[sig]), "%.*s%s", (int)n, cfg->otlp_endpoint,
			 paths[sig]);
		se_url_redact(e->url[sig], e->url_shown[sig], sizeof(e->url_shown[sig]));
	}
	se_otlp_exporter_check_endpoint(cfg, e->url_shown[SE_OTLP_METRICS]);
	se_tracectx_seed(e->trace_rng);
	e->http = se_otlp_http_new(cfg);
	if (!e->http) {
		free(e);
		return NULL;
	}
	gethostname(host, sizeof(host) - 1);
	skipped = se_otlp_resource_init(&e->resource, se_getenv, host, (int64_t)getpid());
	if (skipped)
		se_warn("OTEL_RESOURCE_ATTRIBUTES: %u malformed entries ignored", skipped);
	se_otlp_metrics_init(&e->metrics, cfg->delta, cfg->max_groups,
			     (uint64_t)cfg->metrics_ttl_s * SE_NS_PER_S);
	e->rnd = se_clock_mono_ns() | 1;
	for (int sig = 0; sig < SE_OTLP_SIGNALS; sig++)
		e->failing[sig] = -1;
	return e;
}

void se_otlp_exporter_free(struct se_otlp_exporter *e)
{
	if (!e)
		return;
	se_otlp_http_free(e->http);
	se_otlp_metrics_fini(&e->metrics);
	free(e);
}

void se_otlp_exporter_counts(const struct se_otlp_exporter *e,
			     uint64_t failures[SE_EXPORT_FAIL__COUNT])
{
	memcpy(failures, e->failures, sizeof(e->failures));
}

static uint64_t se_otlp_rand(struct se_otlp_exporter *e)
{
	e->rnd ^= e->rnd << 13;
	e->rnd ^= e->rnd >> 7;
	e->rnd ^= e->rnd << 17;
	return e->rnd;
}

/* Wait ms, or less if sockeye starts stopping. */
static void se_otlp_wait(uint64_t ms, const struct se_sink_stop *stop)
{
	while (ms && !stop->deadline_ns(stop->arg)) {
		uint64_t step = ms < SE_OTLP_WAIT_STEP_MS ? ms : SE_OTLP_WAIT_STEP_MS;
		struct timespec t = { .tv_sec = 0, .tv_nsec = (long)(step * 1000000) };

		nanosleep(&t, NULL);
		ms -= step;
	}
}

/* One line per change of failure, each rejection (each drops an export), and the failure
 * that gives up the exports left when stopping. */
static void se_otlp_log_failure(struct se_otlp_exporter *e, enum se_otlp_signal sig,
				enum se_export_failure why, const struct se_otlp_post *r,
				bool giving_up)
{
	const char *url = e->url_shown[sig];
	const char *next = giving_up ? "stopping: given up, with the exports left" : "retrying";

	if ((int)why == e->failing[sig] && why != SE_EXPORT_FAIL_REJECTED && !giving_up)
		return;
	e->failing[sig] = (int)why;
	switch (why) {
	case SE_EXPORT_FAIL_TLS:
		se_warn("OTLP: %s: TLS failed: %s (not retried: dropped; check the CA that "
			"verifies the collector, --otlp-certificate, and for mutual TLS the "
			"client certificate and key, --otlp-client-certificate and "
			"--otlp-client-key)",
			url, r->error);
		break;
	case SE_EXPORT_FAIL_REJECTED:
		se_warn("OTLP: %s: HTTP %ld (not retried: dropped)", url, r->status);
		break;
	default:
		if (r->status)
			se_warn("OTLP: %s: HTTP %ld (%s)", url, r->status, next);
		else
			se_warn("OTLP: %s: %s (%s)", url, r->error, next);
		break;
	}
}

/* POST body to the signal's URL until delivered, rejected or given up; failures counted by
 * reason. */
static void se_otlp_deliver(struct se_otlp_exporter *e, enum se_otlp_signal sig,
			    const uint8_t *body, size_t len, const struct se_sink_stop *stop)
{
	const char *url = e->url_shown[sig];
	uint64_t started = se_clock_mono_ns();

	for (unsigned int attempt = 0;; attempt++) {
		struct se_otlp_post r;
		enum se_export_failure why;
		bool stopping, dropped;
		uint64_t wait_ms;

		if (e->giving_up_rest) {
			e->failures[SE_EXPORT_FAIL_GAVE_UP]++;
			return;
		}
		if (!se_otlp_http_post(e->http, sig, e->url[sig], body, len, stop, &r)) {
			enum se_otlp_outcome o = se_otlp_classify(r.status);

			if (o == SE_OTLP_DELIVERED) {
				if (e->health)
					se_health_export_delivered(e->health);
				if (e->failing[sig] >= 0)
					se_info("OTLP: %s accepts exports again", url);
				e->failing[sig] = -1;
				return;
			}
			why = o == SE_OTLP_REJECTED ? SE_EXPORT_FAIL_REJECTED
						    : SE_EXPORT_FAIL_RETRYABLE;
		} else if (r.stopped) {
			e->failures[SE_EXPORT_FAIL_GAVE_UP]++;
			e->giving_up_rest = true;
			se_warn("OTLP: %s: stopping, and the time to export is over: this export "
				"and those left are given up",
				url);
			return;
		} else {
			why = r.tls ? SE_EXPORT_FAIL_TLS : SE_EXPORT_FAIL_CONNECT;
		}
		e->failures[why]++;
		if (e->health)
			se_health_export_failed(e->health, se_clock_mono_ns());
		dropped = why == SE_EXPORT_FAIL_REJECTED || why == SE_EXPORT_FAIL_TLS;
		stopping = stop->deadline_ns(stop->arg) != 0;
		se_otlp_log_failure(e, sig, why, &r, stopping && !dropped);
		if (dropped)
			return;
		if (stopping) {
			/* No waits. This export and the rest are given up. */
			e->giving_up_rest = true;
			continue;
		}
		wait_ms = se_otlp_backoff_ms(attempt, r.retry_after_s, se_otlp_rand(e));
		if ((se_clock_mono_ns() - started) / SE_NS_PER_MS + wait_ms >
		    SE_OTLP_RETRY_MAX_ELAPSED_MS) {
			e->failures[SE_EXPORT_FAIL_GAVE_UP]++;
			se_warn("OTLP: %s: given up after %u attempts", url, attempt + 1);
			return;
		}
		se_otlp_wait(wait_ms, stop);
	}
}

void se_otlp_exporter_export(struct se_otlp_exporter *e, const struct se_export_window *ew,
			     const struct se_sink_stop *stop)
{
	uint8_t *body = NULL;
	size_t len = 0;

	/* Encoded even when it cannot be sent: the running totals must include it. */
	if (se_otlp_metrics_encode(&e->metrics, &e->resource, ew, e->failures, "tracepoint", &body,
				   &len)) {
		e->failures[SE_EXPORT_FAIL_ENCODE]++;
		se_warn("OTLP: out of memory encoding a window's metrics: not sent");
	} else {
		se_otlp_deliver(e, SE_OTLP_METRICS, body, len, stop);
		free(body);
	}
	if (!se_otlp_spans_count(&ew->w))
		return;
	body = NULL;
	if (se_otlp_spans_encode(&e->resource, &ew->w, e->trace_rng, &body, &len)) {
		e->failures[SE_EXPORT_FAIL_ENCODE]++;
		se_warn("OTLP: out of memory encoding a window's spans: not sent");
		return;
	}
	se_otlp_deliver(e, SE_OTLP_TRACES, body, len, stop);
	free(body);
}

struct se_otlp_sink {
	struct se_sink sink;
	struct se_otlp_exporter *e;
	uint64_t failures_shown[SE_EXPORT_FAIL__COUNT]; /* counted into a window already */
};

static void se_otlp_sink_export(struct se_sink *sink, const struct se_export_window *ew,
				const struct se_sink_stop *stop)
{
	se_otlp_exporter_export(((struct se_otlp_sink *)sink)->e, ew, stop);
}

/* Failures since the last window, into this window's loss counters. */
static void se_otlp_sink_count_failures(struct se_sink *sink, uint64_t *counters)
{
	struct se_otlp_sink *s = (struct se_otlp_sink *)sink;
	uint64_t f[SE_EXPORT_FAIL__COUNT];
	const uint64_t *shown = s->failures_shown;

	se_otlp_exporter_counts(s->e, f);
	counters[SE_UC_OTLP_REJECTED] +=
	    f[SE_EXPORT_FAIL_REJECTED] - shown[SE_EXPORT_FAIL_REJECTED];
	counters[SE_UC_OTLP_UNSENT] += f[SE_EXPORT_FAIL_GAVE_UP] - shown[SE_EXPORT_FAIL_GAVE_UP] +
				       f[SE_EXPORT_FAIL_ENCODE] - shown[SE_EXPORT_FAIL_ENCODE] +
				       f[SE_EXPORT_FAIL_TLS] - shown[SE_EXPORT_FAIL_TLS];
	memcpy(s->failures_shown, f, sizeof(f));
}

void se_otlp_sink_failures(void *sink, uint64_t failures[SE_EXPORT_FAIL__COUNT])
{
	se_otlp_exporter_counts(((struct se_otlp_sink *)sink)->e, failures);
}

static void se_otlp_sink_free(struct se_sink *sink)
{
	struct se_otlp_sink *s = (struct se_otlp_sink *)sink;

	se_otlp_exporter_free(s->e);
	free(s);
}

static const struct se_sink_ops se_otlp_sink_ops = {
	.export = se_otlp_sink_export,
	.count_failures = se_otlp_sink_count_failures,
	.free = se_otlp_sink_free,
	.remote = true,
};

struct se_sink *se_otlp_sink_new(const struct se_config *cfg, struct se_health *health)
{
	struct se_otlp_sink *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->sink.ops = &se_otlp_sink_ops;
	s->e = se_otlp_exporter_new(cfg);
	if (!s->e) {
		free(s);
		return NULL;
	}
	s->e->health = health;
	return &s->sink;
}

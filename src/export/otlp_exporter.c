// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The OTLP exporter (see include/sockeye/otlp_exporter.h).
 */
#include "sockeye/otlp_exporter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sockeye/clock.h"
#include "sockeye/log.h"
#include "sockeye/otlp_http.h"
#include "sockeye/otlp_resource.h"
#include "sockeye/otlp_retry.h"
#include "sockeye/otlp_spans.h"
#include "sockeye/tracectx.h"

/* Backoff waits are cut in steps this long, so that a stop is noticed. */
#define SE_OTLP_WAIT_STEP_MS 50

struct se_otlp_exporter {
	char metrics_url[SE_OTLP_ENDPOINT_MAX + 16];
	char traces_url[SE_OTLP_ENDPOINT_MAX + 16];
	uint64_t trace_rng[4]; /* ids of summary spans */
	struct se_otlp_http *http;
	struct se_otlp_resource resource;
	struct se_otlp_metrics metrics;
	uint64_t failures[SE_EXPORT_FAIL__COUNT];
	uint64_t rnd;	     /* xorshift state for jitter */
	bool giving_up_rest; /* stopping, and the collector failed: no more attempts */
	bool was_failing;    /* for logging the change only */
};

static const char *se_getenv(const char *name)
{
	return getenv(name);
}

struct se_otlp_exporter *se_otlp_exporter_new(const struct se_config *cfg)
{
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
	snprintf(e->metrics_url, sizeof(e->metrics_url), "%.*s/v1/metrics", (int)n,
		 cfg->otlp_endpoint);
	snprintf(e->traces_url, sizeof(e->traces_url), "%.*s/v1/traces", (int)n,
		 cfg->otlp_endpoint);
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
static void se_otlp_wait(uint64_t ms, bool (*closing)(void *arg), void *arg)
{
	while (ms && !closing(arg)) {
		uint64_t step = ms < SE_OTLP_WAIT_STEP_MS ? ms : SE_OTLP_WAIT_STEP_MS;
		struct timespec t = { .tv_sec = 0, .tv_nsec = (long)(step * 1000000) };

		nanosleep(&t, NULL);
		ms -= step;
	}
}

/* POST body to url until delivered, rejected or given up; failures counted by reason. */
static void se_otlp_deliver(struct se_otlp_exporter *e, const char *url, const uint8_t *body,
			    size_t len, bool (*closing)(void *arg), void *arg)
{
	uint64_t started = se_clock_mono_ns();

	for (unsigned int attempt = 0;; attempt++) {
		struct se_otlp_post r;
		enum se_otlp_outcome o;
		uint64_t wait_ms;

		if (e->giving_up_rest) {
			e->failures[SE_EXPORT_FAIL_GAVE_UP]++;
			return;
		}
		o = se_otlp_http_post(e->http, url, body, len, &r) ? SE_OTLP_RETRY
								   : se_otlp_classify(r.status);
		if (o == SE_OTLP_DELIVERED) {
			if (e->was_failing)
				se_info("OTLP: %s accepts exports again", url);
			e->was_failing = false;
			return;
		}
		if (!e->was_failing || o == SE_OTLP_REJECTED) {
			char why[300];

			if (r.status)
				snprintf(why, sizeof(why), "HTTP %ld", r.status);
			else
				snprintf(why, sizeof(why), "%s", r.error);
			se_warn("OTLP: %s: %s%s", url, why,
				o == SE_OTLP_REJECTED ? " (not retried: dropped)" : " (retrying)");
		}
		e->was_failing = true;
		if (o == SE_OTLP_REJECTED) {
			e->failures[SE_EXPORT_FAIL_REJECTED]++;
			return;
		}
		e->failures[r.status ? SE_EXPORT_FAIL_RETRYABLE : SE_EXPORT_FAIL_CONNECT]++;
		wait_ms = se_otlp_backoff_ms(attempt, r.retry_after_s, se_otlp_rand(e));
		if (closing(arg)) {
			/* Stopping: no waits. This export and the rest are given up. */
			e->giving_up_rest = true;
			continue;
		}
		if ((se_clock_mono_ns() - started) / SE_NS_PER_MS + wait_ms >
		    SE_OTLP_RETRY_MAX_ELAPSED_MS) {
			e->failures[SE_EXPORT_FAIL_GAVE_UP]++;
			se_warn("OTLP: %s: given up after %u attempts", url, attempt + 1);
			return;
		}
		se_otlp_wait(wait_ms, closing, arg);
	}
}

void se_otlp_exporter_export(struct se_otlp_exporter *e, const struct se_export_window *ew,
			     bool (*closing)(void *arg), void *arg)
{
	uint8_t *body = NULL;
	size_t len = 0;

	/* Encoded even when it cannot be sent: the running totals must include it. */
	if (se_otlp_metrics_encode(&e->metrics, &e->resource, ew, e->failures, "tracepoint", &body,
				   &len)) {
		e->failures[SE_EXPORT_FAIL_ENCODE]++;
		se_warn("OTLP: out of memory encoding a window's metrics: not sent");
	} else {
		se_otlp_deliver(e, e->metrics_url, body, len, closing, arg);
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
	se_otlp_deliver(e, e->traces_url, body, len, closing, arg);
	free(body);
}

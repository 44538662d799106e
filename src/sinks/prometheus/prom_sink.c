// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Prometheus sink (see src/sinks/prometheus/prom_sink.h).
 */
#include "sinks/prometheus/prom_sink.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sinks/otlp_resource.h"
#include "util/clock.h"
#include "util/log.h"

struct se_prom_sink {
	struct se_sink sink;
	struct se_prom_pages *pages;
	struct se_export_failures_source failures;
	struct se_otlp_metrics metrics;
	struct se_otlp_resource resource;
	bool warned; /* out of memory once already */
};

static const char *se_prom_getenv(const char *name)
{
	return getenv(name);
}

static void se_prom_sink_export(struct se_sink *sink, const struct se_export_window *ew,
				const struct se_sink_stop *stop)
{
	struct se_prom_sink *s = (struct se_prom_sink *)sink;
	uint64_t failures[SE_EXPORT_FAIL__COUNT] = { 0 };
	struct se_prom_page *page = se_prom_page_new();
	struct se_arena scratch;

	(void)stop;
	if (s->failures.get)
		s->failures.get(s->failures.arg, failures);
	if (page && (page->req = se_otlp_metrics_build(&s->metrics, &s->resource, ew, failures,
						       "tracepoint", &page->arena))) {
		se_prom_pages_publish(s->pages, page);
		return;
	}
	/* Out of memory: the scrapes show the last page until a window fits; the running
	 * totals include this one all the same. */
	if (!page) {
		se_arena_init(&scratch);
		se_otlp_metrics_build(&s->metrics, &s->resource, ew, failures, "tracepoint",
				      &scratch);
		se_arena_fini(&scratch);
	}
	se_prom_pages_put(s->pages, page);
	if (!s->warned)
		se_warn("/metrics: out of memory building a window's page: scrapes show the "
			"previous one");
	s->warned = true;
}

static void se_prom_sink_free(struct se_sink *sink)
{
	struct se_prom_sink *s = (struct se_prom_sink *)sink;

	se_otlp_metrics_fini(&s->metrics);
	free(s);
}

static const struct se_sink_ops se_prom_sink_ops = {
	.export = se_prom_sink_export,
	.free = se_prom_sink_free,
	.remote = false,
};

struct se_sink *se_prom_sink_new(const struct se_config *cfg, struct se_prom_pages *pages,
				 const struct se_export_failures_source *failures)
{
	struct se_prom_sink *s = calloc(1, sizeof(*s));
	char host[256] = "";

	if (!s)
		return NULL;
	s->sink.ops = &se_prom_sink_ops;
	s->pages = pages;
	if (failures)
		s->failures = *failures;
	gethostname(host, sizeof(host) - 1);
	se_otlp_resource_init(&s->resource, se_prom_getenv, host, (int64_t)getpid());
	/* Prometheus' counters are cumulative, whatever --temporality says of OTLP's */
	se_otlp_metrics_init(&s->metrics, false, cfg->max_groups,
			     (uint64_t)cfg->metrics_ttl_s * SE_NS_PER_S);
	return &s->sink;
}

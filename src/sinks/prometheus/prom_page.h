/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What GET /metrics shows: the metrics of the last window exported, as an OTLP request in an
 * arena of its own (nothing in it points elsewhere), rendered piece by piece by the
 * endpoint's thread as a scrape's socket takes it (prom_text.h). The sender publishes a new
 * page per window; a scrape holds a reference to the page it renders, so a publish never
 * waits for a scrape, nor a scrape for an export: one mutex, taken once per window and twice
 * per scrape, never by a worker. Pages alive at once: the one published, the one being
 * built, and one per scrape being answered (SE_SERVE_RENDERS_MAX).
 */
#ifndef SOCKEYE_PROM_PAGE_H
#define SOCKEYE_PROM_PAGE_H

#include <pthread.h>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "sinks/prometheus/prom_text.h"
#include "util/otlp_build.h"

struct se_prom_page {
	struct se_arena arena;
	const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req;
	unsigned int refs; /* sync: se_prom_pages.lock */
};

struct se_prom_pages {
	pthread_mutex_t lock;
	struct se_prom_page *current; /* sync: lock; NULL until the first window */
};

/* A page to build into (req NULL, one reference), or NULL on ENOMEM. */
struct se_prom_page *se_prom_page_new(void);
int se_prom_pages_init(struct se_prom_pages *ps);
/* Frees the page published. Context: main, once nothing else uses ps. */
void se_prom_pages_fini(struct se_prom_pages *ps);
/* Publish page (its reference moves to ps), dropping the one it replaces. Context: sender. */
void se_prom_pages_publish(struct se_prom_pages *ps, struct se_prom_page *page);
/* The page published, with a reference for the caller; NULL before the first. */
struct se_prom_page *se_prom_pages_get(struct se_prom_pages *ps);
/* Drop a reference (page may be NULL). */
void se_prom_pages_put(struct se_prom_pages *ps, struct se_prom_page *page);

#endif /* SOCKEYE_PROM_PAGE_H */

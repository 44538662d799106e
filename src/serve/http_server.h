/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sockeye's own HTTP endpoint (--listen), for Kubernetes and Prometheus:
 *
 *   GET /healthz   200 "ok" while the process runs (liveness)
 *   GET /readyz    200 "ready", or 503 and why not (pipeline/health.h)
 *   GET /metrics   the last window's metrics (sinks/prometheus), OpenMetrics 1.0.0 when the
 *                  Accept header prefers it, else the text format 0.0.4; 503 before the
 *                  first window
 *
 * One thread, one poll loop over the listening socket and at most SE_SERVE_CONNS_MAX
 * connections, each answered once and closed, each with SE_SERVE_CONN_TIMEOUT_S to send its
 * head and read its answer: a slow or silent client costs a slot for that long, never the
 * others their answer. Idle, the thread sleeps in poll without a timeout. Nothing here is
 * touched by a worker.
 */
#ifndef SOCKEYE_HTTP_SERVER_H
#define SOCKEYE_HTTP_SERVER_H

#include <stddef.h>

#include "pipeline/health.h"
#include "sinks/prometheus/prom_page.h"
#include "util/endpoint.h"

#define SE_SERVE_CONNS_MAX	16
#define SE_SERVE_RENDERS_MAX	2 /* /metrics answers being sent at once (each a page) */
#define SE_SERVE_CONN_TIMEOUT_S 10
#define SE_SERVE_LISTEN_BACKLOG 16
/* Bytes of a /metrics answer rendered at a time: what a scrape holds besides its page,
 * whatever the page's size (the last piece may pass it by a few KiB). */
#define SE_SERVE_CHUNK (32u << 10)

struct se_http_server;

/* Listen on addr (health and pages are lent: they must outlive the server). NULL with a
 * one-line message in err. Context: main. */
struct se_http_server *se_http_server_new(const struct se_endpoint *addr, struct se_health *health,
					  struct se_prom_pages *pages, char *err, size_t errlen);
/* Start answering. 0 or -errno. */
int se_http_server_start(struct se_http_server *s);
/* Stop the thread, close every socket, free. s may be NULL. */
void se_http_server_free(struct se_http_server *s);

#endif /* SOCKEYE_HTTP_SERVER_H */

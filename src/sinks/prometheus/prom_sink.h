/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Prometheus sink: each window's metrics, the same as the OTLP export's (otlp_metrics.h)
 * but always cumulative (Prometheus has no delta), built into a page that GET /metrics
 * renders (prom_page.h). The running totals are its own, bounded like the OTLP sink's by
 * --max-groups and --metrics-ttl. A local sink: it never waits.
 */
#ifndef SOCKEYE_PROM_SINK_H
#define SOCKEYE_PROM_SINK_H

#include <stdint.h>

#include "config/config.h"
#include "pipeline/sink.h"
#include "sinks/otlp_metrics.h"
#include "sinks/prometheus/prom_page.h"

/* pages and failures are lent: they must outlive the sink. NULL on ENOMEM. Context: main. */
struct se_sink *se_prom_sink_new(const struct se_config *cfg, struct se_prom_pages *pages,
				 const struct se_export_failures_source *failures);

#endif /* SOCKEYE_PROM_SINK_H */

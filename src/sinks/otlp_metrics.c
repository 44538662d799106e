// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Windows as OTLP metrics (see src/sinks/otlp_metrics.h).
 */
#include "sinks/otlp_metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "proto/registry.h"
#include "sinks/counters.h"
#include "util/otlp_build.h"
#include "util/otlp_metric.h"

const char *const se_export_failure_names[SE_EXPORT_FAIL__COUNT] = {
	[SE_EXPORT_FAIL_CONNECT] = "connect",	[SE_EXPORT_FAIL_RETRYABLE] = "retryable",
	[SE_EXPORT_FAIL_REJECTED] = "rejected", [SE_EXPORT_FAIL_GAVE_UP] = "gave_up",
	[SE_EXPORT_FAIL_ENCODE] = "encode",	[SE_EXPORT_FAIL_TLS] = "tls",
};

/* Room for every protocol's metrics and sockeye's own. */
#define SE_OTLP_METRICS_MAX 32

void se_otlp_metrics_init(struct se_otlp_metrics *m, bool delta, uint32_t max_groups,
			  uint64_t series_ttl_ns)
{
	memset(m, 0, sizeof(*m));
	m->delta = delta;
	m->series_ttl_ns = series_ttl_ns;
	m->max_groups = max_groups;
}

void se_otlp_metrics_fini(struct se_otlp_metrics *m)
{
	for (unsigned int i = 0; se_protocols[i]; i++)
		if (m->totals[se_protocols[i]->id])
			se_protocols[i]->totals_free(m->totals[se_protocols[i]->id]);
	memset(m, 0, sizeof(*m));
}

/* Each protocol's running totals, made on first use (NULL: out of memory, tried again). */
static void *se_otlp_totals(struct se_otlp_metrics *m, const struct se_proto_ops *p)
{
	if (!m->totals[p->id] && p->totals_new)
		m->totals[p->id] = p->totals_new(m->max_groups);
	return m->totals[p->id];
}

/* sockeye.dropped{reason}: every loss, kernel and user side. */
static void se_otlp_dropped(struct se_otlp_metrics_out *c, const uint64_t *uc, const uint64_t *kc,
			    uint64_t prog_missed)
{
	const char *names[SE_KC__COUNT + SE_UC__COUNT + 1];
	uint64_t values[SE_KC__COUNT + SE_UC__COUNT + 1];
	size_t n = 0;

	for (int k = 0; k < SE_KC__COUNT; k++)
		if (se_kernel_counter_is_drop(k)) {
			names[n] = se_kernel_counter_names[k];
			values[n++] = kc[k];
		}
	names[n] = "prog_missed";
	values[n++] = prog_missed;
	for (int u = 0; u < SE_UC__COUNT; u++)
		if (se_user_counter_is_drop(u)) {
			names[n] = se_user_counter_names[u];
			values[n++] = uc[u];
		}
	se_otlp_sum(c, "sockeye.dropped", "Events sockeye could not handle, by reason.", "reason",
		    names, values, n);
}

static void se_otlp_account(struct se_otlp_metrics *m, const struct se_export_window *ew)
{
	if (!m->start_ns)
		m->start_ns = ew->w.start_ns;
	for (int u = 0; u < SE_UC__COUNT; u++)
		m->counters[u] += ew->w.counters[u];
	for (int k = 0; k < SE_KC__COUNT; k++)
		m->kernel[k] += ew->kernel.counters[k];
	m->prog_missed += ew->kernel.prog_missed;
	if (m->delta)
		return;
	for (unsigned int i = 0; se_protocols[i]; i++) {
		const struct se_proto_ops *p = se_protocols[i];
		void *t = se_otlp_totals(m, p);

		if (t)
			p->totals_add(t, ew->w.parts[p->id], ew->w.start_ns, ew->w.end_ns,
				      m->series_ttl_ns);
	}
}

Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *
se_otlp_metrics_build(struct se_otlp_metrics *m, const struct se_otlp_resource *res,
		      const struct se_export_window *ew,
		      const uint64_t failures[SE_EXPORT_FAIL__COUNT], const char *tier,
		      struct se_arena *a)
{
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req;
	Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm, **rms;
	Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm, **sms;
	struct se_otlp_metrics_out c;
	const uint64_t *uc = m->delta ? ew->w.counters : m->counters;
	const uint64_t *kc = m->delta ? ew->kernel.counters : m->kernel;
	uint64_t fails[SE_EXPORT_FAIL__COUNT];
	const char *fail_names[SE_EXPORT_FAIL__COUNT];

	se_otlp_account(m, ew);
	memset(&c, 0, sizeof(c));
	c.a = a;
	c.time_ns = ew->w.end_ns;
	c.start_ns = m->delta ? ew->w.start_ns : m->start_ns;
	c.temporality =
	    m->delta
		? OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_DELTA
		: OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
	c.metrics = se_arena_alloc(a, SE_OTLP_METRICS_MAX * sizeof(*c.metrics));
	c.cap = SE_OTLP_METRICS_MAX;
	req = se_arena_alloc(a, sizeof(*req));
	rm = se_arena_alloc(a, sizeof(*rm));
	rms = se_arena_alloc(a, sizeof(*rms));
	sm = se_arena_alloc(a, sizeof(*sm));
	sms = se_arena_alloc(a, sizeof(*sms));
	if (!c.metrics || !req || !rm || !rms || !sm || !sms)
		return NULL;

	for (unsigned int i = 0; se_protocols[i]; i++) {
		const struct se_proto_ops *p = se_protocols[i];

		/* cumulative without totals (no memory for them): nothing rather than a delta */
		if (p->otlp_metrics && (m->delta || m->totals[p->id]))
			p->otlp_metrics(&c, ew->w.parts[p->id], m->delta ? NULL : m->totals[p->id]);
	}
	se_otlp_gauge(&c, "tcp.connections.active", "Watched TCP connections open.",
		      (int64_t)ew->w.conns_active, NULL);
	se_otlp_sum(&c, "sockeye.events", "Records handled by sockeye's workers.", NULL, NULL,
		    &uc[SE_UC_EVENTS], 1);
	se_otlp_dropped(&c, uc, kc, m->delta ? ew->kernel.prog_missed : m->prog_missed);
	for (int f = 0; f < SE_EXPORT_FAIL__COUNT; f++) {
		fail_names[f] = se_export_failure_names[f];
		fails[f] = m->delta ? failures[f] - m->failures_sent[f] : failures[f];
		m->failures_sent[f] = failures[f];
	}
	se_otlp_sum(&c, "sockeye.export.failures", "Failed OTLP exports, by reason.", "reason",
		    fail_names, fails, SE_EXPORT_FAIL__COUNT);
	se_otlp_gauge(&c, "sockeye.attach.tier", "The capture tier in use (1).", 1,
		      se_otlp_attr_str(a, "tier", tier));

	opentelemetry__proto__metrics__v1__scope_metrics__init(sm);
	sm->scope = se_otlp_scope_msg(a);
	sm->metrics = c.metrics;
	sm->n_metrics = c.nmetrics;
	sms[0] = sm;
	opentelemetry__proto__metrics__v1__resource_metrics__init(rm);
	rm->resource = se_otlp_resource_msg(a, res);
	rm->scope_metrics = sms;
	rm->n_scope_metrics = 1;
	rms[0] = rm;
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__init(req);
	req->resource_metrics = rms;
	req->n_resource_metrics = 1;
	return a->failed ? NULL : req;
}

int se_otlp_metrics_encode(struct se_otlp_metrics *m, const struct se_otlp_resource *res,
			   const struct se_export_window *ew,
			   const uint64_t failures[SE_EXPORT_FAIL__COUNT], const char *tier,
			   uint8_t **out, size_t *len)
{
	struct se_arena a;
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req;
	int ret;

	se_arena_init(&a);
	req = se_otlp_metrics_build(m, res, ew, failures, tier, &a);
	ret = req ? se_otlp_pack(&a, &req->base, out, len) : -ENOMEM;
	se_arena_fini(&a);
	return ret;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/otlp_metric.h"

#include <errno.h>

se_pb_metric *se_otlp_metric(struct se_otlp_metrics_out *c, const char *name, const char *desc,
			     const char *unit)
{
	se_pb_metric *m = se_arena_alloc(c->a, sizeof(*m));

	if (!m || c->nmetrics == c->cap)
		return NULL;
	opentelemetry__proto__metrics__v1__metric__init(m);
	m->name = (char *)name;
	m->description = (char *)desc;
	m->unit = (char *)unit;
	c->metrics[c->nmetrics++] = m;
	return m;
}

static se_pb_number *se_otlp_number(struct se_otlp_metrics_out *c, int64_t value, bool with_start)
{
	se_pb_number *p = se_arena_alloc(c->a, sizeof(*p));

	if (!p)
		return NULL;
	opentelemetry__proto__metrics__v1__number_data_point__init(p);
	p->has_start_time_unix_nano = with_start;
	p->start_time_unix_nano = with_start ? c->start_ns : 0;
	p->has_time_unix_nano = true;
	p->time_unix_nano = c->time_ns;
	p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
	p->as_int = value;
	return p;
}

void se_otlp_gauge(struct se_otlp_metrics_out *c, const char *name, const char *desc, int64_t value,
		   Opentelemetry__Proto__Common__V1__KeyValue *attr)
{
	se_pb_metric *m = se_otlp_metric(c, name, desc, "1");
	Opentelemetry__Proto__Metrics__V1__Gauge *g = se_arena_alloc(c->a, sizeof(*g));
	se_pb_number **pts = se_arena_alloc(c->a, sizeof(*pts));

	if (!m || !g || !pts || !(pts[0] = se_otlp_number(c, value, false)))
		return;
	opentelemetry__proto__metrics__v1__gauge__init(g);
	if (attr) {
		pts[0]->attributes = se_arena_alloc(c->a, sizeof(*pts[0]->attributes));
		if (pts[0]->attributes) {
			pts[0]->attributes[0] = attr;
			pts[0]->n_attributes = 1;
		}
	}
	g->data_points = pts;
	g->n_data_points = 1;
	m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
	m->gauge = g;
}

void se_otlp_sum(struct se_otlp_metrics_out *c, const char *name, const char *desc,
		 const char *attr_key, const char *const *attr_values, const uint64_t *values,
		 size_t n)
{
	se_pb_metric *m = se_otlp_metric(c, name, desc, "1");
	Opentelemetry__Proto__Metrics__V1__Sum *sum = se_arena_alloc(c->a, sizeof(*sum));
	se_pb_number **pts = se_arena_alloc(c->a, n * sizeof(*pts));

	if (!m || !sum || !pts)
		return;
	opentelemetry__proto__metrics__v1__sum__init(sum);
	sum->has_aggregation_temporality = true;
	sum->aggregation_temporality = c->temporality;
	sum->has_is_monotonic = true;
	sum->is_monotonic = true;
	for (size_t i = 0; i < n; i++) {
		se_pb_number *p = se_otlp_number(c, (int64_t)values[i], true);

		if (!p)
			return;
		if (attr_key) {
			p->attributes = se_arena_alloc(c->a, sizeof(*p->attributes));
			if (!p->attributes)
				return;
			p->attributes[0] = se_otlp_attr_str(c->a, attr_key, attr_values[i]);
			p->n_attributes = p->attributes[0] ? 1 : 0;
		}
		pts[sum->n_data_points++] = p;
	}
	sum->data_points = pts;
	m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
	m->sum = sum;
}

Opentelemetry__Proto__Metrics__V1__Sum *se_otlp_sum_new(struct se_otlp_metrics_out *c,
							const char *name, const char *desc,
							const char *unit, size_t n)
{
	se_pb_metric *m = se_otlp_metric(c, name, desc, unit);
	Opentelemetry__Proto__Metrics__V1__Sum *sum = se_arena_alloc(c->a, sizeof(*sum));

	if (!m || !sum)
		return NULL;
	opentelemetry__proto__metrics__v1__sum__init(sum);
	sum->has_aggregation_temporality = true;
	sum->aggregation_temporality = c->temporality;
	sum->has_is_monotonic = true;
	sum->is_monotonic = true;
	sum->data_points = se_arena_alloc(c->a, n * sizeof(*sum->data_points));
	if (!sum->data_points)
		return NULL;
	m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
	m->sum = sum;
	return sum;
}

int se_otlp_sum_add(struct se_otlp_metrics_out *c, Opentelemetry__Proto__Metrics__V1__Sum *s,
		    uint64_t value, const struct se_otlp_attrs *attrs, uint64_t series_start_ns)
{
	se_pb_number *p = se_otlp_number(c, (int64_t)value, true);

	if (!p)
		return -ENOMEM;
	if (series_start_ns)
		p->start_time_unix_nano = series_start_ns;
	p->attributes = attrs->v;
	p->n_attributes = attrs->n;
	s->data_points[s->n_data_points++] = p;
	return 0;
}

se_pb_histogram *se_otlp_histogram(struct se_otlp_metrics_out *c, const char *name,
				   const char *desc, const char *unit, size_t n)
{
	se_pb_metric *m = se_otlp_metric(c, name, desc, unit);
	se_pb_histogram *h = se_arena_alloc(c->a, sizeof(*h));

	if (!m || !h)
		return NULL;
	opentelemetry__proto__metrics__v1__histogram__init(h);
	h->has_aggregation_temporality = true;
	h->aggregation_temporality = c->temporality;
	h->data_points = se_arena_alloc(c->a, n * sizeof(*h->data_points));
	if (!h->data_points)
		return NULL;
	m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM;
	m->histogram = h;
	return h;
}

int se_otlp_histogram_add(struct se_otlp_metrics_out *c, se_pb_histogram *m,
			  const struct se_hist *h, const struct se_hist_bounds *b,
			  const struct se_otlp_attrs *attrs, uint64_t series_start_ns)
{
	se_pb_hist *p = se_arena_alloc(c->a, sizeof(*p));
	uint64_t *counts = se_arena_alloc(c->a, (b->n + 1) * sizeof(*counts));
	double *bounds = se_arena_alloc(c->a, b->n * sizeof(*bounds));
	double scale = (double)b->scale;

	if (!p || !counts || !bounds)
		return -ENOMEM;
	opentelemetry__proto__metrics__v1__histogram_data_point__init(p);
	p->attributes = attrs->v;
	p->n_attributes = attrs->n;
	p->has_start_time_unix_nano = p->has_time_unix_nano = true;
	p->start_time_unix_nano = series_start_ns ? series_start_ns : c->start_ns;
	p->time_unix_nano = c->time_ns;
	p->has_count = true;
	p->count = h->count;
	p->has_sum = true;
	p->sum = (double)h->sum / scale;
	if (h->count) {
		p->has_min = p->has_max = true;
		p->min = (double)h->min / scale;
		p->max = (double)h->max / scale;
	}
	for (uint32_t i = 0; i <= b->n; i++)
		counts[i] = h->counts[i];
	for (uint32_t i = 0; i < b->n; i++)
		bounds[i] = (double)b->v[i] / scale;
	p->bucket_counts = counts;
	p->n_bucket_counts = b->n + 1;
	p->explicit_bounds = bounds;
	p->n_explicit_bounds = b->n;
	m->data_points[m->n_data_points++] = p;
	return 0;
}

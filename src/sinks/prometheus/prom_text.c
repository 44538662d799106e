// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * OTLP metrics as a Prometheus exposition (see src/sinks/prometheus/prom_text.h).
 */
#include "sinks/prometheus/prom_text.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef Opentelemetry__Proto__Metrics__V1__Metric se_prom_metric;
typedef Opentelemetry__Proto__Common__V1__KeyValue se_prom_kv;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint se_prom_number_point;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint se_prom_hist_point;

#define SE_PROM_NAME_MAX 256
#define SE_PROM_CUMULATIVE                                                                         \
	OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE

const char *const se_prom_content_type[SE_PROM_FORMATS] = {
	[SE_PROM_TEXT] = "text/plain; version=0.0.4; charset=utf-8",
	[SE_PROM_OPENMETRICS] = "application/openmetrics-text; version=1.0.0; charset=utf-8",
};

enum se_prom_kind {
	SE_PROM_SKIP = 0,
	SE_PROM_GAUGE,
	SE_PROM_COUNTER,
	SE_PROM_HISTOGRAM,
};

static const char *const se_prom_kind_names[] = {
	[SE_PROM_GAUGE] = "gauge",
	[SE_PROM_COUNTER] = "counter",
	[SE_PROM_HISTOGRAM] = "histogram",
};

/* UCUM units as OpenTelemetry writes them, in the words Prometheus names carry. */
static const struct {
	const char *unit, *word;
} se_prom_units[] = {
	{ "d", "days" },	 { "h", "hours" },	   { "min", "minutes" },
	{ "s", "seconds" },	 { "ms", "milliseconds" }, { "us", "microseconds" },
	{ "ns", "nanoseconds" }, { "By", "bytes" },	   { "KiBy", "kibibytes" },
	{ "MiBy", "mebibytes" }, { "GiBy", "gibibytes" },  { "KBy", "kilobytes" },
	{ "MBy", "megabytes" },	 { "GBy", "gigabytes" },   { "bit", "bits" },
	{ "m", "meters" },	 { "V", "volts" },	   { "A", "amperes" },
	{ "J", "joules" },	 { "W", "watts" },	   { "g", "grams" },
	{ "Cel", "celsius" },	 { "Hz", "hertz" },	   { "%", "percent" },
};

/* A metric as it is written: its kind, the name of its family and how its values scale. */
struct se_prom_family {
	enum se_prom_kind kind;
	char name[SE_PROM_NAME_MAX]; /* without _total, _bucket, ... */
	char unit[64];		     /* the unit's words; "" = none */
	double divisor;		     /* exported value = OTLP value / divisor (exact for ms) */
};

static bool se_prom_name_char(char c, bool label)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || (c == ':' && !label);
}

/* Append s[0, len) to buf (of cap bytes, *n used, always NUL-terminated), each character
 * outside a name's set as '_', a run of them as one, a leading digit after a '_'. */
static void se_prom_append_name(char *buf, size_t cap, size_t *n, const char *s, size_t len,
				bool label)
{
	for (size_t i = 0; i < len && *n + 2 < cap; i++) {
		char c = se_prom_name_char(s[i], label) ? s[i] : '_';

		if (*n == 0 && c >= '0' && c <= '9')
			buf[(*n)++] = '_';
		if (c == '_' && *n && buf[*n - 1] == '_')
			continue;
		buf[(*n)++] = c;
	}
	buf[*n] = '\0';
}

/* One unit word: the table's, else the unit itself as name characters. */
static void se_prom_unit_word(char *buf, size_t cap, size_t *n, const char *u, size_t len)
{
	for (size_t i = 0; i < sizeof(se_prom_units) / sizeof(se_prom_units[0]); i++)
		if (strlen(se_prom_units[i].unit) == len &&
		    !memcmp(se_prom_units[i].unit, u, len)) {
			se_prom_append_name(buf, cap, n, se_prom_units[i].word,
					    strlen(se_prom_units[i].word), false);
			return;
		}
	se_prom_append_name(buf, cap, n, u, len, false);
}

/* The unit after a '/', as a singular word where it is one of time ("By/s": per_second). */
static void se_prom_per_word(char *buf, size_t cap, size_t *n, const char *u)
{
	static const struct {
		const char *unit, *word;
	} per[] = { { "s", "second" }, { "m", "minute" }, { "h", "hour" }, { "d", "day" },
		    { "w", "week" },   { "mo", "month" }, { "y", "year" } };

	for (size_t i = 0; i < sizeof(per) / sizeof(per[0]); i++)
		if (!strcmp(per[i].unit, u)) {
			se_prom_append_name(buf, cap, n, per[i].word, strlen(per[i].word), false);
			return;
		}
	se_prom_unit_word(buf, cap, n, u, strlen(u));
}

/* The unit in words: annotations ("{query}") dropped, "a/b" as "a_per_b", "1" as nothing. */
static void se_prom_unit(const char *unit, char *buf, size_t cap)
{
	char bare[64];
	size_t n = 0, b = 0;
	const char *slash;
	int depth = 0;

	for (const char *p = unit ? unit : ""; *p && b + 1 < sizeof(bare); p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && depth)
			depth--;
		else if (!depth)
			bare[b++] = *p;
	}
	bare[b] = '\0';
	buf[0] = '\0';
	if (!b || !strcmp(bare, "1"))
		return;
	slash = strchr(bare, '/');
	if (!slash) {
		se_prom_unit_word(buf, cap, &n, bare, b);
		return;
	}
	if (slash > bare && !(slash - bare == 1 && bare[0] == '1')) {
		se_prom_unit_word(buf, cap, &n, bare, (size_t)(slash - bare));
		se_prom_append_name(buf, cap, &n, "_", 1, false);
	}
	se_prom_append_name(buf, cap, &n, "per_", 4, false);
	se_prom_per_word(buf, cap, &n, slash + 1);
}

static enum se_prom_kind se_prom_kind_of(const se_prom_metric *m)
{
	switch (m->data_case) {
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
		return m->gauge ? SE_PROM_GAUGE : SE_PROM_SKIP;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
		if (!m->sum || m->sum->aggregation_temporality != SE_PROM_CUMULATIVE)
			return SE_PROM_SKIP;
		return m->sum->is_monotonic ? SE_PROM_COUNTER : SE_PROM_GAUGE;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
		return m->histogram && m->histogram->aggregation_temporality == SE_PROM_CUMULATIVE
			   ? SE_PROM_HISTOGRAM
			   : SE_PROM_SKIP;
	default:
		return SE_PROM_SKIP;
	}
}

static void se_prom_family_of(const se_prom_metric *m, struct se_prom_family *f)
{
	const char *unit = m->unit ? m->unit : "";
	size_t n = 0, ulen, nlen;

	f->kind = se_prom_kind_of(m);
	f->divisor = 1;
	if (!strcmp(unit, "ms")) {
		unit = "s";
		f->divisor = 1000;
	}
	se_prom_unit(unit, f->unit, sizeof(f->unit));
	se_prom_append_name(f->name, sizeof(f->name), &n, m->name ? m->name : "",
			    m->name ? strlen(m->name) : 0, false);
	if (!n)
		se_prom_append_name(f->name, sizeof(f->name), &n, "_", 1, false);
	/* a counter's family is named without its _total, which the samples add */
	if (f->kind == SE_PROM_COUNTER && n > 6 && !strcmp(f->name + n - 6, "_total"))
		f->name[n -= 6] = '\0';
	ulen = strlen(f->unit);
	nlen = strlen(f->name);
	if (ulen && !(nlen > ulen && !strcmp(f->name + nlen - ulen, f->unit) &&
		      f->name[nlen - ulen - 1] == '_')) {
		se_prom_append_name(f->name, sizeof(f->name), &n, "_", 1, false);
		se_prom_append_name(f->name, sizeof(f->name), &n, f->unit, ulen, false);
	}
}

/* Escape s for a label value (quote true) or a HELP text: '\\', newline, and '"' where it
 * must be. */
static void se_prom_escaped(FILE *out, const char *s, bool quote)
{
	for (; s && *s; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (*s == '"' && quote)
			fputs("\\\"", out);
		else
			fputc(*s, out);
	}
}

/* A float as Prometheus reads it, in buf: the shortest form that reads back the same;
 * integral values get ".0" where OpenMetrics wants a float (le). */
static const char *se_prom_float_text(char *buf, size_t len, double v, bool point_zero)
{
	if (isnan(v))
		return "NaN";
	if (isinf(v))
		return v > 0 ? "+Inf" : "-Inf";
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (point_zero && !strpbrk(buf, ".e"))
		strncat(buf, ".0", len - strlen(buf) - 1);
	return buf;
}

static void se_prom_float(FILE *out, double v)
{
	char buf[40];

	fputs(se_prom_float_text(buf, sizeof(buf), v, false), out);
}

/* A label's value from an attribute; false for kinds that have none (arrays, maps, bytes). */
static bool se_prom_attr_value(FILE *out, const Opentelemetry__Proto__Common__V1__AnyValue *v)
{
	switch (v ? v->value_case : 0) {
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
		se_prom_escaped(out, v->string_value, true);
		return true;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
		fputs(v->bool_value ? "true" : "false", out);
		return true;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
		fprintf(out, "%" PRId64, v->int_value);
		return true;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
		se_prom_float(out, v->double_value);
		return true;
	default:
		return false;
	}
}

static bool se_prom_attr_usable(const se_prom_kv *kv)
{
	return kv && kv->key && *kv->key && kv->value &&
	       (kv->value->value_case ==
		    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE ||
		kv->value->value_case ==
		    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE ||
		kv->value->value_case ==
		    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE ||
		kv->value->value_case ==
		    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE);
}

/* {k="v",...[,le="b"]}, or nothing when there is no label. le: NULL, or a bound's text. */
static void se_prom_labels(FILE *out, se_prom_kv *const *kv, size_t n, const char *le)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		char name[SE_PROM_NAME_MAX];
		size_t len = 0;

		if (!se_prom_attr_usable(kv[i]))
			continue;
		se_prom_append_name(name, sizeof(name), &len, kv[i]->key, strlen(kv[i]->key), true);
		fprintf(out, "%c%s=\"", any ? ',' : '{', name);
		se_prom_attr_value(out, kv[i]->value);
		fputc('"', out);
		any = true;
	}
	if (le)
		fprintf(out, "%cle=\"%s\"", any ? ',' : '{', le);
	if (any || le)
		fputc('}', out);
}

static void se_prom_number_sample(FILE *out, const struct se_prom_family *f,
				  const se_prom_number_point *p)
{
	fputs(f->name, out);
	if (f->kind == SE_PROM_COUNTER)
		fputs("_total", out);
	se_prom_labels(out, p->attributes, p->n_attributes, NULL);
	fputc(' ', out);
	if (p->value_case == OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT &&
	    f->divisor == 1)
		fprintf(out, "%" PRId64, p->as_int);
	else if (p->value_case ==
		 OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT)
		se_prom_float(out, (double)p->as_int / f->divisor);
	else
		se_prom_float(out, p->as_double / f->divisor);
	fputc('\n', out);
}

static void se_prom_hist_samples(FILE *out, const struct se_prom_family *f,
				 const se_prom_hist_point *p, enum se_prom_format fmt)
{
	uint64_t cum = 0;
	char le[48];

	for (size_t i = 0; i < p->n_explicit_bounds; i++) {
		cum += i < p->n_bucket_counts ? p->bucket_counts[i] : 0;
		fprintf(out, "%s_bucket", f->name);
		se_prom_labels(out, p->attributes, p->n_attributes,
			       se_prom_float_text(le, sizeof(le),
						  p->explicit_bounds[i] / f->divisor,
						  fmt == SE_PROM_OPENMETRICS));
		fprintf(out, " %" PRIu64 "\n", cum);
	}
	for (size_t i = p->n_explicit_bounds; i < p->n_bucket_counts; i++)
		cum += p->bucket_counts[i];
	fprintf(out, "%s_bucket", f->name);
	se_prom_labels(out, p->attributes, p->n_attributes, "+Inf");
	fprintf(out, " %" PRIu64 "\n%s_sum", cum, f->name);
	se_prom_labels(out, p->attributes, p->n_attributes, NULL);
	fputc(' ', out);
	se_prom_float(out, p->has_sum ? p->sum / f->divisor : 0);
	fprintf(out, "\n%s_count", f->name);
	se_prom_labels(out, p->attributes, p->n_attributes, NULL);
	fprintf(out, " %" PRIu64 "\n", cum);
}

/* Points of a metric. */
static size_t se_prom_npoints(const se_prom_metric *m)
{
	switch (m->data_case) {
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
		return m->gauge->n_data_points;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
		return m->sum->n_data_points;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
		return m->histogram->n_data_points;
	default:
		return 0;
	}
}

/* The samples of point k of m. */
static void se_prom_point(FILE *out, const struct se_prom_family *f, const se_prom_metric *m,
			  size_t k, enum se_prom_format fmt)
{
	if (m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE)
		se_prom_number_sample(out, f, m->gauge->data_points[k]);
	else if (m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM)
		se_prom_number_sample(out, f, m->sum->data_points[k]);
	else
		se_prom_hist_samples(out, f, m->histogram->data_points[k], fmt);
}

/* # HELP, # TYPE (and # UNIT in OpenMetrics) of a family. */
static void se_prom_metadata(FILE *out, const struct se_prom_family *f, const char *help,
			     enum se_prom_format fmt)
{
	const char *total = f->kind == SE_PROM_COUNTER && fmt == SE_PROM_TEXT ? "_total" : "";

	fprintf(out, "# HELP %s%s ", f->name, total);
	se_prom_escaped(out, help, fmt == SE_PROM_OPENMETRICS);
	fprintf(out, "\n# TYPE %s%s %s\n", f->name, total, se_prom_kind_names[f->kind]);
	if (fmt == SE_PROM_OPENMETRICS && f->unit[0])
		fprintf(out, "# UNIT %s %s\n", f->name, f->unit);
}

/* The resource as target_info's labels. */
static void se_prom_target_info(FILE *out, const Opentelemetry__Proto__Resource__V1__Resource *r,
				enum se_prom_format fmt)
{
	if (!r || !r->n_attributes)
		return;
	if (fmt == SE_PROM_OPENMETRICS)
		fputs("# HELP target Target metadata\n# TYPE target info\n", out);
	else
		fputs("# HELP target_info Target metadata\n# TYPE target_info gauge\n", out);
	fputs("target_info", out);
	se_prom_labels(out, r->attributes, r->n_attributes, NULL);
	fputs(" 1\n", out);
}

static bool se_prom_same_family(const struct se_prom_family *a, const struct se_prom_family *b)
{
	return a->kind == b->kind && !strcmp(a->name, b->name);
}

/* Whether a metric before i in sm is of f's family (f was written with it). A request has
 * at most a few dozen metrics: quadratic is fine. */
static bool se_prom_family_written(const Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm,
				   size_t i, const struct se_prom_family *f)
{
	struct se_prom_family g;

	for (size_t j = 0; j < i; j++) {
		se_prom_family_of(sm->metrics[j], &g);
		if (se_prom_same_family(&g, f))
			return true;
	}
	return false;
}

void se_prom_cursor_init(struct se_prom_cursor *c)
{
	memset(c, 0, sizeof(*c));
}

/*
 * The next piece of the families: the metadata of the family whose first metric is
 * sm->metrics[c->leader], then each point of each metric of that family (c->member, c->point)
 * wherever it is, then the next family. Moves to the next scope and resource at the end.
 */
static bool se_prom_next_family_piece(
    FILE *out, const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req,
    enum se_prom_format fmt, struct se_prom_cursor *c)
{
	struct se_prom_family f, g;

	for (;;) {
		const Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm;
		const Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm;

		if (c->resource >= req->n_resource_metrics)
			return false;
		rm = req->resource_metrics[c->resource];
		if (c->scope >= rm->n_scope_metrics) {
			c->resource++;
			c->scope = 0;
			continue;
		}
		sm = rm->scope_metrics[c->scope];
		if (c->leader >= sm->n_metrics) {
			c->scope++;
			c->leader = 0;
			continue;
		}
		se_prom_family_of(sm->metrics[c->leader], &f);
		if (!c->in_family) {
			if (f.kind == SE_PROM_SKIP || se_prom_family_written(sm, c->leader, &f)) {
				c->leader++;
				continue;
			}
			se_prom_metadata(out, &f, sm->metrics[c->leader]->description, fmt);
			c->in_family = true;
			c->member = c->leader;
			c->point = 0;
			return true;
		}
		if (c->member >= sm->n_metrics) {
			c->in_family = false;
			c->leader++;
			continue;
		}
		se_prom_family_of(sm->metrics[c->member], &g);
		if (!se_prom_same_family(&f, &g) ||
		    c->point >= se_prom_npoints(sm->metrics[c->member])) {
			c->member++;
			c->point = 0;
			continue;
		}
		se_prom_point(out, &g, sm->metrics[c->member], c->point++, fmt);
		return true;
	}
}

bool se_prom_write_next(
    FILE *out, const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req,
    enum se_prom_format fmt, struct se_prom_cursor *c)
{
	switch (c->stage) {
	case SE_PROM_AT_TARGET:
		for (size_t r = 0; r < req->n_resource_metrics; r++)
			se_prom_target_info(out, req->resource_metrics[r]->resource, fmt);
		c->stage = SE_PROM_AT_FAMILIES;
		return true;
	case SE_PROM_AT_FAMILIES:
		if (se_prom_next_family_piece(out, req, fmt, c))
			return true;
		c->stage = SE_PROM_AT_END;
		/* fall through */
	case SE_PROM_AT_END:
		if (fmt == SE_PROM_OPENMETRICS)
			fputs("# EOF\n", out);
		c->stage = SE_PROM_DONE;
		return true;
	default:
		return false;
	}
}

int se_prom_write(
    FILE *out, const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req,
    enum se_prom_format fmt)
{
	struct se_prom_cursor c;

	se_prom_cursor_init(&c);
	while (se_prom_write_next(out, req, fmt, &c))
		;
	return ferror(out) ? -EIO : 0;
}

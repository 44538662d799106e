// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The terminal view (see src/sinks/tty/tty_view.h).
 */
#include "sinks/tty/tty_view.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef Opentelemetry__Proto__Metrics__V1__Metric se_tty_metric;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint se_tty_hist_point;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint se_tty_number_point;
typedef Opentelemetry__Proto__Common__V1__KeyValue se_tty_kv;

#define SE_TTY_KEY	64 /* characters of a row's name shown */
#define SE_TTY_BUCKETS	17 /* explicit bounds a histogram may have, plus one */
#define SE_TTY_NS_PER_S 1000000000ull

/* The tables, each from a duration histogram and, for DNS, a sum of unanswered queries. */
enum se_tty_kind { SE_TTY_HTTP_SERVER, SE_TTY_HTTP_CLIENT, SE_TTY_GRPC, SE_TTY_DNS };

static const struct {
	const char *title;
	const char *duration; /* the histogram */
	const char *lost;     /* a sum counted as failed requests without a duration; or NULL */
	enum se_tty_kind kind;
} se_tty_tables[] = {
	{ "HTTP server", "http.server.request.duration", NULL, SE_TTY_HTTP_SERVER },
	{ "HTTP client", "http.client.request.duration", NULL, SE_TTY_HTTP_CLIENT },
	{ "gRPC server", "rpc.server.duration", NULL, SE_TTY_GRPC },
	{ "gRPC client", "rpc.client.duration", NULL, SE_TTY_GRPC },
	{ "DNS queries", "dns.resolution.duration", "dns.queries.unanswered", SE_TTY_DNS },
	{ "DNS server", "dns.server.request.duration", "dns.server.queries.unanswered",
	  SE_TTY_DNS },
};

/* One row: the points of one name added up. */
struct se_tty_row {
	char key[SE_TTY_KEY + 1];
	uint64_t count, errors;
	double min, max; /* of the points that have them; min > max: none */
	uint64_t buckets[SE_TTY_BUCKETS];
	const double *bounds; /* the first point's: a metric has one set */
	size_t nbounds;
};

static const Opentelemetry__Proto__Common__V1__AnyValue *se_tty_attr(se_tty_kv *const *kv, size_t n,
								     const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (kv[i] && kv[i]->key && !strcmp(kv[i]->key, key))
			return kv[i]->value;
	return NULL;
}

static const char *se_tty_attr_str(se_tty_kv *const *kv, size_t n, const char *key)
{
	const Opentelemetry__Proto__Common__V1__AnyValue *v = se_tty_attr(kv, n, key);

	return v && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
		   ? v->string_value
		   : NULL;
}

/* An int attribute, or -1 when absent. */
static int64_t se_tty_attr_int(se_tty_kv *const *kv, size_t n, const char *key)
{
	const Opentelemetry__Proto__Common__V1__AnyValue *v = se_tty_attr(kv, n, key);

	return v && v->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE
		   ? v->int_value
		   : -1;
}

/* Append s to key (of SE_TTY_KEY + 1 bytes, *len used), printable ASCII only. */
static void se_tty_key_add(char *key, size_t *len, const char *s)
{
	for (; s && *s && *len < SE_TTY_KEY; s++)
		key[(*len)++] = *s >= 0x20 && *s < 0x7f ? *s : '?';
	key[*len] = '\0';
}

/* The row name of a point, and whether it failed. */
static void se_tty_point_key(enum se_tty_kind kind, se_tty_kv *const *kv, size_t n, char *key,
			     bool *failed)
{
	size_t len = 0;
	int64_t status;
	const char *rcode;

	key[0] = '\0';
	if (se_tty_attr(kv, n, "otel.metric.overflow")) {
		se_tty_key_add(key, &len, "(beyond --max-groups)");
		*failed = false;
		return;
	}
	switch (kind) {
	case SE_TTY_HTTP_SERVER:
	case SE_TTY_HTTP_CLIENT:
		se_tty_key_add(key, &len, se_tty_attr_str(kv, n, "http.request.method"));
		se_tty_key_add(key, &len, " ");
		se_tty_key_add(key, &len, se_tty_attr_str(kv, n, "url.path"));
		status = se_tty_attr_int(kv, n, "http.response.status_code");
		*failed = status < 0 || status >= (kind == SE_TTY_HTTP_SERVER ? 500 : 400);
		return;
	case SE_TTY_GRPC:
		se_tty_key_add(key, &len, se_tty_attr_str(kv, n, "rpc.service"));
		se_tty_key_add(key, &len, "/");
		se_tty_key_add(key, &len, se_tty_attr_str(kv, n, "rpc.method"));
		*failed = se_tty_attr_int(kv, n, "rpc.grpc.status_code") != 0;
		return;
	case SE_TTY_DNS:
		se_tty_key_add(key, &len, se_tty_attr_str(kv, n, "dns.question.name"));
		se_tty_key_add(key, &len, " ");
		se_tty_key_add(key, &len, se_tty_attr_str(kv, n, "dns.question.type"));
		rcode = se_tty_attr_str(kv, n, "dns.response_code");
		*failed = !rcode || strcmp(rcode, "NOERROR");
		return;
	}
}

static const se_tty_metric *
se_tty_find(const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req,
	    const char *name)
{
	for (size_t r = 0; r < req->n_resource_metrics; r++)
		for (size_t s = 0; s < req->resource_metrics[r]->n_scope_metrics; s++) {
			const Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm =
			    req->resource_metrics[r]->scope_metrics[s];

			for (size_t i = 0; i < sm->n_metrics; i++)
				if (sm->metrics[i]->name && !strcmp(sm->metrics[i]->name, name))
					return sm->metrics[i];
		}
	return NULL;
}

static void se_tty_row_from_hist(struct se_tty_row *row, enum se_tty_kind kind,
				 const se_tty_hist_point *p)
{
	bool failed;

	memset(row, 0, sizeof(*row));
	se_tty_point_key(kind, p->attributes, p->n_attributes, row->key, &failed);
	row->count = p->count;
	row->errors = failed ? p->count : 0;
	row->min = p->has_min ? p->min : 1;
	row->max = p->has_max ? p->max : 0;
	row->bounds = p->explicit_bounds;
	row->nbounds =
	    p->n_explicit_bounds < SE_TTY_BUCKETS - 1 ? p->n_explicit_bounds : SE_TTY_BUCKETS - 1;
	for (size_t b = 0; b < p->n_bucket_counts; b++)
		row->buckets[b < row->nbounds ? b : row->nbounds] += p->bucket_counts[b];
}

static void se_tty_row_from_lost(struct se_tty_row *row, const se_tty_number_point *p)
{
	bool failed;

	memset(row, 0, sizeof(*row));
	se_tty_point_key(SE_TTY_DNS, p->attributes, p->n_attributes, row->key, &failed);
	row->count = row->errors = (uint64_t)p->as_int;
	row->min = 1;
	row->max = 0;
}

static int se_tty_by_key(const void *a, const void *b)
{
	return strcmp(((const struct se_tty_row *)a)->key, ((const struct se_tty_row *)b)->key);
}

static int se_tty_by_count(const void *a, const void *b)
{
	const struct se_tty_row *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* Add src into dst (same key). */
static void se_tty_row_merge(struct se_tty_row *dst, const struct se_tty_row *src)
{
	dst->count += src->count;
	dst->errors += src->errors;
	if (src->min <= src->max && dst->min > dst->max) { /* dst had no range yet */
		dst->min = src->min;
		dst->max = src->max;
	} else if (src->min <= src->max) {
		dst->min = src->min < dst->min ? src->min : dst->min;
		dst->max = src->max > dst->max ? src->max : dst->max;
	}
	if (!dst->bounds) {
		dst->bounds = src->bounds;
		dst->nbounds = src->nbounds;
	}
	for (size_t b = 0; b < SE_TTY_BUCKETS; b++)
		dst->buckets[b] += src->buckets[b];
}

/* The q-quantile of a row's histogram: histogram_quantile's linear interpolation within the
 * bucket, between its bounds narrowed to the row's min and max (values far below the first
 * bound would otherwise all read as half of it); < 0 when the row has no histogram. */
static double se_tty_quantile(const struct se_tty_row *row, double q)
{
	uint64_t total = 0, cum = 0;
	double rank, lower, upper, v;
	size_t b;

	for (b = 0; b <= row->nbounds; b++)
		total += row->buckets[b];
	if (!total || !row->bounds)
		return -1;
	rank = q * (double)total;
	for (b = 0; b < row->nbounds && (double)(cum + row->buckets[b]) < rank; b++)
		cum += row->buckets[b];
	lower = b ? row->bounds[b - 1] : 0;
	upper = b < row->nbounds ? row->bounds[b] : row->max;
	if (row->min <= row->max) {
		lower = lower > row->min ? lower : row->min;
		upper = upper < row->max ? upper : row->max;
	}
	if (upper < lower)
		upper = lower;
	v = lower;
	if (row->buckets[b])
		v += (upper - lower) * (rank - (double)cum) / (double)row->buckets[b];
	return v;
}

static void se_tty_ms(FILE *out, double v)
{
	if (v < 0)
		fprintf(out, " %8s", "-");
	else
		fprintf(out, " %8.2f", v);
}

/* One table: its rows merged by name, the top SE_TTY_TOP by count. */
static void
se_tty_table(FILE *out,
	     const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req,
	     unsigned int t, double seconds)
{
	const se_tty_metric *dur = se_tty_find(req, se_tty_tables[t].duration);
	const se_tty_metric *lost =
	    se_tty_tables[t].lost ? se_tty_find(req, se_tty_tables[t].lost) : NULL;
	size_t n = 0, cap = 0, kept = 0;
	struct se_tty_row *rows;

	if (dur && dur->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM)
		cap += dur->histogram->n_data_points;
	else
		dur = NULL;
	if (lost && lost->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM)
		cap += lost->sum->n_data_points;
	else
		lost = NULL;
	if (!cap || !(rows = calloc(cap, sizeof(*rows))))
		return;
	for (size_t i = 0; dur && i < dur->histogram->n_data_points; i++)
		se_tty_row_from_hist(&rows[n++], se_tty_tables[t].kind,
				     dur->histogram->data_points[i]);
	for (size_t i = 0; lost && i < lost->sum->n_data_points; i++)
		se_tty_row_from_lost(&rows[n++], lost->sum->data_points[i]);
	qsort(rows, n, sizeof(*rows), se_tty_by_key);
	for (size_t i = 0; i < n; i++) {
		if (kept && !strcmp(rows[kept - 1].key, rows[i].key))
			se_tty_row_merge(&rows[kept - 1], &rows[i]);
		else
			rows[kept++] = rows[i];
	}
	qsort(rows, kept, sizeof(*rows), se_tty_by_count);
	fprintf(out, "\n%-*s %9s %6s %8s %8s\n", SE_TTY_KEY, se_tty_tables[t].title, "req/s",
		"err %", "p50 ms", "p99 ms");
	for (size_t i = 0; i < kept && i < SE_TTY_TOP; i++) {
		const struct se_tty_row *r = &rows[i];

		fprintf(out, "%-*s %9.1f %6.1f", SE_TTY_KEY, r->key, (double)r->count / seconds,
			r->count ? 100.0 * (double)r->errors / (double)r->count : 0.0);
		se_tty_ms(out, se_tty_quantile(r, 0.5));
		se_tty_ms(out, se_tty_quantile(r, 0.99));
		fputc('\n', out);
	}
	if (kept > SE_TTY_TOP)
		fprintf(out, "(%zu more)\n", kept - SE_TTY_TOP);
	free(rows);
}

/* The sum of a sum's points, and, with reasons, "reason N" for each point that counted. */
static uint64_t se_tty_sum(FILE *out, const se_tty_metric *m, bool reasons)
{
	uint64_t total = 0;
	bool any = false;
	size_t n = m && m->data_case == OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM
		       ? m->sum->n_data_points
		       : 0;

	for (size_t i = 0; i < n; i++) {
		const se_tty_number_point *p = m->sum->data_points[i];
		const char *reason = se_tty_attr_str(p->attributes, p->n_attributes, "reason");

		total += (uint64_t)p->as_int;
		if (reasons && p->as_int && reason) {
			char shown[SE_TTY_KEY + 1];
			size_t len = 0;

			se_tty_key_add(shown, &len, reason);
			fprintf(out, "%s%s %" PRId64, any ? ", " : "", shown, p->as_int);
			any = true;
		}
	}
	if (reasons && !any)
		fputs("none", out);
	return total;
}

static int64_t se_tty_gauge(const se_tty_metric *m)
{
	if (!m || m->data_case != OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE ||
	    !m->gauge->n_data_points)
		return 0;
	return m->gauge->data_points[0]->as_int;
}

int se_tty_render(
    FILE *out, const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req,
    const struct se_tty_frame *frame)
{
	double seconds = (double)(frame->end_ns - frame->start_ns) / SE_TTY_NS_PER_S;
	time_t start = (time_t)(frame->start_ns / SE_TTY_NS_PER_S);
	time_t end = (time_t)(frame->end_ns / SE_TTY_NS_PER_S);
	struct tm a, b;
	const char *version = "";

	if (seconds <= 0)
		seconds = 1;
	if (req->n_resource_metrics && req->resource_metrics[0]->n_scope_metrics &&
	    req->resource_metrics[0]->scope_metrics[0]->scope)
		version = req->resource_metrics[0]->scope_metrics[0]->scope->version;
	gmtime_r(&start, &a);
	gmtime_r(&end, &b);
	if (frame->clear)
		fputs("\033[H\033[2J", out);
	/* whole seconds, but for the last window, which the stop cuts */
	fprintf(out, "sockeye %s   %02d:%02d:%02d-%02d:%02d:%02d UTC (%.*f s)",
		version ? version : "", a.tm_hour, a.tm_min, a.tm_sec, b.tm_hour, b.tm_min,
		b.tm_sec, seconds == (double)(uint64_t)seconds ? 0 : 1, seconds);
	if (frame->cpu_percent >= 0)
		fprintf(out, "   CPU %.1f %%", frame->cpu_percent);
	if (frame->rss_bytes)
		fprintf(out, "   RSS %" PRIu64 " MiB", frame->rss_bytes >> 20);
	fprintf(out, "\nevents %.0f/s   connections %" PRId64 "   export failures %" PRIu64 "\n",
		(double)se_tty_sum(out, se_tty_find(req, "sockeye.events"), false) / seconds,
		se_tty_gauge(se_tty_find(req, "tcp.connections.active")),
		se_tty_sum(out, se_tty_find(req, "sockeye.export.failures"), false));
	for (unsigned int t = 0; t < sizeof(se_tty_tables) / sizeof(se_tty_tables[0]); t++)
		se_tty_table(out, req, t, seconds);
	fputs("\ndropped: ", out);
	se_tty_sum(out, se_tty_find(req, "sockeye.dropped"), true);
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}

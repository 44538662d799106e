// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The terminal view's sink (see src/sinks/tty/tty_sink.h).
 */
#include "sinks/tty/tty_sink.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sinks/otlp_resource.h"
#include "sinks/tty/tty_view.h"
#include "util/clock.h"
#include "util/log.h"

struct se_tty_sink {
	struct se_sink sink;
	FILE *out;
	struct se_otlp_metrics metrics; /* delta: each window alone */
	struct se_otlp_resource resource;
	uint64_t cpu_ticks;   /* sockeye's user and system time at the last window */
	uint64_t cpu_seen_ns; /* CLOCK_MONOTONIC then; 0: not read yet */
	bool warned;
};

/* utime + stime of the process, in clock ticks (/proc/self/stat); 0 when unreadable. */
static uint64_t se_tty_cpu_ticks(void)
{
	char buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold spaces */
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return ut + st;
}

static uint64_t se_tty_rss_bytes(void)
{
	char line[128];
	unsigned long long kib = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %llu kB", &kib) == 1)
			break;
	fclose(f);
	return kib << 10;
}

/* sockeye's CPU since the last window, in % of one CPU; -1 the first time. */
static double se_tty_cpu_percent(struct se_tty_sink *s)
{
	uint64_t ticks = se_tty_cpu_ticks(), now = se_clock_mono_ns();
	long hz = sysconf(_SC_CLK_TCK);
	double pct = -1;

	if (s->cpu_seen_ns && now > s->cpu_seen_ns && hz > 0 && ticks >= s->cpu_ticks)
		pct = 100.0 * (double)(ticks - s->cpu_ticks) / (double)hz /
		      ((double)(now - s->cpu_seen_ns) / SE_NS_PER_S);
	s->cpu_ticks = ticks;
	s->cpu_seen_ns = now;
	return pct;
}

static void se_tty_sink_export(struct se_sink *sink, const struct se_export_window *ew,
			       const struct se_sink_stop *stop)
{
	struct se_tty_sink *s = (struct se_tty_sink *)sink;
	static const uint64_t failures[SE_EXPORT_FAIL__COUNT]; /* no OTLP export */
	struct se_tty_frame frame = {
		.start_ns = ew->w.start_ns,
		.end_ns = ew->w.end_ns,
		.cpu_percent = se_tty_cpu_percent(s),
		.rss_bytes = se_tty_rss_bytes(),
		.clear = true,
	};
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req;
	struct se_arena a;

	(void)stop;
	se_arena_init(&a);
	req = se_otlp_metrics_build(&s->metrics, &s->resource, ew, failures, "tracepoint", &a);
	if (!req || se_tty_render(s->out, req, &frame) || fflush(s->out)) {
		if (!s->warned)
			se_warn("the terminal view could not draw a window (%s)",
				req ? "writing failed" : "out of memory");
		s->warned = true;
	}
	se_arena_fini(&a);
}

static void se_tty_sink_free(struct se_sink *sink)
{
	struct se_tty_sink *s = (struct se_tty_sink *)sink;

	se_otlp_metrics_fini(&s->metrics);
	free(s);
}

static const struct se_sink_ops se_tty_sink_ops = {
	.export = se_tty_sink_export,
	.free = se_tty_sink_free,
	.remote = false,
};

static const char *se_tty_getenv(const char *name)
{
	return getenv(name);
}

struct se_sink *se_tty_sink_new(FILE *out, const struct se_config *cfg)
{
	struct se_tty_sink *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->sink.ops = &se_tty_sink_ops;
	s->out = out;
	se_otlp_resource_init(&s->resource, se_tty_getenv, "", (int64_t)getpid());
	se_otlp_metrics_init(&s->metrics, true, cfg->max_groups, 0);
	se_tty_cpu_percent(s);
	return &s->sink;
}

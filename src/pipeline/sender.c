// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sender thread (see src/pipeline/sender.h).
 */
#include "pipeline/sender.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "sinks/stdout/stdout.h"
#include "util/log.h"
#include "sinks/otlp/otlp_exporter.h"

struct se_sender {
	const struct se_config *cfg;   /* immutable after start */
	struct se_window_queue *queue; /* sync: its lock */
	FILE *out;		       /* owner: sender thread */
	struct se_otlp_exporter *otlp; /* owner: sender thread; NULL without --otlp-endpoint */
	uint64_t failures_shown[SE_EXPORT_FAIL__COUNT]; /* owner: sender thread */
	/* 0, or the CLOCK_MONOTONIC time exports must end by. sync: set by main, read by sender */
	_Atomic uint64_t stop_deadline_ns;
	struct se_otlp_stop stop; /* immutable after new */
	pthread_t thread;
	bool started;
};

static uint64_t se_sender_stop_deadline(void *arg)
{
	struct se_sender *s = arg;

	return atomic_load_explicit(&s->stop_deadline_ns, memory_order_relaxed);
}

struct se_sender *se_sender_new(const struct se_config *cfg, struct se_window_queue *queue,
				FILE *out)
{
	struct se_sender *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cfg = cfg;
	s->queue = queue;
	s->out = out;
	atomic_init(&s->stop_deadline_ns, 0);
	s->stop.deadline_ns = se_sender_stop_deadline;
	s->stop.arg = s;
	if (cfg->otlp_endpoint[0] && !(s->otlp = se_otlp_exporter_new(cfg))) {
		free(s);
		return NULL;
	}
	return s;
}

void se_sender_stopping(struct se_sender *s)
{
	uint64_t expected = 0;

	/* the first stop counts: a second call does not move the deadline */
	atomic_compare_exchange_strong(&s->stop_deadline_ns, &expected,
				       se_clock_mono_ns() + SE_SENDER_STOP_BUDGET_S * SE_NS_PER_S);
}

/*
 * OTLP exports that failed since the last window, into this window's loss counters: every
 * window is then either delivered or counted, on stdout as in OTLP. (A window's own failure
 * shows in the next one, as it is exported after it is printed, but when stopping.)
 */
static void se_sender_count_failures(struct se_sender *s, struct se_export_window *ew)
{
	uint64_t f[SE_EXPORT_FAIL__COUNT];

	se_otlp_exporter_counts(s->otlp, f);
	ew->w.counters[SE_UC_OTLP_REJECTED] +=
	    f[SE_EXPORT_FAIL_REJECTED] - s->failures_shown[SE_EXPORT_FAIL_REJECTED];
	ew->w.counters[SE_UC_OTLP_UNSENT] +=
	    f[SE_EXPORT_FAIL_GAVE_UP] - s->failures_shown[SE_EXPORT_FAIL_GAVE_UP] +
	    f[SE_EXPORT_FAIL_ENCODE] - s->failures_shown[SE_EXPORT_FAIL_ENCODE] +
	    f[SE_EXPORT_FAIL_TLS] - s->failures_shown[SE_EXPORT_FAIL_TLS];
	memcpy(s->failures_shown, f, sizeof(f));
}

static void *se_sender_main(void *arg)
{
	struct se_sender *s = arg;
	struct se_export_window ew;

	while (se_window_queue_pop(s->queue, &ew)) {
		/* Printing comes first, so that a slow collector never delays stdout. Once
		 * stopping, exporting does: the window's stats line then counts its own export's
		 * failure too, as no line follows the last window's. */
		bool first = s->otlp && se_sender_stop_deadline(s);

		if (first)
			se_otlp_exporter_export(s->otlp, &ew, &s->stop);
		if (s->otlp)
			se_sender_count_failures(s, &ew);
		if (s->cfg->out_stdout &&
		    se_stdout_export(s->out, s->cfg, &ew.w, &ew.kernel, ew.late_shards))
			se_warn("writing to stdout failed");
		if (s->otlp && !first)
			se_otlp_exporter_export(s->otlp, &ew, &s->stop);
		se_window_fini(&ew.w);
	}
	return NULL;
}

int se_sender_start(struct se_sender *s)
{
	int ret = pthread_create(&s->thread, NULL, se_sender_main, s);

	if (ret)
		return -ret;
	s->started = true;
	return 0;
}

int se_sender_join(struct se_sender *s)
{
	if (!s->started)
		return 0;
	pthread_join(s->thread, NULL);
	s->started = false;
	return 0;
}

void se_sender_free(struct se_sender *s)
{
	if (!s)
		return;
	se_sender_join(s);
	se_otlp_exporter_free(s->otlp);
	free(s);
}

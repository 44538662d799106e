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
#include "util/thread.h"

struct se_sender {
	struct se_window_queue *queue; /* sync: its lock */
	struct se_sink *const *sinks;  /* immutable after new; lent by the caller */
	unsigned int nsinks;
	struct se_health *health; /* lent; NULL: none */
	/* 0, or the CLOCK_MONOTONIC time exports must end by. sync: set by main, read by sender */
	_Atomic uint64_t stop_deadline_ns;
	struct se_sink_stop stop; /* immutable after new */
	pthread_t thread;
	bool started;
};

static uint64_t se_sender_stop_deadline(void *arg)
{
	struct se_sender *s = arg;

	return atomic_load_explicit(&s->stop_deadline_ns, memory_order_relaxed);
}

struct se_sender *se_sender_new(struct se_window_queue *queue, struct se_sink *const *sinks,
				unsigned int nsinks, struct se_health *health)
{
	struct se_sender *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->queue = queue;
	s->sinks = sinks;
	s->nsinks = nsinks;
	s->health = health;
	atomic_init(&s->stop_deadline_ns, 0);
	s->stop.deadline_ns = se_sender_stop_deadline;
	s->stop.arg = s;
	return s;
}

void se_sender_stopping(struct se_sender *s)
{
	uint64_t expected = 0;

	/* the first stop counts: a second call does not move the deadline */
	atomic_compare_exchange_strong(&s->stop_deadline_ns, &expected,
				       se_clock_mono_ns() + SE_SENDER_STOP_BUDGET_S * SE_NS_PER_S);
}

static void se_sender_export(struct se_sender *s, struct se_export_window *ew, bool remote)
{
	for (unsigned int i = 0; i < s->nsinks; i++)
		if (s->sinks[i]->ops->remote == remote)
			s->sinks[i]->ops->export(s->sinks[i], ew, &s->stop);
}

static void *se_sender_main(void *arg)
{
	struct se_sender *s = arg;
	struct se_export_window ew;

	se_thread_name("sockeye-sender");
	while (se_window_queue_pop(s->queue, &ew)) {
		/* Local sinks first, remote ones first once stopping: see sender.h. */
		bool remote_first = se_sender_stop_deadline(s);

		if (remote_first)
			se_sender_export(s, &ew, true);
		for (unsigned int i = 0; i < s->nsinks; i++)
			if (s->sinks[i]->ops->count_failures)
				s->sinks[i]->ops->count_failures(s->sinks[i], ew.w.counters);
		se_sender_export(s, &ew, false);
		if (!remote_first)
			se_sender_export(s, &ew, true);
		se_window_fini(&ew.w);
		if (s->health)
			se_health_window_exported(s->health);
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
	free(s);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The merger thread (see src/pipeline/merger.h). Windows leave strictly in order. A
 * window leaves when every worker has delivered its shard, or when the grace time past its
 * end has run out; a shard that arrives after its window left is merged into the next window
 * and counted as late, so nothing captured is lost.
 */
#include "pipeline/merger.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/thread.h"
#include "capture/probe.h"
#include "pipeline/publish.h"

#define SE_MERGER_GRACE_NS    (1 * SE_NS_PER_S)
#define SE_MERGER_PENDING_MAX 8

struct se_merger {
	const struct se_config *cfg;   /* immutable after start */
	const struct se_probe *probe;  /* immutable after start (read-only syscalls) */
	struct se_publish *pub;	       /* sync: RCU (see publish.h) */
	struct se_window_queue *queue; /* sync: its lock */
	unsigned int workers;	       /* immutable after start */
	pthread_t thread;
	bool started;

	atomic_bool workers_gone; /* sync: set by main after joining the workers */
	atomic_bool stopping;	  /* sync: set by main before it stops the workers */

	/* owner: merger thread */
	struct se_window pending[SE_MERGER_PENDING_MAX]; /* sorted by start */
	unsigned int npending;
	struct se_window late; /* shards that came after their window: go into the next one */
	uint32_t late_shards;
	uint64_t exported_until_ns;
	unsigned int finals;
	uint64_t kc_prev[SE_KC__COUNT];
	uint64_t missed_prev;
};

struct se_merger *se_merger_new(const struct se_config *cfg, unsigned int workers,
				const struct se_probe *probe, struct se_publish *pub,
				struct se_window_queue *queue)
{
	struct se_merger *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cfg = cfg;
	m->probe = probe;
	m->pub = pub;
	m->queue = queue;
	m->workers = workers;
	atomic_init(&m->workers_gone, false);
	atomic_init(&m->stopping, false);
	se_window_init(&m->late, 0, 0, cfg->max_groups);
	return m;
}

/* The pending window starting at start_ns, created in order if missing; NULL if full. */
static struct se_window *se_merger_window(struct se_merger *m, uint64_t start_ns, uint64_t end_ns)
{
	unsigned int i;

	for (i = 0; i < m->npending; i++) {
		if (m->pending[i].start_ns == start_ns)
			return &m->pending[i];
		if (m->pending[i].start_ns > start_ns)
			break;
	}
	if (m->npending == SE_MERGER_PENDING_MAX)
		return NULL;
	memmove(&m->pending[i + 1], &m->pending[i], (m->npending - i) * sizeof(m->pending[0]));
	m->npending++;
	se_window_init(&m->pending[i], start_ns, end_ns, m->cfg->max_groups);
	return &m->pending[i];
}

static void se_merger_kernel_delta(struct se_merger *m, struct se_kernel_window *kw)
{
	uint64_t now[SE_KC__COUNT], missed = 0;

	memset(kw, 0, sizeof(*kw));
	if (!m->probe || se_probe_read_counters(m->probe, now, &missed))
		return;
	for (int k = 0; k < SE_KC__COUNT; k++) {
		kw->counters[k] = now[k] - m->kc_prev[k];
		m->kc_prev[k] = now[k];
	}
	kw->prog_missed = missed - m->missed_prev;
	m->missed_prev = missed;
}

/* The oldest pending window leaves for the export queue, with the late data carried in. */
static void se_merger_emit_oldest(struct se_merger *m)
{
	struct se_export_window ew;

	memset(&ew, 0, sizeof(ew));
	ew.w = m->pending[0];
	if (m->late_shards) {
		if (se_window_add(&ew.w, &m->late))
			se_warn("out of memory merging late data: records or HTTP groups lost");
		se_window_fini(&m->late);
		se_window_init(&m->late, 0, 0, m->cfg->max_groups);
	}
	se_merger_kernel_delta(m, &ew.kernel);
	ew.late_shards = m->late_shards;
	m->late_shards = 0;
	if (ew.w.end_ns > m->exported_until_ns) /* never backwards: it decides lateness */
		m->exported_until_ns = ew.w.end_ns;
	memmove(&m->pending[0], &m->pending[1], (m->npending - 1) * sizeof(m->pending[0]));
	m->npending--;
	se_window_queue_push(m->queue, &ew); /* counts what it drops when full */
}

static void se_merger_take(void *arg, const struct se_shard *shard)
{
	struct se_merger *m = arg;
	struct se_window *w = NULL;

	if (shard->final)
		m->finals++;
	/* Lateness is checked again after every forced emit: making room can make it late. */
	while (shard->start_ns >= m->exported_until_ns &&
	       !(w = se_merger_window(m, shard->start_ns, shard->end_ns)))
		se_merger_emit_oldest(m); /* bounded: the oldest goes out incomplete */
	if (shard->start_ns < m->exported_until_ns) {
		m->late_shards++;
		if (se_window_merge(&m->late, shard))
			se_warn("out of memory keeping late data: records or HTTP groups lost");
		return;
	}
	if (se_window_merge(w, shard))
		se_warn("out of memory merging window: records or HTTP groups lost");
}

static bool se_merger_all_final(struct se_merger *m)
{
	return m->finals >= m->workers || atomic_load(&m->workers_gone);
}

static void se_merger_emit_ready(struct se_merger *m)
{
	uint64_t now = se_clock_real_ns();

	while (m->npending) {
		struct se_window *w = &m->pending[0];

		/* While stopping, workers may drain full rings for longer than the grace: the
		 * last windows wait for every worker's final shard instead. */
		bool waiting = atomic_load(&m->stopping) || now < w->end_ns + SE_MERGER_GRACE_NS;

		if (w->shards < m->workers && waiting && !se_merger_all_final(m))
			return;
		se_merger_emit_oldest(m);
	}
}

/* How long the merger may sleep: until the oldest window's grace is over, when a window
 * waits for a lagging worker (its shard rings sooner), at most the grace (a wall-clock jump
 * cannot make it longer); else until a shard comes or the stop rings. */
static int se_merger_wait_ms(struct se_merger *m)
{
	uint64_t now = se_clock_real_ns(), until;

	if (!m->npending || atomic_load(&m->stopping))
		return -1;
	until = m->pending[0].end_ns + SE_MERGER_GRACE_NS;
	if (until <= now)
		return 0;
	if (until - now > SE_MERGER_GRACE_NS)
		until = now + SE_MERGER_GRACE_NS;
	return (int)((until - now) / SE_NS_PER_MS) + 1;
}

static void *se_merger_main(void *arg)
{
	struct se_merger *m = arg;

	se_thread_name("sockeye-merger");
	se_publish_thread_online();
	for (;;) {
		se_publish_collect(m->pub, se_merger_take, m);
		se_merger_emit_ready(m);
		/* Every final shard taken, or the workers joined: what they published after this
		 * collect is collected below. */
		if (se_merger_all_final(m) && !m->npending)
			break;
		se_publish_wait(m->pub, se_merger_wait_ms(m));
	}
	se_publish_collect(m->pub, se_merger_take, m);
	while (m->npending)
		se_merger_emit_oldest(m);
	if (m->late_shards) { /* late data with no window left to carry it: one more, from
			       * the last end to now (at least a millisecond: ends only increase) */
		uint64_t now = se_clock_real_ns(), end = m->exported_until_ns + SE_NS_PER_MS;

		se_merger_window(m, m->exported_until_ns, now > end ? now : end);
		se_merger_emit_oldest(m);
	}
	se_publish_thread_offline();
	return NULL;
}

int se_merger_start(struct se_merger *m)
{
	int ret = pthread_create(&m->thread, NULL, se_merger_main, m);

	if (ret)
		return -ret;
	m->started = true;
	return 0;
}

void se_merger_stopping(struct se_merger *m)
{
	atomic_store(&m->stopping, true);
	se_publish_ring(m->pub);
}

int se_merger_join(struct se_merger *m)
{
	if (!m->started)
		return 0;
	atomic_store(&m->workers_gone, true);
	se_publish_ring(m->pub);
	pthread_join(m->thread, NULL);
	m->started = false;
	return 0;
}

void se_merger_free(struct se_merger *m)
{
	if (!m)
		return;
	se_merger_join(m);
	for (unsigned int i = 0; i < m->npending; i++)
		se_window_fini(&m->pending[i]);
	se_window_fini(&m->late);
	free(m);
}

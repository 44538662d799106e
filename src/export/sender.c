// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sender thread (see include/sockeye/sender.h). Windows are exported strictly in order.
 * A window is exported when every worker has delivered its shard, or when the grace time
 * past its end has run out; a shard that arrives after its window was exported is merged
 * into the next window and counted as late, so nothing captured is lost.
 */
#include "sockeye/sender.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sockeye/clock.h"
#include "sockeye/export_stdout.h"
#include "sockeye/log.h"
#include "sockeye/probe.h"
#include "sockeye/tsan.h"

#define SE_SENDER_TICK_NS     (10 * SE_NS_PER_MS)
#define SE_SENDER_GRACE_NS    (1 * SE_NS_PER_S)
#define SE_SENDER_PENDING_MAX 8

struct se_sender {
	const struct se_config *cfg;  /* immutable after start */
	const struct se_probe *probe; /* immutable after start (read-only syscalls) */
	FILE *out;		      /* owner: sender thread */
	unsigned int workers;	      /* immutable after start */
	pthread_t thread;
	bool started;

	/* sync: wfcqueue (enqueue: workers, wait-free; dequeue: sender thread only) */
	struct cds_wfcq_head head;
	struct cds_wfcq_tail tail;
	atomic_bool workers_gone; /* sync: set by main after joining the workers */
	atomic_bool stopping;	  /* sync: set by main before it stops the workers */

	/* owner: sender thread */
	struct se_window pending[SE_SENDER_PENDING_MAX]; /* sorted by start */
	unsigned int npending;
	struct se_window late; /* shards that came after their window: go into the next one */
	uint32_t late_shards;
	uint64_t exported_until_ns;
	unsigned int finals;
	uint64_t kc_prev[SE_KC__COUNT];
	uint64_t missed_prev;
};

struct se_sender *se_sender_new(const struct se_config *cfg, unsigned int workers,
				const struct se_probe *probe, FILE *out)
{
	struct se_sender *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cfg = cfg;
	s->probe = probe;
	s->out = out;
	s->workers = workers;
	cds_wfcq_init(&s->head, &s->tail);
	atomic_init(&s->workers_gone, false);
	atomic_init(&s->stopping, false);
	se_window_init(&s->late, 0, 0, cfg->max_groups);
	return s;
}

void se_sender_submit(struct se_sender *s, struct se_shard *shard)
{
	SE_TSAN_RELEASE(shard);
	cds_wfcq_enqueue(&s->head, &s->tail, &shard->node);
}

/* The pending window starting at start_ns, created in order if missing; NULL if full. */
static struct se_window *se_sender_window(struct se_sender *s, uint64_t start_ns, uint64_t end_ns)
{
	unsigned int i;

	for (i = 0; i < s->npending; i++) {
		if (s->pending[i].start_ns == start_ns)
			return &s->pending[i];
		if (s->pending[i].start_ns > start_ns)
			break;
	}
	if (s->npending == SE_SENDER_PENDING_MAX)
		return NULL;
	memmove(&s->pending[i + 1], &s->pending[i], (s->npending - i) * sizeof(s->pending[0]));
	s->npending++;
	se_window_init(&s->pending[i], start_ns, end_ns, s->cfg->max_groups);
	return &s->pending[i];
}

static void se_sender_kernel_delta(struct se_sender *s, struct se_kernel_window *kw)
{
	uint64_t now[SE_KC__COUNT], missed = 0;

	memset(kw, 0, sizeof(*kw));
	if (!s->probe || se_probe_read_counters(s->probe, now, &missed))
		return;
	for (int k = 0; k < SE_KC__COUNT; k++) {
		kw->counters[k] = now[k] - s->kc_prev[k];
		s->kc_prev[k] = now[k];
	}
	kw->prog_missed = missed - s->missed_prev;
	s->missed_prev = missed;
}

static void se_sender_export_oldest(struct se_sender *s)
{
	struct se_window *w = &s->pending[0];
	struct se_kernel_window kw;

	if (s->late_shards) {
		if (se_window_add(w, &s->late))
			se_warn("out of memory merging late data: records or HTTP groups lost");
		se_window_fini(&s->late);
		se_window_init(&s->late, 0, 0, s->cfg->max_groups);
	}
	se_sender_kernel_delta(s, &kw);
	if (s->cfg->out_stdout && se_stdout_export(s->out, s->cfg, w, &kw, s->late_shards))
		se_warn("writing to stdout failed");
	s->late_shards = 0;
	if (w->end_ns > s->exported_until_ns) /* never backwards: it decides lateness */
		s->exported_until_ns = w->end_ns;
	se_window_fini(w);
	memmove(&s->pending[0], &s->pending[1], (s->npending - 1) * sizeof(s->pending[0]));
	s->npending--;
}

static void se_sender_take(struct se_sender *s, struct se_shard *shard)
{
	struct se_window *w = NULL;

	if (shard->final)
		s->finals++;
	/* Lateness is checked again after every forced export: making room can make it late. */
	while (shard->start_ns >= s->exported_until_ns &&
	       !(w = se_sender_window(s, shard->start_ns, shard->end_ns)))
		se_sender_export_oldest(s); /* bounded: the oldest goes out incomplete */
	if (shard->start_ns < s->exported_until_ns) {
		s->late_shards++;
		if (se_window_merge(&s->late, shard))
			se_warn("out of memory keeping late data: records or HTTP groups lost");
		return;
	}
	if (se_window_merge(w, shard))
		se_warn("out of memory merging window: records or HTTP groups lost");
}

static void se_sender_drain_queue(struct se_sender *s)
{
	struct cds_wfcq_node *node;

	while ((node = __cds_wfcq_dequeue_nonblocking(&s->head, &s->tail)) &&
	       node != CDS_WFCQ_WOULDBLOCK) {
		struct se_shard *shard = caa_container_of(node, struct se_shard, node);

		SE_TSAN_ACQUIRE(shard);
		se_sender_take(s, shard);
		se_shard_free(shard);
	}
}

static bool se_sender_all_final(struct se_sender *s)
{
	return s->finals >= s->workers || atomic_load(&s->workers_gone);
}

static void se_sender_export_ready(struct se_sender *s)
{
	uint64_t now = se_clock_real_ns();

	while (s->npending) {
		struct se_window *w = &s->pending[0];

		/* While stopping, workers may drain full rings for longer than the grace: the
		 * last windows wait for every worker's final shard instead. */
		bool waiting = atomic_load(&s->stopping) || now < w->end_ns + SE_SENDER_GRACE_NS;

		if (w->shards < s->workers && waiting && !se_sender_all_final(s))
			return;
		se_sender_export_oldest(s);
	}
}

static void *se_sender_main(void *arg)
{
	struct se_sender *s = arg;
	struct timespec tick = { .tv_sec = 0, .tv_nsec = SE_SENDER_TICK_NS };

	for (;;) {
		bool done = se_sender_all_final(s);

		se_sender_drain_queue(s);
		se_sender_export_ready(s);
		if (done && !s->npending)
			break;
		nanosleep(&tick, NULL);
	}
	se_sender_drain_queue(s);
	while (s->npending)
		se_sender_export_oldest(s);
	if (s->late_shards) { /* late data with no window left to carry it: one more */
		se_sender_window(s, s->exported_until_ns, s->exported_until_ns);
		se_sender_export_oldest(s);
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

void se_sender_stopping(struct se_sender *s)
{
	atomic_store(&s->stopping, true);
}

int se_sender_join(struct se_sender *s)
{
	if (!s->started)
		return 0;
	atomic_store(&s->workers_gone, true);
	pthread_join(s->thread, NULL);
	s->started = false;
	return 0;
}

void se_sender_free(struct se_sender *s)
{
	if (!s)
		return;
	se_sender_join(s);
	se_sender_drain_queue(s);
	for (unsigned int i = 0; i < s->npending; i++)
		se_window_fini(&s->pending[i]);
	se_window_fini(&s->late);
	free(s);
}

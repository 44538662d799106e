// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Bounded queue of merged windows, dropping the oldest (see src/pipeline/window_queue.h).
 */
#include "pipeline/window_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/counters.h"
#include "proto/registry.h"

int se_window_queue_init(struct se_window_queue *q, uint32_t cap)
{
	memset(q, 0, sizeof(*q));
	q->items = calloc(cap ? cap : 1, sizeof(*q->items));
	if (!q->items)
		return -ENOMEM;
	q->cap = cap ? cap : 1;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->nonempty, NULL);
	return 0;
}

void se_window_queue_fini(struct se_window_queue *q)
{
	if (!q->items)
		return;
	for (uint32_t i = 0; i < q->len; i++)
		se_window_fini(&q->items[(q->head + i) % q->cap].w);
	free(q->items);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->nonempty);
	memset(q, 0, sizeof(*q));
}

/* Keep the counts of a window about to be dropped; free what it held. Under the lock. */
static void se_window_queue_drop(struct se_window_queue *q, struct se_export_window *ew)
{
	se_window_add_counts(&q->carry, &ew->w);
	q->carry.counters[SE_UC_WINDOWS_DROPPED]++;
	for (unsigned int i = 0; se_protocols[i]; i++) {
		const struct se_proto_ops *p = se_protocols[i];

		if (ew->w.parts[p->id])
			p->count_dropped(ew->w.parts[p->id], q->carry.counters);
	}
	for (int k = 0; k < SE_KC__COUNT; k++)
		q->carry_kernel.counters[k] += ew->kernel.counters[k];
	q->carry_kernel.prog_missed += ew->kernel.prog_missed;
	q->carry_late_shards += ew->late_shards;
	q->carrying = true;
	se_window_fini(&ew->w);
}

unsigned int se_window_queue_push(struct se_window_queue *q, struct se_export_window *ew)
{
	unsigned int dropped = 0;

	pthread_mutex_lock(&q->lock);
	if (q->len == q->cap) {
		se_window_queue_drop(q, &q->items[q->head]);
		q->head = (q->head + 1) % q->cap;
		q->len--;
		q->dropped++;
		dropped = 1;
	}
	q->pushed++;
	q->items[(q->head + q->len) % q->cap] = *ew;
	q->len++;
	pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
	memset(ew, 0, sizeof(*ew)); /* moved: the caller's copy owns nothing now */
	return dropped;
}

void se_window_queue_close(struct se_window_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
}

/* Add the counts of dropped windows to the one leaving. Under the lock. */
static void se_window_queue_take_carry(struct se_window_queue *q, struct se_export_window *ew)
{
	if (!q->carrying)
		return;
	se_window_add_counts(&ew->w, &q->carry);
	for (int k = 0; k < SE_KC__COUNT; k++)
		ew->kernel.counters[k] += q->carry_kernel.counters[k];
	ew->kernel.prog_missed += q->carry_kernel.prog_missed;
	ew->late_shards += q->carry_late_shards;
	memset(&q->carry, 0, sizeof(q->carry));
	memset(&q->carry_kernel, 0, sizeof(q->carry_kernel));
	q->carry_late_shards = 0;
	q->carrying = false;
}

bool se_window_queue_pop(struct se_window_queue *q, struct se_export_window *out)
{
	pthread_mutex_lock(&q->lock);
	while (!q->len && !q->closed)
		pthread_cond_wait(&q->nonempty, &q->lock);
	if (!q->len) {
		pthread_mutex_unlock(&q->lock);
		return false;
	}
	*out = q->items[q->head];
	q->head = (q->head + 1) % q->cap;
	q->len--;
	se_window_queue_take_carry(q, out);
	pthread_mutex_unlock(&q->lock);
	return true;
}

void se_window_queue_counts(struct se_window_queue *q, uint64_t *pushed, uint64_t *dropped)
{
	pthread_mutex_lock(&q->lock);
	*pushed = q->pushed;
	*dropped = q->dropped;
	pthread_mutex_unlock(&q->lock);
}

bool se_window_queue_closed(struct se_window_queue *q)
{
	bool closed;

	pthread_mutex_lock(&q->lock);
	closed = q->closed;
	pthread_mutex_unlock(&q->lock);
	return closed;
}

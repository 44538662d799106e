// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * RCU publication of sealed shards (see src/pipeline/publish.h).
 *
 * Each worker's list is singly linked from `head` (the oldest shard still listed) through
 * shard->next. The merger claims shards in list order and claims every shard it sees, so
 * the claimed shards are always a prefix of the list: the worker unlinks that prefix by
 * moving `head` past it, and hands each unlinked shard to call_rcu, because the merger may
 * still be reading it (or its next pointer) in the read-side section it is in.
 *
 * The hand-over to the call_rcu thread that frees a shard is stated to ThreadSanitizer with
 * SE_TSAN_RELEASE/ACQUIRE (util/tsan.h says why).
 */
#include "pipeline/publish.h"

#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/tsan.h"

struct se_publish_list {
	_Atomic(struct se_shard *) head; /* sync: written by the worker, read by the merger */
	struct se_shard *tail;		 /* owner: worker */
} __attribute__((aligned(64)));		 /* one cache line per worker */

struct se_publish {
	unsigned int workers;
	struct se_publish_list *lists;
	int doorbell; /* eventfd: a shard was published, or the merger is asked to look */
};

struct se_publish *se_publish_new(unsigned int workers)
{
	struct se_publish *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->lists = aligned_alloc(64, sizeof(*p->lists) * (workers ? workers : 1));
	p->doorbell = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!p->lists || p->doorbell < 0) {
		if (p->doorbell >= 0)
			close(p->doorbell);
		free(p->lists);
		free(p);
		return NULL;
	}
	p->workers = workers;
	for (unsigned int i = 0; i < workers; i++) {
		atomic_init(&p->lists[i].head, NULL);
		p->lists[i].tail = NULL;
	}
	return p;
}

static void se_publish_free_shard(struct rcu_head *head)
{
	struct se_shard *s = caa_container_of(head, struct se_shard, rcu);

	SE_TSAN_ACQUIRE(s); /* after the grace period: the merger and worker are done with it */
	se_shard_free(s);
}

void se_publish_free(struct se_publish *p)
{
	if (!p)
		return;
	urcu_memb_barrier(); /* run the frees already queued by call_rcu */
	for (unsigned int i = 0; i < p->workers; i++) {
		struct se_shard *s = atomic_load(&p->lists[i].head);

		while (s) {
			struct se_shard *next = atomic_load(&s->next);

			SE_TSAN_ACQUIRE(s);
			se_shard_free(s);
			s = next;
		}
	}
	close(p->doorbell);
	free(p->lists);
	free(p);
}

void se_publish_ring(struct se_publish *p)
{
	uint64_t one = 1;

	/* Fails only when the counter is full (it is read at every wait) */
	if (write(p->doorbell, &one, sizeof(one)) < 0)
		return;
}

void se_publish_wait(struct se_publish *p, int timeout_ms)
{
	struct pollfd pfd = { .fd = p->doorbell, .events = POLLIN };
	uint64_t rings;

	if (poll(&pfd, 1, timeout_ms) > 0 && read(p->doorbell, &rings, sizeof(rings)) < 0)
		return; /* EAGAIN: another read took it; the next wait looks again */
}

void se_publish_thread_online(void)
{
	urcu_memb_register_thread();
}

void se_publish_thread_offline(void)
{
	urcu_memb_unregister_thread();
}

void se_publish_shard(struct se_publish *p, struct se_shard *shard)
{
	struct se_publish_list *l = &p->lists[shard->worker];
	struct se_shard *s = atomic_load_explicit(&l->head, memory_order_relaxed);

	/* Unlink the claimed prefix. */
	while (s && atomic_load_explicit(&s->claimed, memory_order_acquire)) {
		struct se_shard *next = atomic_load_explicit(&s->next, memory_order_relaxed);

		atomic_store_explicit(&l->head, next, memory_order_release);
		if (!next)
			l->tail = NULL;
		SE_TSAN_RELEASE(s);
		urcu_memb_call_rcu(&s->rcu, se_publish_free_shard);
		s = next;
	}
	/* Publish: the shard's contents are visible to whoever loads the pointer. */
	atomic_init(&shard->next, NULL);
	atomic_init(&shard->claimed, false);
	if (l->tail)
		atomic_store_explicit(&l->tail->next, shard, memory_order_release);
	else
		atomic_store_explicit(&l->head, shard, memory_order_release);
	l->tail = shard;
	se_publish_ring(p);
}

unsigned int se_publish_collect(struct se_publish *p,
				void (*take)(void *arg, const struct se_shard *shard), void *arg)
{
	unsigned int taken = 0;

	urcu_memb_read_lock();
	for (unsigned int i = 0; i < p->workers; i++) {
		struct se_shard *s = atomic_load_explicit(&p->lists[i].head, memory_order_acquire);

		while (s) {
			struct se_shard *next;

			if (!atomic_load_explicit(&s->claimed, memory_order_relaxed)) {
				take(arg, s);
				taken++;
				atomic_store_explicit(&s->claimed, true, memory_order_release);
			}
			next = atomic_load_explicit(&s->next, memory_order_acquire);
			SE_TSAN_RELEASE(s); /* this reader's last use, before the grace period */
			s = next;
		}
	}
	urcu_memb_read_unlock();
	return taken;
}

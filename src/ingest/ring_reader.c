// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The rings of one worker, mapped and woken through epoll: see src/ingest/ring_reader.h. */
#include "ingest/ring_reader.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

/* The epoll data of the kick eventfd: no ring has this index. */
#define SE_RING_READER_KICK UINT32_MAX

struct se_ring_reader {
	se_ring_record_fn fn;
	void *ctx;
	int epoll_fd;
	int kick_fd;			 /* eventfd in the epoll set: se_ring_reader_kick */
	unsigned int n;			 /* rings added */
	struct se_ring_view *views;	 /* n of them */
	struct se_ring_written **states; /* n of them: each ring's wake-up state, or NULL */
	struct epoll_event *events;	 /* n + 1 of them (the rings and the kick), by epoll_wait */
	size_t page_size;
};

struct se_ring_reader *se_ring_reader_new(se_ring_record_fn fn, void *ctx)
{
	struct se_ring_reader *rr = calloc(1, sizeof(*rr));

	if (!rr)
		return NULL;
	rr->fn = fn;
	rr->ctx = ctx;
	rr->page_size = (size_t)sysconf(_SC_PAGESIZE);
	rr->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	rr->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (rr->epoll_fd < 0 || rr->kick_fd < 0 ||
	    epoll_ctl(
		rr->epoll_fd, EPOLL_CTL_ADD, rr->kick_fd,
		&(struct epoll_event){ .events = EPOLLIN, .data.u32 = SE_RING_READER_KICK }) ||
	    !(rr->events = calloc(1, sizeof(*rr->events)))) {
		int err = errno ? errno : ENOMEM;

		if (rr->epoll_fd >= 0)
			close(rr->epoll_fd);
		if (rr->kick_fd >= 0)
			close(rr->kick_fd);
		free(rr);
		errno = err;
		return NULL;
	}
	return rr;
}

/* Length of a ring's second mapping: the producer page and the data area twice over (see
 * the header). */
static uint64_t se_ring_reader_data_map_len(const struct se_ring_reader *rr, uint64_t ring_size)
{
	return rr->page_size + 2 * ring_size;
}

/* Grow the per-ring arrays to hold n + 1 rings. 0 or -ENOMEM. */
static int se_ring_reader_grow(struct se_ring_reader *rr)
{
	size_t n = rr->n + 1;
	void *p;

	if (!(p = realloc(rr->views, n * sizeof(*rr->views))))
		return -ENOMEM;
	rr->views = p;
	if (!(p = realloc(rr->events, (n + 1) * sizeof(*rr->events))))
		return -ENOMEM;
	rr->events = p;
	if (!(p = realloc(rr->states, n * sizeof(*rr->states))))
		return -ENOMEM;
	rr->states = p;
	return 0;
}

int se_ring_reader_add(struct se_ring_reader *rr, int map_fd, struct se_ring_written *state)
{
	struct bpf_map_info info;
	__u32 info_len = sizeof(info);
	/* Edge-triggered: a ring is reported once per wake-up its writers sent. Level-triggered,
	 * epoll would report it again on every poll while it held any record, and a worker
	 * under steady traffic would go round draining a few records at a time instead of
	 * sleeping until the next --wakeup-bytes or its timer. */
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	uint64_t data_len;
	void *cons, *prod;
	int err;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	err = se_ring_reader_grow(rr);
	if (err)
		return err;
	data_len = se_ring_reader_data_map_len(rr, info.max_entries);
	if (data_len != (uint64_t)(size_t)data_len)
		return -E2BIG;
	cons = mmap(NULL, rr->page_size, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (cons == MAP_FAILED)
		return -errno;
	prod = mmap(NULL, (size_t)data_len, PROT_READ, MAP_SHARED, map_fd, (off_t)rr->page_size);
	if (prod == MAP_FAILED) {
		err = -errno;
		munmap(cons, rr->page_size);
		return err;
	}
	ev.data.u32 = rr->n;
	if (epoll_ctl(rr->epoll_fd, EPOLL_CTL_ADD, map_fd, &ev)) {
		err = -errno;
		munmap(prod, (size_t)data_len);
		munmap(cons, rr->page_size);
		return err;
	}
	rr->views[rr->n] = (struct se_ring_view){
		.consumer_pos = cons,
		.producer_pos = prod,
		.data = (const uint8_t *)prod + rr->page_size,
		.mask = info.max_entries - 1,
	};
	rr->states[rr->n] = state;
	rr->n++;
	return 0;
}

int64_t se_ring_reader_poll(struct se_ring_reader *rr, int timeout_ms)
{
	int64_t total = 0;
	int ready;

	ready = epoll_wait(rr->epoll_fd, rr->events, (int)rr->n + 1, timeout_ms);
	if (ready < 0)
		return -errno;
	for (int i = 0; i < ready; i++) {
		uint64_t kicks;
		int64_t ret;

		if (rr->events[i].data.u32 == SE_RING_READER_KICK) {
			/* reset it; EAGAIN: an earlier look took it */
			if (read(rr->kick_fd, &kicks, sizeof(kicks)) < 0 && errno != EAGAIN)
				return -errno;
			continue;
		}
		ret = se_ring_drain(&rr->views[rr->events[i].data.u32], rr->fn, rr->ctx);
		if (ret < 0)
			return ret;
		total += ret;
	}
	return total;
}

int64_t se_ring_reader_consume(struct se_ring_reader *rr)
{
	int64_t total = 0;

	for (unsigned int i = 0; i < rr->n; i++) {
		int64_t ret = se_ring_drain(&rr->views[i], rr->fn, rr->ctx);

		if (ret < 0)
			return ret;
		total += ret;
	}
	return total;
}

bool se_ring_reader_can_sleep(const struct se_ring_reader *rr)
{
	for (unsigned int i = 0; i < rr->n; i++)
		if (!rr->states[i])
			return false;
	return rr->n > 0;
}

int64_t se_ring_reader_sleep(struct se_ring_reader *rr)
{
	/* Sequentially consistent: the flags are set before the drain reads the producer
	 * positions (an exchange on x86), so a writer that reserved after this sees a flag set
	 * (see sockeye/wakeup.h for the one that does not). */
	for (unsigned int i = 0; i < rr->n; i++)
		__atomic_store_n(&rr->states[i]->asleep, 1, __ATOMIC_SEQ_CST);
	return se_ring_reader_consume(rr);
}

void se_ring_reader_kick(struct se_ring_reader *rr)
{
	uint64_t one = 1;

	if (write(rr->kick_fd, &one, sizeof(one)) < 0)
		return; /* the counter is full: a kick is pending anyway */
}

void se_ring_reader_awake(struct se_ring_reader *rr)
{
	for (unsigned int i = 0; i < rr->n; i++)
		__atomic_store_n(&rr->states[i]->asleep, 0, __ATOMIC_RELAXED);
}

bool se_ring_reader_stopped_busy(const struct se_ring_reader *rr)
{
	for (unsigned int i = 0; i < rr->n; i++)
		if (rr->views[i].stopped_busy)
			return true;
	return false;
}

void se_ring_reader_free(struct se_ring_reader *rr)
{
	if (!rr)
		return;
	for (unsigned int i = 0; i < rr->n; i++) {
		munmap(rr->views[i].consumer_pos, rr->page_size);
		munmap((void *)rr->views[i].producer_pos,
		       (size_t)se_ring_reader_data_map_len(rr, rr->views[i].mask + 1));
	}
	close(rr->epoll_fd);
	close(rr->kick_fd);
	free(rr->views);
	free(rr->events);
	free(rr->states);
	free(rr);
}

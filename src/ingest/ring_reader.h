/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading BPF ring buffers (BPF_MAP_TYPE_RINGBUF) in place, as libbpf's ring_buffer does,
 * but storing the consumer position a few times per drain instead of after every record.
 *
 * Why our own: every program that writes a record reads the ring's consumer position twice
 * (the reserve checks for space, the commit for a wake-up). libbpf 1.1's consumer stores
 * that position after every record, so while a worker drains, each of its stores takes the
 * cache line away from the CPU that is producing, and the next record written there pays a
 * miss. Here it is stored once per pass over what the producers had written, and every so
 * often within a pass (SE_RING_RELEASE_*) so that a long drain still frees space: the line
 * stays shared, and while a drain runs the producers see the ring fuller than it is by at
 * most one such step. Figures: docs/performance.md, "The rings read in place".
 *
 * The layout is the kernel's (kernel/bpf/ringbuf.c): a consumer page the reader writes, a
 * producer page, then the data area mapped twice in a row so that a record that wraps reads
 * as one piece. Each record starts with a BPF_RINGBUF_HDR_SZ header whose first 32 bits are
 * its length, with BPF_RINGBUF_BUSY_BIT set while it is being written and
 * BPF_RINGBUF_DISCARD_BIT when it was discarded (<linux/bpf.h>); records are 8-byte aligned.
 */
#ifndef SOCKEYE_RING_READER_H
#define SOCKEYE_RING_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockeye/wakeup.h"

/* The position is also stored after every 1 / (1 << SHIFT) of the ring drained, and at
 * least every MAX bytes: one store per hundreds of records is already free, and a large ring
 * should not hold back a large share. */
#define SE_RING_RELEASE_SHIFT 3
#define SE_RING_RELEASE_MAX   (64ul << 10)

/* Called for each committed record; a negative return stops the drain (that record counts
 * as consumed) and is returned. The record lives in the ring: copy what must outlive the
 * call. */
typedef int (*se_ring_record_fn)(void *ctx, const void *data, size_t size);

/* One ring as mapped: the pointers may point at kernel pages or, in tests, at plain memory. */
struct se_ring_view {
	unsigned long *consumer_pos;	   /* written by the reader only */
	const unsigned long *producer_pos; /* written by the producers */
	const uint8_t *data;		   /* 2 * (mask + 1) readable bytes: mapped twice */
	unsigned long mask;		   /* ring size - 1, a power of two minus one */
	bool draining;			   /* a drain is running: nested drains are a bug */
	bool stopped_busy; /* the last drain stopped at a record still being written */
};

/*
 * Hand every committed record of r to fn, in order, up to the first one still being written
 * and until the producer position stops moving. Returns how many records fn got (discarded
 * ones are skipped, not counted) or fn's negative return. No system call; apart from what
 * fn does, touches only r's memory. fn must not drain r itself: the position a nested drain
 * would start from is not stored yet, so it would hand the same records again (asserted).
 * Context: the ring's only reader.
 */
int64_t se_ring_drain(struct se_ring_view *r, se_ring_record_fn fn, void *ctx);

/* A reader of several rings, woken through one epoll set. */
struct se_ring_reader;

/* NULL with errno set on failure. */
struct se_ring_reader *se_ring_reader_new(se_ring_record_fn fn, void *ctx);

/* Map the ring map_fd and add it to the epoll set; state: its wake-up state, through which
 * the reader says it sleeps (NULL: none, and the reader never sleeps). 0 or -errno. */
int se_ring_reader_add(struct se_ring_reader *rr, int map_fd, struct se_ring_written *state);

/*
 * Wait up to timeout_ms for a ring to signal a wake-up and drain the rings that did.
 * Returns the records handed to fn, -errno (-EINTR when a signal came first) or fn's
 * negative return.
 * Context: the reader's thread.
 */
int64_t se_ring_reader_poll(struct se_ring_reader *rr, int timeout_ms);

/* Drain every ring, signalled or not. Returns the records handed to fn, or fn's error. */
int64_t se_ring_reader_consume(struct se_ring_reader *rr);

/*
 * Going to sleep: tell the writers of every ring that the next record must wake the reader
 * (sockeye/wakeup.h), then drain every ring once more, for what was written before they
 * could see it. Returns what se_ring_reader_consume does: when it is not 0, or a drain
 * stopped at a record still being written (se_ring_reader_stopped_busy), the reader should
 * not sleep. Either way, se_ring_reader_awake once the reader wakes or gives up sleeping.
 * false when some ring has no wake-up state: the reader may not sleep.
 */
bool se_ring_reader_can_sleep(const struct se_ring_reader *rr);
int64_t se_ring_reader_sleep(struct se_ring_reader *rr);
/* Awake: the writers need not wake the reader any more. */
void se_ring_reader_awake(struct se_ring_reader *rr);
/* End the reader's wait: se_ring_reader_poll returns, having drained what woke with it. A
 * sleeping worker is told to stop so. Any thread. */
void se_ring_reader_kick(struct se_ring_reader *rr);

/*
 * Whether the last drain of some ring stopped at a record still being written. That
 * record's writer commits without a wake-up (only the writer that crosses --wakeup-bytes
 * sends one), so whatever follows it would wait for the next wake-up or the timer: the
 * reader should look again soon.
 */
bool se_ring_reader_stopped_busy(const struct se_ring_reader *rr);

void se_ring_reader_free(struct se_ring_reader *rr);

#endif /* SOCKEYE_RING_READER_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The rings' wake-up rule as arithmetic: compiled into the BPF writers (bpf/record.bpf.h) and
 * into its unit test (tests/unit/ingest/test_wakeup.c). Each ring keeps a count of the ring
 * space written to it; a writer moves the count from before to before + span with one
 * fetch-and-add, and the writer whose span holds the next multiple of the threshold wakes
 * the ring's worker. The spans of all writers tile the count without gaps or overlaps, so
 * each multiple is held by exactly one of them, whatever the CPUs: one wake-up per
 * threshold's worth of ring space, never zero, never two.
 *
 * A worker with nothing to do sleeps rather than drain on a timer: it sets its rings'
 * `asleep` word, drains once more, and waits; the first writer to see the word set takes it
 * (an exchange: one writer wins) and wakes the worker. A writer that read the word just
 * before it was set, and commits just after that last drain, wakes nobody: its record waits
 * for the worker's next wake-up, which the worker bounds (the window edge, at most a
 * second away).
 */
#ifndef SOCKEYE_WAKEUP_H
#define SOCKEYE_WAKEUP_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * One ring's wake-up state, in the `ring_written` array (one entry per ring, mapped into
 * sockeye): a cache line of its own, as the ring's producer position is (every CPU that
 * writes the ring writes it).
 */
struct se_ring_written {
	__u64 bytes;  /* ring space ever written, by the writers (fetch-and-add) */
	__u64 asleep; /* 1: the worker sleeps until a record comes; set by the worker, taken by
		       * the writer that wakes it */
	__u64 pad[6];
};

/* The kernel's header before each ring record (BPF_RINGBUF_HDR_SZ, <linux/bpf.h>). */
#define SE_RING_HDR_SZ 8

/* Ring space a record of size bytes takes: its header, and the rounding to 8 bytes
 * (kernel/bpf/ringbuf.c), so the count follows what the ring holds. */
static inline __u64 se_ring_record_span(__u64 size)
{
	return (size + SE_RING_HDR_SZ + 7) & ~7ull;
}

/* Whether the span (before, before + span] holds a multiple of threshold (0: never). A span
 * of a threshold or more always does; it wakes once, however many multiples it holds. */
static inline int se_wakeup_crossed(__u64 before, __u64 span, __u64 threshold)
{
	return threshold && before % threshold + span >= threshold;
}

#endif /* SOCKEYE_WAKEUP_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every writer of ring records shares: the record header and the wake-up policy (never
 * per event: the consumer is woken by the record that takes the ring space written past the
 * next multiple of its threshold; otherwise it drains on its poll timer). Used by the
 * capture programs (emit.bpf.h) and by the pipeline benchmark's producer
 * (bench/pipeline/pipeline.bpf.c), so the benchmark's records travel the rings exactly as
 * captured ones do.
 */
#ifndef SOCKEYE_RECORD_BPF_H
#define SOCKEYE_RECORD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "sockeye/abi.h"
#include "sockeye/wakeup.h"

/*
 * Ring space ever written to one ring, counted by its writers for the wake-up rule; a cache
 * line of its own, as the ring's producer position is (every CPU that writes the ring writes
 * it).
 */
struct se_ring_written {
	__u64 bytes;
	__u64 pad[7];
};

/*
 * The flag for writing a record of size bytes to the ring whose count is w: wake its
 * consumer each time the ring space written crosses another multiple of threshold (0 =
 * never: the timer drains); the rule is in sockeye/wakeup.h. It counts bytes written, not
 * bytes queued (bpf_ringbuf_query): two writers could both see the ring below the threshold
 * and together take it above, and neither would wake the consumer.
 */
static __always_inline __u64 se_wakeup_flag(struct se_ring_written *w, __u64 size, __u64 threshold)
{
	if (!threshold || !w)
		return BPF_RB_NO_WAKEUP;
	__u64 span = se_ring_record_span(size);
	__u64 before = __sync_fetch_and_add(&w->bytes, span);

	return se_wakeup_crossed(before, span, threshold) ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void se_header(struct se_ev_header *h, __u8 kind, __u64 conn_id)
{
	h->kind = kind;
	h->cpu = bpf_get_smp_processor_id();
	h->conn_id = conn_id;
	h->ts_ns = bpf_ktime_get_ns();
}

#endif /* SOCKEYE_RECORD_BPF_H */

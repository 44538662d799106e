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
 * The flag for writing a record of size bytes to the ring whose state is w: wake its
 * consumer when it sleeps, and each time the ring space written crosses another multiple of
 * threshold (0 = never: the consumer drains on its timer); the rules are in sockeye/wakeup.h.
 * It counts bytes written, not bytes queued (bpf_ringbuf_query): two writers could both see
 * the ring below the threshold and together take it above, and neither would wake the
 * consumer. The asleep word shares the count's cache line, which the fetch-and-add has just
 * brought in: reading it costs nothing more.
 */
static __always_inline __u64 se_wakeup_flag(struct se_ring_written *w, __u64 size, __u64 threshold)
{
	__u64 wake = BPF_RB_NO_WAKEUP;

	if (!w)
		return BPF_RB_NO_WAKEUP;
	if (threshold) {
		__u64 span = se_ring_record_span(size);
		__u64 before = __sync_fetch_and_add(&w->bytes, span);

		if (se_wakeup_crossed(before, span, threshold))
			wake = BPF_RB_FORCE_WAKEUP;
	}
	if (*(volatile __u64 *)&w->asleep && __sync_lock_test_and_set(&w->asleep, 0))
		wake = BPF_RB_FORCE_WAKEUP;
	return wake;
}

static __always_inline void se_header(struct se_ev_header *h, __u8 kind, __u64 conn_id)
{
	h->kind = kind;
	h->cpu = bpf_get_smp_processor_id();
	h->conn_id = conn_id;
	h->ts_ns = bpf_ktime_get_ns();
}

#endif /* SOCKEYE_RECORD_BPF_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every writer of ring records shares: the record header and the wake-up policy (never
 * per event: the consumer is woken once, by the record that makes the queued bytes cross its
 * threshold; otherwise it drains on its poll timer). Used by the capture programs
 * (emit.bpf.h) and by the pipeline benchmark's producer (bench/pipeline/pipeline.bpf.c), so
 * the benchmark's records travel the rings exactly as captured ones do.
 */
#ifndef SOCKEYE_RECORD_BPF_H
#define SOCKEYE_RECORD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "sockeye/abi.h"

/* The flag for writing size bytes to ring: wake only on crossing threshold (0 = never). */
static __always_inline __u64 se_wakeup_flag(void *ring, __u64 size, __u64 threshold)
{
	if (!threshold)
		return BPF_RB_NO_WAKEUP;
	__u64 queued = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA);

	if (queued < threshold && queued + size >= threshold)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void se_header(struct se_ev_header *h, __u8 kind, __u64 conn_id)
{
	h->kind = kind;
	h->cpu = bpf_get_smp_processor_id();
	h->conn_id = conn_id;
	h->ts_ns = bpf_ktime_get_ns();
}

#endif /* SOCKEYE_RECORD_BPF_H */

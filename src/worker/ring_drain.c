// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Draining one BPF ring buffer in place: see include/sockeye/ring_reader.h. */
#include "sockeye/ring_reader.h"

#include <linux/bpf.h>

/* Bytes a record of payload length len takes in the ring: header included, 8-aligned. */
static unsigned long se_ring_record_span(uint32_t len)
{
	len &= ~(uint32_t)(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
	return ((unsigned long)len + BPF_RINGBUF_HDR_SZ + 7) & ~7ul;
}

int64_t se_ring_drain(struct se_ring_view *r, se_ring_record_fn fn, void *ctx)
{
	unsigned long cons = __atomic_load_n(r->consumer_pos, __ATOMIC_RELAXED); /* ours */
	unsigned long released = cons, prod;
	unsigned long release_every = (r->mask + 1) >> SE_RING_RELEASE_SHIFT;
	int64_t handed = 0;

	/* Until the producer position stops moving, as libbpf does. */
	while ((prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE)) > cons) {
		while (cons < prod) {
			const uint8_t *hdr = r->data + (cons & r->mask);
			/* The producer clears the busy bit with a release once the record is whole.
			 */
			uint32_t len = __atomic_load_n((const uint32_t *)hdr, __ATOMIC_ACQUIRE);

			if (len & BPF_RINGBUF_BUSY_BIT)
				goto done;
			cons += se_ring_record_span(len);
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				int ret = fn(ctx, (void *)(hdr + BPF_RINGBUF_HDR_SZ), len);

				if (ret < 0) {
					__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
					return ret;
				}
				handed++;
			}
			/* The record is handled: its space may go back to the producers, but only
			 * now and then, so the producers' CPUs keep the line (see the header). */
			if (cons - released >= release_every) {
				__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
				released = cons;
			}
		}
	}
done:
	if (cons != released)
		__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
	return handed;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Draining one BPF ring buffer in place: see src/ingest/ring_reader.h. */
#include "ingest/ring_reader.h"

#include <assert.h>
#include <linux/bpf.h>

#include "sockeye/wakeup.h" /* se_ring_record_span */

/* Bytes the record whose header holds len takes in the ring. */
static unsigned long se_ring_header_span(uint32_t len)
{
	return se_ring_record_span(len &
				   ~(uint32_t)(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT));
}

/* Give the space up to cons back to the producers. */
static void se_ring_release(struct se_ring_view *r, unsigned long cons, unsigned long *released)
{
	if (cons != *released) {
		__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
		*released = cons;
	}
}

int64_t se_ring_drain(struct se_ring_view *r, se_ring_record_fn fn, void *ctx)
{
	unsigned long cons = __atomic_load_n(r->consumer_pos, __ATOMIC_RELAXED); /* ours */
	unsigned long released = cons, prod;
	unsigned long release_every = (r->mask + 1) >> SE_RING_RELEASE_SHIFT;
	int64_t handed = 0;

	assert(!r->draining); /* a nested drain would hand the same records again */
	r->draining = true;
	r->stopped_busy = false;
	if (release_every > SE_RING_RELEASE_MAX)
		release_every = SE_RING_RELEASE_MAX;
	/* Until the producer position stops moving, as libbpf does. Positions only grow and
	 * cons never passes prod: != rather than <, so a wrap of the counter is harmless. */
	while ((prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE)) != cons) {
		while (cons != prod) {
			const uint8_t *hdr = r->data + (cons & r->mask);
			/* the producer clears the busy bit (a release) once the record is whole */
			uint32_t len = __atomic_load_n((const uint32_t *)hdr, __ATOMIC_ACQUIRE);

			if (len & BPF_RINGBUF_BUSY_BIT) {
				r->stopped_busy = true;
				goto done;
			}
			cons += se_ring_header_span(len);
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				int ret = fn(ctx, hdr + BPF_RINGBUF_HDR_SZ, len);

				if (ret < 0) {
					se_ring_release(r, cons, &released);
					r->draining = false;
					return ret;
				}
				handed++;
			}
			/* The record is handled: its space may go back to the producers, but only
			 * now and then, so the producers' CPUs keep the line (see the header). */
			if (cons - released >= release_every)
				se_ring_release(r, cons, &released);
		}
		/* Exact before the producer position is read again: a producer that writes
		 * with flags 0 wakes the reader only if the stored position is its record's. */
		se_ring_release(r, cons, &released);
	}
done:
	se_ring_release(r, cons, &released);
	r->draining = false;
	return handed;
}

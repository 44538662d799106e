// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* DNS over TCP framing (see src/proto/dns/dns_tcp.h). */
#include "proto/dns/dns_tcp.h"

#include <string.h>

bool se_dns_tcp_feed(struct se_dns_tcp_framer *f, const struct se_segment *seg,
		     se_dns_tcp_emit_fn emit, void *ctx)
{
	uint64_t i = 0;

	if (f->lost)
		return false;
	if (f->started && seg->offset != f->next_offset) {
		f->lost = true; /* a hole: where the next length is, is not known */
		return false;
	}
	f->started = true;
	f->next_offset = seg->offset + seg->len;
	while (i < seg->len) {
		if (f->have_len < 2) {
			if (i >= seg->captured) {
				f->lost = true;
				return false;
			}
			if (!f->have_len++) {
				f->len_hi = seg->data[i++];
				f->first_ts = seg->start_ns;
				continue;
			}
			f->msg_len = (uint16_t)(f->len_hi << 8 | seg->data[i++]);
			if (!f->msg_len) {
				f->lost = true;
				return false;
			}
			f->got = f->kept = 0;
			f->whole = true;
			continue;
		}
		uint64_t n = seg->len - i;
		uint64_t want = (uint64_t)(f->msg_len - f->got);

		if (n > want)
			n = want;
		/* copy what was captured of these n bytes, up to the room left */
		uint64_t avail = i < seg->captured ? seg->captured - i : 0;
		uint64_t take = avail < n ? avail : n;
		uint64_t room = (uint64_t)(SE_DNS_TCP_KEEP - f->kept);

		if (!f->whole)
			take = 0; /* after a hole: what follows it would not be where it belongs */
		else if (take < n)
			f->whole = false;
		if (take > room)
			take = room;
		memcpy(f->buf + f->kept, seg->data + i, take);
		f->kept = (uint16_t)(f->kept + take);
		f->got = (uint16_t)(f->got + n);
		i += n;
		if (f->got == f->msg_len) {
			emit(ctx, f->buf, f->kept, f->msg_len, f->first_ts, seg->ts_ns);
			f->have_len = 0;
		}
	}
	return true;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#include "conn/data_record.h"

#include <string.h>

unsigned int se_data_record_segments(const struct se_ev_data *e, size_t size,
				     struct se_segment out[SE_RECORD_SEGMENTS_MAX])
{
	const uint8_t *p = (const uint8_t *)(e + 1);
	size_t left;
	uint64_t done; /* record-relative end of what the segments so far carry captured */
	unsigned int n = 1;

	if (size < sizeof(*e) || e->direction >= SE_DIR__COUNT || e->captured > e->total_len ||
	    e->pieces > SE_PIECES_MAX || size - sizeof(*e) < e->captured)
		return 0;
	out[0] = (struct se_segment){
		.offset = e->offset,
		.len = e->total_len,
		.ts_ns = e->h.ts_ns,
		.start_ns = e->h.ts_ns - e->syscall_ns,
		.data = p,
		.captured = e->captured,
	};
	p += e->captured;
	left = size - sizeof(*e) - e->captured;
	done = e->captured;
	for (unsigned int i = 0; i < e->pieces; i++) {
		struct se_data_piece piece;
		struct se_segment *prev = &out[n - 1];

		if (left < sizeof(piece))
			return 0;
		memcpy(&piece, p, sizeof(piece));
		p += sizeof(piece);
		left -= sizeof(piece);
		if (piece.len > left || piece.offset < done ||
		    (uint64_t)piece.offset + piece.len > e->total_len)
			return 0;
		if (!piece.len) /* a read that failed (the walk stopped there): nothing to add */
			continue;
		/* the segment before now ends where this piece begins */
		prev->len = e->offset + piece.offset - prev->offset;
		out[n] = out[0];
		out[n].offset = e->offset + piece.offset;
		out[n].len = e->total_len - piece.offset;
		out[n].data = p;
		out[n].captured = piece.len;
		out[n].piece = true;
		p += piece.len;
		left -= piece.len;
		done = (uint64_t)piece.offset + piece.len;
		n++;
	}
	if (n > 1 && !out[0].len) { /* nothing copied before the first piece: it is the record */
		memmove(&out[0], &out[1], (n - 1) * sizeof(out[0]));
		out[0].piece = false;
		n--;
	}
	return n;
}

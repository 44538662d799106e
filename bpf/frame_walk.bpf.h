/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The HTTP/2 frame walk: on a connection the kernel saw begin as HTTP/2, follow the frames of
 * each direction across syscalls, so that what the parsers need past a syscall's captured
 * prefix still reaches them as pieces of the record (struct se_data_piece): every frame
 * header, and the payload of every frame but DATA (header blocks, RST_STREAM, SETTINGS).
 * Without it, a server that writes several 16 KiB DATA frames per syscall hides the frame
 * headers past --capture-bytes, and user space loses the framing until it can resynchronise.
 * DATA payload past the prefix is copied only where a header's read takes it along (see
 * SE_WALK_CHUNK): the parsers skip it by its length.
 *
 * The walk starts only at the first byte of a direction (the client preface, or a server's
 * first SETTINGS): a connection joined mid-stream, or upgraded from HTTP/1.1, is not walked.
 * It follows one syscall after another in stream order; two threads moving bytes in one
 * direction at once (HTTP/2 implementations serialise their writes and reads) would be seen
 * out of order, and the walk stops (frame_walk_lost), as it does when a syscall holds more
 * frames than SE_WALK_STEPS allow, or its bytes cannot be read. A syscall with more to copy
 * than a record carries is followed to its end, the headers past that read aside.
 */
#ifndef SOCKEYE_FRAME_WALK_BPF_H
#define SOCKEYE_FRAME_WALK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "conn.bpf.h"

#define SE_H2_FRAME_HEADER  9
#define SE_H2_PREFACE_LEN   24
#define SE_H2_TYPE_DATA	    0
#define SE_H2_TYPE_SETTINGS 4
/* bpf_loop steps per syscall: a step reads at most once from user memory */
#define SE_WALK_STEPS 1024
/* Bytes read past the prefix at a frame header (se_walk_step), and frames a step takes in
 * place (se_walk_held) */
#define SE_WALK_CHUNK 128
#define SE_WALK_BURST 16

/* Where the bytes of a syscall are in user memory: an iovec array, or one plain buffer. */
struct se_src {
	__u64 iov;    /* user address of the iovec array; 0: the plain buffer below */
	__u64 iovcnt; /* entries of the array */
	__u64 base;   /* the plain buffer (iov 0); 0: no bytes to read (length-only) */
};

/* The record being assembled on this CPU (the `scratch` map) */
static __always_inline struct se_scratch *se_scratch_get(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&scratch, &cpu);
}

/* Make the iovec entry in hand the one holding record-relative byte `pos`: one entry per
 * call. Returns 1 when it holds it, 0 after a step forward, -1 when there is none. */
static __always_inline int se_walk_entry(struct se_walk_ctx *x, __u64 pos)
{
	struct iovec v;

	if (pos < x->ent_start + x->ent_len)
		return x->ent_base ? 1 : -1;
	if (!x->iov || x->ent_idx + 1 >= x->iovcnt || x->ent_idx + 1 >= SE_IOV_MAX)
		return -1;
	if (bpf_probe_read_user(&v, sizeof(v),
				(const void *)(x->iov + (x->ent_idx + 1) * sizeof(v)))) {
		se_count(SE_KC_DROP_READ_FAULT);
		return -1;
	}
	x->ent_idx++;
	x->ent_start += x->ent_len;
	x->ent_len = v.iov_len;
	x->ent_base = (__u64)v.iov_base;
	return 0;
}

/* se_walk_copy: the walk cannot go on; the record's pieces are full */
#define SE_WALK_STOP -1
#define SE_WALK_FULL -2

/*
 * Copy up to n bytes at record-relative `pos` (past the prefix) from user memory into the
 * record's pieces. Returns the bytes copied (fewer when the iovec entry in hand ends first),
 * 0 after stepping to the next entry, SE_WALK_FULL when the pieces have no room for them,
 * SE_WALK_STOP when the walk cannot go on. Once they are full (x->full), the bytes go aside,
 * past the pieces, where the walk reads them as it would a piece but the record ends before.
 */
static __always_inline long se_walk_copy(struct se_scratch *s, __u64 pos, __u64 n)
{
	struct se_walk_ctx *x = &s->walk;
	int e = se_walk_entry(x, pos);

	if (e <= 0)
		return e ? SE_WALK_STOP : 0;
	__u64 in_entry = x->ent_start + x->ent_len - pos;

	if (n > in_entry)
		n = in_entry;
	bool extend = !x->full && x->pieces && x->last_end == pos;
	__u32 need = extend ? 0 : sizeof(struct se_data_piece);

	if (x->full) {
		if (n > SE_WALK_CHUNK) /* aside: headers only */
			n = SE_WALK_CHUNK;
	} else if (x->used + need + n > SE_PIECES_BYTES_MAX ||
		   (!extend && x->pieces >= SE_PIECES_MAX)) {
		return SE_WALK_FULL;
	}
	if (!extend) {
		__u32 at = x->captured + x->used;

		if (at > 2 * SE_CAPTURE_MAX) /* bounds for the verifier */
			return SE_WALK_STOP;
		struct se_data_piece *p = (void *)&s->data[at];

		p->offset = pos;
		p->len = 0;
		x->last_hdr = at;
		x->piece_start = pos;
	}
	__u32 dst = x->last_hdr + sizeof(struct se_data_piece) + (pos - x->piece_start);

	if (dst > 2 * SE_CAPTURE_MAX + sizeof(struct se_data_piece) ||
	    n > SE_CAPTURE_MAX) /* bounds for the verifier */
		return SE_WALK_STOP;
	if (bpf_probe_read_user(&s->data[dst], n,
				(const void *)(x->ent_base + pos - x->ent_start))) {
		se_count(SE_KC_DROP_READ_FAULT);
		return SE_WALK_STOP;
	}
	x->last_end = pos + n;
	if (x->full)
		return n;
	__u32 last = x->last_hdr;

	if (last > 2 * SE_CAPTURE_MAX)
		return SE_WALK_STOP;
	((struct se_data_piece *)(void *)&s->data[last])->len += n;
	x->used += need + n;
	x->pieces += !extend;
	return n;
}

/* Record-relative end of the bytes from `at` on that the record already holds (the prefix,
 * and the last piece where it continues them); `at` when it holds none. */
static __always_inline __u64 se_walk_held_to(const struct se_walk_ctx *x)
{
	__u64 to = x->at < x->captured ? x->captured : x->at;

	if (x->last_end && x->piece_start <= to && to < x->last_end)
		to = x->last_end;
	return to;
}

/* The frame header is whole: where the next one starts, and whether to copy its payload. */
static __always_inline void se_walk_header(struct se_walk_ctx *x)
{
	x->w.copy = (x->w.lead & 0xff) != SE_H2_TYPE_DATA;
	x->w.next += x->w.lead >> 8;
	x->w.have = 0;
	x->w.lead = 0;
}

/* Take n bytes (b) of the frame header at x->at. */
static __always_inline void se_walk_take(struct se_walk_ctx *x, const __u8 *b, __u64 n)
{
	/* the length and type lead the header; the flags and stream id are not needed here */
	if (!x->w.have && n == SE_H2_FRAME_HEADER) {
		x->w.lead = (__u32)b[0] << 24 | (__u32)b[1] << 16 | (__u32)b[2] << 8 | b[3];
	} else {
		for (__u32 k = 0; k < 4; k++) {
			if (k >= n || x->w.have + k >= 4)
				break;
			x->w.lead = x->w.lead << 8 | b[k];
		}
	}
	x->w.have += n;
	x->at += n;
	x->w.next += n;
	if (x->w.have >= SE_H2_FRAME_HEADER)
		se_walk_header(x);
}

/*
 * The frames whose headers are wholly in what the record holds (the prefix, or the last
 * piece), up to SE_WALK_BURST: read in place, in a loop simple enough for the verifier to
 * take whole. Most frames are these, and the step around this loop costs more than the loop
 * does per frame. (The state stays in the map value: in locals, the verifier follows each
 * value's range from one iteration to the next and does not finish.)
 */
static __always_inline void se_walk_held(struct se_scratch *s)
{
	struct se_walk_ctx *x = &s->walk;

	for (__u32 k = 0; k < SE_WALK_BURST; k++) {
		__u64 header = x->w.next - x->off;
		__u64 from;

		if (x->w.have)
			return;
		if (header + SE_H2_FRAME_HEADER <= x->captured)
			from = header;
		else if (x->last_end && header >= x->piece_start &&
			 header + SE_H2_FRAME_HEADER <= x->last_end)
			from = x->last_hdr + sizeof(struct se_data_piece) + header - x->piece_start;
		else
			return;
		if (from > 2 * SE_CAPTURE_MAX + sizeof(struct se_data_piece)) /* verifier */
			return;
		const __u8 *b = &s->data[from];

		x->w.copy = b[3] != SE_H2_TYPE_DATA;
		x->w.next += SE_H2_FRAME_HEADER + ((__u32)b[0] << 16 | (__u32)b[1] << 8 | b[2]);
		x->at = header + SE_H2_FRAME_HEADER;
	}
}

/*
 * bpf_loop body: one step of the walk over the record, at most one read of user memory. A
 * frame's payload is passed over (copied past the prefix when it is not DATA), then the next
 * header is gathered, possibly over several syscalls. Past the prefix a header is read with
 * the bytes after it, up to SE_WALK_CHUNK: small frames (a burst of HEADERS, short DATA) then
 * cost one read and one piece for several. When the pieces are full, the chunks are read
 * aside (se_walk_copy) and payloads no longer copied.
 */
static long se_walk_step(__u32 i, void *ctx)
{
	struct se_scratch *s = se_scratch_get();

	if (!s)
		return 1;
	struct se_walk_ctx *x = &s->walk;

	se_walk_held(s);
	if (x->at >= x->total)
		return 1;
	__u64 header = x->w.next - x->off; /* record-relative: the next header byte */
	__u64 held = se_walk_held_to(x);

	if (x->at < header) { /* in a frame's payload */
		__u64 stop = header < x->total ? header : x->total;

		if (x->w.copy && stop > held && !x->full) {
			x->at = held;
			long n = se_walk_copy(s, held, stop - held);

			x->full = n == SE_WALK_FULL;
			x->lost = n < 0 && !x->full;
			x->at += n > 0 ? n : 0;
			return x->lost;
		}
		x->at = stop; /* passed over: on to its header in this step */
		if (x->at >= x->total)
			return 1;
		held = se_walk_held_to(x);
	}
	/* at a frame header: read past the prefix, or take it from what the record holds */
	__u64 want = SE_H2_FRAME_HEADER - x->w.have;

	if (held == x->at) {
		__u64 left = x->total - x->at;
		long got = se_walk_copy(s, x->at, left < SE_WALK_CHUNK ? left : SE_WALK_CHUNK);

		x->full |= got == SE_WALK_FULL; /* the next step reads it aside */
		x->lost = got < 0 && got != SE_WALK_FULL;
		return x->lost;
	}
	__u64 from = x->at < x->captured
			 ? x->at
			 : x->last_hdr + sizeof(struct se_data_piece) + x->at - x->piece_start;

	if (from > 2 * SE_CAPTURE_MAX + sizeof(struct se_data_piece)) { /* bounds: verifier */
		x->lost = 1;
		return 1;
	}
	se_walk_take(x, &s->data[from], want < held - x->at ? want : held - x->at);
	return 0;
}

/* Does the first record of a direction begin HTTP/2? Where the first frame header is. */
static __always_inline bool se_walk_begins(const struct se_scratch *s, __u32 captured, __u64 *first)
{
	const char *preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	const __u8 *d = s->data;
	bool is_preface = captured >= SE_H2_PREFACE_LEN;

	for (int k = 0; k < SE_H2_PREFACE_LEN && is_preface; k++) /* unrolled: no memcmp here */
		is_preface = d[k] == (__u8)preface[k];
	if (is_preface) {
		*first = SE_H2_PREFACE_LEN;
		return true;
	}
	/* a server's first frame: SETTINGS on stream 0, no flags, whole settings of 6 bytes */
	__u32 len = (__u32)d[0] << 16 | (__u32)d[1] << 8 | d[2];

	*first = 0;
	return captured >= SE_H2_FRAME_HEADER && d[3] == SE_H2_TYPE_SETTINGS && !d[4] && !d[5] &&
	       !d[6] && !d[7] && !d[8] && len % 6 == 0 && len <= 6 * 16;
}

/*
 * Walk the record in s (its prefix copied, offset and length set) from w, the state of its
 * direction, and append the pieces it needs; returns their bytes. A global function: the
 * verifier checks it once per program against its prototype, not once per path that reaches
 * it (each program's syscall switch makes several). Its pointers may be NULL as far as the
 * verifier knows.
 */
__attribute__((noinline)) __u32 se_frame_walk_record(struct se_scratch *s, struct se_frame_walk *w,
						     const struct se_src *src)
{
	if (!s || !w)
		return 0;
	struct se_walk_ctx *x = &s->walk;

	*x = (struct se_walk_ctx){
		.w = *w,
		.off = s->ev.offset,
		.total = s->ev.total_len,
		.iov = src ? src->iov : 0,
		.iovcnt = src ? src->iovcnt : 0,
		.captured = s->ev.captured,
	};
	/* Out of order: an earlier syscall's record after a later one's (two threads at once),
	 * or one missed. */
	if (w->next < x->off || !src) {
		x->lost = 1;
	} else {
		if (!src->iov) {
			x->ent_base = src->base;
			x->ent_len = x->total;
		} else if (src->iovcnt) {
			struct iovec v;

			if (bpf_probe_read_user(&v, sizeof(v), (const void *)src->iov)) {
				se_count(SE_KC_DROP_READ_FAULT);
				x->lost = 1; /* the entries after it would be placed wrong */
			}
			x->ent_base = (__u64)v.iov_base;
			x->ent_len = v.iov_len;
		}
		if (!x->lost)
			bpf_loop(SE_WALK_STEPS, se_walk_step, NULL, 0);
		if (x->at < x->total)
			x->lost = 1;
	}
	if (x->full)
		se_count(SE_KC_FRAME_WALK_FULL);
	if (x->lost) {
		w->state = SE_WALK_LOST;
		se_count(SE_KC_FRAME_WALK_LOST);
	} else {
		*w = x->w;
	}
	s->ev.pieces = x->pieces;
	return x->used;
}

/*
 * Walk the record in s on direction dir of c, if that direction is walked, and append the
 * pieces it needs; returns their bytes. Costs nothing on a connection not walked but a test,
 * and once per direction a look at its first bytes.
 */
static __always_inline __u32 se_frame_walk(struct se_scratch *s, struct se_conn_state *c, __u8 dir,
					   const struct se_src *src)
{
	if (dir >= SE_DIR__COUNT)
		return 0;
	struct se_frame_walk *w = &c->walk[dir];
	__u64 first;

	if (w->state == SE_WALK_OFF) {
		if (s->ev.offset || c->origin == SE_ORIGIN_MIDSTREAM ||
		    !se_walk_begins(s, s->ev.captured, &first))
			return 0;
		*w = (struct se_frame_walk){ .next = first, .state = SE_WALK_ON };
		se_count(SE_KC_FRAME_WALKS);
	}
	if (w->state != SE_WALK_ON)
		return 0;
	if (!src) { /* a message of an mmsg vector: the call would be too deep (stack) */
		w->state = SE_WALK_LOST;
		se_count(SE_KC_FRAME_WALK_LOST);
		return 0;
	}
	return se_frame_walk_record(s, w, src);
}

#endif /* SOCKEYE_FRAME_WALK_BPF_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* HTTP/2 framing of one direction (see src/proto/http2/http2_frame.h). */
#include "proto/http2/http2_frame.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t se_h2_preface[SE_H2_PREFACE_LEN] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

void se_h2_framer_init(struct se_h2_framer *f, uint64_t first_offset, enum se_h2_state state,
		       struct se_budget *budget)
{
	memset(f, 0, sizeof(*f));
	f->pos = first_offset;
	f->state = (uint8_t)state;
	f->budget = budget;
}

static void se_h2_buf_free(struct se_h2_framer *f)
{
	if (!f->buf)
		return;
	free(f->buf);
	f->buf = NULL;
	se_budget_give(f->budget, SE_H2_PAYLOAD_MAX);
}

void se_h2_framer_fini(struct se_h2_framer *f)
{
	se_h2_buf_free(f);
}

/* Frame types whose payload the tracker reads. */
static bool se_h2_reads_payload(uint8_t type)
{
	switch (type) {
	case SE_H2_HEADERS:
	case SE_H2_CONTINUATION:
	case SE_H2_PUSH_PROMISE:
	case SE_H2_SETTINGS:
	case SE_H2_RST_STREAM:
	case SE_H2_GOAWAY:
		return true;
	default:
		return false;
	}
}

static uint32_t se_h2_be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t se_h2_be31(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]) &
	       0x7fffffffu;
}

/* Is hdr a frame header a peer could send (RFC 9113 6: stream, length and flags per type)? */
static bool se_h2_header_valid(const uint8_t *hdr)
{
	uint32_t len = se_h2_be24(hdr), sid = se_h2_be31(hdr + 5);
	uint8_t type = hdr[3], flags = hdr[4];

	if (len > SE_H2_PAYLOAD_MAX || (hdr[5] & 0x80))
		return false;
	switch (type) {
	case SE_H2_DATA:
		return sid && !(flags & ~(SE_H2_END_STREAM | SE_H2_PADDED));
	case SE_H2_HEADERS:
		return sid && !(flags & ~(SE_H2_END_STREAM | SE_H2_END_HEADERS | SE_H2_PADDED |
					  SE_H2_PRIORITY_FLAG));
	case SE_H2_PRIORITY:
		return sid && len == 5 && !flags;
	case SE_H2_RST_STREAM:
		return sid && len == 4 && !flags;
	case SE_H2_SETTINGS:
		return !sid && len % 6 == 0 && !(flags & ~1u) && !(flags && len);
	case SE_H2_PUSH_PROMISE:
		return sid && len >= 4 && !(flags & ~(SE_H2_END_HEADERS | SE_H2_PADDED));
	case SE_H2_PING:
		return !sid && len == 8 && !(flags & ~1u);
	case SE_H2_GOAWAY:
		return !sid && len >= 8 && !flags;
	case SE_H2_WINDOW_UPDATE:
		return len == 4 && !flags;
	case SE_H2_CONTINUATION:
		return sid && !(flags & ~SE_H2_END_HEADERS);
	default:
		return false;
	}
}

bool se_h2_plausible(const uint8_t *buf, size_t len, uint64_t total)
{
	size_t at = 0;

	if (len < SE_H2_FRAME_HEADER)
		return false;
	while (at + SE_H2_FRAME_HEADER <= len) {
		if (!se_h2_header_valid(buf + at))
			return false;
		at += SE_H2_FRAME_HEADER + se_h2_be24(buf + at);
	}
	/* All of it seen: the frames end where the run does. */
	return len < total || at == len;
}

static void se_h2_lose(struct se_h2_framer *f, const struct se_h2_framer_ops *ops, void *ctx)
{
	se_h2_buf_free(f);
	f->state = SE_H2_S_LOST;
	ops->on_lost(ctx);
}

static void se_h2_deliver(struct se_h2_framer *f, const struct se_h2_framer_ops *ops, void *ctx,
			  const uint8_t *payload, uint64_t ts)
{
	f->cur.captured = !f->incomplete;
	f->cur.payload = f->incomplete ? NULL : payload;
	f->cur.ts_ns = ts;
	ops->on_frame(ctx, &f->cur);
	se_h2_buf_free(f);
	f->state = SE_H2_S_HEADER;
	f->have = 0;
}

static void se_h2_header_done(struct se_h2_framer *f, const struct se_h2_framer_ops *ops, void *ctx,
			      uint64_t ts)
{
	f->cur.length = se_h2_be24(f->hdr);
	f->cur.type = f->hdr[3];
	f->cur.flags = f->hdr[4];
	f->cur.stream_id = se_h2_be31(f->hdr + 5);
	f->left = f->cur.length;
	f->incomplete = false;
	if (!se_h2_reads_payload(f->cur.type)) {
		/* Reported at its header: nothing of it is read, and a DATA frame's end of
		 * stream is known now (a long body's bytes may never be captured). */
		f->cur.captured = false;
		f->cur.payload = NULL;
		f->cur.ts_ns = ts;
		ops->on_frame(ctx, &f->cur);
		f->state = f->left ? SE_H2_S_SKIP : SE_H2_S_HEADER;
		f->have = 0;
		return;
	}
	if (f->cur.length > SE_H2_PAYLOAD_MAX)
		f->incomplete = true;
	if (!f->left)
		se_h2_deliver(f, ops, ctx, f->hdr, ts); /* any valid pointer: length 0 */
	else
		f->state = SE_H2_S_PAYLOAD;
}

/* A payload's bytes at p (NULL: not captured), n of them at most; returns how many it took. */
static uint64_t se_h2_payload(struct se_h2_framer *f, const struct se_h2_framer_ops *ops, void *ctx,
			      const uint8_t *p, uint64_t n, uint64_t ts)
{
	uint32_t done = f->cur.length - f->left;
	uint64_t take = n < f->left ? n : f->left;

	if (!p) {
		f->incomplete = true;
	} else if (!f->incomplete) {
		if (!done && take == f->left) { /* all of it here: no copy */
			f->left = 0;
			se_h2_deliver(f, ops, ctx, p, ts);
			return take;
		}
		if (!f->buf) {
			if (se_budget_take(f->budget, SE_H2_PAYLOAD_MAX) &&
			    !(f->buf = malloc(SE_H2_PAYLOAD_MAX)))
				se_budget_give(f->budget, SE_H2_PAYLOAD_MAX);
			if (!f->buf)
				f->incomplete = true;
		}
		if (f->buf)
			memcpy(f->buf + done, p, take);
	}
	f->left -= (uint32_t)take;
	if (!f->left)
		se_h2_deliver(f, ops, ctx, f->buf, ts);
	return take;
}

/* n bytes of the stream at p (NULL: not captured), in order. */
static void se_h2_run(struct se_h2_framer *f, const struct se_segment *seg, const uint8_t *p,
		      uint64_t n, const struct se_h2_framer_ops *ops, void *ctx)
{
	while (n) {
		uint64_t take = 0;

		switch (f->state) {
		case SE_H2_S_PREFACE:
			take = SE_H2_PREFACE_LEN - f->have;
			take = n < take ? n : take;
			if (p && memcmp(p, se_h2_preface + f->have, take)) {
				se_h2_lose(f, ops, ctx);
				return;
			}
			f->have += (uint8_t)take;
			if (f->have == SE_H2_PREFACE_LEN) {
				f->state = SE_H2_S_HEADER;
				f->have = 0;
			}
			break;
		case SE_H2_S_HEADER:
			if (!p) {
				se_h2_lose(f, ops, ctx);
				return;
			}
			if (!f->have)
				f->cur.start_ns = seg->start_ns;
			take = SE_H2_FRAME_HEADER - f->have;
			take = n < take ? n : take;
			memcpy(f->hdr + f->have, p, take);
			f->have += (uint8_t)take;
			if (f->have == SE_H2_FRAME_HEADER)
				se_h2_header_done(f, ops, ctx, seg->ts_ns);
			break;
		case SE_H2_S_PAYLOAD:
			take = se_h2_payload(f, ops, ctx, p, n, seg->ts_ns);
			break;
		case SE_H2_S_SKIP:
			take = n < f->left ? n : f->left;
			f->left -= (uint32_t)take;
			if (!f->left) {
				f->state = SE_H2_S_HEADER;
				f->have = 0;
			}
			break;
		default: /* lost: the rest of the segment goes */
			return;
		}
		n -= take;
		if (p)
			p += take;
	}
}

void se_h2_framer_push(struct se_h2_framer *f, const struct se_segment *seg,
		       const struct se_h2_framer_ops *ops, void *ctx)
{
	uint64_t end = seg->offset + seg->len;
	const uint8_t *data = seg->data;
	uint64_t len = seg->len, captured = seg->captured < len ? seg->captured : len;

	if (end <= f->pos)
		return;
	if (seg->offset < f->pos) { /* bytes before the start (a protocol switch): skipped */
		uint64_t skip = f->pos - seg->offset;

		len -= skip;
		captured = captured > skip ? captured - skip : 0;
		data = captured ? data + skip : NULL;
	} else if (seg->offset > f->pos) { /* a hole: bytes that never came */
		se_h2_run(f, seg, NULL, seg->offset - f->pos, ops, ctx);
	}
	if (f->state == SE_H2_S_LOST) {
		if (!se_h2_plausible(data, captured, len)) {
			f->pos = end;
			return;
		}
		f->state = SE_H2_S_HEADER;
		f->have = 0;
	}
	se_h2_run(f, seg, data, captured, ops, ctx);
	se_h2_run(f, seg, NULL, len - captured, ops, ctx);
	f->pos = end;
}

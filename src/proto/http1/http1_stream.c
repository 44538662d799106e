// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * HTTP/1.x message framing, the resumable layer 2 of src/proto/http1/http1.h: see there for
 * the contract. Heads are parsed by http1_head.c (through http1_internal.h); the framer moves
 * over bodies by length without looking at them and reads chunk-size lines a byte at a time
 * (they are a few bytes long).
 *
 * Choices the header leaves open, made here:
 *  - Empty lines before a head are skipped (RFC 9112 2.2).
 *  - A head returning SE_HTTP1_BODY_STOP gets no on_end: nothing is reported after a stop.
 *  - A truncated head keeps the lines that end within its first SE_HTTP1_HEAD_MAX bytes; the
 *    skipped lines are checked as strictly as kept ones and count in headers_seen, and
 *    head_len is the whole head. Framing values in them are read through a buffer of
 *    SE_HTTP1_SKIP_VALUE_MAX bytes: a longer Content-Length or Transfer-Encoding is INVALID
 *    (framing that cannot be read), a longer Connection is ignored (it is no list of known
 *    tokens), a longer Upgrade counts as present.
 *  - While framing is lost, skipped bytes are not counted in body_len.
 */
#include "proto/http1/http1.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http1/http1_internal.h"

/* Longest chunk-size line (size and extensions) and trailer section accepted. */
#define SE_HTTP1_CHUNK_LINE_MAX 1024
#define SE_HTTP1_TRAILERS_MAX	SE_HTTP1_HEAD_MAX
/* Chunk sizes stay below 2^60 so that shifting in another hex digit cannot overflow. */
#define SE_HTTP1_CHUNK_SIZE_SHIFT_LIMIT 56

static inline unsigned int se_http1_hex(uint8_t c)
{
	if (c <= '9')
		return c - '0';
	return (c | 0x20) - 'a' + 10;
}

/* ---- stream framer ---------------------------------------------------------------------- */

/* s->chunk_state while in SE_HTTP1_S_BODY_CHUNKED. */
enum se_http1_chunk_state {
	SE_CHUNK_SIZE = 0,     /* hex digits of a chunk-size line */
	SE_CHUNK_EXT,	       /* after the size: extensions up to the line end */
	SE_CHUNK_SIZE_LF,      /* CR seen on the chunk-size line */
	SE_CHUNK_DATA,	       /* `remaining` data bytes to go */
	SE_CHUNK_DATA_CR,      /* the CRLF after the data */
	SE_CHUNK_DATA_LF,      /* CR seen after the data */
	SE_CHUNK_TRAILER,      /* start of a trailer line or of the final empty line */
	SE_CHUNK_TRAILER_CR,   /* CR seen at the start of a line: the final one */
	SE_CHUNK_TRAILER_LINE, /* inside a trailer field line */
};

/* Longest framing header value read in the skipped part of a truncated head. Real ones are a
 * few bytes ("1234", "gzip, chunked", "keep-alive, Upgrade"). */
#define SE_HTTP1_SKIP_VALUE_MAX 256

/* Where the scan of the skipped part of a head is. */
enum se_http1_skip_phase {
	SK_LINE = 0, /* start of a line: a field name, or the empty line */
	SK_NAME,     /* in a field name */
	SK_OWS,	     /* after the colon, before the value */
	SK_VALUE,    /* in the value */
	SK_LF,	     /* CR seen at the end of a field line */
	SK_END_LF,   /* CR seen at the start of a line: the empty line ends */
};

/*
 * A head longer than SE_HTTP1_HEAD_MAX while its part past the kept lines is scanned. It is on
 * the stack while the segment that holds the head's start is scanned, and moves behind the
 * kept bytes in the head buffer (SE_HTTP1_HEAD_BUF bytes) if the head goes on in a later one.
 */
struct se_http1_skip {
	struct se_http1_framing f; /* of every header line so far, kept and skipped, in order */
	uint32_t total;		   /* bytes of the head so far */
	uint32_t headers;	   /* header lines skipped */
	uint16_t len;		   /* bytes in buf: the line's name, then its value */
	uint8_t phase;		   /* enum se_http1_skip_phase */
	uint8_t kind;		   /* enum se_http1_field_kind of the line, once its name is read */
	bool over;		   /* the name or the value did not fit in buf */
	uint8_t buf[SE_HTTP1_SKIP_VALUE_MAX];
};

#define SE_HTTP1_HEAD_BUF (SE_HTTP1_HEAD_MAX + sizeof(struct se_http1_skip))
_Static_assert(SE_HTTP1_HEAD_MAX % _Alignof(struct se_http1_skip) == 0,
	       "the skip state follows the kept bytes in the head buffer");
_Static_assert(SE_HTTP1_HEAD_TOTAL_MAX > SE_HTTP1_HEAD_MAX && SE_HTTP1_HEAD_TOTAL_MAX < UINT32_MAX,
	       "head_len holds a truncated head's length");

/* One feed or close call: where callbacks go and the timestamp of the current segment. */
struct se_http1_io {
	struct se_http1_stream *s;
	const struct se_http1_callbacks *cb;
	void *ctx;
	uint64_t ts;
};

static void se_http1_emit_end(struct se_http1_io *io, uint64_t ts, bool estimated)
{
	struct se_http1_stream *s = io->s;

	s->in_message = false;
	if (io->cb->on_end)
		io->cb->on_end(io->ctx, ts, s->body_len, estimated);
}

static void se_http1_error(struct se_http1_io *io, enum se_http1_error err)
{
	if (io->cb->on_error)
		io->cb->on_error(io->ctx, err);
}

static void se_http1_drop_head(struct se_http1_stream *s)
{
	if (s->head)
		se_budget_give(s->budget, SE_HTTP1_HEAD_BUF);
	free(s->head);
	s->head = NULL;
	s->head_len = 0;
	s->head_truncated = false;
}

/* Framing is lost: report it and skip bytes until a segment starts with a head. A message in
 * progress stays open; it is ended (estimated) at the resync or at close. */
static void se_http1_lose(struct se_http1_io *io, enum se_http1_error err)
{
	se_http1_drop_head(io->s);
	io->s->state = SE_HTTP1_S_LOST;
	se_http1_error(io, err);
}

/* The current message ended in the current segment. */
static void se_http1_end(struct se_http1_io *io)
{
	io->s->state = SE_HTTP1_S_HEAD;
	se_http1_emit_end(io, io->ts, false);
}

static bool se_http1_no_body(const struct se_http1_head *h)
{
	if (h->is_request)
		return !h->chunked && h->content_length < 0;
	return h->status < 200 || h->status == 204 || h->status == 304;
}

/* A complete head: report it, then set up framing of its body. */
static void se_http1_head_found(struct se_http1_io *io, const struct se_http1_head *h,
				uint64_t head_ts)
{
	struct se_http1_stream *s = io->s;
	enum se_http1_body_mode mode = SE_HTTP1_BODY_FROM_HEADERS;

	if (s->in_message) { /* lost before the resync that found this head */
		se_http1_emit_end(io, s->lost_ts, true);
		if (s->state == SE_HTTP1_S_STOPPED) /* by the owner, from on_end */
			return;
	}
	s->body_len = 0;
	s->remaining = 0;
	s->in_message = true;
	s->head_end = UINT64_MAX; /* set by se_http1_feed once the step returns its end */
	if (io->cb->on_head)
		mode = io->cb->on_head(io->ctx, h, head_ts);
	if (mode == SE_HTTP1_BODY_STOP || s->state == SE_HTTP1_S_STOPPED) {
		s->state = SE_HTTP1_S_STOPPED;
		s->in_message = false;
		return;
	}
	if (mode == SE_HTTP1_BODY_NONE || se_http1_no_body(h)) {
		se_http1_end(io);
	} else if (h->chunked) {
		s->state = SE_HTTP1_S_BODY_CHUNKED;
		s->chunk_state = SE_CHUNK_SIZE;
		s->chunk_size = 0;
		s->line_len = 0;
	} else if (h->content_length == 0) {
		se_http1_end(io);
	} else if (h->content_length > 0) {
		s->state = SE_HTTP1_S_BODY_LENGTH;
		s->remaining = (uint64_t)h->content_length;
	} else {
		s->state = SE_HTTP1_S_BODY_UNTIL_CLOSE;
	}
}

/* Bytes of the stream that are not there (not captured, or a hole): bodies count them,
 * anything that would have to be read from them loses the framing. */
/* n bytes that are not here: the uncaptured tail of this segment, or (`hole`) bytes before
 * it that never arrived. A body that ends inside a hole ended at an unknown moment after
 * the last segment seen: that one's time is kept, marked estimated. */
static void se_http1_absent(struct se_http1_io *io, uint64_t n, bool hole)
{
	struct se_http1_stream *s = io->s;

	while (n) {
		uint64_t k;

		switch (s->state) {
		case SE_HTTP1_S_BODY_LENGTH:
			k = n < s->remaining ? n : s->remaining;
			s->body_len += k;
			s->remaining -= k;
			n -= k;
			if (s->remaining)
				break;
			if (hole) {
				s->state = SE_HTTP1_S_HEAD;
				se_http1_emit_end(io, s->last_ts, true);
			} else {
				se_http1_end(io);
			}
			break;
		case SE_HTTP1_S_BODY_CHUNKED:
			if (s->chunk_state != SE_CHUNK_DATA) {
				se_http1_lose(io, SE_HTTP1_ERR_LOST_SYNC);
				return;
			}
			k = n < s->remaining ? n : s->remaining;
			s->body_len += k;
			s->remaining -= k;
			n -= k;
			if (!s->remaining)
				s->chunk_state = SE_CHUNK_DATA_CR;
			break;
		case SE_HTTP1_S_BODY_UNTIL_CLOSE:
			s->body_len += n;
			return;
		case SE_HTTP1_S_HEAD:
			se_http1_lose(io, SE_HTTP1_ERR_LOST_SYNC);
			return;
		default:
			return;
		}
	}
}

/* ---- truncated heads ------------------------------------------------------------------- */

static struct se_http1_skip *se_http1_skip_of(struct se_http1_stream *s)
{
	return (struct se_http1_skip *)(s->head + SE_HTTP1_HEAD_MAX);
}

static void se_http1_skip_put(struct se_http1_skip *k, uint8_t c)
{
	if (k->len < sizeof(k->buf))
		k->buf[k->len++] = c;
	else
		k->over = true;
}

/* A skipped field line ended: read it if it says something about framing. */
static int se_http1_skip_line_end(struct se_http1_skip *k)
{
	k->headers++;
	k->phase = SK_LINE;
	if (k->over) {
		switch (k->kind) {
		case SE_HTTP1_F_LENGTH:
		case SE_HTTP1_F_TE:
			return SE_HTTP1_R_BAD; /* framing we cannot read */
		case SE_HTTP1_F_UPGRADE:
			k->f.has_upgrade = true; /* a value this long is not empty */
			return SE_HTTP1_R_OK;
		default:
			return SE_HTTP1_R_OK; /* a Connection this long is no list of known tokens
					       */
		}
	}
	while (k->len && (k->buf[k->len - 1] == ' ' || k->buf[k->len - 1] == '\t'))
		k->len--;
	return se_http1_frame(&k->f, (enum se_http1_field_kind)k->kind, k->buf, k->len);
}

/*
 * Scan head bytes past the kept lines, from *pp to end: SE_HTTP1_R_EMPTY at the end of the head
 * (*pp after it), SE_HTTP1_R_MORE when the bytes end first, SE_HTTP1_R_BAD for a malformed line or
 * a framing header that cannot be read, SE_HTTP1_R_BIG past SE_HTTP1_HEAD_TOTAL_MAX. Lines are
 * checked as strictly as those the parser keeps; only the values of framing headers are looked at,
 * through k->buf.
 */
static int se_http1_skip_scan(struct se_http1_skip *k, const uint8_t **pp, const uint8_t *end)
{
	const uint8_t *p = *pp;
	int r = SE_HTTP1_R_MORE;

	while (p < end && r == SE_HTTP1_R_MORE) {
		uint8_t c;

		if (k->total >= SE_HTTP1_HEAD_TOTAL_MAX) {
			r = SE_HTTP1_R_BIG;
			break;
		}
		c = *p++;
		k->total++;
		switch (k->phase) {
		case SK_LINE:
			k->len = 0;
			k->over = false;
			k->kind = SE_HTTP1_F_OTHER;
			if (c == '\r')
				k->phase = SK_END_LF;
			else if (c == '\n')
				r = SE_HTTP1_R_EMPTY;
			else if (!se_http1_is(c, SE_HTTP1_C_TCHAR))
				r = SE_HTTP1_R_BAD; /* no name, or obs-fold */
			else {
				se_http1_skip_put(k, c);
				k->phase = SK_NAME;
			}
			break;
		case SK_NAME:
			if (se_http1_is(c, SE_HTTP1_C_TCHAR)) {
				se_http1_skip_put(k, c);
			} else if (c == ':') {
				enum se_http1_field_kind kind =
				    k->over ? SE_HTTP1_F_OTHER
					    : se_http1_field_kind(k->buf, k->len);

				/* Skipped values are never shown: secrets need no redaction. */
				k->kind = kind == SE_HTTP1_F_SECRET ? SE_HTTP1_F_OTHER : kind;
				k->len = 0;
				k->over = false;
				k->phase = SK_OWS;
			} else {
				r = SE_HTTP1_R_BAD;
			}
			break;
		case SK_OWS:
			if (c == ' ' || c == '\t')
				break;
			k->phase = SK_VALUE;
			/* fall through */
		case SK_VALUE:
			if (se_http1_is(c, SE_HTTP1_C_VALUE)) {
				const uint8_t *q = p, *lim;

				if (k->kind != SE_HTTP1_F_OTHER) {
					se_http1_skip_put(k, c);
					break;
				}
				/* A value not read (the large cookie): the rest of it at once. */
				lim = (size_t)(end - p) > SE_HTTP1_HEAD_TOTAL_MAX - k->total
					  ? p + (SE_HTTP1_HEAD_TOTAL_MAX - k->total)
					  : end;
				q = se_http1_span(q, lim, SE_HTTP1_C_VALUE);
				k->total += (uint32_t)(q - p);
				p = q;
			} else if (c == '\r') {
				k->phase = SK_LF;
			} else if (c == '\n') {
				r = se_http1_skip_line_end(k) == SE_HTTP1_R_OK ? SE_HTTP1_R_MORE
									       : SE_HTTP1_R_BAD;
			} else {
				r = SE_HTTP1_R_BAD;
			}
			break;
		case SK_LF:
			if (c != '\n')
				r = SE_HTTP1_R_BAD;
			else
				r = se_http1_skip_line_end(k) == SE_HTTP1_R_OK ? SE_HTTP1_R_MORE
									       : SE_HTTP1_R_BAD;
			break;
		case SK_END_LF:
			r = c == '\n' ? SE_HTTP1_R_EMPTY : SE_HTTP1_R_BAD;
			break;
		default:
			r = SE_HTTP1_R_BAD;
			break;
		}
	}
	*pp = p;
	return r;
}

/* The head's first `kept` bytes, all complete lines, were parsed; the rest is to be scanned. */
static void se_http1_skip_init(struct se_http1_skip *k, const struct se_http1_framing *f,
			       size_t kept)
{
	memset(k, 0, offsetof(struct se_http1_skip, buf));
	k->f = *f;
	k->total = (uint32_t)kept;
	k->phase = SK_LINE;
}

/* A truncated head ended: report it, its views in its kept lines at buf. False when it turned
 * out invalid (framing lost). */
static bool se_http1_truncated_found(struct se_http1_io *io, const uint8_t *buf, uint32_t kept,
				     const struct se_http1_skip *k, uint64_t ts)
{
	struct se_http1_head h;
	struct se_http1_framing unused = { 0 };
	size_t stop;

	/* Complete lines that parsed once already: they parse the same again. */
	se_http1_lines(buf, kept, io->s->request, &h, &unused, &stop);
	h.head_len = k->total;
	h.head_truncated = true;
	h.headers_seen += k->headers;
	if (se_http1_framing_set(&h, &k->f) != SE_HTTP1_R_OK) {
		se_http1_lose(io, SE_HTTP1_ERR_INVALID);
		return false;
	}
	se_http1_head_found(io, &h, ts);
	return true;
}

/* The gather buffer; the budget refusing it, or a failed allocation, loses the head. */
static bool se_http1_head_alloc(struct se_http1_io *io)
{
	struct se_http1_stream *s = io->s;

	if (s->head)
		return true;
	if (!se_budget_take(s->budget, SE_HTTP1_HEAD_BUF)) {
		se_http1_lose(io, SE_HTTP1_ERR_BUDGET);
		return false;
	}
	s->head = malloc(SE_HTTP1_HEAD_BUF);
	if (!s->head) {
		se_budget_give(s->budget, SE_HTTP1_HEAD_BUF);
		se_http1_lose(io, SE_HTTP1_ERR_ALLOC);
		return false;
	}
	return true;
}

/*
 * A head that starts at data + pos and has no end in its first SE_HTTP1_HEAD_MAX bytes, all in
 * this segment; its complete lines (kept bytes, f their framing) were parsed. Scan on in
 * place: most such heads end in the same segment and are reported from it with no copy.
 */
static uint32_t se_http1_truncate(struct se_http1_io *io, const uint8_t *data, uint32_t pos,
				  uint32_t cap, size_t kept, const struct se_http1_framing *f,
				  bool whole)
{
	struct se_http1_stream *s = io->s;
	const uint8_t *p = data + pos + kept;
	struct se_http1_skip k;
	int r;

	if (!kept) { /* the request or status line alone is too long */
		se_http1_lose(io, SE_HTTP1_ERR_TOO_LARGE);
		return cap;
	}
	se_http1_skip_init(&k, f, kept);
	r = se_http1_skip_scan(&k, &p, data + cap);
	if (r == SE_HTTP1_R_EMPTY)
		return se_http1_truncated_found(io, data + pos, (uint32_t)kept, &k, io->ts)
			   ? (uint32_t)(p - data)
			   : cap;
	if (r != SE_HTTP1_R_MORE) {
		se_http1_lose(io,
			      r == SE_HTTP1_R_BIG ? SE_HTTP1_ERR_TOO_LARGE : SE_HTTP1_ERR_INVALID);
		return cap;
	}
	if (!whole || !se_http1_head_alloc(io))
		return cap; /* goes on in bytes that are not there: lost */
	memcpy(s->head, data + pos, kept);
	s->head_len = (uint32_t)kept;
	*se_http1_skip_of(s) = k;
	s->head_truncated = true;
	s->head_ts = io->ts;
	return cap;
}

/* More bytes of a truncated head being skipped. */
static uint32_t se_http1_skip_step(struct se_http1_io *io, const uint8_t *data, uint32_t pos,
				   uint32_t cap)
{
	struct se_http1_stream *s = io->s;
	const uint8_t *p = data + pos;
	bool ok;
	int r;

	r = se_http1_skip_scan(se_http1_skip_of(s), &p, data + cap);
	if (r == SE_HTTP1_R_MORE)
		return cap;
	if (r != SE_HTTP1_R_EMPTY) {
		se_http1_lose(io,
			      r == SE_HTTP1_R_BIG ? SE_HTTP1_ERR_TOO_LARGE : SE_HTTP1_ERR_INVALID);
		return cap;
	}
	ok = se_http1_truncated_found(io, s->head, s->head_len, se_http1_skip_of(s), s->head_ts);
	se_http1_drop_head(s); /* only now: the views pointed into it */
	return ok ? (uint32_t)(p - data) : cap;
}

/* ---- heads ------------------------------------------------------------------------------ */

/* Add bytes to a head being gathered; parse again once they may have completed a line. */
static uint32_t se_http1_gather(struct se_http1_io *io, const uint8_t *data, uint32_t pos,
				uint32_t cap)
{
	struct se_http1_stream *s = io->s;
	uint32_t old = s->head_len, room = SE_HTTP1_HEAD_MAX - old;
	uint32_t n = cap - pos < room ? cap - pos : room;
	struct se_http1_framing f = { 0 };
	struct se_http1_head h;
	const uint8_t *p;
	size_t stop;
	int r;

	memcpy(s->head + old, data + pos, n);
	s->head_len += n;
	/* The verdict on a gathered head can only change when a line completes, or while its
	 * first bytes are being checked, or when it reaches the size limit. */
	if (s->head_len < SE_HTTP1_HEAD_MAX && old >= SE_HTTP1_LOOK_LEN &&
	    !memchr(data + pos, '\n', n))
		return pos + n;
	r = se_http1_lines(s->head, s->head_len, s->request, &h, &f, &stop);
	if (r == SE_HTTP1_R_MORE && s->head_len < SE_HTTP1_HEAD_MAX)
		return pos + n;
	if (r == SE_HTTP1_R_MORE) { /* too long: keep the complete lines, skip the rest */
		if (!stop) {
			se_http1_lose(io, SE_HTTP1_ERR_TOO_LARGE);
			return cap;
		}
		se_http1_skip_init(se_http1_skip_of(s), &f, stop);
		p = s->head + stop;
		/* The partial line at the end, which the parser found valid so far. */
		if (se_http1_skip_scan(se_http1_skip_of(s), &p, s->head + SE_HTTP1_HEAD_MAX) !=
		    SE_HTTP1_R_MORE) {
			se_http1_lose(io, SE_HTTP1_ERR_INVALID);
			return cap;
		}
		s->head_len = (uint32_t)stop;
		s->head_truncated = true;
		return pos + n;
	}
	if (r != SE_HTTP1_R_EMPTY || se_http1_framing_set(&h, &f) != SE_HTTP1_R_OK || stop <= old) {
		se_http1_lose(io, SE_HTTP1_ERR_INVALID);
		return cap;
	}
	h.head_len = (uint32_t)stop;
	se_http1_head_found(io, &h, s->head_ts);
	se_http1_drop_head(s); /* only now: the views pointed into it */
	return pos + (uint32_t)(stop - old);
}

static uint32_t se_http1_head_step(struct se_http1_io *io, const uint8_t *data, uint32_t pos,
				   uint32_t cap, bool whole)
{
	struct se_http1_stream *s = io->s;
	struct se_http1_framing f = { 0 };
	struct se_http1_head h;
	size_t stop;
	int r;

	if (s->head_truncated)
		return se_http1_skip_step(io, data, pos, cap);
	if (s->head_len)
		return se_http1_gather(io, data, pos, cap);
	while (pos < cap && (data[pos] == '\r' || data[pos] == '\n'))
		pos++;
	if (pos == cap)
		return pos;
	r = se_http1_lines(data + pos, cap - pos, s->request, &h, &f, &stop);
	if (r == SE_HTTP1_R_EMPTY && se_http1_framing_set(&h, &f) == SE_HTTP1_R_OK) {
		h.head_len = (uint32_t)stop;
		se_http1_head_found(io, &h, io->ts);
		return pos + (uint32_t)stop;
	}
	if (r != SE_HTTP1_R_MORE) {
		se_http1_lose(io, SE_HTTP1_ERR_INVALID);
		return cap;
	}
	if (cap - pos >= SE_HTTP1_HEAD_MAX)
		return se_http1_truncate(io, data, pos, cap, stop, &f, whole);
	if (!whole)
		return cap; /* the head goes on in bytes that are not there */
	if (!se_http1_head_alloc(io))
		return cap;
	memcpy(s->head, data + pos, cap - pos);
	s->head_len = cap - pos;
	s->head_ts = io->ts;
	return cap;
}

static void se_http1_chunk_size_done(struct se_http1_stream *s)
{
	if (s->chunk_size) {
		s->remaining = s->chunk_size;
		s->chunk_state = SE_CHUNK_DATA;
	} else {
		s->line_len = 0; /* now the trailer bytes */
		s->chunk_state = SE_CHUNK_TRAILER;
	}
}

static void se_http1_chunk_next(struct se_http1_stream *s)
{
	s->chunk_state = SE_CHUNK_SIZE;
	s->chunk_size = 0;
	s->line_len = 0;
}

/* Chunked body bytes from pos; returns where it stopped (the message ended, or cap). */
static uint32_t se_http1_chunk_step(struct se_http1_io *io, const uint8_t *data, uint32_t pos,
				    uint32_t cap)
{
	struct se_http1_stream *s = io->s;

	while (pos < cap) {
		uint8_t c = data[pos];
		const uint8_t *nl;
		uint64_t k;

		switch (s->chunk_state) {
		case SE_CHUNK_DATA:
			k = cap - pos < s->remaining ? cap - pos : s->remaining;
			s->body_len += k;
			s->remaining -= k;
			pos += (uint32_t)k;
			if (!s->remaining)
				s->chunk_state = SE_CHUNK_DATA_CR;
			continue;
		case SE_CHUNK_SIZE:
			if (se_http1_is(c, SE_HTTP1_C_HEX)) {
				if (s->chunk_size >> SE_HTTP1_CHUNK_SIZE_SHIFT_LIMIT ||
				    ++s->line_len > SE_HTTP1_CHUNK_LINE_MAX)
					goto bad;
				s->chunk_size = s->chunk_size << 4 | se_http1_hex(c);
				pos++;
				continue;
			}
			if (!s->line_len)
				goto bad;
			pos++;
			if (c == ';' || c == ' ' || c == '\t') {
				s->chunk_state = SE_CHUNK_EXT;
				s->line_len++;
			} else if (c == '\r') {
				s->chunk_state = SE_CHUNK_SIZE_LF;
			} else if (c == '\n') {
				se_http1_chunk_size_done(s);
			} else {
				goto bad;
			}
			continue;
		case SE_CHUNK_EXT:
			k = pos;
			while (pos < cap && se_http1_is(data[pos], SE_HTTP1_C_VALUE))
				pos++;
			s->line_len += (uint32_t)(pos - k);
			if (s->line_len > SE_HTTP1_CHUNK_LINE_MAX)
				goto bad;
			if (pos == cap)
				continue;
			c = data[pos++];
			if (c == '\r')
				s->chunk_state = SE_CHUNK_SIZE_LF;
			else if (c == '\n')
				se_http1_chunk_size_done(s);
			else
				goto bad;
			continue;
		case SE_CHUNK_SIZE_LF:
			if (c != '\n')
				goto bad;
			pos++;
			se_http1_chunk_size_done(s);
			continue;
		case SE_CHUNK_DATA_CR:
			pos++;
			if (c == '\r')
				s->chunk_state = SE_CHUNK_DATA_LF;
			else if (c == '\n')
				se_http1_chunk_next(s);
			else
				goto bad;
			continue;
		case SE_CHUNK_DATA_LF:
			if (c != '\n')
				goto bad;
			pos++;
			se_http1_chunk_next(s);
			continue;
		case SE_CHUNK_TRAILER:
			pos++;
			if (c == '\r') {
				s->chunk_state = SE_CHUNK_TRAILER_CR;
			} else if (c == '\n') {
				se_http1_end(io);
				return pos;
			} else {
				s->chunk_state = SE_CHUNK_TRAILER_LINE;
				s->line_len++;
			}
			continue;
		case SE_CHUNK_TRAILER_CR:
			if (c != '\n')
				goto bad;
			se_http1_end(io);
			return pos + 1;
		case SE_CHUNK_TRAILER_LINE:
			nl = memchr(data + pos, '\n', cap - pos);
			k = nl ? (uint64_t)(nl - (data + pos)) + 1 : cap - pos;
			if (s->line_len + k > SE_HTTP1_TRAILERS_MAX)
				goto bad;
			s->line_len += (uint32_t)k;
			pos += (uint32_t)k;
			if (nl)
				s->chunk_state = SE_CHUNK_TRAILER;
			continue;
		default:
			goto bad;
		}
	}
	return pos;
bad:
	se_http1_lose(io, SE_HTTP1_ERR_INVALID);
	return cap;
}

/* Framing is lost: a segment that starts like a head (or with a prefix of one, when that is
 * all of the segment) is where parsing resumes. */
static void se_http1_try_resync(struct se_http1_io *io, const uint8_t *data, uint32_t cap,
				uint64_t len)
{
	struct se_http1_stream *s = io->s;
	enum se_parse_status r;

	if (!cap)
		return;
	r = se_http1_looks_like_head(data, cap, s->request);
	if (r == SE_PARSE_INVALID || (r == SE_PARSE_NEED_MORE && cap < len))
		return;
	if (s->in_message)
		s->lost_ts = s->last_ts; /* the lost message ends with the last segment before */
	s->state = SE_HTTP1_S_HEAD;
}

void se_http1_stream_init(struct se_http1_stream *s, bool request, uint64_t first_offset,
			  bool resync)
{
	memset(s, 0, sizeof(*s));
	s->request = request;
	s->expected = first_offset;
	s->state = resync ? SE_HTTP1_S_LOST : SE_HTTP1_S_HEAD;
}

void se_http1_stream_fini(struct se_http1_stream *s)
{
	if (s)
		se_http1_drop_head(s);
}

bool se_http1_release_head(struct se_http1_stream *s)
{
	if (!s->head)
		return false;
	se_http1_drop_head(s);
	if (s->in_message)
		s->lost_ts = s->last_ts;
	s->state = SE_HTTP1_S_LOST;
	return true;
}

void se_http1_feed(struct se_http1_stream *s, const struct se_segment *seg,
		   const struct se_http1_callbacks *cb, void *ctx)
{
	struct se_http1_io io = { .s = s, .cb = cb, .ctx = ctx, .ts = seg->ts_ns };
	const uint8_t *data = seg->data;
	uint64_t off = seg->offset, len = seg->len;
	uint32_t cap = data ? seg->captured : 0, pos = 0;

	if (len > UINT64_MAX - off)
		len = UINT64_MAX - off;
	if (cap > len)
		cap = (uint32_t)len;
	if (off < s->expected) { /* reassembly trims overlaps; if one gets here, skip it */
		uint64_t skip = s->expected - off;

		if (skip >= len)
			return;
		off += skip;
		len -= skip;
		if (skip >= cap) {
			cap = 0;
		} else {
			data += skip;
			cap -= (uint32_t)skip;
		}
	}
	if (!len)
		return;
	if (s->state == SE_HTTP1_S_STOPPED)
		goto out;
	if (off > s->expected)
		se_http1_absent(&io, off - s->expected, true);
	if (s->state == SE_HTTP1_S_LOST)
		se_http1_try_resync(&io, data, cap, len);
	while (pos < cap) {
		switch (s->state) {
		case SE_HTTP1_S_HEAD:
			pos = se_http1_head_step(&io, data, pos, cap, cap == len);
			if (s->head_end == UINT64_MAX) /* a head ended at pos */
				s->head_end = off + pos;
			break;
		case SE_HTTP1_S_BODY_LENGTH: {
			uint64_t k = cap - pos < s->remaining ? cap - pos : s->remaining;

			s->body_len += k;
			s->remaining -= k;
			pos += (uint32_t)k;
			if (!s->remaining)
				se_http1_end(&io);
			break;
		}
		case SE_HTTP1_S_BODY_CHUNKED:
			pos = se_http1_chunk_step(&io, data, pos, cap);
			break;
		case SE_HTTP1_S_BODY_UNTIL_CLOSE:
			s->body_len += cap - pos;
			pos = cap;
			break;
		default: /* LOST, STOPPED */
			pos = cap;
			break;
		}
	}
	if (len > cap)
		se_http1_absent(&io, len - cap, false);
out:
	s->expected = off + len;
	s->last_ts = seg->ts_ns;
}

void se_http1_close(struct se_http1_stream *s, const struct se_http1_callbacks *cb, void *ctx)
{
	struct se_http1_io io = { .s = s, .cb = cb, .ctx = ctx, .ts = s->last_ts };

	switch (s->state) {
	case SE_HTTP1_S_BODY_UNTIL_CLOSE:
		se_http1_emit_end(&io, s->last_ts, false);
		break;
	case SE_HTTP1_S_BODY_LENGTH:
	case SE_HTTP1_S_BODY_CHUNKED:
		se_http1_emit_end(&io, s->last_ts, true);
		break;
	case SE_HTTP1_S_HEAD:
		if (s->in_message)
			se_http1_emit_end(&io, s->lost_ts, true);
		break;
	case SE_HTTP1_S_LOST:
		if (s->in_message)
			se_http1_emit_end(&io, s->last_ts, true);
		break;
	default:
		break;
	}
	s->in_message = false;
	s->state = SE_HTTP1_S_STOPPED;
	se_http1_drop_head(s);
}

void se_http1_stop(struct se_http1_stream *s)
{
	s->state = SE_HTTP1_S_STOPPED;
	s->in_message = false;
	se_http1_drop_head(s);
}

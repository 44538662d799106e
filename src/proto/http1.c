// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * HTTP/1.x heads and message framing: see include/sockeye/http1.h for the contract. The head
 * parser makes one pass over the bytes with character-class tables (a line's end is found by
 * the scan that validates it); the framer moves over bodies by length without looking at them
 * and reads chunk-size lines a byte at a time (they are a few bytes long).
 *
 * Choices the header leaves open, made here:
 *  - Versions other than HTTP/1.0 and HTTP/1.1 are INVALID: no HTTP/1.x with x > 1 exists, and
 *    being strict helps tell a real head from body bytes after a resync.
 *  - Methods: any token parses (SE_HTTP_OTHER unless a known, case-sensitive name), but only
 *    the nine known methods count for se_http1_looks_like_head (resync), so body bytes that
 *    happen to start with a word and a space are not taken for a head. Detection, at the
 *    start of a connection, also takes other methods (detect.c).
 *  - Request line elements may be separated by several spaces (RFC 9112 3: MAY). A status
 *    line may end right after the code ("HTTP/1.1 200\r\n"); codes below 100 are INVALID.
 *  - Transfer-Encoding overrides Content-Length (content_length is then -1); a request whose
 *    Transfer-Encoding does not end in chunked is INVALID, a response is read until close
 *    (RFC 9112 6.3). Repeated Content-Length values must all be equal ("5, 5" is fine).
 *  - Empty lines before a head are skipped (RFC 9112 2.2), bare LF ends lines like CRLF,
 *    obs-fold is INVALID.
 *  - Only kept headers (the first SE_HTTP1_HEADERS_MAX) count in `redacted`; the others are
 *    read for framing only and appear in no view.
 *  - A head returning SE_HTTP1_BODY_STOP gets no on_end: nothing is reported after a stop.
 *  - A truncated head keeps the lines that end within its first SE_HTTP1_HEAD_MAX bytes; the
 *    skipped lines are checked as strictly as kept ones and count in headers_seen, and
 *    head_len is the whole head. Framing values in them are read through a buffer of
 *    SE_HTTP1_SKIP_VALUE_MAX bytes: a longer Content-Length or Transfer-Encoding is INVALID
 *    (framing that cannot be read), a longer Connection is ignored (it is no list of known
 *    tokens), a longer Upgrade counts as present.
 *  - While framing is lost, skipped bytes are not counted in body_len.
 */
#include "sockeye/http1.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Longest chunk-size line (size and extensions) and trailer section accepted. */
#define SE_HTTP1_CHUNK_LINE_MAX 1024
#define SE_HTTP1_TRAILERS_MAX	SE_HTTP1_HEAD_MAX
/* Chunk sizes stay below 2^60 so that shifting in another hex digit cannot overflow. */
#define SE_HTTP1_CHUNK_SIZE_SHIFT_LIMIT 56
/* Bytes se_http1_looks_like_head needs at most ("OPTIONS ", "CONNECT "). */
#define SE_HTTP1_LOOK_LEN 8

/* ---- character classes ------------------------------------------------------------------ */

enum {
	C_TCHAR = 1 << 0,  /* token character (RFC 9110 5.6.2) */
	C_VALUE = 1 << 1,  /* field value / reason phrase: HTAB, SP, VCHAR, obs-text */
	C_TARGET = 1 << 2, /* request target: VCHAR, obs-text (no SP, no CTL) */
	C_HEX = 1 << 3,
};

#define TV  (C_TCHAR | C_VALUE | C_TARGET)
#define TVH (C_TCHAR | C_VALUE | C_TARGET | C_HEX)
#define V_T (C_VALUE | C_TARGET)

static const uint8_t se_http1_class[256] = {
	['\t'] = C_VALUE,    [' '] = C_VALUE,
	['!'] = TV,	     ['"'] = V_T,
	['#'] = TV,	     ['$'] = TV,
	['%'] = TV,	     ['&'] = TV,
	['\''] = TV,	     ['('] = V_T,
	[')'] = V_T,	     ['*'] = TV,
	['+'] = TV,	     [','] = V_T,
	['-'] = TV,	     ['.'] = TV,
	['/'] = V_T,	     ['0' ... '9'] = TVH,
	[':' ... '@'] = V_T, ['A' ... 'F'] = TVH,
	['G' ... 'Z'] = TV,  ['['] = V_T,
	['\\'] = V_T,	     [']'] = V_T,
	['^'] = TV,	     ['_'] = TV,
	['`'] = TV,	     ['a' ... 'f'] = TVH,
	['g' ... 'z'] = TV,  ['{'] = V_T,
	['|'] = TV,	     ['}'] = V_T,
	['~'] = TV,	     [0x80 ... 0xff] = V_T,
};

#undef TV
#undef TVH
#undef V_T

static inline bool se_http1_is(uint8_t c, uint8_t cls)
{
	return se_http1_class[c] & cls;
}

static inline unsigned int se_http1_hex(uint8_t c)
{
	if (c <= '9')
		return c - '0';
	return (c | 0x20) - 'a' + 10;
}

static inline uint8_t se_http1_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Case-insensitive comparison of n bytes at p with a lowercase literal of length n. */
static bool se_http1_eq_ci(const uint8_t *p, size_t n, const char *lit, size_t lit_len)
{
	if (n != lit_len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (se_http1_lower(p[i]) != (uint8_t)lit[i])
			return false;
	return true;
}

#define SE_EQ_CI(p, n, lit) se_http1_eq_ci(p, n, lit, sizeof(lit) - 1)

static inline struct se_str se_http1_view(const uint8_t *p, size_t n)
{
	return (struct se_str){ .p = (const char *)p, .len = (uint32_t)n };
}

/* ---- methods ---------------------------------------------------------------------------- */

static const char *const se_http_method_names[SE_HTTP_METHOD__COUNT] = {
	[SE_HTTP_OTHER] = "_OTHER",    [SE_HTTP_GET] = "GET",	      [SE_HTTP_HEAD] = "HEAD",
	[SE_HTTP_POST] = "POST",       [SE_HTTP_PUT] = "PUT",	      [SE_HTTP_DELETE] = "DELETE",
	[SE_HTTP_CONNECT] = "CONNECT", [SE_HTTP_OPTIONS] = "OPTIONS", [SE_HTTP_TRACE] = "TRACE",
	[SE_HTTP_PATCH] = "PATCH",
};

const char *se_http_method_name(enum se_http_method m)
{
	if ((unsigned int)m >= SE_HTTP_METHOD__COUNT)
		m = SE_HTTP_OTHER;
	return se_http_method_names[m];
}

static enum se_http_method se_http1_method(const uint8_t *p, size_t n)
{
	for (unsigned int m = SE_HTTP_GET; m < SE_HTTP_METHOD__COUNT; m++) {
		const char *name = se_http_method_names[m];

		if (name[0] == (char)p[0] && strlen(name) == n && !memcmp(name, p, n))
			return (enum se_http_method)m;
	}
	return SE_HTTP_OTHER;
}

enum se_parse_status se_http1_looks_like_head(const uint8_t *buf, size_t len, bool request)
{
	static const char version[] = "HTTP/1.";
	bool partial = false;

	if (!len)
		return SE_PARSE_NEED_MORE;
	if (!request) {
		size_t n = len < sizeof(version) - 1 ? len : sizeof(version) - 1;

		if (memcmp(buf, version, n))
			return SE_PARSE_INVALID;
		return n == sizeof(version) - 1 ? SE_PARSE_OK : SE_PARSE_NEED_MORE;
	}
	for (unsigned int m = SE_HTTP_GET; m < SE_HTTP_METHOD__COUNT; m++) {
		const char *name = se_http_method_names[m];
		size_t want = strlen(name) + 1; /* the method and a space */
		size_t n = len < want ? len : want;

		if (name[0] != (char)buf[0] || memcmp(buf, name, n < want ? n : want - 1))
			continue;
		if (n < want)
			partial = true;
		else if (buf[want - 1] == ' ')
			return SE_PARSE_OK;
	}
	return partial ? SE_PARSE_NEED_MORE : SE_PARSE_INVALID;
}

/* ---- head parser ------------------------------------------------------------------------ */

/* Internal step results: the line parsed, the buffer ends first, it is malformed, the line
 * was the empty one that ends the head, or the head is longer than SE_HTTP1_HEAD_TOTAL_MAX. */
enum { R_OK, R_MORE, R_BAD, R_EMPTY, R_BIG };

/* What the headers say about framing, gathered while they are read. */
struct se_http1_framing {
	bool has_length;
	bool te_present;
	bool te_chunked; /* the last transfer coding seen is chunked */
	bool conn_close;
	bool conn_keep_alive;
	bool conn_upgrade;
	bool has_upgrade;
	int64_t length;
};

static int se_http1_eol(const uint8_t **pp, const uint8_t *end)
{
	const uint8_t *p = *pp;

	if (p == end)
		return R_MORE;
	if (*p == '\r') {
		if (++p == end)
			return R_MORE;
		if (*p != '\n')
			return R_BAD;
	} else if (*p != '\n') {
		return R_BAD;
	}
	*pp = p + 1;
	return R_OK;
}

static int se_http1_version(const uint8_t **pp, const uint8_t *end, uint8_t *minor)
{
	static const char prefix[] = "HTTP/1.";
	const uint8_t *p = *pp;
	size_t avail = (size_t)(end - p);
	size_t n = avail < sizeof(prefix) - 1 ? avail : sizeof(prefix) - 1;

	if (memcmp(p, prefix, n))
		return R_BAD;
	if (avail < sizeof(prefix))
		return R_MORE;
	if (p[7] != '0' && p[7] != '1')
		return R_BAD;
	*minor = (uint8_t)(p[7] - '0');
	*pp = p + sizeof(prefix);
	return R_OK;
}

/* Split a request target into path and query by its form (RFC 9112 3.2). */
static int se_http1_target(struct se_http1_head *h, const uint8_t *t, size_t n)
{
	const uint8_t *e = t + n, *p, *q;

	h->query = se_http1_view(e, 0);
	if (h->method == SE_HTTP_CONNECT) { /* authority-form */
		h->path = se_http1_view(t, n);
		return R_OK;
	}
	if (t[0] == '/') { /* origin-form */
		p = t;
	} else if (n == 1 && t[0] == '*') { /* asterisk-form */
		h->path = se_http1_view(t, 1);
		return R_OK;
	} else { /* absolute-form: scheme "://" authority [path] ["?" query] */
		p = t;
		if (!((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
			return R_BAD;
		while (p < e && (((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') ||
				 (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'))
			p++;
		if (e - p < 3 || memcmp(p, "://", 3))
			return R_BAD;
		p += 3;
		q = p;
		while (p < e && *p != '/' && *p != '?')
			p++;
		if (p == q)
			return R_BAD; /* no authority */
		if (p == e || *p == '?') {
			h->path = (struct se_str){ .p = "/", .len = 1 };
			if (p < e)
				h->query = se_http1_view(p + 1, (size_t)(e - p - 1));
			return R_OK;
		}
	}
	q = memchr(p, '?', (size_t)(e - p));
	if (!q) {
		h->path = se_http1_view(p, (size_t)(e - p));
	} else {
		h->path = se_http1_view(p, (size_t)(q - p));
		h->query = se_http1_view(q + 1, (size_t)(e - q - 1));
	}
	return R_OK;
}

static int se_http1_request_line(const uint8_t **pp, const uint8_t *end, struct se_http1_head *h)
{
	const uint8_t *p = *pp, *m = p, *t;
	size_t tlen;
	int r;

	while (p < end && se_http1_is(*p, C_TCHAR))
		p++;
	if (p == end)
		return R_MORE;
	if (*p != ' ' || p == m)
		return R_BAD;
	h->method_text = se_http1_view(m, (size_t)(p - m));
	h->method = se_http1_method(m, (size_t)(p - m));
	while (p < end && *p == ' ')
		p++;
	t = p;
	while (p < end && se_http1_is(*p, C_TARGET))
		p++;
	if (p == end)
		return R_MORE;
	if (*p != ' ' || p == t)
		return R_BAD;
	tlen = (size_t)(p - t);
	while (p < end && *p == ' ')
		p++;
	r = se_http1_version(&p, end, &h->version_minor);
	if (r != R_OK)
		return r;
	r = se_http1_eol(&p, end);
	if (r != R_OK)
		return r;
	r = se_http1_target(h, t, tlen);
	if (r != R_OK)
		return r;
	*pp = p;
	return R_OK;
}

static int se_http1_status_line(const uint8_t **pp, const uint8_t *end, struct se_http1_head *h)
{
	const uint8_t *p = *pp;
	unsigned int status = 0;
	int r;

	r = se_http1_version(&p, end, &h->version_minor);
	if (r != R_OK)
		return r;
	if (p == end)
		return R_MORE;
	if (*p != ' ')
		return R_BAD;
	while (p < end && *p == ' ')
		p++;
	for (int i = 0; i < 3; i++, p++) {
		if (p == end)
			return R_MORE;
		if (*p < '0' || *p > '9')
			return R_BAD;
		status = status * 10 + (*p - '0');
	}
	if (status < 100)
		return R_BAD;
	if (p == end)
		return R_MORE;
	if (*p == ' ') {
		while (p < end && se_http1_is(*p, C_VALUE))
			p++;
	}
	r = se_http1_eol(&p, end);
	if (r != R_OK)
		return r;
	h->status = (uint16_t)status;
	*pp = p;
	return R_OK;
}

/* Content-Length: 1*DIGIT, or a list of identical such values (RFC 9110 8.6). */
static int se_http1_content_length(struct se_http1_framing *f, const uint8_t *p, const uint8_t *e)
{
	for (;;) {
		int64_t v = 0;
		const uint8_t *d;

		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		d = p;
		for (; p < e && *p >= '0' && *p <= '9'; p++) {
			if (v > (INT64_MAX - (*p - '0')) / 10)
				return R_BAD;
			v = v * 10 + (*p - '0');
		}
		if (p == d || (f->has_length && f->length != v))
			return R_BAD;
		f->has_length = true;
		f->length = v;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p == e)
			return R_OK;
		if (*p++ != ',')
			return R_BAD;
	}
}

/* Calls fn on each non-empty element of a comma-separated list, trimmed; for a transfer
 * coding only its name (before parameters) matters, so ';' ends an element's token too. */
static void se_http1_tokens(struct se_http1_framing *f, const uint8_t *p, const uint8_t *e,
			    void (*fn)(struct se_http1_framing *f, const uint8_t *t, size_t n))
{
	while (p < e) {
		const uint8_t *t, *te;

		while (p < e && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		t = p;
		while (p < e && *p != ',' && *p != ';')
			p++;
		te = p;
		while (te > t && (te[-1] == ' ' || te[-1] == '\t'))
			te--;
		while (p < e && *p != ',')
			p++;
		if (te > t)
			fn(f, t, (size_t)(te - t));
	}
}

static void se_http1_te_token(struct se_http1_framing *f, const uint8_t *t, size_t n)
{
	f->te_chunked = SE_EQ_CI(t, n, "chunked");
}

static void se_http1_conn_token(struct se_http1_framing *f, const uint8_t *t, size_t n)
{
	if (SE_EQ_CI(t, n, "close"))
		f->conn_close = true;
	else if (SE_EQ_CI(t, n, "keep-alive"))
		f->conn_keep_alive = true;
	else if (SE_EQ_CI(t, n, "upgrade"))
		f->conn_upgrade = true;
}

/* What a header field name means to the parser. */
enum se_http1_field_kind {
	F_OTHER = 0,
	F_SECRET, /* value redacted */
	F_LENGTH, /* Content-Length */
	F_TE,	  /* Transfer-Encoding */
	F_CONN,	  /* Connection */
	F_UPGRADE,
};

static enum se_http1_field_kind se_http1_field_kind(const uint8_t *n, size_t nlen)
{
	switch (nlen) {
	case 6:
		return SE_EQ_CI(n, nlen, "cookie") ? F_SECRET : F_OTHER;
	case 7:
		return SE_EQ_CI(n, nlen, "upgrade") ? F_UPGRADE : F_OTHER;
	case 9:
		return SE_EQ_CI(n, nlen, "x-api-key") ? F_SECRET : F_OTHER;
	case 10:
		if (SE_EQ_CI(n, nlen, "connection"))
			return F_CONN;
		return SE_EQ_CI(n, nlen, "set-cookie") ? F_SECRET : F_OTHER;
	case 13:
		return SE_EQ_CI(n, nlen, "authorization") ? F_SECRET : F_OTHER;
	case 14:
		return SE_EQ_CI(n, nlen, "content-length") ? F_LENGTH : F_OTHER;
	case 17:
		return SE_EQ_CI(n, nlen, "transfer-encoding") ? F_TE : F_OTHER;
	case 19:
		return SE_EQ_CI(n, nlen, "proxy-authorization") ? F_SECRET : F_OTHER;
	default:
		return F_OTHER;
	}
}

/* A framing header's value (already trimmed) into f. */
static int se_http1_frame(struct se_http1_framing *f, enum se_http1_field_kind kind,
			  const uint8_t *v, size_t vlen)
{
	switch (kind) {
	case F_LENGTH:
		return se_http1_content_length(f, v, v + vlen);
	case F_TE:
		f->te_present = true;
		f->te_chunked = false;
		se_http1_tokens(f, v, v + vlen, se_http1_te_token);
		break;
	case F_CONN:
		se_http1_tokens(f, v, v + vlen, se_http1_conn_token);
		break;
	case F_UPGRADE:
		f->has_upgrade = vlen > 0;
		break;
	default:
		break;
	}
	return R_OK;
}

/* One header field: framing headers are interpreted, sensitive values redacted. */
static int se_http1_field(struct se_http1_head *h, struct se_http1_framing *f, const uint8_t *n,
			  size_t nlen, const uint8_t *v, size_t vlen)
{
	enum se_http1_field_kind kind = se_http1_field_kind(n, nlen);
	bool secret = kind == F_SECRET;
	struct se_http1_header *hdr;

	if (se_http1_frame(f, kind, v, vlen) != R_OK)
		return R_BAD;
	h->headers_seen++;
	if (h->nheaders >= SE_HTTP1_HEADERS_MAX)
		return R_OK;
	hdr = &h->headers[h->nheaders++];
	hdr->name = se_http1_view(n, nlen);
	if (secret) {
		hdr->value =
		    (struct se_str){ .p = SE_HTTP1_REDACTED, .len = sizeof(SE_HTTP1_REDACTED) - 1 };
		h->redacted++;
	} else {
		hdr->value = se_http1_view(v, vlen);
	}
	return R_OK;
}

static int se_http1_header_line(const uint8_t **pp, const uint8_t *end, struct se_http1_head *h,
				struct se_http1_framing *f)
{
	const uint8_t *p = *pp, *n = p, *ne, *v, *ve;
	int r;

	if (p == end)
		return R_MORE;
	if (*p == '\r' || *p == '\n') {
		r = se_http1_eol(&p, end);
		if (r != R_OK)
			return r;
		*pp = p;
		return R_EMPTY;
	}
	while (p < end && se_http1_is(*p, C_TCHAR))
		p++;
	if (p == end)
		return R_MORE;
	/* No name, whitespace before the colon, or a continuation line (obs-fold). */
	if (*p != ':' || p == n)
		return R_BAD;
	ne = p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	v = p;
	while (p < end && se_http1_is(*p, C_VALUE))
		p++;
	ve = p;
	r = se_http1_eol(&p, end);
	if (r != R_OK)
		return r;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	r = se_http1_field(h, f, n, (size_t)(ne - n), v, (size_t)(ve - v));
	if (r != R_OK)
		return r;
	*pp = p;
	return R_OK;
}

static void se_http1_head_reset(struct se_http1_head *h, const uint8_t *buf, bool request)
{
	struct se_str empty = se_http1_view(buf, 0);

	h->is_request = request;
	h->head_len = 0;
	h->head_truncated = false;
	h->version_minor = 0;
	h->method = SE_HTTP_OTHER;
	h->method_text = empty;
	h->path = empty;
	h->query = empty;
	h->status = 0;
	h->nheaders = 0;
	h->headers_seen = 0;
	h->redacted = 0;
	h->content_length = -1;
	h->chunked = false;
	h->conn_close = false;
	h->upgrade = false;
}

/*
 * The lines of a head at buf, at most SE_HTTP1_HEAD_MAX bytes of it: R_EMPTY when the empty
 * line was reached, R_MORE when the bytes end first, R_BAD. *stop is where parsing stopped:
 * after the empty line, or (R_MORE) at the start of the line the bytes end in, so that
 * everything before it is complete lines (0: the request or status line is not complete). f
 * has the framing of the complete header lines.
 */
static int se_http1_lines(const uint8_t *buf, size_t len, bool request, struct se_http1_head *h,
			  struct se_http1_framing *f, size_t *stop)
{
	const uint8_t *p = buf;
	const uint8_t *end = buf + (len < SE_HTTP1_HEAD_MAX ? len : SE_HTTP1_HEAD_MAX);
	int r;

	se_http1_head_reset(h, buf, request);
	r = request ? se_http1_request_line(&p, end, h) : se_http1_status_line(&p, end, h);
	while (r == R_OK)
		r = se_http1_header_line(&p, end, h, f);
	*stop = (size_t)(p - buf);
	return r;
}

/* The head's framing fields from what its headers said. */
static int se_http1_framing_set(struct se_http1_head *h, const struct se_http1_framing *f)
{
	if (f->te_present) {
		/* Transfer-Encoding overrides Content-Length (RFC 9112 6.3). */
		h->chunked = f->te_chunked;
		if (h->is_request && !h->chunked)
			return R_BAD;
	} else if (f->has_length) {
		h->content_length = f->length;
	}
	h->conn_close = f->conn_close || (h->version_minor == 0 && !f->conn_keep_alive);
	h->upgrade = f->conn_upgrade && f->has_upgrade;
	return R_OK;
}

enum se_parse_status se_http1_parse_head(const uint8_t *buf, size_t len, bool request,
					 struct se_http1_head *h, enum se_http1_error *err)
{
	struct se_http1_framing f = { 0 };
	size_t stop;
	int r;

	if (err)
		*err = SE_HTTP1_ERR_NONE;
	r = se_http1_lines(buf, len, request, h, &f, &stop);
	if (r == R_EMPTY) {
		if (se_http1_framing_set(h, &f) != R_OK) {
			r = R_BAD;
		} else {
			h->head_len = (uint32_t)stop;
			return SE_PARSE_OK;
		}
	}
	if (r == R_MORE && len < SE_HTTP1_HEAD_MAX)
		return SE_PARSE_NEED_MORE;
	if (err)
		*err = r == R_MORE ? SE_HTTP1_ERR_TOO_LARGE : SE_HTTP1_ERR_INVALID;
	return SE_PARSE_INVALID;
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
static void se_http1_absent(struct se_http1_io *io, uint64_t n)
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
			if (!s->remaining)
				se_http1_end(io);
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
		case F_LENGTH:
		case F_TE:
			return R_BAD; /* framing we cannot read */
		case F_UPGRADE:
			k->f.has_upgrade = true; /* a value this long is not empty */
			return R_OK;
		default:
			return R_OK; /* a Connection this long is no list of known tokens */
		}
	}
	while (k->len && (k->buf[k->len - 1] == ' ' || k->buf[k->len - 1] == '\t'))
		k->len--;
	return se_http1_frame(&k->f, (enum se_http1_field_kind)k->kind, k->buf, k->len);
}

/*
 * Scan head bytes past the kept lines, from *pp to end: R_EMPTY at the end of the head (*pp
 * after it), R_MORE when the bytes end first, R_BAD for a malformed line or a framing header
 * that cannot be read, R_BIG past SE_HTTP1_HEAD_TOTAL_MAX. Lines are checked as strictly as
 * those the parser keeps; only the values of framing headers are looked at, through k->buf.
 */
static int se_http1_skip_scan(struct se_http1_skip *k, const uint8_t **pp, const uint8_t *end)
{
	const uint8_t *p = *pp;
	int r = R_MORE;

	while (p < end && r == R_MORE) {
		uint8_t c;

		if (k->total >= SE_HTTP1_HEAD_TOTAL_MAX) {
			r = R_BIG;
			break;
		}
		c = *p++;
		k->total++;
		switch (k->phase) {
		case SK_LINE:
			k->len = 0;
			k->over = false;
			k->kind = F_OTHER;
			if (c == '\r')
				k->phase = SK_END_LF;
			else if (c == '\n')
				r = R_EMPTY;
			else if (!se_http1_is(c, C_TCHAR))
				r = R_BAD; /* no name, or obs-fold */
			else {
				se_http1_skip_put(k, c);
				k->phase = SK_NAME;
			}
			break;
		case SK_NAME:
			if (se_http1_is(c, C_TCHAR)) {
				se_http1_skip_put(k, c);
			} else if (c == ':') {
				enum se_http1_field_kind kind =
				    k->over ? F_OTHER : se_http1_field_kind(k->buf, k->len);

				/* Skipped values are never shown: secrets need no redaction. */
				k->kind = kind == F_SECRET ? F_OTHER : kind;
				k->len = 0;
				k->over = false;
				k->phase = SK_OWS;
			} else {
				r = R_BAD;
			}
			break;
		case SK_OWS:
			if (c == ' ' || c == '\t')
				break;
			k->phase = SK_VALUE;
			/* fall through */
		case SK_VALUE:
			if (se_http1_is(c, C_VALUE)) {
				const uint8_t *q = p, *lim;

				if (k->kind != F_OTHER) {
					se_http1_skip_put(k, c);
					break;
				}
				/* A value not read (the large cookie): the rest of it at once. */
				lim = (size_t)(end - p) > SE_HTTP1_HEAD_TOTAL_MAX - k->total
					  ? p + (SE_HTTP1_HEAD_TOTAL_MAX - k->total)
					  : end;
				while (q < lim && se_http1_is(*q, C_VALUE))
					q++;
				k->total += (uint32_t)(q - p);
				p = q;
			} else if (c == '\r') {
				k->phase = SK_LF;
			} else if (c == '\n') {
				r = se_http1_skip_line_end(k) == R_OK ? R_MORE : R_BAD;
			} else {
				r = R_BAD;
			}
			break;
		case SK_LF:
			if (c != '\n')
				r = R_BAD;
			else
				r = se_http1_skip_line_end(k) == R_OK ? R_MORE : R_BAD;
			break;
		case SK_END_LF:
			r = c == '\n' ? R_EMPTY : R_BAD;
			break;
		default:
			r = R_BAD;
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
	if (se_http1_framing_set(&h, &k->f) != R_OK) {
		se_http1_lose(io, SE_HTTP1_ERR_INVALID);
		return false;
	}
	se_http1_head_found(io, &h, ts);
	return true;
}

/* The gather buffer; a failed allocation loses the head. */
static bool se_http1_head_alloc(struct se_http1_io *io)
{
	struct se_http1_stream *s = io->s;

	if (!s->head)
		s->head = malloc(SE_HTTP1_HEAD_BUF);
	if (!s->head) {
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
	if (r == R_EMPTY)
		return se_http1_truncated_found(io, data + pos, (uint32_t)kept, &k, io->ts)
			   ? (uint32_t)(p - data)
			   : cap;
	if (r != R_MORE) {
		se_http1_lose(io, r == R_BIG ? SE_HTTP1_ERR_TOO_LARGE : SE_HTTP1_ERR_INVALID);
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
	if (r == R_MORE)
		return cap;
	if (r != R_EMPTY) {
		se_http1_lose(io, r == R_BIG ? SE_HTTP1_ERR_TOO_LARGE : SE_HTTP1_ERR_INVALID);
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
	if (r == R_MORE && s->head_len < SE_HTTP1_HEAD_MAX)
		return pos + n;
	if (r == R_MORE) { /* too long: keep the complete lines, skip the rest */
		if (!stop) {
			se_http1_lose(io, SE_HTTP1_ERR_TOO_LARGE);
			return cap;
		}
		se_http1_skip_init(se_http1_skip_of(s), &f, stop);
		p = s->head + stop;
		/* The partial line at the end, which the parser found valid so far. */
		if (se_http1_skip_scan(se_http1_skip_of(s), &p, s->head + SE_HTTP1_HEAD_MAX) !=
		    R_MORE) {
			se_http1_lose(io, SE_HTTP1_ERR_INVALID);
			return cap;
		}
		s->head_len = (uint32_t)stop;
		s->head_truncated = true;
		return pos + n;
	}
	if (r != R_EMPTY || se_http1_framing_set(&h, &f) != R_OK || stop <= old) {
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
	if (r == R_EMPTY && se_http1_framing_set(&h, &f) == R_OK) {
		h.head_len = (uint32_t)stop;
		se_http1_head_found(io, &h, io->ts);
		return pos + (uint32_t)stop;
	}
	if (r != R_MORE) {
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
			if (se_http1_is(c, C_HEX)) {
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
			while (pos < cap && se_http1_is(data[pos], C_VALUE))
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
		se_http1_absent(&io, off - s->expected);
	if (s->state == SE_HTTP1_S_LOST)
		se_http1_try_resync(&io, data, cap, len);
	while (pos < cap) {
		switch (s->state) {
		case SE_HTTP1_S_HEAD:
			pos = se_http1_head_step(&io, data, pos, cap, cap == len);
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
		se_http1_absent(&io, len - cap);
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

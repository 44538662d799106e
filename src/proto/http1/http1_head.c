// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * HTTP/1.x heads, the stateless layer 1 of src/proto/http1/http1.h: see there for the
 * contract. The head parser makes one pass over the bytes with character-class tables (a
 * line's end is found by the scan that validates it); field values and request targets, most
 * of the bytes, go 16 at a time (se_http1_span, http1_internal.h). The pieces the stream framer
 * (http1_stream.c) reuses are declared in http1_internal.h.
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
 *  - Bare LF ends lines like CRLF, obs-fold is INVALID.
 *  - Only kept headers (the first SE_HTTP1_HEADERS_MAX) count in `redacted`; the others are
 *    read for framing only and appear in no view.
 */
#include "proto/http1/http1.h"

#include <stddef.h>
#include <string.h>

#include "proto/http1/http1_internal.h"

/* ---- character classes ------------------------------------------------------------------ */

#define TV  (SE_HTTP1_C_TCHAR | SE_HTTP1_C_VALUE | SE_HTTP1_C_TARGET)
#define TVH (SE_HTTP1_C_TCHAR | SE_HTTP1_C_VALUE | SE_HTTP1_C_TARGET | SE_HTTP1_C_HEX)
#define V_T (SE_HTTP1_C_VALUE | SE_HTTP1_C_TARGET)

const uint8_t se_http1_class[256] = {
	['\t'] = SE_HTTP1_C_VALUE,
	[' '] = SE_HTTP1_C_VALUE,
	['!'] = TV,
	['"'] = V_T,
	['#'] = TV,
	['$'] = TV,
	['%'] = TV,
	['&'] = TV,
	['\''] = TV,
	['('] = V_T,
	[')'] = V_T,
	['*'] = TV,
	['+'] = TV,
	[','] = V_T,
	['-'] = TV,
	['.'] = TV,
	['/'] = V_T,
	['0' ... '9'] = TVH,
	[':' ... '@'] = V_T,
	['A' ... 'F'] = TVH,
	['G' ... 'Z'] = TV,
	['['] = V_T,
	['\\'] = V_T,
	[']'] = V_T,
	['^'] = TV,
	['_'] = TV,
	['`'] = TV,
	['a' ... 'f'] = TVH,
	['g' ... 'z'] = TV,
	['{'] = V_T,
	['|'] = TV,
	['}'] = V_T,
	['~'] = TV,
	[0x80 ... 0xff] = V_T,
};

#undef TV
#undef TVH
#undef V_T

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
		const char *name = se_http_method_name((enum se_http_method)m);
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

static int se_http1_eol(const uint8_t **pp, const uint8_t *end)
{
	const uint8_t *p = *pp;

	if (p == end)
		return SE_HTTP1_R_MORE;
	if (*p == '\r') {
		if (++p == end)
			return SE_HTTP1_R_MORE;
		if (*p != '\n')
			return SE_HTTP1_R_BAD;
	} else if (*p != '\n') {
		return SE_HTTP1_R_BAD;
	}
	*pp = p + 1;
	return SE_HTTP1_R_OK;
}

static int se_http1_version(const uint8_t **pp, const uint8_t *end, uint8_t *minor)
{
	static const char prefix[] = "HTTP/1.";
	const uint8_t *p = *pp;
	size_t avail = (size_t)(end - p);
	size_t n = avail < sizeof(prefix) - 1 ? avail : sizeof(prefix) - 1;

	if (memcmp(p, prefix, n))
		return SE_HTTP1_R_BAD;
	if (avail < sizeof(prefix))
		return SE_HTTP1_R_MORE;
	if (p[7] != '0' && p[7] != '1')
		return SE_HTTP1_R_BAD;
	*minor = (uint8_t)(p[7] - '0');
	*pp = p + sizeof(prefix);
	return SE_HTTP1_R_OK;
}

/* Split a request target into path and query by its form (RFC 9112 3.2). */
static int se_http1_target(struct se_http1_head *h, const uint8_t *t, size_t n)
{
	const uint8_t *e = t + n, *p, *q;

	h->query = se_http1_view(e, 0);
	if (h->method == SE_HTTP_CONNECT) { /* authority-form */
		h->path = se_http1_view(t, n);
		return SE_HTTP1_R_OK;
	}
	if (t[0] == '/') { /* origin-form */
		p = t;
	} else if (n == 1 && t[0] == '*') { /* asterisk-form */
		h->path = se_http1_view(t, 1);
		return SE_HTTP1_R_OK;
	} else { /* absolute-form: scheme "://" authority [path] ["?" query] */
		p = t;
		if (!((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
			return SE_HTTP1_R_BAD;
		while (p < e && (((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') ||
				 (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'))
			p++;
		if (e - p < 3 || memcmp(p, "://", 3))
			return SE_HTTP1_R_BAD;
		p += 3;
		q = p;
		while (p < e && *p != '/' && *p != '?')
			p++;
		if (p == q)
			return SE_HTTP1_R_BAD; /* no authority */
		if (p == e || *p == '?') {
			h->path = (struct se_str){ .p = "/", .len = 1 };
			if (p < e)
				h->query = se_http1_view(p + 1, (size_t)(e - p - 1));
			return SE_HTTP1_R_OK;
		}
	}
	q = memchr(p, '?', (size_t)(e - p));
	if (!q) {
		h->path = se_http1_view(p, (size_t)(e - p));
	} else {
		h->path = se_http1_view(p, (size_t)(q - p));
		h->query = se_http1_view(q + 1, (size_t)(e - q - 1));
	}
	return SE_HTTP1_R_OK;
}

static int se_http1_request_line(const uint8_t **pp, const uint8_t *end, struct se_http1_head *h)
{
	const uint8_t *p = *pp, *m = p, *t;
	size_t tlen;
	int r;

	while (p < end && se_http1_is(*p, SE_HTTP1_C_TCHAR))
		p++;
	if (p == end)
		return SE_HTTP1_R_MORE;
	if (*p != ' ' || p == m)
		return SE_HTTP1_R_BAD;
	h->method_text = se_http1_view(m, (size_t)(p - m));
	h->method = se_http_method_of(m, (size_t)(p - m));
	while (p < end && *p == ' ')
		p++;
	t = p;
	p = se_http1_span(p, end, SE_HTTP1_C_TARGET);
	if (p == end)
		return SE_HTTP1_R_MORE;
	if (*p != ' ' || p == t)
		return SE_HTTP1_R_BAD;
	tlen = (size_t)(p - t);
	while (p < end && *p == ' ')
		p++;
	r = se_http1_version(&p, end, &h->version_minor);
	if (r != SE_HTTP1_R_OK)
		return r;
	r = se_http1_eol(&p, end);
	if (r != SE_HTTP1_R_OK)
		return r;
	r = se_http1_target(h, t, tlen);
	if (r != SE_HTTP1_R_OK)
		return r;
	*pp = p;
	return SE_HTTP1_R_OK;
}

static int se_http1_status_line(const uint8_t **pp, const uint8_t *end, struct se_http1_head *h)
{
	const uint8_t *p = *pp;
	unsigned int status = 0;
	int r;

	r = se_http1_version(&p, end, &h->version_minor);
	if (r != SE_HTTP1_R_OK)
		return r;
	if (p == end)
		return SE_HTTP1_R_MORE;
	if (*p != ' ')
		return SE_HTTP1_R_BAD;
	while (p < end && *p == ' ')
		p++;
	for (int i = 0; i < 3; i++, p++) {
		if (p == end)
			return SE_HTTP1_R_MORE;
		if (*p < '0' || *p > '9')
			return SE_HTTP1_R_BAD;
		status = status * 10 + (*p - '0');
	}
	if (status < 100)
		return SE_HTTP1_R_BAD;
	if (p == end)
		return SE_HTTP1_R_MORE;
	if (*p == ' ')
		p = se_http1_span(p, end, SE_HTTP1_C_VALUE);
	r = se_http1_eol(&p, end);
	if (r != SE_HTTP1_R_OK)
		return r;
	h->status = (uint16_t)status;
	*pp = p;
	return SE_HTTP1_R_OK;
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
				return SE_HTTP1_R_BAD;
			v = v * 10 + (*p - '0');
		}
		if (p == d || (f->has_length && f->length != v))
			return SE_HTTP1_R_BAD;
		f->has_length = true;
		f->length = v;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p == e)
			return SE_HTTP1_R_OK;
		if (*p++ != ',')
			return SE_HTTP1_R_BAD;
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

enum se_http1_field_kind se_http1_field_kind(const uint8_t *n, size_t nlen)
{
	switch (nlen) {
	case 6:
		return SE_EQ_CI(n, nlen, "cookie") ? SE_HTTP1_F_SECRET : SE_HTTP1_F_OTHER;
	case 7:
		return SE_EQ_CI(n, nlen, "upgrade") ? SE_HTTP1_F_UPGRADE : SE_HTTP1_F_OTHER;
	case 9:
		return SE_EQ_CI(n, nlen, "x-api-key") ? SE_HTTP1_F_SECRET : SE_HTTP1_F_OTHER;
	case 10:
		if (SE_EQ_CI(n, nlen, "connection"))
			return SE_HTTP1_F_CONN;
		return SE_EQ_CI(n, nlen, "set-cookie") ? SE_HTTP1_F_SECRET : SE_HTTP1_F_OTHER;
	case 13:
		return SE_EQ_CI(n, nlen, "authorization") ? SE_HTTP1_F_SECRET : SE_HTTP1_F_OTHER;
	case 14:
		return SE_EQ_CI(n, nlen, "content-length") ? SE_HTTP1_F_LENGTH : SE_HTTP1_F_OTHER;
	case 17:
		return SE_EQ_CI(n, nlen, "transfer-encoding") ? SE_HTTP1_F_TE : SE_HTTP1_F_OTHER;
	case 19:
		return SE_EQ_CI(n, nlen, "proxy-authorization") ? SE_HTTP1_F_SECRET
								: SE_HTTP1_F_OTHER;
	default:
		return SE_HTTP1_F_OTHER;
	}
}

int se_http1_frame(struct se_http1_framing *f, enum se_http1_field_kind kind, const uint8_t *v,
		   size_t vlen)
{
	switch (kind) {
	case SE_HTTP1_F_LENGTH:
		return se_http1_content_length(f, v, v + vlen);
	case SE_HTTP1_F_TE:
		f->te_present = true;
		f->te_chunked = false;
		se_http1_tokens(f, v, v + vlen, se_http1_te_token);
		break;
	case SE_HTTP1_F_CONN:
		se_http1_tokens(f, v, v + vlen, se_http1_conn_token);
		break;
	case SE_HTTP1_F_UPGRADE:
		f->has_upgrade = vlen > 0;
		break;
	default:
		break;
	}
	return SE_HTTP1_R_OK;
}

/* One header field: framing headers are interpreted, sensitive values redacted. */
static int se_http1_field(struct se_http1_head *h, struct se_http1_framing *f, const uint8_t *n,
			  size_t nlen, const uint8_t *v, size_t vlen)
{
	enum se_http1_field_kind kind = se_http1_field_kind(n, nlen);
	bool secret = kind == SE_HTTP1_F_SECRET;
	struct se_http1_header *hdr;

	if (se_http1_frame(f, kind, v, vlen) != SE_HTTP1_R_OK)
		return SE_HTTP1_R_BAD;
	h->headers_seen++;
	if (h->nheaders >= SE_HTTP1_HEADERS_MAX)
		return SE_HTTP1_R_OK;
	hdr = &h->headers[h->nheaders++];
	hdr->name = se_http1_view(n, nlen);
	if (secret) {
		hdr->value =
		    (struct se_str){ .p = SE_HTTP1_REDACTED, .len = sizeof(SE_HTTP1_REDACTED) - 1 };
		h->redacted++;
	} else {
		hdr->value = se_http1_view(v, vlen);
	}
	return SE_HTTP1_R_OK;
}

static int se_http1_header_line(const uint8_t **pp, const uint8_t *end, struct se_http1_head *h,
				struct se_http1_framing *f)
{
	const uint8_t *p = *pp, *n = p, *ne, *v, *ve;
	int r;

	if (p == end)
		return SE_HTTP1_R_MORE;
	if (*p == '\r' || *p == '\n') {
		r = se_http1_eol(&p, end);
		if (r != SE_HTTP1_R_OK)
			return r;
		*pp = p;
		return SE_HTTP1_R_EMPTY;
	}
	while (p < end && se_http1_is(*p, SE_HTTP1_C_TCHAR))
		p++;
	if (p == end)
		return SE_HTTP1_R_MORE;
	/* No name, whitespace before the colon, or a continuation line (obs-fold). */
	if (*p != ':' || p == n)
		return SE_HTTP1_R_BAD;
	ne = p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	v = p;
	p = se_http1_span(p, end, SE_HTTP1_C_VALUE);
	ve = p;
	r = se_http1_eol(&p, end);
	if (r != SE_HTTP1_R_OK)
		return r;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	r = se_http1_field(h, f, n, (size_t)(ne - n), v, (size_t)(ve - v));
	if (r != SE_HTTP1_R_OK)
		return r;
	*pp = p;
	return SE_HTTP1_R_OK;
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

int se_http1_lines(const uint8_t *buf, size_t len, bool request, struct se_http1_head *h,
		   struct se_http1_framing *f, size_t *stop)
{
	const uint8_t *p = buf;
	const uint8_t *end = buf + (len < SE_HTTP1_HEAD_MAX ? len : SE_HTTP1_HEAD_MAX);
	int r;

	se_http1_head_reset(h, buf, request);
	r = request ? se_http1_request_line(&p, end, h) : se_http1_status_line(&p, end, h);
	while (r == SE_HTTP1_R_OK)
		r = se_http1_header_line(&p, end, h, f);
	*stop = (size_t)(p - buf);
	return r;
}

int se_http1_framing_set(struct se_http1_head *h, const struct se_http1_framing *f)
{
	if (f->te_present) {
		/* Transfer-Encoding overrides Content-Length (RFC 9112 6.3). */
		h->chunked = f->te_chunked;
		if (h->is_request && !h->chunked)
			return SE_HTTP1_R_BAD;
	} else if (f->has_length) {
		h->content_length = f->length;
	}
	h->conn_close = f->conn_close || (h->version_minor == 0 && !f->conn_keep_alive);
	h->upgrade = f->conn_upgrade && f->has_upgrade;
	return SE_HTTP1_R_OK;
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
	if (r == SE_HTTP1_R_EMPTY) {
		if (se_http1_framing_set(h, &f) != SE_HTTP1_R_OK) {
			r = SE_HTTP1_R_BAD;
		} else {
			h->head_len = (uint32_t)stop;
			return SE_PARSE_OK;
		}
	}
	if (r == SE_HTTP1_R_MORE && len < SE_HTTP1_HEAD_MAX)
		return SE_PARSE_NEED_MORE;
	if (err)
		*err = r == SE_HTTP1_R_MORE ? SE_HTTP1_ERR_TOO_LARGE : SE_HTTP1_ERR_INVALID;
	return SE_PARSE_INVALID;
}

bool se_tracectx_extract(const struct se_http1_head *h, struct se_trace_ctx *out)
{
	const struct se_str *found[SE_TH__COUNT] = { 0 };

	for (uint32_t i = 0; i < h->nheaders && i < SE_HTTP1_HEADERS_MAX; i++) {
		enum se_trace_header k = se_tracectx_header(&h->headers[i].name);

		if (k != SE_TH_NONE && !found[k])
			found[k] = &h->headers[i].value;
	}
	return se_tracectx_from(found, out);
}

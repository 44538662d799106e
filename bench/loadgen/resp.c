// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * HTTP/1.x response framing (see resp.h), after RFC 9112 section 6.3: no body for HEAD, 1xx,
 * 204 and 304; then chunked if the last transfer coding is chunked, read until close if
 * another coding is last; then Content-Length; else until close. The head is walked a byte at
 * a time through a small state machine (heads are short), bodies are skipped in bulk.
 */
#include <string.h>

#include "resp.h"

enum {
	S_PROTO,      /* "HTTP/1." */
	S_MINOR,      /* its minor digit */
	S_SP,	      /* spaces before the code */
	S_CODE,	      /* three digits */
	S_REASON,     /* the rest of the status line */
	S_LINE_START, /* a header line or the empty line ending the head */
	S_NAME,
	S_VALUE,
	S_HEAD_LF,  /* the LF of the empty line */
	S_LINE_LF,  /* the LF of a header line */
	S_BODY,	    /* Content-Length bytes */
	S_CSIZE,    /* chunk size (hex) */
	S_CEXT,	    /* chunk extensions, up to the end of the size line */
	S_CSIZE_LF, /* the LF of the size line */
	S_CDATA,    /* chunk bytes */
	S_CDATA_CR, /* the CRLF after them */
	S_CDATA_LF,
	S_TRAILER_START,
	S_TRAILER,
	S_TRAILER_LF,
	S_TRAILER_END_LF,
	S_CLOSE, /* everything up to the end of the stream */
	S_DONE,
};

enum { F_OTHER, F_CONTENT_LENGTH, F_TRANSFER_ENCODING, F_CONNECTION };

static const char proto[] = "HTTP/1.";

void se_lg_resp_init(struct se_lg_resp *r, bool head_request)
{
	memset(r, 0, sizeof(*r));
	r->head_request = head_request;
	r->state = S_PROTO;
}

/* After a 1xx: the next response, keeping what tells it from the first. */
static void restart(struct se_lg_resp *r)
{
	bool head = r->head_request;
	uint32_t interim = r->interim + 1;
	uint32_t head_bytes = r->head_bytes;

	se_lg_resp_init(r, head);
	r->interim = interim;
	r->head_bytes = head_bytes; /* the limit covers all the heads of one exchange */
	r->started = true;
}

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c);
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool name_is(const struct se_lg_resp *r, const char *s)
{
	size_t n = strlen(s);

	return r->name_len == n && !memcmp(r->name, s, n);
}

static bool tok_is(const struct se_lg_resp *r, const char *s)
{
	size_t n = strlen(s);

	return r->tok_len == n && !memcmp(r->tok, s, n);
}

/* A token of a list value (Transfer-Encoding, Connection) ended. */
static void end_token(struct se_lg_resp *r)
{
	if (r->field == F_TRANSFER_ENCODING) {
		/* only the last coding decides; empty list elements do not count */
		if (r->tok_len)
			r->te_chunked = tok_is(r, "chunked");
	} else if (r->field == F_CONNECTION) {
		if (tok_is(r, "close"))
			r->conn_close = true;
		else if (tok_is(r, "keep-alive"))
			r->conn_keep_alive = true;
	}
	r->tok_len = 0;
}

/* The end of a header line's value: 0, or -1 when it cannot be used. */
static int end_value(struct se_lg_resp *r)
{
	switch (r->field) {
	case F_CONTENT_LENGTH:
		if (!r->digit_seen || (r->cl_seen && r->content_length != r->num))
			return -1;
		r->cl_seen = true;
		r->content_length = r->num;
		break;
	case F_TRANSFER_ENCODING:
		end_token(r);
		r->te_seen = true;
		break;
	case F_CONNECTION:
		end_token(r);
		break;
	}
	return 0;
}

/* The head ended: how the body is delimited. */
static enum se_lg_resp_status end_head(struct se_lg_resp *r)
{
	bool persistent = r->minor ? !r->conn_close : r->conn_keep_alive && !r->conn_close;

	if (r->status < 200) {
		if (r->status == 101) /* no upgrade was asked for */
			return SE_LG_RESP_INVALID;
		restart(r);
		return SE_LG_RESP_NEED_MORE;
	}
	r->keep_alive = persistent;
	if (r->head_request || r->status == 204 || r->status == 304) {
		r->state = S_DONE;
		return SE_LG_RESP_OK;
	}
	if (r->te_seen) {
		if (r->te_chunked) {
			r->state = S_CSIZE;
			r->num = 0;
			r->digit_seen = false;
			r->idx = 0;
			r->line_bytes = 0;
			return SE_LG_RESP_NEED_MORE;
		}
		r->keep_alive = false;
		r->state = S_CLOSE;
		return SE_LG_RESP_NEED_MORE;
	}
	if (r->cl_seen) {
		if (!r->content_length) {
			r->state = S_DONE;
			return SE_LG_RESP_OK;
		}
		r->remaining = r->content_length;
		r->state = S_BODY;
		return SE_LG_RESP_NEED_MORE;
	}
	r->keep_alive = false;
	r->state = S_CLOSE;
	return SE_LG_RESP_NEED_MORE;
}

static int hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One byte of the head; returns NEED_MORE to go on. */
static enum se_lg_resp_status head_byte(struct se_lg_resp *r, unsigned char c)
{
	if (++r->head_bytes > SE_LG_RESP_HEAD_MAX)
		return SE_LG_RESP_INVALID;
	switch (r->state) {
	case S_PROTO:
		if (c != (unsigned char)proto[r->idx])
			return SE_LG_RESP_INVALID;
		if (++r->idx == sizeof(proto) - 1)
			r->state = S_MINOR;
		return SE_LG_RESP_NEED_MORE;
	case S_MINOR:
		if (c < '0' || c > '9')
			return SE_LG_RESP_INVALID;
		r->minor = c - '0';
		r->state = S_SP;
		r->idx = 0;
		return SE_LG_RESP_NEED_MORE;
	case S_SP:
		if (c == ' ') {
			r->idx = 1;
			return SE_LG_RESP_NEED_MORE;
		}
		if (!r->idx)
			return SE_LG_RESP_INVALID;
		r->idx = 0;
		r->state = S_CODE;
		/* fall through */
	case S_CODE:
		if (c < '0' || c > '9' || (r->idx == 0 && c == '0'))
			return SE_LG_RESP_INVALID;
		r->status = r->status * 10 + (c - '0');
		if (++r->idx == 3) {
			if (r->status > 599)
				return SE_LG_RESP_INVALID;
			r->state = S_REASON;
			r->idx = 0;
		}
		return SE_LG_RESP_NEED_MORE;
	case S_REASON:
		if (r->idx == 0 && c != ' ' && c != '\r' && c != '\n')
			return SE_LG_RESP_INVALID; /* "2000" is no status */
		r->idx = 1;
		if (c == '\n')
			r->state = S_LINE_START;
		return SE_LG_RESP_NEED_MORE;
	case S_LINE_START:
		if (c == '\r') {
			r->state = S_HEAD_LF;
			return SE_LG_RESP_NEED_MORE;
		}
		if (c == '\n')
			return end_head(r);
		if (!is_tchar(c)) /* obsolete line folding too */
			return SE_LG_RESP_INVALID;
		r->state = S_NAME;
		r->name_len = 0;
		/* fall through */
	case S_NAME:
		if (c == ':') {
			if (!r->name_len)
				return SE_LG_RESP_INVALID;
			r->field = name_is(r, "content-length")	     ? F_CONTENT_LENGTH
				   : name_is(r, "transfer-encoding") ? F_TRANSFER_ENCODING
				   : name_is(r, "connection")	     ? F_CONNECTION
								     : F_OTHER;
			r->num = 0;
			r->digit_seen = false;
			r->tok_len = 0;
			r->idx = 0; /* content-length: 1 once its digits ended */
			r->state = S_VALUE;
			return SE_LG_RESP_NEED_MORE;
		}
		if (!is_tchar(c))
			return SE_LG_RESP_INVALID;
		if (r->name_len < SE_LG_RESP_NAME_MAX)
			r->name[r->name_len] = lower(c);
		if (r->name_len < 255)
			r->name_len++;
		return SE_LG_RESP_NEED_MORE;
	case S_VALUE:
		if (c == '\r' || c == '\n') {
			if (end_value(r))
				return SE_LG_RESP_INVALID;
			r->state = c == '\r' ? S_LINE_LF : S_LINE_START;
			return SE_LG_RESP_NEED_MORE;
		}
		if (r->field == F_CONTENT_LENGTH) {
			if (c == ' ' || c == '\t') {
				r->idx = r->digit_seen;
				return SE_LG_RESP_NEED_MORE;
			}
			if (c < '0' || c > '9' || r->idx)
				return SE_LG_RESP_INVALID;
			if (r->num > (UINT64_MAX - 9) / 10)
				return SE_LG_RESP_INVALID;
			r->num = r->num * 10 + (c - '0');
			r->digit_seen = true;
		} else if (r->field != F_OTHER) {
			if (c == ',')
				end_token(r);
			else if (c != ' ' && c != '\t') {
				/* a token too long to be one we know matches nothing */
				if (r->tok_len < SE_LG_RESP_TOKEN_MAX)
					r->tok[r->tok_len] = lower(c);
				if (r->tok_len < 255)
					r->tok_len++;
			}
		}
		return SE_LG_RESP_NEED_MORE;
	case S_LINE_LF:
		if (c != '\n')
			return SE_LG_RESP_INVALID;
		r->state = S_LINE_START;
		return SE_LG_RESP_NEED_MORE;
	case S_HEAD_LF:
		if (c != '\n')
			return SE_LG_RESP_INVALID;
		return end_head(r);
	}
	return SE_LG_RESP_INVALID;
}

/* One byte of a chunk-size, chunk-end or trailer line; returns NEED_MORE to go on. */
static enum se_lg_resp_status chunk_byte(struct se_lg_resp *r, unsigned char c)
{
	int h;

	if (++r->line_bytes > SE_LG_RESP_LINE_MAX)
		return SE_LG_RESP_INVALID;
	switch (r->state) {
	case S_CSIZE:
		h = hex(c);
		if (h >= 0 && r->idx == 0) {
			if (r->num >> 60) /* a chunk larger than 2^64 */
				return SE_LG_RESP_INVALID;
			r->num = r->num << 4 | (uint64_t)h;
			r->digit_seen = true;
			return SE_LG_RESP_NEED_MORE;
		}
		if (!r->digit_seen)
			return SE_LG_RESP_INVALID;
		if (c == ' ' || c == '\t') { /* whitespace before an extension */
			r->idx = 1;
			return SE_LG_RESP_NEED_MORE;
		}
		if (c == ';') {
			r->state = S_CEXT;
			return SE_LG_RESP_NEED_MORE;
		}
		if (c == '\r') {
			r->state = S_CSIZE_LF;
			return SE_LG_RESP_NEED_MORE;
		}
		if (c == '\n')
			goto size_line_end;
		return SE_LG_RESP_INVALID;
	case S_CEXT:
		if (c == '\r')
			r->state = S_CSIZE_LF;
		else if (c == '\n')
			goto size_line_end;
		return SE_LG_RESP_NEED_MORE;
	case S_CSIZE_LF:
		if (c != '\n')
			return SE_LG_RESP_INVALID;
		goto size_line_end;
	case S_CDATA_CR:
		if (c == '\r') {
			r->state = S_CDATA_LF;
			return SE_LG_RESP_NEED_MORE;
		}
		/* a bare LF ends the chunk too */
		/* fall through */
	case S_CDATA_LF:
		if (c != '\n')
			return SE_LG_RESP_INVALID;
		r->state = S_CSIZE;
		r->num = 0;
		r->digit_seen = false;
		r->idx = 0;
		r->line_bytes = 0;
		return SE_LG_RESP_NEED_MORE;
	case S_TRAILER_START:
		if (c == '\r') {
			r->state = S_TRAILER_END_LF;
			return SE_LG_RESP_NEED_MORE;
		}
		if (c == '\n')
			goto done;
		if (!is_tchar(c))
			return SE_LG_RESP_INVALID;
		r->state = S_TRAILER;
		return SE_LG_RESP_NEED_MORE;
	case S_TRAILER:
		if (c == '\r')
			r->state = S_TRAILER_LF;
		else if (c == '\n')
			goto trailer_line_end;
		return SE_LG_RESP_NEED_MORE;
	case S_TRAILER_LF:
		if (c != '\n')
			return SE_LG_RESP_INVALID;
		goto trailer_line_end;
	case S_TRAILER_END_LF:
		if (c != '\n')
			return SE_LG_RESP_INVALID;
		goto done;
	}
	return SE_LG_RESP_INVALID;

size_line_end:
	r->line_bytes = 0;
	if (!r->num) {
		r->state = S_TRAILER_START;
		return SE_LG_RESP_NEED_MORE;
	}
	r->remaining = r->num;
	r->state = S_CDATA;
	return SE_LG_RESP_NEED_MORE;
trailer_line_end:
	r->line_bytes = 0;
	r->state = S_TRAILER_START;
	return SE_LG_RESP_NEED_MORE;
done:
	r->state = S_DONE;
	return SE_LG_RESP_OK;
}

enum se_lg_resp_status se_lg_resp_feed(struct se_lg_resp *r, const char *buf, size_t len,
				       size_t *used)
{
	const unsigned char *p = (const unsigned char *)buf;
	enum se_lg_resp_status st = SE_LG_RESP_NEED_MORE;
	size_t i = 0;

	if (len)
		r->started = true;
	while (i < len) {
		switch (r->state) {
		case S_BODY:
		case S_CDATA: {
			size_t n = len - i;

			if (n > r->remaining)
				n = (size_t)r->remaining;
			r->remaining -= n;
			i += n;
			if (r->remaining)
				break;
			if (r->state == S_CDATA) {
				r->state = S_CDATA_CR;
				break;
			}
			r->state = S_DONE;
			*used = i;
			return SE_LG_RESP_OK;
		}
		case S_CLOSE:
			i = len;
			break;
		case S_DONE:
			*used = i;
			return SE_LG_RESP_INVALID; /* fed after OK without init */
		default:
			st = r->state >= S_CSIZE ? chunk_byte(r, p[i]) : head_byte(r, p[i]);
			i++;
			if (st != SE_LG_RESP_NEED_MORE) {
				*used = i;
				return st;
			}
		}
	}
	*used = i;
	return SE_LG_RESP_NEED_MORE;
}

enum se_lg_resp_status se_lg_resp_eof(struct se_lg_resp *r)
{
	if (r->state != S_CLOSE)
		return SE_LG_RESP_INVALID;
	r->state = S_DONE;
	return SE_LG_RESP_OK;
}

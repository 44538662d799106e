// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * HTTP/1.x response framing for the load generator: finds where one response ends in a byte
 * stream, in the picohttpparser style (state, buf, len), resumable at any byte, zero-copy and
 * without allocation. It keeps only what framing needs: the status, Content-Length,
 * Transfer-Encoding (chunked, with extensions and trailers), Connection, and whether the
 * request was HEAD. Interim 1xx responses are skipped. The load generator has its own framer
 * rather than sockeye's: the tool that measures sockeye must not share its parser's bugs.
 */
#ifndef SE_LG_RESP_H
#define SE_LG_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum se_lg_resp_status {
	SE_LG_RESP_NEED_MORE, /* every byte given was used; the response goes on */
	SE_LG_RESP_OK,	      /* one final response ends after *used bytes */
	SE_LG_RESP_INVALID,   /* not HTTP/1.x, or past a limit below */
};

/* A response head (status line and headers) longer than this is refused. */
#define SE_LG_RESP_HEAD_MAX (64 * 1024)
/* A chunk-size line (with its extensions) or a trailer line longer than this is refused. */
#define SE_LG_RESP_LINE_MAX (8 * 1024)
/* Longest header name told apart: "transfer-encoding" is 17; longer names are "other". */
#define SE_LG_RESP_NAME_MAX 20
/* Longest list token told apart ("keep-alive", "chunked"); longer ones match nothing. */
#define SE_LG_RESP_TOKEN_MAX 12

struct se_lg_resp {
	/* results: status once the head is parsed, keep_alive once the response is OK */
	int status;
	bool keep_alive;  /* the connection may carry the next request */
	uint32_t interim; /* 1xx responses skipped before this one */

	/* parser state */
	bool head_request; /* HEAD: the response has no body, whatever its headers say */
	bool started;	   /* some byte seen */
	uint8_t state;
	uint8_t idx;   /* position in "HTTP/1." or in the status code */
	uint8_t minor; /* HTTP/1.minor */
	uint8_t field; /* which header the current line holds */
	bool te_seen, te_chunked, cl_seen, conn_close, conn_keep_alive, digit_seen;
	uint8_t name_len, tok_len;
	char name[SE_LG_RESP_NAME_MAX];
	char tok[SE_LG_RESP_TOKEN_MAX];
	uint32_t head_bytes, line_bytes;
	uint64_t content_length;
	uint64_t num; /* the number being parsed: Content-Length or a chunk size */
	uint64_t remaining;
};

/* Ready for one response (and the 1xx ones before it) to a request of this method. */
void se_lg_resp_init(struct se_lg_resp *r, bool head_request);

/*
 * Feed the next len bytes of the stream. On OK, *used bytes belonged to the response and the
 * rest (if any) to whatever follows; on NEED_MORE, *used == len. Call init again after OK.
 */
enum se_lg_resp_status se_lg_resp_feed(struct se_lg_resp *r, const char *buf, size_t len,
				       size_t *used);

/* The peer closed the stream: OK when the body was delimited by the close, INVALID otherwise. */
enum se_lg_resp_status se_lg_resp_eof(struct se_lg_resp *r);

#endif

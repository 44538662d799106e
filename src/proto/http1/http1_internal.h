/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the HTTP/1 stream framer (http1_stream.c) takes from the head parser (http1_head.c):
 * the character classes, the step results, the framing read from header fields and the
 * parsing of a head's lines up to SE_HTTP1_HEAD_MAX bytes. Private to src/proto: not API.
 */
#ifndef SOCKEYE_PROTO_HTTP1_INTERNAL_H
#define SOCKEYE_PROTO_HTTP1_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/http1/http1.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Bytes se_http1_looks_like_head needs at most ("OPTIONS ", "CONNECT "). */
#define SE_HTTP1_LOOK_LEN 8

/* ---- character classes ------------------------------------------------------------------ */

enum {
	SE_HTTP1_C_TCHAR = 1 << 0,  /* token character (RFC 9110 5.6.2) */
	SE_HTTP1_C_VALUE = 1 << 1,  /* field value / reason phrase: HTAB, SP, VCHAR, obs-text */
	SE_HTTP1_C_TARGET = 1 << 2, /* request target: VCHAR, obs-text (no SP, no CTL) */
	SE_HTTP1_C_HEX = 1 << 3,
};

/* The C_* classes of each byte. */
extern const uint8_t se_http1_class[256];

static inline bool se_http1_is(uint8_t c, uint8_t cls)
{
	return se_http1_class[c] & cls;
}

/*
 * The first byte in [p, end) that is not of class cls (end if none). Field values and
 * request targets are most of a head's bytes, and the byte-by-byte table scan was most of
 * sockeye's own CPU under load: for those two classes 16 bytes are tested at a time with
 * SSE2 (the x86-64 baseline), which stops where the table would (tests/unit/proto/
 * test_http1.c checks every byte value at every position). Reads stay inside [p, end).
 */
static inline const uint8_t *se_http1_span(const uint8_t *p, const uint8_t *end, uint8_t cls)
{
#if defined(__SSE2__)
	if (cls == SE_HTTP1_C_VALUE || cls == SE_HTTP1_C_TARGET) {
		/* Unsigned c < lowest as a signed compare of c ^ 0x80: VALUE starts at SP (and
		 * admits HTAB), TARGET after SP; both stop at DEL; obs-text (0x80-0xff) is in. */
		const __m128i flip = _mm_set1_epi8((char)0x80);
		const __m128i lowest =
		    _mm_set1_epi8((char)((cls == SE_HTTP1_C_VALUE ? 0x20 : 0x21) ^ 0x80));
		const __m128i del = _mm_set1_epi8(0x7f);
		const __m128i tab = _mm_set1_epi8('\t');

		while (end - p >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			__m128i stop = _mm_or_si128(_mm_cmplt_epi8(_mm_xor_si128(v, flip), lowest),
						    _mm_cmpeq_epi8(v, del));
			unsigned int mask;

			if (cls == SE_HTTP1_C_VALUE)
				stop = _mm_andnot_si128(_mm_cmpeq_epi8(v, tab), stop);
			mask = (unsigned int)_mm_movemask_epi8(stop);
			if (mask)
				return p + __builtin_ctz(mask);
			p += 16;
		}
	}
#endif
	while (p < end && se_http1_is(*p, cls))
		p++;
	return p;
}

/* ---- head parser ------------------------------------------------------------------------ */

/* Internal step results: the line parsed, the buffer ends first, it is malformed, the line
 * was the empty one that ends the head, or the head is longer than SE_HTTP1_HEAD_TOTAL_MAX. */
enum { SE_HTTP1_R_OK, SE_HTTP1_R_MORE, SE_HTTP1_R_BAD, SE_HTTP1_R_EMPTY, SE_HTTP1_R_BIG };

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

/* What a header field name means to the parser. */
enum se_http1_field_kind {
	SE_HTTP1_F_OTHER = 0,
	SE_HTTP1_F_SECRET, /* value redacted */
	SE_HTTP1_F_LENGTH, /* Content-Length */
	SE_HTTP1_F_TE,	   /* Transfer-Encoding */
	SE_HTTP1_F_CONN,   /* Connection */
	SE_HTTP1_F_UPGRADE,
};

enum se_http1_field_kind se_http1_field_kind(const uint8_t *n, size_t nlen);

/* A framing header's value (already trimmed) into f. */
int se_http1_frame(struct se_http1_framing *f, enum se_http1_field_kind kind, const uint8_t *v,
		   size_t vlen);

/*
 * The lines of a head at buf, at most SE_HTTP1_HEAD_MAX bytes of it: SE_HTTP1_R_EMPTY when the
 * empty line was reached, SE_HTTP1_R_MORE when the bytes end first, SE_HTTP1_R_BAD. *stop is where
 * parsing stopped: after the empty line, or (SE_HTTP1_R_MORE) at the start of the line the bytes
 * end in, so that everything before it is complete lines (0: the request or status line is not
 * complete). f has the framing of the complete header lines.
 */
int se_http1_lines(const uint8_t *buf, size_t len, bool request, struct se_http1_head *h,
		   struct se_http1_framing *f, size_t *stop);

/* The head's framing fields from what its headers said. */
int se_http1_framing_set(struct se_http1_head *h, const struct se_http1_framing *f);

#endif /* SOCKEYE_PROTO_HTTP1_INTERNAL_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * UTF-8 of strings that come from the network. Every exported string field must be valid
 * UTF-8: protobuf `string` fields require it, and a strict OTLP receiver rejects a whole
 * batch for one bad byte. A wire-derived string is made valid once, when it is copied out of
 * the traffic (the request path, in the HTTP tracker), so every sink prints the same text.
 *
 * Validity follows the table of well-formed byte sequences of the Unicode standard (chapter 3,
 * table 3-7), which rules out overlong forms, surrogates and code points past U+10FFFF by the
 * range of the second byte alone. Pure.
 */
#ifndef SOCKEYE_UTF8_H
#define SOCKEYE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* U+FFFD REPLACEMENT CHARACTER, encoded. */
#define SE_UTF8_REPLACEMENT	"\xef\xbf\xbd"
#define SE_UTF8_REPLACEMENT_LEN 3

/*
 * Bytes of the well-formed sequence starting at p (1 for ASCII, 2 to 4), or 0 when none
 * starts there; *bad_len (if not NULL) then gets the length of the maximal subpart of an ill-formed
 * sequence there (what one U+FFFD replaces, Unicode's recommended practice: 1 to 3).
 * left >= 1.
 */
size_t se_utf8_seq_len(const uint8_t *p, size_t left, size_t *bad_len);

/*
 * Copy src[0, len) into dst (at most cap bytes, no terminator) as valid UTF-8 without NUL:
 * each maximal subpart of an ill-formed sequence, and each NUL (C strings end there), becomes
 * U+FFFD; a code point that does not fit whole is left out with everything after it, so a
 * cut never splits one. Returns the bytes written; *cut is set when not all of src fit.
 */
size_t se_utf8_sanitize(char *dst, size_t cap, const uint8_t *src, size_t len, bool *cut);

#endif /* SOCKEYE_UTF8_H */

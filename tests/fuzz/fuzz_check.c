// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Checkers the fuzz targets share (see fuzz_check.h), written apart from the code under test
 * on purpose: a bug there must not hide the same bug here. Built without coverage
 * instrumentation, so libFuzzer spends its time and its feedback on the code under test.
 */
#include "fuzz_check.h"

#include <stdio.h>
#include <string.h>

#define JSON_DEPTH_MAX 16
#define JSON_KEYS_MAX  256

/* Well-formed UTF-8 (Unicode table 3-7), written apart from src/util/utf8.c on purpose. */
bool fuzz_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i], lo = 0x80, hi = 0xbf;
		size_t more;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			more = 1;
		else if (c == 0xe0)
			more = 2, lo = 0xa0;
		else if (c == 0xed)
			more = 2, hi = 0x9f;
		else if (c >= 0xe1 && c <= 0xef)
			more = 2;
		else if (c == 0xf0)
			more = 3, lo = 0x90;
		else if (c == 0xf4)
			more = 3, hi = 0x8f;
		else if (c >= 0xf1 && c <= 0xf3)
			more = 3;
		else
			return false;
		if (n - i - 1 < more || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= more; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += more + 1;
	}
	return true;
}

/* A JSON reader that only says whether the text is valid. */
struct json {
	const char *p, *end;
	int depth;
};

static void json_ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool json_lit(struct json *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n))
		return false;
	j->p += n;
	return true;
}

static int json_hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* A string; its raw contents (escapes undecoded) in [*s, *s + *n). */
static bool json_string(struct json *j, const char **s, size_t *n)
{
	if (j->p >= j->end || *j->p != '"')
		return false;
	*s = ++j->p;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p;

		if (c < 0x20)
			return false;
		if (c != '\\') {
			j->p++;
			continue;
		}
		if (j->end - j->p < 2)
			return false;
		if (j->p[1] && strchr("\"\\/bfnrt", j->p[1])) {
			j->p += 2;
			continue;
		}
		if (j->p[1] != 'u' || j->end - j->p < 6) {
			return false;
		} else {
			int u = json_hex4(j->p + 2);

			if (u < 0 || (u >= 0xdc00 && u <= 0xdfff))
				return false;
			j->p += 6;
			if (u >= 0xd800 && u <= 0xdbff) { /* a high surrogate needs its low one */
				int lo;

				if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u')
					return false;
				lo = json_hex4(j->p + 2);
				if (lo < 0xdc00 || lo > 0xdfff)
					return false;
				j->p += 6;
			}
		}
	}
	if (j->p >= j->end)
		return false;
	*n = (size_t)(j->p - *s);
	j->p++;
	return true;
}

static bool json_digits(struct json *j)
{
	const char *at = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > at;
}

static bool json_number(struct json *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!json_digits(j))
		return false;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!json_digits(j))
			return false;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!json_digits(j))
			return false;
	}
	return true;
}

static bool json_value(struct json *j);

static bool json_object(struct json *j)
{
	const char *keys[JSON_KEYS_MAX];
	size_t lens[JSON_KEYS_MAX], nkeys = 0;

	j->p++;
	json_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return true;
	}
	for (;;) {
		const char *k;
		size_t kn;

		json_ws(j);
		if (!json_string(j, &k, &kn) || nkeys == JSON_KEYS_MAX)
			return false;
		for (size_t i = 0; i < nkeys; i++)
			if (lens[i] == kn && !memcmp(keys[i], k, kn))
				return false; /* a key twice: parsers disagree on which one wins */
		keys[nkeys] = k;
		lens[nkeys++] = kn;
		json_ws(j);
		if (j->p >= j->end || *j->p++ != ':' || !json_value(j))
			return false;
		json_ws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == '}') {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static bool json_array(struct json *j)
{
	j->p++;
	json_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return true;
	}
	for (;;) {
		if (!json_value(j))
			return false;
		json_ws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == ']') {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static bool json_value(struct json *j)
{
	const char *s;
	size_t n;
	bool ok;

	json_ws(j);
	if (j->p >= j->end || ++j->depth > JSON_DEPTH_MAX)
		return false;
	switch (*j->p) {
	case '{':
		ok = json_object(j);
		break;
	case '[':
		ok = json_array(j);
		break;
	case '"':
		ok = json_string(j, &s, &n);
		break;
	case 't':
		ok = json_lit(j, "true");
		break;
	case 'f':
		ok = json_lit(j, "false");
		break;
	case 'n':
		ok = json_lit(j, "null");
		break;
	default:
		ok = json_number(j);
		break;
	}
	j->depth--;
	return ok;
}

/* One line: a JSON object and nothing else, valid UTF-8. */
bool fuzz_json_line_valid(const char *line, size_t n)
{
	struct json j = { .p = line, .end = line + n };

	if (!fuzz_utf8_valid((const uint8_t *)line, n) || !n || line[0] != '{' || !json_value(&j))
		return false;
	json_ws(&j);
	return j.p == j.end;
}

/* Every string field of m and of the messages inside it, at any depth, is valid UTF-8. */
bool fuzz_pb_strings_valid(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *base = (const char *)m;

	for (unsigned int i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const void *v = base + f->offset;
		size_t n = 1;

		if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			n = *(const size_t *)(base + f->quantifier_offset);
			v = *(void *const *)v;
		} else if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
			   *(const uint32_t *)(base + f->quantifier_offset) != f->id) {
			continue; /* another member of the oneof is set */
		}
		for (size_t k = 0; k < n; k++) {
			if (f->type == PROTOBUF_C_TYPE_STRING) {
				const char *s = ((const char *const *)v)[k];

				if (s && !fuzz_utf8_valid((const uint8_t *)s, strlen(s))) {
					fprintf(stderr, "fuzz: %s.%s is not UTF-8\n", d->name,
						f->name);
					return false;
				}
			} else {
				const ProtobufCMessage *sub =
				    ((const ProtobufCMessage *const *)v)[k];

				if (sub && !fuzz_pb_strings_valid(sub))
					return false;
			}
		}
	}
	return true;
}

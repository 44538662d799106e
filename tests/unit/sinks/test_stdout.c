// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the stdout exporter (src/sinks/stdout/stdout.c): address formatting (IPv4, IPv6,
 * v4-mapped IPv6 shown as IPv4) and the JSON lines of a window written to a memory stream.
 * Every line must be one well-formed JSON object (checked by a small validator below, since
 * the lines are the contract of docs/output.md), carry the keys users rely on, and put
 * exactly the loss counters under "dropped". HTTP group lines are compared whole against
 * the expected text, and paths from the network are checked byte by byte after decoding the
 * JSON string back: quotes, backslashes, control bytes, invalid UTF-8 of every kind, paths
 * past the cut. Every line must also be valid UTF-8, checked against a reference sanitiser
 * written independently of src/util/json.c (by code point, not by byte ranges).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "proto/dns/dns_proto.h"
#include "proto/http1/http1_proto.h"
#include "sinks/counters.h"
#include "util/clock.h"
#include "sinks/stdout/stdout.h"
#include "util/endpoint.h"
#include "proto/http1/http1.h"
#include "util/json.h"
#include "capture/probe.h"

/* Window bounds used throughout: ms values a reader can recognise in the output. */
#define START_MS 1700000000000ull
#define END_MS	 1700000005000ull

/* ---- a minimal JSON validator (objects, arrays, strings, numbers, literals) -------------- */

static const char *json_value(const char *p);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p && *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p != '\\')
			continue;
		p++;
		if (*p == 'u') {
			for (int i = 1; i <= 4; i++)
				if (!is_hex(p[i]))
					return NULL;
			p += 4;
		} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
			return NULL;
		}
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *json_number(const char *p)
{
	const char *start;

	if (*p == '-')
		p++;
	start = p;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p == start || (*start == '0' && p - start > 1))
		return NULL;
	if (*p == '.') {
		start = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start)
			return NULL;
	}
	return p;
}

static const char *json_members(const char *p, char close, bool keyed)
{
	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (keyed) {
			p = json_string(json_ws(p));
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		p = json_value(json_ws(p));
		if (!p)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p)
{
	switch (*p) {
	case '{':
		return json_members(p, '}', true);
	case '[':
		return json_members(p, ']', false);
	case '"':
		return json_string(p);
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	default:
		return json_number(p);
	}
}

/* ---- a reference UTF-8 sanitiser: each byte not in a well-formed sequence -> U+FFFD --------- */

static const uint8_t replacement[3] = { 0xef, 0xbf, 0xbd };

/* Decode by code point: lead byte gives the length, the value must need that length, must
 * not be a surrogate, must not pass U+10FFFF. Returns the sequence length, 0 if invalid. */
static size_t ref_utf8_seq(const uint8_t *p, size_t left)
{
	static const uint32_t min_of[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		n = 2, cp = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3, cp = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min_of[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* in -> out with invalid bytes replaced; returns the output length (out: 3 x len). */
static size_t ref_sanitize(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		size_t n = ref_utf8_seq(in + i, len - i);

		if (!n) {
			memcpy(out + o, replacement, 3);
			o += 3;
			i++;
		} else {
			memcpy(out + o, in + i, n);
			o += n;
			i += n;
		}
	}
	return o;
}

static void assert_valid_utf8(const char *s, size_t len)
{
	uint8_t *out = malloc(3 * len + 1);
	size_t n;

	assert_non_null(out);
	n = ref_sanitize((const uint8_t *)s, len, out);
	if (n != len || memcmp(out, s, len))
		fail_msg("not valid UTF-8: %.*s", (int)len, s);
	free(out);
}

/* Decode the JSON string at p (at its opening quote) into out; returns its length. Only the
 * escapes the exporter writes are expected: short ones, and \u below U+10000. */
static size_t json_decode_string(const char *p, uint8_t *out, size_t cap)
{
	size_t o = 0;

	assert_int_equal(*p, '"');
	for (p++; *p != '"'; p++) {
		uint32_t cp;

		assert_true(o + 3 <= cap);
		if (*p != '\\') {
			out[o++] = (uint8_t)*p;
			continue;
		}
		switch (*++p) {
		case 'b':
			out[o++] = '\b';
			break;
		case 'f':
			out[o++] = '\f';
			break;
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case 'u':
			cp = (uint32_t)strtoul((char[5]){ p[1], p[2], p[3], p[4], 0 }, NULL, 16);
			p += 4;
			assert_false(cp >= 0xd800 && cp <= 0xdfff);
			if (cp < 0x80) {
				out[o++] = (uint8_t)cp;
			} else if (cp < 0x800) {
				out[o++] = (uint8_t)(0xc0 | cp >> 6);
				out[o++] = (uint8_t)(0x80 | (cp & 0x3f));
			} else {
				out[o++] = (uint8_t)(0xe0 | cp >> 12);
				out[o++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
				out[o++] = (uint8_t)(0x80 | (cp & 0x3f));
			}
			break;
		default: /* " \ / */
			out[o++] = (uint8_t)*p;
			break;
		}
	}
	return o;
}

/* One JSON object, then exactly the newline. */
static void assert_json_line(const char *line, size_t len)
{
	char *copy = strndup(line, len);
	const char *end;

	assert_non_null(copy);
	assert_int_equal(strlen(copy), len); /* no NUL byte inside */
	assert_valid_utf8(copy, len);
	assert_int_equal(copy[0], '{');
	end = json_value(copy);
	if (!end || strcmp(end, "\n"))
		fail_msg("not one JSON object per line: %s", copy);
	free(copy);
}

/* ---- helpers -------------------------------------------------------------------------------- */

struct output {
	char *text;
	size_t len;
	unsigned int nlines;
	const char *lines[64];
};

static int do_export(struct output *o, bool connections, const struct se_window *w,
		     const struct se_kernel_window *kw, uint32_t late)
{
	struct se_config cfg;
	FILE *f;
	int ret;

	se_config_defaults(&cfg);
	cfg.connections = connections;
	memset(o, 0, sizeof(*o));
	f = open_memstream(&o->text, &o->len);
	assert_non_null(f);
	ret = se_stdout_export(f, &cfg, w, kw, late);
	assert_int_equal(fclose(f), 0);
	for (const char *p = o->text; *p;) {
		const char *nl = strchr(p, '\n');

		assert_non_null(nl); /* every line is terminated */
		assert_true(o->nlines < 64);
		assert_json_line(p, (size_t)(nl - p + 1));
		o->lines[o->nlines++] = p;
		p = nl + 1;
	}
	return ret;
}

/* Line i is exactly this (without its newline). */
static void assert_line_equal(const struct output *o, unsigned int i, const char *expect)
{
	const char *line = o->lines[i];
	const char *nl = strchr(line, '\n');

	if ((size_t)(nl - line) != strlen(expect) || memcmp(line, expect, strlen(expect)))
		fail_msg("line %u:\n  %.*s\nexpected:\n  %s", i, (int)(nl - line), line, expect);
}

/* Line i holds the fragment (before its newline). */
static void assert_line_has(const struct output *o, unsigned int i, const char *fragment)
{
	const char *line = o->lines[i];
	const char *nl = strchr(line, '\n');
	const char *hit = strstr(line, fragment);

	if (!hit || hit > nl)
		fail_msg("line %u lacks %s: %.*s", i, fragment, (int)(nl - line), line);
}

static void set_v4(uint8_t addr[16], const char *text)
{
	memset(addr, 0, 16);
	assert_int_equal(inet_pton(AF_INET, text, addr), 1);
}

static void set_v6(uint8_t addr[16], const char *text)
{
	assert_int_equal(inet_pton(AF_INET6, text, addr), 1);
}

static void window_with(struct se_window *w, struct se_conn_record *recs, uint32_t n)
{
	se_window_init(w, START_MS * SE_NS_PER_MS + 123, END_MS * SE_NS_PER_MS + 999999,
		       SE_DEFAULT_MAX_GROUPS);
	w->conns = recs;
	w->nconns = n;
	w->cap = n;
	w->shards = 3;
}

/* Free what window_with made; the records are the caller's. */
static void window_done(struct se_window *w)
{
	w->conns = NULL;
	w->nconns = w->cap = 0;
	se_window_fini(w);
}

/* ---- address formatting ------------------------------------------------------------------- */

static void assert_addr(uint16_t family, const char *in, const char *expect)
{
	struct se_endpoint e = { .family = family, .port = 8080 };
	char buf[INET6_ADDRSTRLEN];

	if (family == AF_INET) {
		set_v4(e.addr, in);
		memset(e.addr + 4, 0xee, 12); /* only the first 4 bytes are IPv4 */
	} else {
		set_v6(e.addr, in);
	}
	memset(buf, 'x', sizeof(buf));
	se_endpoint_format_addr(&e, buf, sizeof(buf));
	assert_string_equal(buf, expect);
}

static void test_format_addr(void **state)
{
	assert_addr(AF_INET, "127.0.0.1", "127.0.0.1");
	assert_addr(AF_INET, "10.200.3.4", "10.200.3.4");
	assert_addr(AF_INET, "0.0.0.0", "0.0.0.0");
	assert_addr(AF_INET, "255.255.255.255", "255.255.255.255");
	assert_addr(AF_INET6, "::1", "::1");
	assert_addr(AF_INET6, "::", "::");
	assert_addr(AF_INET6, "2001:db8::8a2e:370:7334", "2001:db8::8a2e:370:7334");
	assert_addr(AF_INET6, "fe80::1", "fe80::1");
	assert_addr(AF_INET6, "::ffff:127.0.0.1", "127.0.0.1");
	assert_addr(AF_INET6, "::ffff:10.1.2.3", "10.1.2.3");
	/* Close to the mapped prefix, but not it. */
	assert_addr(AF_INET6, "::fffe:7f00:1", "::fffe:7f00:1");
	assert_addr(AF_INET6, "1::ffff:7f00:1", "1::ffff:7f00:1");
}

/* The widest endpoint fits the buffer every sink declares. */
static void test_format_widest_endpoint(void **state)
{
	struct se_endpoint e = { .family = AF_INET6, .port = 65535 };
	char buf[SE_ENDPOINT_STRLEN];
	const char *widest = "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535";

	(void)state;
	set_v6(e.addr, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
	se_endpoint_format(&e, buf, sizeof(buf));
	assert_true(strlen(widest) < sizeof(buf));
	assert_string_equal(buf, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	e.family = AF_INET;
	set_v4(e.addr, "255.255.255.255");
	se_endpoint_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "255.255.255.255:65535");
}

/* ---- export ----------------------------------------------------------------------------- */

static void test_conn_lines(void **state)
{
	struct se_conn_record recs[3];
	struct se_window w;
	struct se_kernel_window kw = { 0 };
	struct output o;

	memset(recs, 0, sizeof(recs));
	recs[0].id = 77;
	recs[0].pid = 4242;
	recs[0].role = SE_ROLE_SERVER;
	recs[0].local.family = recs[0].peer.family = AF_INET;
	set_v4(recs[0].local.addr, "127.0.0.1");
	set_v4(recs[0].peer.addr, "127.0.0.2");
	recs[0].local.port = 8080;
	recs[0].peer.port = 54321;
	recs[0].dir[SE_DIR_IN].bytes = 100;
	recs[0].dir[SE_DIR_IN].events = 2;
	recs[0].dir[SE_DIR_IN].captured = 90;
	recs[0].dir[SE_DIR_OUT].bytes = 300;
	recs[0].dir[SE_DIR_OUT].events = 3;
	recs[0].digest[SE_DIR_IN] = 0x0123456789abcdefull;
	recs[0].digest[SE_DIR_OUT] = 0xabcull;

	recs[0].proto = SE_PROTO_HTTP1;

	recs[1].id = 78;
	recs[1].role = SE_ROLE_CLIENT;
	recs[1].proto = SE_PROTO_OTHER;
	recs[1].local.family = recs[1].peer.family = AF_INET6;
	set_v6(recs[1].local.addr, "::1");
	set_v6(recs[1].peer.addr, "2001:db8::1");
	recs[1].local.port = 8080;
	recs[1].peer.port = 443;

	recs[1].tls = true; /* other, because TLS */
	recs[2].id = 79;
	recs[2].role = SE_ROLE_UNKNOWN;
	recs[2].local.family = recs[2].peer.family = AF_INET6;
	set_v6(recs[2].local.addr, "::ffff:127.0.0.1");
	set_v6(recs[2].peer.addr, "::ffff:192.168.1.9");
	recs[2].local.port = 8080;
	recs[2].peer.port = 65535;

	window_with(&w, recs, 3);
	assert_int_equal(do_export(&o, true, &w, &kw, 0), 0);
	assert_int_equal(o.nlines, 4);

	assert_line_has(&o, 0, "{\"type\":\"conn\",");
	assert_line_has(&o, 0, "\"window_start\":1700000000000,");
	assert_line_has(&o, 0, "\"window_end\":1700000005000,");
	assert_line_has(&o, 0, "\"role\":\"server\"");
	assert_line_has(&o, 0, "\"pid\":4242,");
	assert_line_has(&o, 0, "\"local\":\"127.0.0.1:8080\"");
	assert_line_has(&o, 0, "\"peer\":\"127.0.0.2:54321\"");
	assert_line_has(&o, 0, "\"bytes_in\":100,");
	assert_line_has(&o, 0, "\"bytes_out\":300,");
	assert_line_has(&o, 0, "\"events_in\":2,");
	assert_line_has(&o, 0, "\"events_out\":3,");
	assert_line_has(&o, 0, "\"captured_in\":90,");
	assert_line_has(&o, 0, "\"captured_out\":0,");
	assert_line_has(&o, 0, "\"digest_in\":\"0123456789abcdef\"");
	assert_line_has(&o, 0, "\"digest_out\":\"0000000000000abc\"");
	assert_line_has(&o, 0, "\"conn_id\":77,");
	assert_line_has(&o, 0, "\"protocol\":\"http1\",\"tls\":false}");

	assert_line_has(&o, 1, "\"role\":\"client\"");
	assert_line_has(&o, 1, "\"local\":\"[::1]:8080\"");
	assert_line_has(&o, 1, "\"peer\":\"[2001:db8::1]:443\"");
	assert_line_has(&o, 1, "\"conn_id\":78");
	assert_line_has(&o, 1, "\"protocol\":\"other\",\"tls\":true}");
	assert_line_has(&o, 2, "\"protocol\":\"undecided\"");

	assert_line_has(&o, 2, "\"role\":\"unknown\"");
	assert_line_has(&o, 2, "\"local\":\"127.0.0.1:8080\"");
	assert_line_has(&o, 2, "\"peer\":\"192.168.1.9:65535\"");

	assert_line_has(&o, 3, "{\"type\":\"stats\",");
	window_done(&w);
	free(o.text);
}

static void test_no_conn_lines_without_flag(void **state)
{
	struct se_conn_record rec;
	struct se_window w;
	struct se_kernel_window kw = { 0 };
	struct output o;

	memset(&rec, 0, sizeof(rec));
	rec.local.family = rec.peer.family = AF_INET;
	rec.role = SE_ROLE_SERVER;
	window_with(&w, &rec, 1);
	assert_int_equal(do_export(&o, false, &w, &kw, 0), 0);
	assert_int_equal(o.nlines, 1);
	assert_line_has(&o, 0, "{\"type\":\"stats\",");
	assert_null(strstr(o.text, "\"conn\""));
	free(o.text);

	window_done(&w);

	/* With the flag but no active connection: the stats line alone. */
	window_with(&w, NULL, 0);
	assert_int_equal(do_export(&o, true, &w, &kw, 0), 0);
	assert_int_equal(o.nlines, 1);
	window_done(&w);
	free(o.text);
}

/* The text of the "dropped" object, braces excluded, as a NUL-terminated copy. */
static char *dropped_object(const char *line)
{
	const char *open = strstr(line, "\"dropped\":{");
	const char *close;

	assert_non_null(open);
	open += strlen("\"dropped\":{");
	close = strchr(open, '}');
	assert_non_null(close);
	return strndup(open, (size_t)(close - open));
}

static void test_stats_line(void **state)
{
	struct se_window w;
	struct se_kernel_window kw;
	struct output o;
	char frag[128];
	char *dropped;
	unsigned int ndrops = 0, nfields = 1;

	window_with(&w, NULL, 0);
	for (int u = 0; u < SE_UC__COUNT; u++)
		w.counters[u] = 100 + (uint64_t)u;
	for (int k = 0; k < SE_KC__COUNT; k++)
		kw.counters[k] = 10 + (uint64_t)k;
	kw.prog_missed = 9;
	assert_int_equal(do_export(&o, true, &w, &kw, 2), 0);
	assert_int_equal(o.nlines, 1);

	assert_line_has(&o, 0, "{\"type\":\"stats\",");
	assert_line_has(&o, 0, "\"window_start\":1700000000000,");
	assert_line_has(&o, 0, "\"window_end\":1700000005000,");
	assert_line_has(&o, 0, "\"events\":100,"); /* SE_UC_EVENTS */
	assert_line_has(&o, 0, "\"truncated\":15,");
	assert_line_has(&o, 0, "\"kernel_events\":16,");
	assert_line_has(&o, 0, "\"late_shards\":2,");
	assert_line_has(&o, 0, "\"shards\":3}");

	/* Under "dropped": every kernel loss, prog_missed, and every user counter of a loss. */
	dropped = dropped_object(o.lines[0]);
	for (int k = 0; k < SE_KC__COUNT; k++) {
		snprintf(frag, sizeof(frag), "\"%s\":%d", se_kernel_counter_names[k], 10 + k);
		if (!se_kernel_counter_is_drop(k)) {
			assert_null(strstr(dropped, frag));
			assert_line_has(&o, 0, frag); /* reported, outside "dropped" */
			continue;
		}
		if (!strstr(dropped, frag))
			fail_msg("dropped lacks %s: {%s}", frag, dropped);
		ndrops++;
	}
	assert_non_null(strstr(dropped, "\"prog_missed\":9"));
	ndrops++;
	for (int u = 0; u < SE_UC__COUNT; u++) {
		snprintf(frag, sizeof(frag), "\"%s\":%d", se_user_counter_names[u], 100 + u);
		if (se_user_counter_is_drop(u)) {
			if (!strstr(dropped, frag))
				fail_msg("dropped lacks %s: {%s}", frag, dropped);
			ndrops++;
		} else {
			assert_null(strstr(dropped, frag));
			if (u != SE_UC_EVENTS)
				assert_line_has(&o, 0, frag); /* outside "dropped" */
		}
	}
	for (const char *p = dropped; *p; p++)
		nfields += *p == ',';
	assert_int_equal(nfields, ndrops); /* nothing else in there */
	/* The losses named in the header comments are the ones reported. */
	assert_non_null(strstr(dropped, "\"ring_full\":10"));
	assert_non_null(strstr(dropped, "\"stream_gap\":101"));
	assert_non_null(strstr(dropped, "\"park_alloc\":108"));
	assert_null(strstr(dropped, "gap_bytes"));
	assert_null(strstr(dropped, "duplicates"));
	free(dropped);
	window_done(&w);
	free(o.text);
}

static void add_dns(struct se_window *w, uint8_t role, const char *name, uint16_t qtype, int rcode,
		    bool tc, uint8_t transport, uint64_t duration_ns)
{
	static const struct se_endpoint v6 = { .family = AF_INET6, .addr = { 0xfd, [15] = 1 } };
	struct se_dns_result r = {
		.role = role,
		.transport = transport,
		.answered = rcode >= 0,
		.truncated = tc,
		.rcode = rcode >= 0 ? (uint8_t)rcode : 0,
		.qtype = qtype,
		.server = &v6,
		.name = name,
		.name_len = (uint16_t)strlen(name),
		.duration_ns = duration_ns,
	};

	assert_int_equal(
	    se_dns_groups_add(&((struct se_dns_part *)w->parts[SE_PROTO_DNS])->dns, &r), 0);
}

/* The dns lines as docs/output.md gives them, whole. */
static void test_dns_lines(void **state)
{
	struct se_window w;
	struct se_kernel_window kw = { 0 };
	struct output o;

	(void)state;
	window_with(&w, NULL, 0);
	add_dns(&w, SE_ROLE_CLIENT, "svc.test", 1, 0, false, SE_DNS_UDP, 2 * SE_NS_PER_MS);
	add_dns(&w, SE_ROLE_CLIENT, "svc.test", 1, 0, false, SE_DNS_UDP, 60 * SE_NS_PER_MS);
	add_dns(&w, SE_ROLE_SERVER, "a\"b.test", 65, 3, true, SE_DNS_TCP, SE_NS_PER_MS / 4);
	add_dns(&w, SE_ROLE_CLIENT, "lost.test", 28, -1, false, SE_DNS_UDP, 0);
	assert_int_equal(do_export(&o, false, &w, &kw, 0), 0);
	assert_int_equal(o.nlines, 4);
	assert_line_equal(
	    &o, 0,
	    "{\"type\":\"dns\",\"window_start\":1700000000000,\"window_end\":1700000005000,"
	    "\"role\":\"client\",\"name\":\"svc.test\",\"qtype\":\"A\",\"rcode\":0,"
	    "\"server\":\"fd00::1\",\"transport\":\"udp\",\"count\":2,\"duration_ms\":{"
	    "\"count\":2,\"sum\":62.000,\"min\":2.000,\"max\":60.000,"
	    "\"bounds\":[1,5,10,50,100,500],\"counts\":[0,1,0,0,1,0,0]},\"truncated\":false,"
	    "\"name_truncated\":false,\"overflow\":false}");
	assert_line_equal(
	    &o, 1,
	    "{\"type\":\"dns\",\"window_start\":1700000000000,\"window_end\":1700000005000,"
	    "\"role\":\"server\",\"name\":\"a\\\"b.test\",\"qtype\":\"HTTPS\",\"rcode\":3,"
	    "\"server\":\"fd00::1\",\"transport\":\"tcp\",\"count\":1,\"duration_ms\":{"
	    "\"count\":1,\"sum\":0.250,\"min\":0.250,\"max\":0.250,"
	    "\"bounds\":[1,5,10,50,100,500],\"counts\":[1,0,0,0,0,0,0]},\"truncated\":true,"
	    "\"name_truncated\":false,\"overflow\":false}");
	assert_line_equal(
	    &o, 2,
	    "{\"type\":\"dns_unanswered\",\"window_start\":1700000000000,"
	    "\"window_end\":1700000005000,\"role\":\"client\",\"name\":\"lost.test\","
	    "\"qtype\":\"AAAA\",\"server\":\"fd00::1\",\"transport\":\"udp\",\"count\":1,"
	    "\"name_truncated\":false,\"overflow\":false}");
	assert_line_has(&o, 3, "{\"type\":\"stats\"");
	window_done(&w);
	free(o.text);
}

static void test_stats_gauges(void **state)
{
	struct se_window w;
	struct se_kernel_window kw = { 0 };
	struct output o;

	window_with(&w, NULL, 0);
	se_http_part(w.parts)->active_requests[SE_ROLE_SERVER] = 4;
	se_http_part(w.parts)->active_requests[SE_ROLE_CLIENT] = 5;
	se_http_part(w.parts)->active_requests[SE_ROLE_UNKNOWN] =
	    99; /* not reported: no such role to report */
	((struct se_dns_part *)w.parts[SE_PROTO_DNS])->in_flight = 3;
	w.conns_active = 6;
	w.counters[SE_UC_HTTP_ALLOC] = 7;
	w.counters[SE_UC_HTTP_REQUESTS] = 8;
	assert_int_equal(do_export(&o, false, &w, &kw, 0), 0);
	assert_int_equal(o.nlines, 1);
	assert_line_has(&o, 0,
			",\"active_requests\":{\"server\":4,\"client\":5},\"dns_in_flight\":3,"
			"\"connections_active\":6,");
	assert_line_has(&o, 0, "\"http_alloc\":7"); /* under dropped (checked by test_stats_line) */
	assert_line_has(&o, 0, "\"http_requests\":8");
	window_done(&w);
	free(o.text);
}

/* ---- HTTP group lines ------------------------------------------------------------------------ */

static struct se_http_request http_req(uint8_t role, uint8_t method, uint16_t status,
				       const char *path, size_t path_len)
{
	struct se_http_request r;

	memset(&r, 0, sizeof(r));
	r.role = role;
	r.method = method;
	r.status = status;
	r.peer.family = AF_INET;
	set_v4(r.peer.addr, "127.0.0.1");
	r.path = path;
	r.path_len = (uint32_t)path_len;
	r.start_ns = 1000;
	r.end_ns = 1000;
	r.trace.source = SE_TRACE_GENERATED;
	return r;
}

static void add_req(struct se_window *w, const struct se_http_request *r)
{
	assert_int_equal(se_http_groups_add(&se_http_part(w->parts)->http, r), 0);
}

/* Line i, newline included, as a NUL-terminated copy. */
static char *line_copy(const struct output *o, unsigned int i)
{
	const char *nl = strchr(o->lines[i], '\n');

	return strndup(o->lines[i], (size_t)(nl - o->lines[i] + 1));
}

static void test_http_line_exact(void **state)
{
	struct se_window w;
	struct se_kernel_window kw = { 0 };
	struct output o;
	struct se_http_request r = http_req(SE_ROLE_SERVER, SE_HTTP_GET, 200, "/ok", 3);
	char *line;

	window_with(&w, NULL, 0);
	r.end_ns = r.start_ns + 123456; /* 0.123 ms */
	add_req(&w, &r);
	r.end_ns = r.start_ns + 2500000; /* 2.5 ms */
	r.request_body_bytes = 100;
	r.trace.source = SE_TRACE_W3C;
	add_req(&w, &r);
	r.end_ns = r.start_ns + 7000 * SE_NS_PER_MS + 500; /* rounds up to the microsecond */
	r.request_body_bytes = 150;
	r.trace.source = SE_TRACE_NONE;
	add_req(&w, &r);

	/* a client, IPv6 peer, another method, a v4-mapped peer */
	r = http_req(SE_ROLE_CLIENT, SE_HTTP_POST, 503, "/api/v1", 7);
	r.peer.family = AF_INET6;
	set_v6(r.peer.addr, "2001:db8::1");
	r.end_ns = r.start_ns + 1 * SE_NS_PER_MS;
	r.request_body_bytes = 2000000;
	add_req(&w, &r);
	set_v6(r.peer.addr, "::ffff:10.1.2.3");
	r.method = SE_HTTP_OTHER;
	add_req(&w, &r);

	assert_int_equal(do_export(&o, false, &w, &kw, 0), 0);
	assert_int_equal(o.nlines, 4);
	line = line_copy(&o, 0);
	assert_string_equal(
	    line, "{\"type\":\"http\",\"window_start\":1700000000000,\"window_end\":1700000005000,"
		  "\"role\":\"server\",\"method\":\"GET\",\"path\":\"/ok\",\"status\":200,"
		  "\"peer\":\"127.0.0.1\",\"count\":3,"
		  "\"duration_ms\":{\"count\":3,\"sum\":7002.624,\"min\":0.123,\"max\":7000.001,"
		  "\"bounds\":[1,5,10,25,50,100,250,500,1000,2500,5000],"
		  "\"counts\":[1,1,0,0,0,0,0,0,0,0,0,1]},"
		  "\"request_body_bytes\":{\"count\":3,\"sum\":250,\"min\":0,\"max\":150,"
		  "\"bounds\":[100,1000,10000,100000,1000000],\"counts\":[2,1,0,0,0,0]},"
		  "\"traced\":1,\"spanned\":0,\"path_truncated\":false,\"overflow\":false}\n");
	free(line);
	line = line_copy(&o, 1);
	assert_string_equal(
	    line, "{\"type\":\"http\",\"window_start\":1700000000000,\"window_end\":1700000005000,"
		  "\"role\":\"client\",\"method\":\"POST\",\"path\":\"/api/v1\",\"status\":503,"
		  "\"peer\":\"2001:db8::1\",\"count\":1,"
		  "\"duration_ms\":{\"count\":1,\"sum\":1.000,\"min\":1.000,\"max\":1.000,"
		  "\"bounds\":[1,5,10,25,50,100,250,500,1000,2500,5000],"
		  "\"counts\":[1,0,0,0,0,0,0,0,0,0,0,0]},"
		  "\"request_body_bytes\":{\"count\":1,\"sum\":2000000,\"min\":2000000,"
		  "\"max\":2000000,\"bounds\":[100,1000,10000,100000,1000000],"
		  "\"counts\":[0,0,0,0,0,1]},"
		  "\"traced\":0,\"spanned\":0,\"path_truncated\":false,\"overflow\":false}\n");
	free(line);
	assert_line_has(&o, 2, "\"method\":\"_OTHER\",\"path\":\"/api/v1\"");
	assert_line_has(&o, 2, "\"peer\":\"10.1.2.3\"");
	assert_line_has(&o, 3, "{\"type\":\"stats\",");
	free(o.text);
	window_done(&w);
}

/* HTTP/2 and gRPC lines say what they are; what could not be decoded is flagged, empty. */
static void test_http2_and_grpc_lines(void **state)
{
	struct se_window w;
	struct se_kernel_window kw = { 0 };
	struct output o;
	struct se_http_request r = http_req(SE_ROLE_SERVER, SE_HTTP_GET, 200, "/h2", 3);

	(void)state;
	window_with(&w, NULL, 0);
	r.protocol = SE_HTTP_PROTO_2;
	add_req(&w, &r);
	r = http_req(SE_ROLE_CLIENT, SE_HTTP_POST, 200, "/demo.Echo/Missing", 18);
	r.protocol = SE_HTTP_PROTO_GRPC;
	r.grpc_status = 5;
	add_req(&w, &r);
	r = http_req(SE_ROLE_CLIENT, SE_HTTP_OTHER, 0, "", 0);
	r.protocol = SE_HTTP_PROTO_GRPC;
	r.grpc_status = SE_GRPC_STATUS_NONE;
	r.fields_unknown = true;
	add_req(&w, &r);

	assert_int_equal(do_export(&o, false, &w, &kw, 0), 0);
	assert_int_equal(o.nlines, 4);
	assert_line_has(&o, 0,
			"\"role\":\"server\",\"protocol\":\"http2\",\"method\":\"GET\","
			"\"path\":\"/h2\",\"status\":200,\"peer\"");
	assert_line_has(&o, 1,
			"\"role\":\"client\",\"protocol\":\"grpc\",\"method\":\"POST\","
			"\"path\":\"/demo.Echo/Missing\",\"status\":200,\"grpc_status\":5,"
			"\"peer\"");
	assert_line_has(&o, 2,
			"\"protocol\":\"grpc\",\"method\":\"_OTHER\",\"path\":\"\","
			"\"status\":0,\"fields_unknown\":true,\"peer\"");
	free(o.text);
	window_done(&w);
}

static void test_http_overflow_and_empty(void **state)
{
	struct se_window w;
	struct se_kernel_window kw = { 0 };
	struct output o;
	struct se_http_request r;
	char path[32];
	char *line;

	se_window_init(&w, START_MS * SE_NS_PER_MS, END_MS * SE_NS_PER_MS, 4); /* 1 ordinary */
	for (unsigned int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/p%u", i);
		r = http_req(SE_ROLE_SERVER, SE_HTTP_GET, 200, path, strlen(path));
		r.end_ns = r.start_ns + 5 * SE_NS_PER_MS;
		add_req(&w, &r);
	}
	assert_int_equal(se_http_part(w.parts)->http.n, 2);
	assert_int_equal(do_export(&o, false, &w, &kw, 0), 0);
	assert_int_equal(o.nlines, 3);
	line = line_copy(&o, 1);
	assert_string_equal(
	    line, "{\"type\":\"http\",\"window_start\":1700000000000,\"window_end\":1700000005000,"
		  "\"role\":\"server\",\"method\":\"_OTHER\",\"path\":\"_overflow\",\"status\":0,"
		  "\"peer\":\"\",\"count\":2,"
		  "\"duration_ms\":{\"count\":2,\"sum\":10.000,\"min\":5.000,\"max\":5.000,"
		  "\"bounds\":[1,5,10,25,50,100,250,500,1000,2500,5000],"
		  "\"counts\":[0,2,0,0,0,0,0,0,0,0,0,0]},"
		  "\"request_body_bytes\":{\"count\":2,\"sum\":0,\"min\":0,\"max\":0,"
		  "\"bounds\":[100,1000,10000,100000,1000000],\"counts\":[2,0,0,0,0,0]},"
		  "\"traced\":0,\"spanned\":0,\"path_truncated\":false,\"overflow\":true}\n");
	free(line);
	free(o.text);

	/* A group whose histograms are empty prints min and max as 0, whatever they hold. */
	se_http_part(w.parts)->http.groups[0].duration.count = 0;
	se_http_part(w.parts)->http.groups[0].duration.min = 77;
	se_http_part(w.parts)->http.groups[0].duration.max = 88;
	se_http_part(w.parts)->http.groups[0].duration.sum = 0;
	assert_int_equal(do_export(&o, false, &w, &kw, 0), 0);
	assert_line_has(&o, 0,
			"\"duration_ms\":{\"count\":0,\"sum\":0.000,\"min\":0.000,"
			"\"max\":0.000,");
	free(o.text);
	window_done(&w);
}

static void test_duration_rounding(void **state)
{
	static const struct {
		uint64_t ns;
		const char *text;
	} cases[] = {
		{ 0, "\"sum\":0.000," },
		{ 1, "\"sum\":0.000," },
		{ 499, "\"sum\":0.000," },
		{ 500, "\"sum\":0.001," },
		{ 123456, "\"sum\":0.123," },
		{ 123500, "\"sum\":0.124," },
		{ 999999, "\"sum\":1.000," },
		{ 1000000, "\"sum\":1.000," },
		{ 1000000000, "\"sum\":1000.000," },
		{ 12345678901, "\"sum\":12345.679," },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct se_window w;
		struct se_kernel_window kw = { 0 };
		struct output o;
		struct se_http_request r = http_req(SE_ROLE_SERVER, SE_HTTP_GET, 200, "/", 1);

		window_with(&w, NULL, 0);
		r.end_ns = r.start_ns + cases[i].ns;
		add_req(&w, &r);
		assert_int_equal(do_export(&o, false, &w, &kw, 0), 0);
		assert_line_has(&o, 0, cases[i].text);
		free(o.text);
		window_done(&w);
	}
}

/* ---- hostile paths --------------------------------------------------------------------------- */

#define R "\\ufffd" /* one replaced byte, as written */

static const struct {
	const char *in;
	size_t len;
	const char *json; /* the path as written, quotes included */
} hostile[] = {
	{ "/a\"b", 4, "\"/a\\\"b\"" },
	{ "/a\\b", 4, "\"/a\\\\b\"" },
	{ "/\"\\\"\\", 5, "\"/\\\"\\\\\\\"\\\\\"" },
	{ "/\n\r\t\b\f", 6, "\"/\\n\\r\\t\\b\\f\"" },
	{ "\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"" },
	{ "/a\0b", 4, "\"/a\\u0000b\"" },
	{ "/</script>", 10, "\"/</script>\"" },
	/* valid UTF-8 passes: 2, 3, 4 bytes; the extremes of each range */
	{ "/\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e", 10,
	  "\"/\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e\"" },
	{ "\xc2\x80\xdf\xbf", 4, "\"\xc2\x80\xdf\xbf\"" },
	{ "\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf", 12,
	  "\"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\"" },
	{ "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 8, "\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"" },
	/* overlong forms */
	{ "/\xc0\xaf", 3, "\"/" R R "\"" },
	{ "\xc1\xbf", 2, "\"" R R "\"" },
	{ "\xe0\x80\xaf", 3, "\"" R R R "\"" },
	{ "\xe0\x9f\xbf", 3, "\"" R R R "\"" },
	{ "\xf0\x80\x80\xaf", 4, "\"" R R R R "\"" },
	{ "\xf0\x8f\xbf\xbf", 4, "\"" R R R R "\"" },
	/* surrogates */
	{ "\xed\xa0\x80", 3, "\"" R R R "\"" },
	{ "\xed\xbf\xbf", 3, "\"" R R R "\"" },
	{ "\xed\xa0\xbd\xed\xb2\xa9", 6, "\"" R R R R R R "\"" }, /* CESU-8 pair */
	/* past U+10FFFF, bytes that never occur */
	{ "\xf4\x90\x80\x80", 4, "\"" R R R R "\"" },
	{ "\xf5\x80\x80\x80", 4, "\"" R R R R "\"" },
	{ "\xf8\x88\x80\x80\x80", 5, "\"" R R R R R "\"" },
	{ "\xfe\xff", 2, "\"" R R "\"" },
	/* stray continuation bytes, sequences cut short (at the end, and before ASCII) */
	{ "/\x80\xbf", 3, "\"/" R R "\"" },
	{ "/\xe2\x82", 3, "\"/" R R "\"" },
	{ "/\xe2\x82"
	  "A",
	  4, "\"/" R R "A\"" },
	{ "\xf0\x9f\x98", 3, "\"" R R R "\"" },
	{ "\xc3", 1, "\"" R "\"" },
	{ "\xc3\xc3\xa9", 3, "\"" R "\xc3\xa9\"" },
	/* the replacement character itself, as sent, is valid and passes */
	{ "\xef\xbf\xbd", 3, "\"\xef\xbf\xbd\"" },
};

#undef R

/* The path of the line's HTTP group, decoded, compared with the sanitised input. */
static void check_path(const char *line, const uint8_t *in, size_t len)
{
	const char *p = strstr(line, "\"path\":");
	uint8_t *want = malloc(3 * len + 1), *got = malloc(6 * len + 16);
	size_t nwant, ngot;

	assert_non_null(p);
	assert_non_null(want);
	assert_non_null(got);
	nwant = ref_sanitize(in, len, want);
	ngot = json_decode_string(p + strlen("\"path\":"), got, 6 * len + 16);
	assert_int_equal(ngot, nwant);
	assert_memory_equal(got, want, nwant);
	free(want);
	free(got);
}

static void test_hostile_paths(void **state)
{
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		struct se_window w;
		struct se_kernel_window kw = { 0 };
		struct output o;
		struct se_http_request r;
		char *copy = malloc(hostile[i].len); /* exact size: ASan sees any over-read */
		char frag[256];

		assert_non_null(copy);
		memcpy(copy, hostile[i].in, hostile[i].len);
		r = http_req(SE_ROLE_SERVER, SE_HTTP_GET, 200, copy, hostile[i].len);
		window_with(&w, NULL, 0);
		add_req(&w, &r);
		assert_int_equal(do_export(&o, false, &w, &kw, 0), 0);
		assert_int_equal(o.nlines, 2);
		snprintf(frag, sizeof(frag), "\"path\":%s,\"status\":200,", hostile[i].json);
		assert_line_has(&o, 0, frag);
		check_path(o.lines[0], (const uint8_t *)copy, hostile[i].len);
		free(o.text);
		free(copy);
		window_done(&w);
	}
}

/* Paths past SE_HTTP_PATH_MAX: cut, flagged, still escaped; a character split by the cut
 * becomes replacement characters. */
static void test_long_paths(void **state)
{
	enum { LEN = 1000 };
	struct se_window w;
	struct se_kernel_window kw = { 0 };
	struct output o;
	struct se_http_request r;
	char *path = malloc(LEN);

	assert_non_null(path);
	window_with(&w, NULL, 0);
	/* 1: quotes and backslashes all along, cut in the middle of them */
	for (size_t i = 0; i < LEN; i++)
		path[i] = "\"\\\x01/"[i % 4];
	r = http_req(SE_ROLE_SERVER, SE_HTTP_GET, 200, path, LEN);
	add_req(&w, &r);
	/* 2: 254 bytes then "é": the cut leaves half of it */
	r.status = 201;
	memset(path + 500, 'a', 254);
	memcpy(path + 754, "\xc3\xa9", 2);
	r.path = path + 500;
	r.path_len = 256;
	add_req(&w, &r);
	/* 3: exactly SE_HTTP_PATH_MAX bytes (ending in half of the "é"): whole, not cut */
	r.status = 202;
	r.path_len = SE_HTTP_PATH_MAX;
	add_req(&w, &r);
	assert_int_equal(do_export(&o, false, &w, &kw, 0), 0);
	assert_int_equal(o.nlines, 4);
	assert_line_has(&o, 0, "\"path_truncated\":true");
	check_path(o.lines[0], (const uint8_t *)path, SE_HTTP_PATH_MAX);
	assert_line_has(&o, 0, "\"path\":\"\\\"\\\\\\u0001/\\\"\\\\\\u0001/");
	assert_line_has(&o, 1, "\"path_truncated\":true");
	assert_line_has(&o, 1, "aaaa\\ufffd\",\"status\":201,");
	check_path(o.lines[1], (const uint8_t *)path + 500, SE_HTTP_PATH_MAX);
	assert_line_has(&o, 2, "\"path_truncated\":false");
	assert_line_has(&o, 2, "aaaa\\ufffd\",\"status\":202,"); /* the half character */
	check_path(o.lines[2], (const uint8_t *)path + 500, SE_HTTP_PATH_MAX);
	free(o.text);
	free(path);
	window_done(&w);
}

/* se_json_write_string on its own: every prefix of a tricky string (so every cut of every
 * sequence), then many random strings, each in a buffer of exactly its size. */
static void check_json_string(const uint8_t *in, size_t len)
{
	char *text = NULL, *copy = len ? malloc(len) : NULL;
	size_t tlen = 0;
	FILE *f = open_memstream(&text, &tlen);
	uint8_t *want = malloc(3 * len + 1), *got = malloc(6 * len + 3);
	size_t nwant, ngot;

	assert_non_null(f);
	if (len)
		memcpy(copy, in, len);
	se_json_write_string(f, copy, len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(strlen(text), tlen);
	assert_ptr_equal(json_string(text), text + tlen);
	assert_valid_utf8(text, tlen);
	nwant = ref_sanitize(in, len, want);
	ngot = json_decode_string(text, got, 6 * len + 3);
	assert_int_equal(ngot, nwant);
	assert_memory_equal(got, want, nwant);
	free(text);
	free(copy);
	free(want);
	free(got);
}

static void test_json_string(void **state)
{
	static const uint8_t tricky[] = "/\xf0\x9d\x84\x9e\xe2\x82\xac\xc3\xa9\"\\\x7f\xed\xa0\x80"
					"\xf4\x90\x80\x80\xe0\x80\xaf\xc0\xaf\x80\xff\n";
	uint64_t x = 0x9e3779b97f4a7c15ull;
	char *text = NULL;
	size_t tlen = 0;
	FILE *f;

	f = open_memstream(&text, &tlen);
	assert_non_null(f);
	se_json_write_string(f, NULL, 0);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(text, "\"\"");
	free(text);

	for (size_t len = 0; len < sizeof(tricky) - 1; len++)
		check_json_string(tricky, len);
	for (unsigned int n = 0; n < 20000; n++) {
		uint8_t buf[24];
		size_t len;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		len = x % sizeof(buf);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* mostly high bytes and continuation bytes, where the cases are */
			buf[i] = (uint8_t)(x & 1 ? 0x80 | (x >> 8) : x >> 8);
		}
		check_json_string(buf, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_addr),
		cmocka_unit_test(test_format_widest_endpoint),
		cmocka_unit_test(test_dns_lines),
		cmocka_unit_test(test_http2_and_grpc_lines),
		cmocka_unit_test(test_conn_lines),
		cmocka_unit_test(test_no_conn_lines_without_flag),
		cmocka_unit_test(test_stats_line),
		cmocka_unit_test(test_stats_gauges),
		cmocka_unit_test(test_http_line_exact),
		cmocka_unit_test(test_http_overflow_and_empty),
		cmocka_unit_test(test_duration_rounding),
		cmocka_unit_test(test_hostile_paths),
		cmocka_unit_test(test_long_paths),
		cmocka_unit_test(test_json_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the stdout exporter (src/export/stdout.c): address formatting (IPv4, IPv6,
 * v4-mapped IPv6 shown as IPv4) and the JSON lines of a window written to a memory stream.
 * Every line must be one well-formed JSON object (checked by a small validator below, since
 * the lines are the contract of design.md section 4), carry the keys users rely on, and put
 * exactly the loss counters under "dropped".
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

#include "sockeye/clock.h"
#include "sockeye/export_stdout.h"
#include "sockeye/probe.h"

/* Window bounds used throughout: ms values a reader can recognise in the output. */
#define START_MS 1700000000000ull
#define END_MS 1700000005000ull

/* ---- a minimal JSON validator (objects, arrays, strings, numbers, literals) -------------- */

static const char *json_value(const char *p);

static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p && *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\' && !*++p)
			return NULL;
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

/* One JSON object, then exactly the newline. */
static void assert_json_line(const char *line, size_t len)
{
	char *copy = strndup(line, len);
	const char *end;

	assert_non_null(copy);
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
	const char *lines[8];
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
		assert_true(o->nlines < 8);
		assert_json_line(p, (size_t)(nl - p + 1));
		o->lines[o->nlines++] = p;
		p = nl + 1;
	}
	return ret;
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
	se_window_init(w, START_MS * SE_NS_PER_MS + 123, END_MS * SE_NS_PER_MS + 999999);
	w->conns = recs;
	w->nconns = n;
	w->cap = n;
	w->shards = 3;
}

/* ---- address formatting ------------------------------------------------------------------- */

static void assert_addr(uint16_t family, const char *in, const char *expect)
{
	uint8_t addr[16];
	char buf[INET6_ADDRSTRLEN];

	if (family == AF_INET) {
		set_v4(addr, in);
		memset(addr + 4, 0xee, 12); /* only the first 4 bytes are IPv4 */
	} else {
		set_v6(addr, in);
	}
	memset(buf, 'x', sizeof(buf));
	se_stdout_format_addr(family, addr, buf, sizeof(buf));
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
	recs[0].family = AF_INET;
	set_v4(recs[0].local_addr, "127.0.0.1");
	set_v4(recs[0].peer_addr, "127.0.0.2");
	recs[0].local_port = 8080;
	recs[0].peer_port = 54321;
	recs[0].dir[SE_DIR_IN].bytes = 100;
	recs[0].dir[SE_DIR_IN].events = 2;
	recs[0].dir[SE_DIR_IN].captured = 90;
	recs[0].dir[SE_DIR_OUT].bytes = 300;
	recs[0].dir[SE_DIR_OUT].events = 3;
	recs[0].digest[SE_DIR_IN] = 0x0123456789abcdefull;
	recs[0].digest[SE_DIR_OUT] = 0xabcull;

	recs[1].id = 78;
	recs[1].role = SE_ROLE_CLIENT;
	recs[1].family = AF_INET6;
	set_v6(recs[1].local_addr, "::1");
	set_v6(recs[1].peer_addr, "2001:db8::1");
	recs[1].local_port = 8080;
	recs[1].peer_port = 443;

	recs[2].id = 79;
	recs[2].role = SE_ROLE_UNKNOWN;
	recs[2].family = AF_INET6;
	set_v6(recs[2].local_addr, "::ffff:127.0.0.1");
	set_v6(recs[2].peer_addr, "::ffff:192.168.1.9");
	recs[2].local_port = 8080;
	recs[2].peer_port = 65535;

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
	assert_line_has(&o, 0, "\"conn_id\":77");

	assert_line_has(&o, 1, "\"role\":\"client\"");
	assert_line_has(&o, 1, "\"local\":\"[::1]:8080\"");
	assert_line_has(&o, 1, "\"peer\":\"[2001:db8::1]:443\"");
	assert_line_has(&o, 1, "\"conn_id\":78");

	assert_line_has(&o, 2, "\"role\":\"unknown\"");
	assert_line_has(&o, 2, "\"local\":\"127.0.0.1:8080\"");
	assert_line_has(&o, 2, "\"peer\":\"192.168.1.9:65535\"");

	assert_line_has(&o, 3, "{\"type\":\"stats\",");
	free(o.text);
}

static void test_no_conn_lines_without_flag(void **state)
{
	struct se_conn_record rec;
	struct se_window w;
	struct se_kernel_window kw = { 0 };
	struct output o;

	memset(&rec, 0, sizeof(rec));
	rec.family = AF_INET;
	rec.role = SE_ROLE_SERVER;
	window_with(&w, &rec, 1);
	assert_int_equal(do_export(&o, false, &w, &kw, 0), 0);
	assert_int_equal(o.nlines, 1);
	assert_line_has(&o, 0, "{\"type\":\"stats\",");
	assert_null(strstr(o.text, "\"conn\""));
	free(o.text);

	/* With the flag but no active connection: the stats line alone. */
	window_with(&w, NULL, 0);
	assert_int_equal(do_export(&o, true, &w, &kw, 0), 0);
	assert_int_equal(o.nlines, 1);
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
	free(o.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_addr),
		cmocka_unit_test(test_conn_lines),
		cmocka_unit_test(test_no_conn_lines_without_flag),
		cmocka_unit_test(test_stats_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

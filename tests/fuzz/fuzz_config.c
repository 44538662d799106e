// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target for what sockeye parses from its environment and from a collector's
 * answers: the OTEL_* variables (se_config_apply_env, src/config/env.c) with a fake getenv,
 * OTLP headers (se_config_parse_header), percent-decoding (src/util/percent.c), Retry-After
 * (se_otlp_parse_retry_after, src/sinks/otlp/otlp_http.c, through libcurl's curl_getdate), the
 * OTLP resource from OTEL_RESOURCE_ATTRIBUTES and friends (src/sinks/otlp_resource.c, then
 * encoded as the exporters do), and the flag value parsers (sizes, numbers, port lists).
 *
 * Invariants checked, aborting on the first violation:
 *  - outputs stay within their buffers (each is a heap block of exactly its size) and are
 *    NUL-terminated;
 *  - a header accepted is "Name: value" with Name a non-empty HTTP token (the input's name,
 *    trimmed) and value the input's (leading blanks trimmed), and holds no CR or LF;
 *  - percent-decoding succeeds exactly when a reference decoder does and the result fits,
 *    with the same bytes;
 *  - the variables applied leave an http(s) endpoint or none, valid headers, a timeout in
 *    range and the stdout fallback right; an error names its variable and never echoes a
 *    header (values are secrets);
 *  - Retry-After is -1 or a number of seconds;
 *  - the resource holds 1 to SE_OTLP_RESOURCE_MAX attributes, service.name among them, keys
 *    distinct and non-empty, every key and value valid UTF-8 within its buffer; its OTLP
 *    message unpacks and every string in it is valid UTF-8;
 *  - a number parsed lies within its bounds; a port list never holds port 0, and a rejected
 *    one leaves the bitmap as it was.
 * The same file builds the libFuzzer binary and, with replay_main.c, the corpus replayer.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "opentelemetry/proto/resource/v1/resource.pb-c.h"
#include "config/config.h"
#include "util/otlp_build.h"
#include "sinks/otlp/otlp_http.h"
#include "sinks/otlp_resource.h"
#include "util/percent.h"

/*
 * Input layout:
 *   u8  set     bit i: variable i of vars[] is set (else getenv gives NULL), i = 0..7
 *   u8  more    bit 0: POD_NAMESPACE is set; bit 1: a host name is given; bits 2-4: the
 *               SE_GIVEN_* flags given on the command line; bit 5: --otlp-endpoint was given;
 *               bit 6: an --otlp-header was given; bit 7: --stdout was given
 *   u8  cap     buffer size for the direct percent-decode and header calls: cap + 1 bytes
 *   u32 now     (little-endian) the current time, for Retry-After dates
 *   then fields separated by NUL bytes: the values of vars[] in order, the host name, then
 *   any number more; every field also goes through each parser directly.
 */
#define HDR_SIZE    7
#define FIELDS_MAX  64
#define ERR_LEN	    256
#define FLAG_HEADER "X-Given=by-flag"

static const char *const vars[] = {
	"OTEL_EXPORTER_OTLP_ENDPOINT",
	"OTEL_EXPORTER_OTLP_HEADERS",
	"OTEL_EXPORTER_OTLP_COMPRESSION",
	"OTEL_EXPORTER_OTLP_TIMEOUT",
	"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
	"OTEL_RESOURCE_ATTRIBUTES",
	"OTEL_SERVICE_NAME",
	"POD_NAME",
	"POD_NAMESPACE",
};
#define NVARS	   (sizeof(vars) / sizeof(vars[0]))
#define HOST_FIELD NVARS

static char *fields[FIELDS_MAX];
static size_t nfields;
static bool var_set[NVARS];

static const char *fake_getenv(const char *name)
{
	for (size_t i = 0; i < NVARS; i++)
		if (!strcmp(name, vars[i]))
			return var_set[i] && i < nfields ? fields[i] : NULL;
	return NULL;
}

static bool is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* An accepted header, as libcurl will send it: "Name: value", no CR or LF anywhere. */
static void check_header(const char *h, size_t cap)
{
	size_t len = strnlen(h, cap);
	const char *colon;

	CHECK(len < cap);
	CHECK(!memchr(h, '\r', len) && !memchr(h, '\n', len));
	colon = strstr(h, ": ");
	CHECK(colon && colon > h);
	for (const char *p = h; p < colon; p++)
		CHECK(is_tchar((unsigned char)*p));
}

/* se_config_parse_header against what the input said. */
static void check_parse_header(const char *s, size_t cap)
{
	char *out = malloc(cap);
	const char *eq = strchr(s, '='), *name = s, *name_end, *value;

	CHECK(out);
	if (se_config_parse_header(s, out, cap)) {
		free(out);
		return;
	}
	check_header(out, cap);
	CHECK(eq);
	while (is_blank((unsigned char)*name))
		name++;
	name_end = eq;
	while (name_end > name && is_blank((unsigned char)name_end[-1]))
		name_end--;
	for (value = eq + 1; is_blank((unsigned char)*value);)
		value++;
	CHECK((size_t)(strstr(out, ": ") - out) == (size_t)(name_end - name));
	CHECK(!memcmp(out, name, (size_t)(name_end - name)));
	CHECK(!strcmp(out + (name_end - name) + 2, value));
	free(out);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* se_percent_decode against a reference decoder, with an output of exactly cap bytes. */
static void check_percent(const char *s, size_t n, size_t cap)
{
	char *out = malloc(cap ? cap : 1), *ref = malloc(n + 1);
	size_t len = 0;
	bool ok = true;
	int ret;

	CHECK(out && ref);
	for (size_t i = 0; i < n && ok; i++) {
		if (s[i] != '%') {
			ref[len++] = s[i];
		} else if (i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			ref[len++] = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
			i += 2;
		} else {
			ok = false;
		}
	}
	ret = se_percent_decode(s, n, out, cap);
	if (ok && len < cap) {
		CHECK(ret == 0);
		CHECK(!memcmp(out, ref, len) && out[len] == '\0');
	} else {
		CHECK(ret == -EINVAL);
	}
	free(out);
	free(ref);
}

static void check_numbers(const char *s)
{
	uint64_t bitmap[SE_PORT_BITMAP_WORDS], size;
	unsigned long long v;
	bool any = false;

	if (!se_config_parse_uint(s, 1, 300000, &v))
		CHECK(v >= 1 && v <= 300000);
	se_config_parse_uint(s, 0, ULLONG_MAX, &v);
	se_config_parse_size(s, &size);
	memset(bitmap, 0xa5, sizeof(bitmap));
	if (se_config_parse_ports(s, bitmap)) {
		for (size_t i = 0; i < SE_PORT_BITMAP_WORDS; i++)
			CHECK(bitmap[i] == 0xa5a5a5a5a5a5a5a5ull);
		return;
	}
	CHECK(!(bitmap[0] & 1));
	for (size_t i = 0; i < SE_PORT_BITMAP_WORDS; i++)
		any |= bitmap[i] != 0;
	CHECK(any);
}

static void check_env(uint8_t more)
{
	struct se_config cfg;
	char err[ERR_LEN];
	bool endpoint_flag = more & 0x20;
	int ret;

	se_config_defaults(&cfg);
	cfg.flags_given = (more >> 2) & 7;
	if (endpoint_flag)
		strcpy(cfg.otlp_endpoint, "http://flag:4318");
	if (more & 0x40)
		CHECK(se_config_add_header(&cfg, FLAG_HEADER) == 0);
	cfg.out_stdout_explicit = more & 0x80;
	memset(err, 0xa5, sizeof(err));
	err[0] = '\0';
	ret = se_config_apply_env(&cfg, fake_getenv, err, sizeof(err));
	if (ret) {
		CHECK(ret == -EINVAL);
		CHECK(strnlen(err, sizeof(err)) < sizeof(err) && !strncmp(err, "OTEL_", 5));
		if (!strncmp(err, "OTEL_EXPORTER_OTLP_HEADERS", 26))
			CHECK(!strchr(err, '\'')); /* no value quoted */
		return;
	}
	CHECK(strnlen(cfg.otlp_endpoint, sizeof(cfg.otlp_endpoint)) < sizeof(cfg.otlp_endpoint));
	CHECK(!cfg.otlp_endpoint[0] || !strncmp(cfg.otlp_endpoint, "http://", 7) ||
	      !strncmp(cfg.otlp_endpoint, "https://", 8));
	if (endpoint_flag)
		CHECK(!strcmp(cfg.otlp_endpoint, "http://flag:4318"));
	CHECK(cfg.otlp_nheaders <= SE_OTLP_HEADERS_MAX);
	for (unsigned int i = 0; i < cfg.otlp_nheaders; i++)
		check_header(cfg.otlp_headers[i], SE_OTLP_HEADER_MAX);
	if (more & 0x40)
		CHECK(cfg.otlp_nheaders >= 1 && !strcmp(cfg.otlp_headers[0], "X-Given: by-flag"));
	CHECK(cfg.otlp_timeout_s >= 1 && cfg.otlp_timeout_s <= 300);
	CHECK(cfg.out_stdout == (cfg.out_stdout_explicit || !cfg.otlp_endpoint[0]));
}

static void check_resource(const char *host)
{
	struct se_otlp_resource r;
	struct se_arena a;
	Opentelemetry__Proto__Resource__V1__Resource *msg, *back;
	uint8_t *buf = NULL;
	size_t len = 0;

	memset(&r, 0xa5, sizeof(r));
	se_otlp_resource_init(&r, fake_getenv, host, 4242);
	CHECK(r.n >= 1 && r.n <= SE_OTLP_RESOURCE_MAX);
	CHECK(se_otlp_resource_get(&r, "service.name"));
	for (uint32_t i = 0; i < r.n; i++) {
		size_t kn = strnlen(r.attrs[i].key, SE_OTLP_RESOURCE_KEY_MAX);
		size_t vn = strnlen(r.attrs[i].value, SE_OTLP_RESOURCE_VALUE_MAX);

		CHECK(kn > 0 && kn < SE_OTLP_RESOURCE_KEY_MAX && vn < SE_OTLP_RESOURCE_VALUE_MAX);
		CHECK(fuzz_utf8_valid((const uint8_t *)r.attrs[i].key, kn));
		CHECK(fuzz_utf8_valid((const uint8_t *)r.attrs[i].value, vn));
		for (uint32_t k = 0; k < i; k++)
			CHECK(strcmp(r.attrs[k].key, r.attrs[i].key));
	}

	se_arena_init(&a);
	msg = se_otlp_resource_msg(&a, &r);
	CHECK(msg);
	CHECK(se_otlp_pack(&a, &msg->base, &buf, &len) == 0);
	se_arena_fini(&a);
	back = opentelemetry__proto__resource__v1__resource__unpack(NULL, len, buf);
	CHECK(back && back->n_attributes == r.n + 1); /* and process.pid */
	CHECK(fuzz_pb_strings_valid(&back->base));
	opentelemetry__proto__resource__v1__resource__free_unpacked(back, NULL);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p, *end = data + size;
	size_t cap;
	int64_t now;
	uint8_t more;

	if (size < HDR_SIZE)
		return 0;
	for (size_t i = 0; i < NVARS; i++)
		var_set[i] = i < 8 ? (data[0] >> i) & 1 : data[1] & 1;
	more = data[1];
	cap = (size_t)data[2] + 1;
	now = (int64_t)data[3] | (int64_t)data[4] << 8 | (int64_t)data[5] << 16 |
	      (int64_t)data[6] << 24;

	/* Fields: NUL-separated, each in a heap block of exactly its size. */
	nfields = 0;
	for (p = data + HDR_SIZE; p <= end && nfields < FIELDS_MAX;) {
		const uint8_t *nul = memchr(p, '\0', (size_t)(end - p));
		size_t n = nul ? (size_t)(nul - p) : (size_t)(end - p);

		fields[nfields] = malloc(n + 1);
		CHECK(fields[nfields]);
		memcpy(fields[nfields], p, n);
		fields[nfields++][n] = '\0';
		if (!nul)
			break;
		p = nul + 1;
	}

	for (size_t i = 0; i < nfields; i++) {
		const char *s = fields[i];
		long ra;

		check_parse_header(s, cap);
		check_parse_header(s, SE_OTLP_HEADER_MAX);
		check_percent(s, strlen(s), cap);
		check_percent(s, strlen(s), 0);
		ra = se_otlp_parse_retry_after(s, now);
		CHECK(ra >= -1);
		check_numbers(s);
	}
	check_env(more);
	check_resource((more & 2) && nfields > HOST_FIELD ? fields[HOST_FIELD] : NULL);

	for (size_t i = 0; i < nfields; i++)
		free(fields[i]);
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the OTLP headers and the OpenTelemetry environment variables
 * (src/config/env.c), with a fake environment: headers are HTTP tokens "Name=value" turned
 * into "Name: value" (blanks around the name and before the value dropped; CR or LF, a bad
 * name, or no room rejected); a header already given (by a flag) wins over a later one of the
 * same name, whatever its case, and the 17th is -ENOSPC. Each OTEL_EXPORTER_OTLP_* variable
 * fills only what no flag set, a bad value is -EINVAL with a one-line message naming the
 * variable, and stdout stays the output only when neither --stdout nor an endpoint was given.
 * An endpoint's user:password is never echoed in an error. The lines of an
 * --otlp-headers-file ("Name: value" or "Name=value", comments, blank lines, CRLF) become the
 * same headers, a bad line is named by its number. The TLS variables fill each signal's files
 * (the per-signal form first, then the generic one) where no flag set them; with an endpoint,
 * a file that cannot be read is an error naming the flag or variable and the path, and so is
 * a client key without a client certificate.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_env.h"
#include "config/config.h"

/* ---- fake environment ----------------------------------------------------------------- */

static char err[256];

static int reset_env(void **state)
{
	nenv = 0;
	memset(err, 0, sizeof(err));
	return 0;
}

/* se_config_apply_env on cfg; err is filled with 'x' first so a missing message shows. */
static int apply(struct se_config *cfg)
{
	memset(err, 'x', sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
	return se_config_apply_env(cfg, fake_getenv, err, sizeof(err));
}

static void assert_error_names(const char *var, const char *value)
{
	if (!strstr(err, var))
		fail_msg("error '%s' does not name %s", err, var);
	if (value && !strstr(err, value))
		fail_msg("error '%s' does not quote '%s'", err, value);
	assert_null(strchr(err, '\n'));
}

/* ---- se_config_parse_header -------------------------------------------------------------- */

static void assert_header(const char *in, const char *expect)
{
	char out[SE_OTLP_HEADER_MAX];

	memset(out, 0, sizeof(out));
	if (se_config_parse_header(in, out, sizeof(out)))
		fail_msg("'%s' rejected", in);
	assert_string_equal(out, expect);
}

static void assert_bad_header(const char *in)
{
	char out[SE_OTLP_HEADER_MAX];

	if (se_config_parse_header(in, out, sizeof(out)) != -EINVAL)
		fail_msg("'%s' accepted", in);
}

static void test_parse_header(void **state)
{
	char small[8];

	assert_header("Authorization=Bearer abc", "Authorization: Bearer abc");
	assert_header("x-api-key=k=v", "x-api-key: k=v"); /* the first '=' splits */
	assert_header("X-Empty=", "X-Empty: ");
	assert_header("  X-Tenant  =   t1", "X-Tenant: t1");
	assert_header("X-Tab\t=\tv", "X-Tab: v");
	assert_header("!#$%&'*+-.^_`|~09az=v", "!#$%&'*+-.^_`|~09az: v"); /* every tchar */
	assert_header("X=a b\tc", "X: a b\tc");				  /* inner blanks kept */

	assert_bad_header("");
	assert_bad_header("novalue");
	assert_bad_header("=v");
	assert_bad_header("   =v");
	assert_bad_header("X Y=v"); /* space in the name */
	assert_bad_header("X:Y=v"); /* colon in the name */
	assert_bad_header("X:=v");
	assert_bad_header("(X)=v"); /* separators are not tchars */
	assert_bad_header("X/Y=v");
	assert_bad_header("X\"=v");
	assert_bad_header("X=a\r\nInjected: 1");
	assert_bad_header("X=a\rb");
	assert_bad_header("X=a\nb");

	/* does not fit: "X: abcd" + NUL is 8 bytes, "X: abcde" 9 */
	assert_int_equal(se_config_parse_header("X=abcd", small, sizeof(small)), 0);
	assert_string_equal(small, "X: abcd");
	assert_int_equal(se_config_parse_header("X=abcde", small, sizeof(small)), -EINVAL);
}

/* ---- se_config_add_header ------------------------------------------------------------------ */

static void test_add_header(void **state)
{
	struct se_config cfg;
	char h[32];

	se_config_defaults(&cfg);
	assert_int_equal(se_config_add_header(&cfg, "Authorization=Bearer flag"), 0);
	assert_int_equal(se_config_add_header(&cfg, "X-Tenant=a"), 0);
	assert_int_equal(cfg.otlp_nheaders, 2);
	/* same name, any case: the first one stays, and nothing is added */
	assert_int_equal(se_config_add_header(&cfg, "authorization=Bearer env"), 0);
	assert_int_equal(se_config_add_header(&cfg, "AUTHORIZATION=x"), 0);
	assert_int_equal(se_config_add_header(&cfg, " x-tenant =b"), 0);
	assert_int_equal(cfg.otlp_nheaders, 2);
	assert_string_equal(cfg.otlp_headers[0], "Authorization: Bearer flag");
	assert_string_equal(cfg.otlp_headers[1], "X-Tenant: a");
	/* a name that only starts like another one is another header */
	assert_int_equal(se_config_add_header(&cfg, "X-Tenant-Id=7"), 0);
	assert_int_equal(se_config_add_header(&cfg, "X-Ten=8"), 0);
	assert_int_equal(cfg.otlp_nheaders, 4);
	assert_string_equal(cfg.otlp_headers[2], "X-Tenant-Id: 7");
	assert_string_equal(cfg.otlp_headers[3], "X-Ten: 8");
	/* bad ones add nothing */
	assert_int_equal(se_config_add_header(&cfg, "bad name=v"), -EINVAL);
	assert_int_equal(se_config_add_header(&cfg, "X-CRLF=a\r\nb"), -EINVAL);
	assert_int_equal(cfg.otlp_nheaders, 4);

	/* up to SE_OTLP_HEADERS_MAX, then -ENOSPC; a repeat of a known name is still fine */
	for (int i = 4; i < SE_OTLP_HEADERS_MAX; i++) {
		snprintf(h, sizeof(h), "X-H%d=%d", i, i);
		assert_int_equal(se_config_add_header(&cfg, h), 0);
	}
	assert_int_equal(cfg.otlp_nheaders, SE_OTLP_HEADERS_MAX);
	assert_int_equal(se_config_add_header(&cfg, "X-Seventeenth=1"), -ENOSPC);
	assert_int_equal(se_config_add_header(&cfg, "x-h15=again"), 0);
	assert_int_equal(se_config_add_header(&cfg, "bad name=v"), -EINVAL);
	assert_int_equal(cfg.otlp_nheaders, SE_OTLP_HEADERS_MAX);
	assert_string_equal(cfg.otlp_headers[15], "X-H15: 15");
}

/* ---- se_config_apply_env ---------------------------------------------------------------- */

/* No variable set: nothing changes but the output fallback. */
static void test_env_none(void **state)
{
	struct se_config cfg, def;

	se_config_defaults(&cfg);
	se_config_defaults(&def);
	assert_int_equal(apply(&cfg), 0);
	def.out_stdout = true;
	assert_memory_equal(&cfg, &def, sizeof(cfg));
}

static void test_env_endpoint(void **state)
{
	struct se_config cfg;

	se_config_defaults(&cfg);
	setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
	assert_int_equal(apply(&cfg), 0);
	assert_string_equal(cfg.otlp_endpoint, "http://collector:4318");
	assert_false(cfg.out_stdout); /* an endpoint replaces the stdout fallback */

	se_config_defaults(&cfg);
	nenv = 0;
	setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", "https://otlp.example.com/");
	assert_int_equal(apply(&cfg), 0);
	assert_string_equal(cfg.otlp_endpoint, "https://otlp.example.com/");

	/* --otlp-endpoint given: the variable is not even checked */
	se_config_defaults(&cfg);
	strcpy(cfg.otlp_endpoint, "http://flag:4318");
	nenv = 0;
	setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", "grpc://ignored");
	assert_int_equal(apply(&cfg), 0);
	assert_string_equal(cfg.otlp_endpoint, "http://flag:4318");

	/* an empty variable is no endpoint */
	se_config_defaults(&cfg);
	nenv = 0;
	setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", "");
	assert_int_equal(apply(&cfg), 0);
	assert_string_equal(cfg.otlp_endpoint, "");
	assert_true(cfg.out_stdout);
}

static void test_env_endpoint_bad(void **state)
{
	static const char *const bad[] = {
		"collector:4318", "ftp://collector", "http:/one-slash", "grpc://x", " http://lead",
	};
	static char long_url[SE_OTLP_ENDPOINT_MAX + 16];
	struct se_config cfg;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		se_config_defaults(&cfg);
		nenv = 0;
		setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", bad[i]);
		if (apply(&cfg) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_error_names("OTEL_EXPORTER_OTLP_ENDPOINT", bad[i]);
		assert_string_equal(cfg.otlp_endpoint, "");
	}

	/* the longest that fits is SE_OTLP_ENDPOINT_MAX - 1 bytes */
	memset(long_url, 'a', sizeof(long_url) - 1);
	memcpy(long_url, "http://", 7);
	long_url[SE_OTLP_ENDPOINT_MAX - 1] = '\0';
	se_config_defaults(&cfg);
	nenv = 0;
	setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", long_url);
	assert_int_equal(apply(&cfg), 0);
	assert_int_equal(strlen(cfg.otlp_endpoint), SE_OTLP_ENDPOINT_MAX - 1);
	long_url[SE_OTLP_ENDPOINT_MAX - 1] = 'a';
	long_url[SE_OTLP_ENDPOINT_MAX] = '\0';
	se_config_defaults(&cfg);
	assert_int_equal(apply(&cfg), -EINVAL);
	assert_error_names("OTEL_EXPORTER_OTLP_ENDPOINT", NULL);
	assert_string_equal(cfg.otlp_endpoint, "");
}

static void test_env_headers(void **state)
{
	struct se_config cfg;

	se_config_defaults(&cfg);
	setenv_fake("OTEL_EXPORTER_OTLP_HEADERS",
		    "api-key=secret%3D%3D,X-Scope=a%2Cb%20c, X-Tenant = t1 ,,x-flag=env");
	assert_int_equal(se_config_add_header(&cfg, "X-Flag=flag"), 0); /* as --otlp-header */
	assert_int_equal(apply(&cfg), 0);
	assert_int_equal(cfg.otlp_nheaders, 4);
	assert_string_equal(cfg.otlp_headers[0], "X-Flag: flag"); /* the flag wins */
	assert_string_equal(cfg.otlp_headers[1], "api-key: secret==");
	assert_string_equal(cfg.otlp_headers[2], "X-Scope: a,b c");
	/* blanks after a value are kept: only the name and the start of the value are trimmed */
	assert_string_equal(cfg.otlp_headers[3], "X-Tenant: t1 ");

	/* empty: nothing */
	se_config_defaults(&cfg);
	nenv = 0;
	setenv_fake("OTEL_EXPORTER_OTLP_HEADERS", "");
	assert_int_equal(apply(&cfg), 0);
	assert_int_equal(cfg.otlp_nheaders, 0);
}

static void test_env_headers_bad(void **state)
{
	static const struct {
		const char *list, *quoted;
	} bad[] = {
		{ "a=1,noequals", "noequals" },
		{ "a=1,=v", "=v" },
		{ "bad name=v", "bad name" },
		{ "X=%4", "OTEL_EXPORTER_OTLP_HEADERS" }, /* bad escapes */
		{ "X=%", "OTEL_EXPORTER_OTLP_HEADERS" },
		{ "X=%zz", "OTEL_EXPORTER_OTLP_HEADERS" },
		{ "X=%4g", "OTEL_EXPORTER_OTLP_HEADERS" },
	};
	struct se_config cfg;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		se_config_defaults(&cfg);
		nenv = 0;
		setenv_fake("OTEL_EXPORTER_OTLP_HEADERS", bad[i].list);
		if (apply(&cfg) != -EINVAL)
			fail_msg("'%s' accepted", bad[i].list);
		/* header values are secrets (tokens): the error never quotes them */
		assert_error_names("OTEL_EXPORTER_OTLP_HEADERS", NULL);
		if (strcmp(bad[i].quoted, "OTEL_EXPORTER_OTLP_HEADERS") &&
		    strstr(err, bad[i].quoted))
			fail_msg("error '%s' quotes '%s'", err, bad[i].quoted);
		for (unsigned int k = 0; k < cfg.otlp_nheaders; k++)
			assert_null(strpbrk(cfg.otlp_headers[k], "\r\n"));
	}
}

/*
 * CR or LF in a header value, raw or percent-encoded, are rejected (no header injection),
 * and the message stays one line: it must not quote the CR/LF.
 */
static void test_env_headers_crlf(void **state)
{
	static const char *const bad[] = { "X=a%0D%0AInjected: 1", "X=a%0Ab", "X=a%0db",
					   "X=a\r\nb" };
	struct se_config cfg;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		se_config_defaults(&cfg);
		nenv = 0;
		setenv_fake("OTEL_EXPORTER_OTLP_HEADERS", bad[i]);
		if (apply(&cfg) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(cfg.otlp_nheaders, 0);
		if (strpbrk(err, "\r\n"))
			fail_msg("error for '%s' is not one line: '%s'", bad[i], err);
		assert_error_names("OTEL_EXPORTER_OTLP_HEADERS", NULL);
	}
}

static void test_env_headers_too_many(void **state)
{
	static char list[64 * 20], entry[SE_OTLP_HEADER_MAX + 8];
	struct se_config cfg;
	size_t n = 0;

	for (int i = 0; i < SE_OTLP_HEADERS_MAX + 1; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%sX-H%d=%d", i ? "," : "", i, i);
	se_config_defaults(&cfg);
	setenv_fake("OTEL_EXPORTER_OTLP_HEADERS", list);
	assert_int_equal(apply(&cfg), -EINVAL);
	assert_error_names("OTEL_EXPORTER_OTLP_HEADERS", "more than 16");
	assert_null(strstr(err, "X-H16=16")); /* never quoted: values are secrets */
	assert_int_equal(cfg.otlp_nheaders, SE_OTLP_HEADERS_MAX);

	/* an entry longer than a header can be */
	memset(entry, 'v', sizeof(entry) - 1);
	entry[sizeof(entry) - 1] = '\0';
	memcpy(entry, "X=", 2);
	se_config_defaults(&cfg);
	nenv = 0;
	setenv_fake("OTEL_EXPORTER_OTLP_HEADERS", entry);
	assert_int_equal(apply(&cfg), -EINVAL);
	assert_error_names("OTEL_EXPORTER_OTLP_HEADERS", NULL);
	assert_null(strstr(err, "vvvv")); /* the value is a secret: not echoed */
	assert_int_equal(cfg.otlp_nheaders, 0);
}

static void test_env_compression(void **state)
{
	struct se_config cfg;

	se_config_defaults(&cfg);
	setenv_fake("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip");
	assert_int_equal(apply(&cfg), 0);
	assert_true(cfg.otlp_gzip);
	env[0].value = "none";
	cfg.otlp_gzip = true;
	assert_int_equal(apply(&cfg), 0);
	assert_false(cfg.otlp_gzip);
	env[0].value = "";
	cfg.otlp_gzip = true;
	assert_int_equal(apply(&cfg), 0);
	assert_true(cfg.otlp_gzip); /* empty: unset */

	static const char *const bad[] = { "GZIP", "deflate", "zstd", "gzip " };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		se_config_defaults(&cfg);
		env[0].value = bad[i];
		assert_int_equal(apply(&cfg), -EINVAL);
		assert_error_names("OTEL_EXPORTER_OTLP_COMPRESSION", bad[i]);
		assert_false(cfg.otlp_gzip);
	}

	/* --otlp-compression given: the variable, even a bad one, is not read */
	se_config_defaults(&cfg);
	cfg.flags_given = SE_GIVEN_COMPRESSION;
	env[0].value = "gzip";
	assert_int_equal(apply(&cfg), 0);
	assert_false(cfg.otlp_gzip);
	env[0].value = "zstd";
	assert_int_equal(apply(&cfg), 0);
}

static void test_env_timeout(void **state)
{
	static const struct {
		const char *ms;
		unsigned int s;
	} good[] = {
		{ "1", 1 },	 { "999", 1 },	{ "1000", 1 },	   { "1001", 2 },
		{ "10000", 10 }, { "2500", 3 }, { "300000", 300 }, { "299001", 300 },
	};
	static const char *const bad[] = { "0", "-5", "10s", "", "300001", "1.5", "ten" };
	struct se_config cfg;

	setenv_fake("OTEL_EXPORTER_OTLP_TIMEOUT", NULL);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		se_config_defaults(&cfg);
		env[0].value = good[i].ms;
		assert_int_equal(apply(&cfg), 0);
		if (cfg.otlp_timeout_s != good[i].s)
			fail_msg("%s ms: %u s, expected %u", good[i].ms, cfg.otlp_timeout_s,
				 good[i].s);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		se_config_defaults(&cfg);
		env[0].value = bad[i];
		if (!*bad[i]) { /* empty: unset, the default stays */
			assert_int_equal(apply(&cfg), 0);
			assert_int_equal(cfg.otlp_timeout_s, SE_DEFAULT_OTLP_TIMEOUT_S);
			continue;
		}
		if (apply(&cfg) != -EINVAL)
			fail_msg("timeout '%s' accepted", bad[i]);
		assert_error_names("OTEL_EXPORTER_OTLP_TIMEOUT", bad[i]);
		assert_int_equal(cfg.otlp_timeout_s, SE_DEFAULT_OTLP_TIMEOUT_S);
	}

	/* --otlp-timeout given */
	se_config_defaults(&cfg);
	cfg.otlp_timeout_s = 7;
	cfg.flags_given = SE_GIVEN_TIMEOUT;
	env[0].value = "30000";
	assert_int_equal(apply(&cfg), 0);
	assert_int_equal(cfg.otlp_timeout_s, 7);
}

static void test_env_temporality(void **state)
{
	static const struct {
		const char *v;
		bool delta;
	} good[] = {
		{ "delta", true },	 { "DELTA", true },	  { "Delta", true },
		{ "cumulative", false }, { "CUMULATIVE", false },
	};
	static const char *const bad[] = { "deltas", "both", "cumulative " };
	const char *var = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE";
	struct se_config cfg;

	setenv_fake(var, NULL);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		se_config_defaults(&cfg);
		cfg.delta = !good[i].delta;
		env[0].value = good[i].v;
		assert_int_equal(apply(&cfg), 0);
		assert_int_equal(cfg.delta, good[i].delta);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		se_config_defaults(&cfg);
		env[0].value = bad[i];
		assert_int_equal(apply(&cfg), -EINVAL);
		assert_error_names(var, bad[i]);
		assert_false(cfg.delta);
	}

	/* --temporality given */
	se_config_defaults(&cfg);
	cfg.flags_given = SE_GIVEN_TEMPORALITY;
	env[0].value = "delta";
	assert_int_equal(apply(&cfg), 0);
	assert_false(cfg.delta);
}

/* Each SE_GIVEN_* bit guards its own variable only. */
static void test_env_flags_given_bits(void **state)
{
	struct se_config cfg;

	setenv_fake("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip");
	setenv_fake("OTEL_EXPORTER_OTLP_TIMEOUT", "20000");
	setenv_fake("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta");

	se_config_defaults(&cfg);
	cfg.flags_given = SE_GIVEN_TIMEOUT;
	assert_int_equal(apply(&cfg), 0);
	assert_true(cfg.otlp_gzip);
	assert_int_equal(cfg.otlp_timeout_s, SE_DEFAULT_OTLP_TIMEOUT_S);
	assert_true(cfg.delta);

	se_config_defaults(&cfg);
	cfg.flags_given = SE_GIVEN_COMPRESSION | SE_GIVEN_TEMPORALITY;
	assert_int_equal(apply(&cfg), 0);
	assert_false(cfg.otlp_gzip);
	assert_int_equal(cfg.otlp_timeout_s, 20);
	assert_false(cfg.delta);

	se_config_defaults(&cfg);
	assert_int_equal(apply(&cfg), 0);
	assert_true(cfg.otlp_gzip);
	assert_int_equal(cfg.otlp_timeout_s, 20);
	assert_true(cfg.delta);
}

static void test_env_stdout_fallback(void **state)
{
	struct se_config cfg;

	/* neither: stdout */
	se_config_defaults(&cfg);
	assert_int_equal(apply(&cfg), 0);
	assert_true(cfg.out_stdout);
	/* --stdout only */
	se_config_defaults(&cfg);
	cfg.out_stdout = cfg.out_stdout_explicit = true;
	assert_int_equal(apply(&cfg), 0);
	assert_true(cfg.out_stdout);
	/* an endpoint from a flag */
	se_config_defaults(&cfg);
	cfg.out_stdout = true; /* as the CLI leaves it before the variables are read */
	strcpy(cfg.otlp_endpoint, "http://c:4318");
	assert_int_equal(apply(&cfg), 0);
	assert_false(cfg.out_stdout);
	/* an endpoint from the variable, with and without --stdout */
	setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318");
	se_config_defaults(&cfg);
	cfg.out_stdout = true;
	assert_int_equal(apply(&cfg), 0);
	assert_false(cfg.out_stdout);
	se_config_defaults(&cfg);
	cfg.out_stdout = cfg.out_stdout_explicit = true;
	assert_int_equal(apply(&cfg), 0);
	assert_true(cfg.out_stdout);
	assert_string_equal(cfg.otlp_endpoint, "http://c:4318");
}

/* ---- endpoint userinfo ------------------------------------------------------------------ */

static void test_env_endpoint_userinfo_not_echoed(void **state)
{
	static char long_url[SE_OTLP_ENDPOINT_MAX + 32];
	struct se_config cfg;

	se_config_defaults(&cfg);
	setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", "grpc://user:s3cret@collector:4317");
	assert_int_equal(apply(&cfg), -EINVAL);
	assert_error_names("OTEL_EXPORTER_OTLP_ENDPOINT", "grpc://collector:4317");
	assert_null(strstr(err, "s3cret"));
	assert_null(strstr(err, "user"));

	/* too long: still without it */
	memset(long_url, 'a', sizeof(long_url) - 1);
	long_url[sizeof(long_url) - 1] = '\0';
	memcpy(long_url, "http://user:s3cret@", 19);
	se_config_defaults(&cfg);
	nenv = 0;
	setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", long_url);
	assert_int_equal(apply(&cfg), -EINVAL);
	assert_error_names("OTEL_EXPORTER_OTLP_ENDPOINT", "http://aaa");
	assert_null(strstr(err, "s3cret"));
}

/* ---- se_config_add_headers_text (--otlp-headers-file) ----------------------------------- */

static int add_text(struct se_config *cfg, const char *text, unsigned int *line)
{
	*line = 999;
	return se_config_add_headers_text(cfg, text, strlen(text), line);
}

static void test_headers_text(void **state)
{
	struct se_config cfg;
	unsigned int line;

	se_config_defaults(&cfg);
	assert_int_equal(add_text(&cfg,
				  "# a token from the secret\n"
				  "\n"
				  "Authorization: Bearer abc==\r\n"
				  "   \t\n"
				  "  # indented comment\n"
				  "X-Eq=a=b:c\n"
				  "  X-Spaces  :   v v  \n"
				  "X-Colon:x:y=z\n"
				  "X-Last: no newline",
				  &line),
			 0);
	assert_int_equal(line, 0);
	assert_int_equal(cfg.otlp_nheaders, 5);
	assert_string_equal(cfg.otlp_headers[0], "Authorization: Bearer abc==");
	assert_string_equal(cfg.otlp_headers[1], "X-Eq: a=b:c");
	assert_string_equal(cfg.otlp_headers[2], "X-Spaces: v v");
	assert_string_equal(cfg.otlp_headers[3], "X-Colon: x:y=z");
	assert_string_equal(cfg.otlp_headers[4], "X-Last: no newline");

	/* empty, or comments only: nothing */
	se_config_defaults(&cfg);
	assert_int_equal(add_text(&cfg, "", &line), 0);
	assert_int_equal(add_text(&cfg, "\n\n# x: y\n", &line), 0);
	assert_int_equal(cfg.otlp_nheaders, 0);

	/* a header given before (--otlp-header) wins, and so does a name's first line */
	se_config_defaults(&cfg);
	assert_int_equal(se_config_add_header(&cfg, "X-Token=flag"), 0);
	assert_int_equal(add_text(&cfg, "x-token: file\nX-Other: 1\nx-other: 2\n", &line), 0);
	assert_int_equal(cfg.otlp_nheaders, 2);
	assert_string_equal(cfg.otlp_headers[0], "X-Token: flag");
	assert_string_equal(cfg.otlp_headers[1], "X-Other: 1");
}

static void test_headers_text_bad(void **state)
{
	static const struct {
		const char *text;
		unsigned int line;
	} bad[] = {
		{ "novalue\n", 1 },
		{ "A: 1\nnovalue\n", 2 },
		{ "A: 1\n\n# c\nbad name: v\n", 4 },
		{ ": v\n", 1 },
		{ "=v\n", 1 },
		{ "A: 1\nX: a\rb\n", 2 }, /* a CR inside a value */
		{ "(x): v", 1 },	  /* not a token */
		{ "A: 1\r\nB: 2\r\nC\r\n", 3 },
	};
	static char long_line[SE_OTLP_HEADER_MAX + 8];
	struct se_config cfg;
	unsigned int line;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		se_config_defaults(&cfg);
		if (add_text(&cfg, bad[i].text, &line) != -EINVAL)
			fail_msg("'%s' accepted", bad[i].text);
		if (line != bad[i].line)
			fail_msg("'%s': line %u, not %u", bad[i].text, line, bad[i].line);
	}

	/* a NUL byte: its line */
	se_config_defaults(&cfg);
	assert_int_equal(se_config_add_headers_text(&cfg, "A: 1\nB: 2\nC: \0x\n", 15, &line),
			 -EINVAL);
	assert_int_equal(line, 3);

	/* a line longer than a header can be */
	memset(long_line, 'v', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	memcpy(long_line, "X: ", 3);
	se_config_defaults(&cfg);
	assert_int_equal(add_text(&cfg, long_line, &line), -EINVAL);
	assert_int_equal(line, 1);
	/* the longest that fits: "X: " and 508 bytes of value, NUL-terminated in 512 */
	long_line[SE_OTLP_HEADER_MAX - 1] = '\0';
	se_config_defaults(&cfg);
	assert_int_equal(add_text(&cfg, long_line, &line), 0);
	assert_int_equal(strlen(cfg.otlp_headers[0]), SE_OTLP_HEADER_MAX - 1);
}

static void test_headers_text_too_many(void **state)
{
	char text[64 * 20];
	struct se_config cfg;
	unsigned int line;
	size_t n = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "# header\n");
	for (int i = 0; i < SE_OTLP_HEADERS_MAX + 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "X-H%d: %d\n", i, i);
	se_config_defaults(&cfg);
	assert_int_equal(add_text(&cfg, text, &line), -ENOSPC);
	assert_int_equal(line, SE_OTLP_HEADERS_MAX + 2); /* the comment, then 16 that fit */
	assert_int_equal(cfg.otlp_nheaders, SE_OTLP_HEADERS_MAX);
}

/* ---- TLS variables --------------------------------------------------------------------- */

static char ca_file[64], cert_file[64], key_file[64];

static void make_file(char *path, const char *name)
{
	int fd;

	snprintf(path, 64, "/tmp/sockeye-test-env-%s-XXXXXX", name);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "pem\n", 4), 4);
	close(fd);
}

static int tls_files_setup(void **state)
{
	reset_env(state);
	make_file(ca_file, "ca");
	make_file(cert_file, "cert");
	make_file(key_file, "key");
	return 0;
}

static int tls_files_teardown(void **state)
{
	unlink(ca_file);
	unlink(cert_file);
	unlink(key_file);
	return 0;
}

static void assert_file(const struct se_config_file *f, const char *path, const char *from)
{
	assert_string_equal(f->path, path);
	if (from)
		assert_string_equal(f->from, from);
}

static void test_env_tls_generic(void **state)
{
	struct se_config cfg;

	se_config_defaults(&cfg);
	setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318");
	setenv_fake("OTEL_EXPORTER_OTLP_CERTIFICATE", ca_file);
	setenv_fake("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", cert_file);
	setenv_fake("OTEL_EXPORTER_OTLP_CLIENT_KEY", key_file);
	assert_int_equal(apply(&cfg), 0);
	for (int sig = 0; sig < SE_OTLP_SIGNALS; sig++) {
		assert_file(&cfg.otlp_tls[sig].ca, ca_file, "OTEL_EXPORTER_OTLP_CERTIFICATE");
		assert_file(&cfg.otlp_tls[sig].cert, cert_file,
			    "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE");
		assert_file(&cfg.otlp_tls[sig].key, key_file, "OTEL_EXPORTER_OTLP_CLIENT_KEY");
	}

	/* none: the system's CAs, no client certificate */
	se_config_defaults(&cfg);
	nenv = 0;
	setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318");
	setenv_fake("OTEL_EXPORTER_OTLP_CERTIFICATE", "");
	assert_int_equal(apply(&cfg), 0);
	for (int sig = 0; sig < SE_OTLP_SIGNALS; sig++) {
		assert_file(&cfg.otlp_tls[sig].ca, "", NULL);
		assert_file(&cfg.otlp_tls[sig].cert, "", NULL);
		assert_file(&cfg.otlp_tls[sig].key, "", NULL);
	}
}

static void test_env_tls_per_signal(void **state)
{
	struct se_config cfg;

	/* the per-signal form wins for its signal; the generic one fills the other */
	se_config_defaults(&cfg);
	setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318");
	setenv_fake("OTEL_EXPORTER_OTLP_CERTIFICATE", ca_file);
	setenv_fake("OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE", cert_file);
	setenv_fake("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", cert_file);
	setenv_fake("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", key_file);
	setenv_fake("OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY", ""); /* empty: not set */
	assert_int_equal(apply(&cfg), 0);
	assert_file(&cfg.otlp_tls[SE_OTLP_METRICS].ca, cert_file,
		    "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE");
	assert_file(&cfg.otlp_tls[SE_OTLP_TRACES].ca, ca_file, "OTEL_EXPORTER_OTLP_CERTIFICATE");
	assert_file(&cfg.otlp_tls[SE_OTLP_METRICS].cert, "", NULL);
	assert_file(&cfg.otlp_tls[SE_OTLP_METRICS].key, "", NULL);
	assert_file(&cfg.otlp_tls[SE_OTLP_TRACES].cert, cert_file,
		    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE");
	assert_file(&cfg.otlp_tls[SE_OTLP_TRACES].key, key_file,
		    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY");
}

static void test_env_tls_flag_wins(void **state)
{
	struct se_config cfg;

	se_config_defaults(&cfg);
	for (int sig = 0; sig < SE_OTLP_SIGNALS; sig++) { /* as --otlp-certificate sets it */
		strcpy(cfg.otlp_tls[sig].ca.path, ca_file);
		cfg.otlp_tls[sig].ca.from = "--otlp-certificate";
	}
	setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318");
	setenv_fake("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/generic.pem");
	setenv_fake("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "/nonexistent/traces.pem");
	assert_int_equal(apply(&cfg), 0);
	for (int sig = 0; sig < SE_OTLP_SIGNALS; sig++)
		assert_file(&cfg.otlp_tls[sig].ca, ca_file, "--otlp-certificate");
}

static void test_env_tls_unreadable(void **state)
{
	static const char *const vars[] = {
		"OTEL_EXPORTER_OTLP_CERTIFICATE",
		"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
		"OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE",
		"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
	};
	struct se_config cfg;

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		se_config_defaults(&cfg);
		nenv = 0;
		setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318");
		setenv_fake(vars[i], "/nonexistent/x.pem");
		assert_int_equal(apply(&cfg), -EINVAL);
		assert_error_names(vars[i], "cannot read /nonexistent/x.pem: No such file");
	}

	/* a flag's file: the flag is named */
	se_config_defaults(&cfg);
	nenv = 0;
	for (int sig = 0; sig < SE_OTLP_SIGNALS; sig++) {
		strcpy(cfg.otlp_tls[sig].key.path, "/nonexistent/k.pem");
		cfg.otlp_tls[sig].key.from = "--otlp-client-key";
		strcpy(cfg.otlp_tls[sig].cert.path, cert_file);
		cfg.otlp_tls[sig].cert.from = "--otlp-client-certificate";
	}
	setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318");
	assert_int_equal(apply(&cfg), -EINVAL);
	assert_error_names("--otlp-client-key", "/nonexistent/k.pem");

	/* no endpoint: the files are not used, so not checked */
	se_config_defaults(&cfg);
	nenv = 0;
	setenv_fake("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/x.pem");
	assert_int_equal(apply(&cfg), 0);
	assert_true(cfg.out_stdout);
}

static void test_env_tls_key_needs_cert(void **state)
{
	struct se_config cfg;

	se_config_defaults(&cfg);
	setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318");
	setenv_fake("OTEL_EXPORTER_OTLP_CLIENT_KEY", key_file);
	assert_int_equal(apply(&cfg), -EINVAL);
	assert_error_names("OTEL_EXPORTER_OTLP_CLIENT_KEY", "needs a client certificate");

	/* a certificate without a key is fine: the key may be in the same PEM file */
	se_config_defaults(&cfg);
	nenv = 0;
	setenv_fake("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318");
	setenv_fake("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", cert_file);
	assert_int_equal(apply(&cfg), 0);
}

static void test_env_tls_too_long(void **state)
{
	static char path[PATH_MAX + 8];
	struct se_config cfg;

	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	se_config_defaults(&cfg);
	setenv_fake("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", path);
	assert_int_equal(apply(&cfg), -EINVAL);
	assert_error_names("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/ppp");
	assert_string_equal(cfg.otlp_tls[0].cert.path, "");
}

/* A message that does not fit the buffer is cut, still NUL-terminated. */
static void test_env_error_truncated(void **state)
{
	struct se_config cfg;
	char small[12];

	se_config_defaults(&cfg);
	setenv_fake("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd");
	memset(small, 'x', sizeof(small));
	assert_int_equal(se_config_apply_env(&cfg, fake_getenv, small, sizeof(small)), -EINVAL);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, "OTEL_EXPORT", sizeof(small));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_header),
		cmocka_unit_test(test_add_header),
		cmocka_unit_test_setup(test_env_none, reset_env),
		cmocka_unit_test_setup(test_env_endpoint, reset_env),
		cmocka_unit_test_setup(test_env_endpoint_bad, reset_env),
		cmocka_unit_test_setup(test_env_headers, reset_env),
		cmocka_unit_test_setup(test_env_headers_bad, reset_env),
		cmocka_unit_test_setup(test_env_headers_crlf, reset_env),
		cmocka_unit_test_setup(test_env_headers_too_many, reset_env),
		cmocka_unit_test_setup(test_env_compression, reset_env),
		cmocka_unit_test_setup(test_env_timeout, reset_env),
		cmocka_unit_test_setup(test_env_temporality, reset_env),
		cmocka_unit_test_setup(test_env_flags_given_bits, reset_env),
		cmocka_unit_test_setup(test_env_stdout_fallback, reset_env),
		cmocka_unit_test_setup(test_env_error_truncated, reset_env),
		cmocka_unit_test_setup(test_env_endpoint_userinfo_not_echoed, reset_env),
		cmocka_unit_test(test_headers_text),
		cmocka_unit_test(test_headers_text_bad),
		cmocka_unit_test(test_headers_text_too_many),
		cmocka_unit_test_setup_teardown(test_env_tls_generic, tls_files_setup,
						tls_files_teardown),
		cmocka_unit_test_setup_teardown(test_env_tls_per_signal, tls_files_setup,
						tls_files_teardown),
		cmocka_unit_test_setup_teardown(test_env_tls_flag_wins, tls_files_setup,
						tls_files_teardown),
		cmocka_unit_test_setup_teardown(test_env_tls_unreadable, tls_files_setup,
						tls_files_teardown),
		cmocka_unit_test_setup_teardown(test_env_tls_key_needs_cert, tls_files_setup,
						tls_files_teardown),
		cmocka_unit_test_setup(test_env_tls_too_long, reset_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the endpoint URL helpers (src/util/url.c): the userinfo ("user:password@")
 * is removed wherever it is (with or without a scheme, an '@' in the password, an '@' in the
 * path left alone), the cut copy is always terminated; loopback hosts are 127.0.0.0/8, ::1,
 * ::ffff:127.x.x.x, localhost and names under .localhost, whatever the case, port or
 * userinfo, and nothing else (127.example.com, localhost.example.com, 10.0.0.1, ::2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/url.h"

static void assert_redacted(const char *url, const char *expect)
{
	char out[128];

	memset(out, 'x', sizeof(out));
	assert_ptr_equal(se_url_redact(url, out, sizeof(out)), out);
	if (strcmp(out, expect))
		fail_msg("'%s' redacted to '%s', not '%s'", url, out, expect);
}

static void test_redact(void **state)
{
	assert_redacted("http://user:secret@collector:4318", "http://collector:4318");
	assert_redacted("https://user:secret@collector:4318/otlp", "https://collector:4318/otlp");
	assert_redacted("http://token@127.0.0.1:4318/", "http://127.0.0.1:4318/");
	assert_redacted("http://user:p@ss@host/", "http://host/"); /* the last '@' ends it */
	assert_redacted("http://:@host", "http://host");
	assert_redacted("http://u:s@[::1]:4318/x", "http://[::1]:4318/x");
	/* no scheme (a bad URL echoed in an error): the userinfo still goes */
	assert_redacted("user:secret@collector:4318", "collector:4318");
	/* nothing to remove */
	assert_redacted("http://collector:4318/v1/metrics", "http://collector:4318/v1/metrics");
	assert_redacted("collector:4318", "collector:4318");
	assert_redacted("", "");
	/* a password with an unencoded '/', '?' or '#' (libcurl reads it as a path): hidden */
	assert_redacted("https://u:abc/def==@collector:4318", "https://collector:4318");
	assert_redacted("http://u:p?ss@host/x", "http://host/x");
	assert_redacted("http://u:p#ss@host", "http://host");
	/* so an '@' further on hides the path before it too: more hidden, nothing shown */
	assert_redacted("http://host/a@b", "http://b");
	assert_redacted("http://u:p@host/a@b", "http://b");
}

static void test_redact_cut(void **state)
{
	char out[8];

	se_url_redact("http://user:secret@collector:4318", out, sizeof(out));
	assert_string_equal(out, "http://");
	se_url_redact("http://u:s@h", out, 1);
	assert_string_equal(out, "");
}

static void test_has_userinfo(void **state)
{
	assert_true(se_url_has_userinfo("http://u:p@host"));
	assert_true(se_url_has_userinfo("https://token@host:1/x"));
	assert_true(se_url_has_userinfo("http://@host"));
	assert_false(se_url_has_userinfo("http://host"));
	assert_true(se_url_has_userinfo("https://u:abc/def==@host"));
	assert_false(se_url_has_userinfo(""));
}

static void test_plain_http(void **state)
{
	assert_true(se_url_is_plain_http("http://host"));
	assert_true(se_url_is_plain_http("HTTP://host"));
	assert_false(se_url_is_plain_http("https://host"));
	assert_false(se_url_is_plain_http("httpx://host"));
	assert_false(se_url_is_plain_http(""));
}

static void test_loopback(void **state)
{
	static const char *const yes[] = {
		"http://127.0.0.1:4318",
		"http://127.0.0.1",
		"http://127.1.2.3:80/v1",
		"http://127.255.255.255/",
		"http://localhost:4318",
		"http://LOCALHOST",
		"http://localhost./x",
		"http://collector.localhost:4318",
		"http://[::1]:4318/",
		"http://[::1]",
		"http://[0:0:0:0:0:0:0:1]:1",
		"http://[::ffff:127.0.0.1]:4318",
		"http://user:pass@127.0.0.1:4318",
		"http://u:p@evil.example@localhost/", /* the host is after the last '@' */
		"localhost:4318",
	};
	static const char *const no[] = {
		"http://10.0.0.1:4318",
		"http://128.0.0.1",
		"http://126.255.255.255",
		"http://0.0.0.0",
		"http://collector:4318",
		"http://127.example.com",
		"http://127.0.0.1.nip.io",
		"http://localhost.example.com",
		"http://notlocalhost",
		"http://xlocalhost",
		"http://[::2]:4318",
		"http://[::]:4318",
		"http://[::ffff:10.0.0.1]",
		"http://[::1",
		"http://localhost@collector:4318", /* "localhost" is the userinfo */
		"http://",
		"",
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!se_url_host_is_loopback(yes[i]))
			fail_msg("'%s' not loopback", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (se_url_host_is_loopback(no[i]))
			fail_msg("'%s' loopback", no[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact),	     cmocka_unit_test(test_redact_cut),
		cmocka_unit_test(test_has_userinfo), cmocka_unit_test(test_plain_http),
		cmocka_unit_test(test_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

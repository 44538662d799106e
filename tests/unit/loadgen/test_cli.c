// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the load generator's options and request (bench/loadgen/cli.c): defaults,
 * every option, the request bytes they make, and a one-line error naming the flag for each
 * bad value.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "loadgen.h"

#define ARGV_MAX 32

static int parse(struct se_lg_config *cfg, char *err, const char *const *args)
{
	char *argv[ARGV_MAX] = { "loadgen" };
	int argc = 1;

	for (; args[argc - 1]; argc++)
		argv[argc] = (char *)args[argc - 1];
	return se_lg_cli_parse(cfg, argc, argv, err, SE_LG_ERR_MAX);
}

static void test_defaults_and_request(void **state)
{
	struct se_lg_config cfg;
	char err[SE_LG_ERR_MAX];
	static const char *const args[] = { "--url", "http://127.0.0.1:8080/a/b?c=d", NULL };
	static const char want[] = "GET /a/b?c=d HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";

	assert_int_equal(parse(&cfg, err, args), 0);
	assert_int_equal(cfg.connections, 10);
	assert_int_equal(cfg.threads, 1);
	assert_true(cfg.duration_s == 5);
	assert_true(cfg.rate == 0);
	assert_false(cfg.json);
	assert_false(cfg.head);
	assert_int_equal(ntohs(cfg.addr.sin_port), 8080);
	assert_int_equal(ntohl(cfg.addr.sin_addr.s_addr), 0x7f000001);
	assert_int_equal(se_lg_request_build(&cfg), 0);
	assert_int_equal(cfg.request_len, strlen(want));
	assert_memory_equal(cfg.request, want, cfg.request_len);
	se_lg_config_fini(&cfg);
	se_lg_config_fini(NULL);
}

static void test_every_option(void **state)
{
	struct se_lg_config cfg;
	char err[SE_LG_ERR_MAX];
	static const char *const args[] = {
		"--url=http://10.1.2.3",
		"--connections",
		"100",
		"--duration",
		"0.5",
		"--rate",
		"2500.5",
		"--threads",
		"4",
		"--method",
		"POST",
		"--header",
		"X-A: 1",
		"--header",
		"host: h",
		"--body-bytes",
		"3",
		"--json",
		NULL,
	};
	static const char want[] = "POST / HTTP/1.1\r\nX-A: 1\r\nhost: h\r\n"
				   "Content-Length: 3\r\n\r\nxxx";

	assert_int_equal(parse(&cfg, err, args), 0);
	assert_int_equal(cfg.connections, 100);
	assert_int_equal(cfg.threads, 4);
	assert_true(cfg.duration_s == 0.5);
	assert_true(cfg.rate == 2500.5);
	assert_true(cfg.json);
	assert_int_equal(ntohs(cfg.addr.sin_port), 80);
	assert_int_equal(se_lg_request_build(&cfg), 0);
	assert_int_equal(cfg.request_len, strlen(want));
	assert_memory_equal(cfg.request, want, cfg.request_len);
	se_lg_config_fini(&cfg);
}

static void test_head_and_post_without_body(void **state)
{
	struct se_lg_config cfg;
	char err[SE_LG_ERR_MAX];
	static const char *const head[] = { "--url", "http://localhost:1/x", "--method", "HEAD",
					    NULL };
	static const char *const post[] = { "--url", "http://127.0.0.1/", "--method", "PUT", NULL };
	static const char want[] = "PUT / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n";

	assert_int_equal(parse(&cfg, err, head), 0);
	assert_true(cfg.head);
	se_lg_config_fini(&cfg);
	assert_int_equal(parse(&cfg, err, post), 0);
	assert_int_equal(se_lg_request_build(&cfg), 0);
	assert_int_equal(cfg.request_len, strlen(want));
	assert_memory_equal(cfg.request, want, cfg.request_len);
	se_lg_config_fini(&cfg);
}

static void test_help(void **state)
{
	struct se_lg_config cfg;
	char err[SE_LG_ERR_MAX];
	static const char *const args[] = { "--help", NULL };

	assert_int_equal(parse(&cfg, err, args), 0);
	assert_true(cfg.help);
	assert_non_null(strstr(se_lg_cli_usage, "--url"));
}

static void test_bad_values(void **state)
{
	static const struct {
		const char *args[6];
		const char *flag; /* the message starts with it */
	} bad[] = {
		{ { NULL }, "--url" },
		{ { "--url", "https://127.0.0.1/", NULL }, "--url" },
		{ { "--url", "http://example.com/", NULL }, "--url" },
		{ { "--url", "http://127.0.0.1:0/", NULL }, "--url" },
		{ { "--url", "http://127.0.0.1:70000/", NULL }, "--url" },
		{ { "--url", "http://127.0.0.1/a b", NULL }, "--url" },
		{ { "--url", "http:///x", NULL }, "--url" },
		{ { "--url", "http://1.2.3.4", "--connections", "0", NULL }, "--connections" },
		{ { "--url", "http://1.2.3.4", "--connections", "ten", NULL }, "--connections" },
		{ { "--url", "http://1.2.3.4", "--connections", "-1", NULL }, "--connections" },
		{ { "--url", "http://1.2.3.4", "--duration", "0", NULL }, "--duration" },
		{ { "--url", "http://1.2.3.4", "--duration", "nan", NULL }, "--duration" },
		{ { "--url", "http://1.2.3.4", "--duration", "5s", NULL }, "--duration" },
		{ { "--url", "http://1.2.3.4", "--rate", "-5", NULL }, "--rate" },
		{ { "--url", "http://1.2.3.4", "--rate", "inf", NULL }, "--rate" },
		{ { "--url", "http://1.2.3.4", "--threads", "0", NULL }, "--threads" },
		{ { "--url", "http://1.2.3.4", "--threads", "11", NULL }, "--threads" },
		{ { "--url", "http://1.2.3.4", "--method", "GE T", NULL }, "--method" },
		{ { "--url", "http://1.2.3.4", "--method", "", NULL }, "--method" },
		{ { "--url", "http://1.2.3.4", "--header", "novalue", NULL }, "--header" },
		{ { "--url", "http://1.2.3.4", "--header", "A B: c", NULL }, "--header" },
		{ { "--url", "http://1.2.3.4", "--header", "A: b\r\nC: d", NULL }, "--header" },
		{ { "--url", "http://1.2.3.4", "--body-bytes", "1e3", NULL }, "--body-bytes" },
		{ { "--url", "http://1.2.3.4", "--body-bytes", "999999999999", NULL },
		  "--body-bytes" },
		{ { "--url", "http://1.2.3.4", "--bogus", NULL }, "--bogus" },
		{ { "--url", "http://1.2.3.4", "--rate", NULL }, "--rate" },
		{ { "--url", "http://1.2.3.4", "extra", NULL }, "extra" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct se_lg_config cfg;
		char err[SE_LG_ERR_MAX];

		assert_int_equal(parse(&cfg, err, bad[i].args), -EINVAL);
		print_message("%s\n", err);
		assert_int_equal(strncmp(err, bad[i].flag, strlen(bad[i].flag)), 0);
		assert_null(strchr(err, '\n'));
		se_lg_config_fini(&cfg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_request),
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_head_and_post_without_body),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_bad_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the command line (src/config/cli.c): defaults, every flag, every bad value
 * (a one-line error that names the flag), unknown options, missing values, --help and
 * --version written to the FILE given, and repeated parses in one process. --help is checked
 * against the option table read from cli.c itself, so a flag added without help text fails here.
 * The OTLP flags record that they were given (flags_given), so the OpenTelemetry variables read
 * later do not override them, and an endpoint replaces stdout as the default output. The TLS
 * file flags set both signals' files; --otlp-headers-file is read at the end of the parse
 * (--otlp-header wins over it), a bad line named by its number, never quoted; an endpoint's
 * user:password is never echoed.
 */
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

#include "config/config.h"

#ifndef SOCKEYE_CLI_SOURCE
#error "SOCKEYE_CLI_SOURCE must name src/config/cli.c (set by tests/unit/CMakeLists.txt)"
#endif

#define ARGS_MAX 32
#define ERR_LEN	 256
/* Long options the table must at least hold (the table may grow; help must follow it). */
#define OPTIONS_MAX 64

/* What the last parse wrote: its error line and its output on the FILE. */
static char err[ERR_LEN];
static char *out_text;
static size_t out_len;

/* Parse "sockeye" followed by the NULL-terminated arguments. */
static enum se_cli_result parse(struct se_config *cfg, const char *first, ...)
{
	char *argv[ARGS_MAX + 2];
	int argc = 0;
	const char *a = first;
	enum se_cli_result res;
	FILE *out;
	va_list ap;

	argv[argc++] = "sockeye";
	va_start(ap, first);
	while (a) {
		assert_true(argc <= ARGS_MAX);
		argv[argc++] = (char *)a;
		a = va_arg(ap, const char *);
	}
	va_end(ap);
	argv[argc] = NULL;

	free(out_text);
	out_text = NULL;
	out = open_memstream(&out_text, &out_len);
	assert_non_null(out);
	memset(err, 'x', sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
	res = se_cli_parse(cfg, argc, argv, out, err, sizeof(err));
	assert_int_equal(fclose(out), 0);
	return res;
}

static void assert_error_names(const char *flag)
{
	if (!strstr(err, flag))
		fail_msg("error '%s' does not name %s", err, flag);
	assert_null(strchr(err, '\n')); /* one line; main adds the newline */
}

/* ---- defaults and each flag ------------------------------------------------------------ */

static void test_defaults(void **state)
{
	struct se_config cfg, def;

	assert_int_equal(parse(&cfg, NULL), SE_CLI_RUN);
	assert_string_equal(err, "");
	assert_int_equal(out_len, 0);
	se_config_defaults(&def);
	def.out_stdout = true; /* the fallback output: neither --stdout nor an endpoint given */
	assert_memory_equal(&cfg, &def, sizeof(cfg));
}

static void test_workers(void **state)
{
	struct se_config cfg;

	assert_int_equal(parse(&cfg, "--workers", "4", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.workers, 4);
	assert_int_equal(parse(&cfg, "-w", "1", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.workers, 1);
	assert_int_equal(parse(&cfg, "--workers=256", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.workers, SE_WORKERS_MAX);
	assert_int_equal(parse(&cfg, "-w7", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.workers, 7);
	assert_int_equal(cfg.rings, 0); /* the default: planned from the usable CPUs */
	assert_int_equal(parse(&cfg, "--rings", "1", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.rings, 1);
	assert_int_equal(parse(&cfg, "--rings=1024", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.rings, SE_RINGS_MAX);
}

static void test_buffer_budget(void **state)
{
	struct se_config cfg;

	assert_int_equal(parse(&cfg, NULL), SE_CLI_RUN);
	assert_int_equal(cfg.buffer_budget, SE_DEFAULT_BUFFER_BUDGET);
	assert_int_equal(parse(&cfg, "--buffer-budget", "256K", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.buffer_budget, 256u << 10);
	assert_int_equal(parse(&cfg, "--buffer-budget", "4G", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.buffer_budget, 4ull << 30);
}

static void test_ring_size(void **state)
{
	struct se_config cfg;

	assert_int_equal(parse(&cfg, "--ring-size", "64K", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.ring_size, SE_RING_SIZE_MIN);
	assert_int_equal(cfg.wakeup_bytes, 16u << 10); /* a quarter of a small ring */
	assert_int_equal(parse(&cfg, "--ring-size", "256K", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.wakeup_bytes, 64u << 10);
	assert_int_equal(parse(&cfg, "--ring-size", "512K", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.wakeup_bytes, 128u << 10);
	assert_int_equal(parse(&cfg, "--ring-size", "1G", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.ring_size, SE_RING_SIZE_MAX);
	assert_int_equal(cfg.wakeup_bytes, 128u << 10); /* capped, however large the ring */
	assert_int_equal(parse(&cfg, "--ring-size", "8388608", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.ring_size, 8u << 20);
	assert_int_equal(cfg.wakeup_bytes, 128u << 10);
}

static void test_ports(void **state)
{
	struct se_config cfg;

	assert_int_equal(parse(&cfg, "--ports", "22,8000-8002", NULL), SE_CLI_RUN);
	assert_true(se_config_port_watched(&cfg, 22));
	assert_true(se_config_port_watched(&cfg, 8000));
	assert_true(se_config_port_watched(&cfg, 8002));
	assert_false(se_config_port_watched(&cfg, 80)); /* replaces the default list */
	assert_false(se_config_port_watched(&cfg, 8003));
	assert_string_equal(cfg.ports_text, "22,8000-8002");
}

static void test_window_duration(void **state)
{
	struct se_config cfg;

	assert_int_equal(parse(&cfg, "--window", "1", "--duration", "30", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.window_s, 1);
	assert_int_equal(cfg.duration_s, 30);
	assert_int_equal(parse(&cfg, "--window", "3600", "--duration", "0", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.window_s, 3600);
	assert_int_equal(cfg.duration_s, 0);
}

/* --listen: the address as given, and an output of its own (no JSON fallback). */
static void test_listen(void **state)
{
	struct se_config cfg;
	char addr[SE_ENDPOINT_STRLEN];

	(void)state;
	assert_int_equal(parse(&cfg, NULL), SE_CLI_RUN);
	assert_int_equal(cfg.listen.family, 0);
	assert_true(cfg.out_stdout);
	assert_int_equal(parse(&cfg, "--listen", "0.0.0.0:9464", NULL), SE_CLI_RUN);
	assert_false(cfg.out_stdout);
	assert_int_equal(cfg.listen.port, 9464);
	assert_string_equal(cfg.listen_text, "0.0.0.0:9464");
	assert_int_equal(parse(&cfg, "--listen=[::1]:8080", "--stdout", NULL), SE_CLI_RUN);
	assert_true(cfg.out_stdout);
	se_endpoint_format(&cfg.listen, addr, sizeof(addr));
	assert_string_equal(addr, "[::1]:8080");
	assert_int_equal(parse(&cfg, "--listen", ":9464", NULL), SE_CLI_RUN);
	se_endpoint_format(&cfg.listen, addr, sizeof(addr));
	assert_string_equal(addr, "0.0.0.0:9464");
}

static void test_switches(void **state)
{
	struct se_config cfg;

	assert_int_equal(parse(&cfg, "--stdout", "--connections", NULL), SE_CLI_RUN);
	assert_true(cfg.out_stdout);
	assert_true(cfg.connections);
	assert_int_equal(parse(&cfg, NULL), SE_CLI_RUN);
	assert_false(cfg.connections);
	assert_int_equal(parse(&cfg, "-v", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.verbose, 1);
	assert_int_equal(parse(&cfg, "-v", "--verbose", "-vv", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.verbose, 4);
}

static void test_netns(void **state)
{
	struct se_config cfg;

	assert_int_equal(parse(&cfg, "--netns", "all", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.netns_mode, SE_NETNS_ALL);
	assert_int_equal(parse(&cfg, "--netns", "self", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.netns_mode, SE_NETNS_SELF);
	assert_int_equal(parse(&cfg, "--netns", "/proc/1/ns/net", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.netns_mode, SE_NETNS_PATH);
	assert_string_equal(cfg.netns_path, "/proc/1/ns/net");
	assert_int_equal(parse(&cfg, "--netns=/var/run/netns/blue", NULL), SE_CLI_RUN);
	assert_string_equal(cfg.netns_path, "/var/run/netns/blue");
}

static void test_numbers(void **state)
{
	struct se_config cfg;

	assert_int_equal(parse(&cfg, "--pid", "1234", "--capture-bytes", "0", "--poll-ms", "5",
			       "--max-connections", "64", "--max-groups", "16", "--export-queue",
			       "1", NULL),
			 SE_CLI_RUN);
	assert_int_equal(cfg.max_groups, 16);
	assert_int_equal(cfg.export_queue, 1);
	assert_int_equal(cfg.pid, 1234);
	assert_int_equal(cfg.capture_bytes, 0);
	assert_int_equal(cfg.poll_ms, 5);
	assert_int_equal(cfg.max_connections, 64);
	assert_int_equal(parse(&cfg, "--pid", "4194304", "--capture-bytes", "16384", "--poll-ms",
			       "1000", "--max-connections", "4194304", "--max-groups", "1048576",
			       "--export-queue", "1024", NULL),
			 SE_CLI_RUN);
	assert_int_equal(cfg.max_groups, 1048576);
	assert_int_equal(cfg.export_queue, 1024);
	assert_int_equal(cfg.pid, 4194304);
	assert_int_equal(cfg.capture_bytes, SE_CAPTURE_MAX);
	assert_int_equal(cfg.poll_ms, 1000);
	assert_int_equal(cfg.max_connections, 4194304);
}

static void test_wakeup_bytes(void **state)
{
	struct se_config cfg;

	assert_int_equal(parse(&cfg, "--wakeup-bytes", "256K", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.wakeup_bytes, 256u << 10);
	assert_int_equal(parse(&cfg, "--wakeup-bytes", "0", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.wakeup_bytes, 0);
	/* Compared with the final ring size, whatever the order of the flags. */
	assert_int_equal(parse(&cfg, "--wakeup-bytes", "8M", "--ring-size", "16M", NULL),
			 SE_CLI_RUN);
	assert_int_equal(cfg.wakeup_bytes, 8u << 20);

	/* at most half the ring: a wake-up must come while there is room left */
	assert_int_equal(parse(&cfg, "--wakeup-bytes", "2M", NULL), SE_CLI_RUN);
	assert_int_equal(parse(&cfg, "--wakeup-bytes", "2097160", NULL), SE_CLI_ERROR);
	assert_error_names("--wakeup-bytes");
	assert_int_equal(parse(&cfg, "--wakeup-bytes", "4M", NULL), SE_CLI_ERROR);
	assert_error_names("--wakeup-bytes");
	assert_int_equal(parse(&cfg, "--ring-size", "64K", "--wakeup-bytes", "64K", NULL),
			 SE_CLI_ERROR);
	assert_error_names("--wakeup-bytes");
	assert_int_equal(parse(&cfg, "--wakeup-bytes", "1M", "--ring-size", "64K", NULL),
			 SE_CLI_ERROR);
	assert_error_names("--wakeup-bytes");
	assert_int_equal(parse(&cfg, "--ring-size", "64K", "--wakeup-bytes", "32769", NULL),
			 SE_CLI_ERROR);
	assert_int_equal(parse(&cfg, "--ring-size", "64K", "--wakeup-bytes", "32768", NULL),
			 SE_CLI_RUN);
}

static void test_otlp_endpoint(void **state)
{
	struct se_config cfg;

	assert_int_equal(parse(&cfg, "--otlp-endpoint", "http://collector:4318", NULL), SE_CLI_RUN);
	assert_string_equal(cfg.otlp_endpoint, "http://collector:4318");
	assert_false(cfg.out_stdout); /* the endpoint is the output */
	assert_false(cfg.out_stdout_explicit);
	assert_int_equal(parse(&cfg, "--otlp-endpoint=https://otlp.example.com/", "--stdout", NULL),
			 SE_CLI_RUN);
	assert_string_equal(cfg.otlp_endpoint, "https://otlp.example.com/");
	assert_true(cfg.out_stdout); /* both, when asked */
	assert_true(cfg.out_stdout_explicit);
	assert_int_equal(parse(&cfg, "--stdout", NULL), SE_CLI_RUN);
	assert_true(cfg.out_stdout_explicit);
	assert_string_equal(cfg.otlp_endpoint, "");
	assert_int_equal(parse(&cfg, NULL), SE_CLI_RUN);
	assert_false(cfg.out_stdout_explicit);
	assert_true(cfg.out_stdout);
}

static void test_otlp_endpoint_too_long(void **state)
{
	static char url[SE_OTLP_ENDPOINT_MAX + 1];
	struct se_config cfg;

	memset(url, 'a', sizeof(url) - 1);
	memcpy(url, "http://", 7);
	url[SE_OTLP_ENDPOINT_MAX - 1] = '\0'; /* the longest that fits */
	assert_int_equal(parse(&cfg, "--otlp-endpoint", url, NULL), SE_CLI_RUN);
	assert_int_equal(strlen(cfg.otlp_endpoint), SE_OTLP_ENDPOINT_MAX - 1);
	url[SE_OTLP_ENDPOINT_MAX - 1] = 'a';
	assert_int_equal(parse(&cfg, "--otlp-endpoint", url, NULL), SE_CLI_ERROR);
	assert_error_names("--otlp-endpoint");
}

static void test_otlp_headers(void **state)
{
	char *argv[2 * SE_OTLP_HEADERS_MAX + 4];
	char values[SE_OTLP_HEADERS_MAX + 1][32];
	struct se_config cfg;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int argc = 0;

	assert_int_equal(parse(&cfg, "--otlp-header", "Authorization=Bearer t0k",
			       "--otlp-header=X-Tenant = a", "--otlp-header", "authorization=other",
			       NULL),
			 SE_CLI_RUN);
	assert_int_equal(cfg.otlp_nheaders, 2);
	assert_string_equal(cfg.otlp_headers[0], "Authorization: Bearer t0k");
	assert_string_equal(cfg.otlp_headers[1], "X-Tenant: a");
	assert_int_equal(parse(&cfg, NULL), SE_CLI_RUN);
	assert_int_equal(cfg.otlp_nheaders, 0);

	/* 16 are fine, the 17th is an error that says so */
	argv[argc++] = "sockeye";
	for (int i = 0; i <= SE_OTLP_HEADERS_MAX; i++) {
		snprintf(values[i], sizeof(values[i]), "X-H%d=%d", i, i);
		argv[argc++] = "--otlp-header";
		argv[argc++] = values[i];
	}
	argv[argc] = NULL;
	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(se_cli_parse(&cfg, argc - 2, argv, out, err, sizeof(err)), SE_CLI_RUN);
	assert_int_equal(cfg.otlp_nheaders, SE_OTLP_HEADERS_MAX);
	assert_int_equal(se_cli_parse(&cfg, argc, argv, out, err, sizeof(err)), SE_CLI_ERROR);
	assert_int_equal(fclose(out), 0);
	free(text);
	assert_error_names("--otlp-header");
	assert_null(strstr(err, "X-H16=16")); /* header values are secrets: never echoed */
	assert_non_null(strstr(err, "16 headers"));
}

static void test_otlp_endpoint_userinfo_not_echoed(void **state)
{
	static char url[SE_OTLP_ENDPOINT_MAX + 32];
	struct se_config cfg;

	assert_int_equal(parse(&cfg, "--otlp-endpoint", "grpc://user:s3cret@collector:4317", NULL),
			 SE_CLI_ERROR);
	assert_error_names("--otlp-endpoint");
	assert_non_null(strstr(err, "'grpc://collector:4317'"));
	assert_null(strstr(err, "s3cret"));

	memset(url, 'a', sizeof(url) - 1);
	memcpy(url, "https://user:s3cret@", 20);
	assert_int_equal(parse(&cfg, "--otlp-endpoint", url, NULL), SE_CLI_ERROR);
	assert_error_names("--otlp-endpoint");
	assert_non_null(strstr(err, "https://aaa"));
	assert_null(strstr(err, "s3cret"));
}

static void test_otlp_tls_flags(void **state)
{
	static const struct {
		const char *flag;
		size_t offset;
	} flags[] = {
		{ "--otlp-certificate", offsetof(struct se_otlp_tls, ca) },
		{ "--otlp-client-certificate", offsetof(struct se_otlp_tls, cert) },
		{ "--otlp-client-key", offsetof(struct se_otlp_tls, key) },
	};
	static char long_path[PATH_MAX + 1];
	struct se_config cfg;

	assert_int_equal(parse(&cfg, NULL), SE_CLI_RUN);
	for (int sig = 0; sig < SE_OTLP_SIGNALS; sig++) {
		assert_string_equal(cfg.otlp_tls[sig].ca.path, "");
		assert_string_equal(cfg.otlp_tls[sig].cert.path, "");
		assert_string_equal(cfg.otlp_tls[sig].key.path, "");
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		/* the file is only checked once the variables are read (se_config_apply_env) */
		assert_int_equal(parse(&cfg, flags[i].flag, "/first.pem", flags[i].flag,
				       "/etc/otlp/x.pem", NULL),
				 SE_CLI_RUN);
		for (int sig = 0; sig < SE_OTLP_SIGNALS; sig++) { /* both signals, the last wins */
			const struct se_config_file *f =
			    (const void *)((const char *)&cfg.otlp_tls[sig] + flags[i].offset);

			assert_string_equal(f->path, "/etc/otlp/x.pem");
			assert_string_equal(f->from, flags[i].flag);
		}
	}

	memset(long_path, 'p', sizeof(long_path) - 1);
	long_path[0] = '/';
	assert_int_equal(parse(&cfg, "--otlp-certificate", long_path, NULL), SE_CLI_ERROR);
	assert_error_names("--otlp-certificate");
	long_path[PATH_MAX - 1] = '\0'; /* the longest that fits */
	assert_int_equal(parse(&cfg, "--otlp-certificate", long_path, NULL), SE_CLI_RUN);
}

static char headers_path[64];

static void write_headers_file(const char *text, size_t len)
{
	int fd;

	snprintf(headers_path, sizeof(headers_path), "/tmp/sockeye-test-cli-headers-XXXXXX");
	fd = mkstemp(headers_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void test_otlp_headers_file(void **state)
{
	static const char text[] = "# from a Kubernetes secret\n"
				   "Authorization: Bearer s3cret-token\n"
				   "X-Tenant=from-file\n"
				   "X-Scope: a=b\n";
	struct se_config cfg;

	write_headers_file(text, sizeof(text) - 1);
	/* --otlp-header wins over the file, whatever the order on the line */
	assert_int_equal(parse(&cfg, "--otlp-headers-file", headers_path, "--otlp-header",
			       "x-tenant=flag", NULL),
			 SE_CLI_RUN);
	assert_int_equal(cfg.otlp_nheaders, 3);
	assert_string_equal(cfg.otlp_headers[0], "x-tenant: flag");
	assert_string_equal(cfg.otlp_headers[1], "Authorization: Bearer s3cret-token");
	assert_string_equal(cfg.otlp_headers[2], "X-Scope: a=b");
	assert_string_equal(err, "");
	unlink(headers_path);

	/* a bad line: named by its number, never quoted */
	write_headers_file("A: 1\nAuthorization Bearer s3cret\n", 32);
	assert_int_equal(parse(&cfg, "--otlp-headers-file", headers_path, NULL), SE_CLI_ERROR);
	assert_error_names("--otlp-headers-file");
	assert_non_null(strstr(err, headers_path));
	assert_non_null(strstr(err, "line 2"));
	assert_null(strstr(err, "s3cret"));
	unlink(headers_path);

	/* more than 16 headers with the flags' */
	{
		char many[SE_OTLP_HEADERS_MAX * 16];
		size_t n = 0;

		for (int i = 0; i < SE_OTLP_HEADERS_MAX; i++)
			n += (size_t)snprintf(many + n, sizeof(many) - n, "X-H%d: %d\n", i, i);
		write_headers_file(many, n);
		assert_int_equal(parse(&cfg, "--otlp-headers-file", headers_path, NULL),
				 SE_CLI_RUN);
		assert_int_equal(cfg.otlp_nheaders, SE_OTLP_HEADERS_MAX);
		assert_int_equal(parse(&cfg, "--otlp-header", "X-Flag=1", "--otlp-headers-file",
				       headers_path, NULL),
				 SE_CLI_ERROR);
		assert_error_names("--otlp-headers-file");
		assert_non_null(strstr(err, "line 16"));
		assert_non_null(strstr(err, "more than 16"));
		unlink(headers_path);
	}
}

static void test_otlp_headers_file_too_large(void **state)
{
	static char big[SE_OTLP_HEADERS_FILE_MAX + 1];
	struct se_config cfg;

	memset(big, '\n', sizeof(big)); /* blank lines: fine but for the size */
	memcpy(big, "A: 1\n", 5);
	write_headers_file(big, SE_OTLP_HEADERS_FILE_MAX);
	assert_int_equal(parse(&cfg, "--otlp-headers-file", headers_path, NULL), SE_CLI_RUN);
	assert_int_equal(cfg.otlp_nheaders, 1);
	unlink(headers_path);
	write_headers_file(big, sizeof(big));
	assert_int_equal(parse(&cfg, "--otlp-headers-file", headers_path, NULL), SE_CLI_ERROR);
	assert_error_names("--otlp-headers-file");
	assert_non_null(strstr(err, "larger than 64 KiB"));
	unlink(headers_path);
}

static void test_otlp_compression_timeout_temporality(void **state)
{
	struct se_config cfg;

	assert_int_equal(parse(&cfg, NULL), SE_CLI_RUN);
	assert_false(cfg.otlp_gzip);
	assert_int_equal(cfg.otlp_timeout_s, SE_DEFAULT_OTLP_TIMEOUT_S);
	assert_false(cfg.delta);
	assert_int_equal(cfg.flags_given, 0);

	assert_int_equal(parse(&cfg, "--otlp-compression", "gzip", NULL), SE_CLI_RUN);
	assert_true(cfg.otlp_gzip);
	assert_int_equal(cfg.flags_given, SE_GIVEN_COMPRESSION);
	assert_int_equal(
	    parse(&cfg, "--otlp-compression", "gzip", "--otlp-compression", "none", NULL),
	    SE_CLI_RUN);
	assert_false(cfg.otlp_gzip);
	assert_int_equal(cfg.flags_given, SE_GIVEN_COMPRESSION); /* "none" is a choice too */

	assert_int_equal(parse(&cfg, "--otlp-timeout", "1", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.otlp_timeout_s, 1);
	assert_int_equal(cfg.flags_given, SE_GIVEN_TIMEOUT);
	assert_int_equal(parse(&cfg, "--otlp-timeout=300", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.otlp_timeout_s, 300);
	/* the default, given explicitly, still counts as given */
	assert_int_equal(parse(&cfg, "--otlp-timeout", "10", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.flags_given, SE_GIVEN_TIMEOUT);

	assert_int_equal(parse(&cfg, "--temporality", "delta", NULL), SE_CLI_RUN);
	assert_true(cfg.delta);
	assert_int_equal(cfg.flags_given, SE_GIVEN_TEMPORALITY);
	assert_int_equal(parse(&cfg, "--temporality", "cumulative", NULL), SE_CLI_RUN);
	assert_false(cfg.delta);
	assert_int_equal(cfg.flags_given, SE_GIVEN_TEMPORALITY);

	assert_int_equal(parse(&cfg, "--temporality", "delta", "--otlp-timeout", "5",
			       "--otlp-compression", "gzip", NULL),
			 SE_CLI_RUN);
	assert_int_equal(cfg.flags_given,
			 SE_GIVEN_COMPRESSION | SE_GIVEN_TIMEOUT | SE_GIVEN_TEMPORALITY);
	assert_true(cfg.delta);
	assert_int_equal(cfg.otlp_timeout_s, 5);
	assert_true(cfg.otlp_gzip);

	assert_int_equal(parse(&cfg, NULL), SE_CLI_RUN);
	assert_int_equal(cfg.metrics_ttl_s, SE_DEFAULT_METRICS_TTL_S);
	assert_int_equal(parse(&cfg, "--metrics-ttl", "2", "--window", "1", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.metrics_ttl_s, 2);
	/* at least twice the window, whatever order the flags come in */
	assert_int_equal(parse(&cfg, "--metrics-ttl", "9", NULL), SE_CLI_ERROR);
	assert_error_names("--metrics-ttl");
	assert_int_equal(parse(&cfg, "--window", "10", "--metrics-ttl", "19", NULL), SE_CLI_ERROR);
	assert_int_equal(parse(&cfg, "--metrics-ttl", "20", "--window", "10", NULL), SE_CLI_RUN);
	/* not given: the default, or twice a long window */
	assert_int_equal(parse(&cfg, "--window", "3600", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.metrics_ttl_s, 7200);
	assert_int_equal(parse(&cfg, "--metrics-ttl=86400", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.metrics_ttl_s, 86400);
}

static void test_tls(void **state)
{
	struct se_config cfg;

	assert_int_equal(parse(&cfg, NULL), SE_CLI_RUN);
	assert_int_equal(cfg.tls, SE_TLS_ON);
	assert_int_equal(parse(&cfg, "--tls", "off", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.tls, SE_TLS_OFF);
	assert_int_equal(parse(&cfg, "--tls=off", "--tls", "on", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.tls, SE_TLS_ON);
	assert_int_equal(parse(&cfg, "--tls", "yes", NULL), SE_CLI_ERROR);
	assert_int_equal(parse(&cfg, "--tls", "", NULL), SE_CLI_ERROR);
}

static void test_data_hooks(void **state)
{
	struct se_config cfg;

	assert_int_equal(parse(&cfg, NULL), SE_CLI_RUN);
	assert_int_equal(cfg.data_hooks, SE_HOOKS_AUTO);
	assert_int_equal(parse(&cfg, "--data-hooks", "socket", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.data_hooks, SE_HOOKS_SOCKET);
	assert_int_equal(parse(&cfg, "--data-hooks=syscall", NULL), SE_CLI_RUN);
	assert_int_equal(cfg.data_hooks, SE_HOOKS_SYSCALL);
	assert_int_equal(parse(&cfg, "--data-hooks", "syscall", "--data-hooks", "auto", NULL),
			 SE_CLI_RUN);
	assert_int_equal(cfg.data_hooks, SE_HOOKS_AUTO);
}

/* A header value with CR or LF is rejected (no header injection) with a one-line error. */
static void test_otlp_header_crlf(void **state)
{
	static const char *const bad[] = { "X=a\r\nInjected: 1", "X=a\nb", "X=a\rb" };
	struct se_config cfg;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&cfg, "--otlp-header", bad[i], NULL), SE_CLI_ERROR);
		assert_non_null(strstr(err, "--otlp-header"));
		if (strpbrk(err, "\r\n"))
			fail_msg("error is not one line: '%s'", err);
	}
}

/* ---- bad values --------------------------------------------------------------------------- */

static void test_bad_values(void **state)
{
	static const struct {
		const char *flag, *value, *named;
	} bad[] = {
		{ "--workers", "0", "--workers" },
		{ "--workers", "257", "--workers" },
		{ "--workers", "abc", "--workers" },
		{ "--workers", "", "--workers" },
		{ "--workers", "-1", "--workers" },
		{ "-w", "0", "--workers" },
		{ "--rings", "0", "--rings" },
		{ "--rings", "1025", "--rings" },
		{ "--rings", "two", "--rings" },
		{ "--buffer-budget", "255K", "--buffer-budget" },
		{ "--buffer-budget", "5G", "--buffer-budget" },
		{ "--buffer-budget", "32X", "--buffer-budget" },
		{ "--ring-size", "32K", "--ring-size" },
		{ "--ring-size", "2G", "--ring-size" },
		{ "--ring-size", "100K", "--ring-size" }, /* not a power of two */
		{ "--ring-size", "3M", "--ring-size" },
		{ "--ring-size", "4X", "--ring-size" },
		{ "--ring-size", "", "--ring-size" },
		{ "--ports", "0", "--ports" },
		{ "--ports", "80,", "--ports" },
		{ "--ports", "65536", "--ports" },
		{ "--ports", "", "--ports" },
		{ "--window", "0", "--window" },
		{ "--window", "3601", "--window" },
		{ "--window", "5s", "--window" },
		{ "--duration", "-1", "--duration" },
		{ "--duration", "x", "--duration" },
		{ "--duration", "31536001", "--duration" },
		{ "--netns", "relative/path", "--netns" },
		{ "--netns", "", "--netns" },
		{ "--netns", "SELF", "--netns" },
		{ "--pid", "0", "--pid" },
		{ "--pid", "4194305", "--pid" },
		{ "--pid", "init", "--pid" },
		{ "--capture-bytes", "16385", "--capture-bytes" },
		{ "--capture-bytes", "-5", "--capture-bytes" },
		{ "--poll-ms", "0", "--poll-ms" },
		{ "--poll-ms", "1001", "--poll-ms" },
		{ "--wakeup-bytes", "4X", "--wakeup-bytes" },
		{ "--wakeup-bytes", "", "--wakeup-bytes" },
		{ "--max-connections", "63", "--max-connections" },
		{ "--max-connections", "4194305", "--max-connections" },
		{ "--max-groups", "15", "--max-groups" },
		{ "--max-groups", "1048577", "--max-groups" },
		{ "--export-queue", "0", "--export-queue" },
		{ "--export-queue", "1025", "--export-queue" },
		{ "--listen", "9464", "--listen" },
		{ "--listen", "localhost:9464", "--listen" },
		{ "--listen", "127.0.0.1:0", "--listen" },
		{ "--listen", "127.0.0.1:65536", "--listen" },
		{ "--listen", "::1:9464", "--listen" },
		{ "--listen", "[::1]:", "--listen" },
		{ "--listen", "", "--listen" },
		{ "--otlp-endpoint", "collector:4318", "--otlp-endpoint" },
		{ "--otlp-endpoint", "ftp://collector", "--otlp-endpoint" },
		{ "--otlp-endpoint", "grpc://collector:4317", "--otlp-endpoint" },
		{ "--otlp-endpoint", "http:/x", "--otlp-endpoint" },
		{ "--otlp-endpoint", "", "--otlp-endpoint" },
		{ "--otlp-header", "novalue", "--otlp-header" },
		{ "--otlp-header", "=v", "--otlp-header" },
		{ "--otlp-header", "bad name=v", "--otlp-header" },
		{ "--otlp-header", "X:Y=v", "--otlp-header" },
		{ "--otlp-header", "", "--otlp-header" },
		{ "--otlp-compression", "zstd", "--otlp-compression" },
		{ "--otlp-compression", "GZIP", "--otlp-compression" },
		{ "--otlp-compression", "", "--otlp-compression" },
		{ "--otlp-timeout", "0", "--otlp-timeout" },
		{ "--otlp-timeout", "301", "--otlp-timeout" },
		{ "--otlp-timeout", "5s", "--otlp-timeout" },
		{ "--otlp-timeout", "-1", "--otlp-timeout" },
		{ "--otlp-timeout", "", "--otlp-timeout" },
		{ "--temporality", "DELTA", "--temporality" },
		{ "--temporality", "deltas", "--temporality" },
		{ "--temporality", "", "--temporality" },
		{ "--metrics-ttl", "0", "--metrics-ttl" },
		{ "--metrics-ttl", "86401", "--metrics-ttl" },
		{ "--metrics-ttl", "5m", "--metrics-ttl" },
		{ "--data-hooks", "kprobe", "--data-hooks" },
		{ "--data-hooks", "Socket", "--data-hooks" },
		{ "--data-hooks", "", "--data-hooks" },
		{ "--otlp-certificate", "", "--otlp-certificate" },
		{ "--otlp-client-certificate", "", "--otlp-client-certificate" },
		{ "--otlp-client-key", "", "--otlp-client-key" },
		{ "--otlp-headers-file", "", "--otlp-headers-file" },
		{ "--otlp-headers-file", "/nonexistent/headers", "--otlp-headers-file" },
		{ "--otlp-headers-file", "/", "--otlp-headers-file" }, /* a directory */
	};
	struct se_config cfg;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&cfg, bad[i].flag, bad[i].value, NULL) != SE_CLI_ERROR)
			fail_msg("%s '%s' accepted", bad[i].flag, bad[i].value);
		assert_error_names(bad[i].named);
		/* the OTLP flags quote the value too, but for headers: their values are secrets
		 * (tokens) and are never echoed */
		if (!strcmp(bad[i].flag, "--otlp-header")) {
			if (*bad[i].value && strstr(err, bad[i].value))
				fail_msg("error '%s' echoes the header '%s'", err, bad[i].value);
		} else if ((!strncmp(bad[i].flag, "--otlp", 6) ||
			    !strcmp(bad[i].flag, "--temporality") ||
			    !strcmp(bad[i].flag, "--data-hooks")) &&
			   !strstr(err, bad[i].value)) {
			fail_msg("error '%s' does not quote '%s'", err, bad[i].value);
		}
		assert_int_equal(out_len, 0);
	}
}

static void test_too_long_netns_path(void **state)
{
	static char path[PATH_MAX + 2];
	struct se_config cfg;

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(parse(&cfg, "--netns", path, NULL), SE_CLI_ERROR);
	assert_error_names("--netns");
}

static void test_unknown_option(void **state)
{
	struct se_config cfg;

	assert_int_equal(parse(&cfg, "--bogus", NULL), SE_CLI_ERROR);
	assert_error_names("--bogus");
	assert_int_equal(parse(&cfg, "-x", NULL), SE_CLI_ERROR);
	assert_error_names("-x");
	assert_int_equal(parse(&cfg, "--stdout", "--bogus=3", NULL), SE_CLI_ERROR);
	assert_error_names("--bogus");
	assert_int_equal(parse(&cfg, "extra", NULL), SE_CLI_ERROR);
	assert_error_names("extra");
	assert_int_equal(parse(&cfg, "--stdout", "--", "extra", NULL), SE_CLI_ERROR);
	assert_error_names("extra");
}

/* An unknown letter at the head of a group of short options is still named in the error. */
static void test_unknown_option_in_group(void **state)
{
	struct se_config cfg;

	/* Naming the group ("-vx") or the letter ("-x") both point the user at the typo. */
	assert_int_equal(parse(&cfg, "-vx", NULL), SE_CLI_ERROR);
	if (!strstr(err, "-vx") && !strstr(err, "-x"))
		fail_msg("error '%s' names neither -vx nor -x", err);
	/* getopt has not moved past "-xv" yet when it reports x: argv[optind - 1] is argv[0]. */
	assert_int_equal(parse(&cfg, "-xv", NULL), SE_CLI_ERROR);
	if (!strstr(err, "-xv") && !strstr(err, "-x"))
		fail_msg("error '%s' names neither -xv nor -x", err);
}

static void test_missing_value(void **state)
{
	static const char *const need_value[] = {
		"--workers",
		"--ring-size",
		"--rings",
		"--ports",
		"--window",
		"--duration",
		"--netns",
		"--pid",
		"--capture-bytes",
		"--poll-ms",
		"--wakeup-bytes",
		"--max-connections",
		"--max-groups",
		"--buffer-budget",
		"--export-queue",
		"--otlp-endpoint",
		"--otlp-header",
		"--otlp-headers-file",
		"--otlp-certificate",
		"--otlp-client-certificate",
		"--otlp-client-key",
		"--otlp-compression",
		"--otlp-timeout",
		"--temporality",
		"--metrics-ttl",
	};
	struct se_config cfg;

	for (size_t i = 0; i < sizeof(need_value) / sizeof(need_value[0]); i++) {
		assert_int_equal(parse(&cfg, need_value[i], NULL), SE_CLI_ERROR);
		assert_error_names(need_value[i]);
		assert_non_null(strstr(err, "value"));
	}
	assert_int_equal(parse(&cfg, "--stdout", "-w", NULL), SE_CLI_ERROR);
	assert_error_names("-w");
}

static void test_error_truncated_to_buffer(void **state)
{
	char small[8];
	char *argv[] = { "sockeye", "--workers", "banana", NULL };
	struct se_config cfg;

	memset(small, 'x', sizeof(small));
	assert_int_equal(se_cli_parse(&cfg, 3, argv, stdout, small, sizeof(small)), SE_CLI_ERROR);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, "--worke", sizeof(small));
}

/* ---- --help, --version -------------------------------------------------------------------- */

/* The long option names of se_cli_options[] in cli.c, read from the source. */
static unsigned int read_option_table(char names[OPTIONS_MAX][64])
{
	FILE *f = fopen(SOCKEYE_CLI_SOURCE, "r");
	char line[512];
	bool in_table = false;
	unsigned int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *q;

		if (strstr(line, "se_cli_options[]")) {
			in_table = true;
			continue;
		}
		if (!in_table)
			continue;
		if (strstr(line, "};"))
			break;
		q = strstr(line, "{ \"");
		if (!q)
			continue;
		q += 3;
		assert_true(n < OPTIONS_MAX);
		assert_true(strcspn(q, "\"") < 64);
		snprintf(names[n], 64, "%.*s", (int)strcspn(q, "\""), q);
		n++;
	}
	fclose(f);
	return n;
}

static void test_help(void **state)
{
	static const char *const expected[] = {
		"workers",
		"ring-size",
		"ports",
		"window",
		"duration",
		"stdout",
		"connections",
		"netns",
		"pid",
		"capture-bytes",
		"poll-ms",
		"wakeup-bytes",
		"max-connections",
		"max-groups",
		"export-queue",
		"rings",
		"buffer-budget",
		"otlp-endpoint",
		"otlp-header",
		"otlp-compression",
		"otlp-timeout",
		"temporality",
		"metrics-ttl",
		"verbose",
		"version",
		"help",
		"otlp-headers-file",
		"otlp-certificate",
		"otlp-client-key",
		"otlp-client-certificate",
	};
	char names[OPTIONS_MAX][64];
	unsigned int n = read_option_table(names);
	struct se_config cfg;
	char flag[80];

	/* The table as read holds at least the documented flags. */
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		bool found = false;

		for (unsigned int k = 0; k < n; k++)
			found |= !strcmp(names[k], expected[i]);
		if (!found)
			fail_msg("--%s not in the option table of %s", expected[i],
				 SOCKEYE_CLI_SOURCE);
	}

	assert_int_equal(parse(&cfg, "--help", NULL), SE_CLI_EXIT);
	assert_true(out_len > 0);
	assert_non_null(strstr(out_text, "Usage: sockeye"));
	for (unsigned int k = 0; k < n; k++) {
		snprintf(flag, sizeof(flag), "--%.63s", names[k]);
		if (!strstr(out_text, flag))
			fail_msg("--help does not mention %s", flag);
	}
	/* Defaults are shown with the flags. */
	assert_non_null(strstr(out_text, SE_DEFAULT_PORTS));
	{
		const char *line = strstr(out_text, "--otlp-timeout");
		char def[32];

		assert_non_null(line);
		snprintf(def, sizeof(def), "(default %u)", SE_DEFAULT_OTLP_TIMEOUT_S);
		line = strstr(line, def);
		assert_non_null(line);
		assert_true(memchr(strstr(out_text, "--otlp-timeout"), '\n',
				   (size_t)(line - strstr(out_text, "--otlp-timeout"))) == NULL);
	}

	assert_int_equal(parse(&cfg, "-h", NULL), SE_CLI_EXIT);
	assert_non_null(strstr(out_text, "Usage: sockeye"));
	/* --help wins over what follows it. */
	assert_int_equal(parse(&cfg, "--help", "--workers", "0", NULL), SE_CLI_EXIT);
}

/* Every flag of the table is recognised by the parser (none is "unknown"). */
static void test_table_flags_recognised(void **state)
{
	char names[OPTIONS_MAX][64];
	unsigned int n = read_option_table(names);
	struct se_config cfg;
	char flag[80];

	assert_true(n >= 16);
	for (unsigned int k = 0; k < n; k++) {
		snprintf(flag, sizeof(flag), "--%.63s", names[k]);
		parse(&cfg, flag, NULL);
		if (strstr(err, "unknown"))
			fail_msg("%s: %s", flag, err);
	}
}

static void test_version(void **state)
{
	struct se_config cfg;

	assert_int_equal(parse(&cfg, "--version", NULL), SE_CLI_EXIT);
	assert_string_equal(out_text, "sockeye " SOCKEYE_VERSION "\n");
}

/* getopt keeps global state; se_cli_parse resets it so a process may parse many times. */
static void test_repeated_parses(void **state)
{
	struct se_config cfg;

	for (int round = 0; round < 3; round++) {
		assert_int_equal(parse(&cfg, "--workers", "3", "-v", NULL), SE_CLI_RUN);
		assert_int_equal(cfg.workers, 3);
		assert_int_equal(cfg.verbose, 1);
		/* Defaults come back: nothing leaks from the previous parse. */
		assert_int_equal(parse(&cfg, NULL), SE_CLI_RUN);
		assert_int_equal(cfg.workers, 0);
		assert_int_equal(cfg.verbose, 0);
		/* An error in the middle of a group of short options leaves no state behind. */
		assert_int_equal(parse(&cfg, "-vvw", NULL), SE_CLI_ERROR);
		assert_int_equal(parse(&cfg, "--help", NULL), SE_CLI_EXIT);
		assert_int_equal(parse(&cfg, "--window", "9", NULL), SE_CLI_RUN);
		assert_int_equal(cfg.window_s, 9);
		assert_string_equal(err, "");
	}
}

static int teardown(void **state)
{
	free(out_text);
	out_text = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_workers),
		cmocka_unit_test(test_buffer_budget),
		cmocka_unit_test(test_ring_size),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_window_duration),
		cmocka_unit_test(test_switches),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_netns),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_wakeup_bytes),
		cmocka_unit_test(test_otlp_endpoint),
		cmocka_unit_test(test_otlp_endpoint_too_long),
		cmocka_unit_test(test_otlp_headers),
		cmocka_unit_test(test_otlp_endpoint_userinfo_not_echoed),
		cmocka_unit_test(test_otlp_tls_flags),
		cmocka_unit_test(test_otlp_headers_file),
		cmocka_unit_test(test_otlp_headers_file_too_large),
		cmocka_unit_test(test_otlp_compression_timeout_temporality),
		cmocka_unit_test(test_data_hooks),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_otlp_header_crlf),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_too_long_netns_path),
		cmocka_unit_test(test_unknown_option),
		cmocka_unit_test(test_unknown_option_in_group),
		cmocka_unit_test(test_missing_value),
		cmocka_unit_test(test_error_truncated_to_buffer),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_table_flags_recognised),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_repeated_parses),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}

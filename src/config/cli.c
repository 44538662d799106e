// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The command line (getopt_long). Every flag is listed in --help with its default; a bad
 * value is one line naming the flag, and main exits with status 2.
 */
#include "config/config.h"
#include "util/url.h"

#include <getopt.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#ifndef SOCKEYE_VERSION
#define SOCKEYE_VERSION "0.0.0"
#endif

enum {
	OPT_RING_SIZE = 0x100,
	OPT_RINGS,
	OPT_PORTS,
	OPT_WINDOW,
	OPT_DURATION,
	OPT_STDOUT,
	OPT_CONNECTIONS,
	OPT_NETNS,
	OPT_PID,
	OPT_CAPTURE_BYTES,
	OPT_DATA_HOOKS,
	OPT_POLL_MS,
	OPT_WAKEUP_BYTES,
	OPT_MAX_CONNECTIONS,
	OPT_MAX_GROUPS,
	OPT_BUFFER_BUDGET,
	OPT_EXPORT_QUEUE,
	OPT_OTLP_ENDPOINT,
	OPT_OTLP_HEADER,
	OPT_OTLP_HEADERS_FILE,
	OPT_OTLP_CERTIFICATE,
	OPT_OTLP_CLIENT_CERTIFICATE,
	OPT_OTLP_CLIENT_KEY,
	OPT_OTLP_COMPRESSION,
	OPT_OTLP_TIMEOUT,
	OPT_TEMPORALITY,
	OPT_METRICS_TTL,
	OPT_MAX_SPANS,
	OPT_VERSION,
};

static const struct option se_cli_options[] = {
	{ "workers", required_argument, NULL, 'w' },
	{ "ring-size", required_argument, NULL, OPT_RING_SIZE },
	{ "rings", required_argument, NULL, OPT_RINGS },
	{ "ports", required_argument, NULL, OPT_PORTS },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "stdout", no_argument, NULL, OPT_STDOUT },
	{ "connections", no_argument, NULL, OPT_CONNECTIONS },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "capture-bytes", required_argument, NULL, OPT_CAPTURE_BYTES },
	{ "data-hooks", required_argument, NULL, OPT_DATA_HOOKS },
	{ "poll-ms", required_argument, NULL, OPT_POLL_MS },
	{ "wakeup-bytes", required_argument, NULL, OPT_WAKEUP_BYTES },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS },
	{ "max-groups", required_argument, NULL, OPT_MAX_GROUPS },
	{ "buffer-budget", required_argument, NULL, OPT_BUFFER_BUDGET },
	{ "export-queue", required_argument, NULL, OPT_EXPORT_QUEUE },
	{ "otlp-endpoint", required_argument, NULL, OPT_OTLP_ENDPOINT },
	{ "otlp-header", required_argument, NULL, OPT_OTLP_HEADER },
	{ "otlp-headers-file", required_argument, NULL, OPT_OTLP_HEADERS_FILE },
	{ "otlp-certificate", required_argument, NULL, OPT_OTLP_CERTIFICATE },
	{ "otlp-client-certificate", required_argument, NULL, OPT_OTLP_CLIENT_CERTIFICATE },
	{ "otlp-client-key", required_argument, NULL, OPT_OTLP_CLIENT_KEY },
	{ "otlp-compression", required_argument, NULL, OPT_OTLP_COMPRESSION },
	{ "otlp-timeout", required_argument, NULL, OPT_OTLP_TIMEOUT },
	{ "temporality", required_argument, NULL, OPT_TEMPORALITY },
	{ "metrics-ttl", required_argument, NULL, OPT_METRICS_TTL },
	{ "max-spans-per-second", required_argument, NULL, OPT_MAX_SPANS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void se_cli_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: sockeye [OPTIONS]\n"
	    "Observe the TCP traffic of the processes of this network namespace (the pod) from\n"
	    "the kernel with eBPF, and report it every window.\n"
	    "\n"
	    "Output:\n"
	    "  --stdout                 JSON lines on stdout, one object per line, flushed per\n"
	    "                           window (the default when no other output is chosen)\n"
	    "  --otlp-endpoint URL      export over OTLP/HTTP (protobuf): POST to URL/v1/metrics\n"
	    "                           and URL/v1/traces (default: OTEL_EXPORTER_OTLP_ENDPOINT)\n"
	    "  --otlp-header NAME=VALUE add a header to every export, e.g. an auth token;\n"
	    "                           repeatable (and OTEL_EXPORTER_OTLP_HEADERS)\n"
	    "  --otlp-headers-file FILE headers read from FILE at start, one \"NAME: VALUE\"\n"
	    "                           (or NAME=VALUE) a line, '#' comments: keeps tokens off\n"
	    "                           the command line (--otlp-header wins over it)\n"
	    "  --otlp-certificate FILE  CA certificates (PEM) that verify the collector, instead\n"
	    "                           of the system's (OTEL_EXPORTER_OTLP_CERTIFICATE)\n"
	    "  --otlp-client-certificate FILE  client certificate (PEM) for mutual TLS\n"
	    "                           (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE)\n"
	    "  --otlp-client-key FILE   its private key (PEM), when not in the certificate file\n"
	    "                           (OTEL_EXPORTER_OTLP_CLIENT_KEY)\n"
	    "  --otlp-compression none|gzip  body compression (default none)\n"
	    "  --otlp-timeout SECONDS   per export attempt, 1..300 (default %u)\n"
	    "  --temporality cumulative|delta  of sums and histograms (default cumulative)\n"
	    "  --metrics-ttl SECONDS    a cumulative HTTP series not counted into for this long\n"
	    "                           ends (its room goes to new ones), 1..86400, at least\n"
	    "                           twice --window (default %u)\n"
	    "  --max-spans-per-second N  requests with trace context that get a span of their\n"
	    "                           own, 0..1000000 (default %u); the rest are counted\n"
	    "  --connections            add one \"conn\" line per connection that moved data in\n"
	    "                           the window\n"
	    "  --window SECONDS         window length, aligned to wall-clock multiples "
	    "(default %u)\n"
	    "  --duration SECONDS       stop after this long, flushing the last window\n"
	    "                           (default 0: run until SIGINT, SIGTERM, SIGHUP or\n"
	    "                           SIGQUIT)\n"
	    "\n"
	    "What is captured:\n"
	    "  --ports LIST             watched TCP ports, local or remote; comma-separated ports\n"
	    "                           and ranges (default %s)\n"
	    "  --netns PATH|self|all    network namespace to watch: self = sockeye's own,\n"
	    "                           all = every namespace, or a path such as\n"
	    "                           /var/run/netns/NAME or /proc/PID/ns/net (default self)\n"
	    "  --pid PID                only this process (default: every process)\n"
	    "  --capture-bytes N        payload prefix copied per syscall, 0..%u (default %u)\n"
	    "  --data-hooks auto|socket|syscall  where the kernel reports data: socket\n"
	    "                           tracepoints (Linux 6.3+, cheapest), or the exit of\n"
	    "                           each data syscall; auto = socket when available\n"
	    "\n"
	    "Tuning:\n"
	    "  -w, --workers N          worker threads draining the rings, 1..%u\n"
	    "                           (default: one per CPU sockeye may use: its affinity\n"
	    "                           and its cgroup's CPU limit)\n"
	    "  --rings N                ring buffers, 1..%u; a connection writes to the ring of\n"
	    "                           its first CPU modulo N (default: one per CPU sockeye\n"
	    "                           may use, at least one per worker)\n"
	    "  --ring-size BYTES        bytes per ring, power of two, K/M/G suffixes,\n"
	    "                           64K..1G (default 4M)\n"
	    "  --poll-ms MS             how often a worker drains its rings while records come,\n"
	    "                           1..1000 (default %u); when they stop, the interval\n"
	    "                           doubles up to 32 ms\n"
	    "  --wakeup-bytes BYTES     wake a worker each time this much more is written to\n"
	    "                           one of its rings, 0 = timer only, at most half the\n"
	    "                           ring (default: ring size / 4, at most 128K)\n"
	    "  --max-connections N      connections tracked at once, 64..4194304 (default %u)\n"
	    "  --max-groups N           HTTP groups kept per worker and window, 16..1048576;\n"
	    "                           further requests go to an overflow group (default %u)\n"
	    "  --buffer-budget BYTES    per worker, for what connections hold beyond their\n"
	    "                           state (split heads, pipelined requests, out-of-order\n"
	    "                           payload), 256K..4G; beyond it that is dropped, counted\n"
	    "                           (default 32M)\n"
	    "  --export-queue N         merged windows waiting for a slow exporter, 1..1024;\n"
	    "                           beyond it the oldest are dropped, counted (default %u)\n"
	    "\n"
	    "Other:\n"
	    "  -v, --verbose            more logs on stderr (libbpf and verifier output)\n"
	    "  --version                print the version and exit\n"
	    "  -h, --help               print this help and exit\n"
	    "\n"
	    "Exit status: 0 on success, 1 on a run-time failure, 2 on a bad command line.\n",
	    SE_DEFAULT_OTLP_TIMEOUT_S, SE_DEFAULT_METRICS_TTL_S, SE_DEFAULT_MAX_SPANS_PER_SECOND,
	    SE_DEFAULT_WINDOW_S, SE_DEFAULT_PORTS, SE_CAPTURE_MAX, SE_CAPTURE_DEFAULT,
	    SE_WORKERS_MAX, SE_RINGS_MAX, SE_DEFAULT_POLL_MS, SE_DEFAULT_MAX_CONNECTIONS,
	    SE_DEFAULT_MAX_GROUPS, SE_DEFAULT_EXPORT_QUEUE);
}

static enum se_cli_result se_cli_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return SE_CLI_ERROR;
}

static bool se_cli_uint(const char *arg, unsigned long long min, unsigned long long max,
			unsigned int *out)
{
	unsigned long long v;

	if (se_config_parse_uint(arg, min, max, &v))
		return false;
	*out = (unsigned int)v;
	return true;
}

/* A TLS file flag: both signals' exports use it. The file is checked once the variables are
 * read (se_config_apply_env), when it is known whether anything is exported. */
static bool se_cli_tls_file(struct se_config *cfg, const char *flag, const char *arg, size_t offset)
{
	if (!*arg || strlen(arg) >= PATH_MAX)
		return false;
	for (int sig = 0; sig < SE_OTLP_SIGNALS; sig++) {
		struct se_config_file *f =
		    (struct se_config_file *)((char *)&cfg->otlp_tls[sig] + offset);

		strcpy(f->path, arg);
		f->from = flag;
	}
	return true;
}

static bool se_cli_ring_size(const char *arg, uint64_t *out)
{
	uint64_t v;

	if (se_config_parse_size(arg, &v) || v < SE_RING_SIZE_MIN || v > SE_RING_SIZE_MAX ||
	    (v & (v - 1)))
		return false;
	*out = v;
	return true;
}

enum se_cli_result se_cli_parse(struct se_config *cfg, int argc, char **argv, FILE *out, char *err,
				size_t errlen)
{
	bool wakeup_set = false, ttl_set = false;
	const char *headers_file = NULL;
	unsigned int pid;
	int c;

	se_config_defaults(cfg);
	err[0] = '\0';
	optind = 0; /* reset getopt so tests can parse several command lines */
	opterr = 0;
	for (;;) {
		/* The argument getopt is looking at, to name it in errors ("-xv": -x; "--foo").
		 * "+" in the option string stops at the first operand, so nothing is permuted. */
		const char *token = argv[optind ? optind : 1];
		const char *arg;

		c = getopt_long(argc, argv, "+:w:vh", se_cli_options, NULL);
		if (c == -1)
			break;
		arg = optarg;

		switch (c) {
		case 'w':
			if (!se_cli_uint(arg, 1, SE_WORKERS_MAX, &cfg->workers))
				return se_cli_fail(err, errlen,
						   "--workers: '%s' is not a number from 1 to %u",
						   arg, SE_WORKERS_MAX);
			break;
		case OPT_RINGS:
			if (!se_cli_uint(arg, 1, SE_RINGS_MAX, &cfg->rings))
				return se_cli_fail(err, errlen,
						   "--rings: '%s' is not a number from 1 to %u",
						   arg, SE_RINGS_MAX);
			break;
		case OPT_RING_SIZE:
			if (!se_cli_ring_size(arg, &cfg->ring_size))
				return se_cli_fail(err, errlen,
						   "--ring-size: '%s' is not a power of two from "
						   "64K to 1G",
						   arg);
			break;
		case OPT_PORTS:
			if (se_config_parse_ports(arg, cfg->watched_ports))
				return se_cli_fail(err, errlen,
						   "--ports: '%s' is not a list of ports 1-65535 "
						   "(e.g. 80,443,8000-8010)",
						   arg);
			snprintf(cfg->ports_text, sizeof(cfg->ports_text), "%s", arg);
			break;
		case OPT_WINDOW:
			if (!se_cli_uint(arg, 1, 3600, &cfg->window_s))
				return se_cli_fail(err, errlen,
						   "--window: '%s' is not a number of seconds "
						   "from 1 to 3600",
						   arg);
			break;
		case OPT_DURATION:
			if (!se_cli_uint(arg, 0, 31536000, &cfg->duration_s))
				return se_cli_fail(err, errlen,
						   "--duration: '%s' is not a number of seconds",
						   arg);
			break;
		case OPT_STDOUT:
			cfg->out_stdout = true;
			cfg->out_stdout_explicit = true;
			break;
		case OPT_OTLP_ENDPOINT: {
			char shown[256]; /* a URL's user:password is a secret: never echoed */

			if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))
				return se_cli_fail(err, errlen,
						   "--otlp-endpoint: '%s' is not an http:// or "
						   "https:// URL",
						   se_url_redact(arg, shown, sizeof(shown)));
			if (strlen(arg) >= sizeof(cfg->otlp_endpoint))
				return se_cli_fail(err, errlen,
						   "--otlp-endpoint: '%s' is longer than %u bytes",
						   se_url_redact(arg, shown, sizeof(shown)),
						   SE_OTLP_ENDPOINT_MAX - 1);
			strcpy(cfg->otlp_endpoint, arg);
			break;
		}
		case OPT_OTLP_HEADERS_FILE:
			if (!*arg)
				return se_cli_fail(err, errlen,
						   "--otlp-headers-file: needs a file");
			headers_file = arg; /* read once every --otlp-header is in: they win */
			break;
		case OPT_OTLP_CERTIFICATE:
			if (!se_cli_tls_file(cfg, "--otlp-certificate", arg,
					     offsetof(struct se_otlp_tls, ca)))
				return se_cli_fail(err, errlen,
						   "--otlp-certificate: '%.64s' is not a file path",
						   arg);
			break;
		case OPT_OTLP_CLIENT_CERTIFICATE:
			if (!se_cli_tls_file(cfg, "--otlp-client-certificate", arg,
					     offsetof(struct se_otlp_tls, cert)))
				return se_cli_fail(err, errlen,
						   "--otlp-client-certificate: '%.64s' is not a "
						   "file path",
						   arg);
			break;
		case OPT_OTLP_CLIENT_KEY:
			if (!se_cli_tls_file(cfg, "--otlp-client-key", arg,
					     offsetof(struct se_otlp_tls, key)))
				return se_cli_fail(err, errlen,
						   "--otlp-client-key: '%.64s' is not a file path",
						   arg);
			break;
		case OPT_OTLP_HEADER: {
			int ret = se_config_add_header(cfg, arg);

			if (ret)
				return se_cli_fail(
				    err, errlen,
				    ret == -ENOSPC ? "--otlp-header: more than 16 headers%.0s"
						   : "--otlp-header: not NAME=VALUE (NAME an HTTP "
						     "token, VALUE without CR or LF)%.0s",
				    arg); /* values are secrets: never echoed */
			break;
		}
		case OPT_OTLP_COMPRESSION:
			if (strcmp(arg, "gzip") && strcmp(arg, "none"))
				return se_cli_fail(
				    err, errlen,
				    "--otlp-compression: '%s' is neither gzip nor none", arg);
			cfg->otlp_gzip = !strcmp(arg, "gzip");
			cfg->flags_given |= SE_GIVEN_COMPRESSION;
			break;
		case OPT_OTLP_TIMEOUT:
			if (!se_cli_uint(arg, 1, 300, &cfg->otlp_timeout_s))
				return se_cli_fail(
				    err, errlen,
				    "--otlp-timeout: '%s' is not a number of seconds "
				    "from 1 to 300",
				    arg);
			cfg->flags_given |= SE_GIVEN_TIMEOUT;
			break;
		case OPT_METRICS_TTL:
			if (!se_cli_uint(arg, 1, 86400, &cfg->metrics_ttl_s))
				return se_cli_fail(err, errlen,
						   "--metrics-ttl: '%s' is not a number of seconds "
						   "from 1 to 86400",
						   arg);
			ttl_set = true;
			break;
		case OPT_MAX_SPANS:
			if (!se_cli_uint(arg, 0, 1000000, &cfg->max_spans_per_second))
				return se_cli_fail(err, errlen,
						   "--max-spans-per-second: '%s' is not a number "
						   "from 0 to 1000000",
						   arg);
			break;
		case OPT_DATA_HOOKS:
			if (!strcmp(arg, "auto"))
				cfg->data_hooks = SE_HOOKS_AUTO;
			else if (!strcmp(arg, "socket"))
				cfg->data_hooks = SE_HOOKS_SOCKET;
			else if (!strcmp(arg, "syscall"))
				cfg->data_hooks = SE_HOOKS_SYSCALL;
			else
				return se_cli_fail(
				    err, errlen,
				    "--data-hooks: '%s' is not auto, socket or syscall", arg);
			break;
		case OPT_TEMPORALITY:
			if (strcmp(arg, "cumulative") && strcmp(arg, "delta"))
				return se_cli_fail(
				    err, errlen,
				    "--temporality: '%s' is neither cumulative nor delta", arg);
			cfg->delta = !strcmp(arg, "delta");
			cfg->flags_given |= SE_GIVEN_TEMPORALITY;
			break;
		case OPT_CONNECTIONS:
			cfg->connections = true;
			break;
		case OPT_NETNS:
			if (!strcmp(arg, "self")) {
				cfg->netns_mode = SE_NETNS_SELF;
			} else if (!strcmp(arg, "all")) {
				cfg->netns_mode = SE_NETNS_ALL;
			} else if (arg[0] == '/' && strlen(arg) < sizeof(cfg->netns_path)) {
				cfg->netns_mode = SE_NETNS_PATH;
				snprintf(cfg->netns_path, sizeof(cfg->netns_path), "%s", arg);
			} else {
				return se_cli_fail(err, errlen,
						   "--netns: '%s' is not 'self', 'all' or an "
						   "absolute path",
						   arg);
			}
			break;
		case OPT_PID:
			if (!se_cli_uint(arg, 1, 4194304, &pid))
				return se_cli_fail(err, errlen, "--pid: '%s' is not a process id",
						   arg);
			cfg->pid = (int)pid;
			break;
		case OPT_CAPTURE_BYTES:
			if (!se_cli_uint(arg, 0, SE_CAPTURE_MAX, &cfg->capture_bytes))
				return se_cli_fail(err, errlen,
						   "--capture-bytes: '%s' is not a number from 0 "
						   "to %u",
						   arg, SE_CAPTURE_MAX);
			break;
		case OPT_POLL_MS:
			if (!se_cli_uint(arg, 1, 1000, &cfg->poll_ms))
				return se_cli_fail(err, errlen,
						   "--poll-ms: '%s' is not a number from 1 to 1000",
						   arg);
			break;
		case OPT_WAKEUP_BYTES:
			if (se_config_parse_size(arg, &cfg->wakeup_bytes))
				return se_cli_fail(err, errlen,
						   "--wakeup-bytes: '%s' is not a size (e.g. 256K)",
						   arg);
			wakeup_set = true;
			break;
		case OPT_MAX_CONNECTIONS:
			if (!se_cli_uint(arg, 64, 4194304, &cfg->max_connections))
				return se_cli_fail(err, errlen,
						   "--max-connections: '%s' is not a number from "
						   "64 to 4194304",
						   arg);
			break;
		case OPT_MAX_GROUPS:
			if (!se_cli_uint(arg, 16, 1048576, &cfg->max_groups))
				return se_cli_fail(err, errlen,
						   "--max-groups: '%s' is not a number from "
						   "16 to 1048576",
						   arg);
			break;
		case OPT_BUFFER_BUDGET:
			if (se_config_parse_size(arg, &cfg->buffer_budget) ||
			    cfg->buffer_budget < SE_BUFFER_BUDGET_MIN ||
			    cfg->buffer_budget > SE_BUFFER_BUDGET_MAX)
				return se_cli_fail(err, errlen,
						   "--buffer-budget: '%s' is not a size from "
						   "256K to 4G",
						   arg);
			break;
		case OPT_EXPORT_QUEUE:
			if (!se_cli_uint(arg, 1, 1024, &cfg->export_queue))
				return se_cli_fail(err, errlen,
						   "--export-queue: '%s' is not a number from "
						   "1 to 1024",
						   arg);
			break;
		case 'v':
			cfg->verbose++;
			break;
		case OPT_VERSION:
			fprintf(out, "sockeye %s\n", SOCKEYE_VERSION);
			return SE_CLI_EXIT;
		case 'h':
			se_cli_usage(out);
			return SE_CLI_EXIT;
		case ':':
			return se_cli_fail(err, errlen, "%s: needs a value", token);
		default:
			if (strncmp(token, "--", 2))
				return se_cli_fail(err, errlen, "-%c: unknown option (see --help)",
						   optopt);
			if (optopt) /* a known long flag given "=value" it does not take */
				return se_cli_fail(err, errlen, "%.*s: takes no value (see --help)",
						   (int)strcspn(token, "="), token);
			return se_cli_fail(err, errlen, "%.*s: unknown option (see --help)",
					   (int)strcspn(token, "="), token);
		}
	}
	if (optind < argc)
		return se_cli_fail(err, errlen, "%s: unexpected argument (see --help)",
				   argv[optind]);
	if (headers_file && se_config_read_headers_file(cfg, headers_file, err, errlen))
		return SE_CLI_ERROR;
	if (!wakeup_set)
		cfg->wakeup_bytes = se_config_default_wakeup_bytes(cfg->ring_size);
	/* A wake-up must come while the ring still has room for what is written meanwhile. */
	if (cfg->wakeup_bytes > cfg->ring_size / 2)
		return se_cli_fail(err, errlen,
				   "--wakeup-bytes: must be at most half of --ring-size (%llu)",
				   (unsigned long long)cfg->ring_size / 2);
	/* A series that skips one window must not end: that would be a reset per gap. */
	if (cfg->metrics_ttl_s < 2 * cfg->window_s) {
		if (ttl_set)
			return se_cli_fail(err, errlen,
					   "--metrics-ttl: must be at least twice --window (%u s)",
					   2 * cfg->window_s);
		cfg->metrics_ttl_s = 2 * cfg->window_s;
	}
	/* The fallback output; se_config_apply_env decides again once the variables are read. */
	cfg->out_stdout = cfg->out_stdout_explicit || !cfg->otlp_endpoint[0];
	return SE_CLI_RUN;
}

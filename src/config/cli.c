// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The command line (getopt_long). Each flag is declared once, in the table below: its name,
 * the kind of its value, the field it sets, its bounds and its help. The getopt tables, the
 * checks, the error messages and --help (every flag with its default) all come from there. A
 * bad value is one line naming the flag, and main exits with status 2.
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

/* Bounds that config.h does not name (nothing else uses them). */
#define SE_CLI_WINDOW_MAX_S	   3600
#define SE_CLI_DURATION_MAX_S	   31536000 /* a year */
#define SE_CLI_PID_MAX		   4194304  /* the kernel's PID_MAX_LIMIT, 64-bit */
#define SE_CLI_POLL_MS_MAX	   1000
#define SE_CLI_MAX_CONNECTIONS_MIN 64
#define SE_CLI_MAX_CONNECTIONS_MAX (4u << 20)
#define SE_CLI_MAX_GROUPS_MIN	   16
#define SE_CLI_MAX_GROUPS_MAX	   (1u << 20)
#define SE_CLI_EXPORT_QUEUE_MAX	   1024
#define SE_CLI_OTLP_TIMEOUT_MAX_S  300
#define SE_CLI_METRICS_TTL_MAX_S   86400 /* a day */
#define SE_CLI_MAX_SPANS_MAX	   1000000
#define SE_CLI_UNBOUNDED	   UINT64_MAX /* no upper bound (and none in --help) */

#define SE_CLI_LONG_BASE   0x100 /* getopt_long returns this plus the flag's index */
#define SE_CLI_NAME_MAX	   32	 /* a long name with its "--" and NUL */
#define SE_CLI_HELP_INDENT 28	 /* the column where --help's descriptions start */
#define SE_CLI_HELP_WIDTH  80
#define SE_CLI_GLUE	   "\001" /* a space --help does not fold at */

enum se_cli_kind {
	SE_CLI_SWITCH,	/* no value: sets a bool */
	SE_CLI_COUNT,	/* no value: adds one to an int each time */
	SE_CLI_UINT,	/* a decimal number from min to max */
	SE_CLI_SECONDS, /* the same, in seconds */
	SE_CLI_SIZE,	/* bytes, with an optional K/M/G suffix, from min to max */
	SE_CLI_POW2,	/* the same, a power of two */
	SE_CLI_CHOICE,	/* one of the words of choices, stored as its value */
	SE_CLI_CUSTOM,	/* checked and stored by set */
	SE_CLI_HELP,
	SE_CLI_VERSION,
};

/* What a value of each checked kind is called in errors and in --help. */
static const struct {
	const char *noun, *metavar;
} se_cli_kinds[] = {
	[SE_CLI_UINT] = { "a number", "N" },
	[SE_CLI_SECONDS] = { "a number of seconds", "SECONDS" },
	[SE_CLI_SIZE] = { "a size", "BYTES" },
	[SE_CLI_POW2] = { "a power of two", "BYTES" },
};

struct se_cli_choice {
	const char *word; /* NULL ends a list */
	unsigned int value;
};

/* What one parse keeps beside the configuration. */
struct se_cli_state {
	struct se_config *cfg;
	const char *headers_file; /* read once every --otlp-header is in: they win */
	uint64_t given;		  /* bit i: se_cli_options[i] was on the command line */
};

struct se_cli_flag;
typedef enum se_cli_result se_cli_set_fn(struct se_cli_state *st, const struct se_cli_flag *f,
					 const char *arg, char *err, size_t errlen);

struct se_cli_flag {
	const char *name; /* the long name, without "--" */
	char letter;	  /* the short name; 0 = none */
	enum se_cli_kind kind;
	size_t offset, size;	     /* the field set (SE_CLI_FIELD); SE_CLI_CUSTOM: set's own */
	unsigned long long min, max; /* of a number or a size */
	const struct se_cli_choice *choices; /* SE_CLI_CHOICE */
	se_cli_set_fn *set;		     /* SE_CLI_CUSTOM */
	unsigned int given;		     /* the SE_GIVEN_* bit the flag sets in flags_given */
	const char *metavar;		     /* its value in --help; NULL = the kind's */
	const char *what;    /* what a bad value "is not", if not the kind's noun and bounds */
	const char *def;     /* the default as --help says it; NULL = se_config_defaults' value */
	const char *section; /* --help starts a section with this flag */
	const char *help;
};

#define SE_CLI_FIELD(field)                                                                        \
	.offset = offsetof(struct se_config, field), .size = sizeof(((struct se_config *)0)->field)

static enum se_cli_result se_cli_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return SE_CLI_ERROR;
}

/* ---- the flags that no kind covers ---------------------------------------------------- */

static enum se_cli_result se_cli_port_list(const struct se_cli_flag *f, const char *arg,
					   uint64_t *bitmap, char *text, size_t text_len, char *err,
					   size_t errlen)
{
	if (se_config_parse_ports(arg, bitmap))
		return se_cli_fail(
		    err, errlen,
		    "--%s: '%s' is not a list of ports 1-65535 (e.g. 80,443,8000-8010)", f->name,
		    arg);
	snprintf(text, text_len, "%s", arg);
	return SE_CLI_RUN;
}

static enum se_cli_result se_cli_set_ports(struct se_cli_state *st, const struct se_cli_flag *f,
					   const char *arg, char *err, size_t errlen)
{
	return se_cli_port_list(f, arg, st->cfg->watched_ports, st->cfg->ports_text,
				sizeof(st->cfg->ports_text), err, errlen);
}

static enum se_cli_result se_cli_set_dns_ports(struct se_cli_state *st, const struct se_cli_flag *f,
					       const char *arg, char *err, size_t errlen)
{
	return se_cli_port_list(f, arg, st->cfg->dns_ports, st->cfg->dns_ports_text,
				sizeof(st->cfg->dns_ports_text), err, errlen);
}

static enum se_cli_result se_cli_set_netns(struct se_cli_state *st, const struct se_cli_flag *f,
					   const char *arg, char *err, size_t errlen)
{
	struct se_config *cfg = st->cfg;

	if (!strcmp(arg, "self")) {
		cfg->netns_mode = SE_NETNS_SELF;
	} else if (!strcmp(arg, "all")) {
		cfg->netns_mode = SE_NETNS_ALL;
	} else if (arg[0] == '/' && strlen(arg) < sizeof(cfg->netns_path)) {
		cfg->netns_mode = SE_NETNS_PATH;
		snprintf(cfg->netns_path, sizeof(cfg->netns_path), "%s", arg);
	} else {
		return se_cli_fail(err, errlen,
				   "--%s: '%s' is not 'self', 'all' or an absolute path", f->name,
				   arg);
	}
	return SE_CLI_RUN;
}

static enum se_cli_result se_cli_set_endpoint(struct se_cli_state *st, const struct se_cli_flag *f,
					      const char *arg, char *err, size_t errlen)
{
	char shown[256]; /* a URL's user:password is a secret: never echoed */

	if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8))
		return se_cli_fail(err, errlen, "--%s: '%s' is not an http:// or https:// URL",
				   f->name, se_url_redact(arg, shown, sizeof(shown)));
	if (strlen(arg) >= sizeof(st->cfg->otlp_endpoint))
		return se_cli_fail(err, errlen, "--%s: '%s' is longer than %u bytes", f->name,
				   se_url_redact(arg, shown, sizeof(shown)),
				   SE_OTLP_ENDPOINT_MAX - 1);
	strcpy(st->cfg->otlp_endpoint, arg);
	return SE_CLI_RUN;
}

static enum se_cli_result se_cli_set_listen(struct se_cli_state *st, const struct se_cli_flag *f,
					    const char *arg, char *err, size_t errlen)
{
	if (strlen(arg) >= sizeof(st->cfg->listen_text) || se_endpoint_parse(arg, &st->cfg->listen))
		return se_cli_fail(err, errlen,
				   "--%s: '%.64s' is not ADDR:PORT (e.g. 0.0.0.0:9464, "
				   "127.0.0.1:9464, [::]:9464)",
				   f->name, arg);
	strcpy(st->cfg->listen_text, arg);
	return SE_CLI_RUN;
}

/* Header values are secrets: never echoed. */
static enum se_cli_result se_cli_set_header(struct se_cli_state *st, const struct se_cli_flag *f,
					    const char *arg, char *err, size_t errlen)
{
	int ret = se_config_add_header(st->cfg, arg);

	if (ret == -ENOSPC)
		return se_cli_fail(err, errlen, "--%s: more than %u headers", f->name,
				   SE_OTLP_HEADERS_MAX);
	if (ret)
		return se_cli_fail(
		    err, errlen,
		    "--%s: not NAME=VALUE (NAME an HTTP token, VALUE without CR or LF)", f->name);
	return SE_CLI_RUN;
}

static enum se_cli_result se_cli_set_headers_file(struct se_cli_state *st,
						  const struct se_cli_flag *f, const char *arg,
						  char *err, size_t errlen)
{
	if (!*arg)
		return se_cli_fail(err, errlen, "--%s: needs a file", f->name);
	st->headers_file = arg;
	return SE_CLI_RUN;
}

/*
 * A TLS file flag (offset: its file in struct se_otlp_tls): both signals' exports use it. The
 * file is checked once the variables are read (se_config_apply_env), when it is known whether
 * anything is exported. se_config_file.from outlives the parse, hence the names kept here.
 */
static enum se_cli_result se_cli_set_tls_file(struct se_cli_state *st, const struct se_cli_flag *f,
					      const char *arg, char *err, size_t errlen)
{
	static char from[sizeof(struct se_otlp_tls) / sizeof(struct se_config_file)]
			[SE_CLI_NAME_MAX];
	char *flag = from[f->offset / sizeof(struct se_config_file)];

	if (!*arg || strlen(arg) >= PATH_MAX)
		return se_cli_fail(err, errlen, "--%s: '%.64s' is not a file path", f->name, arg);
	snprintf(flag, SE_CLI_NAME_MAX, "--%s", f->name);
	for (int sig = 0; sig < SE_OTLP_SIGNALS; sig++) {
		struct se_config_file *file =
		    (struct se_config_file *)((char *)&st->cfg->otlp_tls[sig] + f->offset);

		strcpy(file->path, arg);
		file->from = flag;
	}
	return SE_CLI_RUN;
}

static const struct se_cli_choice se_cli_compression[] = {
	{ "gzip", true },
	{ "none", false },
	{ NULL, 0 },
};
static const struct se_cli_choice se_cli_temporality[] = {
	{ "cumulative", false },
	{ "delta", true },
	{ NULL, 0 },
};
static const struct se_cli_choice se_cli_tls[] = {
	{ "on", SE_TLS_ON },
	{ "off", SE_TLS_OFF },
	{ NULL, 0 },
};

static const struct se_cli_choice se_cli_hooks[] = {
	{ "auto", SE_HOOKS_AUTO },
	{ "socket", SE_HOOKS_SOCKET },
	{ "syscall", SE_HOOKS_SYSCALL },
	{ NULL, 0 },
};

/* ---- the flags, in --help's order ------------------------------------------------------ */

static const struct se_cli_flag se_cli_options[] = {
	{ "stdout", .kind = SE_CLI_SWITCH, SE_CLI_FIELD(out_stdout_explicit), .section = "Output",
	  .help = "JSON lines on stdout, one object per line, flushed per window (the default when "
		  "no other output is chosen)" },
	{ "otlp-endpoint", .kind = SE_CLI_CUSTOM, .set = se_cli_set_endpoint, .metavar = "URL",
	  .def = "OTEL_EXPORTER_OTLP_ENDPOINT",
	  .help = "export over OTLP/HTTP (protobuf): POST to URL/v1/metrics and URL/v1/traces" },
	{ "otlp-header", .kind = SE_CLI_CUSTOM, .set = se_cli_set_header, .metavar = "NAME=VALUE",
	  .help = "add a header to every export, e.g. an auth token; repeatable (and "
		  "OTEL_EXPORTER_OTLP_HEADERS)" },
	{ "otlp-headers-file", .kind = SE_CLI_CUSTOM, .set = se_cli_set_headers_file,
	  .metavar = "FILE",
	  .help =
	      "headers read from FILE at start, one \"NAME: VALUE\" (or NAME=VALUE) a line, '#' "
	      "comments: keeps tokens off the command line (--otlp-header wins over it)" },
	{ "otlp-certificate", .kind = SE_CLI_CUSTOM, .set = se_cli_set_tls_file,
	  .offset = offsetof(struct se_otlp_tls, ca), .metavar = "FILE",
	  .help = "CA certificates (PEM) that verify the collector, instead of the system's "
		  "(OTEL_EXPORTER_OTLP_CERTIFICATE)" },
	{ "otlp-client-certificate", .kind = SE_CLI_CUSTOM, .set = se_cli_set_tls_file,
	  .offset = offsetof(struct se_otlp_tls, cert), .metavar = "FILE",
	  .help =
	      "client certificate (PEM) for mutual TLS (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE)" },
	{ "otlp-client-key", .kind = SE_CLI_CUSTOM, .set = se_cli_set_tls_file,
	  .offset = offsetof(struct se_otlp_tls, key), .metavar = "FILE",
	  .help = "its private key (PEM), when not in the certificate file "
		  "(OTEL_EXPORTER_OTLP_CLIENT_KEY)" },
	{ "otlp-compression", .kind = SE_CLI_CHOICE, SE_CLI_FIELD(otlp_gzip),
	  .choices = se_cli_compression, .given = SE_GIVEN_COMPRESSION,
	  .help = "body compression" },
	{ "otlp-timeout", .kind = SE_CLI_SECONDS, SE_CLI_FIELD(otlp_timeout_s), .min = 1,
	  .max = SE_CLI_OTLP_TIMEOUT_MAX_S, .given = SE_GIVEN_TIMEOUT,
	  .help = "per export attempt" },
	{ "temporality", .kind = SE_CLI_CHOICE, SE_CLI_FIELD(delta), .choices = se_cli_temporality,
	  .given = SE_GIVEN_TEMPORALITY, .help = "of sums and histograms" },
	{ "metrics-ttl", .kind = SE_CLI_SECONDS, SE_CLI_FIELD(metrics_ttl_s), .min = 1,
	  .max = SE_CLI_METRICS_TTL_MAX_S,
	  .help = "a cumulative HTTP series not counted into for this long ends (its room goes to "
		  "new ones), at least twice --window" },
	{ "max-spans-per-second", .kind = SE_CLI_UINT, SE_CLI_FIELD(max_spans_per_second), .min = 0,
	  .max = SE_CLI_MAX_SPANS_MAX,
	  .help = "requests with trace context that get a span of their own (the rest are "
		  "counted)" },
	{ "listen", .kind = SE_CLI_CUSTOM, .set = se_cli_set_listen, .metavar = "ADDR:PORT",
	  .def = "off",
	  .help = "serve GET /healthz, /readyz (attached, first window exported, OTLP not "
		  "failing) and /metrics (Prometheus text or OpenMetrics) on ADDR:PORT" },
	{ "connections", .kind = SE_CLI_SWITCH, SE_CLI_FIELD(connections),
	  .help = "add one \"conn\" line per connection that moved data in the window" },
	{ "window", .kind = SE_CLI_SECONDS, SE_CLI_FIELD(window_s), .min = 1,
	  .max = SE_CLI_WINDOW_MAX_S, .help = "window length, aligned to wall-clock multiples" },
	{ "duration", .kind = SE_CLI_SECONDS, SE_CLI_FIELD(duration_s), .min = 0,
	  .max = SE_CLI_DURATION_MAX_S, .what = "a number of seconds",
	  .help = "stop after this long, flushing the last window; 0 = run until SIGINT, SIGTERM, "
		  "SIGHUP or SIGQUIT" },

	{ "ports", .kind = SE_CLI_CUSTOM, .set = se_cli_set_ports, .metavar = "LIST",
	  .def = SE_DEFAULT_PORTS, .section = "What is captured",
	  .help = "watched TCP ports, local or remote; comma-separated ports and ranges" },
	{ "dns-ports", .kind = SE_CLI_CUSTOM, .set = se_cli_set_dns_ports, .metavar = "LIST",
	  .def = SE_DEFAULT_DNS_PORTS,
	  .help = "DNS over UDP and TCP: a remote port of these is a query to a server, a local "
		  "one a server in the pod" },
	{ "netns", .kind = SE_CLI_CUSTOM, .set = se_cli_set_netns, .metavar = "PATH|self|all",
	  .def = "self",
	  .help = "network namespace to watch: self = sockeye's own, all = every namespace, or a "
		  "path such as /var/run/netns/NAME or /proc/PID/ns/net" },
	{ "pid", .kind = SE_CLI_UINT, SE_CLI_FIELD(pid), .min = 1, .max = SE_CLI_PID_MAX,
	  .metavar = "PID", .what = "a process id", .def = "every process",
	  .help = "only this process" },
	{ "capture-bytes", .kind = SE_CLI_UINT, SE_CLI_FIELD(capture_bytes), .min = 0,
	  .max = SE_CAPTURE_MAX, .help = "payload prefix copied per syscall" },
	{ "data-hooks", .kind = SE_CLI_CHOICE, SE_CLI_FIELD(data_hooks), .choices = se_cli_hooks,
	  .help = "where the kernel reports data: socket tracepoints (Linux 6.3+, cheapest), or "
		  "the exit of each data syscall; auto = socket when available" },
	{ "tls", .kind = SE_CLI_CHOICE, SE_CLI_FIELD(tls), .choices = se_cli_tls,
	  .help = "HTTPS plaintext through uprobes on OpenSSL and GnuTLS; each TLS call then "
		  "costs the service a few microseconds (docs/performance.md)" },

	{ "workers", 'w', .kind = SE_CLI_UINT, SE_CLI_FIELD(workers), .min = 1,
	  .max = SE_WORKERS_MAX, .section = "Tuning",
	  .def = "one per CPU sockeye may use: its affinity and its cgroup's CPU limit",
	  .help = "worker threads draining the rings" },
	{ "rings", .kind = SE_CLI_UINT, SE_CLI_FIELD(rings), .min = 1, .max = SE_RINGS_MAX,
	  .def = "one per CPU sockeye may use, at least one per worker",
	  .help = "ring buffers; a connection writes to the ring of its first CPU modulo N" },
	{ "ring-size", .kind = SE_CLI_POW2, SE_CLI_FIELD(ring_size), .min = SE_RING_SIZE_MIN,
	  .max = SE_RING_SIZE_MAX, .help = "bytes per ring, a power of two, K/M/G suffixes" },
	{ "poll-ms", .kind = SE_CLI_UINT, SE_CLI_FIELD(poll_ms), .min = 1,
	  .max = SE_CLI_POLL_MS_MAX, .metavar = "MS",
	  .help = "how often a worker drains its rings while records come (when they stop, the "
		  "interval doubles up to 32 ms, then the worker sleeps until a record or its "
		  "window's end)" },
	{ "wakeup-bytes", .kind = SE_CLI_SIZE, SE_CLI_FIELD(wakeup_bytes), .min = 0,
	  .max = SE_CLI_UNBOUNDED, .what = "a size (e.g. 256K)",
	  .def = "ring size / 4, at most 128K",
	  .help = "wake a worker each time this much more is written to one of its rings, 0 = "
		  "timer only, at most half the ring" },
	{ "max-connections", .kind = SE_CLI_UINT, SE_CLI_FIELD(max_connections),
	  .min = SE_CLI_MAX_CONNECTIONS_MIN, .max = SE_CLI_MAX_CONNECTIONS_MAX,
	  .help = "connections tracked at once" },
	{ "max-groups", .kind = SE_CLI_UINT, SE_CLI_FIELD(max_groups), .min = SE_CLI_MAX_GROUPS_MIN,
	  .max = SE_CLI_MAX_GROUPS_MAX,
	  .help = "groups kept per protocol (HTTP, DNS), worker and window; further requests go "
		  "to an overflow group" },
	{ "buffer-budget", .kind = SE_CLI_SIZE, SE_CLI_FIELD(buffer_budget),
	  .min = SE_BUFFER_BUDGET_MIN, .max = SE_BUFFER_BUDGET_MAX,
	  .help = "per worker, for what connections hold beyond their state (split heads, "
		  "pipelined requests, out-of-order payload); beyond it that is dropped, counted" },
	{ "export-queue", .kind = SE_CLI_UINT, SE_CLI_FIELD(export_queue), .min = 1,
	  .max = SE_CLI_EXPORT_QUEUE_MAX,
	  .help = "merged windows waiting for a slow exporter; beyond it the oldest are dropped, "
		  "counted" },

	{ "verbose", 'v', .kind = SE_CLI_COUNT, SE_CLI_FIELD(verbose), .section = "Other",
	  .help = "more logs on stderr (libbpf and verifier output)" },
	{ "version", .kind = SE_CLI_VERSION, .help = "print the version and exit" },
	{ "help", 'h', .kind = SE_CLI_HELP, .help = "print this help and exit" },
};

#define SE_CLI_NFLAGS (sizeof(se_cli_options) / sizeof(se_cli_options[0]))
_Static_assert(SE_CLI_NFLAGS <= 64, "se_cli_state.given has one bit per flag");

/* ---- values in and out of struct se_config ---------------------------------------------- */

/* The fields are bool, unsigned int (int and enums alike) or uint64_t: told apart by size. */
static void se_cli_store(struct se_config *cfg, const struct se_cli_flag *f, unsigned long long v)
{
	char *p = (char *)cfg + f->offset;
	bool b = v;
	uint32_t u32 = (uint32_t)v;
	uint64_t u64 = v;

	if (f->size == sizeof(b))
		memcpy(p, &b, sizeof(b));
	else if (f->size == sizeof(u32))
		memcpy(p, &u32, sizeof(u32));
	else
		memcpy(p, &u64, sizeof(u64));
}

static unsigned long long se_cli_load(const struct se_config *cfg, const struct se_cli_flag *f)
{
	const char *p = (const char *)cfg + f->offset;
	bool b;
	uint32_t u32;
	uint64_t u64;

	if (f->size == sizeof(b)) {
		memcpy(&b, p, sizeof(b));
		return b;
	}
	if (f->size == sizeof(u32)) {
		memcpy(&u32, p, sizeof(u32));
		return u32;
	}
	memcpy(&u64, p, sizeof(u64));
	return u64;
}

/* A number as the user writes it: sizes with the largest suffix that divides them. */
static const char *se_cli_number(const struct se_cli_flag *f, unsigned long long v, char *buf,
				 size_t len)
{
	static const char suffix[] = "KMG";
	int i = -1;

	if (f->kind == SE_CLI_SIZE || f->kind == SE_CLI_POW2)
		while (i < 2 && v && !(v & 1023)) {
			v >>= 10;
			i++;
		}
	if (i < 0)
		snprintf(buf, len, "%llu", v);
	else
		snprintf(buf, len, "%llu%c", v, suffix[i]);
	return buf;
}

static bool se_cli_bounded(const struct se_cli_flag *f)
{
	return f->kind >= SE_CLI_UINT && f->kind <= SE_CLI_POW2 && f->max != SE_CLI_UNBOUNDED;
}

static bool se_cli_takes_value(const struct se_cli_flag *f)
{
	return f->kind != SE_CLI_SWITCH && f->kind != SE_CLI_COUNT && f->kind != SE_CLI_HELP &&
	       f->kind != SE_CLI_VERSION;
}

/* A choice's words: "a|b" for --help; "neither a nor b" or "not a, b or c" for errors. */
static void se_cli_words(const struct se_cli_choice *c, bool help, char *buf, size_t len)
{
	size_t n = 0;

	while (c[n].word)
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *before;

		if (help)
			before = i ? "|" : "";
		else if (!i)
			before = n == 2 ? "neither " : "not ";
		else
			before = n == 2 ? " nor " : i + 1 == n ? " or " : ", ";
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", before, c[i].word);
	}
}

static enum se_cli_result se_cli_bad_value(const struct se_cli_flag *f, const char *arg, char *err,
					   size_t errlen)
{
	char what[128], lo[32], hi[32];

	if (f->kind == SE_CLI_CHOICE)
		se_cli_words(f->choices, false, what, sizeof(what));
	else if (f->what)
		snprintf(what, sizeof(what), "not %s", f->what);
	else
		snprintf(what, sizeof(what), "not %s from %s to %s", se_cli_kinds[f->kind].noun,
			 se_cli_number(f, f->min, lo, sizeof(lo)),
			 se_cli_number(f, f->max, hi, sizeof(hi)));
	return se_cli_fail(err, errlen, "--%s: '%s' is %s", f->name, arg, what);
}

/* ---- --help ------------------------------------------------------------------------------ */

/* "  spec  text", the text folded at SE_CLI_HELP_WIDTH under SE_CLI_HELP_INDENT. */
static void se_cli_help_line(FILE *out, const char *spec, const char *text)
{
	int col = fprintf(out, "  %-*s  ", SE_CLI_HELP_INDENT - 4, spec);

	for (bool first = true; *text; first = false) {
		int n = (int)strcspn(text, " ");

		if (!first && col + 1 + n > SE_CLI_HELP_WIDTH)
			col = fprintf(out, "\n%*s", SE_CLI_HELP_INDENT, "") - 1;
		else if (!first)
			col += fprintf(out, " ");
		for (int k = 0; k < n; k++)
			fputc(text[k] == *SE_CLI_GLUE ? ' ' : text[k], out);
		col += n;
		text += n;
		text += strspn(text, " ");
	}
	fputc('\n', out);
}

static void se_cli_usage(FILE *out)
{
	struct se_config def;

	se_config_defaults(&def);
	fputs("Usage: sockeye [OPTIONS]\n"
	      "Observe the TCP traffic of the processes of this network namespace (the pod) from\n"
	      "the kernel with eBPF, and report it every window.\n",
	      out);
	for (size_t i = 0; i < SE_CLI_NFLAGS; i++) {
		const struct se_cli_flag *f = &se_cli_options[i];
		char spec[96], text[512], metavar[64] = "", lo[32], hi[32], value[64];
		const char *shown = f->def;

		if (f->section)
			fprintf(out, "\n%s:\n", f->section);
		if (f->kind == SE_CLI_CHOICE)
			se_cli_words(f->choices, true, metavar, sizeof(metavar));
		else if (se_cli_takes_value(f))
			snprintf(metavar, sizeof(metavar), "%s",
				 f->metavar ? f->metavar : se_cli_kinds[f->kind].metavar);
		if (f->letter)
			snprintf(spec, sizeof(spec), "-%c, --%s%s%s", f->letter, f->name,
				 *metavar ? " " : "", metavar);
		else
			snprintf(spec, sizeof(spec), "--%s%s%s", f->name, *metavar ? " " : "",
				 metavar);

		snprintf(text, sizeof(text), "%s", f->help);
		if (se_cli_bounded(f))
			snprintf(text + strlen(text), sizeof(text) - strlen(text), ", %s..%s",
				 se_cli_number(f, f->min, lo, sizeof(lo)),
				 se_cli_number(f, f->max, hi, sizeof(hi)));
		if (!shown && f->kind == SE_CLI_CHOICE) {
			unsigned long long v = se_cli_load(&def, f);

			for (const struct se_cli_choice *c = f->choices; c->word; c++)
				if (c->value == v)
					shown = c->word;
		} else if (!shown && f->kind >= SE_CLI_UINT && f->kind <= SE_CLI_POW2) {
			shown = se_cli_number(f, se_cli_load(&def, f), value, sizeof(value));
		}
		if (shown)
			snprintf(text + strlen(text), sizeof(text) - strlen(text),
				 " (default" SE_CLI_GLUE "%s)", shown);
		se_cli_help_line(out, spec, text);
	}
	fputs("\nExit status: 0 on success, 1 on a run-time failure, 2 on a bad command line.\n",
	      out);
}

/* ---- parsing ----------------------------------------------------------------------------- */

/* The getopt_long tables: long options return SE_CLI_LONG_BASE + index, short ones the letter.
 * "+" stops at the first operand, so nothing is permuted; ":" reports a missing value. */
static void se_cli_getopt_tables(struct option *longopts, char *shortopts)
{
	char *s = shortopts;

	*s++ = '+';
	*s++ = ':';
	for (size_t i = 0; i < SE_CLI_NFLAGS; i++) {
		const struct se_cli_flag *f = &se_cli_options[i];

		longopts[i] =
		    (struct option){ f->name,
				     se_cli_takes_value(f) ? required_argument : no_argument, NULL,
				     SE_CLI_LONG_BASE + (int)i };
		if (f->letter) {
			*s++ = f->letter;
			if (se_cli_takes_value(f))
				*s++ = ':';
		}
	}
	longopts[SE_CLI_NFLAGS] = (struct option){ 0 };
	*s = '\0';
}

static const struct se_cli_flag *se_cli_lookup(int c)
{
	if (c >= SE_CLI_LONG_BASE && c < SE_CLI_LONG_BASE + (int)SE_CLI_NFLAGS)
		return &se_cli_options[c - SE_CLI_LONG_BASE];
	for (size_t i = 0; i < SE_CLI_NFLAGS; i++)
		if (se_cli_options[i].letter && se_cli_options[i].letter == c)
			return &se_cli_options[i];
	return NULL;
}

/* Whether a flag that sets the field at offset was on the command line. */
static bool se_cli_given(const struct se_cli_state *st, size_t offset)
{
	for (size_t i = 0; i < SE_CLI_NFLAGS; i++)
		if (se_cli_options[i].kind != SE_CLI_CUSTOM && se_cli_options[i].offset == offset &&
		    (st->given >> i & 1))
			return true;
	return false;
}

static enum se_cli_result se_cli_apply(struct se_cli_state *st, const struct se_cli_flag *f,
				       const char *arg, FILE *out, char *err, size_t errlen)
{
	unsigned long long v = 1;
	uint64_t size;

	switch (f->kind) {
	case SE_CLI_SWITCH:
		break;
	case SE_CLI_COUNT:
		v = se_cli_load(st->cfg, f) + 1;
		break;
	case SE_CLI_UINT:
	case SE_CLI_SECONDS:
		if (se_config_parse_uint(arg, f->min, f->max, &v))
			return se_cli_bad_value(f, arg, err, errlen);
		break;
	case SE_CLI_SIZE:
	case SE_CLI_POW2:
		if (se_config_parse_size(arg, &size) || size < f->min || size > f->max ||
		    (f->kind == SE_CLI_POW2 && (size & (size - 1))))
			return se_cli_bad_value(f, arg, err, errlen);
		v = size;
		break;
	case SE_CLI_CHOICE: {
		const struct se_cli_choice *c = f->choices;

		while (c->word && strcmp(c->word, arg))
			c++;
		if (!c->word)
			return se_cli_bad_value(f, arg, err, errlen);
		v = c->value;
		break;
	}
	case SE_CLI_CUSTOM:
		return f->set(st, f, arg, err, errlen);
	case SE_CLI_HELP:
		se_cli_usage(out);
		return SE_CLI_EXIT;
	case SE_CLI_VERSION:
		fprintf(out, "sockeye %s\n", SOCKEYE_VERSION);
		return SE_CLI_EXIT;
	}
	se_cli_store(st->cfg, f, v);
	st->cfg->flags_given |= f->given;
	return SE_CLI_RUN;
}

enum se_cli_result se_cli_parse(struct se_config *cfg, int argc, char **argv, FILE *out, char *err,
				size_t errlen)
{
	struct option longopts[SE_CLI_NFLAGS + 1];
	char shortopts[3 + 2 * SE_CLI_NFLAGS];
	struct se_cli_state st = { .cfg = cfg };

	se_config_defaults(cfg);
	err[0] = '\0';
	se_cli_getopt_tables(longopts, shortopts);
	optind = 0; /* reset getopt so tests can parse several command lines */
	opterr = 0;
	for (;;) {
		/* The argument getopt is looking at, to name it in errors ("-xv": -x; "--foo"). */
		const char *token = argv[optind ? optind : 1];
		const struct se_cli_flag *f;
		enum se_cli_result res;
		int c = getopt_long(argc, argv, shortopts, longopts, NULL);

		if (c == -1)
			break;
		if (c == ':')
			return se_cli_fail(err, errlen, "%s: needs a value", token);
		f = se_cli_lookup(c);
		if (!f && strncmp(token, "--", 2))
			return se_cli_fail(err, errlen, "-%c: unknown option (see --help)", optopt);
		if (!f && optopt) /* a known long flag given "=value" it does not take */
			return se_cli_fail(err, errlen, "%.*s: takes no value (see --help)",
					   (int)strcspn(token, "="), token);
		if (!f)
			return se_cli_fail(err, errlen, "%.*s: unknown option (see --help)",
					   (int)strcspn(token, "="), token);
		st.given |= 1ull << (f - se_cli_options);
		res = se_cli_apply(&st, f, optarg, out, err, errlen);
		if (res != SE_CLI_RUN)
			return res;
	}
	if (optind < argc)
		return se_cli_fail(err, errlen, "%s: unexpected argument (see --help)",
				   argv[optind]);
	if (st.headers_file && se_config_read_headers_file(cfg, st.headers_file, err, errlen))
		return SE_CLI_ERROR;
	if (!se_cli_given(&st, offsetof(struct se_config, wakeup_bytes)))
		cfg->wakeup_bytes = se_config_default_wakeup_bytes(cfg->ring_size);
	/* A wake-up must come while the ring still has room for what is written meanwhile. */
	if (cfg->wakeup_bytes > cfg->ring_size / 2)
		return se_cli_fail(err, errlen,
				   "--wakeup-bytes: must be at most half of --ring-size (%llu)",
				   (unsigned long long)cfg->ring_size / 2);
	/* A series that skips one window must not end: that would be a reset per gap. */
	if (cfg->metrics_ttl_s < 2 * cfg->window_s) {
		if (se_cli_given(&st, offsetof(struct se_config, metrics_ttl_s)))
			return se_cli_fail(err, errlen,
					   "--metrics-ttl: must be at least twice --window (%u s)",
					   2 * cfg->window_s);
		cfg->metrics_ttl_s = 2 * cfg->window_s;
	}
	/* The fallback output; se_config_apply_env decides again once the variables are read. */
	cfg->out_stdout = se_config_out_stdout(cfg);
	return SE_CLI_RUN;
}

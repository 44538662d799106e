/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Run-time configuration: what the command line chose, with defaults and validation.
 * Immutable after start: every thread reads it, nobody writes it.
 */
#ifndef SOCKEYE_CONFIG_H
#define SOCKEYE_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sockeye/abi.h"
#include "util/endpoint.h"

#define SE_DEFAULT_PORTS		"80,443,8080,8443,3000,4317,5000,8000,8081,8082,9090"
#define SE_DEFAULT_DNS_PORTS		"53"
#define SE_DEFAULT_RING_SIZE		(4u << 20)
#define SE_RING_SIZE_MIN		(64u << 10)
#define SE_RING_SIZE_MAX		(1u << 30)
#define SE_DEFAULT_WINDOW_S		5
#define SE_DEFAULT_POLL_MS		10
#define SE_DEFAULT_WAKEUP_MAX		(128u << 10)
#define SE_DEFAULT_MAX_CONNECTIONS	65536
#define SE_DEFAULT_MAX_GROUPS		2048
#define SE_DEFAULT_BUFFER_BUDGET	(32u << 20)
#define SE_BUFFER_BUDGET_MIN		(256u << 10)
#define SE_BUFFER_BUDGET_MAX		(4ull << 30)
#define SE_OTLP_ENDPOINT_MAX		512
#define SE_OTLP_HEADERS_MAX		16
#define SE_OTLP_HEADER_MAX		512
#define SE_OTLP_HEADERS_FILE_MAX	(64u << 10) /* --otlp-headers-file: 16 headers fit easily */
#define SE_DEFAULT_OTLP_TIMEOUT_S	10
#define SE_DEFAULT_MAX_SPANS_PER_SECOND 1000
#define SE_DEFAULT_METRICS_TTL_S	300 /* Beyla's and OBI's default: five minutes */
#define SE_GIVEN_COMPRESSION		(1u << 0)
#define SE_GIVEN_TIMEOUT		(1u << 1)
#define SE_GIVEN_TEMPORALITY		(1u << 2)
/* One minute of default windows: a collector restart fits, a dead one costs bounded memory. */
#define SE_DEFAULT_EXPORT_QUEUE 12
#define SE_WORKERS_MAX		256
#define SE_RINGS_MAX		1024

enum se_netns_mode {
	SE_NETNS_SELF = 0, /* the network namespace sockeye runs in (the pod's) */
	SE_NETNS_ALL = 1,  /* every namespace on the node */
	SE_NETNS_PATH = 2, /* the namespace bound at netns_path */
};

/* Which kernel hooks report the data (see "How capture works" in the README). */
enum se_data_hooks {
	SE_HOOKS_AUTO = 0,    /* socket when the kernel has it, else syscall */
	SE_HOOKS_SOCKET = 1,  /* sock:sock_send_length / sock_recv_length (6.3+) */
	SE_HOOKS_SYSCALL = 2, /* sys_exit of each data syscall (every kernel we support) */
};

/* TLS plaintext through the TLS libraries' uprobes (docs/capture.md, "TLS connections"). */
enum se_tls_mode {
	SE_TLS_ON = 0,	/* the TLS watcher attaches them */
	SE_TLS_OFF = 1, /* no uprobe: TLS connections are recognised and counted only */
};

/* The two kinds of OTLP export, each to its own URL under the one endpoint. */
enum se_otlp_signal {
	SE_OTLP_METRICS = 0, /* <endpoint>/v1/metrics */
	SE_OTLP_TRACES = 1,  /* <endpoint>/v1/traces */
	SE_OTLP_SIGNALS,
};

/* A file named by a flag or a variable. */
struct se_config_file {
	char path[PATH_MAX]; /* "" = none */
	const char *from;    /* the flag or variable that named it (a literal), for errors */
};

/* The TLS files of one signal's exports; libcurl opens them at each new connection. */
struct se_otlp_tls {
	struct se_config_file ca;   /* CA certificates that verify the collector, PEM
				     * (CURLOPT_CAINFO); none = the system's */
	struct se_config_file cert; /* client certificate, PEM (CURLOPT_SSLCERT) */
	struct se_config_file key;  /* its private key, PEM (CURLOPT_SSLKEY); none = in cert */
};

struct se_config {
	unsigned int workers; /* 0 = one per CPU sockeye may use (cpu.h) */
	unsigned int rings;   /* 0 = one per CPU sockeye may use, at least one per worker */
	uint64_t ring_size;   /* bytes per ring, a power of two */
	uint64_t watched_ports[SE_PORT_BITMAP_WORDS];
	char ports_text[256];			  /* as given, for logs */
	uint64_t dns_ports[SE_PORT_BITMAP_WORDS]; /* DNS over UDP and TCP (also watched) */
	char dns_ports_text[256];
	unsigned int window_s;	 /* window length in seconds */
	unsigned int duration_s; /* 0 = until a signal */
	bool out_stdout;	 /* JSON lines on stdout */
	bool connections;	 /* add one conn line per active connection */
	enum se_netns_mode netns_mode;
	char netns_path[PATH_MAX];
	int pid;		    /* 0 = every process of the namespace */
	unsigned int capture_bytes; /* payload prefix copied per syscall */
	enum se_data_hooks data_hooks;
	enum se_tls_mode tls;
	unsigned int poll_ms;	      /* worker drain interval */
	uint64_t wakeup_bytes;	      /* bytes written to a ring per wake-up; 0 = timer only */
	unsigned int max_connections; /* kernel conns map and each worker's table */
	unsigned int max_groups;      /* HTTP groups per worker and window */
	uint64_t buffer_budget;	      /* bytes per worker for connection buffers (budget.h) */
	unsigned int export_queue;    /* merged windows waiting for the sender */
	bool out_stdout_explicit;     /* --stdout was given (else it is the fallback output) */
	struct se_endpoint listen;    /* --listen: health, readiness, /metrics; family 0 = off */
	char listen_text[SE_ENDPOINT_STRLEN]; /* as given, for logs */
	/* OTLP/HTTP export (flags first, then the OTEL_EXPORTER_OTLP_* variables) */
	char otlp_endpoint[SE_OTLP_ENDPOINT_MAX]; /* base URL; "" = no OTLP export */
	unsigned int otlp_nheaders;
	char otlp_headers[SE_OTLP_HEADERS_MAX][SE_OTLP_HEADER_MAX]; /* "Name: value" */
	struct se_otlp_tls otlp_tls[SE_OTLP_SIGNALS]; /* flags set both; variables per signal */
	bool otlp_gzip;
	unsigned int otlp_timeout_s;
	bool delta;		    /* --temporality delta (default cumulative) */
	unsigned int metrics_ttl_s; /* a cumulative series not counted into for this long ends */
	unsigned int max_spans_per_second; /* spans of traced requests, all workers together */
	unsigned int flags_given; /* SE_GIVEN_*: what flags set, so variables do not override */
	int verbose;
};

void se_config_defaults(struct se_config *cfg);

/* "Name=value" (an OTLP header as --otlp-header and OTEL_EXPORTER_OTLP_HEADERS give it) to
 * "Name: value" in out. 0, or -EINVAL for a bad name (not an HTTP token), a value with CR,
 * LF or NUL, or one that does not fit. Pure. */
int se_config_parse_header(const char *s, char *out, size_t outlen);
/* Add a header unless one of the same name is there already (flags come first and win).
 * 0, -EINVAL (bad), -ENOSPC (too many). */
int se_config_add_header(struct se_config *cfg, const char *name_eq_value);
/*
 * The text of an --otlp-headers-file (len bytes, no NUL needed), one header a line, each
 * added with se_config_add_header: "Name: value" or "Name=value" (the first ':' or '=' ends
 * the name: neither can be part of it); blanks around the name and the value and a final CR
 * are ignored, and so are empty lines and lines whose first non-blank is '#'. The value is
 * taken as it is (no percent-decoding). 0; -EINVAL (a bad line, or a NUL byte) or -ENOSPC
 * (more than SE_OTLP_HEADERS_MAX headers in all) with *line its number, from 1. Pure.
 */
int se_config_add_headers_text(struct se_config *cfg, const char *text, size_t len,
			       unsigned int *line);
/*
 * Read path (at most SE_OTLP_HEADERS_FILE_MAX bytes) and add its headers
 * (se_config_add_headers_text); the copy in memory is wiped. 0, or -errno with a one-line
 * message naming --otlp-headers-file, the path and the line in err, never a value.
 */
int se_config_read_headers_file(struct se_config *cfg, const char *path, char *err, size_t errlen);
/* Whether path can be opened for reading now: 0 or -errno. */
int se_config_file_check(const char *path);

/*
 * The standard OpenTelemetry variables, where no flag said otherwise:
 * OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS (comma-separated Name=value,
 * percent-encoded), OTEL_EXPORTER_OTLP_COMPRESSION (gzip|none), OTEL_EXPORTER_OTLP_TIMEOUT
 * (ms), OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE (cumulative|delta), and
 * OTEL_EXPORTER_OTLP_CERTIFICATE, _CLIENT_CERTIFICATE, _CLIENT_KEY, each also in a
 * per-signal form (OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE, ..._TRACES_...) that wins for its
 * signal. Then the output fallback: stdout when neither --stdout nor an endpoint was given.
 * With an endpoint, every TLS file named (by a flag or a variable) must be readable now, and
 * a client key needs a client certificate. 0, or -EINVAL with a one-line message naming the
 * variable (or the flag of a file) in err. Pure but for that check (se_config_file_check):
 * getenv_fn is the environment.
 */
int se_config_apply_env(struct se_config *cfg, const char *(*getenv_fn)(const char *), char *err,
			size_t errlen);

/* Parsers of single flag values; 0 or -EINVAL. Pure. */
int se_config_parse_uint(const char *s, unsigned long long min, unsigned long long max,
			 unsigned long long *out);
int se_config_parse_size(const char *s, uint64_t *out); /* 4096, 64K, 4M, 1G */
int se_config_parse_ports(const char *s, uint64_t bitmap[SE_PORT_BITMAP_WORDS]);

/*
 * --wakeup-bytes when not given: a quarter of the ring, at most SE_DEFAULT_WAKEUP_MAX. The
 * cap keeps a record's wait for its worker under ~1.3 ms at a million 100-byte records a
 * second (the pipeline benchmark's target is 2 ms); the quarter leaves a small ring room
 * while its worker wakes. Below ~13 MB/s per ring, the --poll-ms timer drains first.
 */
static inline uint64_t se_config_default_wakeup_bytes(uint64_t ring_size)
{
	return ring_size / 4 < SE_DEFAULT_WAKEUP_MAX ? ring_size / 4 : SE_DEFAULT_WAKEUP_MAX;
}

/* JSON lines on stdout: asked for, or the fallback when nothing else is (no OTLP endpoint,
 * no --listen). */
static inline bool se_config_out_stdout(const struct se_config *cfg)
{
	return cfg->out_stdout_explicit || (!cfg->otlp_endpoint[0] && !cfg->listen.family);
}

static inline bool se_config_port_watched(const struct se_config *cfg, uint16_t port)
{
	return (cfg->watched_ports[port >> 6] >> (port & 63)) & 1;
}

static inline bool se_config_dns_port(const struct se_config *cfg, uint16_t port)
{
	return (cfg->dns_ports[port >> 6] >> (port & 63)) & 1;
}

enum se_cli_result {
	SE_CLI_RUN = 0,	  /* configuration complete: start */
	SE_CLI_EXIT = 1,  /* --help or --version printed: exit 0 */
	SE_CLI_ERROR = 2, /* err holds a one-line message naming the flag: exit 2 */
};

/* Parse argv into cfg (defaults first). Output of --help/--version goes to out. */
enum se_cli_result se_cli_parse(struct se_config *cfg, int argc, char **argv, FILE *out, char *err,
				size_t errlen);

#endif /* SOCKEYE_CONFIG_H */

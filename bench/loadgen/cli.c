// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The load generator's options (getopt_long) and the one request they describe, built once
 * and shared by every connection. Errors are one line naming the flag; main exits 2 on them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loadgen.h"

#define DEFAULT_PORT 80

const char se_lg_cli_usage[] =
    "usage: loadgen --url http://HOST[:PORT][/PATH] [options]\n"
    "HTTP/1.1 load generator: keep-alive connections, one request in flight on each.\n"
    "HOST is an IPv4 literal (or localhost); PORT defaults to 80, PATH to /.\n"
    "  --url URL            what to request (required)\n"
    "  --connections N      connections (default 10)\n"
    "  --duration SECONDS   how long to send (default 5; decimals allowed)\n"
    "  --rate R             requests/s over all connections, each connection sending at\n"
    "                       fixed intervals, latency counted from the scheduled time\n"
    "                       (coordinated omission corrected); 0 (default): closed loop,\n"
    "                       each connection sends when its previous response ends\n"
    "  --threads N          worker threads, each with its own connections (default 1)\n"
    "  --method M           request method (default GET)\n"
    "  --header 'K: V'      a request header (repeatable)\n"
    "  --body-bytes N       a request body of N bytes, with Content-Length\n"
    "  --json               the summary as one JSON line on stdout\n"
    "  --help               this text\n";

enum { O_URL = 256, O_CONNECTIONS, O_DURATION, O_RATE, O_THREADS, O_METHOD, O_HEADER, O_BODY };

static const struct option options[] = {
	{ "url", required_argument, NULL, O_URL },
	{ "connections", required_argument, NULL, O_CONNECTIONS },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "rate", required_argument, NULL, O_RATE },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "method", required_argument, NULL, O_METHOD },
	{ "header", required_argument, NULL, O_HEADER },
	{ "body-bytes", required_argument, NULL, O_BODY },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!*s || *s == ' ')
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* http://A.B.C.D[:PORT][/PATH]; the path has no spaces or control bytes. */
static int parse_url(struct se_lg_config *cfg, const char *url, char *err, size_t errlen)
{
	static const char scheme[] = "http://";
	char host[INET_ADDRSTRLEN + 16];
	const char *p, *hp, *colon, *slash;
	size_t hlen;
	uint64_t port = DEFAULT_PORT;

	if (strncasecmp(url, scheme, sizeof(scheme) - 1))
		return fail(err, errlen, "--url: expected http://HOST[:PORT][/PATH], got '%s'",
			    url);
	hp = url + sizeof(scheme) - 1;
	slash = strchr(hp, '/');
	hlen = slash ? (size_t)(slash - hp) : strlen(hp);
	if (!hlen || hlen >= sizeof(cfg->host))
		return fail(err, errlen, "--url: no usable host in '%s'", url);
	memcpy(cfg->host, hp, hlen);
	cfg->host[hlen] = '\0';
	colon = strchr(cfg->host, ':');
	if (colon && !parse_u64(colon + 1, 1, 65535, &port))
		return fail(err, errlen, "--url: bad port in '%s'", url);
	hlen = colon ? (size_t)(colon - cfg->host) : hlen;
	if (hlen >= sizeof(host))
		return fail(err, errlen, "--url: HOST must be an IPv4 address, got '%s'", url);
	memcpy(host, cfg->host, hlen);
	host[hlen] = '\0';
	memset(&cfg->addr, 0, sizeof(cfg->addr));
	cfg->addr.sin_family = AF_INET;
	cfg->addr.sin_port = htons((uint16_t)port);
	if (!strcasecmp(host, "localhost"))
		cfg->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &cfg->addr.sin_addr) != 1)
		return fail(err, errlen, "--url: HOST must be an IPv4 address, got '%s'", url);
	cfg->path = slash ? slash : "/";
	for (p = cfg->path; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return fail(err, errlen, "--url: the path has a space or control byte");
	cfg->path_len = strlen(cfg->path);
	cfg->url = url;
	return 0;
}

static int check_header(const char *h, char *err, size_t errlen)
{
	const char *colon = strchr(h, ':');

	if (!colon || colon == h)
		return fail(err, errlen, "--header: expected 'Name: value', got '%s'", h);
	for (const char *p = h; p < colon; p++)
		if (!is_tchar(*p))
			return fail(err, errlen, "--header: bad header name in '%s'", h);
	for (const char *p = colon; *p; p++)
		if (*p == '\r' || *p == '\n')
			return fail(err, errlen, "--header: the value has a line break");
	return 0;
}

int se_lg_cli_parse(struct se_lg_config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	uint64_t v;
	int opt, ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->connections = 10;
	cfg->threads = 1;
	cfg->duration_s = 5;
	strcpy(cfg->method, "GET");
	err[0] = '\0';
	optind = 0; /* GNU: start over, so a test can parse twice */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		switch (opt) {
		case O_URL:
			ret = parse_url(cfg, optarg, err, errlen);
			if (ret)
				return ret;
			break;
		case O_CONNECTIONS:
			if (!parse_u64(optarg, 1, SE_LG_CONNECTIONS_MAX, &v))
				return fail(
				    err, errlen,
				    "--connections: expected an integer from 1 to %u, got '%s'",
				    SE_LG_CONNECTIONS_MAX, optarg);
			cfg->connections = (uint32_t)v;
			break;
		case O_DURATION:
			if (!parse_double(optarg, 0, SE_LG_DURATION_MAX, &cfg->duration_s) ||
			    cfg->duration_s <= 0)
				return fail(
				    err, errlen,
				    "--duration: expected seconds above 0, up to %.0f, got '%s'",
				    SE_LG_DURATION_MAX, optarg);
			break;
		case O_RATE:
			if (!parse_double(optarg, 0, SE_LG_RATE_MAX, &cfg->rate))
				return fail(
				    err, errlen,
				    "--rate: expected requests/s from 0 (closed loop) to %.0f, "
				    "got '%s'",
				    SE_LG_RATE_MAX, optarg);
			break;
		case O_THREADS:
			if (!parse_u64(optarg, 1, SE_LG_THREADS_MAX, &v))
				return fail(err, errlen,
					    "--threads: expected an integer from 1 to %u, got '%s'",
					    SE_LG_THREADS_MAX, optarg);
			cfg->threads = (uint32_t)v;
			break;
		case O_METHOD: {
			size_t n = strlen(optarg);

			if (!n || n > SE_LG_METHOD_MAX)
				return fail(err, errlen,
					    "--method: expected a method name, got '%s'", optarg);
			for (size_t i = 0; i < n; i++)
				if (!is_tchar(optarg[i]))
					return fail(err, errlen,
						    "--method: expected a method name, got '%s'",
						    optarg);
			memcpy(cfg->method, optarg, n + 1);
			break;
		}
		case O_HEADER:
			ret = check_header(optarg, err, errlen);
			if (ret)
				return ret;
			if (cfg->nheaders == SE_LG_HEADERS_MAX)
				return fail(err, errlen, "--header: at most %u headers",
					    SE_LG_HEADERS_MAX);
			cfg->headers[cfg->nheaders++] = optarg;
			break;
		case O_BODY:
			if (!parse_u64(optarg, 0, SE_LG_BODY_MAX, &cfg->body_bytes))
				return fail(
				    err, errlen,
				    "--body-bytes: expected an integer from 0 to %llu, got '%s'",
				    (unsigned long long)SE_LG_BODY_MAX, optarg);
			break;
		case 'j':
			cfg->json = true;
			break;
		case 'h':
			cfg->help = true;
			return 0;
		case ':':
			return fail(err, errlen, "%s: needs a value", argv[optind - 1]);
		default:
			return fail(err, errlen, "%s: unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fail(err, errlen, "%s: unexpected argument", argv[optind]);
	if (!cfg->url)
		return fail(err, errlen, "--url: required");
	if (cfg->threads > cfg->connections)
		return fail(err, errlen, "--threads: more threads (%u) than connections (%u)",
			    cfg->threads, cfg->connections);
	cfg->head = !strcmp(cfg->method, "HEAD");
	return 0;
}

static bool has_header(const struct se_lg_config *cfg, const char *name)
{
	size_t n = strlen(name);

	for (uint32_t i = 0; i < cfg->nheaders; i++)
		if (!strncasecmp(cfg->headers[i], name, n) && cfg->headers[i][n] == ':')
			return true;
	return false;
}

/* Appends to the request; the caller sized the buffer for everything. */
static size_t put(char *buf, size_t at, const char *s, size_t n)
{
	memcpy(buf + at, s, n);
	return at + n;
}

int se_lg_request_build(struct se_lg_config *cfg)
{
	char line[64];
	bool host = !has_header(cfg, "host");
	bool length = cfg->body_bytes || !strcmp(cfg->method, "POST") ||
		      !strcmp(cfg->method, "PUT") || !strcmp(cfg->method, "PATCH");
	size_t n = 0, size, llen = 0;

	if (length)
		llen = (size_t)snprintf(line, sizeof(line), "Content-Length: %llu\r\n",
					(unsigned long long)cfg->body_bytes);
	size = strlen(cfg->method) + 1 + cfg->path_len + sizeof(" HTTP/1.1\r\n") +
	       sizeof("Host: \r\n") + strlen(cfg->host) + llen + 2 + cfg->body_bytes;
	for (uint32_t i = 0; i < cfg->nheaders; i++)
		size += strlen(cfg->headers[i]) + 2;
	cfg->request = malloc(size);
	if (!cfg->request)
		return -ENOMEM;
	n = put(cfg->request, n, cfg->method, strlen(cfg->method));
	n = put(cfg->request, n, " ", 1);
	n = put(cfg->request, n, cfg->path, cfg->path_len);
	n = put(cfg->request, n, " HTTP/1.1\r\n", 11);
	if (host) {
		n = put(cfg->request, n, "Host: ", 6);
		n = put(cfg->request, n, cfg->host, strlen(cfg->host));
		n = put(cfg->request, n, "\r\n", 2);
	}
	for (uint32_t i = 0; i < cfg->nheaders; i++) {
		n = put(cfg->request, n, cfg->headers[i], strlen(cfg->headers[i]));
		n = put(cfg->request, n, "\r\n", 2);
	}
	n = put(cfg->request, n, line, llen);
	n = put(cfg->request, n, "\r\n", 2);
	memset(cfg->request + n, 'x', cfg->body_bytes);
	cfg->request_len = n + cfg->body_bytes;
	return 0;
}

void se_lg_config_fini(struct se_lg_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->request);
	cfg->request = NULL;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * OTLP headers and the standard OpenTelemetry environment variables (see
 * src/config/config.h). Flags are parsed first; a variable only fills what no flag set,
 * as the OpenTelemetry SDKs let code-level configuration win over the environment. Pure, but
 * for the check that the TLS files named can be read.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "util/percent.h"
#include "util/url.h"

/* RFC 9110 token characters. */
static int se_is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

int se_config_parse_header(const char *s, char *out, size_t outlen)
{
	const char *eq = strchr(s, '='), *v;
	size_t nlen;

	if (!eq || eq == s)
		return -EINVAL;
	while (isspace((unsigned char)*s))
		s++;
	nlen = (size_t)(eq - s);
	while (nlen && isspace((unsigned char)s[nlen - 1]))
		nlen--;
	if (!nlen)
		return -EINVAL;
	for (size_t i = 0; i < nlen; i++)
		if (!se_is_tchar((unsigned char)s[i]))
			return -EINVAL;
	for (v = eq + 1; isspace((unsigned char)*v);)
		v++;
	if (strpbrk(v, "\r\n"))
		return -EINVAL;
	if ((size_t)snprintf(out, outlen, "%.*s: %s", (int)nlen, s, v) >= outlen)
		return -EINVAL;
	return 0;
}

int se_config_add_header(struct se_config *cfg, const char *name_eq_value)
{
	char h[SE_OTLP_HEADER_MAX];
	size_t nlen;

	if (se_config_parse_header(name_eq_value, h, sizeof(h)))
		return -EINVAL;
	nlen = strcspn(h, ":");
	for (unsigned int i = 0; i < cfg->otlp_nheaders; i++)
		if (!strncasecmp(cfg->otlp_headers[i], h, nlen) &&
		    cfg->otlp_headers[i][nlen] == ':')
			return 0; /* given before (by a flag): that one wins */
	if (cfg->otlp_nheaders == SE_OTLP_HEADERS_MAX)
		return -ENOSPC;
	memcpy(cfg->otlp_headers[cfg->otlp_nheaders++], h, sizeof(h));
	return 0;
}

int se_config_add_headers_text(struct se_config *cfg, const char *text, size_t len,
			       unsigned int *line)
{
	const char *p = text, *end = text + len;
	int ret = 0;

	*line = 0;
	if (memchr(text, '\0', len)) { /* no header holds one; the line is the one it is on */
		for (const char *q = text; *q; q++)
			*line += *q == '\n';
		++*line;
		return -EINVAL;
	}
	while (p < end && !ret) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (nl ? nl : end) - p;
		char item[SE_OTLP_HEADER_MAX + 1];
		size_t sep;

		++*line;
		while (n && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		while (n && isspace((unsigned char)p[n - 1])) /* CRLF files, trailing blanks */
			n--;
		if (n && *p != '#') {
			if (n >= sizeof(item)) {
				ret = -EINVAL;
				break;
			}
			memcpy(item, p, n);
			item[n] = '\0';
			sep = strcspn(item, ":=");
			if (item[sep] == ':') /* "Name: value" as se_config_add_header takes it */
				item[sep] = '=';
			ret = se_config_add_header(cfg, item);
			explicit_bzero(item, sizeof(item));
		}
		p = nl ? nl + 1 : end;
	}
	if (!ret)
		*line = 0;
	return ret;
}

static int se_env_fail(char *err, size_t errlen, const char *var, const char *value,
		       const char *what)
{
	snprintf(err, errlen, "%s: '%s' %s", var, value, what);
	return -EINVAL;
}

/* The TLS variables, generic and per signal (OTEL_EXPORTER_OTLP_<SIGNAL>_<WHAT>). */
static const char *const se_env_tls_vars[SE_OTLP_SIGNALS + 1][3] = {
	[SE_OTLP_METRICS] = { "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE",
			      "OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE",
			      "OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY" },
	[SE_OTLP_TRACES] = { "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
			     "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
			     "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY" },
	[SE_OTLP_SIGNALS] = { "OTEL_EXPORTER_OTLP_CERTIFICATE",
			      "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
			      "OTEL_EXPORTER_OTLP_CLIENT_KEY" },
};

/* Fill each signal's TLS files that no flag set: its own variable, else the generic one. */
static int se_env_tls(struct se_config *cfg, const char *(*getenv_fn)(const char *), char *err,
		      size_t errlen)
{
	for (int sig = 0; sig < SE_OTLP_SIGNALS; sig++) {
		struct se_otlp_tls *t = &cfg->otlp_tls[sig];
		struct se_config_file *files[3] = { &t->ca, &t->cert, &t->key };

		for (int what = 0; what < 3; what++) {
			struct se_config_file *f = files[what];
			const char *var = se_env_tls_vars[sig][what], *v;

			if (f->path[0])
				continue;
			if (!(v = getenv_fn(var)) || !*v) {
				var = se_env_tls_vars[SE_OTLP_SIGNALS][what];
				if (!(v = getenv_fn(var)) || !*v)
					continue;
			}
			if (strlen(v) >= sizeof(f->path))
				return se_env_fail(err, errlen, var, v, "is too long a path");
			strcpy(f->path, v);
			f->from = var;
		}
	}
	return 0;
}

/* Every TLS file named can be read now (libcurl opens them later, at each connection). */
static int se_env_check_tls(const struct se_config *cfg, char *err, size_t errlen)
{
	for (int sig = 0; sig < SE_OTLP_SIGNALS; sig++) {
		const struct se_otlp_tls *t = &cfg->otlp_tls[sig];
		const struct se_config_file *files[3] = { &t->ca, &t->cert, &t->key };

		for (int what = 0; what < 3; what++) {
			const struct se_config_file *f = files[what];
			int ret;

			if (f->path[0] && (ret = se_config_file_check(f->path))) {
				snprintf(err, errlen, "%s: cannot read %s: %s", f->from, f->path,
					 strerror(-ret));
				return -EINVAL;
			}
		}
		if (t->key.path[0] && !t->cert.path[0]) {
			snprintf(err, errlen,
				 "%s: a client key needs a client certificate "
				 "(--otlp-client-certificate or %s)",
				 t->key.from, se_env_tls_vars[SE_OTLP_SIGNALS][1]);
			return -EINVAL;
		}
	}
	return 0;
}

static int se_env_headers(struct se_config *cfg, const char *list, char *err, size_t errlen)
{
	const char *var = "OTEL_EXPORTER_OTLP_HEADERS";

	while (*list) {
		size_t len = strcspn(list, ",");
		char item[SE_OTLP_HEADER_MAX];

		if (len) {
			if (len >= sizeof(item)) { /* values are secrets: never echoed */
				snprintf(err, errlen, "%s: an entry is longer than %zu bytes", var,
					 sizeof(item) - 1);
				return -EINVAL;
			}
			if (se_percent_decode(list, len, item, sizeof(item)) ||
			    se_config_add_header(cfg, item)) {
				/* values are secrets, and may hold CR/LF: never echoed */
				snprintf(err, errlen,
					 "%s: an entry is not a NAME=VALUE header (NAME an HTTP "
					 "token, VALUE without CR or LF), or there are more than "
					 "16",
					 var);
				return -EINVAL;
			}
		}
		list += len;
		if (*list == ',')
			list++;
	}
	return 0;
}

int se_config_apply_env(struct se_config *cfg, const char *(*getenv_fn)(const char *), char *err,
			size_t errlen)
{
	const char *v;
	char shown[256];

	if (!cfg->otlp_endpoint[0] && (v = getenv_fn("OTEL_EXPORTER_OTLP_ENDPOINT")) && *v) {
		/* a URL's user:password is a secret: never echoed */
		if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
			return se_env_fail(err, errlen, "OTEL_EXPORTER_OTLP_ENDPOINT",
					   se_url_redact(v, shown, sizeof(shown)),
					   "is not an http:// or https:// URL");
		if (strlen(v) >= sizeof(cfg->otlp_endpoint))
			return se_env_fail(err, errlen, "OTEL_EXPORTER_OTLP_ENDPOINT",
					   se_url_redact(v, shown, sizeof(shown)), "is too long");
		strcpy(cfg->otlp_endpoint, v);
	}
	if ((v = getenv_fn("OTEL_EXPORTER_OTLP_HEADERS")) && se_env_headers(cfg, v, err, errlen))
		return -EINVAL;
	if (!(cfg->flags_given & SE_GIVEN_COMPRESSION) &&
	    (v = getenv_fn("OTEL_EXPORTER_OTLP_COMPRESSION")) && *v) {
		if (strcmp(v, "gzip") && strcmp(v, "none"))
			return se_env_fail(err, errlen, "OTEL_EXPORTER_OTLP_COMPRESSION", v,
					   "is neither gzip nor none");
		cfg->otlp_gzip = !strcmp(v, "gzip");
	}
	if (!(cfg->flags_given & SE_GIVEN_TIMEOUT) &&
	    (v = getenv_fn("OTEL_EXPORTER_OTLP_TIMEOUT")) && *v) {
		unsigned long long ms;

		if (se_config_parse_uint(v, 1, 300000, &ms)) /* as --otlp-timeout */
			return se_env_fail(err, errlen, "OTEL_EXPORTER_OTLP_TIMEOUT", v,
					   "is not a number of milliseconds");
		cfg->otlp_timeout_s = (unsigned int)((ms + 999) / 1000);
	}
	if (!(cfg->flags_given & SE_GIVEN_TEMPORALITY) &&
	    (v = getenv_fn("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE")) && *v) {
		if (strcasecmp(v, "cumulative") && strcasecmp(v, "delta") &&
		    strcasecmp(v, "lowmemory"))
			return se_env_fail(err, errlen,
					   "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", v,
					   "is none of cumulative, delta, lowmemory");
		/* lowmemory is delta for counters and histograms, all sockeye has that are not
		 * gauges */
		cfg->delta = strcasecmp(v, "cumulative") != 0;
	}
	if (se_env_tls(cfg, getenv_fn, err, errlen))
		return -EINVAL;
	if (cfg->otlp_endpoint[0] && se_env_check_tls(cfg, err, errlen))
		return -EINVAL;
	cfg->out_stdout = se_config_out_stdout(cfg);
	return 0;
}

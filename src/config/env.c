// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * OTLP headers and the standard OpenTelemetry environment variables (see
 * include/sockeye/config.h). Flags are parsed first; a variable only fills what no flag set,
 * as the OpenTelemetry SDKs let code-level configuration win over the environment. Pure.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sockeye/config.h"
#include "sockeye/percent.h"

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

static int se_env_fail(char *err, size_t errlen, const char *var, const char *value,
		       const char *what)
{
	snprintf(err, errlen, "%s: '%s' %s", var, value, what);
	return -EINVAL;
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

	if (!cfg->otlp_endpoint[0] && (v = getenv_fn("OTEL_EXPORTER_OTLP_ENDPOINT")) && *v) {
		if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
			return se_env_fail(err, errlen, "OTEL_EXPORTER_OTLP_ENDPOINT", v,
					   "is not an http:// or https:// URL");
		if (strlen(v) >= sizeof(cfg->otlp_endpoint))
			return se_env_fail(err, errlen, "OTEL_EXPORTER_OTLP_ENDPOINT", v,
					   "is too long");
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
	cfg->out_stdout = cfg->out_stdout_explicit || !cfg->otlp_endpoint[0];
	return 0;
}

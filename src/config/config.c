// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Defaults and value parsers of the configuration. Pure: no I/O, no globals, so the unit
 * tests can feed it any string.
 */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void se_config_defaults(struct se_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->workers = 0;
	cfg->ring_size = SE_DEFAULT_RING_SIZE;
	se_config_parse_ports(SE_DEFAULT_PORTS, cfg->watched_ports);
	snprintf(cfg->ports_text, sizeof(cfg->ports_text), "%s", SE_DEFAULT_PORTS);
	se_config_parse_ports(SE_DEFAULT_DNS_PORTS, cfg->dns_ports);
	snprintf(cfg->dns_ports_text, sizeof(cfg->dns_ports_text), "%s", SE_DEFAULT_DNS_PORTS);
	cfg->window_s = SE_DEFAULT_WINDOW_S;
	cfg->netns_mode = SE_NETNS_SELF;
	cfg->capture_bytes = SE_CAPTURE_DEFAULT;
	cfg->poll_ms = SE_DEFAULT_POLL_MS;
	cfg->wakeup_bytes = se_config_default_wakeup_bytes(SE_DEFAULT_RING_SIZE);
	cfg->max_connections = SE_DEFAULT_MAX_CONNECTIONS;
	cfg->max_groups = SE_DEFAULT_MAX_GROUPS;
	cfg->buffer_budget = SE_DEFAULT_BUFFER_BUDGET;
	cfg->export_queue = SE_DEFAULT_EXPORT_QUEUE;
	cfg->otlp_timeout_s = SE_DEFAULT_OTLP_TIMEOUT_S;
	cfg->max_spans_per_second = SE_DEFAULT_MAX_SPANS_PER_SECOND;
	cfg->metrics_ttl_s = SE_DEFAULT_METRICS_TTL_S;
}

int se_config_parse_uint(const char *s, unsigned long long min, unsigned long long max,
			 unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int se_config_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1])
		return -EINVAL;
	if (v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

/* "80,443,8000-8010": single ports and inclusive ranges, 1..65535. */
int se_config_parse_ports(const char *s, uint64_t bitmap[SE_PORT_BITMAP_WORDS])
{
	uint64_t tmp[SE_PORT_BITMAP_WORDS] = { 0 };
	const char *p = s;
	int n = 0;

	if (!s || !*s)
		return -EINVAL;
	while (*p) {
		char *end;
		unsigned long lo, hi;

		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		lo = strtoul(p, &end, 10);
		hi = lo;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -EINVAL;
			hi = strtoul(end + 1, &end, 10);
		}
		if (lo < 1 || hi > 65535 || lo > hi)
			return -EINVAL;
		for (unsigned long port = lo; port <= hi; port++)
			tmp[port >> 6] |= 1ull << (port & 63);
		n++;
		if (*end == ',' && end[1])
			p = end + 1;
		else if (*end == '\0')
			p = end;
		else
			return -EINVAL;
	}
	if (!n)
		return -EINVAL;
	memcpy(bitmap, tmp, sizeof(tmp));
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/endpoint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const uint8_t se_v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static bool se_endpoint_shows_v6(const struct se_endpoint *e)
{
	return e->family == AF_INET6 && memcmp(e->addr, se_v4_mapped_prefix, 12);
}

void se_endpoint_format_addr(const struct se_endpoint *e, char *buf, size_t len)
{
	if (se_endpoint_shows_v6(e))
		inet_ntop(AF_INET6, e->addr, buf, (socklen_t)len);
	else if (e->family == AF_INET6)
		inet_ntop(AF_INET, e->addr + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET, e->addr, buf, (socklen_t)len);
}

void se_endpoint_format(const struct se_endpoint *e, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	se_endpoint_format_addr(e, ip, sizeof(ip));
	snprintf(buf, len, se_endpoint_shows_v6(e) ? "[%s]:%u" : "%s:%u", ip, e->port);
}

int se_endpoint_parse(const char *s, struct se_endpoint *e)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	size_t n;
	unsigned long port = 0;

	memset(e, 0, sizeof(*e));
	if (!colon || !colon[1] || strlen(colon + 1) > 5)
		return -EINVAL;
	for (const char *p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (!port || port > 65535)
		return -EINVAL;
	e->port = (uint16_t)port;
	n = (size_t)(colon - s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		if (n - 2 >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, n - 2);
		host[n - 2] = '\0';
		e->family = AF_INET6;
		return inet_pton(AF_INET6, host, e->addr) == 1 ? 0 : -EINVAL;
	}
	if (n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	e->family = AF_INET;
	if (!n)
		return 0; /* every IPv4 address */
	return inet_pton(AF_INET, host, e->addr) == 1 ? 0 : -EINVAL;
}
